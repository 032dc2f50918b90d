import Foundation

/// Scores of probabilistic predictions of a binary outcome (here: "no order in the next H days" = 1).
///
/// - Log-loss: -mean(y log p + (1-y) log(1-p)), p clipped to [1e-15, 1 - 1e-15] (as scikit-learn's log_loss).
/// - AUC: the Mann-Whitney U statistic with mid-ranks for ties, U / (n₁ n₀) = P(score of a positive > score of a
///   negative) + ½ P(tie) (Hanley & McNeil 1982); nil when one class is empty.
/// - Brier score: mean (p - y)² (Brier 1950).
/// - Calibration table: customers sorted by predicted probability, cut into ten groups of (nearly) equal size
///   (group k holds the rows ⌊k n/10⌋ ..< ⌊(k+1) n/10⌋ of the sorted order); per group the mean predicted
///   probability, the observed rate and the count.
public struct ChurnMetrics: Sendable, Equatable {
    public struct CalibrationBin: Sendable, Equatable {
        public var meanPredicted: Double
        public var observedRate: Double
        public var count: Int
    }

    public var count: Int
    public var logLoss: Double
    public var auc: Double?
    public var brier: Double
    /// Share of positives (no order in H).
    public var positiveRate: Double
    public var calibration: [CalibrationBin]

    /// Scores `predicted` (probabilities of outcome 1) against `outcome` (true = 1).
    public init(predicted: [Double], outcome: [Bool], bins: Int = 10) {
        precondition(predicted.count == outcome.count)
        count = predicted.count
        logLoss = ChurnMetrics.logLoss(predicted: predicted, outcome: outcome)
        auc = ChurnMetrics.auc(score: predicted, outcome: outcome)
        brier = ChurnMetrics.brier(predicted: predicted, outcome: outcome)
        positiveRate = count == 0 ? .nan : Double(outcome.filter { $0 }.count) / Double(count)
        calibration = ChurnMetrics.calibrationTable(predicted: predicted, outcome: outcome, bins: bins)
    }

    public static func logLoss(predicted: [Double], outcome: [Bool]) -> Double {
        guard !predicted.isEmpty else { return .nan }
        var sum = 0.0
        for (p, y) in zip(predicted, outcome) {
            let q = min(1 - 1e-15, max(1e-15, p.isNaN ? 0.5 : p))
            sum -= y ? log(q) : log1p(-q)
        }
        return sum / Double(predicted.count)
    }

    public static func brier(predicted: [Double], outcome: [Bool]) -> Double {
        guard !predicted.isEmpty else { return .nan }
        var sum = 0.0
        for (p, y) in zip(predicted, outcome) { let d = p - (y ? 1 : 0); sum += d * d }
        return sum / Double(predicted.count)
    }

    /// Mann-Whitney AUC with mid-ranks; nil when there are no positives or no negatives.
    public static func auc(score: [Double], outcome: [Bool]) -> Double? {
        let n = score.count
        let positives = outcome.filter { $0 }.count, negatives = n - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = (0..<n).sorted { score[$0] < score[$1] }
        var rankSumPositives = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && score[order[j + 1]] == score[order[i]] { j += 1 }
            let midRank = Double(i + j) / 2 + 1
            for k in i...j where outcome[order[k]] { rankSumPositives += midRank }
            i = j + 1
        }
        let u = rankSumPositives - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }

    public static func calibrationTable(predicted: [Double], outcome: [Bool], bins: Int = 10) -> [CalibrationBin] {
        let n = predicted.count
        guard n > 0, bins > 0 else { return [] }
        let order = (0..<n).sorted { predicted[$0] < predicted[$1] || (predicted[$0] == predicted[$1] && $0 < $1) }
        var table: [CalibrationBin] = []
        for k in 0..<bins {
            let lo = k * n / bins, hi = (k + 1) * n / bins
            guard hi > lo else { continue }
            var sp = 0.0, sy = 0.0
            for idx in order[lo..<hi] { sp += predicted[idx]; sy += outcome[idx] ? 1 : 0 }
            table.append(CalibrationBin(meanPredicted: sp / Double(hi - lo), observedRate: sy / Double(hi - lo), count: hi - lo))
        }
        return table
    }
}
