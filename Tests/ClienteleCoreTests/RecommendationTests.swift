import Foundation
import Testing
@testable import ClienteleCore

/// Each rule on a fixture where it fires (numbers computed by hand in the comments) and one where it does not.
@Suite struct RecommendationTests {
    let small: Analysis

    init() throws {
        small = Analysis(lines: try OrderLineLoader.load(paths: [Fixture.path("small_retail.csv")]).lines)
    }

    static func lines(_ rows: [(String, Int, Int64, String)]) -> OrderLines {
        OrderLines.build(rows.enumerated().map { i, r in
            (customer: r.0, invoice: "I\(i)", day: r.1, revenueUnits: r.2, country: r.3, cancelled: false)
        })
    }

    func ids(_ a: Analysis, _ rows: [Int]) -> [String] { rows.map { a.table.id($0) } }

    @Test func concentrationRiskFiresOnlyWhenConcentrated() throws {
        let d = Fixture.day("2022-01-10")
        // One customer spends 10,000, 99 spend 10: the top 1% (1 customer) hold 10000 / 10990 = 91%.
        let skewed = Analysis(lines: Self.lines([("BIG", d, 100_000_000, "X")] + (0..<99).map { ("C\($0)", d, 100_000, "X") }))
        // Without a churn model nothing says what the top accounts put at risk: no action.
        #expect(ConcentrationRiskRule().evaluate(RecommendationInput(analysis: skewed)) == nil)
        // With a 50% churn risk for everyone: BIG's next 12 months at its pace = 10,000 (known 1 day: what it spent),
        // its expected value 10,000 x (1 - 0.5) = 5,000; at risk 0.5 x 5,000 = 2,500; 10% saved = 250.00.
        let risks = RecommendationInput.RiskView(risks: [Double](repeating: 0.5, count: 100), riskWords: "chance of no order in the next 90 days", modelName: "Test")
        let input = RecommendationInput(analysis: skewed, risks: risks)
        let r = try #require(ConcentrationRiskRule().evaluate(input))
        #expect(ids(skewed, r.rows) == ["BIG"])
        #expect(r.value == 2_500_000)
        #expect(r.valueFormula.hasSuffix("= 10% x 2,500.00 = 250.00"))
        #expect(r.priority == .high)
        #expect(r.why[0].hasPrefix("The top 1% of customers hold 91.0% of revenue"))
        let even = Analysis(lines: Self.lines((0..<100).map { ("C\($0)", d, 100_000, "X") }))
        #expect(ConcentrationRiskRule().evaluate(RecommendationInput(analysis: even, risks: risks)) == nil)
    }

    @Test func tierUpgrade() throws {
        // Silver's entry revenue is C4's 14.666; Gold's is C1's 25.5. At 70%: Bronze customers with at least 10.2662
        // are C7 and C8 (10.5 each): 2 x (14.666 - 10.5) = 8.332 to lift them; 20% of them close it: 1.6664.
        // C4 (14.666) is below 70% of 25.5.
        var config = RecommendationConfig()
        config.tierNearSharePercent = 70
        let r = try #require(TierUpgradeRule().evaluate(RecommendationInput(analysis: small, config: config)))
        #expect(ids(small, r.rows) == ["C7", "C8"])
        #expect(r.value == Fixture.units("1.6664"))
        #expect(r.customerValues == [8_332, 8_332])
        #expect(r.valueFormula == "20% (assumed share who close their gap) x Σ (next tier's entry revenue - their revenue) = 20% x 8.33 = 1.67")
        #expect(r.reasons[0] == "Bronze: 4.17 short of Silver")
        // At the default 80% nobody is close enough.
        #expect(TierUpgradeRule().evaluate(RecommendationInput(analysis: small)) == nil)
    }

