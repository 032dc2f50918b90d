import ArgumentParser
import ClienteleCore
import ClientelePostgres
import Foundation

/// The input options every command that reads order lines shares (`@OptionGroup`), with one validation.
struct InputOptions: ParsableArguments {
    @Argument(help: "Order-line files (- for standard input; serve: none for the built-in demo data).")
    var files: [String] = []

    @Flag(name: .long, help: "Use the built-in demo data (generated, Online Retail II layout) instead of files.")
    var demo = false

    @Option(name: .customLong("demo-lines"), help: "Lines of demo data.")
    var demoLines: Int = DemoData.defaultLines

    @Option(name: .long, help: "Column mapping for other layouts: customer=COL,timestamp=COL,quantity=COL,unit_price=COL[,invoice=COL,country=COL,product=COL] or revenue=COL.")
    var map: String?

    @Flag(name: .customLong("day-first"), help: "Read slash dates as day/month/year (default month/day/year).")
    var dayFirst = false

    @Option(name: .customLong("valid-dates"), help: CommandInput.validDatesHelp)
    var validDates: String?

    @Option(name: .customLong("exclude-products"), help: CommandInput.excludeProductsHelp)
    var excludeProducts: String?

    @Option(name: .long, help: "Locale of numbers and dates in pages, reports and terminal output, e.g. en_GB, de_DE, fr_FR (default: 1,234.56 and ISO dates 2011-12-09). Data files (CSV, JSON) are never localised.")
    var locale: String?

    @Option(name: .long, help: "A live PostgreSQL source instead of files: postgres://USER@HOST:PORT/DATABASE[?sslmode=require] (no password in the URL: PGPASSWORD, --password-file or ~/.pgpass). With --table or --query.")
    var postgres: String?

    @Option(name: .long, help: "With --postgres: the table (or view) of order lines, optionally schema-qualified (sales.order_lines). Columns: invoice, customer_id, timestamp, quantity, unit_price (or revenue), country, or --map.")
    var table: String?

    @Option(name: .long, help: "With --postgres: a SELECT of your own instead of --table (run as a subquery, read-only).")
    var query: String?

    @Option(name: .customLong("password-file"), help: "With --postgres: a file whose first line is the password (default: PGPASSWORD, then ~/.pgpass).")
    var passwordFile: String?

    @Option(name: .customLong("statement-timeout"), help: "With --postgres: seconds each query may run before the database cancels it.")
    var statementTimeout: Int = 300

    @Option(name: .long, help: "Currency of the money amounts, an ISO 4217 code such as GBP, EUR or USD (default: the export's currency column where it has one, GBP for the demo data).")
    var currency: String?

    func validate() throws {
        // A misspelt option lands among the files: name it rather than complain about the inputs.
        if let bad = files.first(where: { $0.hasPrefix("--") }) { throw ValidationError("Unknown option '\(bad)'.") }
        try CommandInput.validateDemoLines(demoLines)
        try CommandInput.validateValidDates(validDates)
        if demo && !files.isEmpty { throw ValidationError("give files or --demo, not both.") }
        if postgres != nil {
            if demo || !files.isEmpty { throw ValidationError("give files, --demo or --postgres, not several.") }
            if (table == nil) == (query == nil) { throw ValidationError("--postgres needs --table NAME or --query \"SELECT ...\" (one of them).") }
            if dayFirst { throw ValidationError("--day-first is for text dates in files; a database's timestamps are typed.") }
            guard (1...86_400).contains(statementTimeout) else { throw ValidationError("--statement-timeout must be between 1 and 86400 seconds.") }
        } else if table != nil || query != nil || passwordFile != nil {
            throw ValidationError("--table, --query and --password-file go with --postgres URL.")
        }
        if let locale, !DisplayStyle.isKnownLocale(locale) {
            throw ValidationError("--locale takes a locale such as en_GB, en_US, de_DE or fr_FR, not '\(locale)'.")
        }
        if let currency, CurrencyCode(currency) == nil {
            throw ValidationError("--currency takes a three-letter ISO 4217 code such as GBP, EUR or USD, not '\(currency)'.")
        }
    }

    /// For the commands that need an input (all but serve, which opens on the demo data without files).
    func requireInput() throws {
        if files.isEmpty && !demo && postgres == nil { throw ValidationError("give at least one file (or - for standard input, or --demo, or --postgres URL --table NAME).") }
    }

    /// True when the demo data is read: `--demo`, or no file at all (serve).
    var usesDemo: Bool { demo || (files.isEmpty && postgres == nil) }

    /// The database source of `--postgres` (the password resolved), nil without it.
    func postgresSource(rulesExclude: [String] = []) throws(IngestError) -> PostgresSource? {
        guard let postgres else { return nil }
        let mapping = try map.map { text throws(IngestError) in try UserMapping(parsing: text) }
        let validDays = try validDates.map { text throws(IngestError) in try LoadOptions.parseValidDates(text).get() }
        do throws(PostgresSourceError) {
            var settings = try PostgresSettings(url: postgres)
            try settings.resolvePassword(file: passwordFile)
            let relation: PostgresSource.Relation = table.map { .table($0) } ?? .query(query ?? "")
            return PostgresSource(settings: settings, relation: relation, mapping: mapping, validDays: validDays,
                                  excludedProducts: ExcludedProducts(parsing: excludeProducts ?? "").adding(rulesExclude),
                                  statementTimeout: statementTimeout)
        } catch {
            throw .database(error.description)
        }
    }

    /// Loads the input; `rulesExclude` is the rules file's `exclude_products`; `configure` adjusts the load options.
    func load(rulesExclude: [String] = [], configure: (inout LoadOptions) -> Void = { _ in }) throws(IngestError) -> LoadedData {
        if let source = try postgresSource(rulesExclude: rulesExclude) {
            var loaded = try CommandInput.blocking(source)
            if let code = currency.flatMap(CurrencyCode.init) { loaded.currency = code.code }
            return loaded
        }
        var loaded = try CommandInput.load(files: files, demo: usesDemo, demoLines: demoLines, map: map, dayFirst: dayFirst, validDates: validDates,
                                           excludeProducts: excludeProducts, rulesExclude: rulesExclude, configure: configure)
        if let code = currency.flatMap(CurrencyCode.init) { loaded.currency = code.code }
        return loaded
    }

    /// The name shown for the data.
    var name: String { postgres != nil ? (table ?? "query") : CommandInput.name(files: files, demo: usesDemo) }
}

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

    /// Loads a database source from synchronous code (the commands other than serve).
    static func blocking(_ source: PostgresSource) throws(IngestError) -> LoadedData {
        let result = PostgresSource.waitBlocking { () async -> Result<LoadedData, IngestError> in
            do throws(PostgresSourceError) {
                return .success(try await source.load().loaded)
            } catch {
                return .failure(.database(error.description))
            }
        }
        return try result!.get()   // no timeout: always a value
    }

    /// The name shown for the data: the demo file name, or the files' names joined by " + ".
    static func name(files: [String], demo: Bool) -> String {
        demo ? DemoData.name : files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " + ")
    }
}
