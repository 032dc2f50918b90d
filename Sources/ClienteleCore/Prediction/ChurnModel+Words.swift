import Foundation

/// Sentences and tables about a ``ChurnModel`` shared by the churn page, the report and `predict`: each is
/// generated from the model's own numbers.
extension ChurnModel {
    /// One candidate's holdout figures, formatted for a table.
    public struct CandidateRow: Sendable {
        public var candidate: ChurnCandidate
        public var chosen: Bool
        public var valueModel: Bool
        public var identified: Bool
        /// "identified", or why not, in words.
        public var status: String
        public var logLoss: Double?
        public var auc: Double?
        public var brier: Double?
        public var meanPredicted: Double?
        public var purchasesMAE: Double?
        /// Seconds to fit and score the candidate on the holdout.
        public var seconds: Double
    }

    /// Every candidate, the chosen one first, then by log-loss (not identified last).
    public var candidateRows: [CandidateRow] {
        guard let s = selection else { return [] }
        let rows = s.results.map { r -> CandidateRow in
            let mean = r.metrics.map { m in m.calibration.reduce(0.0) { $0 + $1.meanPredicted * Double($1.count) } / Double(max(1, m.count)) }
            return CandidateRow(candidate: r.candidate, chosen: r.candidate == riskModel, valueModel: r.candidate == valueModel,
                                identified: r.identified, status: r.identified ? "identified" : "not identified: \(r.reason ?? "")",
                                logLoss: r.metrics?.logLoss, auc: r.metrics?.auc, brier: r.metrics?.brier, meanPredicted: mean,
                                purchasesMAE: r.purchases?.meanAbsoluteError, seconds: r.seconds)
        }
        return rows.sorted { a, b in
            if a.chosen != b.chosen { return a.chosen }
            if a.identified != b.identified { return a.identified }
            return (a.logLoss ?? .infinity) < (b.logLoss ?? .infinity)
        }
    }

    /// What the holdout was, in words: "the 90 days after 1997-09-30 (2,357 customers known then; 84.1% placed no order)".
    public var holdoutWords: String? {
        guard let s = selection else { return nil }
        return "the \(s.horizonDays) days after \(DisplayFormat.date(s.calibrationDay)) (\(DisplayFormat.integer(s.customers)) customers known then; \(DisplayFormat.percent(s.noOrderRate)) placed no order)"
    }

    /// How the risk was chosen and how well it did, in one or two sentences (or why there is no risk).
    public var choiceSentence: String {
        guard usable, let chosen = riskModel else {
            return "No churn risk is shown: \(unusableReason)."
        }
        var text = "Churn risk is the \(riskWords), from \(chosen.rawValue)"
        if let s = selection, let r = validation, let m = r.metrics {
            let scope = validationScope.map { " (validated on \($0), not refitted for this check)" } ?? ""
            let base = s.result(.baseline)?.metrics
            let better = chosen == .baseline ? "no candidate beat the baseline, so the baseline is used"
                : "the identified candidate with the lowest holdout log-loss: \(DisplayFormat.decimal(m.logLoss, digits: 3)) against the baseline's \(base.map { DisplayFormat.decimal($0.logLoss, digits: 3) } ?? "—")"
            let mean = candidateRows.first { $0.candidate == chosen }?.meanPredicted
            text += ", \(better). Checked on \(holdoutWords ?? "a holdout")\(scope): AUC \(m.auc.map { DisplayFormat.decimal($0, digits: 2) } ?? "—"), Brier \(DisplayFormat.decimal(m.brier, digits: 3)); it predicted \(mean.map { DisplayFormat.percent($0) } ?? "—") on average"
        }
        text += "."
        if let riskNote { text += " " + riskNote }
        return text
    }

    /// Where expected orders and value come from, in a sentence (or why they are not shown).
    public var valueSentence: String {
        guard valueUsable, let v = valueModel else { return "Expected orders and customer value are not shown: \(valueProblem ?? "no model")." }
        var text = "Expected orders come from \(v.rawValue), the identified buy-till-you-die model with the lowest holdout error in purchases per customer"
        if let p = valueValidation?.purchases {
            text += " (\(DisplayFormat.decimal(p.meanAbsoluteError, digits: 3)); it predicted \(DisplayFormat.integer(rounding: p.predictedTotal)) purchase days against \(DisplayFormat.integer(p.actualTotal)) actual)"
        }
        text += "; order values from Gamma-Gamma on repeat orders (one-order customers: conditioned on their first purchase day as one observation); value over \(options.horizonMonths) months discounted at \(DisplayFormat.percent(options.monthlyDiscountRate, digits: 0)) a month, with 80% intervals from the parameters' uncertainty."
        return text
    }
}
