import ClienteleCore
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// A live PostgreSQL table (or query) of order lines. ``load()`` runs the push-down SQL (``PushDownSQL``) in one
/// read-only, repeatable-read transaction with a statement timeout, and turns its activity rows (one per customer
/// order, day, country and cancelled flag, with their net amount) into the compact lines every analysis reads
/// (``LineBuilder``). Every figure of ANALYTICS.md computed from them equals the figure computed from the table's lines
/// themselves (the tests compare the seed exports byte for byte).
public struct PostgresSource: Sendable, Equatable {
    public enum Relation: Sendable, Equatable {
        /// A table or view name, optionally schema-qualified (`sales.order_lines`).
        case table(String)
        /// A `SELECT` of the user's own making, run as a subquery.
        case query(String)
    }

    public var settings: PostgresSettings
    public var relation: Relation
    /// Column mapping (`--map`); nil: the canonical column names of ANALYTICS.md section 1.
    public var mapping: UserMapping?
    /// Days a line's date may take (nil: the default range, 1970-01-01 to one day after today).
    public var validDays: ClosedRange<Int>?
    public var excludedProducts: ExcludedProducts
    /// Seconds each statement may run (`statement_timeout`).
    public var statementTimeout: Int
    /// The connection's `application_name` (what a DBA sees in `pg_stat_activity`).
    public var applicationName = "clientele"

    public init(settings: PostgresSettings, relation: Relation, mapping: UserMapping? = nil, validDays: ClosedRange<Int>? = nil,
                excludedProducts: ExcludedProducts = ExcludedProducts(), statementTimeout: Int = 300) {
        self.settings = settings
        self.relation = relation
        self.mapping = mapping
        self.validDays = validDays
        self.excludedProducts = excludedProducts
        self.statementTimeout = statementTimeout
    }

    public static func == (a: PostgresSource, b: PostgresSource) -> Bool {
        a.settings == b.settings && a.relation == b.relation && a.mapping == b.mapping && a.validDays == b.validDays
            && a.excludedProducts.codes == b.excludedProducts.codes && a.statementTimeout == b.statementTimeout
    }

    /// A short name for pages: the table's name, or "query".
    public var name: String {
        switch relation {
        case .table(let t): return t
        case .query: return "query"
        }
    }

    /// Where the data comes from, in words (no password).
    public var sourceText: String {
        switch relation {
        case .table(let t): return "PostgreSQL table \(t) at \(settings.displayURL)"
        case .query: return "PostgreSQL query at \(settings.displayURL)"
        }
    }

    // MARK: - Load

    /// The result of a load: the lines and report as from a file, with what the database sent.
    public struct Load: Sendable {
        public var loaded: LoadedData
        /// Rows received (all queries together).
        public var rowsReceived: Int
        public var seconds: Double
        /// Identifies the snapshot's content within this process (equal rows and counts: equal fingerprint), so that
        /// a refresh that finds nothing new keeps the analyses and models it has.
        public var fingerprint: Int
    }

