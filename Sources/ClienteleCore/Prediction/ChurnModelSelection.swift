import Foundation

/// Churn risk = P(no order in the next H days), from the candidate that validates best on a time split.
///
/// Split (all in days): cal = asOf - H. Each candidate is scored on the customers known at cal (first order on or
/// before cal), labelled 1 when they placed no order in (cal, asOf]:
///  - BG/NBD, MBG/NBD, Pareto/NBD: fitted by maximum likelihood on the summaries (x, t_x, T) as of cal (time in
///    weeks), scored with their own P(no purchase in H) (``NoPurchaseProbabilityModel``);
///  - the L2 logistic regression on ``ChurnFeatures`` (λ = 1 on standardised features) and the ``ChurnBaseline``:
///    trained on features as of cal - H with labels from (cal - H, cal], applied to the features as of cal.
/// Scores: ``ChurnMetrics`` (log-loss, AUC, Brier, calibration by decile).
///
/// Identifiability: a BTYD fit is "not identified" (and cannot be chosen) when the optimiser did not converge,
/// when a parameter ran off to an effective bound (below 1e-5 or above 1e5, the optimiser works on the log scale
/// without bounds, so an unidentified parameter drifts towards 0 or ∞), when the standard errors are missing or
/// not finite (observed information not positive definite), or when a standard error exceeds 10 times its
/// estimate. The classifier is not identified when Newton did not converge or the training split has only one
/// class. The chosen candidate is the identified one with the lowest log-loss that is lower than the baseline's;
/// otherwise the baseline.
///
/// ``ChurnModelSelection/predict(_:asOf:horizon:candidate:)`` refits a candidate on everything up to the as-of day
/// (BTYD: summaries as of asOf; classifier and baseline: trained on features as of cal with labels from
/// (cal, asOf]) and gives each customer's P(no order in (asOf, asOf + H]).
public enum ChurnCandidate: String, CaseIterable, Sendable, Equatable {
    case baseline = "Baseline (gap ratio)"
    case betaGeo = "BG/NBD"
    case modifiedBetaGeo = "MBG/NBD"
    case paretoNBD = "Pareto/NBD"
    case logistic = "Logistic regression"

    /// A short machine name (CSV and JSON values).
    public var key: String {
        switch self {
        case .baseline: return "baseline"
        case .betaGeo: return "bg_nbd"
        case .modifiedBetaGeo: return "mbg_nbd"
        case .paretoNBD: return "pareto_nbd"
        case .logistic: return "logistic"
        }
    }

    /// BG/NBD, MBG/NBD and Pareto/NBD: they also predict how many orders a customer will place.
    public var isBuyTillYouDie: Bool { self == .betaGeo || self == .modifiedBetaGeo || self == .paretoNBD }

    /// What the candidate is, in a sentence.
    public var summary: String {
        switch self {
        case .baseline: return "days since the last order relative to the customer's usual gap, as a logistic regression"
        case .betaGeo: return "buy-till-you-die model (Fader, Hardie & Lee 2005): customers buy at their own rate and may drop out after a repeat purchase"
        case .modifiedBetaGeo: return "buy-till-you-die model (Batislam et al. 2007): as BG/NBD, but a customer may also drop out right after the first purchase"
        case .paretoNBD: return "buy-till-you-die model (Schmittlein et al. 1987): customers buy at their own rate and drop out at any time"
        case .logistic: return "L2-regularised logistic regression on nine behavioural features (recency, orders, spend, tenure, usual gap, current gap relative to it, recent trend)"
        }
    }
}

public struct ChurnCandidateResult: Sendable {
    public var candidate: ChurnCandidate
    public var identified: Bool
    /// Why the candidate is not identified (plain words); nil when it is.
    public var reason: String?
    /// Parameter names and values (BTYD: r, α, a, b / s, β in weeks, with standard errors when available).
    public var parameters: [(name: String, value: Double, standardError: Double?)]
    /// Scores on the validation customers; nil when the candidate could not be fitted.
    public var metrics: ChurnMetrics?
    /// Buy-till-you-die candidates: expected repeat purchase days in the holdout against the actual ones, per
    /// validation customer (the lifetime-value model is the identified one with the lowest mean absolute error).
    public var purchases: PurchaseCheck?
    /// Wall-clock seconds to fit and score the candidate.
    public var seconds: Double = 0
}

