import Foundation

/// Predictive churn and value for one analysis (ANALYTICS.md section 9): BG/NBD and Gamma-Gamma fitted on every
/// customer of the analysis's lines up to the day before its as-of date, per-customer predictions aligned with
/// the analysis rows, churn reasons, and a holdout validation on the same lines.
///
/// Time unit: weeks (days / 7), as in the published CDNOW results; the predictions do not depend on the unit.
public struct ChurnModel: Sendable {
    public var fit: BetaGeoFit
    public var spendFit: GammaGammaFit?
    public var options: CLVOptions
    /// Per analysis row (NaN where the customer has no summary row, which does not happen for a full analysis).
    public var probabilityAlive: [Double]
    public var expected30: [Double]
    public var expected90: [Double]
    public var expected365: [Double]
    public var expectedOrderValue: [Double]
    /// Discounted value over `options.horizonMonths` (money, currency units).
    public var lifetimeValue: [Double]
    /// Repeat purchase days x, t_x and T in days, per row.
    public var x: [Int32]
    public var recencyDays: [Int32]
    public var ageDays: [Int32]
    public var validation: Validation?
    /// What the validation was computed on when it is not this selection (e.g. "the whole data set").
    public var validationScope: String?

    /// The model's validation on a calibration / holdout split of the same lines.
    public struct Validation: Sendable {
        public var calibrationEnd: Int
        public var holdoutEnd: Int
        public var fit: BetaGeoFit
        public var result: HoldoutValidation
    }

    /// Why a converged fit is not identified, in words (nil when it is): parameters that are not finite or ran off
    /// to the edge of what the optimiser can represent, or predictions that are not finite or absurd (more than
    /// ``maxExpectedPurchasesPerYear`` orders per customer in a year, or a customer value that money cannot hold).
    /// Such a fit is not usable: pages say so instead of showing numbers.
    public var notIdentified: String?

    /// Expected orders per customer in the next 365 days above which a fit is considered not identified.
    public static let maxExpectedPurchasesPerYear = 1e6

    /// Whether the fit can be used: it converged, is identified (see ``notIdentified``) and predicts every row.
    public var usable: Bool { fit.converged && notIdentified == nil && !probabilityAlive.isEmpty }

    /// Why the model is not usable, in words ("" when it is).
    public var unusableReason: String {
        if usable { return "" }
        if !fit.converged { return fit.failureReason ?? "the model did not converge" }
        if let notIdentified { return notIdentified }
        return "there are no customers to predict"
    }

    /// A warning in words when the fit converged but cannot be trusted (parameters not identified: no standard
    /// errors, standard errors several times the estimate, or heterogeneity parameters running off to infinity).
    public var reliabilityWarning: String? { BetaGeoModel.reliabilityWarning(fit) }
    public func churnRisk(_ row: Int) -> Double { 1 - probabilityAlive[row] }
    public func band(_ row: Int) -> ChurnRiskBand { ChurnRiskBand(risk: churnRisk(row)) }

