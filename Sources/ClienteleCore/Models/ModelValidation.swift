import Foundation

/// Holdout validation of a transaction model fitted on the calibration period of an ``PurchaseSummary``
/// (ANALYTICS.md section 9): predicted E[Y(t) | x, t_x, T] over the holdout length t against the actual distinct
/// purchase days in the holdout, as in Fader, Hardie & Lee (2005, Marketing Science) section 4 (their figure 4
/// compares the conditional expectations by frequency bucket).
public struct HoldoutValidation: Sendable {
    /// One calibration-frequency group (x = 0 ... 6, and 7+).
    public struct Bucket: Sendable {
        public var label: String
        public var customers: Int
        public var predicted: Double
        public var actual: Int
        public var meanPredicted: Double { customers == 0 ? 0 : predicted / Double(customers) }
        public var meanActual: Double { customers == 0 ? 0 : Double(actual) / Double(customers) }
    }

    /// One decile of P(alive) (customers sorted by P(alive), ten groups of equal size).
    public struct CalibrationBin: Sendable {
        public var customers: Int
        public var meanProbabilityAlive: Double
        public var minProbabilityAlive: Double
        public var maxProbabilityAlive: Double
        /// Share of the customers who purchased again in the holdout.
        public var sharePurchasedAgain: Double
    }

    public var customers: Int
    /// Holdout length in the model's time unit.
    public var holdoutLength: Double
    public var predictedTotal: Double
    public var actualTotal: Int
    public var buckets: [Bucket]
    /// Mean |predicted - actual| per customer.
    public var meanAbsoluteError: Double
    /// Root mean squared error per customer.
    public var rootMeanSquaredError: Double
    /// Area under the ROC curve of P(alive) as a score for "purchased again in the holdout" (Mann-Whitney U with
    /// mid-ranks for ties); nil when every customer or no customer purchased again.
    public var auc: Double?
    /// AUC of the predicted holdout purchases as a score for the same outcome. Under BG/NBD every customer
    /// without repeat purchases has P(alive) = 1, so P(alive) ranks them above everyone (they rarely come back);
    /// the expected purchases do not have that artefact.
    public var aucExpectedPurchases: Double?
    public var calibration: [CalibrationBin]
    /// Per customer (summary rows): predicted holdout purchases and P(alive) at the end of calibration.
    public var predicted: [Double]
    public var probabilityAlive: [Double]

    /// Validates `model` (fitted on `summary`'s calibration data) against `summary`'s holdout purchases.
    public init(model: any PurchaseModel, summary: PurchaseSummary) {
        let n = summary.count
        let t = summary.holdoutLength
        let rows = FitSupport.chunked(n, minimumPerChunk: 2048) { range -> [(Double, Double)] in
            range.map { i in
                let x = summary.x(i), tx = summary.tx(i), T = summary.age(i)
                return (model.expectedPurchases(in: t, x: x, tx: tx, T: T), model.probabilityAlive(x: x, tx: tx, T: T))
            }
        }.flatMap { $0 }
        self.init(predicted: rows.map(\.0), probabilityAlive: rows.map(\.1), actual: summary.holdoutPurchases.map(Int.init),
                  frequency: summary.repeatPurchases.map(Int.init), holdoutLength: t)
    }

    /// Validation from per-customer predictions and outcomes (any source).
    public init(predicted: [Double], probabilityAlive: [Double], actual: [Int], frequency: [Int], holdoutLength: Double) {
        let n = predicted.count
        precondition(probabilityAlive.count == n && actual.count == n && frequency.count == n)
        customers = n
        self.holdoutLength = holdoutLength
        self.predicted = predicted
        self.probabilityAlive = probabilityAlive
        predictedTotal = predicted.reduce(0, +)
        actualTotal = actual.reduce(0, +)
        buckets = (0...7).map { Bucket(label: $0 == 7 ? "7+" : String($0), customers: 0, predicted: 0, actual: 0) }
        var absolute = 0.0, squared = 0.0
        for i in 0..<n {
            let k = min(frequency[i], 7)
            buckets[k].customers += 1
            buckets[k].predicted += predicted[i]
            buckets[k].actual += actual[i]
            let e = predicted[i] - Double(actual[i])
            absolute += abs(e); squared += e * e
        }
        meanAbsoluteError = n == 0 ? 0 : absolute / Double(n)
        rootMeanSquaredError = n == 0 ? 0 : (squared / Double(n)).squareRoot()
        let positive = actual.map { $0 > 0 }
        auc = HoldoutValidation.auc(scores: probabilityAlive, positive: positive)
        aucExpectedPurchases = HoldoutValidation.auc(scores: predicted, positive: positive)
        // Deciles of P(alive).
        let order = (0..<n).sorted { probabilityAlive[$0] < probabilityAlive[$1] }
        var bins: [CalibrationBin] = []
        let groups = min(10, n)
        for g in 0..<groups {
            let lo = g * n / groups, hi = (g + 1) * n / groups
            guard hi > lo else { continue }
            var sum = 0.0, again = 0
            for j in lo..<hi { sum += probabilityAlive[order[j]]; if positive[order[j]] { again += 1 } }
            bins.append(CalibrationBin(customers: hi - lo, meanProbabilityAlive: sum / Double(hi - lo),
                                       minProbabilityAlive: probabilityAlive[order[lo]],
                                       maxProbabilityAlive: probabilityAlive[order[hi - 1]],
                                       sharePurchasedAgain: Double(again) / Double(hi - lo)))
        }
        calibration = bins
    }

    /// AUC = (R₊ - n₊(n₊+1)/2) / (n₊ n₋), R₊ the sum of the positives' mid-ranks (Mann & Whitney 1947; Hanley &
    /// McNeil 1982). Nil without positives or negatives.
    public static func auc(scores: [Double], positive: [Bool]) -> Double? {
        let n = scores.count
        let nPos = positive.reduce(0) { $0 + ($1 ? 1 : 0) }, nNeg = n - nPos
        guard nPos > 0, nNeg > 0 else { return nil }
        let order = (0..<n).sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let midRank = Double(i + j + 2) / 2   // ranks are 1-based
            for k in i...j where positive[order[k]] { rankSum += midRank }
            i = j + 1
        }
        let p = Double(nPos), q = Double(nNeg)
        return (rankSum - p * (p + 1) / 2) / (p * q)
    }
}
