import Foundation
import Testing
@testable import ClienteleCore

/// Plausibility of the actions on several data sets, with the churn model: checks that fail on nonsense (a value
/// above what the customers are expected to bring, a total above the base's expected value, empty actions, shares
/// over 100%, a formula that does not show its result).
@Suite struct ActionPlausibilityTests {
    static func check(_ name: String, _ lines: OrderLines) {
        let a = Analysis(lines: lines)
        let model = ChurnModel(analysis: a, lines: lines)
        let input = RecommendationInput(analysis: a, churn: model)
        let actions = RecommendationEngine.run(input)
        let expectedAll = (0..<a.table.count).reduce(Int64(0)) { $0 + input.expectedValue($1) }
        for r in actions {
            #expect(!r.rows.isEmpty && r.value > 0, "\(name) \(r.id): empty or valueless action")
            #expect(r.value >= expectedAll / 1000, "\(name) \(r.id): immaterial action \(r.value) (under 0.1% of \(expectedAll))")
            #expect(r.valueFormula.contains(DisplayFormat.money(r.value)), "\(name) \(r.id): the formula does not show its result: \(r.valueFormula)")
            if !r.customerValues.isEmpty {
                #expect(r.customerValues.count == r.rows.count)
                #expect(r.customerValues.reduce(0, +) == r.value, "\(name) \(r.id)")
                for (row, v) in zip(r.rows, r.customerValues) {
                    #expect(v >= 0 && v <= input.expectedValue(row), "\(name) \(r.id): \(v) above the customer's expected value \(input.expectedValue(row))")
                }
                let theirs = r.rows.reduce(Int64(0)) { $0 + input.expectedValue($1) }
                #expect(r.value <= theirs, "\(name) \(r.id): \(r.value) above its customers' expected value \(theirs)")
                // A response assumption of at most 20% must not claim most of what the customers could bring.
                if ["win-back", "protect-champions", "concentration-risk"].contains(r.id) {
                    #expect(Double(r.value) <= 0.2 * Double(theirs) + 1, "\(name) \(r.id): \(r.value) is more than the response share of \(theirs)")
                }
            }
            for sentence in r.why + [r.title, r.valueFormula] {
                for match in sentence.matches(of: /(-?[0-9][0-9,]*\.?[0-9]*)%/) {
                    let v = Double(String(match.1).replacingOccurrences(of: ",", with: "")) ?? 0
                    #expect(v >= 0 && v <= 100, "\(name) \(r.id): share \(v)% in “\(sentence)”")
                }
                #expect(!sentence.contains("every 0 days") && !sentence.contains(" 0 customers") && !sentence.contains("NaN"), "\(name): \(sentence)")
            }
        }
        // Rank and priority agree: priority never rises further down the list.
        for (x, y) in zip(actions, actions.dropFirst()) {
            #expect(x.priority >= y.priority, "\(name): \(y.id) ranks below \(x.id) but has a higher priority")
        }
        // Win-back: beyond the RFM segments, only customers who have gone quiet (no order for more than H days, not
        // Hibernating, Champions or New Customers).
        if let w = actions.first(where: { $0.id == "win-back" }) {
            for row in w.rows where !input.config.winBackSegments.contains(a.segment[row]) {
                #expect(a.table.recencyDays(row) > input.config.horizonDays && ![.hibernating, .champions, .newCustomers].contains(a.segment[row]),
                        "\(name): win-back lists a \(a.segment[row].rawValue) customer who ordered \(a.table.recencyDays(row)) days ago")
            }
        }
        // Revenue at risk over H days is at most the customers' revenue of the last 365 days x H / 365.
        let explanations = ChurnExplanations(analysis: a, lines: lines, model: model)
        var lastYear: Int64 = 0
        for seg in lines.chunks {
            for j in 0..<seg.count where seg.customer[j] >= 0 && Int(seg.day[j]) >= a.asOf - 365 && Int(seg.day[j]) < a.asOf {
                lastYear += seg.revenue[j]
            }
        }
        let atRisk = explanations.revenueAtRisk.reduce(0, +)
        let bound = Double(max(0, lastYear)) * Double(model.horizonDays) / 365
        #expect(atRisk >= 0 && Double(atRisk) <= bound + Double(a.table.count), "\(name): revenue at risk \(atRisk) above the last year's revenue x H / 365 (\(bound))")
        let total = RecommendationEngine.total(actions)
        #expect(total.customers <= expectedAll, "\(name): page total \(total.customers) above the customers' expected value \(expectedAll)")
        #expect(total.total <= a.kpis.totalRevenue + total.total - total.customers, "\(name): more than the store's revenue")
        print("\(name): \(actions.map { "\($0.id) \(DisplayFormat.money($0.value))" }.joined(separator: "; ")); total \(DisplayFormat.money(total.total)) of expected \(DisplayFormat.money(expectedAll)), revenue \(DisplayFormat.money(a.kpis.totalRevenue))")
    }

    @Test func demoData() throws { Self.check("demo 20k", try DemoData.load(lines: 20_000).lines) }

    @Test(arguments: [DemoProfile.wholesale, .highChurn])
    func generatorProfile(_ profile: DemoProfile) throws {
        Self.check(profile.rawValue, try DemoData.load(lines: 40_000, profile: profile).lines)
    }

    @Test func cdnowSample() throws { Self.check("CDNOW", try OrderLineLoader.load(paths: [Fixture.path("CDNOW_sample.txt")]).lines) }

    @Test func smallFixture() throws { Self.check("small", try OrderLineLoader.load(paths: [Fixture.path("small_retail.csv")]).lines) }

    @Test func simulatedBases() throws {
        let start = CivilDate.dayNumber(year: 2022, month: 1, day: 1)
        var rng = SplitMix64(seed: 3)
        let first = (0..<1500).map { _ in start + Int(600 * rng.uniform()) }
        let churny = ModelSimulation.betaGeoHistories(r: 1.2, alphaDays: 30, a: 2, b: 2.5, modified: true, firstDays: first, endDay: start + 729, seed: 5)
        Self.check("high churn", try OrderLineLoader.load(text: ModelSimulation.retailCSV(churny)).lines)
        let loyal = ModelSimulation.paretoHistories(r: 2, alphaDays: 60, s: 1, betaDays: 1e9, firstDays: first, endDay: start + 729, seed: 7)
        Self.check("no dropout", try OrderLineLoader.load(text: ModelSimulation.retailCSV(loyal)).lines)
    }
}