    @Test func secondOrderBeforeTheDropOff() throws {
        // Four monthly cohorts of 10 customers (first orders on the 1st of January to April 2022, 10.00 each); 3 of
        // each come back the next month. The data ends 2022-05-05 (as-of 2022-05-06). Month 1 is complete for the
        // January, February and March cohorts: retention falls from 100% to 30% between month 0 and month 1. The
        // April cohort's 7 one-order customers are 35 days old (within 60). Value = 7 x (AOV 10.00 x 10%) = 7.00.
        var rows: [(String, Int, Int64, String)] = []
        for m in 0..<4 {
            for i in 0..<10 {
                rows.append(("M\(m)-\(i)", CivilDate.dayNumber(year: 2022, month: m + 1, day: 1), 100_000, "X"))
                if i < 3 { rows.append(("M\(m)-\(i)", CivilDate.dayNumber(year: 2022, month: m + 2, day: m == 3 ? 5 : 10), 100_000, "X")) }
            }
        }
        let a = Analysis(lines: Self.lines(rows))
        let r = try #require(SecondOrderRule().evaluate(RecommendationInput(analysis: a)))
        #expect(r.rows.count == 7 && ids(a, r.rows).allSatisfy { $0.hasPrefix("M3-") })
        #expect(r.value == 70_000)
        #expect(r.title == "Turn 7 new buyers into repeat customers within a month of their first order")
        // The 7-customer fixture's curve has fewer than 3 cohorts per month after the first: no drop-off month.
        #expect(SecondOrderRule().evaluate(RecommendationInput(analysis: small)) == nil)
        var config = RecommendationConfig()
        config.newBuyerWindowDays = 0
        #expect(SecondOrderRule().evaluate(RecommendationInput(analysis: a, config: config)) == nil)
    }

    @Test func reactivationWhenTheReturnBeatsTheCost() throws {
        // Hibernating: C2 (3.75, 1 order), C7 and C8 (10.5, 1 order). At 3% and a cost of 0.20: C7 and C8 expect
        // 0.315 each, net 0.115; C2 expects 0.1125 < 0.20. Value = 2 x 0.115 = 0.23.
        var config = RecommendationConfig()
        config.contactCost = 2_000
        let r = try #require(ReactivationRule().evaluate(RecommendationInput(analysis: small, config: config)))
        #expect(Set(ids(small, r.rows)) == ["C7", "C8"])
        #expect(r.value == 2_300)
        // At the default cost of 1.00 no one is worth a contact.
        #expect(ReactivationRule().evaluate(RecommendationInput(analysis: small)) == nil)
    }

    @Test func marketsThatDiffer() throws {
        let d = Fixture.day("2022-01-10")
        // 40 customers in A spend 100 each, 40 in B spend 10 (all known for 1 day: their 12-month pace is what they
        // spent). A holds half of the customers: it is the reference. B lags by a median 90 per customer; 10% of
        // that gap closed: 40 x 9 = 360.
        let split = Analysis(lines: Self.lines((0..<40).map { ("A\($0)", d, 1_000_000, "A") } + (0..<40).map { ("B\($0)", d, 100_000, "B") }))
        let r = try #require(MarketsRule().evaluate(RecommendationInput(analysis: split)))
        #expect(r.value == 3_600_000)
        #expect(r.rows.count == 40)
        #expect(r.why.contains("B: the median customer brings 10.00 over 12 months at its pace, against 100.00 in A, the home market (40 vs 40 customers; the gap holds in at least 97.5% of bootstrap resamples)."))
        #expect(r.valueFormula.hasSuffix("= 10% x 3,600.00 = 360.00"))
        // A home market with 90% of customers is the reference, never the laggard: 360 home customers spending
        // 10-19 and 40 foreign wholesale accounts spending 200 each give no action (the strong market carries no value).
        let home = Analysis(lines: Self.lines((0..<360).map { ("H\($0)", d, Int64(100_000 + ($0 % 10) * 10_000), "United Kingdom") }
                                              + (0..<40).map { ("W\($0)", d, 2_000_000, "Germany") }))
        #expect(MarketsRule().evaluate(RecommendationInput(analysis: home)) == nil)
        // A gap driven by a handful of large accounts is not a market problem: B's median customer spends as much as
        // A's (10), though five accounts of 10,000 make B's mean far higher and A's mean 10x lower than B's.
        let few = Analysis(lines: Self.lines((0..<40).map { ("A\($0)", d, 100_000, "A") } + (0..<35).map { ("B\($0)", d, 100_000, "B") }
                                             + (0..<5).map { ("BIG\($0)", d, 100_000_000, "B") }))
        #expect(MarketsRule().evaluate(RecommendationInput(analysis: few)) == nil)
        // Noise: two markets drawn from the same spread of spends (1..60) do not differ.
        let noisy = Analysis(lines: Self.lines((0..<60).map { ("A\($0)", d, Int64(10_000 * (1 + $0)), "A") }
                                               + (0..<60).map { ("B\($0)", d, Int64(10_000 * (60 - $0)), "B") }))
        #expect(MarketsRule().evaluate(RecommendationInput(analysis: noisy)) == nil)
        let same = Analysis(lines: Self.lines((0..<40).map { ("A\($0)", d, 100_000, "A") } + (0..<40).map { ("B\($0)", d, 100_000, "B") }))
        #expect(MarketsRule().evaluate(RecommendationInput(analysis: same)) == nil)
    }

