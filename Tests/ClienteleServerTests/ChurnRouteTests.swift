import ClienteleCore
@testable import ClienteleServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Churn risk on the pages: the candidates side by side, identifiability in words, and "comparing models..."
/// while the whole data set's comparison runs in the background.
@Suite struct ChurnRouteTests {
    typealias R = RouteTests

    /// Customers who never drop out (BG/NBD runs to a → 0): flagged on the churn page, in /churn.json and in the
    /// report, and not the model whose risks are shown.
    @Test func unidentifiedFitIsFlaggedOnEverySurface() async throws {
        let start = CivilDate.dayNumber(year: 2022, month: 1, day: 1)
        var rng = SplitMix64(seed: 41)
        let firstDays = (0..<1500).map { _ in start + Int(365 * rng.uniform()) }
        let histories = ModelSimulation.paretoHistories(r: 2, alphaDays: 60, s: 1, betaDays: 1e9, firstDays: firstDays, endDay: start + 729, seed: 43)
        let store = try R.store(text: ModelSimulation.retailCSV(histories))
        let app = try await R.app(store)
        try await app.test(.router) { client in
            let json = try R.json(try await R.get(client, "/churn.json").body)
            let candidates = R.rows(json, "candidates")
            let bg = try #require(candidates.first { ($0["model"] as? String)?.hasPrefix("BG/NBD") == true })
            #expect((bg["status"] as? String)?.hasPrefix("not identified: parameter ") == true)
            #expect((bg["model"] as? String)?.contains("chosen") == false)
            #expect(candidates.count == 5)
            let html = try await R.get(client, "/churn").body
            #expect(html.contains("Model choice and validation"))
            #expect(html.contains("not identified: parameter "))
            #expect(!html.contains("gradient"))
            #expect(html.contains("chance of no order in the next 90 days"))
            let report = try await R.get(client, "/report.md?_range=all").body
            #expect(report.contains("- BG/NBD: ") && report.contains("not identified: parameter "))
            #expect(!report.contains("from BG/NBD,"))
        }
    }

    /// Pages say "comparing models..." (and are not cached) until the background comparison is done, then show the
    /// choice; the risk on the churn page, the profile and the recommendations is the same number.
    @Test func pagesSayComparingUntilTheModelsAreReady() async throws {
        let store = DataStore(dataset: Dataset(name: "demo.csv", source: "test", loaded: try DemoData.load(lines: 20_000)), modelsInBackground: true)
        let app = try await R.app(store)
        try await app.test(.router) { client in
            let pending = try await R.get(client, "/churn")
            #expect(pending.status == .ok)
            #expect(pending.body.contains("data-models-pending"))
            #expect(pending.body.contains("Comparing churn models on the holdout"))
            #expect(try await R.get(client, "/explain").body.contains("Comparing churn models"))
            store.startModels()
            while store.modelsPending { try await Task.sleep(for: .milliseconds(100)) }
            let ready = try await R.get(client, "/churn").body
            #expect(!ready.contains("data-models-pending"))
            #expect(ready.contains("Model choice and validation"))
            let json = try R.json(try await R.get(client, "/churn.json").body)
            let chosen = try #require(R.rows(json, "candidates").first)
            #expect((chosen["model"] as? String)?.contains("(chosen for risk") == true)
            let reliability = R.rows(json, "reliability")
            #expect(reliability.count == 10)
            // The same customer's risk on the explanations list and its profile.
            let explain = try R.json(try await R.get(client, "/explain.json").body)
            let first = try #require(R.rows(explain, "customers").first)
            let id = try #require(first["customer_id"] as? String)
            let profile = try R.json(try await R.get(client, "/customer.json?id=\(id)").body)
            let risk = (R.kpi(profile, "churn_risk") as? NSNumber)?.doubleValue
            #expect(risk != nil && risk == (first["churn_risk"] as? NSNumber)?.doubleValue)
            // The report's top action holds the Actions page's figures, and the page total counts each customer once.
            let actions = try #require(try R.json(try await R.get(client, "/recommendations.json").body)["actions"] as? [[String: Any]])
            let top = try #require(actions.first)
            let topValue = try #require((top["value"] as? NSNumber)?.doubleValue)
            let report = try await R.get(client, "/report.md?_range=all").body
            #expect(report.contains("### 1. \(top["title"] as! String)"))
            #expect(report.contains(DisplayFormat.money(Money.units(fromCurrency: topValue)!)))
            let page = try R.json(try await R.get(client, "/recommendations.json").body)
            let total = (R.kpi(page, "value_at_stake") as? NSNumber)?.doubleValue ?? .infinity
            let sum = actions.reduce(0.0) { $0 + (($1["value"] as? NSNumber)?.doubleValue ?? 0) }
            #expect(total <= sum + 1e-9 && total > 0)
            #expect(total <= (R.kpi(page, "expected_value") as? NSNumber)?.doubleValue ?? 0)
        }
    }
}
