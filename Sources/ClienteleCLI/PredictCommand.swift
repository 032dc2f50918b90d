import ArgumentParser
import ClienteleCore
import ClienteleRender
import Foundation

struct PredictCommand: TerminalCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Fit BG/NBD, Pareto/NBD and Gamma-Gamma on a calibration period and validate on the holdout.",
        discussion: """
        Purchases up to --calibration-end (inclusive) are the calibration period; the rest of the data is the holdout. \
        Default: the date that leaves the last quarter of the span as holdout. Writes to --out: predictions.csv (one \
        row per customer: x, t_x, T in days, P(alive), churn risk and band, expected purchases in 30/90/365 days, \
        expected order value, 12-month CLV, holdout purchases), validation_by_frequency.csv, calibration_deciles.csv \
        and validation.json (parameters, standard errors, log-likelihoods, iterations, convergence, totals, MAE, AUC).
        """)

    @Argument(help: "Order-line files (- for standard input).")
    var files: [String] = []

    @Flag(name: .long, help: "Use the built-in demo data instead of files.")
    var demo = false

    @Option(name: .customLong("demo-lines"), help: "Lines of demo data with --demo.")
    var demoLines: Int = DemoData.defaultLines

    @Option(name: .customLong("calibration-end"), help: "Last day of the calibration period, YYYY-MM-DD.")
    var calibrationEnd: String?

    @Option(name: .long, help: "Output folder.")
    var out: String = "predictions"

    @Option(name: .customLong("discount-rate"), help: "Monthly discount rate of the CLV.")
    var discountRate = 0.01

    @Option(name: .long, help: "CLV horizon in months.")
    var horizon = 12

    @Option(name: .long, help: "Column mapping for other layouts (as for analyze).") var map: String?
    @Flag(name: .customLong("day-first"), help: "Read slash dates as day/month/year.") var dayFirst = false
    @Option(name: .customLong("valid-dates"), help: CommandInput.validDatesHelp)
    var validDates: String?

    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func validate() throws {
        try CommandInput.validateValidDates(validDates)
        try CommandInput.validateDemoLines(demoLines)
        if files.isEmpty && !demo { throw ValidationError("give at least one file (or --demo).") }
        if let calibrationEnd, CivilDate.parseISODate(calibrationEnd) == nil {
            throw ValidationError("--calibration-end must be a date YYYY-MM-DD, got '\(calibrationEnd)'.")
        }
        if !(0..<1).contains(discountRate) { throw ValidationError("--discount-rate must be in [0, 1).") }
        if !(1...1200).contains(horizon) { throw ValidationError("--horizon must be between 1 and 1200 months.") }
    }

    func execute(_ terminal: Terminal) throws {
        let started = Date()
        let loaded = try CommandInput.load(files: files, demo: demo, demoLines: demoLines, map: map, dayFirst: dayFirst, validDates: validDates)
        guard let span = loaded.lines.daySpan else { throw InputError("no valid order line.") }
        let end = try calibrationEnd.map { CivilDate.parseISODate($0)! } ?? {
            guard let s = RFMSummary.defaultSplit(loaded.lines) else { throw InputError("no valid order line.") }
            return s.calibrationEnd
        }()
        guard end >= span.lowerBound else {
            throw InputError("--calibration-end \(CivilDate.format(end)) is before the first order line (\(CivilDate.format(span.lowerBound))).")
        }
        guard end < span.upperBound else {
            throw InputError("--calibration-end \(CivilDate.format(end)) leaves no holdout: the last order line is on \(CivilDate.format(span.upperBound)). Choose an earlier date (default: the last quarter of the span is held out).")
        }
        let holdoutEnd = span.upperBound
        let summary = RFMSummary(lines: loaded.lines, calibrationEnd: end, holdoutEnd: holdoutEnd, timeUnit: .weeks)
        guard summary.count > 0 else { throw InputError("no customer has a purchase on or before \(CivilDate.format(end)).") }
        let data: RFMData
        do {
            data = try RFMData(x: (0..<summary.count).map(summary.x), tx: (0..<summary.count).map(summary.tx), T: (0..<summary.count).map(summary.age))
        } catch { throw InputError("the calibration data cannot be modelled: \(error.description)") }
        let bg = BetaGeoModel.fit(data)
        let pareto = ParetoNBDModel.fit(data)
        let repeaters = (0..<summary.count).filter { summary.repeatPurchases[$0] > 0 && summary.repeatSpendUnits[$0] > 0 }.count
        let gg = repeaters >= 3 ? GammaGammaModel.fit(summary.spendData()) : nil
        if let gg, !gg.converged, !quiet { terminal.err("warning: the Gamma-Gamma fit did not converge: \(gg.failureReason ?? "")\n") }
        guard bg.converged else {
            throw InputError("the BG/NBD model could not be fitted: \(bg.failureReason ?? "it did not converge").")
        }
        if let problem = ChurnModel.parameterProblem(bg), !quiet {
            terminal.err("warning: \(problem); its predictions below are not to be trusted.\n")
        }
        let clvOptions = CLVOptions(horizonMonths: horizon, monthlyDiscountRate: discountRate)
        let m = bg.model
        let spend = (gg?.converged ?? false) ? gg!.model : nil
        // Predictions per customer.
        var w = CSVWriter(capacity: summary.count * 160)
        w.header(["customer_id", "x", "t_x_days", "T_days", "p_alive", "churn_risk", "risk_band", "expected_purchases_30d",
                  "expected_purchases_90d", "expected_purchases_365d", "expected_order_value", "clv", "holdout_purchases"])
        let order = (0..<summary.count).sorted { summary.customers.precedes(summary.customerCode[$0], summary.customerCode[$1]) }
        for i in order {
            let x = summary.x(i), tx = summary.tx(i), T = summary.age(i)
            let alive = m.probabilityAlive(x: x, tx: tx, T: T)
            let z = summary.meanRepeatSpend(i)
            let aov = spend.map { x > 0 && z > 0 ? $0.expectedOrderValue(x: x, meanSpend: z) : $0.populationMeanOrderValue }
            let clv = spend.map { CustomerLifetimeValue.value(model: m, spend: $0, x: x, tx: tx, T: T, meanSpend: z, timeUnit: .weeks, options: clvOptions) }
            w.text(summary.id(i))
            w.number(Int(summary.repeatPurchases[i])); w.number(Int(summary.recencyDays[i])); w.number(Int(summary.ageDays[i]))
            w.ratio(alive); w.ratio(1 - alive); w.text(ChurnRiskBand(risk: 1 - alive).rawValue)
            for days in [30.0, 90.0, 365.0] { w.ratio(m.expectedPurchases(in: days / 7, x: x, tx: tx, T: T)) }
            w.ratio(aov.flatMap { $0.isFinite ? $0 : nil }); w.ratio(clv.flatMap { $0.isFinite ? $0 : nil })
            w.number(Int(summary.holdoutPurchases[i]))
            w.endRow()
        }
        // Validation.
        let v = HoldoutValidation(model: m, summary: summary)
        var buckets = CSVWriter()
        buckets.header(["repeat_purchases_calibration", "customers", "predicted_holdout", "actual_holdout", "mean_predicted", "mean_actual"])
        for b in v.buckets {
            buckets.text(b.label); buckets.number(b.customers); buckets.ratio(b.predicted); buckets.number(b.actual)
            buckets.ratio(b.meanPredicted); buckets.ratio(b.meanActual); buckets.endRow()
        }
        var deciles = CSVWriter()
        deciles.header(["decile", "customers", "mean_p_alive", "min_p_alive", "max_p_alive", "share_purchased_again"])
        for (k, c) in v.calibration.enumerated() {
            deciles.number(k + 1); deciles.number(c.customers); deciles.ratio(c.meanProbabilityAlive); deciles.ratio(c.minProbabilityAlive)
            deciles.ratio(c.maxProbabilityAlive); deciles.ratio(c.sharePurchasedAgain); deciles.endRow()
        }
        var j = JSONWriter()
        j.beginObject()
        j.string("calibration_end", CivilDate.format(end)); j.string("holdout_end", CivilDate.format(holdoutEnd)); j.string("time_unit", "weeks")
        j.int("customers", summary.count)
        func fitJSON(_ key: String, _ names: [String], _ values: [Double], _ se: [Double]?, _ d: FitDiagnostics) {
            j.beginObject(key)
            for (k, name) in names.enumerated() { j.ratio(name, values[k]) }
            j.beginObject("standard_errors")
            for (k, name) in names.enumerated() { j.ratio(name, se?[k]) }
            j.endObject()
            j.ratio("log_likelihood", d.logLikelihood); j.int("iterations", d.iterations); j.bool("converged", d.converged)
            j.string("method", d.method); j.string("failure_reason", d.failureReason)
            j.endObject()
        }
        fitJSON("bg_nbd", ["r", "alpha", "a", "b"], [bg.r, bg.alpha, bg.a, bg.b], bg.standardErrors.map { [$0.r, $0.alpha, $0.a, $0.b] }, bg.diagnostics)
        let pm = pareto.model
        fitJSON("pareto_nbd", ["r", "alpha", "s", "beta"], [pm.r, pm.alpha, pm.s, pm.beta],
                pareto.standardErrors.map { [$0.r, $0.alpha, $0.s, $0.beta] }, pareto.diagnostics)
        if let gg { fitJSON("gamma_gamma", ["p", "q", "gamma"], [gg.p, gg.q, gg.gamma], gg.standardErrors.map { [$0.p, $0.q, $0.gamma] }, gg.diagnostics) }
        j.beginObject("holdout")
        j.ratio("length_weeks", v.holdoutLength); j.ratio("predicted_total", v.predictedTotal); j.int("actual_total", v.actualTotal)
        j.ratio("mean_absolute_error", v.meanAbsoluteError); j.ratio("root_mean_squared_error", v.rootMeanSquaredError)
        j.ratio("auc_p_alive", v.auc); j.ratio("auc_expected_purchases", v.aucExpectedPurchases)
        j.endObject()
        j.endObject()
        let folder = URL(fileURLWithPath: out)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw InputError("cannot create the output folder \(out): \(error.localizedDescription)")
        }
        try AtomicFile.write(w.bytes, to: folder.appendingPathComponent("predictions.csv").path)
        try AtomicFile.write(buckets.bytes, to: folder.appendingPathComponent("validation_by_frequency.csv").path)
        try AtomicFile.write(deciles.bytes, to: folder.appendingPathComponent("calibration_deciles.csv").path)
        try AtomicFile.write(j.bytes + [10], to: folder.appendingPathComponent("validation.json").path)
        if !quiet {
            func d(_ v: Double, _ k: Int = 3) -> String { DisplayFormat.decimal(v, digits: k) }
            var s = "Calibration to \(CivilDate.format(end)), holdout to \(CivilDate.format(holdoutEnd)); \(DisplayFormat.integer(summary.count)) customers (time in weeks).\n"
            s += "BG/NBD      r = \(d(bg.r)), alpha = \(d(bg.alpha)), a = \(d(bg.a)), b = \(d(bg.b)), LL = \(d(bg.logLikelihood, 1))\n"
            s += "Pareto/NBD  r = \(d(pm.r)), alpha = \(d(pm.alpha)), s = \(d(pm.s)), beta = \(d(pm.beta)), LL = \(d(pareto.logLikelihood, 1))\(pareto.converged ? "" : " (not converged: \(pareto.failureReason ?? ""))")\n"
            if let gg { s += "Gamma-Gamma p = \(d(gg.p, 2)), q = \(d(gg.q, 2)), gamma = \(d(gg.gamma, 2))\(gg.converged ? "" : " (not converged: \(gg.failureReason ?? ""))")\n" }
            else { s += "Gamma-Gamma not fitted: \(repeaters) repeat buyer\(repeaters == 1 ? "" : "s") with a positive spend (at least 3 needed); no expected order value or CLV.\n" }
            if let warning = BetaGeoModel.reliabilityWarning(bg) { s += "Warning: \(warning)\n" }
            s += "Holdout: predicted \(d(v.predictedTotal, 1)) repeat purchase days, actual \(DisplayFormat.integer(v.actualTotal)); MAE \(d(v.meanAbsoluteError)) per customer; AUC \(v.auc.map { d($0) } ?? "n/a") (P(alive)), \(v.aucExpectedPurchases.map { d($0) } ?? "n/a") (expected purchases)\n"
            if let a1 = v.auc, let a2 = v.aucExpectedPurchases, a1 < a2 - 0.1 {
                s += "Note: BG/NBD gives customers with a single purchase day P(alive) = 1, which makes P(alive) a weak ranking of who buys again here; rank by expected purchases (or see Pareto/NBD).\n"
            }
            s += "Wrote predictions.csv, validation_by_frequency.csv, calibration_deciles.csv, validation.json to \(out)/ in \(String(format: "%.2f", Date().timeIntervalSince(started))) s.\n"
            terminal.out(s)
        }
    }
}