    /// Runs the push-down and assembles the lines. Throws a ``PostgresSourceError`` in words.
    public func load(logger: Logger = Logger(label: "clientele.postgres")) async throws(PostgresSourceError) -> Load {
        let started = Date()
        return try await withReadOnlyTransaction(logger: logger) { conn in
            var mark = Date()
            var phases: [(String, Double)] = []
            func lap(_ what: String) { phases.append((what, Date().timeIntervalSince(mark))); mark = Date() }
            let plan = try await self.plan(conn, logger: logger)
            lap("plan")
            var rows = 0
            let binds = self.binds()
            // Quality counts.
            var report = DataQualityReport()
            report.files = [self.name]
            if case .table = self.relation { report.layout = "PostgreSQL table" } else { report.layout = "PostgreSQL query" }
            report.productColumn = plan.names["product"]
            var stats: [String: ProductCodeStats] = [:]
            for try await (reason, cancelled, guest, ex, s, n, net, abs) in try await conn.query(PostgresQuery(unsafeSQL: plan.sql.quality, binds: binds), logger: logger)
                .decode((String?, Bool, Bool, Bool, String?, Int64, String, String).self) {
                rows += 1
                let count = Int(n)
                let units = try Self.units(net)
                if let s, reason == nil {
                    var st = stats[s] ?? ProductCodeStats()
                    st.lines += count
                    if cancelled { st.returnLines += count }
                    if guest { st.guestLines += count } else { st.customerNet += units }
                    st.net += units
                    st.absolute += try Self.units(abs)
                    st.excluded = ex
                    stats[s] = st
                }
                report.linesRead += count
                if let reason {
                    report.invalidLines += count
                    report.invalidByReason[reason, default: 0] += count
                } else if ex {
                    report.excludedProductLines += count
                } else {
                    report.validLines += count
                    if cancelled { report.cancelledLines += count }
                    if guest { report.guestLines += count }
                    report.netUnits += units
                }
            }
            lap("quality")
            if report.validLines == 0 {
                let reasons = report.invalidSummaryLines
                throw PostgresSourceError.schema("\(self.name): no valid order line among \(report.linesRead) row\(report.linesRead == 1 ? "" : "s"). "
                    + (reasons.isEmpty ? "The table is empty." : "Rejected: " + reasons.joined(separator: "; ") + "."))
            }
            var builder = LineBuilder()
            for try await (c, o, d, k, cancelled, net, n) in try await conn.query(PostgresQuery(unsafeSQL: plan.sql.activity, binds: binds), logger: logger)
                .decode((String?, String?, Int32, String?, Bool, String, Int64).self) {
                rows += 1
                builder.rows.append(ActivityRow(customer: c, invoice: o, day: d, country: k, cancelled: cancelled, units: try Self.units(net)))
                builder.linesByDay[d, default: 0] += Int(n)
            }
            lap("activity")
            if plan.columns["product"] != nil {
                // (Codes asked to be left out that no line has are listed by summarize, as for files.)
                (report.productCodes, report.nonProductCodeCount) = NonProductCodes.summarize(stats, requested: self.excludedProducts.codes)
                let coded = stats.values.reduce((0, Int64(0))) { ($0.0 + $1.lines, $0.1 + $1.absolute) }
                report.averageLineUnits = coded.0 > 0 ? coded.1 / Int64(coded.0) : 0
            }
            if plan.columns["currency"] != nil {
                for try await (cur, n) in try await conn.query(PostgresQuery(unsafeSQL: plan.sql.currencies, binds: binds), logger: logger)
                    .decode((String, Int64).self) {
                    rows += 1
                    report.currencyLines[cur] = Int(n)
                }
                (report.currency, report.otherCurrencyLines) = LoadedData.mainCurrency(report.currencyLines)
                lap("currencies")
            }
            var loaded = LoadedData(lines: builder.build(), report: report, currency: report.currency)
            lap("assemble")
            loaded.linesByDay = builder.linesByDay
            var h = Hasher()
            h.combine(builder.fingerprint())
            h.combine(report.linesRead); h.combine(report.invalidLines); h.combine(report.validLines); h.combine(report.netUnits)
            h.combine(report.excludedProductLines); h.combine(report.currencyLines.count)
            for p in report.productCodes { h.combine(p.code); h.combine(p.lines); h.combine(p.netUnits) }
            loaded.loadPhases = phases
            return Load(loaded: loaded, rowsReceived: rows, seconds: Date().timeIntervalSince(started), fingerprint: h.finalize())
        }
    }

    /// The valid lines of one customer (a bounded query: the profile's order history).
    public func customerLines(_ customerID: String, logger: Logger = Logger(label: "clientele.postgres")) async throws(PostgresSourceError) -> [SourceLine] {
        try await withReadOnlyTransaction(logger: logger) { conn in
            let plan = try await self.plan(conn, logger: logger)
            var binds = self.binds()
            binds.append(customerID)
            var out: [SourceLine] = []
            for try await (i, d, k, units, cancelled) in try await conn.query(PostgresQuery(unsafeSQL: plan.sql.customerLines, binds: binds), logger: logger)
                .decode((String, Int32, String?, String, Bool).self) {
                out.append(SourceLine(invoice: i, day: Int(d), country: k, units: try Self.units(units), cancelled: cancelled))
            }
            return out
        }
    }