/// Expected against actual purchase days in the holdout (cal, asOf] of a buy-till-you-die candidate.
public struct PurchaseCheck: Sendable, Equatable {
    public var predictedTotal: Double
    public var actualTotal: Int
    /// Mean |expected - actual| per validation customer.
    public var meanAbsoluteError: Double
}

public struct ChurnSelection: Sendable {
    public var asOfDay: Int
    public var horizonDays: Int
    public var calibrationDay: Int
    /// Customers scored (known at the calibration day) and the share of them with no order in (cal, asOf].
    public var customers: Int
    public var noOrderRate: Double
    public var results: [ChurnCandidateResult]
    public var chosen: ChurnCandidate
    /// The identified buy-till-you-die candidate with the lowest holdout mean absolute error of purchases (expected
    /// orders and lifetime value come from it); nil when none is identified.
    public var valueChoice: ChurnCandidate? {
        results.filter { $0.candidate.isBuyTillYouDie && $0.identified && $0.purchases?.meanAbsoluteError.isFinite == true }
            .min { $0.purchases!.meanAbsoluteError < $1.purchases!.meanAbsoluteError }?.candidate
    }
    /// Whether the holdout can validate a choice: enough scored customers and both outcomes among them.
    public var validated: Bool {
        customers >= ChurnModelSelection.minimumValidationCustomers && noOrderRate > 0 && noOrderRate < 1
    }

    public func result(_ c: ChurnCandidate) -> ChurnCandidateResult? { results.first { $0.candidate == c } }
}

/// Per-customer churn risk as of a day.
public struct ChurnPrediction: Sendable {
    public var candidate: ChurnCandidate
    public var identified: Bool
    public var reason: String?
    /// P(no order in (asOf, asOf + H]) per input history; nil for customers without an order on or before asOf.
    public var probabilityNoOrder: [Double?]
}

public enum ChurnModelSelection {
    /// Effective bounds of a BTYD parameter and the largest standard error relative to its estimate.
    public static let parameterBounds = (1e-5, 1e5)
    public static let maxRelativeStandardError = 10.0
    /// L2 penalty of the logistic regression (on standardised features; the objective is a sum over customers).
    public static let classifierLambda = 1.0
    /// Most customers Pareto/NBD is fitted on (a seeded random sample beyond it).
    public static let paretoSampleCustomers = 5_000
    /// Likelihood evaluations a Pareto/NBD candidate fit may use (a converging fit takes a few hundred).
    public static let paretoEvaluations = 1_500

    /// At most `n` of the histories with an order on or before `cutoff`, drawn without replacement with a fixed seed
    /// (all of them when there are fewer).
    static func sample(_ histories: [OrderHistory], cutoff: Int, at n: Int) -> [OrderHistory] {
        let known = histories.filter { $0.orders(through: cutoff) > 0 }
        guard known.count > n else { return known }
        var rng = SplitMix64(seed: 20_071_231)
        var index = Array(known.indices)
        for i in 0..<n { index.swapAt(i, i + Int(rng.next() % UInt64(known.count - i))) }
        return index.prefix(n).sorted().map { known[$0] }
    }

    /// Fewest customers known at the calibration day for a holdout to validate anything.
    public static let minimumValidationCustomers = 30
    static let daysPerWeek = 7.0

