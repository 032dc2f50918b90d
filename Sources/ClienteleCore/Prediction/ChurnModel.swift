import Foundation

/// The one prediction of an analysis (a data set and a filter): churn risk, the candidates it was chosen from with
/// their holdout validation, and each customer's expected orders and value with intervals. Built once per data
/// set and filter and used by the dashboard, the report, `predict` and the recommendations; pages only format it.
///
/// **Churn risk** is the probability that a customer places **no order in the next H days** (H = `horizonDays`,
/// default 90), counted from the analysis's as-of date (its predictions use the orders up to the day before).
/// It comes from the candidate that validates best on the holdout (``ChurnModelSelection``: the last H days before
/// the as-of date, chosen by log-loss), refitted on everything up to the as-of date. A filtered analysis reuses the
/// whole data set's choice and validation (`reusing:`) and refits only that candidate; if the refit is not
/// identified on the selection, the baseline is used and ``riskNote`` says so.
///
/// **Expected orders and value** come from the identified buy-till-you-die candidate with the lowest holdout mean
/// absolute error of purchases (``ChurnSelection/valueChoice``), refitted likewise, with Gamma-Gamma for the order
/// value. Each customer's 12-month value gets an 80% interval from parameter uncertainty (see ``lifetimeValueLow``).
///
/// Time unit of the buy-till-you-die fits: weeks (days / 7), as in the published CDNOW results.
public struct ChurnModel: Sendable {
    public static let defaultHorizonDays = 90
    /// Expected orders per customer in the next 365 days above which a value fit is considered not identified.
    public static let maxExpectedPurchasesPerYear = 1e6
    /// Standard normal quantile of the 80% intervals.
    public static let z80 = 1.2815515655446004

    /// Where a customer's expected order value comes from.
    public enum OrderValueBasis: UInt8, Sendable {
        /// Gamma-Gamma conditional on the customer's own repeat orders (their mean z̄ over x repeat purchase days).
        case repeatOrders
        /// Gamma-Gamma conditional on the customer's first purchase day, as one observation (one-order customers).
        case firstOrder
        /// The population mean (no positive spend of the customer's own to condition on).
        case population
        /// No order value (no spend model).
        case none
    }

    public var horizonDays: Int
    public var options: CLVOptions
    /// Last day whose orders count (the day before the analysis's as-of date).
    public var endDay: Int
    /// Customers with an order up to `endDay` in the lines the models were fitted on.
    public var customersFitted: Int

    // MARK: churn risk
    /// The candidates and their holdout validation (of the whole data set when ``validationScope`` is set).
    public var selection: ChurnSelection?
    /// "the whole data set" when the selection and validation were reused from it rather than run on this selection.
    public var validationScope: String?
    /// The candidate whose refit gives the risks; nil when none can be shown (see ``riskProblem``).
    public var riskModel: ChurnCandidate?
    public var riskFit: ChurnModelSelection.Fitted?
    /// Why the chosen candidate was replaced on this selection, in words.
    public var riskNote: String?
    /// Why no churn risk is shown, in words; nil when it is.
    public var riskProblem: String?
    /// P(no order in the next H days) per analysis row (NaN without a prediction).
    public var risk: [Double]
    /// 80% interval of the risk of the logistic regression and the baseline (NaN otherwise); see ``riskInterval(_:)``.
    var classifierRiskLow: [Double]
    var classifierRiskHigh: [Double]

    // MARK: expected orders and value
    public var valueModel: ChurnCandidate?
    public var valueFit: ChurnModelSelection.Fitted?
    /// Why no expected orders or value are shown, in words; nil when they are.
    public var valueProblem: String?
    public var spendFit: GammaGammaFit?
    /// Per analysis row, from the value model (NaN without one).
    public var probabilityAlive: [Double]
    public var expected30: [Double]
    public var expected90: [Double]
    public var expected365: [Double]
    public var expectedOrderValue: [Double]
    public var orderValueBasis: [OrderValueBasis]
    /// Discounted value over `options.horizonMonths` (currency units); its 80% interval: ``lifetimeValueInterval(_:)``.
    public var lifetimeValue: [Double]
    /// The spend the order value is conditioned on (the mean repeat-order value, or the first purchase day's).
    var orderValueSpend: [Double]
    /// Repeat purchase days x, t_x and T in days, per row.
    public var x: [Int32]
    public var txDays: [Int32]
    public var ageDays: [Int32]