    /// Connects, checks the table and its columns, and says what was found (the Data sets form's connection test).
    public func test(logger: Logger = Logger(label: "clientele.postgres")) async throws(PostgresSourceError) -> String {
        try await withReadOnlyTransaction(logger: logger) { conn in
            let plan = try await self.plan(conn, logger: logger)
            let used = UserMapping.fields.compactMap { f in plan.names[f].map { "\(f)=\($0)" } }
            return "Connected to \(self.settings.displayURL); \(self.name) has the columns \(used.joined(separator: ", "))."
        }
    }

    // MARK: - Plan: relation and columns

    struct Plan {
        var sql: PushDownSQL
        /// Quoted column of each field, and its plain name.
        var columns: [String: String]
        var names: [String: String]
    }

    func binds() -> PostgresBindings {
        var b = PostgresBindings()
        if !excludedProducts.isEmpty { b.append(excludedProducts.codes.map(ExcludedProducts.normalizedCode)) }
        return b
    }

    /// Resolves the relation and checks the mapped columns' types.
    func plan(_ conn: PostgresConnection, logger: Logger) async throws -> Plan {
        let from: String
        switch relation {
        case .table(let name):
            var b = PostgresBindings()
            b.append(name)
            var quoted: String?
            do {
                for try await q in try await conn.query(PostgresQuery(unsafeSQL: """
                    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_catalog.pg_class c
                    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)
                    """, binds: b), logger: logger).decode(String.self) { quoted = q }
            } catch let e as PSQLError where e.code == .server {
                throw PostgresSourceError.schema("'\(PostgresSourceError.shorten(name))' is not a table name: \(PostgresSource.serverMessage(e)).")
            }
            guard let quoted else {
                throw PostgresSourceError.schema("table \(PostgresSourceError.shorten(name)) was not found in database \(settings.database) (or the user \(settings.user) may not see it); give a schema-qualified name such as sales.order_lines, or --query.")
            }
            from = quoted
        case .query(let sql):
            let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines)
            let body = trimmed.hasSuffix(";") ? String(trimmed.dropLast()) : trimmed
            from = "(\n\(body)\n)"   // on lines of their own: a trailing -- comment cannot hide the parenthesis
        }
        // The relation's columns and types (no row is read).
        var found: [(name: String, type: PostgresDataType)] = []
        do {
            let rows = try await conn.query(PostgresQuery(unsafeSQL: "SELECT * FROM \(from) AS t LIMIT 0"), logger: logger)
            for c in rows.columns { found.append((c.name, c.dataType)) }
            for try await _ in rows {}
        } catch let e as PSQLError where e.code == .server {
            throw PostgresSourceError.schema("the \(relationWord) cannot be read: \(PostgresSource.serverMessage(e)).")
        }
        let wanted = try PostgresSource.fieldColumns(mapping: mapping, available: found.map(\.name))
        var columns: [String: String] = [:]
        for (field, column) in wanted {
            guard let type = found.first(where: { $0.name == column })?.type else { continue }
            let kind = PostgresSource.kind(type)
            let ok: Bool
            switch field {
            case "timestamp": ok = kind == .timestamp
            case "quantity", "unit_price", "revenue": ok = kind == .number
            default: ok = kind == .text || kind == .number
            }
            guard ok else {
                let need: String
                switch field {
                case "timestamp": need = "a timestamp, timestamptz or date column"
                case "quantity", "unit_price", "revenue": need = "a numeric or integer column (exact decimals; real and double precision are binary fractions and cannot give exact money: cast them in --query, e.g. \(column)::numeric)"
                default: need = "a text, varchar or integer column"
                }
                throw PostgresSourceError.schema("column \(column) (\(field)) is of type \(PostgresSource.typeName(type)), which cannot be used: \(field) needs \(need).")
            }
            columns[field] = PushDownSQL.quoteIdentifier(column)
        }
        let sql = PushDownSQL(relation: from, columns: columns, validDays: validDays ?? LoadOptions.defaultValidDays(),
                              hasExcludedProducts: !excludedProducts.isEmpty)
        return Plan(sql: sql, columns: columns, names: wanted)
    }

    var relationWord: String { if case .table(let t) = relation { return "table \(t)" } else { return "query" } }

    /// The column of each field: from the mapping, or the canonical names of ANALYTICS.md section 1 (`customer_id`,
    /// `timestamp`, `invoice`, `quantity`, `unit_price` or `revenue`, `country`, and `product_id`, `currency` when
    /// present). Matching is exact, then case-insensitive.
    static func fieldColumns(mapping: UserMapping?, available: [String]) throws(PostgresSourceError) -> [String: String] {
        func find(_ name: String) -> String? {
            available.first { $0 == name } ?? available.first { $0.lowercased() == name.lowercased() }
        }
        var out: [String: String] = [:]
        let list = available.map { "'\($0)'" }.joined(separator: ", ")
        if let mapping {
            for (field, column) in mapping.columns {
                guard let c = find(column) else {
                    throw .schema("column \(column) (\(field) in --map) is not in the table; its columns are \(list).")
                }
                out[field] = c
            }
            return out
        }
        let defaults = ["customer": "customer_id", "timestamp": "timestamp", "invoice": "invoice", "country": "country",
                        "product": "product_id", "currency": "currency"]
        for (field, name) in defaults { if let c = find(name) { out[field] = c } }
        if let q = find("quantity"), let p = find("unit_price") { out["quantity"] = q; out["unit_price"] = p } else if let r = find("revenue") {
            out["revenue"] = r
            if let q = find("quantity") { out["quantity"] = q }
        }
        var missing: [String] = []
        if out["customer"] == nil { missing.append("customer_id") }
        if out["timestamp"] == nil { missing.append("timestamp") }
        if out["unit_price"] == nil && out["revenue"] == nil { missing.append("quantity and unit_price (or revenue)") }
        if !missing.isEmpty {
            throw .schema("the columns \(missing.joined(separator: ", ")) are missing (found \(list)); name them with --map, e.g. --map customer=cust_id,timestamp=created_at,quantity=qty,unit_price=price.")
        }
        return out
    }

    enum Kind { case text, number, timestamp, other }

    static func kind(_ t: PostgresDataType) -> Kind {
        switch t {
        case .text, .varchar, .bpchar, .name, .uuid: return .text
        case .int2, .int4, .int8, .numeric: return .number
        case .timestamp, .timestamptz, .date: return .timestamp
        default: return .other
        }
    }

    static func typeName(_ t: PostgresDataType) -> String {
        switch t {
        case .float4: return "real"
        case .float8: return "double precision"
        case .bool: return "boolean"
        case .text: return "text"
        case .json: return "json"
        case .jsonb: return "jsonb"
        case .money: return "money"
        default: return t.knownSQLName ?? "type \(t.rawValue)"
        }
    }

    static func units(_ text: String) throws(PostgresSourceError) -> Int64 {
        guard let v = Int64(text) else {
            throw .query("an amount (\(PostgresSourceError.shorten(text, 30)) in 1/10,000) is too large to represent exactly; narrow the data with --query.")
        }
        return v
    }

    /// Waits for `work` from synchronous code (the commands, page builders on threads of their own); nil when
    /// `timeout` seconds pass first. Never call it from a task of the cooperative pool.
    public static func waitBlocking<T: Sendable>(timeout: Double? = nil, _ work: @escaping @Sendable () async -> T) -> T? {
        let box = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let value = await work()
            box.withLock { $0 = value }
            done.signal()
        }
        if let timeout {
            if done.wait(timeout: .now() + timeout) == .timedOut { return nil }
        } else {
            done.wait()
        }
        return box.withLock { $0 }
    }

    // MARK: - Connection

    /// Connects, opens a read-only repeatable-read transaction (one consistent snapshot for every query) with the
    /// statement timeout and UTC dates for `timestamptz`, runs `body`, and closes. Errors become sentences.
    func withReadOnlyTransaction<T: Sendable>(logger: Logger, _ body: @Sendable (PostgresConnection) async throws -> T) async throws(PostgresSourceError) -> T {
        let conn = try await connect(logger: logger)
        do {
            _ = try await conn.query("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            _ = try await conn.query(PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(statementTimeout * 1000)"), logger: logger)
            _ = try await conn.query("SET LOCAL TimeZone = 'UTC'", logger: logger)
            let result = try await body(conn)
            _ = try? await conn.query("COMMIT", logger: logger)
            try? await conn.close()
            return result
        } catch {
            try? await conn.close()
            throw explain(error)
        }
    }

    func connect(logger: Logger) async throws(PostgresSourceError) -> PostgresConnection {
        let s = settings
        var config = PostgresConnection.Configuration(host: s.host, port: s.port, username: s.user, password: s.password,
                                                      database: s.database, tls: .disable)
        do {
            config.tls = try tls()
        } catch let e as PostgresSourceError {
            throw e
        } catch {
            throw .settings("cannot set up TLS (\(s.sslMode.rawValue)): \(error)")
        }
        config.options.connectTimeout = .seconds(Int64(s.connectTimeout))
        config.options.additionalStartupParameters = [("application_name", applicationName)]
        let configuration = config
        do {
            // The connection attempt has its own deadline: a server that accepts and never answers cannot hang a load.
            return try await withThrowingTaskGroup(of: PostgresConnection?.self) { group in
                group.addTask { try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger) }
                group.addTask { try await Task.sleep(for: .seconds(s.connectTimeout + 5)); return nil }
                guard let first = try await group.next(), let conn = first else {
                    group.cancelAll()
                    throw PostgresSourceError.connection("no answer from \(s.host):\(s.port) within \(s.connectTimeout + 5) seconds.")
                }
                group.cancelAll()
                return conn
            }
        } catch let e as PostgresSourceError {
            throw e
        } catch {
            throw explain(error, connecting: true)
        }
    }

    func tls() throws -> PostgresConnection.Configuration.TLS {
        var c = TLSConfiguration.makeClientConfiguration()
        if let root = settings.sslRootCert {
            guard FileManager.default.fileExists(atPath: root) else {
                throw PostgresSourceError.settings("the sslrootcert file \(URL(fileURLWithPath: root).lastPathComponent) does not exist.")
            }
            c.trustRoots = .file(root)
        }
        switch settings.sslMode {
        case .disable: return .disable
        case .allow, .prefer:
            c.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: c))
        case .require:
            c.certificateVerification = settings.sslRootCert == nil ? .none : .noHostnameVerification
            return .require(try NIOSSLContext(configuration: c))
        case .verifyCA:
            c.certificateVerification = .noHostnameVerification
            return .require(try NIOSSLContext(configuration: c))
        case .verifyFull:
            c.certificateVerification = .fullVerification
            return .require(try NIOSSLContext(configuration: c))
        }
    }

    /// The server's own message of a PSQLError (never its generic description, which hides everything).
    static func serverMessage(_ e: PSQLError) -> String {
        var m = e.serverInfo?[.message] ?? "\(e.code)"
        if let d = e.serverInfo?[.detail] { m += " (\(d))" }
        return m
    }

    func explain(_ error: any Error, connecting: Bool = false) -> PostgresSourceError {
        if let e = error as? PostgresSourceError { return e }
        let s = settings
        if let e = error as? PSQLError {
            switch e.code {
            case .server:
                let state = e.serverInfo?[.sqlState] ?? ""
                let message = PostgresSource.serverMessage(e)
                if state == "57014" { return .query("a statement ran longer than the statement timeout (\(statementTimeout) s) and was cancelled; raise --statement-timeout or add an index.") }
                if state == "28P01" || state == "28000" {
                    return .connection("the server at \(s.host):\(s.port) refused the login of \(s.user): \(message). Check PGPASSWORD, --password-file or ~/.pgpass.")
                }
                if state == "3D000" { return .connection("database \(s.database) does not exist on \(s.host):\(s.port).") }
                if state.hasPrefix("08") || state.hasPrefix("57") { return .query("the server ended the connection: \(message).") }
                return connecting ? .connection(message) : .query(message)
            case .authMechanismRequiresPassword:
                return .connection("the server at \(s.host):\(s.port) asks for a password for \(s.user) and none was given: set PGPASSWORD, use --password-file, or add a line to ~/.pgpass.")
            case .sslUnsupported:
                return .connection("the server at \(s.host):\(s.port) does not support TLS, and sslmode=\(s.sslMode.rawValue) requires it.")
            case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
                return connecting ? .connection("the server at \(s.host):\(s.port) closed the connection.")
                                  : .query("the connection to \(s.host):\(s.port) was lost in the middle of the load.")
            case .connectionError, .failedToAddSSLHandler:
                let u = e.underlying.map { "\($0)" } ?? ""
                if u.contains("CERTIFICATE_VERIFY_FAILED") || u.lowercased().contains("certificate") {
                    return .connection("the TLS certificate of \(s.host):\(s.port) could not be verified (sslmode=\(s.sslMode.rawValue)): give its certificate authority with sslrootcert=FILE in the URL, or use sslmode=require to encrypt without checking it.")
                }
                if u.contains("handshakeFailed") || u.contains("NIOSSL") {
                    return .connection("the TLS handshake with \(s.host):\(s.port) failed (sslmode=\(s.sslMode.rawValue)).")
                }
                return .connection("\(s.host):\(s.port) cannot be reached (\(PostgresSource.underlying(e))).")
            default:
                return connecting ? .connection("\(e.code)") : .query("\(e.code)")
            }
        }
        if let e = error as? DecodingError { return .query("unexpected column type in a result: \(e)") }
        let text = "\(error)"
        if text.lowercased().contains("refused") { return .connection("\(s.host):\(s.port) refused the connection (is the server running?).") }
        return connecting ? .connection(PostgresSourceError.shorten(text, 200)) : .query(PostgresSourceError.shorten(text, 200))
    }

    static func underlying(_ e: PSQLError) -> String {
        guard let u = e.underlying else { return "no reason given" }
        let t = "\(u)"
        if t.lowercased().contains("refused") { return "connection refused: is the server running?" }
        if t.contains("/") { return "network error" }   // never a path of the server's files
        return PostgresSourceError.shorten(t, 160)
    }
}

