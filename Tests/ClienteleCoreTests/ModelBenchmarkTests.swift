import Foundation
import Testing
import ClienteleCore

/// Fit-time benchmark, run by hand in release (not a timed assertion):
///
///     CLIENTELE_MODEL_BENCH=1 swift test -c release --scratch-path .build-models --filter ModelBenchmark
///
/// Prints the median of several runs for: the CDNOW sample (2,357 customers), and customers simulated from
/// the CDNOW BG/NBD estimates with first purchases spread over 12 weeks, 39-week calibration, times in weeks at
/// a resolution of one day (as a summary built from dated orders would be): 23,570, 50,000 and 1,000,000.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CLIENTELE_MODEL_BENCH"] != nil))
struct ModelBenchmark {
    static func milliseconds(_ runs: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times.sorted()[times.count / 2]
    }

    @Test func fitTimes() throws {
        let lines = try OrderLineLoader.load(paths: [Bundle.module.url(forResource: "CDNOW_sample", withExtension: "txt",
                                                                         subdirectory: "Fixtures")!.path]).lines
        let end = CivilDate.parseISODate("1997-09-30")!
        var summary: PurchaseSummary!
        let tSummary = Self.milliseconds(20) { summary = PurchaseSummary(lines: lines, calibrationEnd: end, timeUnit: .weeks) }
        var data: PurchaseData!
        let tCompress = Self.milliseconds(20) { data = summary.modelData() }
        var fit: BetaGeoFit!
        let tFit = Self.milliseconds(20) { fit = BetaGeoModel.fit(data) }
        let tAll = Self.milliseconds(20) { _ = BetaGeoModel.fit(PurchaseSummary(lines: lines, calibrationEnd: end, timeUnit: .weeks).modelData()) }
        let tPareto = Self.milliseconds(5) { _ = ParetoNBDModel.fit(data) }
        let spend = summary.spendData()
        let tGG = Self.milliseconds(20) { _ = GammaGammaModel.fit(spend) }
        print(String(format: "CDNOW 2,357 customers (%d rows): summary %.2f ms, compress %.2f ms, BG/NBD fit %.2f ms (%d iterations), all %.2f ms; Pareto/NBD fit %.1f ms; Gamma-Gamma fit %.2f ms",
                     data.count, tSummary, tCompress, tFit, fit.iterations, tAll, tPareto, tGG))

        let truth = BetaGeoModel(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        for n in [23_570, 50_000, 1_000_000] {
            var rng = SplitMix64(seed: UInt64(n))
            // First purchase on one of the first 84 days; calibration ends on day 273 (39 weeks).
            let ages = (0..<n).map { _ in Double(273 - Int(rng.uniform() * 84)) / 7 }
            let sim = ModelSimulation.betaGeo(truth, ages: ages, seed: 99, resolution: 1.0 / 7)
            var d: PurchaseData!
            let tc = Self.milliseconds(n > 100_000 ? 3 : 10) { d = try! PurchaseData(x: sim.x, tx: sim.tx, T: sim.T) }
            var f: BetaGeoFit!
            let tf = Self.milliseconds(n > 100_000 ? 3 : 10) { f = BetaGeoModel.fit(d) }
            let tEval = Self.milliseconds(5) { _ = truth.logLikelihood(d) }
            print(String(format: "  %d evaluations, one log-likelihood %.2f ms", f.diagnostics.evaluations, tEval))
            if n > 100_000 {
                let plain = try! PurchaseData(x: sim.x, tx: sim.tx, T: sim.T, compress: false)
                let tPlain = Self.milliseconds(5) { _ = truth.logLikelihood(plain) }
                let tInit = Self.milliseconds(3) { _ = try! PurchaseData(x: sim.x, tx: sim.tx, T: sim.T, compress: false) }
                var pf: BetaGeoFit!
                let tPlainFit = Self.milliseconds(1) { pf = BetaGeoModel.fit(plain) }
                print(String(format: "  uncompressed: build %.1f ms, one log-likelihood %.2f ms, fit %.1f ms (%d iterations, %d evaluations)",
                             tInit, tPlain, tPlainFit, pf.iterations, pf.diagnostics.evaluations))
            }
            let tu = n > 100_000 ? Self.milliseconds(1) { _ = BetaGeoModel.fit(try! PurchaseData(x: sim.x, tx: sim.tx, T: sim.T, compress: false)) } : .nan
            print(String(format: "simulated %d customers (%d distinct rows): compress %.1f ms, fit %.1f ms, total %.1f ms (%d iterations; r %.3f alpha %.3f a %.3f b %.3f)%@",
                         n, d.count, tc, tf, tc + tf, f.iterations, f.r, f.alpha, f.a, f.b,
                         tu.isNaN ? "" : String(format: "; uncompressed fit %.1f ms", tu)))
        }
    }
}