    /// Fits on `lines` as seen by `analysis` (calibration end = the day before its as-of date) and predicts every
    /// row of `analysis` (which may be a customer subset of those lines). `validate` also fits on the first three
    /// quarters of the span and checks against the last quarter (`calibrationEnd` overrides the split).
    public init(analysis: Analysis, lines: OrderLines, options: CLVOptions = CLVOptions(), validate: Bool = true,
                calibrationEnd: Int? = nil) {
        self.options = options
        let end = analysis.asOf - 1
        let summary = RFMSummary(lines: lines, calibrationEnd: end, timeUnit: .weeks)
        let data = (try? RFMData(x: (0..<summary.count).map(summary.x), tx: (0..<summary.count).map(summary.tx),
                                 T: (0..<summary.count).map(summary.age)))
        let fit = data.map { BetaGeoModel.fit($0) } ?? BetaGeoModel.failedFit("there are no customers to fit")
        self.fit = fit
        // Gamma-Gamma needs at least a few repeat buyers with positive spend.
        let repeaters = (0..<summary.count).filter { summary.repeatPurchases[$0] > 0 && summary.repeatSpendUnits[$0] > 0 }.count
        let spendFit = repeaters >= 3 ? GammaGammaModel.fit(summary.spendData()) : nil
        self.spendFit = spendFit
        let n = analysis.table.count
        probabilityAlive = [Double](repeating: .nan, count: n)
        expected30 = probabilityAlive; expected90 = probabilityAlive; expected365 = probabilityAlive
        expectedOrderValue = probabilityAlive; lifetimeValue = probabilityAlive
        x = [Int32](repeating: 0, count: n); recencyDays = x; ageDays = x
        if fit.converged {
            let model = fit.model
            let gg = (spendFit?.converged ?? false) ? spendFit!.model : nil
            let week = 7.0
            // Customers without repeat purchases get the Gamma-Gamma population mean, or when it is not finite
            // (q <= 1) the mean repeat-order value observed among repeat buyers.
            var fallbackOrderValue = gg?.populationMeanOrderValue ?? .infinity
            if !fallbackOrderValue.isFinite {
                let zs = (0..<summary.count).filter { summary.repeatPurchases[$0] > 0 }.map { summary.meanRepeatSpend($0) }
                fallbackOrderValue = zs.isEmpty ? .nan : zs.reduce(0, +) / Double(zs.count)
            }
            // Rows of the analysis for each summary row.
            let rows = (0..<summary.count).map { i -> Int in
                let code = Int(summary.customerCode[i])
                return code < analysis.table.rowOfCode.count ? Int(analysis.table.rowOfCode[code]) : -1
            }
            // The purchase predictions depend only on (x, t_x, T): compute them once per distinct triple.
            // (A struct key: packing the three into 21-bit fields collided once a span passed 2^21 days.)
            var keyIndex: [SIMD3<Int32>: Int32] = [:]
            var uniqueRow: [Int] = []
            var indexOfRow = [Int32](repeating: -1, count: summary.count)
            for i in 0..<summary.count where rows[i] >= 0 {
                let key = SIMD3(summary.repeatPurchases[i], summary.recencyDays[i], summary.ageDays[i])
                if let k = keyIndex[key] { indexOfRow[i] = k } else {
                    keyIndex[key] = Int32(uniqueRow.count); indexOfRow[i] = Int32(uniqueRow.count); uniqueRow.append(i)
                }
            }
            let discount = (0..<options.horizonMonths).map { 1 / pow(1 + options.monthlyDiscountRate, Double($0 + 1)) }
            let parts = max(1, min(8, uniqueRow.count / 1024 + 1))
            let perKey = parallelMap(parts) { chunk -> [(Double, Double, Double, Double, Double)] in
                let lo = uniqueRow.count * chunk / parts, hi = uniqueRow.count * (chunk + 1) / parts
                return (lo..<hi).map { u in
                    let i = uniqueRow[u]
                    let xi = summary.x(i), tx = summary.tx(i), T = summary.age(i)
                    let alive = model.probabilityAlive(x: xi, tx: tx, T: T)
                    let e30 = model.expectedPurchases(in: 30 / week, x: xi, tx: tx, T: T)
                    let e90 = model.expectedPurchases(in: 90 / week, x: xi, tx: tx, T: T)
                    let e365 = model.expectedPurchases(in: 365 / week, x: xi, tx: tx, T: T)
                    // Discounted expected purchases month by month (CLV = this x expected order value x margin).
                    let monthly = CustomerLifetimeValue.monthlyPurchases(model: model, x: xi, tx: tx, T: T, timeUnit: .weeks,
                                                                         months: options.horizonMonths)
                    var discounted = 0.0
                    for (k, purchases) in monthly.enumerated() { discounted += purchases * discount[k] }
                    return (alive, e30, e90, e365, discounted)
                }
            }.flatMap { $0 }
            for i in 0..<summary.count where rows[i] >= 0 {
                let r = rows[i]
                let (alive, e30, e90, e365, discounted) = perKey[Int(indexOfRow[i])]
                let xi = summary.x(i), z = summary.meanRepeatSpend(i)
                // Gamma-Gamma when it fitted; otherwise the customer's own mean repeat-order value.
                let aov = xi > 0 && z > 0 ? (gg.map { $0.expectedOrderValue(x: xi, meanSpend: z) } ?? z) : fallbackOrderValue
                probabilityAlive[r] = alive; expected30[r] = e30; expected90[r] = e90; expected365[r] = e365
                expectedOrderValue[r] = aov
                lifetimeValue[r] = aov.isFinite ? discounted * aov * options.margin : .nan
            }
            for i in 0..<summary.count where rows[i] >= 0 {
                x[rows[i]] = summary.repeatPurchases[i]; recencyDays[rows[i]] = summary.recencyDays[i]; ageDays[rows[i]] = summary.ageDays[i]
            }
            notIdentified = ChurnModel.identificationProblem(fit: fit, rows: rows.filter { $0 >= 0 }, probabilityAlive: probabilityAlive,
                                                             expected: [expected30, expected90, expected365], lifetimeValue: lifetimeValue)
        }
        validation = nil
        validationScope = nil
        if validate {
            let split = calibrationEnd.map { (calibrationEnd: $0, holdoutEnd: end) } ?? ChurnModel.defaultSplit(lines: lines, end: end)
            if let split, split.calibrationEnd < split.holdoutEnd {
                let cal = RFMSummary(lines: lines, calibrationEnd: split.calibrationEnd, holdoutEnd: split.holdoutEnd, timeUnit: .weeks)
                if cal.count > 0, let d = try? RFMData(x: (0..<cal.count).map(cal.x), tx: (0..<cal.count).map(cal.tx), T: (0..<cal.count).map(cal.age)) {
                    let vfit = BetaGeoModel.fit(d)
                    if vfit.converged, ChurnModel.parameterProblem(vfit) == nil {
                        let result = HoldoutValidation(model: vfit.model, summary: cal)
                        // A holdout whose predictions are not finite says nothing: leave it out.
                        if result.predictedTotal.isFinite, result.meanAbsoluteError.isFinite {
                            validation = Validation(calibrationEnd: split.calibrationEnd, holdoutEnd: split.holdoutEnd, fit: vfit, result: result)
                        }
                    }
                }
            }
        }
    }

