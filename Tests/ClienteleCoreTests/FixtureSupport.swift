import Foundation
@testable import ClienteleCore

enum Fixture {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")!.path
    }

    static func text(_ name: String) -> String {
        try! String(contentsOfFile: path(name), encoding: .utf8)
    }

    static func day(_ iso: String) -> Int { CivilDate.parseISODate(iso)! }

    /// Money units of a decimal literal, e.g. "25.5" -> 255000.
    static func units(_ s: String) -> Int64 { ParsedDecimal.parse(s)!.moneyUnits! }
}

extension Analysis {
    func row(_ id: String) -> Int? {
        guard let code = table.ids.lookup(id) else { return nil }
        let r = table.rowOfCode[Int(code)]
        return r < 0 ? nil : Int(r)
    }
}