    /// Whether churn risks can be shown.
    public var usable: Bool { riskProblem == nil && riskModel != nil && !risk.isEmpty }
    /// Whether expected orders and value can be shown.
    public var valueUsable: Bool { valueProblem == nil && valueModel != nil }
    /// Why churn risk is not shown, in words ("" when it is).
    public var unusableReason: String { usable ? "" : (riskProblem ?? "there are no customers to predict") }
    /// What the risk means, in words: "chance of no order in the next 90 days".
    public var riskWords: String { ChurnModel.riskWords(horizonDays) }
    public static func riskWords(_ horizon: Int) -> String { "chance of no order in the next \(horizon) days" }
    public func churnRisk(_ row: Int) -> Double { risk[row] }
    public func band(_ row: Int) -> ChurnRiskBand { ChurnRiskBand(risk: risk[row]) }
    /// The chosen candidate's holdout result.
    public var validation: ChurnCandidateResult? { riskModel.flatMap { selection?.result($0) } }
    /// The value model's holdout result.
    public var valueValidation: ChurnCandidateResult? { valueModel.flatMap { selection?.result($0) } }

    /// Fits on `lines` as seen by `analysis` (orders up to the day before its as-of date) and predicts every row of
    /// `analysis` (which may be a customer subset of those lines). Without `base`, every candidate is validated on
    /// the last `horizonDays` before the as-of date; with it, its choice and validation are reused.
    public init(analysis: Analysis, lines: OrderLines, options: CLVOptions = CLVOptions(),
                horizonDays: Int = ChurnModel.defaultHorizonDays, reusing base: ChurnModel? = nil,
                candidates: [ChurnCandidate] = ChurnCandidate.allCases) {
        self.horizonDays = horizonDays
        self.options = options
        let end = analysis.asOf - 1
        endDay = end
        let t = analysis.table, n = t.count
        let all = CustomerHistories(lines: lines, through: end)
        customersFitted = all.count
        let nan = [Double](repeating: .nan, count: n)
        risk = nan; classifierRiskLow = nan; classifierRiskHigh = nan; orderValueSpend = nan
        probabilityAlive = nan; expected30 = nan; expected90 = nan; expected365 = nan; expectedOrderValue = nan
        lifetimeValue = nan
        orderValueBasis = [OrderValueBasis](repeating: .none, count: n)
        x = [Int32](repeating: 0, count: n); txDays = x; ageDays = x
        // Analysis row of each history (-1: not in the analysis).
        var rowOf = [Int](repeating: -1, count: all.count)
        for (i, code) in all.codes.enumerated() where Int(code) < t.rowOfCode.count { rowOf[i] = Int(t.rowOfCode[Int(code)]) }
        for i in 0..<all.count where rowOf[i] >= 0 {
            if let s = all.histories[i].summary(asOf: end) {
                x[rowOf[i]] = Int32(s.x); txDays[rowOf[i]] = Int32(s.tx); ageDays[rowOf[i]] = Int32(s.T)
            }
        }

        // The choice.
        var chosenRisk: ChurnCandidate?, chosenValue: ChurnCandidate?
        if let base, let selection = base.selection {
            self.selection = selection
            validationScope = base.validationScope ?? "the whole data set"
            chosenRisk = base.riskModel
            chosenValue = base.valueModel
            if chosenRisk == nil { riskProblem = base.riskProblem }
            if chosenValue == nil { valueProblem = base.valueProblem }
        } else if all.count > 0 {
            let selection = ChurnModelSelection.select(all.histories, asOf: end, horizon: horizonDays, candidates: candidates)
            self.selection = selection
            if selection.validated {
                chosenRisk = selection.chosen
                chosenValue = selection.valueChoice
                if chosenValue == nil {
                    valueProblem = "no buy-till-you-die model is identified on the holdout, so expected orders and customer value are not shown (" +
                        ChurnCandidate.allCases.filter(\.isBuyTillYouDie).compactMap { c in selection.result(c).map { "\(c.rawValue): \($0.reason ?? "not validated")" } }.joined(separator: "; ") + ")"
                }
            } else {
                riskProblem = ChurnModel.validationProblem(selection)
                valueProblem = riskProblem
            }
        } else {
            riskProblem = "no customer has an order before the as-of date"
            valueProblem = riskProblem
        }
        let histories = all.histories
        let weeks = 7.0
        let H = horizonDays
        // Buy-till-you-die predictions depend only on (x, t_x, T): computed once per distinct triple.
        let keys: (triples: [(Double, Double, Double)], keyOfHistory: [Int32]) = chosenRisk == nil && chosenValue == nil
            ? ([], []) : ChurnModel.distinctSummaries(histories, rowOf: rowOf, end: end)

        // Churn risk: the chosen candidate refitted up to the end.
        if let chosen = chosenRisk {
            var fitted = ChurnModelSelection.fit(chosen, histories, cutoff: end, horizon: H)
            var used = chosen
            if !fitted.identified, chosen != .baseline {
                riskNote = "\(chosen.rawValue), the model chosen on the holdout, is not identified when refitted on these customers (\(fitted.reason ?? "")); the baseline is used instead."
                fitted = ChurnModelSelection.fit(.baseline, histories, cutoff: end, horizon: H)
                used = .baseline
            }
            if fitted.model == nil || !fitted.identified {
                riskProblem = "the churn model cannot be fitted on these customers: \(fitted.reason ?? "no customer to fit")"
            } else {
                riskModel = used
                riskFit = fitted
                if let m = fitted.purchaseModel {
                    // The risk depends only on (x, t_x, T): once per distinct triple (its interval on demand).
                    let values = FitSupport.chunked(keys.triples.count, minimumPerChunk: 1024) { range in
                        range.map { k -> Double in
                            let (xi, tx, T) = keys.triples[k]
                            return m.probabilityNoPurchase(in: Double(H) / weeks, x: xi, tx: tx / weeks, T: T / weeks)
                        }
                    }.flatMap { $0 }
                    for (i, k) in keys.keyOfHistory.enumerated() where k >= 0 { risk[rowOf[i]] = values[Int(k)] }
                } else {
                    for i in 0..<histories.count where rowOf[i] >= 0 {
                        let r = rowOf[i]
                        risk[r] = fitted.probability(histories[i], asOf: end, horizon: H) ?? .nan
                        if risk[r].isFinite, let sd = fitted.logitStandardError(histories[i], asOf: end) {
                            let l = ChurnModel.logit(risk[r])
                            classifierRiskLow[r] = ChurnModel.sigmoid(l - ChurnModel.z80 * sd)
                            classifierRiskHigh[r] = ChurnModel.sigmoid(l + ChurnModel.z80 * sd)
                        }
                    }
                }
                if (0..<n).contains(where: { !(risk[$0] >= 0 && risk[$0] <= 1) }) {
                    riskProblem = "the \(used.rawValue) risks are not probabilities for some customers"
                }
            }
        }

        // Expected orders and value: the value model refitted up to the end, with Gamma-Gamma.
        if let v = chosenValue {
            let fitted = v == riskModel && riskFit != nil ? riskFit! : ChurnModelSelection.fit(v, histories, cutoff: end, horizon: H)
            if !fitted.identified {
                valueProblem = "\(v.rawValue) is not identified when refitted on these customers: \(fitted.reason ?? "")"
            } else if let m = fitted.purchaseModel {
                valueModel = v
                valueFit = fitted
                computeValue(model: m, keys: keys, histories: histories, rowOf: rowOf, end: end)
            }
        }
    }

