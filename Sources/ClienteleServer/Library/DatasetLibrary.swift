import ClienteleCore
import Foundation
import Logging
import NIOCore
import SQLiteNIO
import Synchronization

/// Where a data set's order lines come from. Stored as its raw value, so that later kinds (a live database source)
/// are one more case.
public enum DatasetSourceKind: String, Sendable, CaseIterable {
    /// The built-in demo data (always listed, never stored in the database, cannot be deleted).
    case demo
    /// A file uploaded in the browser, kept in `<data>/uploads/` (removed with its entry).
    case upload
    /// A file given on the command line (`clientele serve FILE`): the user's own file, never deleted.
    case file
    /// A live PostgreSQL table or query (added on the Data sets page): its settings are in ``LibraryEntry/database``.
    case postgres

    public var label: String {
        switch self {
        case .demo: return "Built-in demo"
        case .upload: return "Upload"
        case .file: return "File (command line)"
        case .postgres: return "PostgreSQL (live)"
        }
    }
}

/// One data set of the library: where its file is, how to read it, and what it held when it was added.
public struct LibraryEntry: Sendable, Equatable {
    /// 0 is the built-in demo; stored entries count from 1.
    public var id: Int
    public var name: String
    public var kind: DatasetSourceKind
    /// Uploads: relative to the data folder (inside it); command-line files: the absolute path of the file given.
    public var path: String
    public var layout: String
    /// The column mapping in its `--map` text form (`customer=COL,timestamp=COL,...`); nil for a built-in layout.
    public var mapping: String?
    public var dayFirst: Bool
    /// ISO 4217 code, nil when unknown.
    public var currency: String?
    public var excludedProducts: [String]
    public var added: Date
    /// SHA-256 of the file's bytes (hex).
    public var contentHash: String
    public var fileSize: Int
    public var validLines: Int
    public var invalidLines: Int
    public var customers: Int
    /// First and last day of the valid lines (days since 1970-01-01), nil when there is none.
    public var firstDay: Int?
    public var lastDay: Int?
    /// Why the entry could not be opened the last time it was tried (kept in the database); nil when it loaded.
    public var problem: String?
    /// A database source's connection (kind `postgres`), nil otherwise.
    public var database: DatabaseSourceSettings?

    public init(id: Int = 0, name: String, kind: DatasetSourceKind, path: String, layout: String, mapping: String? = nil, dayFirst: Bool = false,
                currency: String? = nil, excludedProducts: [String] = [], added: Date = Date(), contentHash: String = "", fileSize: Int = 0,
                validLines: Int = 0, invalidLines: Int = 0, customers: Int = 0, firstDay: Int? = nil, lastDay: Int? = nil, problem: String? = nil) {
        self.id = id; self.name = name; self.kind = kind; self.path = path; self.layout = layout; self.mapping = mapping
        self.dayFirst = dayFirst; self.currency = currency; self.excludedProducts = excludedProducts; self.added = added
        self.contentHash = contentHash; self.fileSize = fileSize; self.validLines = validLines; self.invalidLines = invalidLines
        self.customers = customers; self.firstDay = firstDay; self.lastDay = lastDay; self.problem = problem
    }

    /// Copies the quality summary of a loaded data set (lines, customers, span, layout).
    public mutating func summarise(_ d: Dataset) {
        layout = d.report.layout
        validLines = d.report.validLines
        invalidLines = d.report.invalidLines
        customers = d.base.table.count
        firstDay = d.report.validLines > 0 ? d.span.lowerBound : nil
        lastDay = d.report.validLines > 0 ? d.span.upperBound : nil
    }
}

/// How a library entry reaches its PostgreSQL source. The URL never holds a password; the password is stored only
/// when the user asked for it (in the library file, readable by whoever can read the data folder), and never shown.
public struct DatabaseSourceSettings: Sendable, Equatable {
    /// `postgres://user@host:port/database?sslmode=...`
    public var url: String
    /// A table name, or nil when ``query`` is given.
    public var table: String?
    public var query: String?
    public var password: String?
    public var statementTimeout: Int
    /// Seconds between refreshes (nil: on request only).
    public var refreshSeconds: Int?

