/// Revenue concentration (ANALYTICS.md section 7) on v_i = max(monetary_i, 0).
public struct Concentration: Sendable, Codable {
    /// Shares held by the top 1%, 5%, 10%, 20% of customers (nil when the sum of v is 0).
    public var top1: Double?
    public var top5: Double?
    public var top10: Double?
    public var top20: Double?
    /// L(p) for p = 0...100: share held by the smallest ceil(p n / 100) values.
    public var lorenz: [Double?]
    public var gini: Double?

    public init(monetary: [Int64]) {
        let n = monetary.count
        let v = monetary.map { max($0, 0) }.sorted()   // ascending
        var prefix = [Int64](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + v[i] }
        let total = prefix[n]
        func topShare(_ percent: Int) -> Double? {
            let k = (percent * n + 99) / 100   // ceil(k% x n)
            return ExactRatio.value(total - prefix[n - k], total)
        }
        top1 = topShare(1); top5 = topShare(5); top10 = topShare(10); top20 = topShare(20)
        lorenz = (0...100).map { p in ExactRatio.value(prefix[(p * n + 99) / 100], total) }
        // Gini = (2 sum i v_(i)) / (n sum v) - (n + 1) / n = (2 sum i v_(i) - (n + 1) sum v) / (n sum v).
        var weighted: Int128 = 0
        for i in 0..<n { weighted += Int128(i + 1) * Int128(v[i]) }
        let numerator = 2 * weighted - Int128(n + 1) * Int128(total)
        gini = n == 0 ? nil : ExactRatio.value(numerator, Int128(n) * Int128(total))
    }
}
