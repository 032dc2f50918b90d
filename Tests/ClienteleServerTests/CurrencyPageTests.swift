import ClienteleCore
@testable import ClienteleServer
import Foundation
import HummingbirdTesting
import Testing

/// Money in the data set's currency on every page, report and export header; numbers and dates in the locale.
@Suite struct CurrencyPageTests {
    typealias R = RouteTests

    /// Text of an HTML page without markup, styles or scripts.
    static func text(_ html: String) -> String {
        var t = html.replacingOccurrences(of: "<style[\\s\\S]*?</style>", with: " ", options: .regularExpression)
        t = t.replacingOccurrences(of: "<script[\\s\\S]*?</script>", with: " ", options: .regularExpression)
        t = t.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
        for (entity, char) in [("&amp;", "&"), ("&#39;", "'"), ("&quot;", "\""), ("&lt;", "<"), ("&gt;", ">")] {
            t = t.replacingOccurrences(of: entity, with: char)
        }
        return t.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
    }

    /// Amounts written with two decimals ("1,234.56") that have no "£" before them, with the words before each; the
    /// figures that are not money (a Gini coefficient, model scores, expected orders, a file's raw price text, the
    /// load time, the actions' settings) are told apart by the words just before them.
    static func unmarkedAmounts(_ text: String) -> [String] {
        let notMoney = ["Gini", "AUC", "Brier", "log loss", "ratio", "orders,", "orders ", "days ", "days", "Price", "coefficient",
                        "analysed in", "r =", "s =", "alpha", "beta", "gamma", "Expected orders", "purchases", "threshold", "multiplier"]
        var out: [String] = []
        let pattern = try! NSRegularExpression(pattern: "(?<![\\d.,£])\\d[\\d,]*\\.\\d\\d(?![\\d%])")
        let ns = text as NSString
        for m in pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let before = ns.substring(with: NSRange(location: max(0, m.range.location - 24), length: min(24, m.range.location)))
            if notMoney.contains(where: { before.contains($0) }) { continue }
            out.append(before + ns.substring(with: m.range))
        }
        return out
    }

    @Test func everyMoneyFigureOfEveryPageSaysItsCurrency() async throws {
        let store = DataStore(dataset: Dataset(name: "demo.csv", source: "test", loaded: try DemoData.load(lines: 20_000)))
        #expect(store.dataset.currency == "GBP")
        let app = try await R.app(store)
        try await app.test(.router) { client in
            let id = try #require(R.rows(try R.json(try await R.get(client, "/customers.json").body), "customers").first?["customer_id"] as? String)
            let pages = ["/", "/overview", "/value", "/retention", "/churn", "/movement", "/explain", "/recommendations", "/report",
                         "/customers", "/customer?id=\(id)", "/data-quality", "/overview?_compare=previous"]
            for path in pages {
                let page = try await R.get(client, path)
                #expect(page.status == .ok, "\(path)")
                let text = Self.text(page.body)
                #expect(Self.unmarkedAmounts(text).isEmpty, "\(path): \(Self.unmarkedAmounts(text).prefix(5))")
                #expect(text.contains("money in GBP"), "\(path)")
            }
            // Pages with money show it with the pound sign, cards included.
            for path in ["/", "/overview", "/value", "/churn", "/recommendations", "/report", "/customer?id=\(id)", "/movement"] {
                #expect(Self.text(try await R.get(client, path).body).contains("£"), "\(path)")
            }
            let overview = try R.json(try await R.get(client, "/overview.json").body)
            #expect(overview["currency"] as? String == "GBP")
            let cards = try await R.get(client, "/overview").body
            #expect(cards.contains("<div class=\"kpi-value\">£"))
            // Export headers name the currency of money columns; the values stay plain numbers.
            let csv = try await R.get(client, "/value.csv?_table=tiers").body
            let header = csv.split(separator: "\r\n").first.map(String.init) ?? csv.split(separator: "\n").first.map(String.init) ?? ""
            #expect(header.contains("revenue_gbp"))
            #expect(!header.contains("customers_gbp"))
            #expect(!csv.contains("£"))
            // The report downloads.
            let md = try await R.get(client, "/report.md").body
            #expect(md.contains("| Revenue | £"))
            #expect(Self.unmarkedAmounts(md).isEmpty, "\(Self.unmarkedAmounts(md).prefix(5))")
        }
    }

    @Test func aDataSetWithoutCurrencySaysSoAndShowsNoSymbol() async throws {
        let app = try await R.app(try R.store())
        try await app.test(.router) { client in
            let text = Self.text(try await R.get(client, "/overview").body)
            #expect(text.contains("currency not set"))
            #expect(!text.contains("£") && !text.contains("$"))
            #expect(try R.json(try await R.get(client, "/overview.json").body)["currency"] is NSNull)
        }
    }

    @Test func theLocaleChangesNumbersAndDatesButNotTheData() async throws {
        let loaded = try DemoData.load(lines: 20_000)
        let store = DataStore(dataset: Dataset(name: "demo.csv", source: "test", loaded: loaded), locale: "de_DE")
        let app = try await R.app(store)
        try await app.test(.router) { client in
            let text = Self.text(try await R.get(client, "/overview").body)
            let last = CivilDate.civil(store.dataset.asOf - 1)
            #expect(text.contains(String(format: "%02d.%02d.%d", last.day, last.month, last.year)))
            #expect(text.contains(" £") || text.contains("\u{00A0}£"))   // "1.234,56 £"
            #expect(text.range(of: "\\d\\.\\d{3},\\d\\d", options: .regularExpression) != nil)
            // JSON and CSV keep ISO dates and plain numbers.
            let json = try R.json(try await R.get(client, "/overview.json").body)
            #expect(json["as_of"] as? String == CivilDate.format(store.dataset.asOf))
            let csv = try await R.get(client, "/customers.csv").body
            #expect(csv.range(of: "\\d{4}-\\d{2}-\\d{2}", options: .regularExpression) != nil)
            #expect(!csv.contains("£"))
        }
    }
}