    public init(url: String, table: String?, query: String?, password: String? = nil, statementTimeout: Int = 300, refreshSeconds: Int? = nil) {
        self.url = url; self.table = table; self.query = query; self.password = password
        self.statementTimeout = statementTimeout; self.refreshSeconds = refreshSeconds
    }
}

/// A saved view: a name for a dashboard URL (a same-site path and query string of a known page).
public struct SavedView: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var path: String
}

/// The library of data sets and the saved views, kept in an embedded SQLite database (`<data>/clientele.sqlite`,
/// sqlite-nio bundles SQLite). The database is read once when opened and mirrored in memory, so pages read it
/// without waiting; every change is written to the database first, then to the mirror.
///
/// A database that cannot be opened, read or written never stops the dashboard: the library then holds only the
/// demo, `problem` says why (shown on the Data sets page), and changes are refused with that message.
///
/// Schema version 4 (`PRAGMA user_version`): `datasets`, `settings` (key/value: `current_dataset`), `views` (version
/// 1), and `database_sources` (one row per `postgres` entry: URL, table or query, password if asked, statement
/// timeout, refresh interval). Version 3 adds `accounts`, `api_tokens` and `audit_log` (Library/Accounts.swift), version 4
/// `report_schedules` (Library/Schedules.swift).
public final class DatasetLibrary: Sendable {
    public static let fileName = "clientele.sqlite"
    public static let schemaVersion = 4

    /// The data folder (uploads are relative to it).
    public let dataDirectory: String
    private let connection: SQLiteConnection?
    private struct State {
        var entries: [LibraryEntry] = []
        var views: [SavedView] = []
        /// The data set chosen (0: the demo).
        var current = 0
        /// What went wrong with the database, shown on the Data sets page.
        var problem: String?
        /// A note about the last start (the chosen data set could not be opened).
        var notice: String?
        /// The entry the dashboard shows now (0: the demo; nil: data that is not in the library, such as several
        /// files or standard input).
        var serving: Int?
    }
    private let state: Mutex<State>
    /// The connection was closed (sqlite-nio asserts that a connection is closed before it goes away).
    private let closed = Mutex(false)

    private init(dataDirectory: String, connection: SQLiteConnection?, state: State) {
        self.dataDirectory = dataDirectory
        self.connection = connection
        self.state = Mutex(state)
    }

    /// Opens (or creates) the library of `dataDirectory`; `inMemory` keeps it in memory only (tests, and servers
    /// built without a library). Never throws: a database that fails is reported by ``problem``.
    public static func open(dataDirectory: String, inMemory: Bool = false) async -> DatasetLibrary {
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        var connection: SQLiteConnection?
        do {
            if !inMemory { try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true) }
            var logger = Logger(label: "clientele.sqlite")
            logger.logLevel = .critical
            let c = try await SQLiteConnection.open(storage: inMemory ? .memory : .file(path: path), logger: logger)
            connection = c
            // The command line (`clientele users ...`) may write while the server runs: wait for its lock.
            _ = try await c.query("PRAGMA busy_timeout = 5000")
            try await migrate(c)
            let state = try await read(c)
            return DatasetLibrary(dataDirectory: dataDirectory, connection: c, state: state)
        } catch {
            try? await connection?.close()
            let reason = "\(error)".contains("not a database") || "\(error)".contains("malformed")
                ? "the library file \(fileName) in the data folder is damaged (not an SQLite database)"
                : "the library file \(fileName) in the data folder could not be opened or written"
            var s = State()
            s.problem = "The data-set library is unavailable: \(reason). The dashboard runs on the demo or the file given; uploads are not remembered until the file is repaired or moved away."
            return DatasetLibrary(dataDirectory: dataDirectory, connection: nil, state: s)
        }
    }

    /// Closes the database (the mirror stays readable; further changes are refused).
    public func close() async {
        guard closed.withLock({ c in defer { c = true }; return !c }) else { return }
        try? await connection?.close()
    }

    deinit {
        // Closed on the connection's thread pool; the pending close keeps the connection alive until it has run.
        if closed.withLock({ !$0 }) { _ = connection?.close() as EventLoopFuture<Void>? }
    }

    static func migrate(_ c: SQLiteConnection) async throws {
        let version = try await c.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
        if version < 1 {
            for sql in [
                """
                CREATE TABLE IF NOT EXISTS datasets (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL,
                  layout TEXT NOT NULL, mapping TEXT, day_first INTEGER NOT NULL DEFAULT 0, currency TEXT,
                  excluded_products TEXT NOT NULL DEFAULT '', added TEXT NOT NULL, content_hash TEXT NOT NULL,
                  file_size INTEGER NOT NULL, valid_lines INTEGER NOT NULL, invalid_lines INTEGER NOT NULL,
                  customers INTEGER NOT NULL, first_day INTEGER, last_day INTEGER, problem TEXT)
                """,
                "CREATE INDEX IF NOT EXISTS datasets_hash ON datasets(content_hash)",
                "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS views (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, path TEXT NOT NULL, added TEXT NOT NULL)",
                "PRAGMA user_version = 1",
            ] { _ = try await c.query(sql) }
        }
        if version < 2 {
            for sql in [
                """
                CREATE TABLE IF NOT EXISTS database_sources (
                  dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE, url TEXT NOT NULL, table_name TEXT,
                  query TEXT, password TEXT, statement_timeout INTEGER NOT NULL, refresh_seconds INTEGER)
                """,
                "PRAGMA user_version = 2",
            ] { _ = try await c.query(sql) }
        }
        if version < 3 {
            for sql in accountsSchema + ["PRAGMA user_version = 3"] { _ = try await c.query(sql) }
        }
        if version < 4 {
            for sql in schedulesSchema + ["PRAGMA user_version = 4"] { _ = try await c.query(sql) }
        }
    }

    static let dateFormat = Date.ISO8601FormatStyle()

    private static func read(_ c: SQLiteConnection) async throws -> State {
        var s = State()
        for row in try await c.query("SELECT * FROM datasets ORDER BY id") {
            guard let id = row.column("id")?.integer, let kindText = row.column("kind")?.string, let kind = DatasetSourceKind(rawValue: kindText) else { continue }
            s.entries.append(entry(row, id: Int(id), kind: kind))
        }
        for row in try await c.query("SELECT * FROM database_sources") {
            guard let id = row.column("dataset_id")?.integer, let i = s.entries.firstIndex(where: { $0.id == Int(id) }) else { continue }
            s.entries[i].database = DatabaseSourceSettings(
                url: row.column("url")?.string ?? "", table: row.column("table_name")?.string, query: row.column("query")?.string,
                password: row.column("password")?.string, statementTimeout: row.column("statement_timeout")?.integer.map { Int($0) } ?? 300,
                refreshSeconds: row.column("refresh_seconds")?.integer.map { Int($0) })
        }
        for row in try await c.query("SELECT id, name, path FROM views ORDER BY id") {
            guard let id = row.column("id")?.integer else { continue }
            s.views.append(SavedView(id: Int(id), name: row.column("name")?.string ?? "", path: row.column("path")?.string ?? ""))
        }
        if let v = try await c.query("SELECT value FROM settings WHERE key = 'current_dataset'").first?.column("value")?.string, let id = Int(v),
           id == 0 || s.entries.contains(where: { $0.id == id }) {
            s.current = id
        }
        return s
    }

    private static func entry(_ row: SQLiteRow, id: Int, kind: DatasetSourceKind) -> LibraryEntry {
        func text(_ k: String) -> String? { row.column(k)?.string }
        func int(_ k: String) -> Int? { row.column(k)?.integer.map { Int($0) } }
        let excluded = text("excluded_products") ?? ""
        let added: Date = (try? dateFormat.parse(text("added") ?? "")) ?? Date(timeIntervalSince1970: 0)
        var e = LibraryEntry(id: id, name: text("name") ?? "", kind: kind, path: text("path") ?? "", layout: text("layout") ?? "")
        e.mapping = text("mapping")
        e.dayFirst = (int("day_first") ?? 0) != 0
        e.currency = text("currency")
        e.excludedProducts = excluded.isEmpty ? [] : excluded.components(separatedBy: "\n")
        e.added = added
        e.contentHash = text("content_hash") ?? ""
        e.fileSize = int("file_size") ?? 0
        e.validLines = int("valid_lines") ?? 0
        e.invalidLines = int("invalid_lines") ?? 0
        e.customers = int("customers") ?? 0
        e.firstDay = int("first_day")
        e.lastDay = int("last_day")
        e.problem = text("problem")
        return e
    }

    // MARK: Reading (from the mirror)

    /// Why the database is unavailable, if it is.
    public var problem: String? { state.withLock { $0.problem } }
    public var isAvailable: Bool { connection != nil && problem == nil }
    /// Stored entries, oldest first (the demo is not among them).
    public var entries: [LibraryEntry] { state.withLock { $0.entries } }
    public var views: [SavedView] { state.withLock { $0.views } }
    /// The id of the data set chosen (0: the demo).
    public var current: Int { state.withLock { $0.current } }
    public func entry(_ id: Int) -> LibraryEntry? { state.withLock { s in s.entries.first { $0.id == id } } }
    public func entry(hash: String) -> LibraryEntry? { state.withLock { s in s.entries.first { $0.contentHash == hash } } }

    /// A note about the last start or switch, shown on the Data sets page (the chosen data set could not be opened).
    public var notice: String? {
        get { state.withLock { $0.notice } }
    }
    public func setNotice(_ text: String?) { state.withLock { $0.notice = text } }

    /// The entry the dashboard shows now (0: the demo; nil: data that is not in the library).
    public var serving: Int? { state.withLock { $0.serving } }
    public func setServing(_ id: Int?) { state.withLock { $0.serving = id } }

    /// The absolute path of an entry's file.
    public func filePath(_ e: LibraryEntry) -> String {
        e.kind == .upload ? URL(fileURLWithPath: dataDirectory).appendingPathComponent(e.path).path : e.path
    }

    // MARK: Changes (database first, then the mirror)

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    func write(_ sql: String, _ binds: [SQLiteData] = []) async throws(Unavailable) -> [SQLiteRow] {
        guard let connection else { throw Unavailable(description: problem ?? "The data-set library is unavailable.") }
        do {
            return try await connection.query(sql, binds)
        } catch {
            throw Unavailable(description: "The data-set library could not be written (\(Self.fileName) in the data folder is read-only, full or damaged); nothing was changed.")
        }
    }

    static func text(_ s: String?) -> SQLiteData { s.map { .text($0) } ?? .null }
    static func int(_ i: Int?) -> SQLiteData { i.map { .integer($0) } ?? .null }

    /// Adds an entry and returns it with its id.
    public func add(_ e: LibraryEntry) async throws(Unavailable) -> LibraryEntry {
        let rows = try await write("""
            INSERT INTO datasets (name, kind, path, layout, mapping, day_first, currency, excluded_products, added, content_hash,
              file_size, valid_lines, invalid_lines, customers, first_day, last_day, problem)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, [.text(e.name), .text(e.kind.rawValue), .text(e.path), .text(e.layout), Self.text(e.mapping), .integer(e.dayFirst ? 1 : 0),
                  Self.text(e.currency), .text(e.excludedProducts.joined(separator: "\n")), .text(Self.dateFormat.format(e.added)),
                  .text(e.contentHash), .integer(e.fileSize), .integer(e.validLines), .integer(e.invalidLines), .integer(e.customers),
                  Self.int(e.firstDay), Self.int(e.lastDay), Self.text(e.problem)])
        guard let id = rows.first?.column("id")?.integer else { throw Unavailable(description: "The data-set library did not store the entry.") }
        var stored = e
        stored.id = Int(id)
        if let db = e.database {
            _ = try await write("""
                INSERT INTO database_sources (dataset_id, url, table_name, query, password, statement_timeout, refresh_seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.integer(Int(id)), .text(db.url), Self.text(db.table), Self.text(db.query), Self.text(db.password),
                      .integer(db.statementTimeout), Self.int(db.refreshSeconds)])
        }
        state.withLock { $0.entries.append(stored) }
        return stored
    }

    /// Changes an entry's name, currency, summary or problem (not its file).
    public func update(_ e: LibraryEntry) async throws(Unavailable) {
        _ = try await write("""
            UPDATE datasets SET name = ?, currency = ?, layout = ?, valid_lines = ?, invalid_lines = ?, customers = ?,
              first_day = ?, last_day = ?, problem = ? WHERE id = ?
            """, [.text(e.name), Self.text(e.currency), .text(e.layout), .integer(e.validLines), .integer(e.invalidLines), .integer(e.customers),
                  Self.int(e.firstDay), Self.int(e.lastDay), Self.text(e.problem), .integer(e.id)])
        state.withLock { s in if let i = s.entries.firstIndex(where: { $0.id == e.id }) { s.entries[i] = e } }
    }

    /// Removes an entry (its file is the caller's business); when it was the chosen one, the demo is chosen.
    public func remove(_ id: Int) async throws(Unavailable) {
        _ = try await write("DELETE FROM database_sources WHERE dataset_id = ?", [.integer(id)])
        _ = try await write("DELETE FROM datasets WHERE id = ?", [.integer(id)])
        let wasCurrent = state.withLock { s -> Bool in
            s.entries.removeAll { $0.id == id }
            return s.current == id
        }
        if wasCurrent { try await choose(0) }
    }

    /// Records the data set chosen (0: the demo), opened on the next start.
    public func choose(_ id: Int) async throws(Unavailable) {
        _ = try await write("INSERT INTO settings (key, value) VALUES ('current_dataset', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            [.text(String(id))])
        state.withLock { $0.current = id }
    }

    /// Adds a saved view.
    public func addView(name: String, path: String) async throws(Unavailable) -> SavedView {
        let rows = try await write("INSERT INTO views (name, path, added) VALUES (?, ?, ?) RETURNING id",
                                   [.text(name), .text(path), .text(Self.dateFormat.format(Date()))])
        guard let id = rows.first?.column("id")?.integer else { throw Unavailable(description: "The view was not stored.") }
        let view = SavedView(id: Int(id), name: name, path: path)
        state.withLock { $0.views.append(view) }
        return view
    }

    public func removeView(_ id: Int) async throws(Unavailable) {
        _ = try await write("DELETE FROM views WHERE id = ?", [.integer(id)])
        state.withLock { $0.views.removeAll { $0.id == id } }
    }
}

extension UserMapping {
    /// The `--map` text form (`customer=COL,timestamp=COL,...`, fields in their usual order), as the library stores it.
    /// A column name holding a comma or `=` does not survive this form: such a mapping is not stored.
    public var text: String? {
        let parts = UserMapping.fields.compactMap { f in columns[f].map { "\(f)=\($0)" } }
        guard columns.values.allSatisfy({ !$0.contains(",") && !$0.contains("=") }) else { return nil }
        return parts.joined(separator: ",")
    }
}