    /// A customer subset of `baseAnalysis` (segment or tier filters on the same lines): the same predictions.
    public init(restricting base: ChurnModel, from baseAnalysis: Analysis, to analysis: Analysis) {
        self = base
        let t = analysis.table
        let baseRow: [Int] = (0..<t.count).map { r in
            let c = Int(t.idCode[r])
            return c < baseAnalysis.table.rowOfCode.count ? Int(baseAnalysis.table.rowOfCode[c]) : -1
        }
        func pick<T>(_ a: [T], _ missing: T) -> [T] { baseRow.map { $0 >= 0 && $0 < a.count ? a[$0] : missing } }
        risk = pick(base.risk, .nan); classifierRiskLow = pick(base.classifierRiskLow, .nan)
        classifierRiskHigh = pick(base.classifierRiskHigh, .nan); orderValueSpend = pick(base.orderValueSpend, .nan)
        probabilityAlive = pick(base.probabilityAlive, .nan); expected30 = pick(base.expected30, .nan)
        expected90 = pick(base.expected90, .nan); expected365 = pick(base.expected365, .nan)
        expectedOrderValue = pick(base.expectedOrderValue, .nan); orderValueBasis = pick(base.orderValueBasis, .none)
        lifetimeValue = pick(base.lifetimeValue, .nan)
        x = pick(base.x, 0); txDays = pick(base.txDays, 0); ageDays = pick(base.ageDays, 0)
    }