    @Test func acquisitionSeasonality() throws {
        // 24 months from 2020-01: 10 new customers a month, 30 in each November; each buys once for 10.
        var rows: [(String, Int, Int64, String)] = []
        for m in 0..<24 {
            let (y, mo) = (2020 + m / 12, m % 12 + 1)
            for i in 0..<(mo == 11 ? 30 : 10) { rows.append(("N\(m)-\(i)", CivilDate.dayNumber(year: y, month: mo, day: 1), 100_000, "X")) }
        }
        let a = Analysis(lines: Self.lines(rows))
        // The first month (2020-01) is left out, December 2021 is not over (data ends 2021-12-01): January and
        // December are observed once and do not count (a season needs two observations). The median month of
        // February to November = 10; November = 30 (3.0x). First-year revenue per new customer = 10 (full-year
        // cohorts after the first month). Value = 30 x 10 x 10% = 30.
        let r = try #require(AcquisitionSeasonalityRule().evaluate(RecommendationInput(analysis: a)))
        #expect(r.title == "Prepare acquisition ahead of November")
        #expect(r.value == 300_000)
        #expect(r.why[0] == "November brings 30 new customers on average (3.0x) against 10 in the typical (median) month.")
        // The value counts only what a peak cohort brings within the next 12 months: with a second order 6 months after
        // the first, a new customer brings 20 in its first year, but the next November starts 11 months after the
        // as-of date (December 2021) and its customers bring only their first month (10) within 12 months: still 30.
        let twice = Analysis(lines: Self.lines(rows + rows.compactMap { r in
            r.1 + 183 < CivilDate.dayNumber(year: 2021, month: 12, day: 1) ? (r.0, r.1 + 183, 100_000, r.3) : nil
        }))
        let r2 = try #require(AcquisitionSeasonalityRule().evaluate(RecommendationInput(analysis: twice)))
        #expect(r2.why[1] == "A new customer brings 20.00 in its first year.")
        #expect(r2.value == 300_000)
        #expect(r2.valueFormula.contains("November: 30 x 10.00"))
        // One year of data observes each month once: no seasonality.
        let oneYear = Analysis(lines: Self.lines(rows.filter { $0.1 >= CivilDate.dayNumber(year: 2021, month: 1, day: 1) }))
        #expect(AcquisitionSeasonalityRule().evaluate(RecommendationInput(analysis: oneYear)) == nil)
        #expect(r.rows.count == 60)
        // One intake of customers (all joined in the first three months, as in CDNOW), then repeat orders only.
        var intake: [(String, Int, Int64, String)] = []
        for i in 0..<90 {
            let start = CivilDate.dayNumber(year: 2020, month: 1 + i % 3, day: 1)
            for k in 0..<8 { intake.append(("K\(i)", start + k * 90, 100_000, "X")) }
        }
        #expect(AcquisitionSeasonalityRule().evaluate(RecommendationInput(analysis: Analysis(lines: Self.lines(intake)))) == nil)
        // Less than a year of data: no seasonality to speak of.
        #expect(AcquisitionSeasonalityRule().evaluate(RecommendationInput(analysis: small)) == nil)
    }

    @Test func winBackAndChampionsOnDemoData() throws {
        let demo = Analysis(lines: try DemoData.load(lines: 30_000).lines)
        let input = RecommendationInput(analysis: demo)
        let w = try #require(WinBackRule().evaluate(input))
        let expected = (0..<demo.table.count).filter {
            [.atRisk, .cantLose].contains(demo.segment[$0]) && [.silver, .gold, .platinum].contains(demo.tier[$0])
        }
        #expect(Set(w.rows) == Set(expected))
        // Without a churn model: 15% (assumed response) of their next 12 months at their past pace.
        #expect(w.value == expected.reduce(Int64(0)) { $0 + Money.units(rounding: Double(input.runRate($1, months: 12)) * 0.15)! })
        #expect(w.rows.count == w.reasons.count)
        // Without a churn model nothing says what the Champions put at risk: no action (never their whole revenue).
        #expect(ProtectChampionsRule().evaluate(input) == nil)
        // The small fixture has neither At Risk / Can't Lose Them customers nor Champions.
        #expect(WinBackRule().evaluate(RecommendationInput(analysis: small)) == nil)
        #expect(ProtectChampionsRule().evaluate(RecommendationInput(analysis: small)) == nil)
    }

