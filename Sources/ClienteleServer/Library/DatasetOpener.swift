import ClienteleCore
import ClientelePostgres
import Foundation

/// Loads the data sets of the library: the demo, an upload or a command-line file, with the entry's mapping,
/// day-first flag, excluded products and currency. Blocking work: callers run it in a compute slot (the server) or
/// at start-up (`clientele serve`).
public struct DatasetOpener: Sendable {
    /// Lines of the demo data (`--demo-lines`).
    public var demoLines: Int
    /// Days a line's date may take (`--valid-dates`; nil: the default range).
    public var validDays: ClosedRange<Int>?
    /// The rules file's `exclude_products`, added to each entry's own.
    public var rulesExclude: [String]

    public init(demoLines: Int = DemoData.defaultLines, validDays: ClosedRange<Int>? = nil, rulesExclude: [String] = []) {
        self.demoLines = demoLines
        self.validDays = validDays
        self.rulesExclude = rulesExclude
    }

    /// The built-in demo's entry (id 0; never stored).
    public var demoEntry: LibraryEntry {
        LibraryEntry(id: 0, name: DemoData.name, kind: .demo, path: "", layout: "Online Retail II", currency: DemoData.currency,
                     added: Date(timeIntervalSince1970: 0), validLines: demoLines)
    }

    /// The source sentence shown on the Home page.
    public func sourceText(_ e: LibraryEntry) -> String {
        switch e.kind {
        case .demo: return "Built-in demo data: \(DisplayFormat.integer(demoLines)) generated order lines of a fictional gift shop (Online Retail II layout, seed 42)"
        case .upload: return "Uploaded file \(e.name) (in the data-set library)"
        case .file: return "File \(fileName(e.path)) (in the data-set library)"
        case .postgres: return "PostgreSQL \(e.database?.table.map { "table \($0)" } ?? "query") at \(e.database?.url ?? e.path) (in the data-set library)"
        }
    }

    /// The database source of a `postgres` entry: its stored password, else PGPASSWORD or ~/.pgpass of the server.
    public func postgresSource(_ entry: LibraryEntry) throws(PostgresSourceError) -> PostgresSource {
        guard let db = entry.database else { throw .settings("the entry \(entry.name) has no database settings.") }
        var settings = try PostgresSettings(url: db.url)
        if let p = db.password { settings.password = p } else { try settings.resolvePassword() }
        var mapping: UserMapping?
        if let text = entry.mapping {
            do throws(IngestError) { mapping = try UserMapping(parsing: text) } catch { throw .settings(error.description) }
        }
        return PostgresSource(settings: settings, relation: db.table.map { .table($0) } ?? .query(db.query ?? ""), mapping: mapping,
                              validDays: validDays, excludedProducts: ExcludedProducts(entry.excludedProducts).adding(rulesExclude),
                              statementTimeout: db.statementTimeout)
    }

    /// Loads `entry` (files through `library` for the data folder). The failure is a sentence without server paths.
    /// A `postgres` entry is opened as a live source instead (``postgresSource(_:)`` and ``LiveSource``).
    public func load(_ entry: LibraryEntry, library: DatasetLibrary) -> Result<Dataset, LoadFailure> {
        if entry.kind == .postgres {
            return .failure(LoadFailure(message: "\(entry.name) is a live database source: use it from the Data sets page.", missing: false))
        }
        let started = Date()
        var options = LoadOptions(dayFirst: entry.dayFirst, validDays: validDays)
        options.excludedProducts = ExcludedProducts(entry.excludedProducts).adding(rulesExclude)
        options.workers = ProcessInfo.processInfo.activeProcessorCount
        let path = library.filePath(entry)
        let shownFile = entry.kind == .upload ? entry.name : fileName(entry.path)
        do throws(IngestError) {
            if let text = entry.mapping { options.mapping = try UserMapping(parsing: text) }
            let loaded: LoadedData
            if entry.kind == .demo {
                loaded = try DemoData.load(lines: demoLines, options: options)
            } else {
                guard FileManager.default.fileExists(atPath: path) else {
                    return .failure(LoadFailure(message: entry.kind == .upload
                        ? "The uploaded file of \(entry.name) is no longer in the data folder; delete this entry and upload the file again."
                        : "The file \(shownFile) is no longer where it was given (it was moved, renamed or deleted); delete this entry or serve the file again.",
                        missing: true))
                }
                loaded = try OrderLineLoader.load(paths: [path], options: options)
            }
            var d = Dataset(name: entry.name, source: sourceText(entry), loaded: loaded, loadSeconds: Date().timeIntervalSince(started))
            if let c = entry.currency { d.currency = c }
            return .success(d)
        } catch {
            let text = error.description
                .replacingOccurrences(of: path, with: shownFile)
                .replacingOccurrences(of: URL(fileURLWithPath: library.dataDirectory).standardizedFileURL.path, with: "the data folder")
                .replacingOccurrences(of: library.dataDirectory, with: "the data folder")
            return .failure(LoadFailure(message: "\(entry.name) no longer loads: \(text)", missing: false))
        }
    }

    public struct LoadFailure: Error, Sendable {
        public var message: String
        /// The file is gone (rather than unreadable).
        public var missing: Bool
    }
}

/// The last component of a path: pages and messages name files, never the server's folders.
func fileName(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }
