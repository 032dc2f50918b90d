import ArgumentParser
import ClienteleCore
import Foundation

/// The order lines a command works on: the built-in demo data or files, read with the command's mapping options.
enum CommandInput {
    /// Help of `--valid-dates`, the same on every command that reads order lines.
    static let validDatesHelp: ArgumentHelp = "Dates accepted as FROM..TO (YYYY-MM-DD..YYYY-MM-DD); lines dated outside are invalid (timestamp out of range). Default: 1970-01-01 to one day after today."

    /// Checks a `--valid-dates` value (for a command's `validate()`).
    static func validateValidDates(_ text: String?) throws {
        guard let text else { return }
        if case .failure(let error) = LoadOptions.parseValidDates(text) { throw ValidationError("--valid-dates: \(error.description)") }
    }

    static let horizonDaysHelp: ArgumentHelp = "H of churn risk, the chance of no order in the next H days (default 90, or horizon_days of the rules file); the last H days before the as-of date are the holdout the models are chosen on."

    /// Checks a `--horizon-days` value.
    static func validateHorizonDays(_ h: Int?) throws {
        if let h, !(1...3660).contains(h) { throw ValidationError("--horizon-days must be between 1 and 3660 days, got \(h).") }
    }

    static let excludeProductsHelp: ArgumentHelp = "Product codes to leave out, comma-separated (e.g. POST,M,BANK CHARGES): postage, fees and adjustments that are not purchases. Added to exclude_products of the rules file. The Data quality page lists the codes that look like such lines. Default: none (ANALYTICS.md counts every line)."

    /// The most demo lines (generated in memory).
    static let maxDemoLines = 50_000_000

    /// Checks a `--demo-lines` value (for a command's `validate()`).
    static func validateDemoLines(_ n: Int) throws {
        if n < 1 { throw ValidationError("--demo-lines must be at least 1.") }
        if n > maxDemoLines {
            throw ValidationError("--demo-lines must be at most \(DisplayFormat.integer(maxDemoLines)) (the demo data is generated in memory).")
        }
    }

    /// Loads the demo data (`demo`) or `files`; `validDates` is a `--valid-dates` value (nil: the default range);
    /// `configure` adjusts the load options (workers, progress).
    /// `excludeProducts` is the `--exclude-products` value, `rulesExclude` the rules file's `exclude_products`.
    static func load(files: [String], demo: Bool, demoLines: Int, map: String?, dayFirst: Bool, validDates: String? = nil,
                     excludeProducts: String? = nil, rulesExclude: [String] = [],
                     configure: (inout LoadOptions) -> Void = { _ in }) throws(IngestError) -> LoadedData {
        var options = LoadOptions(mapping: try map.map { text throws(IngestError) in try UserMapping(parsing: text) }, dayFirst: dayFirst)
        if let validDates { options.validDays = try LoadOptions.parseValidDates(validDates).get() }
        options.excludedProducts = ExcludedProducts(parsing: excludeProducts ?? "").adding(rulesExclude)
        configure(&options)
        return demo ? try DemoData.load(lines: demoLines, options: options) : try OrderLineLoader.load(paths: files, options: options)
    }

    /// The name shown for the data: the demo file name, or the files' names joined by " + ".
    static func name(files: [String], demo: Bool) -> String {
        demo ? DemoData.name : files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " + ")
    }
}