    /// Why a selection cannot validate a choice, in words.
    static func validationProblem(_ s: ChurnSelection) -> String {
        let cal = DisplayFormat.date(s.calibrationDay)
        if s.customers < ChurnModelSelection.minimumValidationCustomers {
            return "only \(s.customers == 1 ? "1 customer" : "\(s.customers) customers") had ordered by \(cal), \(s.horizonDays) days before the as-of date: too few to check a churn model on the \(s.horizonDays) days that follow, so no churn risk is shown. Widen the date range or shorten the horizon (--horizon-days)"
        }
        let all = s.noOrderRate >= 1 ? "none of the \(s.customers) customers known on \(cal) ordered again" : "every one of the \(s.customers) customers known on \(cal) ordered again"
        return "\(all) within the \(s.horizonDays) days that follow: the holdout cannot tell a good churn model from a bad one, so no churn risk is shown. Widen the date range or change the horizon (--horizon-days)"
    }

    /// Distinct (x, t_x, T) in days of the histories in the analysis, and the key index of each history (-1: none).
    static func distinctSummaries(_ histories: [OrderHistory], rowOf: [Int], end: Int) -> (triples: [(Double, Double, Double)], keyOfHistory: [Int32]) {
        var index = [SIMD3<Int32>: Int32](minimumCapacity: histories.count)
        var triples: [(Double, Double, Double)] = []
        var keyOf = [Int32](repeating: -1, count: histories.count)
        for (i, h) in histories.enumerated() where rowOf[i] >= 0 {
            guard let s = h.summary(asOf: end) else { continue }
            let key = SIMD3(Int32(clamping: s.x), Int32(clamping: s.tx), Int32(clamping: s.T))
            if let k = index[key] { keyOf[i] = k } else {
                index[key] = Int32(triples.count); keyOf[i] = Int32(triples.count)
                triples.append((Double(s.x), Double(s.tx), Double(s.T)))
            }
        }
        return (triples, keyOf)
    }

    /// Standard deviation of g(θ) by the delta method: √(∇gᵀ Σ ∇g), the gradient by central differences.
    static func deltaSD(theta: [Double], covariance: [[Double]], step: Double = 1e-4, _ g: ([Double]) -> Double) -> Double {
        guard covariance.count == theta.count else { return .nan }
        var grad = [Double](repeating: 0, count: theta.count), q = theta
        for k in 0..<theta.count {
            q[k] = theta[k] + step; let up = g(q)
            q[k] = theta[k] - step; let down = g(q)
            q[k] = theta[k]
            grad[k] = (up - down) / (2 * step)
        }
        var v = 0.0
        for i in 0..<theta.count { for j in 0..<theta.count { v += grad[i] * covariance[i][j] * grad[j] } }
        return v >= 0 && v.isFinite ? v.squareRoot() : .nan
    }

