import ArgumentParser
import ClienteleCore
import ClienteleRender
import Foundation

struct PredictCommand: TerminalCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict churn risk and customer value as of a calibration end, and check them on what followed.",
        discussion: """
        Every prediction is made as of --calibration-end (inclusive) from the lines up to it; the rest of the data is \
        the holdout that scores them. Default: the date that leaves the last quarter of the span as holdout. Churn \
        risk is the chance of no order in the --horizon-days after the calibration end, from the candidate (BG/NBD, \
        MBG/NBD, Pareto/NBD, logistic regression, baseline) with the lowest log-loss on the last H days before the \
        calibration end; expected orders and value come from the buy-till-you-die model with the lowest purchases \
        error there, with Gamma-Gamma. Writes to --out: predictions.csv (one row per customer: x, t_x, T in days, \
        P(alive), churn risk with its 80% interval, band and model, expected purchases in 30/90/365 days, expected \
        order value and its basis, CLV with its 80% interval, holdout purchases), validation_by_frequency.csv, \
        calibration_deciles.csv (churn risk deciles against the holdout) and validation.json (parameters, every \
        candidate's scores, the scores after the calibration end).
        """)

    @OptionGroup var input: InputOptions

    @Option(name: .customLong("calibration-end"), help: "Last day of the calibration period, YYYY-MM-DD.")
    var calibrationEnd: String?

    @Option(name: .customLong("horizon-days"), help: CommandInput.horizonDaysHelp)
    var horizonDays: Int?

    @Option(name: .long, help: "Output folder.")
    var out: String = "predictions"

    @Option(name: .customLong("discount-rate"), help: "Monthly discount rate of the CLV.")
    var discountRate = 0.01

    @Option(name: .long, help: "CLV horizon in months.")
    var horizon = 12

    @Option(name: .long, help: "JSON file of recommendation thresholds and horizon_days (see the README).") var rules: String?

    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func validate() throws {
        try CommandInput.validateHorizonDays(horizonDays)
        try input.requireInput()
        if let calibrationEnd, CivilDate.parseISODate(calibrationEnd) == nil {
            throw ValidationError("--calibration-end must be a date YYYY-MM-DD, got '\(calibrationEnd)'.")
        }
        if !(0..<1).contains(discountRate) { throw ValidationError("--discount-rate must be in [0, 1).") }
        if !(1...1200).contains(horizon) { throw ValidationError("--horizon must be between 1 and 1200 months.") }
    }

    func execute(_ terminal: Terminal) throws {
        let started = Date()
        let config = try rules.map { try RecommendationConfig.load(path: $0) } ?? RecommendationConfig()
        let H = horizonDays ?? config.horizonDays
        let loaded = try input.load(rulesExclude: config.excludeProducts)
        guard let span = loaded.lines.daySpan else { throw InputError("no valid order line.") }
        let end = try calibrationEnd.map { CivilDate.parseISODate($0)! } ?? {
            guard let s = PurchaseSummary.defaultSplit(loaded.lines) else { throw InputError("no valid order line.") }
            return s.calibrationEnd
        }()
        guard end >= span.lowerBound else {
            throw InputError("--calibration-end \(CivilDate.format(end)) is before the first order line (\(CivilDate.format(span.lowerBound))).")
        }
        guard end < span.upperBound else {
            throw InputError("--calibration-end \(CivilDate.format(end)) leaves no holdout: the last order line is on \(CivilDate.format(span.upperBound)). Choose an earlier date (default: the last quarter of the span is held out).")
        }
        let holdoutEnd = span.upperBound
        let lines = loaded.lines
        // Everything is predicted as of the calibration end, from the lines up to it.
        let analysis = Analysis(lines: lines, asOf: end + 1)
        let clvOptions = CLVOptions(horizonMonths: horizon, monthlyDiscountRate: discountRate)
        let model = ChurnModel(analysis: analysis, lines: lines, options: clvOptions, horizonDays: H)
        let t = analysis.table
        // Customers with a purchase day up to the calibration end, in id order; their purchase days after it.
        let later = CustomerHistories(lines: lines, through: holdoutEnd)
        var rows: [Int] = []
        var holdoutOf = [Int](repeating: 0, count: t.count), quietOf = [Bool](repeating: false, count: t.count)
        for r in 0..<t.count {
            let code = Int(t.idCode[r])
            guard code < later.indexOfCode.count, later.indexOfCode[code] >= 0 else { continue }
            let h = later.histories[Int(later.indexOfCode[code])]
            guard h.orders(through: end) > 0 else { continue }
            rows.append(r)
            holdoutOf[r] = h.orders(through: holdoutEnd) - h.orders(through: end)
            quietOf[r] = !h.ordered(after: end, through: end + H)
        }
        guard !rows.isEmpty else { throw InputError("no customer has a purchase on or before \(CivilDate.format(end)).") }
        rows.sort { lines.customers.precedes(t.idCode[$0], t.idCode[$1]) }
        let holdoutCovers = holdoutEnd >= end + H

        // Predictions per customer.
        var w = CSVWriter(capacity: rows.count * 200)
        w.header(["customer_id", "x", "t_x_days", "T_days", "p_alive", "churn_risk", "churn_risk_low", "churn_risk_high", "risk_band", "churn_model",
                  "expected_purchases_30d", "expected_purchases_90d", "expected_purchases_365d", "expected_order_value", "order_value_basis",
                  "clv", "clv_low", "clv_high", "holdout_purchases"])
        func num(_ v: Double) -> Double? { v.isFinite ? v : nil }
        let basisName: [ChurnModel.OrderValueBasis: String] = [.repeatOrders: "repeat_orders", .firstOrder: "first_order", .population: "population", .none: ""]
        for r in rows {
            w.text(t.id(r))
            w.number(Int(model.x[r])); w.number(Int(model.txDays[r])); w.number(Int(model.ageDays[r]))
            w.ratio(num(model.probabilityAlive[r]))
            if model.usable {
                let interval = model.riskInterval(r)
                w.ratio(num(model.risk[r])); w.ratio(interval?.low); w.ratio(interval?.high)
                w.text(model.band(r).rawValue); w.text(model.riskModel!.key)
            } else {
                w.ratio(nil); w.ratio(nil); w.ratio(nil); w.text(""); w.text("")
            }
            let v = model.valueUsable
            for e in [model.expected30[r], model.expected90[r], model.expected365[r], model.expectedOrderValue[r]] { w.ratio(v ? num(e) : nil) }
            w.text(v ? basisName[model.orderValueBasis[r]]! : "")
            let clvInterval = v ? model.lifetimeValueInterval(r) : nil
            w.ratio(v ? num(model.lifetimeValue[r]) : nil); w.ratio(clvInterval?.low); w.ratio(clvInterval?.high)
            w.number(holdoutOf[r])
            w.endRow()
        }

        // Expected purchases of the value model against the holdout purchases.
        let weeks = Double(holdoutEnd - end) / 7
        let valueModel = model.valueUsable ? model.valueFit?.purchaseModel : nil
        let purchaseCheck = valueModel.map { m in
            HoldoutValidation(predicted: rows.map { m.expectedPurchases(in: weeks, x: Double(model.x[$0]), tx: Double(model.txDays[$0]) / 7, T: Double(model.ageDays[$0]) / 7) },
                              probabilityAlive: rows.map { model.probabilityAlive[$0] }, actual: rows.map { holdoutOf[$0] },
                              frequency: rows.map { Int(model.x[$0]) }, holdoutLength: weeks)
        }
        var buckets = CSVWriter()
        buckets.header(["repeat_purchases_calibration", "customers", "predicted_holdout", "actual_holdout", "mean_predicted", "mean_actual"])
        for b in purchaseCheck?.buckets ?? [] {
            buckets.text(b.label); buckets.number(b.customers); buckets.ratio(b.predicted); buckets.number(b.actual)
            buckets.ratio(b.meanPredicted); buckets.ratio(b.meanActual); buckets.endRow()
        }
        // Churn risk after the calibration end (out of sample): scored when the holdout covers the horizon.
        let after: ChurnMetrics? = model.usable && holdoutCovers ? ChurnMetrics(predicted: rows.map { model.risk[$0] }, outcome: rows.map { quietOf[$0] }) : nil
        var deciles = CSVWriter()
        deciles.header(["decile", "customers", "mean_churn_risk", "share_no_order_in_horizon"])
        for (k, c) in (after?.calibration ?? []).enumerated() {
            deciles.number(k + 1); deciles.number(c.count); deciles.ratio(c.meanPredicted); deciles.ratio(c.observedRate); deciles.endRow()
        }

        // The published-model check: BG/NBD and Pareto/NBD fitted on the calibration period.
        let histories = CustomerHistories(lines: lines, through: end).histories
        let data = ChurnModelSelection.btydData(histories, cutoff: end)
        let bg = data.map { BetaGeoModel.fit($0) }
        // (Pareto/NBD only up to the sample size the candidates use: beyond it a full fit takes minutes.)
        let pareto = data.flatMap { $0.totalWeight <= Double(ChurnModelSelection.paretoSampleCustomers) ? ParetoNBDModel.fit($0) : nil }

        var j = JSONWriter()
        j.beginObject()
        j.string("calibration_end", CivilDate.format(end)); j.string("holdout_end", CivilDate.format(holdoutEnd)); j.string("time_unit", "weeks")
        j.int("customers", rows.count)
        func fitJSON(_ key: String, _ names: [String], _ values: [Double], _ se: [Double]?, _ d: FitDiagnostics) {
            j.beginObject(key)
            for (k, name) in names.enumerated() { j.ratio(name, values[k]) }
            j.beginObject("standard_errors")
            for (k, name) in names.enumerated() { j.ratio(name, se?[k]) }
            j.endObject()
            j.ratio("log_likelihood", d.logLikelihood); j.int("iterations", d.iterations); j.bool("converged", d.converged)
            j.string("method", d.method)
            j.endObject()
        }
        if let bg { fitJSON("bg_nbd", ["r", "alpha", "a", "b"], [bg.r, bg.alpha, bg.a, bg.b], bg.standardErrors.map { [$0.r, $0.alpha, $0.a, $0.b] }, bg.diagnostics) }
        if let pm = pareto?.model, let pareto {
            fitJSON("pareto_nbd", ["r", "alpha", "s", "beta"], [pm.r, pm.alpha, pm.s, pm.beta], pareto.standardErrors.map { [$0.r, $0.alpha, $0.s, $0.beta] }, pareto.diagnostics)
        }
        if let gg = model.spendFit { fitJSON("gamma_gamma", ["p", "q", "gamma"], [gg.p, gg.q, gg.gamma], gg.standardErrors.map { [$0.p, $0.q, $0.gamma] }, gg.diagnostics) }
        j.beginObject("churn")
        j.string("model", model.usable ? model.riskModel?.key : nil)
        j.int("horizon_days", H)
        j.string("meaning", model.riskWords + " after the calibration end")
        j.string("not_shown_because", model.usable ? nil : model.unusableReason)
        let chosen = model.validation?.metrics
        j.ratio("log_loss", chosen?.logLoss); j.ratio("auc", chosen?.auc); j.ratio("brier", chosen?.brier)
        if let s = model.selection {
            j.string("validation_from", CivilDate.format(s.calibrationDay + 1)); j.string("validation_to", CivilDate.format(s.asOfDay))
            j.int("validation_customers", s.customers); j.ratio("validation_no_order_rate", s.noOrderRate)
        }
        j.beginArray("candidates")
        for row in model.candidateRows {
            j.beginObject()
            j.string("model", row.candidate.key); j.bool("identified", row.identified)
            j.string("reason", row.identified ? nil : String(row.status.dropFirst("not identified: ".count)))
            j.ratio("log_loss", row.logLoss); j.ratio("auc", row.auc); j.ratio("brier", row.brier)
            j.ratio("mean_predicted", row.meanPredicted); j.ratio("purchases_mae", row.purchasesMAE)
            j.ratio("seconds", row.seconds)
            j.endObject()
        }
        j.endArray()
        j.beginObject("after_calibration_end")
        j.bool("scored", after != nil)
        j.ratio("log_loss", after?.logLoss); j.ratio("auc", after?.auc); j.ratio("brier", after?.brier)
        j.ratio("mean_predicted", after.map { _ in rows.reduce(0.0) { $0 + model.risk[$1] } / Double(rows.count) })
        j.ratio("observed_no_order_rate", after?.positiveRate)
        j.endObject()
        j.endObject()
        j.beginObject("value")
        j.string("model", model.valueUsable ? model.valueModel?.key : nil)
        j.string("not_shown_because", model.valueUsable ? nil : model.valueProblem)
        j.endObject()
        if let v = purchaseCheck {
            j.beginObject("holdout")
            j.ratio("length_weeks", v.holdoutLength); j.ratio("predicted_total", v.predictedTotal); j.int("actual_total", v.actualTotal)
            j.ratio("mean_absolute_error", v.meanAbsoluteError); j.ratio("root_mean_squared_error", v.rootMeanSquaredError)
            j.ratio("auc_expected_purchases", v.aucExpectedPurchases)
            j.endObject()
        }
        j.endObject()
        let folder = URL(fileURLWithPath: out)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw InputError("cannot create the output folder \(out): \(error.localizedDescription)")
        }
        try AtomicFile.write(w.bytes, to: folder.appendingPathComponent("predictions.csv").path)
        try AtomicFile.write(buckets.bytes, to: folder.appendingPathComponent("validation_by_frequency.csv").path)
        try AtomicFile.write(deciles.bytes, to: folder.appendingPathComponent("calibration_deciles.csv").path)
        try AtomicFile.write(j.bytes + [10], to: folder.appendingPathComponent("validation.json").path)
        if !self.quiet {
            func d(_ v: Double?, _ k: Int = 3) -> String { v.map { DisplayFormat.decimal($0, digits: k) } ?? "—" }
            var s = "Calibration to \(CivilDate.format(end)), holdout to \(CivilDate.format(holdoutEnd)); \(DisplayFormat.integer(rows.count)) customers (time in weeks).\n"
            if let bg { s += "BG/NBD      r = \(d(bg.r)), alpha = \(d(bg.alpha)), a = \(d(bg.a)), b = \(d(bg.b)), LL = \(d(bg.logLikelihood, 1))\n" }
            if let pareto {
                let pm = pareto.model
                s += "Pareto/NBD  r = \(d(pm.r)), alpha = \(d(pm.alpha)), s = \(d(pm.s)), beta = \(d(pm.beta)), LL = \(d(pareto.logLikelihood, 1))\(pareto.converged ? "" : " (did not converge)")\n"
            }
            if let gg = model.spendFit { s += "Gamma-Gamma p = \(d(gg.p, 2)), q = \(d(gg.q, 2)), gamma = \(d(gg.gamma, 2))\(gg.converged ? "" : " (did not converge)")\n" }
            s += "\nChurn risk: the \(model.riskWords) after \(CivilDate.format(end)).\n"
            if let sel = model.selection {
                s += "Candidates on the holdout \(CivilDate.format(sel.calibrationDay + 1)) to \(CivilDate.format(sel.asOfDay)) (\(DisplayFormat.integer(sel.customers)) customers, \(DisplayFormat.percent(sel.noOrderRate)) placed no order):\n"
                s += "  model                 log-loss    AUC   Brier  mean pred.  purchases MAE\n"
                for row in model.candidateRows {
                    let name = row.candidate.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)
                    s += "  \(name)  \(d(row.logLoss, 4))  \(d(row.auc))  \(d(row.brier, 4))  \(DisplayFormat.percent(row.meanPredicted))  \(d(row.purchasesMAE))"
                    s += row.chosen ? "  <- chosen" : ""
                    s += row.valueModel ? "  <- value model" : ""
                    s += row.identified ? "\n" : "  (not identified: \(row.status.dropFirst("not identified: ".count)))\n"
                }
            }
            s += model.choiceSentence + "\n"
            if let after {
                let mean = rows.reduce(0.0) { $0 + model.risk[$1] } / Double(rows.count)
                s += "After the calibration end (\(CivilDate.format(end + 1)) to \(CivilDate.format(end + H))): log-loss \(d(after.logLoss, 4)), AUC \(d(after.auc)), Brier \(d(after.brier, 4)); mean predicted \(DisplayFormat.percent(mean)), observed \(DisplayFormat.percent(after.positiveRate)) placed no order.\n"
            } else if model.usable {
                s += "The holdout (to \(CivilDate.format(holdoutEnd))) is shorter than \(H) days after the calibration end: churn risk is not scored after it.\n"
            }
            s += model.valueSentence + "\n"
            if let v = purchaseCheck {
                s += "Holdout purchases (\(model.valueModel!.rawValue)): predicted \(d(v.predictedTotal, 1)) repeat purchase days, actual \(DisplayFormat.integer(v.actualTotal)); MAE \(d(v.meanAbsoluteError)) per customer.\n"
            }
            s += "Wrote predictions.csv, validation_by_frequency.csv, calibration_deciles.csv, validation.json to \(out)/ in \(String(format: "%.2f", Date().timeIntervalSince(started))) s.\n"
            terminal.out(s)
        }
    }
}
