/// RFM scores (ANALYTICS.md section 3): tie-consistent, order-independent quintiles.
public struct RFMScores: Sendable {
    public var r: [UInt8]
    public var f: [UInt8]
    public var m: [UInt8]
    /// L_i for monetary (customers with strictly smaller monetary), reused by value tiers.
    public var monetaryLess: [Int]

    public init(r: [UInt8], f: [UInt8], m: [UInt8], monetaryLess: [Int]) {
        self.r = r
        self.f = f
        self.m = m
        self.monetaryLess = monetaryLess
    }

    public init(table: CustomerTable) {
        let n = table.count
        let negRecency = (0..<n).map { -Int64(table.recencyDays($0)) }
        r = RFMScores.scores(RFMScores.lessCounts(negRecency), n)
        f = RFMScores.scores(RFMScores.lessCounts(table.frequency.map(Int64.init)), n)
        monetaryLess = RFMScores.lessCounts(table.monetary)
        m = RFMScores.scores(monetaryLess, n)
    }

    /// L_i = number of values strictly less than values[i].
    public static func lessCounts(_ values: [Int64]) -> [Int] {
        let sorted = values.sorted()
        return sorted.withUnsafeBufferPointer { s in
            values.map { v in
                var lo = 0, hi = s.count
                while lo < hi { let mid = (lo + hi) >> 1; if s[mid] < v { lo = mid + 1 } else { hi = mid } }
                return lo
            }
        }
    }

    /// score = 1 + floor(5 L / n).
    public static func scores(_ less: [Int], _ n: Int) -> [UInt8] {
        less.map { UInt8(1 + (5 * $0) / n) }
    }

    public func rfmScore(_ row: Int) -> String { "\(r[row])\(f[row])\(m[row])" }
}

/// RFM segments on R and F scores (ANALYTICS.md section 4).
public enum Segment: String, CaseIterable, Sendable, Codable {
    case champions = "Champions"
    case loyal = "Loyal Customers"
    case potentialLoyalists = "Potential Loyalists"
    case newCustomers = "New Customers"
    case promising = "Promising"
    case needAttention = "Need Attention"
    case aboutToSleep = "About To Sleep"
    case atRisk = "At Risk"
    case cantLose = "Can't Lose Them"
    case hibernating = "Hibernating"

    /// The segment of an (R, F) pair; every pair maps to exactly one segment.
    public static func of(r: UInt8, f: UInt8) -> Segment {
        switch (r, f) {
        case (5, 4...5): return .champions
        case (3...4, 4...5): return .loyal
        case (4...5, 2...3): return .potentialLoyalists
        case (5, 1): return .newCustomers
        case (4, 1): return .promising
        case (3, 3): return .needAttention
        case (3, 1...2): return .aboutToSleep
        case (1...2, 3...4): return .atRisk
        case (1...2, 5): return .cantLose
        default: return .hibernating   // (1...2, 1...2)
        }
    }
}

/// Value tiers on monetary (ANALYTICS.md section 5), with p = L / n.
public enum ValueTier: String, CaseIterable, Sendable, Codable {
    case platinum = "Platinum", gold = "Gold", silver = "Silver", bronze = "Bronze"

    /// Exact comparisons: p >= 0.95 <=> 20 L >= 19 n, and so on.
    public static func of(less: Int, n: Int) -> ValueTier {
        if 20 * less >= 19 * n { return .platinum }
        if 5 * less >= 4 * n { return .gold }
        if 2 * less >= n { return .silver }
        return .bronze
    }
}