    @Test func winBackWithTheChurnModel() throws {
        let demo = try DemoData.load(lines: 30_000)
        let a = Analysis(lines: demo.lines)
        let model = ChurnModel(analysis: a, lines: demo.lines)
        #expect(model.usable)
        let input = RecommendationInput(analysis: a, churn: model)
        let w = try #require(WinBackRule().evaluate(input))
        let expected = (0..<a.table.count).filter {
            ([.atRisk, .cantLose].contains(a.segment[$0]) && [.silver, .gold, .platinum].contains(a.tier[$0]))
                || (model.churnRisk($0) >= 0.5 && [.gold, .platinum].contains(a.tier[$0])
                    && a.table.recencyDays($0) > 90 && ![.hibernating, .champions, .newCustomers].contains(a.segment[$0]))
        }
        #expect(Set(w.rows) == Set(expected))
        // 15% of churn risk x the customer's expected value over 12 months (the value model's), per customer.
        #expect(model.valueUsable)
        let r0 = expected[0]
        #expect(input.expectedValue(r0) == Money.units(fromCurrency: model.lifetimeValue[r0]))
        #expect(w.value == expected.reduce(Int64(0)) { $0 + Money.units(rounding: Double(Money.units(rounding: Double(input.expectedValue($1)) * model.churnRisk($1))!) * 0.15)! })
        #expect(w.valueFormula.hasPrefix("15% (assumed response) x Σ churn risk (chance of no order in the next 90 days, "))
        let c = try #require(ProtectChampionsRule().evaluate(input))
        #expect(c.rows.count == a.kpis.championsCount)
        #expect(c.value < a.kpis.championsRevenue / 10)   // never the Champions' revenue
        #expect(w.reasons[0].contains("chance of no order in the next 90 days"))
    }

    @Test func settingsFromJSON() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ text: String) -> String {
            let p = dir.appendingPathComponent("r\(text.count).json").path
            FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
            return p
        }
        let c = try RecommendationConfig.load(path: write(#"{"contact_cost": 0.2, "tier_near_share_percent": 70, "win_back_segments": ["at-risk"]}"#))
        #expect(c.contactCost == 2_000 && c.tierNearSharePercent == 70 && c.winBackSegments == [.atRisk])
        #expect(c.reactivationRatePercent == 3)   // absent keys keep their defaults
        // With these settings the reactivation and tier-upgrade rules fire on the fixture (see their tests).
        let ids = RecommendationEngine.run(RecommendationInput(analysis: small, config: c)).map(\.id)
        #expect(Set(ids) == ["tier-upgrade", "reactivate-hibernating"])
        do {
            _ = try RecommendationConfig.load(path: write(#"{"contact_cots": 1}"#))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("unknown setting contact_cots; known: concentration_gini"))
        }
        do {
            _ = try RecommendationConfig.load(path: write(#"{"win_back_minimum_tier": "Diamond"}"#))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("'win_back_minimum_tier': unknown tier 'Diamond'"))
        }
        #expect(throws: IngestError.self) { try RecommendationConfig.load(path: "/no/such/rules.json") }
    }

    @Test func runRateFormula() throws {
        let input = RecommendationInput(analysis: small)
        // C1: 25.5 over 116 days, less than a year: the next 12 months are worth what it spent, 25.5.
        let c1 = try #require(small.row("C1"))
        #expect(input.runRate(c1, months: 12) == 255_000)
        // Over 3 months (91.3 days < 116): 25.5 x 91.310625 / 116 = 20.0727 (units rounded).
        #expect(input.runRate(c1, months: 3) == Int64((255_000.0 * 91.310625 / 116).rounded()))
        // C3's monetary is negative: worth 0.
        #expect(input.runRate(try #require(small.row("C3")), months: 12) == 0)
    }

    @Test func differentDataGivesDifferentRecommendations() throws {
        let demo = Analysis(lines: try DemoData.load(lines: 30_000).lines)
        let a = RecommendationEngine.run(RecommendationInput(analysis: small)).map(\.id)
        let b = RecommendationEngine.run(RecommendationInput(analysis: demo)).map(\.id)
        #expect(a.isEmpty)   // no rule fires on the 7-customer fixture at the default thresholds
        #expect(b.contains("win-back") && !b.contains("protect-champions"))   // no churn model: Champions not valued
        #expect(a != b)
        // Ranked by value at stake.
        let ranked = RecommendationEngine.run(RecommendationInput(analysis: demo))
        #expect(zip(ranked, ranked.dropFirst()).allSatisfy { $0.value >= $1.value })
    }
}
