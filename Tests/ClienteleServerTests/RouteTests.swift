import ClienteleCore
@testable import ClienteleServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The dashboard's routes in-process, on the hand-computed fixture `small_retail.csv` (see
/// ClienteleCoreTests/SmallRetailFixtureTests for the numbers): 7 customers, revenue 67.416, 9 orders.
@Suite struct RouteTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ClienteleCoreTests/Fixtures/small_retail.csv").standardized.path

    static func store(text: String? = nil) throws -> DataStore {
        let loaded = try text.map { try OrderLineLoader.load(text: $0, name: "hostile.csv") } ?? OrderLineLoader.load(paths: [fixture])
        return DataStore(dataset: Dataset(name: text == nil ? "small_retail.csv" : "hostile.csv", source: "test", loaded: loaded))
    }

    static func app(_ store: DataStore, options: ServerOptions = ServerOptions.openForTests) async throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await buildApplication(store: store, options: options, logger: logger)
    }

    /// GET `uri`; returns status, body text and content type.
    static func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (status: HTTPResponse.Status, body: String, type: String) {
        try await client.execute(uri: uri, method: .get) { r in (r.status, String(buffer: r.body), r.headers[.contentType] ?? "") }
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func kpi(_ page: [String: Any], _ key: String) -> Any? {
        ((page["kpis"] as? [String: Any])?[key] as? [String: Any])?["value"]
    }

    static func rows(_ page: [String: Any], _ table: String) -> [[String: Any]] {
        (((page["tables"] as? [String: Any])?[table] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
    }

    @Test func everyPageInEveryFormat() async throws {
        let app = try await Self.app(try Self.store())
        try await app.test(.router) { client in
            for (path, data, title) in [("/", "/index", "Clientele"), ("/overview", "/overview", "Executive overview"),
                                        ("/value", "/value", "Customer value"), ("/retention", "/retention", "Retention and cohorts"),
                                        ("/churn", "/churn", "Churn intelligence"), ("/customers", "/customers", "Customers"),
                                        ("/recommendations", "/recommendations", "Recommendations"), ("/report", "/report", "Executive report"),
                                        ("/customer?id=C1", "/customer", "Customer C1"), ("/data-quality", "/data-quality", "Data quality")] {
                let query = path.contains("?") ? "?" + path.split(separator: "?")[1] : ""
                let html = try await Self.get(client, path)
                #expect(html.status == .ok, "\(path)")
                #expect(html.type.hasPrefix("text/html"))
                #expect(html.body.contains("<h1>\(title)</h1>"), "\(path)")
                let json = try await Self.get(client, data + ".json" + query)
                #expect(json.status == .ok, "\(data).json")
                #expect(try Self.json(json.body)["ok"] as? Bool == true)
                let csv = try await Self.get(client, data + ".csv" + query)
                #expect(csv.status == .ok, "\(data).csv")
                #expect(csv.type.hasPrefix("text/csv"))
                // (No action fires on the 7-customer fixture: the actions table is a header alone.)
                #expect(csv.body.split(separator: "\n").count >= (data == "/recommendations" ? 1 : 2), "\(data).csv has a header and rows")
            }
            let upload = try await Self.get(client, "/upload")
            #expect(upload.status == .ok && upload.body.contains("multipart/form-data"))
            let health = try Self.json(try await Self.get(client, "/-/health").body)
            #expect(health["customers"] as? Int == 7)
            #expect(try await Self.get(client, "/nowhere").status == .notFound)
        }
    }

    @Test func overviewNumbersMatchTheCore() async throws {
        let app = try await Self.app(try Self.store())
        try await app.test(.router) { client in
            let page = try Self.json(try await Self.get(client, "/overview.json").body)
            #expect(Self.kpi(page, "total_customers") as? Int == 7)
            #expect((Self.kpi(page, "total_revenue") as? NSNumber)?.doubleValue == 67.416)
            #expect((Self.kpi(page, "average_order_value") as? NSNumber)?.doubleValue == 7.4907)
            #expect(Self.kpi(page, "orders") as? Int == 9)
            #expect(page["as_of"] as? String == "2021-05-01")
            // Months: revenue 29.25, 28.333, 0, 9.833; returning revenue only in April (7.333).
            let months = Self.rows(page, "monthly")
            #expect(months.map { $0["month"] as? String } == ["2021-01", "2021-02", "2021-03", "2021-04"])
            #expect(months.map { ($0["returning_revenue"] as? NSNumber)?.doubleValue } == [0, 0, 0, 7.333])
            #expect(months.map { $0["active_customers"] as? Int } == [2, 3, 1, 3])
            let html = try await Self.get(client, "/overview").body
            #expect(html.contains("67.42"))   // revenue card
            #expect(html.contains("7 customers placed 9 orders worth 67.42 in net revenue"))
        }
    }

    @Test func overviewOpensOnTheLastNinetyDaysAgainstThePeriodBeforeAndAYearEarlier() async throws {
        let store = DataStore(dataset: Dataset(name: "demo.csv", source: "test", loaded: try DemoData.load(lines: 20_000)))
        let app = try await Self.app(store)
        let last = store.dataset.asOf - 1
        let (y, m, d) = CivilDate.civil(last)
        // The year-earlier range by hand: the same calendar dates one year back.
        let (fy, fm, fd) = CivilDate.civil(last - 89)
        let yearFrom = CivilDate.format(CivilDate.dayNumber(year: fy - 1, month: fm, day: fd))
        let yearTo = CivilDate.format(CivilDate.dayNumber(year: y - 1, month: m, day: d))
        try await app.test(.router) { client in
            let page = try Self.json(try await Self.get(client, "/overview.json").body)
            // No range asked: the last 90 days, its last day included.
            let filters = page["filters"] as? [String: Any]
            #expect(filters?["from"] as? String == CivilDate.format(last - 89))
            #expect(filters?["to"] as? String == CivilDate.format(last))
            let ranged = try Self.json(try await Self.get(client, "/overview.json?from=\(CivilDate.format(last - 89))&to=\(CivilDate.format(last))").body)
            #expect(Self.kpi(page, "total_customers") as? Int == Self.kpi(ranged, "total_customers") as? Int)
            // The two comparisons, each equal to that range's own overview.
            let before = try Self.json(try await Self.get(client, "/overview.json?from=\(CivilDate.format(last - 179))&to=\(CivilDate.format(last - 90))").body)
            let yearEarlier = try Self.json(try await Self.get(client, "/overview.json?from=\(yearFrom)&to=\(yearTo)").body)
            let rows = Self.rows(page, "kpis")
            #expect(rows.first?["metric"] as? String == "Customers")
            let beforeCustomers = try #require(Self.kpi(before, "total_customers") as? Int)
            let yearCustomers = try #require(Self.kpi(yearEarlier, "total_customers") as? Int)
            #expect(beforeCustomers != yearCustomers)   // so that the checks below tell the two apart
            #expect(rows.first?["previous"] as? String == DisplayFormat.integer(beforeCustomers))
            #expect(rows.first?["year_earlier"] as? String == DisplayFormat.integer(yearCustomers))
            // The cards compare with a year earlier by default (the data reaches back), with the period before on request.
            let card = { (p: [String: Any]) in ((p["kpis"] as? [String: Any])?["total_customers"] as? [String: Any])?["previous"] as? Int }
            #expect(card(page) == yearCustomers)
            let vsBefore = try Self.json(try await Self.get(client, "/overview.json?_compare=previous").body)
            #expect(card(vsBefore) == beforeCustomers)
            // The monthly charts and table read the default period against its trend: every month of the history
            // (24 here, at most 25), while a chosen range shows its own months.
            #expect(Self.rows(page, "monthly").count == 24)
            #expect(Self.rows(page, "monthly").last?["month"] as? String == String(CivilDate.format(last).prefix(7)))
            #expect(Self.rows(ranged, "monthly").count == 3)
            let html = try await Self.get(client, "/overview").body
            #expect(html.contains("Showing the latest complete period of the data, its last 90 days"))
            #expect(html.contains("vs a year earlier"))
            // "All data": every day, compared with nothing earlier (the data starts there).
            let all = try Self.json(try await Self.get(client, "/overview.json?_range=all").body)
            #expect((all["filters"] as? [String: Any])?["from"] is NSNull)
            #expect(card(all) == nil)
            #expect(Self.kpi(all, "total_customers") as? Int == store.dataset.base.kpis.totalCustomers)
        }
        // Data shorter than 180 days: all of it, and the page says why nothing is compared.
        let short = try await Self.app(try Self.store())
        try await short.test(.router) { client in
            let page = try Self.json(try await Self.get(client, "/overview.json").body)
            #expect((page["filters"] as? [String: Any])?["from"] is NSNull)
            #expect((page["insights"] as? [String])?.contains { $0.hasPrefix("No comparison: the data spans") } == true)
        }
    }

    @Test func filtersChangeEveryNumber() async throws {
        let app = try await Self.app(try Self.store())
        try await app.test(.router) { client in
            // Spain: C4, C7, C8; revenue 35.166, 4 orders.
            let spain = try Self.json(try await Self.get(client, "/overview.json?country=Spain").body)
            #expect(Self.kpi(spain, "total_customers") as? Int == 3)
            #expect((Self.kpi(spain, "total_revenue") as? NSNumber)?.doubleValue == 35.166)
            #expect(((spain["filters"] as? [String: Any])?["country"] as? [String]) == ["Spain"])
            // Date range: as-of follows the end of the range; the previous period (59 days before) has no data.
            let range = try Self.json(try await Self.get(client, "/overview.json?from=2021-02-01&to=2021-03-31").body)
            #expect(range["as_of"] as? String == "2021-04-01")
            #expect(Self.kpi(range, "total_customers") as? Int == 4)
            // Previous period: 2021-02-01..2021-04-30 (89 days) vs 2020-11-04..2021-01-31: C1 and C2 (Jan).
            let withPrev = try Self.json(try await Self.get(client, "/overview.json?from=2021-02-01").body)
            let prevCustomers = ((withPrev["kpis"] as? [String: Any])?["total_customers"] as? [String: Any])?["previous"] as? Int
            #expect(prevCustomers == 2)
            // Segment: Hibernating = C2, C7, C8 with scores from all customers.
            let churn = try Self.json(try await Self.get(client, "/customers.json?segment=Hibernating").body)
            #expect(Self.rows(churn, "customers").map { $0["customer_id"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") } == ["C2", "C7", "C8"])
            #expect(Set(Self.rows(churn, "customers").compactMap { $0["r_score"] as? Int }) == [1])
            // Tier, then retention in quarters and counts: [[5, 1], [2]].
            let gold = try Self.json(try await Self.get(client, "/value.json?tier=Gold").body)
            #expect(Self.rows(gold, "tiers").first { $0["tier"] as? String == "Gold" }?["customers"] as? Int == 1)
            let q = try Self.json(try await Self.get(client, "/retention.json?_period=quarter&_metric=count").body)
            let cohorts = Self.rows(q, "cohorts")
            #expect(cohorts.map { $0["cohort"] as? String } == ["2021-Q1", "2021-Q2"])
            #expect(cohorts.map { [$0["0"] as? Int, $0["1"] as? Int] } == [[5, 1], [2, nil]])
            // A selection without customers says so.
            let empty = try await Self.get(client, "/overview?from=2030-01-01")
            #expect(empty.status == .ok && empty.body.contains("No customer in this selection"))
            #expect(!empty.body.contains("0 customers placed"))
            // The filter is kept in every link of the page, and Reset drops it.
            let html = try await Self.get(client, "/churn?country=Spain").body
            #expect(html.contains("href=\"/overview?country=Spain\""))
            #expect(html.contains("<a class=\"reset\" href=\"/churn\">Reset</a>"))
        }
    }

    @Test func recommendationsPageListsTheEngineActions() async throws {
        // At the default thresholds no rule fires on the 7-customer fixture (its retention curve has too few
        // cohorts for a drop-off month); with the thresholds of the rules test, tier-upgrade and reactivation do.
        let quiet = try await Self.app(try Self.store())
        try await quiet.test(.router) { client in
            let page = try Self.json(try await Self.get(client, "/recommendations.json").body)
            #expect((page["actions"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await Self.get(client, "/recommendations").body.contains("No rule"))
        }
        var rules = RecommendationConfig()
        rules.tierNearSharePercent = 70
        rules.contactCost = 2_000
        let loaded = try OrderLineLoader.load(paths: [Self.fixture])
        let app = try await Self.app(DataStore(dataset: Dataset(name: "small_retail.csv", source: "test", loaded: loaded), rules: rules))
        try await app.test(.router) { client in
            // tier-upgrade: C7 and C8 each 4.166 short of Silver, 20% of it: 2 x 0.8332 = 1.6664; reactivation: C7 and
            // C8 each 3% x 10.50 - 0.20 = 0.115: 0.23. The page total counts C7 and C8 once (under tier-upgrade): 1.6664.
            let page = try Self.json(try await Self.get(client, "/recommendations.json").body)
            let actions = try #require(page["actions"] as? [[String: Any]])
            #expect(actions.map { $0["id"] as? String } == ["tier-upgrade", "reactivate-hibernating"])
            #expect((actions[0]["value"] as? NSNumber)?.doubleValue == 1.6664)
            #expect((actions[1]["value"] as? NSNumber)?.doubleValue == 0.23)
            #expect((Self.kpi(page, "value_at_stake") as? NSNumber)?.doubleValue == 1.6664)
            let csv = try await Self.get(client, "/recommendations.csv?_table=tier-upgrade").body
            #expect(csv.hasPrefix("customer_id,country,segment,tier,monetary,recency_days,churn_risk,clv_12m,reason\n"))
            #expect(csv.contains("C7,") && csv.contains("C8,"))
            let html = try await Self.get(client, "/recommendations").body
            #expect(html.contains("Move 2 customers up a value tier"))
            #expect(html.contains("1.67</strong> expected over 12 months"))
        }
    }

    @Test func reportDownloadsFollowTheFilters() async throws {
        let app = try await Self.app(try Self.store())
        try await app.test(.router) { client in
            let md = try await Self.get(client, "/report.md?country=Spain")
            #expect(md.status == .ok && md.type.hasPrefix("text/markdown"))
            #expect(md.body.contains("| Revenue | 35.17 |"))
            #expect(md.body.contains("**Selection:** customers in Spain"))
            let html = try await Self.get(client, "/report.html")
            #expect(html.body.contains("7 customers placed 9 orders worth 67.42 in net revenue"))
            #expect(try await Self.get(client, "/report.html?tier=Diamond").status == .badRequest)
            let pdf = try await client.execute(uri: "/report.pdf?_paper=letter", method: .get) { ($0.status, $0.headers[.contentType], Array($0.body.readableBytesView.prefix(8))) }
            #expect(pdf.0 == .ok && pdf.1 == "application/pdf" && pdf.2 == Array("%PDF-1.4".utf8))
            #expect(try await Self.get(client, "/report.pdf?_paper=a3").status == .badRequest)
        }
    }

    @Test func badFiltersAre400WithAMessage() async throws {
        let app = try await Self.app(try Self.store())
        try await app.test(.router) { client in
            let html = try await Self.get(client, "/overview?from=2021-13-45")
            #expect(html.status == .badRequest)
            #expect(html.body.contains("&#39;from&#39; must be a date written YYYY-MM-DD, not &#39;2021-13-45&#39;."))
            let json = try await Self.get(client, "/value.json?segment=Whales")
            #expect(json.status == .badRequest)
            let body = try Self.json(json.body)
            #expect(body["ok"] as? Bool == false)
            #expect((body["error"] as? String)?.hasPrefix("Unknown segment 'Whales'.") == true)
            let csv = try await Self.get(client, "/churn.csv?country=Atlantis")
            #expect(csv.status == .badRequest)
            #expect(csv.body.hasPrefix("Unknown country 'Atlantis'. Countries in this data set: France, Germany, Portugal, Spain, United Kingdom."))
            #expect(try await Self.get(client, "/overview?from=2021-04-01&to=2021-03-01").status == .badRequest)
            #expect(try await Self.get(client, "/retention?_period=fortnight").status == .badRequest)
            #expect(try await Self.get(client, "/customers?_sort=shoe_size").status == .badRequest)
            #expect(try await Self.get(client, "/customers?_page=0").status == .badRequest)
            #expect(try await Self.get(client, "/value.csv?_table=nope").status == .badRequest)
            #expect(try await Self.get(client, "/customer?id=nobody").status == .notFound)
            #expect(try await Self.get(client, "/customer?id=C5").status == .notFound)   // cancellations only
        }
    }

    @Test func customersListSortsSearchesAndExportsEveryRow() async throws {
        let app = try await Self.app(try Self.store())
        try await app.test(.router) { client in
            let page = try Self.json(try await Self.get(client, "/customers.json?_sort=monetary&_desc=0").body)
            #expect(Self.rows(page, "customers").map { $0["customer_id"] as? String } == ["C3", "C6", "C2", "C7", "C8", "C4", "C1"])
            let search = try await Self.get(client, "/customers?_q=spain").body
            #expect(search.contains("2 customers match “spain”."))
            let csv = try await Self.get(client, "/customers.csv").body
            #expect(csv.hasPrefix("customer_id,country,segment,tier,r_score,f_score,m_score,recency_days,frequency,monetary,first_purchase,last_purchase\n"))
            #expect(csv.contains("\nC1,Germany,Loyal Customers,Gold,3,4,5,52,2,25.5,2021-01-05,2021-03-10\n"))
            let profile = try Self.json(try await Self.get(client, "/customer.json?id=C1").body)
            #expect(Self.rows(profile, "orders").map { $0["invoice"] as? String } == ["C1003", "1002", "1001"])
            #expect(Self.kpi(profile, "rfm_score") as? String == "345")
        }
    }

    @Test func hostileTextIsEscapedEverywhere() async throws {
        let script = "<script>alert(1)</script>"
        let country = "\"><img src=x onerror=alert(2)>"
        let text = """
        Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
        1,A,x,1,2021-01-05 10:00:00,10,\(script),"\(country.replacingOccurrences(of: "\"", with: "\"\""))"
        2,A,x,1,2021-02-05 10:00:00,10,\(script),"\(country.replacingOccurrences(of: "\"", with: "\"\""))"
        3,A,x,2,2021-02-07 10:00:00,10,=HYPERLINK("http://evil"),France
        4,A,x,1,2021-03-01 10:00:00,5,@SUM(A1),France
        """
        let app = try await Self.app(try Self.store(text: text))
        try await app.test(.router) { client in
            let encodedID = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
            for path in ["/customers", "/value", "/customer?id=\(encodedID)", "/overview", "/churn", "/",
                         "/customers?_q=%3Cscript%3E", "/overview?country=%3Cb%3Ex"] {
                let body = try await Self.get(client, path).body
                #expect(!body.contains(script), "raw script tag in \(path)")
                #expect(!body.contains("<img src=x"), "raw img tag in \(path)")
                #expect(!body.contains("<b>x"), "raw filter value in \(path)")
            }
            let list = try await Self.get(client, "/customers").body
            #expect(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(list.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
            // JSON escapes < > & too, so it is safe to embed.
            let json = try await Self.get(client, "/customers.json").body
            #expect(!json.contains("<script>") && json.contains("\\u003cscript\\u003e"))
            // CSV: formula-looking text is neutralised, numbers stay numbers.
            let csv = try await Self.get(client, "/customers.csv").body
            #expect(csv.contains("\n\"'=HYPERLINK(\"\"http://evil\"\")\",France,"))
            #expect(csv.contains("\n'@SUM(A1),France,"))
        }
    }

    static func multipart(_ name: String, _ content: String, boundary: String = "XyZ123", csrf: String? = nil) -> (HTTPFields, ByteBuffer) {
        let bytes = Array(content.utf8)
        return multipart(name, bytes: bytes, boundary: boundary, csrf: csrf)
    }

    static func multipart(_ name: String, bytes: [UInt8], boundary: String = "XyZ123", csrf: String? = nil) -> (HTTPFields, ByteBuffer) {
        var body = ""
        if let csrf { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(csrf)\r\n" }
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: text/csv\r\n\r\n"
        var buffer = ByteBuffer(string: body)
        buffer.writeBytes(bytes)
        buffer.writeString("\r\n--\(boundary)--\r\n")
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], buffer)
    }

    /// A browser session on the upload page: its cookie and CSRF token, and same-origin POST helpers.
    struct Browser {
        var cookie: String
        var csrf: String

        static func open(_ client: some TestClientProtocol) async throws -> Browser {
            let (cookieHeader, page) = try await client.execute(uri: "/upload", method: .get) { r in (r.headers[.setCookie] ?? "", String(buffer: r.body)) }
            let cookie = try #require(cookieHeader.split(separator: ";").first.map(String.init))
            let csrf = try #require(page.range(of: "name=\"_csrf\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
            return Browser(cookie: cookie, csrf: csrf)
        }

        var sameOrigin: HTTPFields { [.cookie: cookie, .origin: "http://localhost"] }

        func upload(_ client: some TestClientProtocol, _ name: String, _ content: String) async throws -> (status: HTTPResponse.Status, body: String) {
            let bytes = Array(content.utf8)
            return try await upload(client, name, bytes: bytes)
        }

        func upload(_ client: some TestClientProtocol, _ name: String, bytes: [UInt8]) async throws -> (status: HTTPResponse.Status, body: String) {
            var (headers, body) = RouteTests.multipart(name, bytes: bytes, csrf: csrf)
            headers.append(contentsOf: sameOrigin)
            return try await client.execute(uri: "/upload", method: .post, headers: headers, body: body) { ($0.status, String(buffer: $0.body)) }
        }

        func post(_ client: some TestClientProtocol, _ uri: String, _ form: String) async throws -> (status: HTTPResponse.Status, body: String) {
            var headers = sameOrigin
            headers[.contentType] = "application/x-www-form-urlencoded"
            return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form + "&_csrf=\(csrf)")) { ($0.status, String(buffer: $0.body)) }
        }
    }

    static func token(_ page: String) throws -> String {
        try #require(page.range(of: "name=\"token\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
    }

    @Test func uploadReviewUseAndLimits() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clientele-upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ServerOptions.openForTests
        options.dataDirectory = dir.path
        options.maxUploadBytes = 4096
        let store = try Self.store()
        let app = try await Self.app(store, options: options)
        let csv = """
        Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
        1,A,x,2,2022-01-05 10:00:00,10,U1,Norway
        2,A,x,1,2022-02-05 10:00:00,5,U2,Norway
        3,A,x,abc,2022-02-06 10:00:00,5,U2,Norway
        """
        try await app.test(.router) { client in
            let browser = try await Browser.open(client)
            // A name that tries to leave the data folder is reduced to a plain file name inside uploads/pending/.
            let review = try await browser.upload(client, "../../etc/evil.csv", csv)
            #expect(review.status == .ok)
            #expect(review.body.contains("Use this data set"))
            #expect(review.body.contains("1 line: unparseable quantity"))
            let pendingDir = dir.appendingPathComponent("uploads/pending")
            let folders = try FileManager.default.contentsOfDirectory(atPath: pendingDir.path)
            #expect(folders.count == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: pendingDir.appendingPathComponent(folders[0]).path) == ["evil.csv"])
            #expect(!FileManager.default.fileExists(atPath: dir.deletingLastPathComponent().appendingPathComponent("etc/evil.csv").path))
            // Nothing changes until the user confirms.
            #expect(store.dataset.name == "small_retail.csv")
            let token = try Self.token(review.body)
            #expect(token == folders[0])
            let use = try await browser.post(client, "/upload/use", "token=\(token)")
            #expect(use.status == .seeOther)
            #expect(store.dataset.name == "evil.csv")
            // The confirmed file left the pending folder for uploads/.
            #expect(try FileManager.default.contentsOfDirectory(atPath: pendingDir.path).isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("uploads").path).contains { $0.hasSuffix("-evil.csv") })
            let page = try Self.json(try await Self.get(client, "/overview.json").body)
            #expect(Self.kpi(page, "total_customers") as? Int == 2)
            #expect((Self.kpi(page, "total_revenue") as? NSNumber)?.doubleValue == 25)

            // Too large: a clear message, status 413, nothing stored.
            let big = try await browser.upload(client, "big.csv", String(repeating: "x", count: 10_000))
            #expect(big.status == .contentTooLarge)
            #expect(big.body.contains("larger than the limit of 4 KB"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: pendingDir.path).isEmpty)
            // Empty and unreadable files: 400 with the loader's message.
            #expect(try await browser.upload(client, "empty.csv", "").status == .badRequest)
            // An unknown layout gets the mapping form; the mapping then loads it.
            let form = try await browser.upload(client, "shop.csv", "order_ref,client,when,amount\nA1,K1,2022-03-01,12.50\nA2,K2,2022-03-02,7\n").body
            #expect(form.contains("Map the columns of shop.csv"))
            #expect(form.contains("<option value=\"client\" selected>client</option>"))
            let token4 = try Self.token(form)
            let mapped = try await browser.post(client, "/upload/map", "token=\(token4)&customer=client&timestamp=when&revenue=amount&invoice=order_ref").body
            #expect(mapped.contains("Use this data set"))
            #expect(mapped.contains("19.50"))   // revenue 12.50 + 7
            // Using it reloads it with the mapping (nothing was kept in memory).
            #expect(try await browser.post(client, "/upload/use", "token=\(token4)").status == .seeOther)
            #expect(store.dataset.name == "shop.csv" && store.dataset.base.table.count == 2)
            // A token that is not a pending upload is refused.
            let bad = try await browser.post(client, "/upload/use", "token=..%2F..%2Fetc%2Fpasswd")
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("no longer waiting"))
        }
    }
}

extension ServerOptions {
    /// The dashboard without accounts (everyone is the local administrator): the page tests are about pages; the
    /// access tests (AccessTests) sign in.
    static var openForTests: ServerOptions {
        var o = ServerOptions()
        o.accounts = false
        return o
    }
}