    /// Scores every candidate on the time split and chooses one (see the type's comment).
    public static func select(_ histories: [OrderHistory], asOf: Int, horizon: Int = 90,
                              candidates: [ChurnCandidate] = ChurnCandidate.allCases) -> ChurnSelection {
        let cal = asOf - horizon
        var rows: [Int] = [], outcome: [Bool] = []
        for (i, h) in histories.enumerated() where h.orders(through: cal) > 0 {
            rows.append(i); outcome.append(!h.ordered(after: cal, through: asOf))
        }
        let scored = rows.map { histories[$0] }
        // The candidates are independent: fitted and scored in parallel (Pareto/NBD, with its numeric gradient, is
        // the longest; the others run beside it).
        let all = (candidates + (candidates.contains(.baseline) ? [] : [.baseline])).sorted { a, _ in a == .paretoNBD }
        let results = parallelMap(all.count) { k -> ChurnCandidateResult in
            let c = all[k]
            let started = Date()
            let fitted = fit(c, histories, cutoff: cal, horizon: horizon)
            var result = ChurnCandidateResult(candidate: c, identified: fitted.identified, reason: fitted.reason,
                                              parameters: fitted.parameters, metrics: nil)
            if let model = fitted.model {
                let p = scored.map { model.probability($0, asOf: cal, horizon: horizon) ?? .nan }
                if p.allSatisfy(\.isFinite) {
                    result.metrics = ChurnMetrics(predicted: p, outcome: outcome)
                    if case .btyd(let m) = model {
                        let weeks = Double(horizon) / daysPerWeek
                        var predicted = 0.0, actual = 0, absolute = 0.0
                        for h in scored {
                            guard let s = h.summary(asOf: cal) else { continue }
                            let e = m.expectedPurchases(in: weeks, x: Double(s.x), tx: Double(s.tx) / daysPerWeek, T: Double(s.T) / daysPerWeek)
                            let y = h.orders(through: asOf) - h.orders(through: cal)
                            predicted += e; actual += y; absolute += abs(e - Double(y))
                        }
                        if predicted.isFinite && !scored.isEmpty {
                            result.purchases = PurchaseCheck(predictedTotal: predicted, actualTotal: actual,
                                                             meanAbsoluteError: absolute / Double(scored.count))
                        }
                    }
                } else {
                    result.identified = false
                    result.reason = result.reason ?? "its predictions are not finite numbers for some customers"
                }
            }
            result.seconds = Date().timeIntervalSince(started)
            return result
        }
        let baselineLoss = results.first { $0.candidate == .baseline }?.metrics?.logLoss ?? .infinity
        var chosen = ChurnCandidate.baseline, best = baselineLoss
        for r in results where r.candidate != .baseline && r.identified {
            if let loss = r.metrics?.logLoss, loss.isFinite, loss < best { best = loss; chosen = r.candidate }
        }
        let rate = outcome.isEmpty ? .nan : Double(outcome.filter { $0 }.count) / Double(outcome.count)
        return ChurnSelection(asOfDay: asOf, horizonDays: horizon, calibrationDay: cal, customers: rows.count,
                              noOrderRate: rate, results: results, chosen: chosen)
    }

    /// Refits `candidate` on everything up to `asOf` and predicts P(no order in (asOf, asOf + H]) per customer.
    public static func predict(_ histories: [OrderHistory], asOf: Int, horizon: Int = 90, candidate: ChurnCandidate) -> ChurnPrediction {
        let fitted = fit(candidate, histories, cutoff: asOf, horizon: horizon)
        let p: [Double?] = histories.map { h in fitted.model?.probability(h, asOf: asOf, horizon: horizon) }
        return ChurnPrediction(candidate: candidate, identified: fitted.identified, reason: fitted.reason, probabilityNoOrder: p)
    }

    // MARK: fitting the candidates

    /// A fitted candidate: P(no order in (cutoff, cutoff + H]) for a history.
    enum FittedModel: Sendable {
        case btyd(any NoPurchaseProbabilityModel)
        case classifier(LogisticRegression)
        case baseline(ChurnBaseline)

        func probability(_ h: OrderHistory, asOf cutoff: Int, horizon: Int) -> Double? {
            switch self {
            case .btyd(let m):
                guard let s = h.summary(asOf: cutoff) else { return nil }
                return m.probabilityNoPurchase(in: Double(horizon) / daysPerWeek, x: Double(s.x),
                                               tx: Double(s.tx) / daysPerWeek, T: Double(s.T) / daysPerWeek)
            case .classifier(let m):
                return ChurnFeatures.features(h, asOf: cutoff).map(m.probability)
            case .baseline(let m):
                return m.probabilityNoOrder(h, asOf: cutoff)
            }
        }
    }

    public struct Fitted: Sendable {
        var model: FittedModel?
        public var identified: Bool
        public var reason: String?
        public var parameters: [(name: String, value: Double, standardError: Double?)]
        /// BTYD: the log-parameters, their covariance and a model from log-parameters (for intervals).
        var logParameters: [Double] = []
        var logCovariance: [[Double]]? = nil
        var make: (@Sendable ([Double]) -> any NoPurchaseProbabilityModel)? = nil

        /// The fitted buy-till-you-die model, when the candidate is one and could be fitted.
        public var purchaseModel: (any NoPurchaseProbabilityModel)? {
            if case .btyd(let m)? = model { return m }
            return nil
        }

