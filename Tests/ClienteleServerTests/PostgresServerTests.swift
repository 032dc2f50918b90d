import ClienteleCore
@testable import ClientelePostgres
@testable import ClienteleServer
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

/// The dashboard on a live PostgreSQL source (issue 13): pages equal the file's, profiles read the customer's own lines,
/// hostile text is escaped, a refresh killed in the middle keeps the last snapshot serving (health degraded) and the
/// next one succeeds, and a database that is down at start makes pages wait (503) and say why.
/// Needs `CLIENTELE_TEST_POSTGRES` (`scripts/pg-throwaway start`); skipped without it.
let serverTestPostgresURL = ProcessInfo.processInfo.environment["CLIENTELE_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

@Suite(.serialized, .enabled(if: serverTestPostgresURL != nil, "set CLIENTELE_TEST_POSTGRES (scripts/pg-throwaway start)"))
struct PostgresServerTests {
    typealias R = RouteTests
    static let url = serverTestPostgresURL

    /// A small store with hostile text: a customer id that is markup, a country that is a spreadsheet formula, and a
    /// customer with an order spread over two days.
    static let csv = """
        Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
        1001,A1,X,2,2024-01-05 10:00:00,10.00,C1,France
        1001,A2,Y,1,2024-01-06 10:00:00,5.50,C1,France
        1002,A1,X,1,2024-03-10 09:00:00,10,C1,Germany
        C1003,A1,X,-1,2024-03-12 09:00:00,10,C1,Germany
        1004,A3,Y,3,2024-01-20 12:00:00,1.25,<script>alert(1)</script>,"=HYPERLINK(""http://evil.example"")"
        1005,A3,Y,1,2024-04-02 12:00:00,100,<script>alert(1)</script>,"=HYPERLINK(""http://evil.example"")"
        1006,A4,Z,1,2024-02-14 08:00:00,7.333,C4,Spain
        1007,A4,Z,1,2024-04-30 08:00:00,7.333,C4,Spain
        1008,A5,W,4,2024-02-01 08:00:00,2.5,,United Kingdom
        1009,A6,V,2,2024-02-20 10:00:00,5,C7,Spain
        1010,A6,V,2,2024-05-20 11:00:00,5,C7,Spain

        """

    static func psql(_ script: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", url!, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", "-"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input; p.standardOutput = output
        try! p.run()
        input.fileHandleForWriting.write(Data(script.utf8))
        try! input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func setUp() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("clientele-pg-\(UUID().uuidString).csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        _ = psql("""
            DROP TABLE IF EXISTS srv_raw, srv_lines, srv_flag;
            CREATE TABLE srv_raw (invoice text, stock_code text, description text, quantity text, ts text, price text, customer text, country text);
            \\copy srv_raw FROM '\(path)' CSV HEADER
            CREATE TABLE srv_lines AS SELECT invoice, stock_code AS product_id, quantity::numeric AS quantity, ts::timestamp AS "timestamp",
              price::numeric AS unit_price, customer AS customer_id, country FROM srv_raw;
            CREATE TABLE srv_flag (slow boolean);
            INSERT INTO srv_flag VALUES (false);
            """)
        return path
    }

    /// The lines of srv_lines, each statement sleeping 4 s while srv_flag says slow (a refresh long enough to be killed).
    static let slowQuery = "SELECT l.* FROM srv_lines l WHERE (SELECT count(*) FROM (SELECT pg_sleep(CASE WHEN slow THEN 4 ELSE 0 END) FROM srv_flag) s) = 1"

    static func source(_ relation: PostgresSource.Relation, url: String? = nil) throws -> PostgresSource {
        PostgresSource(settings: try PostgresSettings(url: url ?? Self.url!, environment: [:]), relation: relation, statementTimeout: 60)
    }

    static func app(_ store: DataStore, live: LiveSource) async throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try await buildApplication(store: store, options: ServerOptions.openForTests, logger: logger, liveSlot: LiveSlot(live))
    }

    /// A JSON page without what names its source (the data set's name), for comparing a file's page with a table's.
    static func comparable(_ text: String) -> String {
        text.replacingOccurrences(of: "\"dataset\":\"srv.csv\"", with: "").replacingOccurrences(of: "\"dataset\":\"query\"", with: "")
    }

    @Test func pagesProfilesRefreshAndAKilledRefresh() async throws {
        let path = try Self.setUp()
        let fileStore = DataStore(dataset: Dataset(name: "srv.csv", source: "test", loaded: try OrderLineLoader.load(paths: [path])))
        var source = try Self.source(.query(Self.slowQuery))
        source.applicationName = "clientele-kill-test"   // the backend this test terminates, and no other
        let live = LiveSource(source: source, interval: nil)
        guard case .success(let first?) = await live.loadDataset() else { Issue.record("first load failed: \(live.status.lastError ?? "")"); return }
        let store = DataStore(dataset: first)
        live.attach(store)
        let fileApp = try await R.app(fileStore)
        let uris = ["/overview.json?_range=all", "/value.json", "/retention.json", "/customers.json", "/customers.csv", "/customer.json?id=C1",
                    "/customer.json?id=C1&country=Germany", "/customer.json?id=C4&from=2024-03-01", "/overview.json?country=Spain"]
        let filePages = try await fileApp.test(.router) { client in
            var pages: [String: String] = [:]
            for u in uris { pages[u] = try await R.get(client, u).body }
            return pages
        }
        let app = try await Self.app(store, live: live)
        try await app.test(.router) { client in
            // Every page and download equals the file's; profiles (order history from the customer's own lines) too,
            // under a country and a date filter.
            for u in uris {
                let r = try await R.get(client, u)
                #expect(r.status == .ok, "\(u)")
                #expect(Self.comparable(r.body) == Self.comparable(filePages[u] ?? ""), "\(u) differs from the file's")
            }
            let c1 = try R.json(try await R.get(client, "/customer.json?id=C1").body)
            // C1's order 1001 has lines on 5 and 6 January: one order dated by its first line, two lines (latest first).
            let orders = R.rows(c1, "orders")
            #expect(orders.count == 3)
            #expect("\(orders.last?["date"] ?? "")" == "2024-01-05" && "\(orders.last?["lines"] ?? "")" == "2" && "\(orders.last?["revenue"] ?? "")" == "25.5")
            // Hostile text: escaped in HTML, neutralised in CSV.
            let html = try await R.get(client, "/customers").body
            #expect(!html.contains("<script>alert(1)"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let csv = try await R.get(client, "/customers.csv").body
            #expect(csv.contains("'=HYPERLINK"))
            #expect(!csv.contains(",=HYPERLINK"))
            // The status line on every page, health ok.
            let overview = try await R.get(client, "/overview")
            #expect(overview.body.contains("Data as of ") && overview.body.contains("from PostgreSQL"))
            var health = try R.json(try await R.get(client, "/-/health").body)
            #expect(health["status"] as? String == "ok")

            // A refresh with nothing new keeps the data set (and its models).
            let generation = store.dataset.generation
            #expect(await live.refresh())
            #expect(store.dataset.generation == generation && live.status.unchangedRefreshes == 1)

            // New lines, then a refresh killed in the middle: the last snapshot keeps serving, health says degraded.
            _ = Self.psql("""
                INSERT INTO srv_lines VALUES ('2001', 'A1', 5, '2024-06-01 10:00', 2, 'C9', 'Italy');
                UPDATE srv_flag SET slow = true;
                """)
            let refresh = Task { await live.refresh() }
            var killed = ""
            for _ in 0..<100 where killed != "t" {
                try await Task.sleep(for: .milliseconds(100))
                killed = Self.psql("SELECT bool_or(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'clientele-kill-test' AND state = 'active'")
            }
            #expect(killed == "t")
            #expect(await refresh.value == false)
            health = try R.json(try await R.get(client, "/-/health").body)
            #expect(health["status"] as? String == "degraded")
            let source = try #require(health["source"] as? [String: Any])
            #expect((source["refresh_failed"] as? String)?.isEmpty == false)
            let degraded = try await R.get(client, "/overview")
            #expect(degraded.status == .ok)
            #expect(degraded.body.contains("refresh failed:"))
            #expect(try R.json(try await R.get(client, "/overview.json?_range=all").body)["dataset"] as? String == "query")
            #expect(Self.comparable(try await R.get(client, "/customers.csv").body) == Self.comparable(filePages["/customers.csv"] ?? ""))

            // The database is back: the next refresh succeeds and the new customer appears.
            _ = Self.psql("UPDATE srv_flag SET slow = false;")
            #expect(await live.refresh())
            health = try R.json(try await R.get(client, "/-/health").body)
            #expect(health["status"] as? String == "ok")
            #expect(try await R.get(client, "/customers.csv").body.contains("C9"))
            #expect(!(try await R.get(client, "/overview").body.contains("refresh failed")))

            // Another data set is served (an upload confirmed, say): the database no longer replaces it, and pages and
            // health say nothing of it.
            store.replace(with: fileStore.dataset)
            #expect(await live.refresh() == false)
            #expect(store.dataset.name == "srv.csv")
            #expect(try R.json(try await R.get(client, "/-/health").body)["source"] == nil)
            #expect(!(try await R.get(client, "/overview").body.contains("from PostgreSQL")))
        }
    }

    /// The Data sets page's form: a connection test that saves nothing, clear refusals, an entry that opens live and
    /// persists (password only when asked), switching back to a file stops the live source; CSRF required.
    @Test func databaseSourceFromTheDataSetsPage() async throws {
        _ = try Self.setUp()
        let dir = LibraryTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = await DatasetLibrary.open(dataDirectory: dir.path)
        let store = try R.store()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try await buildApplication(store: store, options: HardeningTests.uploadOptions(dir), logger: logger, datasets: library, opener: LibraryTests.opener)
        let url = Self.url!.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        try await app.test(.router) { client in
            let browser = try await R.Browser.open(client)
            var r = try await browser.post(client, "/datasets/postgres", "url=mysql%3A%2F%2Fx&table=srv_lines")
            #expect(r.status == .badRequest && r.body.contains("the database URL must look like postgres://"))
            r = try await browser.post(client, "/datasets/postgres", "url=\(url)&table=no_such_table&test=1")
            #expect(r.status == .unprocessableContent && r.body.contains("table no_such_table was not found"))
            r = try await browser.post(client, "/datasets/postgres", "url=\(url)&table=srv_lines&test=1")
            #expect(r.status == .ok && r.body.contains("Connected to postgres://") && r.body.contains("Nothing was saved."))
            #expect(library.entries.isEmpty)
            // Without the token: refused.
            let forged = try await client.execute(uri: "/datasets/postgres", method: .post,
                                                  headers: [.contentType: "application/x-www-form-urlencoded", .cookie: browser.cookie, .origin: "http://localhost"],
                                                  body: ByteBuffer(string: "url=\(url)&table=srv_lines")) { $0.status }
            #expect(forged == .forbidden)
            #expect(library.entries.isEmpty)
            // Added with a password that is not to be remembered, a currency and a refresh interval: used at once.
            r = try await browser.post(client, "/datasets/postgres", "name=Shop+%3Cdb%3E&url=\(url)&table=srv_lines&password=not-kept-pw&refresh=15m&currency=EUR")
            #expect(r.status == .ok && r.body.contains("Now showing Shop &lt;db&gt;, read from PostgreSQL"))
            #expect(!r.body.contains("not-kept-pw"))
            let e = try #require(library.entries.first)
            #expect(e.kind == .postgres && e.database?.table == "srv_lines" && e.database?.password == nil && e.database?.refreshSeconds == 900)
            #expect(store.dataset.name == "Shop <db>" && store.dataset.currency == "EUR")
            var health = try R.json(try await R.get(client, "/-/health").body)
            #expect((health["source"] as? [String: Any])?["refresh_seconds"] as? Int == 900)
            #expect(try await R.get(client, "/customers.csv").body.contains("C1"))
            #expect(try await R.get(client, "/overview").body.contains("refreshed every 15 min"))
            // A refresh with new lines keeps the entry's name and currency (it read "srv_lines" and no currency).
            let before = store.dataset.generation
            _ = Self.psql("INSERT INTO srv_lines VALUES ('3001', 'A1', 1, '2024-06-02 10:00', 4, 'C10', 'Italy');")
            r = try await browser.post(client, "/datasets/refresh", "")
            #expect(r.status == .ok && r.body.contains("Refreshing srv_lines from the database"))
            for _ in 0..<100 where store.dataset.generation == before { try await Task.sleep(for: .milliseconds(100)) }
            #expect(store.dataset.generation != before)
            #expect(store.dataset.name == "Shop <db>" && store.dataset.currency == "EUR")
            #expect(try await R.get(client, "/customers.csv").body.contains("C10"))
            // Back to the demo: the live source stops.
            r = try await browser.post(client, "/datasets/use", "id=0")
            #expect(r.status == .ok)
            health = try R.json(try await R.get(client, "/-/health").body)
            #expect(health["source"] == nil)
            #expect(!(try await R.get(client, "/overview").body.contains("from PostgreSQL")))
            // And to the database entry again, from the library.
            r = try await browser.post(client, "/datasets/use", "id=\(e.id)")
            #expect(r.status == .ok && store.dataset.name == "Shop <db>")
        }
        await library.close()
        let reopened = await DatasetLibrary.open(dataDirectory: dir.path)
        #expect(reopened.entries.first?.database?.url.hasPrefix("postgres://postgres@127.0.0.1:") == true)
        #expect(reopened.entries.first?.kind == .postgres && reopened.current == reopened.entries.first?.id)
        await reopened.close()
    }

    /// Runs `scripts/pg-throwaway` for a second throwaway server of this test's own (so that killing it touches no other
    /// suite); returns its standard output.
    static func throwaway(_ args: [String], state: String) -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/pg-throwaway").path
        // system(3), not Process: the script leaves a server running in the background, which Foundation's Process
        // did not reap the script beside (the test hung in waitUntilExit).
        let output = state + ".out"
        let quoted = ([script] + args).map { "'" + $0 + "'" }.joined(separator: " ")
        let status = system("PG_THROWAWAY_STATE='\(state)' /bin/bash \(quoted) > '\(output)' 2>&1 < /dev/null")
        #expect(status == 0, "pg-throwaway \(args): \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: output)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func psql(_ url: String, _ script: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", script]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try? p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The database server itself dies in the middle of a refresh (`pg_ctl stop -m immediate`, a crash): the last
    /// snapshot keeps serving, health says degraded; once the server is started again the next refresh succeeds.
    @Test func theServerKilledMidRefreshThenRestarted() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("clientele-pg-kill-\(UUID().uuidString)").path
        let url = Self.throwaway(["start", "54349"], state: state)
        defer { _ = Self.throwaway(["stop"], state: state) }
        #expect(url.hasPrefix("postgres://"))
        _ = Self.psql(url, """
            CREATE TABLE k_lines (invoice text, customer_id text, "timestamp" timestamp, quantity int, unit_price numeric);
            INSERT INTO k_lines VALUES ('1', 'A', '2024-01-02 10:00', 2, 5.25), ('2', 'B', '2024-02-03 11:00', 1, 3);
            CREATE TABLE k_flag (slow boolean); INSERT INTO k_flag VALUES (false);
            """)
        var source = try Self.source(.query("SELECT l.* FROM k_lines l WHERE (SELECT count(*) FROM (SELECT pg_sleep(CASE WHEN slow THEN 5 ELSE 0 END) FROM k_flag) s) = 1"), url: url)
        source.applicationName = "clientele-crash-test"
        let live = LiveSource(source: source, interval: nil)
        guard case .success(let first?) = await live.loadDataset() else { Issue.record("first load failed: \(live.status.lastError ?? "")"); return }
        let store = DataStore(dataset: first)
        live.attach(store)
        let app = try await Self.app(store, live: live)
        try await app.test(.router) { client in
            _ = Self.psql(url, "UPDATE k_flag SET slow = true; INSERT INTO k_lines VALUES ('3', 'C', '2024-03-01 09:00', 1, 7.5);")
            let refresh = Task { await live.refresh() }
            var running = ""
            for _ in 0..<100 where running != "1" {
                try await Task.sleep(for: .milliseconds(100))
                running = Self.psql(url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'clientele-crash-test' AND state = 'active'")
            }
            #expect(running == "1")
            _ = Self.throwaway(["kill"], state: state)
            #expect(await refresh.value == false)
            let health = try R.json(try await R.get(client, "/-/health").body)
            #expect(health["status"] as? String == "degraded")
            let page = try await R.get(client, "/customers.csv")
            #expect(page.status == .ok && !page.body.contains("\nC,"))
            #expect(try await R.get(client, "/overview").body.contains("refresh failed:"))
            // Started again (its data intact): the next refresh succeeds and shows customer C.
            _ = Self.throwaway(["resume"], state: state)
            _ = Self.psql(url, "UPDATE k_flag SET slow = false")
            #expect(await live.refresh())
            #expect(try R.json(try await R.get(client, "/-/health").body)["status"] as? String == "ok")
            #expect(try await R.get(client, "/customers.csv").body.contains("\nC,"))
        }
    }

    @Test func databaseDownAtStartWaitsAndSaysWhy() async throws {
        let live = LiveSource(source: try Self.source(.table("x"), url: "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2"), interval: nil)
        guard case .failure(let e) = await live.loadDataset() else { Issue.record("a load from port 1 succeeded"); return }
        live.recordStartFailure(e)
        let store = DataStore(dataset: Dataset(name: "x", source: live.source.sourceText, loaded: LoadedData(
            lines: OrderLines.build([(customer: "-", invoice: "-", day: 0, revenueUnits: 0, country: nil, cancelled: false)]), report: DataQualityReport())))
        let app = try await Self.app(store, live: live)
        try await app.test(.router) { client in
            let page = try await R.get(client, "/overview")
            #expect(page.status == .serviceUnavailable)
            #expect(page.body.contains("No data yet: the database x could not be read: cannot connect to the database: 127.0.0.1:1"))
            let json = try await R.get(client, "/overview.json")
            #expect(json.status == .serviceUnavailable)
            let health = try await R.get(client, "/-/health")
            #expect(health.status == .serviceUnavailable)
            #expect(try R.json(health.body)["status"] as? String == "waiting")
            #expect(try await R.get(client, "/datasets").status == .ok)
        }
    }

}

@Suite struct LiveSourceIntervalTests {
    /// A database's report has invalid lines but no line-numbered examples: the page says why, not "No invalid line".
    @Test func qualityPageOfATableWithInvalidLines() async throws {
        var loaded = try OrderLineLoader.load(paths: [RouteTests.fixture])
        loaded.report.layout = "PostgreSQL table"
        loaded.report.examples = [:]
        #expect(loaded.report.invalidLines > 0)
        let store = DataStore(dataset: Dataset(name: "order_lines", source: "test", loaded: loaded))
        let app = try await RouteTests.app(store)
        try await app.test(.router) { client in
            let page = try await RouteTests.get(client, "/data-quality").body
            #expect(page.contains("A database table has no line numbers, so no example is shown"))
            #expect(!page.contains("No invalid line."))
        }
    }

    @Test func refreshIntervals() {
        #expect(LiveSource.parseInterval("15m") == 900 && LiveSource.parseInterval("30s") == 30 && LiveSource.parseInterval("1h") == 3600)
        #expect(LiveSource.parseInterval("5") == 300)
        #expect(LiveSource.parseInterval("5s") == nil && LiveSource.parseInterval("0m") == nil && LiveSource.parseInterval("soon") == nil)
        #expect(LiveSource.duration(900) == "15 min" && LiveSource.duration(7200) == "2 h")
    }
}