    static func logit(_ p: Double) -> Double { let q = min(1 - 1e-12, max(1e-12, p)); return log(q / (1 - q)) }
    static func sigmoid(_ v: Double) -> Double { v >= 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v)) }

    /// Expected orders, P(alive), order value and discounted value with intervals, per row.
    private mutating func computeValue(model m: any NoPurchaseProbabilityModel, keys: (triples: [(Double, Double, Double)], keyOfHistory: [Int32]),
                                       histories: [OrderHistory], rowOf: [Int], end: Int) {
        let weeks = 7.0
        let options = self.options
        let discount = CustomerLifetimeValue.discountFactors(options)
        let perKey = FitSupport.chunked(keys.triples.count, minimumPerChunk: 512) { range in
            range.map { k -> (alive: Double, e30: Double, e90: Double, e365: Double, d: Double) in
                let (xi, tx, T) = keys.triples[k]
                return (m.probabilityAlive(x: xi, tx: tx / weeks, T: T / weeks),
                        m.expectedPurchases(in: 30 / weeks, x: xi, tx: tx / weeks, T: T / weeks),
                        m.expectedPurchases(in: 90 / weeks, x: xi, tx: tx / weeks, T: T / weeks),
                        m.expectedPurchases(in: 365 / weeks, x: xi, tx: tx / weeks, T: T / weeks),
                        CustomerLifetimeValue.discountedPurchases(model: m, x: xi, tx: tx / weeks, T: T / weeks, timeUnit: .weeks, discount: discount))
            }
        }.flatMap { $0 }

        // Gamma-Gamma on the repeat buyers (x > 0, z̄ > 0), at least 3 of them.
        var sx: [Double] = [], sz: [Double] = []
        for h in histories {
            let k = h.orders(through: end)
            guard k >= 2 else { continue }
            var total = 0.0
            for j in 1..<k { total += h.amounts[j] }
            if total > 0 { sx.append(Double(k - 1)); sz.append(total / Double(k - 1)) }
        }
        let gg: GammaGammaFit? = sx.count >= 3 ? (try? SpendData(x: sx, meanSpend: sz)).map { GammaGammaModel.fit($0) } : nil
        spendFit = gg
        let spend = (gg?.converged ?? false) ? gg!.model : nil
        // Customers with no spend of their own to condition on: the population mean, or the mean z̄ of repeat buyers.
        var fallback = spend?.populationMeanOrderValue ?? .infinity
        if !fallback.isFinite { fallback = sz.isEmpty ? .nan : sz.reduce(0, +) / Double(sz.count) }

        for (i, h) in histories.enumerated() where rowOf[i] >= 0 && keys.keyOfHistory[i] >= 0 {
            let r = rowOf[i]
            let v = perKey[Int(keys.keyOfHistory[i])]
            probabilityAlive[r] = v.alive; expected30[r] = v.e30; expected90[r] = v.e90; expected365[r] = v.e365
            let k = h.orders(through: end)
            var repeatTotal = 0.0
            for j in 1..<max(1, k) { repeatTotal += h.amounts[j] }
            let xi = Double(k - 1), first = h.amounts[0]
            var value = Double.nan, basis = OrderValueBasis.none, z = Double.nan
            if k >= 2, repeatTotal > 0 {
                z = repeatTotal / xi
                value = spend.map { $0.expectedOrderValue(x: xi, meanSpend: z) } ?? z; basis = .repeatOrders
            } else if k == 1, first > 0, let spend, spend.p + spend.q > 1 {
                // The first purchase day as one observation of the customer's spend: E(M | x = 1, z̄ = first).
                z = first
                value = spend.expectedOrderValue(x: 1, meanSpend: first); basis = .firstOrder
            } else if fallback.isFinite {
                value = fallback; basis = .population
            }
            expectedOrderValue[r] = value.isFinite ? value : .nan
            orderValueBasis[r] = value.isFinite ? basis : .none
            orderValueSpend[r] = z
            lifetimeValue[r] = value.isFinite ? v.d * value * options.margin : .nan
        }
        if let problem = ChurnModel.valueProblem(model: valueModel?.rawValue ?? "value", probabilityAlive: probabilityAlive,
                                                 expected: [expected30, expected90, expected365], lifetimeValue: lifetimeValue) {
            valueProblem = problem
        }
    }

    /// 80% interval of a customer's churn risk from parameter uncertainty: the delta method on the logit scale
    /// (buy-till-you-die models: the inverse observed information, computed here on demand; logistic regression and
    /// baseline: the inverse penalised Hessian, the Laplace approximation under the L2 penalty). Nil without one.
    public func riskInterval(_ r: Int) -> (low: Double, high: Double)? {
        guard usable, risk[r].isFinite else { return nil }
        if classifierRiskLow[r].isFinite { return (classifierRiskLow[r], classifierRiskHigh[r]) }
        guard let fit = riskFit, fit.purchaseModel != nil, let make = fit.make, let cov = fit.logCovariance else { return nil }
        let H = Double(horizonDays) / 7, xi = Double(x[r]), tx = Double(txDays[r]) / 7, T = Double(ageDays[r]) / 7
        let sd = ChurnModel.deltaSD(theta: fit.logParameters, covariance: cov) {
            ChurnModel.logit(make($0).probabilityNoPurchase(in: H, x: xi, tx: tx, T: T))
        }
        guard sd.isFinite else { return nil }
        let l = ChurnModel.logit(risk[r])
        return (ChurnModel.sigmoid(l - ChurnModel.z80 * sd), ChurnModel.sigmoid(l + ChurnModel.z80 * sd))
    }

    /// 80% interval of a customer's value over the horizon from parameter uncertainty: the delta method on the log
    /// scale, var(log value) = var(log discounted purchases) + var(log order value) (the purchase and spend models are
    /// fitted separately), each from the inverse observed information; value × exp(±1.28 sd). Nil without one.
    public func lifetimeValueInterval(_ r: Int) -> (low: Double, high: Double)? {
        let clv = lifetimeValue[r]
        guard valueUsable, clv.isFinite else { return nil }
        if clv == 0 { return (0, 0) }
        guard clv > 0, let fit = valueFit, let make = fit.make, let cov = fit.logCovariance else { return nil }
        let discount = CustomerLifetimeValue.discountFactors(options)
        let xi = Double(x[r]), tx = Double(txDays[r]), T = Double(ageDays[r])
        let sdD = ChurnModel.deltaSD(theta: fit.logParameters, covariance: cov) {
            log(CustomerLifetimeValue.discountedPurchases(model: make($0), x: xi, tx: tx / 7, T: T / 7, timeUnit: .weeks, discount: discount))
        }
        var sdM = 0.0
        if let gg = spendFit, gg.converged, let gcov = gg.diagnostics.logCovariance {
            let theta = [log(gg.p), log(gg.q), log(gg.gamma)]
            func model(_ p: [Double]) -> GammaGammaModel { GammaGammaModel(p: exp(p[0]), q: exp(p[1]), gamma: exp(p[2])) }
            let z = orderValueSpend[r]
            switch orderValueBasis[r] {
            case .repeatOrders: sdM = ChurnModel.deltaSD(theta: theta, covariance: gcov) { log(model($0).expectedOrderValue(x: xi, meanSpend: z)) }
            case .firstOrder: sdM = ChurnModel.deltaSD(theta: theta, covariance: gcov) { log(model($0).expectedOrderValue(x: 1, meanSpend: z)) }
            case .population: sdM = gg.q > 1 ? ChurnModel.deltaSD(theta: theta, covariance: gcov) { log(model($0).populationMeanOrderValue) } : 0
            case .none: return nil
            }
        }
        let total = (sdD * sdD + (sdM.isFinite ? sdM * sdM : 0)).squareRoot()
        guard total.isFinite else { return nil }
        return (clv * exp(-ChurnModel.z80 * total), clv * exp(ChurnModel.z80 * total))
    }

    /// Why a value model's predictions cannot be used (not probabilities, not finite, absurd or beyond money), or nil.
    static func valueProblem(model: String, probabilityAlive: [Double], expected: [[Double]], lifetimeValue: [Double]) -> String? {
        let advice = "the data is too short or has too little repeat buying for the model. Widen the date range or the selection"
        var clvTotal = 0.0
        for r in probabilityAlive.indices where !probabilityAlive[r].isNaN {
            let p = probabilityAlive[r]
            guard p >= 0, p <= 1 else { return "the \(model) fit is not identified: P(alive) is not a probability for some customers; \(advice)" }
            for e in expected where !e[r].isFinite || e[r] < 0 {
                return "the \(model) fit is not identified: its expected orders are not finite for some customers; \(advice)"
            }
            if let year = expected.last?[r], year > maxExpectedPurchasesPerYear {
                return "the \(model) fit is not identified: it expects \(DisplayFormat.compact(year)) orders from one customer in a year; \(advice)"
            }
            let v = lifetimeValue[r]
            if v.isNaN { continue }
            guard Money.units(fromCurrency: v) != nil else {
                return "the \(model) fit is not identified: its customer value is out of range (\(DisplayFormat.compact(v))); \(advice)"
            }
            clvTotal += abs(v)
        }
        if !(clvTotal * Double(Money.scale) < Double(Money.sumBudget)) {
            return "the \(model) fit is not identified: its customer values add up to \(DisplayFormat.compact(clvTotal)), more than money sums can hold; \(advice)"
        }
        return nil
    }
}