        /// P(no order in (cutoff, cutoff + H]) for a history (nil without an order on or before the cut-off).
        public func probability(_ h: OrderHistory, asOf cutoff: Int, horizon: Int) -> Double? {
            model?.probability(h, asOf: cutoff, horizon: horizon)
        }

        /// The classifier's or the baseline's standard error of the logit for a history (nil for the others).
        public func logitStandardError(_ h: OrderHistory, asOf cutoff: Int) -> Double? {
            switch model {
            case .classifier(let m)?: return ChurnFeatures.features(h, asOf: cutoff).flatMap(m.logitStandardError)
            case .baseline(let b)?: return b.features(h, asOf: cutoff).flatMap(b.regression.logitStandardError)
            default: return nil
            }
        }
    }

    /// BTYD data as of `cutoff`, time in weeks.
    public static func btydData(_ histories: [OrderHistory], cutoff: Int) -> PurchaseData? {
        var x: [Double] = [], tx: [Double] = [], T: [Double] = []
        for h in histories {
            guard let s = h.summary(asOf: cutoff) else { continue }
            x.append(Double(s.x)); tx.append(Double(s.tx) / daysPerWeek); T.append(Double(s.T) / daysPerWeek)
        }
        return try? PurchaseData(x: x, tx: tx, T: T)
    }

    /// Fits `candidate` so that it predicts from `cutoff` on: BTYD on the summaries as of cutoff; classifier and
    /// baseline on features as of cutoff - H with labels from (cutoff - H, cutoff].
    public static func fit(_ candidate: ChurnCandidate, _ histories: [OrderHistory], cutoff: Int, horizon: Int) -> Fitted {
        switch candidate {
        case .baseline:
            // Like the classifier, the baseline needs customers known at the start of its training period, with
            // both outcomes among them.
            var known = 0, quiet = 0
            for h in histories where h.orders(through: cutoff - horizon) > 0 {
                known += 1
                if !h.ordered(after: cutoff - horizon, through: cutoff) { quiet += 1 }
            }
            guard known > 0, quiet > 0, quiet < known else {
                return Fitted(model: nil, identified: false,
                              reason: known == 0 ? "no customer had ordered by \(DisplayFormat.date(cutoff - horizon)), \(horizon) days before \(DisplayFormat.date(cutoff)): too little history to learn from"
                                                 : "every customer known on \(DisplayFormat.date(cutoff - horizon)) had the same outcome in the \(horizon) days that followed: nothing to learn from", parameters: [])
            }
            let b = ChurnBaseline.fit(histories, cutoff: cutoff - horizon, horizon: horizon)
            let params = [("intercept", b.regression.rawIntercept, nil as Double?)]
                + zip(["log gap ratio", "one-order flag"], b.regression.rawCoefficients).map { ($0, $1, nil as Double?) }
                + [("population usual gap (days)", b.populationGapDays, nil)]
            return Fitted(model: .baseline(b), identified: true, reason: nil, parameters: params)
        case .logistic:
            let trainCut = cutoff - horizon
            var rows: [[Double]] = [], labels: [Bool] = []
            for h in histories {
                guard let f = ChurnFeatures.features(h, asOf: trainCut) else { continue }
                rows.append(f); labels.append(!h.ordered(after: trainCut, through: cutoff))
            }
            let positives = labels.filter { $0 }.count
            guard positives > 0, positives < labels.count else {
                return Fitted(model: nil, identified: false,
                              reason: labels.isEmpty ? "no customer had ordered by \(DisplayFormat.date(trainCut)), \(horizon) days before \(DisplayFormat.date(cutoff)): too little history to learn from"
                                                     : "every customer known on \(DisplayFormat.date(trainCut)) had the same outcome in the \(horizon) days that followed: nothing to learn from", parameters: [])
            }
            let m = LogisticRegression.fit(rows: rows, outcome: labels, lambda: classifierLambda)
            let params = [("intercept", m.rawIntercept, nil as Double?)] + zip(ChurnFeatures.names, m.rawCoefficients).map { ($0, $1, nil as Double?) }
            let ok = m.converged
            return Fitted(model: .classifier(m), identified: ok, reason: ok ? nil : "Newton's method did not converge", parameters: params)
        case .betaGeo, .modifiedBetaGeo, .paretoNBD:
            // Pareto/NBD has no analytic gradient and its hypergeometric terms are slow: on large bases it is fitted
            // on a seeded random sample of customers (its standard errors then reflect the sample).
            let source = candidate == .paretoNBD ? sample(histories, cutoff: cutoff, at: paretoSampleCustomers) : histories
            guard let data = btydData(source, cutoff: cutoff) else {
                return Fitted(model: nil, identified: false, reason: "no customer had ordered by the calibration day", parameters: [])
            }
            let names: [String], values: [Double], ses: [Double]?, diagnostics: FitDiagnostics, model: any NoPurchaseProbabilityModel
            let make: @Sendable ([Double]) -> any NoPurchaseProbabilityModel
            switch candidate {
            case .betaGeo:
                let f = BetaGeoModel.fit(data)
                names = ["r", "α (weeks)", "a", "b"]; values = [f.r, f.alpha, f.a, f.b]
                ses = f.standardErrors.map { [$0.r, $0.alpha, $0.a, $0.b] }; diagnostics = f.diagnostics; model = f.model
                make = { p in BetaGeoModel(r: exp(p[0]), alpha: exp(p[1]), a: exp(p[2]), b: exp(p[3])) }
            case .modifiedBetaGeo:
                let f = ModifiedBetaGeoModel.fit(data)
                names = ["r", "α (weeks)", "a", "b"]; values = [f.r, f.alpha, f.a, f.b]
                ses = f.standardErrors.map { [$0.r, $0.alpha, $0.a, $0.b] }; diagnostics = f.diagnostics; model = f.model
                make = { p in ModifiedBetaGeoModel(r: exp(p[0]), alpha: exp(p[1]), a: exp(p[2]), b: exp(p[3])) }
            default:
                let f = ParetoNBDModel.fit(data, maxEvaluations: paretoEvaluations)
                names = ["r", "α (weeks)", "s", "β (weeks)"]; values = [f.r, f.alpha, f.s, f.beta]
                ses = f.standardErrors.map { [$0.r, $0.alpha, $0.s, $0.beta] }; diagnostics = f.diagnostics; model = f.model
                make = { p in ParetoNBDModel(r: exp(p[0]), alpha: exp(p[1]), s: exp(p[2]), beta: exp(p[3])) }
            }
            let params = (0..<names.count).map { (names[$0], values[$0], ses?[$0]) }
            let reason = identificationProblem(names: names, values: values, standardErrors: ses, diagnostics: diagnostics)
            let usable = values.allSatisfy { $0.isFinite && $0 > 0 }
            return Fitted(model: usable ? .btyd(model) : nil, identified: reason == nil, reason: reason, parameters: params,
                          logParameters: usable ? values.map { log($0) } : [], logCovariance: diagnostics.logCovariance, make: make)
        }
    }