/// One activity row: a customer's valid lines of one order (invoice), day, country and cancelled flag, summed.
struct ActivityRow: Sendable {
    var customer: String?
    var invoice: String?
    var day: Int32
    var country: String?
    var cancelled: Bool
    var units: Int64
}

/// Turns the activity rows into compact order lines: one line per row, which every analysis reads as it reads the
/// lines themselves (an order is a distinct customer and invoice among non-cancelled lines, dated by its earliest
/// line; amounts are summed by customer, day, country or order). Codes are in code-point order of the ids and rows
/// sorted, so the result does not depend on the order the database sends rows in.
struct LineBuilder {
    var rows: [ActivityRow] = []
    var linesByDay: [Int32: Int] = [:]

    /// A hash of the rows, whatever their order.
    func fingerprint() -> Int {
        var total = 0
        for r in rows {
            var h = Hasher()
            h.combine(r.customer); h.combine(r.invoice); h.combine(r.day); h.combine(r.country); h.combine(r.cancelled); h.combine(r.units)
            total = total &+ h.finalize()
        }
        return total &+ rows.count
    }

    func build() -> OrderLines {
        var lines = OrderLines()
        func bytesOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        var customerCode: [String: Int32] = [:]
        for id in Set(rows.compactMap(\.customer)).sorted(by: bytesOrder) { customerCode[id] = lines.customers.intern(id) }
        var countryCode: [String: Int32] = [:]
        for k in Set(rows.compactMap(\.country)).sorted(by: bytesOrder) { countryCode[k] = lines.countries.intern(k) }
        struct Entry { var code: Int32; var day: Int32; var invoice: Int32; var country: Int32; var cancelled: Bool; var units: Int64 }
        let none = lines.invoices.intern("")
        var entries: [Entry] = []
        entries.reserveCapacity(rows.count)
        for r in rows {
            entries.append(Entry(code: r.customer.flatMap { customerCode[$0] } ?? -1, day: r.day,
                                 invoice: r.invoice.map { lines.invoices.intern($0) } ?? none,
                                 country: r.country.flatMap { countryCode[$0] } ?? -1, cancelled: r.cancelled, units: r.units))
        }
        entries.sort { a, b in
            if a.code != b.code { return a.code < b.code }
            if a.day != b.day { return a.day < b.day }
            if a.invoice != b.invoice { return lines.invoices.precedes(a.invoice, b.invoice) }
            if a.country != b.country { return a.country < b.country }
            return !a.cancelled && b.cancelled
        }
        var chunk = LineChunk()
        for e in entries {
            chunk.append(customer: e.code, day: e.day, invoice: e.invoice, revenue: e.units, country: e.country, cancelled: e.cancelled)
            if chunk.count >= 1 << 16 { lines.chunks.append(chunk); chunk = LineChunk() }
        }
        if chunk.count > 0 { lines.chunks.append(chunk) }
        return lines
    }
}
