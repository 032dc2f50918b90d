import ClienteleCore
@testable import ClienteleServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

private typealias R = RouteTests

/// Sentences a head of growth would not trust, searched in every page (HTML and JSON) of a few data sets: the
/// hand-computed fixture, the demo data, a 23-day data set and a data set that starts mid-history.
enum Plausibility {
    /// Patterns that must never appear in a page's text (tags stripped), with what they mean.
    static let forbidden: [(pattern: String, why: String)] = [
        (#"every 0(\.0)? days"#, "a usual gap of 0 days"),
        (#" 0\.0x"#, "a ratio over a meaningless denominator"),
        (#"(?<![\d,.])1 customers"#, "plural after 1"),
        (#"(?<![\d,.])1 orders"#, "plural after 1"),
        (#"\bare 1 "#, "plural verb with 1"),
        (#"(?<![\d,.])1 (?:[A-Za-z']+ ){0,3}(?:customer|line|order) are\b"#, "plural verb after 1"),
        (#"(?<![\d,.])0 customers are"#, "a sentence about an empty group"),
        (#"\bNaN\b"#, "not a number"),
        (#"\binf\b"#, "infinity"),
    ]

    /// Text of an HTML page without its tags, scripts and styles.
    static func text(ofHTML html: String) -> String {
        var s = html
        for block in [#"<script[\s\S]*?</script>"#, #"<style[\s\S]*?</style>"#, #"<svg[\s\S]*?</svg>"#, "<[^>]+>"] {
            s = s.replacingOccurrences(of: block, with: " ", options: .regularExpression)
        }
        return s.replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
            .replacingOccurrences(of: "&quot;", with: "\"")
    }

    /// The forbidden patterns found in `text`, each with a little context.
    static func problems(in text: String) -> [String] {
        var out: [String] = []
        for (pattern, why) in forbidden {
            let re = try! NSRegularExpression(pattern: pattern)
            let ns = text as NSString
            for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)).prefix(3) {
                let lo = max(0, m.range.location - 60), hi = min(ns.length, m.range.location + m.range.length + 60)
                out.append("\(why): …\(ns.substring(with: NSRange(location: lo, length: hi - lo)))…")
            }
        }
        return out
    }

    /// Shares in a sentence must lie in 0-100%: an unsigned percentage above 100%, or a negative one outside a
    /// sentence about a change, is a problem.
    static func shareProblems(inSentence s: String) -> [String] {
        let re = try! NSRegularExpression(pattern: #"([+−-]?)([\d,]+(?:\.\d+)?)%"#)
        let ns = s as NSString
        var out: [String] = []
        let isChange = s.contains("chang") || s.contains(" on the ") || s.contains("year earlier") || s.contains("→")
        for m in re.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
            let sign = ns.substring(with: m.range(at: 1))
            guard let v = Double(ns.substring(with: m.range(at: 2)).replacingOccurrences(of: ",", with: "")) else { continue }
            if sign == "+" { continue }
            if sign.isEmpty && v > 100 && !isChange { out.append("share above 100%: \(s)") }
            if !sign.isEmpty && v > 0 && !isChange { out.append("share below 0%: \(s)") }
        }
        return out
    }

    /// Every page of `store` in HTML and JSON (and a few customer profiles); returns the problems found.
    static func check(_ store: DataStore, customers: Int = 5, alsoProfiles: [String] = []) async throws -> [String] {
        let app = try await R.app(store)
        return try await app.test(.router) { client in
            var found: [String] = []
            let list = try R.json(try await R.get(client, "/customers.json").body)
            let ids = R.rows(list, "customers").prefix(customers).compactMap { ($0["customer_id"] as? String) ?? (($0["customer_id"] as? [String: Any])?["text"] as? String) }
            var pages: [(html: String, json: String)] = [
                ("/", "/index.json"), ("/overview", "/overview.json"), ("/value", "/value.json"), ("/retention", "/retention.json"),
                ("/retention?_period=week", "/retention.json?_period=week"), ("/retention?_period=quarter", "/retention.json?_period=quarter"),
                ("/churn", "/churn.json"), ("/explain", "/explain.json"), ("/recommendations", "/recommendations.json"),
                ("/report", "/report.json"), ("/customers", "/customers.json"), ("/data-quality", "/data-quality.json"),
            ]
            for id in ids + alsoProfiles {
                let q = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id
                pages.append(("/customer?id=\(q)", "/customer.json?id=\(q)"))
            }
            for (htmlPath, jsonPath) in pages {
                let html = try await R.get(client, htmlPath)
                guard html.status == .ok else { found.append("\(htmlPath): status \(html.status)"); continue }
                found += Plausibility.problems(in: Plausibility.text(ofHTML: html.body)).map { "\(htmlPath): \($0)" }
                let json = try await R.get(client, jsonPath)
                guard json.status == .ok else { found.append("\(jsonPath): status \(json.status)"); continue }
                found += Plausibility.problems(in: json.body).map { "\(jsonPath): \($0)" }
                let insights = (try R.json(json.body)["insights"] as? [String]) ?? []
                for s in insights { found += Plausibility.shareProblems(inSentence: s).map { "\(jsonPath): \($0)" } }
            }
            return found
        }
    }

    // MARK: - Data sets built inline

    static let header = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"

    /// 23 days of data (2022-03-01 to 2022-03-23): 40 customers with 1 to 4 orders.
    static func shortSpan() -> String {
        var s = header, invoice = 1
        for c in 1...40 {
            let orders = 1 + c % 4
            for o in 0..<orders {
                let day = 1 + (c * 7 + o * 5) % 23
                s += "\(invoice),A\(c % 5),Item,\(1 + c % 3),2022-03-\(day < 10 ? "0" : "")\(day) 10:00:00,\(2 + c % 7).5,S\(c),United Kingdom\n"
                invoice += 1
            }
        }
        return s
    }

    /// Data that starts mid-history: 60 customers' first orders in 2021-01 (all of them order again in 2021-08),
    /// then 8 new customers a month from 2021-02 to 2021-07 (a quarter of them order once more the next month),
    /// a customer with two orders on one day, and a customer with cancellations only.
    static func midHistory() -> String {
        var s = header, invoice = 1
        func line(_ customer: String, _ month: Int, _ day: Int, quantity: Int = 1) {
            s += "\(quantity < 0 ? "C" : "")\(invoice),A1,Item,\(quantity),2021-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day) 10:00:00,12.5,\(customer),United Kingdom\n"
            invoice += 1
        }
        for c in 1...60 {
            line("OLD\(c)", 1, 1 + c % 28)
            line("OLD\(c)", 8, 1 + c % 28)
        }
        for month in 2...7 {
            for c in 1...8 {
                line("NEW\(month)-\(c)", month, 2 + c)
                if c <= 2 { line("NEW\(month)-\(c)", month + 1, 2 + c) }
            }
        }
        line("SAME", 3, 10)
        line("SAME", 3, 10)
        line("GONE", 4, 4, quantity: -2)
        line("LAST", 8, 31)
        return s
    }
}

@Suite struct PlausibilityTests {
    @Test func smallRetailFixture() async throws {
        let problems = try await Plausibility.check(try R.store(), customers: 10)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func demoData() async throws {
        let store = DataStore(dataset: Dataset(name: "demo.csv", source: "test", loaded: try DemoData.load(lines: 20_000)))
        let problems = try await Plausibility.check(store, customers: 8)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func twentyThreeDays() async throws {
        let problems = try await Plausibility.check(try R.store(text: Plausibility.shortSpan()), customers: 10)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func midHistoryData() async throws {
        let problems = try await Plausibility.check(try R.store(text: Plausibility.midHistory()), customers: 10, alsoProfiles: ["SAME"])
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The helper itself catches what it is meant to catch.
    @Test func helperCatchesBadSentences() {
        for bad in ["Its orders came every 0 days on average; the current gap is 12,309.0x that.", "1 customers are Hibernating.",
                    "It has placed 1 orders.", "There are 1 customer.", "0 customers are At Risk.", "Retention NaN", "a ratio of inf",
                    "1 customer are Hibernating.", "1 valid line are cancellations"] {
            #expect(!Plausibility.problems(in: bad).isEmpty, "\(bad)")
        }
        for good in ["21 customers are At Risk.", "It placed its 2 orders within one day.", "11 orders", "information", "every 10 days"] {
            #expect(Plausibility.problems(in: good).isEmpty, "\(good)")
        }
        #expect(!Plausibility.shareProblems(inSentence: "Champions bring 120.0% of revenue.").isEmpty)
        #expect(!Plausibility.shareProblems(inSentence: "Champions bring −3.0% of revenue.").isEmpty)
        #expect(Plausibility.shareProblems(inSentence: "Revenue changed by +150.0% and customers by −4.0%.").isEmpty)
    }
}

/// The sentences fixed for issue 10, each on data where the old pages said something untrustworthy.
@Suite struct HonestSentenceTests {
    /// Mid-history: said once on Home and on Retention with the numbers; the first cohort is left out of the largest
    /// cohort and the average curve, which only shows offsets observed in at least three cohorts.
    @Test func midHistoryIsSaidAndLeftOut() async throws {
        let app = try await R.app(try R.store(text: Plausibility.midHistory()))
        try await app.test(.router) { client in
            for path in ["/index.json", "/retention.json"] {
                let insights = (try R.json(try await R.get(client, path).body)["insights"] as? [String]) ?? []
                let said = insights.filter { $0.hasPrefix("The data starts mid-history") }
                #expect(said.count == 1, "\(path): \(insights)")
                #expect(said.first?.contains("2021-01") == true && said.first?.contains("60 first orders") == true, "\(path): \(said)")
                #expect(said.first?.contains("7.5 times") == true, "\(path): \(said)")
            }
            let page = try R.json(try await R.get(client, "/retention.json").body)
            let insights = (page["insights"] as? [String]) ?? []
            #expect(!insights.contains { $0.hasPrefix("The largest cohort is 2021-01") }, "\(insights)")
            #expect(!insights.contains { $0.contains("best next-month retention is 2021-01") }, "\(insights)")
            let avg = R.rows(page, "average")
            #expect(!avg.isEmpty)
            for row in avg {
                #expect((row["cohorts"] as? Int ?? 0) >= 3, "\(row)")
            }
            // The old curve rose to 100% at month 7, where only the 2021-01 cohort is observed.
            let rates = avg.compactMap { ($0["retention_rate"] as? NSNumber)?.doubleValue }
            #expect(rates.dropFirst().allSatisfy { $0 < 0.5 }, "\(rates)")
        }
    }

    @Test func noMidHistoryOnTheFixtureOrTheDemo() throws {
        #expect(Analysis(lines: try OrderLineLoader.load(paths: [R.fixture]).lines).midHistoryStart == nil)
        #expect(Analysis(lines: try OrderLineLoader.load(text: Plausibility.shortSpan(), name: "short.csv").lines).midHistoryStart == nil)
    }

    /// Two orders on one day: no "every 0 days" and no ratio over a gap of 0.
    @Test func sameDayOrders() async throws {
        let app = try await R.app(try R.store(text: Plausibility.midHistory()))
        try await app.test(.router) { client in
            let insights = (try R.json(try await R.get(client, "/customer.json?id=SAME").body)["insights"] as? [String]) ?? []
            #expect(insights.contains { $0.contains("within one day") }, "\(insights)")
            #expect(!insights.contains { $0.contains("every 0") || $0.contains("x that") }, "\(insights)")
        }
    }

    /// Home and the Data quality page read the excluded customers from one source (the customer table) and agree.
    @Test func excludedCustomersAgree() async throws {
        for store in [try R.store(), try R.store(text: Plausibility.midHistory())] {
            let excluded = store.dataset.base.table.excludedCustomers
            #expect(excluded == 1)
            let app = try await R.app(store)
            try await app.test(.router) { client in
                let home = try R.json(try await R.get(client, "/index.json").body)
                let row = R.rows(home, "dataset").first { ($0["field"] as? String) == "Customers excluded (cancellations only)" }
                #expect(row?["value"] as? Int == excluded, "\(String(describing: row))")
                let dq = (try R.json(try await R.get(client, "/data-quality.json").body)["insights"] as? [String]) ?? []
                #expect(dq.contains { $0.hasPrefix("1 customer had only cancellations or returns and is excluded") }, "\(dq)")
                #expect(!dq.contains { $0.contains("No customer was excluded") }, "\(dq)")
                let homeInsights = (home["insights"] as? [String]) ?? []
                #expect(homeInsights.contains { $0.hasPrefix("1 customer had only cancellations") }, "\(homeInsights)")
            }
        }
    }

    /// 23 days of data: the segment page says recency cannot separate segments, with the numbers.
    @Test func shortSpanWarning() async throws {
        let app = try await R.app(try R.store(text: Plausibility.shortSpan()))
        try await app.test(.router) { client in
            let insights = (try R.json(try await R.get(client, "/churn.json").body)["insights"] as? [String]) ?? []
            #expect(insights.contains { $0.contains("covers only 23 days") && $0.contains("recency cannot separate segments well") }, "\(insights)")
        }
        let app2 = try await R.app(try R.store())
        try await app2.test(.router) { client in
            let insights = (try R.json(try await R.get(client, "/churn.json").body)["insights"] as? [String]) ?? []
            #expect(!insights.contains { $0.contains("recency cannot separate") }, "\(insights)")
        }
    }

    /// Plurals agree with their counts on the churn page of the fixture (1 At Risk customer is, not are).
    @Test func pluralsOnTheFixture() async throws {
        let app = try await R.app(try R.store())
        try await app.test(.router) { client in
            for path in ["/churn.json", "/value.json", "/overview.json", "/report.json"] {
                let body = try await R.get(client, path).body
                #expect(Plausibility.problems(in: body).isEmpty, "\(path): \(Plausibility.problems(in: body))")
            }
        }
    }
}