    /// A fit failure in words for a reader: the optimiser's own text (which may carry gradient norms) is not shown.
    static func readerReason(_ failure: String) -> String {
        let lower = failure.lowercased()
        if lower.contains("repeat purchase") || lower.contains("no customer") { return failure }
        return "the data do not pin its parameters down"
    }

    /// The identifiability rule for a BTYD fit (see the type's comment); nil when identified.
    public static func identificationProblem(names: [String], values: [Double], standardErrors: [Double]?,
                                             diagnostics: FitDiagnostics) -> String? {
        if !values.allSatisfy({ $0.isFinite && $0 > 0 }) {
            return "the model could not be fitted: " + (diagnostics.failureReason.map(readerReason) ?? "its parameters are not finite")
        }
        if !diagnostics.converged {
            return "the fit did not settle on an optimum (the likelihood is too flat in some direction: the data do not pin the parameters down)"
        }
        for (n, v) in zip(names, values) where v < parameterBounds.0 || v > parameterBounds.1 {
            return "parameter \(n) ran off to \(v < parameterBounds.0 ? "zero" : "infinity") (\(DisplayFormat.compact(v))): the data do not pin it down"
        }
        guard let se = standardErrors, se.count == values.count, se.allSatisfy({ $0.isFinite }) else {
            return "its standard errors are undefined (the observed information matrix is not positive definite): the data do not pin the parameters down"
        }
        for i in 0..<values.count where se[i] > maxRelativeStandardError * values[i] {
            return "the standard error of \(names[i]) is \(Int((se[i] / values[i]).rounded())) times its estimate: the data do not pin it down"
        }
        return nil
    }
}
