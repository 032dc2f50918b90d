import ClienteleCore
import Foundation

/// The order lines a command works on: the built-in demo data or files, read with the command's mapping options.
enum CommandInput {
    /// Loads the demo data (`demo`) or `files`; `configure` adjusts the load options (workers, progress).
    static func load(files: [String], demo: Bool, demoLines: Int, map: String?, dayFirst: Bool,
                     configure: (inout LoadOptions) -> Void = { _ in }) throws(IngestError) -> LoadedData {
        var options = LoadOptions(mapping: try map.map { text throws(IngestError) in try UserMapping(parsing: text) }, dayFirst: dayFirst)
        configure(&options)
        return demo ? try DemoData.load(lines: demoLines, options: options) : try OrderLineLoader.load(paths: files, options: options)
    }

    /// The name shown for the data: the demo file name, or the files' names joined by " + ".
    static func name(files: [String], demo: Bool) -> String {
        demo ? DemoData.name : files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " + ")
    }
}
