import Foundation
import Mustache

/// The report's Mustache templates (`Templates/`), read once from the installation.
enum ReportTemplates {
    static let library: MustacheLibrary = {
        var templates: [String: MustacheTemplate] = [:]
        let names = ["report-html", "report-md", "report-table", "report-table-md"]
        for name in names {
            guard let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates"),
                  let text = try? String(contentsOf: url, encoding: .utf8) else {
                preconditionFailure("The report template \(name).mustache is missing from the installation.")
            }
            do {
                templates[name] = try MustacheTemplate(string: text)
            } catch {
                preconditionFailure("The report template \(name).mustache does not parse: \(error)")
            }
        }
        return MustacheLibrary(templates: templates)
    }()

    static func render(_ values: [String: Any], _ name: String) -> String {
        library.render(values, withTemplate: name) ?? ""
    }
}