    /// Parameters that are not finite or positive, or that ran off to the edge (outside 1e-6 ... 1e6; published fits
    /// lie within 0.01 ... 100): the likelihood is flat in that direction and the fit is not identified.
    public static func parameterProblem(_ fit: BetaGeoFit) -> String? {
        let named = [("r", fit.r), ("alpha", fit.alpha), ("a", fit.a), ("b", fit.b)]
        guard let bad = named.first(where: { !$0.1.isFinite || $0.1 < 1e-6 || $0.1 > 1e6 }) else { return nil }
        let value = bad.1.isFinite ? DisplayFormat.compact(bad.1) : "not finite"
        return "the BG/NBD fit is not identified: parameter \(bad.0) ran off to the edge (\(value)); the data is too short or has too little repeat buying to estimate it. Widen the date range or the selection"
    }

    /// Why a converged fit's parameters or predictions cannot be used (see ``notIdentified``), or nil.
    static func identificationProblem(fit: BetaGeoFit, rows: [Int], probabilityAlive: [Double], expected: [[Double]],
                                      lifetimeValue: [Double]) -> String? {
        if let problem = parameterProblem(fit) { return problem }
        let advice = "the data is too short or has too little repeat buying for the model. Widen the date range or the selection"
        var clvTotal = 0.0
        for r in rows {
            let p = probabilityAlive[r]
            guard p.isFinite, p >= 0, p <= 1 else { return "the BG/NBD fit is not identified: P(alive) is not a probability for some customers; \(advice)" }
            for e in expected where !e[r].isFinite || e[r] < 0 {
                return "the BG/NBD fit is not identified: its expected orders are not finite for some customers; \(advice)"
            }
            if let year = expected.last?[r], year > maxExpectedPurchasesPerYear {
                return "the BG/NBD fit is not identified: it expects \(DisplayFormat.compact(year)) orders from one customer in a year; \(advice)"
            }
            let v = lifetimeValue[r]
            if v.isNaN { continue }   // no expected order value (no Gamma-Gamma fit and no repeat buyer): shown as missing
            guard Money.units(fromCurrency: v) != nil else {
                return "the BG/NBD fit is not identified: its customer value is out of range (\(DisplayFormat.compact(v))); \(advice)"
            }
            clvTotal += abs(v)
        }
        if !(clvTotal * Double(Money.scale) < Double(Money.sumBudget)) {
            return "the BG/NBD fit is not identified: its customer values add up to \(DisplayFormat.compact(clvTotal)), more than money sums can hold; \(advice)"
        }
        return nil
    }

    /// The last quarter of the span up to `end` as holdout.
    static func defaultSplit(lines: OrderLines, end: Int) -> (calibrationEnd: Int, holdoutEnd: Int)? {
        guard let span = lines.daySpan else { return nil }
        let last = min(span.upperBound, end)
        let length = last - span.lowerBound + 1
        guard length >= 8 else { return nil }
        return (last - length / 4, last)
    }
}

extension BetaGeoModel {
    public static func reliabilityWarning(_ fit: BetaGeoFit) -> String? {
        guard fit.converged else { return nil }
        let values = [fit.r, fit.alpha, fit.a, fit.b]
        let unidentified: Bool
        if let se = fit.standardErrors {
            let errors = [se.r, se.alpha, se.a, se.b]
            unidentified = zip(values, errors).contains { !$1.isFinite || $1 > 5 * $0 } || fit.a > 1e4 || fit.b > 1e4
        } else {
            unidentified = true
        }
        guard unidentified else { return nil }
        return "The BG/NBD fit on \(Int(fit.diagnostics.customers)) customers is not reliable: some parameters are not identified (too few customers or too little repeat buying; a = \(DisplayFormat.decimal(fit.a, digits: 2)), b = \(DisplayFormat.decimal(fit.b, digits: 2))). Treat its predictions with caution or widen the selection."
    }

    static func failedFit(_ reason: String) -> BetaGeoFit {
        BetaGeoFit(model: BetaGeoModel(r: .nan, alpha: .nan, a: .nan, b: .nan), standardErrors: nil,
                   diagnostics: FitDiagnostics(logLikelihood: .nan, iterations: 0, evaluations: 0, converged: false,
                                               method: "none", failureReason: reason, customers: 0, rows: 0))
    }
}
