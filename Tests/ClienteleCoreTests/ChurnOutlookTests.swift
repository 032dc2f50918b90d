import Foundation
import Testing
@testable import ClienteleCore

/// The one prediction path (``ChurnModel``) on data whose truth is known.
@Suite struct ChurnOutlookTests {
    static func firstDays(_ n: Int, from: Int, span: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in from + Int(Double(span) * rng.uniform()) }
    }

    static let start = CivilDate.dayNumber(year: 2022, month: 1, day: 1)

    /// Customers who never drop out: BG/NBD runs to a → 0 (nobody ever drops out), as on the UK wholesaler's export.
    static func noDropoutLines() throws -> OrderLines {
        let histories = ModelSimulation.paretoHistories(r: 2, alphaDays: 60, s: 1, betaDays: 1e9,
                                                        firstDays: firstDays(1500, from: start, span: 365, seed: 41),
                                                        endDay: start + 729, seed: 43)
        return try OrderLineLoader.load(text: ModelSimulation.retailCSV(histories)).lines
    }

    /// A fit that runs off to a bound is flagged in words on every candidate row and is never the one chosen.
    @Test func noDropoutFitIsFlaggedAndNotChosen() throws {
        let lines = try Self.noDropoutLines()
        let a = Analysis(lines: lines)
        let m = ChurnModel(analysis: a, lines: lines)
        let s = try #require(m.selection)
        let bg = try #require(s.result(.betaGeo))
        #expect(!bg.identified)
        #expect(bg.reason?.contains("ran off to") == true, "\(bg.reason ?? "")")
        #expect(m.usable)
        #expect(m.riskModel != .betaGeo && m.valueModel != .betaGeo)
        let row = try #require(m.candidateRows.first { $0.candidate == .betaGeo })
        #expect(row.status.hasPrefix("not identified: parameter "))
        #expect(!m.choiceSentence.contains("BG/NBD,"))
        // No optimiser text reaches a reader.
        for r in m.candidateRows { #expect(!r.status.contains("gradient")) }
    }

    /// Many customers stop buying (MBG/NBD with a high drop-out probability): "likely lapsed" (risk >= 50%) is
    /// within 20% of the number who really placed no order in the next 90 days, the mean risk within 0.05 of the
    /// observed rate, and the AUC at least 0.75.
    @Test func likelyLapsedMatchesTheSimulatedTruth() throws {
        let H = 90
        let end = Self.start + 729
        let histories = ModelSimulation.betaGeoHistories(r: 1.2, alphaDays: 30, a: 2, b: 2.5, modified: true,
                                                         firstDays: Self.firstDays(4000, from: Self.start, span: 700, seed: 61),
                                                         endDay: end + H, seed: 67)
        let lines = try OrderLineLoader.load(text: ModelSimulation.retailCSV(histories, through: end)).lines
        let a = Analysis(lines: lines)
        #expect(a.asOf == end + 1)
        let m = ChurnModel(analysis: a, lines: lines, horizonDays: H)
        #expect(m.usable)
        var truth = 0, predicted: [Double] = [], outcome: [Bool] = []
        for (i, h) in histories.enumerated() where h.orders(through: end) > 0 {
            let r = try #require(a.row("C\(i)"))
            let quiet = !h.ordered(after: end, through: end + H)
            if quiet { truth += 1 }
            predicted.append(m.churnRisk(r)); outcome.append(quiet)
        }
        let likelyLapsed = predicted.filter { $0 >= 0.5 }.count
        let metrics = ChurnMetrics(predicted: predicted, outcome: outcome)
        print("high churn: chosen \(m.riskModel!.rawValue), likely lapsed \(likelyLapsed), truth \(truth), mean risk \(predicted.reduce(0, +) / Double(predicted.count)), observed \(metrics.positiveRate), AUC \(metrics.auc ?? .nan)")
        #expect(abs(Double(likelyLapsed) / Double(truth) - 1) <= 0.2)
        #expect(abs(predicted.reduce(0, +) / Double(predicted.count) - metrics.positiveRate) <= 0.05)
        #expect((metrics.auc ?? 0) >= 0.75)
    }

    /// A date selection refits the whole data set's choice on its own lines; a segment selection reads the whole
    /// data set's predictions.
    @Test func filteredSelectionsReuseTheChoice() throws {
        let loaded = try DemoData.load(lines: 30_000)
        let base = Analysis(lines: loaded.lines)
        let whole = ChurnResult(analysis: base, lines: loaded.lines)
        #expect(whole.model.usable && whole.model.validationScope == nil)
        let asOf = CustomerTable.defaultAsOf(loaded.lines)!
        let filter = AnalysisFilter(from: asOf - 400, to: asOf - 31)
        let current = try FilteredAnalysis(lines: loaded.lines, filter: filter, dataAsOf: asOf)
        let r = ChurnResult.forFilter(filter, current: current, lines: loaded.lines, baseAnalysis: base, base: whole)
        #expect(r.model.validationScope == "the whole data set")
        #expect(r.model.selection?.calibrationDay == whole.model.selection?.calibrationDay)
        #expect(r.model.riskModel == whole.model.riskModel || r.model.riskNote != nil)
        #expect(r.model.endDay == asOf - 31)
        let seg = AnalysisFilter(segments: [.champions])
        let champions = try FilteredAnalysis(lines: loaded.lines, filter: seg, dataAsOf: asOf)
        let c = ChurnResult.forFilter(seg, current: champions, lines: loaded.lines, baseAnalysis: base, base: whole)
        for row in 0..<champions.analysis.table.count {
            let baseRow = try #require(base.row(champions.analysis.table.id(row)))
            #expect(c.model.churnRisk(row) == whole.model.churnRisk(baseRow))
        }
    }

    /// The horizon H sets the holdout (the H days before the as-of date) and the words of every surface.
    @Test func horizonSetsTheHoldoutAndTheWords() throws {
        let lines = ChurnExplanationTests.lines()
        let a = Analysis(lines: lines)
        let m = ChurnModel(analysis: a, lines: lines, horizonDays: 30)
        #expect(m.riskWords == "chance of no order in the next 30 days")
        #expect(m.selection?.calibrationDay == a.asOf - 1 - 30)
        #expect(m.choiceSentence.hasPrefix("Churn risk is the chance of no order in the next 30 days, from "))
        let config = try JSONDecoder().decode(RecommendationConfig.self, from: Data(#"{"horizon_days": 45}"#.utf8))
        #expect(config.horizonDays == 45)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(RecommendationConfig.self, from: Data(#"{"horizon_days": 0}"#.utf8)) }
    }

    /// One-order customers are valued from their own first purchase day through Gamma-Gamma:
    /// E(M | x = 1, z = first) = p (γ + z) / (p + q - 1), so different first orders give different values.
    @Test func oneOrderCustomersGetTheirOwnSpend() throws {
        let lines = try OrderLineLoader.load(paths: [Fixture.path("CDNOW_sample.txt")]).lines
        let a = Analysis(lines: lines, asOf: CivilDate.parseISODate("1997-10-01")!)
        let m = ChurnModel(analysis: a, lines: lines)
        #expect(m.valueUsable)
        let fit = try #require(m.spendFit)
        #expect(fit.converged)
        let g = fit.model
        let histories = CustomerHistories(lines: lines, through: m.endDay)
        var values = Set<Double>()
        for r in 0..<a.table.count where m.x[r] == 0 {
            let h = histories.histories[Int(histories.indexOfCode[Int(a.table.idCode[r])])]
            let z = h.amounts[0]
            // A first order of 0.00 (CDNOW has a few) says nothing about spend: the population mean.
            if z == 0 {
                #expect(m.orderValueBasis[r] == .population && abs(m.expectedOrderValue[r] - g.populationMeanOrderValue) < 1e-9)
                continue
            }
            #expect(m.orderValueBasis[r] == .firstOrder)
            #expect(abs(m.expectedOrderValue[r] - g.p * (g.gamma + z) / (g.p + g.q - 1)) < 1e-9 * m.expectedOrderValue[r])
            values.insert((m.expectedOrderValue[r] * 100).rounded())
        }
        #expect(values.count >= 100)   // CDNOW's first orders take many amounts
    }

    /// The 80% interval of a customer's discounted purchases (delta method on the log scale) agrees with a Monte
    /// Carlo draw of the parameters from the same normal approximation (CDNOW sample, a customer with x = 2).
    @Test func valueIntervalAgreesWithParameterDraws() throws {
        let lines = try OrderLineLoader.load(paths: [Fixture.path("CDNOW_sample.txt")]).lines
        let a = Analysis(lines: lines, asOf: CivilDate.parseISODate("1997-10-01")!)
        let m = ChurnModel(analysis: a, lines: lines)
        let fit = try #require(m.valueFit)
        let make = try #require(fit.make), cov = try #require(fit.logCovariance)
        let theta = fit.logParameters
        func logD(_ p: [Double]) -> Double {
            let model = make(p)
            var total = 0.0
            for (k, e) in CustomerLifetimeValue.monthlyPurchases(model: model, x: 2, tx: 30, T: 38, timeUnit: .weeks, months: 12).enumerated() {
                total += e / pow(1.01, Double(k + 1))
            }
            return log(total)
        }
        let delta = ChurnModel.deltaSD(theta: theta, covariance: cov, logD)
        let l = try #require(LinearAlgebra.cholesky(cov))
        var rng = SplitMix64(seed: 5)
        var draws: [Double] = []
        for _ in 0..<2000 {
            let z = theta.indices.map { _ in rng.normal() }
            let p = theta.indices.map { i in theta[i] + (0...i).reduce(0.0) { $0 + l[i][$1] * z[$1] } }
            draws.append(logD(p))
        }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let sd = (draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)).squareRoot()
        print("delta \(delta) monte carlo \(sd)")
        #expect(delta > 0 && abs(delta / sd - 1) < 0.15)
    }
}
