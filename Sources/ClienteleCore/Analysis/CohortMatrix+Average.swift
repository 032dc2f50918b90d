extension CohortMatrix {
    /// One point of the average retention curve.
    public struct AveragePoint: Sendable, Equatable {
        public var offset: Int
        /// Customers active at the offset, over the cohorts counted.
        public var active: Int
        /// Customers of the cohorts counted (their cohort sizes).
        public var size: Int
        /// Number of cohorts counted.
        public var cohorts: Int = 0
        public var rate: Double? { ExactRatio.value(active, size) }
    }

    /// Whether period index `i` is not over on the data's last day (the as-of date is still in it).
    public func isIncomplete(index: Int, asOf: Int) -> Bool { period.index(ofDay: asOf) == index }

    /// The fewest cohorts an offset of the pages' average retention curve must be observed in (complete): an offset
    /// seen in only one or two cohorts (the oldest) would otherwise drive the end of the curve.
    public static let minCohortsPerOffset = 3

    /// Average retention at each offset, weighted by cohort size, over the cohorts whose period at that offset is
    /// over (offset 0 always counts), leaving out the rows in `excluding`; an offset observed in fewer than
    /// `minCohorts` cohorts is left out. The defaults (every cohort, any count) are the plain average; the pages, the report and the recommendations use
    /// `minCohortsPerOffset` and leave out a first cohort inflated by data that starts mid-history.
    public func averageRetention(asOf: Int, minCohorts: Int = 1, excluding: Set<Int> = []) -> [AveragePoint] {
        guard maxOffset >= 0 else { return [] }
        return (0...maxOffset).compactMap { k in
            var active = 0, size = 0, cohorts = 0
            for (row, c) in cohortIndex.enumerated() where k < counts[row].count && !excluding.contains(row) {
                if k > 0 && isIncomplete(index: c + k, asOf: asOf) { continue }
                active += counts[row][k]; size += counts[row][0]; cohorts += 1
            }
            return size == 0 || cohorts < minCohorts ? nil : AveragePoint(offset: k, active: active, size: size, cohorts: cohorts)
        }
    }

    /// The offset k where average retention falls most from k - 1 to k, with the rates before and after.
    public func biggestDropOff(asOf: Int, minCohorts: Int = 1, excluding: Set<Int> = []) -> (offset: Int, before: Double, after: Double)? {
        let avg = averageRetention(asOf: asOf, minCohorts: minCohorts, excluding: excluding)
        var best: (Int, Double, Double)?
        for i in avg.indices.dropFirst() {
            guard avg[i].offset == avg[i - 1].offset + 1, let r0 = avg[i - 1].rate, let r1 = avg[i].rate else { continue }
            if best == nil || r0 - r1 > best!.1 - best!.2 { best = (avg[i].offset, r0, r1) }
        }
        return best.map { (offset: $0.0, before: $0.1, after: $0.2) }
    }
}

extension Analysis {
    /// An upgrade path between adjacent value tiers.
    public struct TierGap: Sendable, Equatable {
        public var from: ValueTier
        public var to: ValueTier
        /// Difference of revenue per customer (upper tier minus lower tier), money units.
        public var averageGap: Int64
        /// The upper tier's entry revenue (its lowest monetary).
        public var threshold: Int64
        /// Rows of the lower tier with monetary at least `nearShare` of the threshold.
        public var nearRows: [Int]
        /// Sum over those rows of (threshold - monetary).
        public var revenueToLift: Int64
    }

    /// For each pair of adjacent tiers with customers: the gap in revenue per customer, and the lower tier's
    /// customers whose revenue is at least `nearShare` (default 80%) of the upper tier's entry revenue, with the
    /// revenue it would take to lift them all to it. Exact: m >= nearShare x threshold is tested on integers.
    public func tierGaps(nearSharePercent: Int = 80) -> [TierGap] {
        let order: [ValueTier] = [.bronze, .silver, .gold, .platinum]
        var gaps: [TierGap] = []
        for i in 0..<3 {
            guard let lo = tiers.first(where: { $0.tier == order[i] }), let hi = tiers.first(where: { $0.tier == order[i + 1] }),
                  lo.customers > 0, hi.customers > 0, let threshold = hi.minMonetary else { continue }
            let avgLo = Money.divideRoundingHalfEven(lo.revenue, by: Int64(lo.customers))
            let avgHi = Money.divideRoundingHalfEven(hi.revenue, by: Int64(hi.customers))
            var near: [Int] = []
            // In Int128: many customers each short of the threshold can add up past what line sums are limited to.
            var lift: Int128 = 0
            for r in 0..<table.count where tier[r] == order[i] {
                let m = table.monetary[r]
                if m < threshold, Int128(m) * 100 >= Int128(threshold) * Int128(nearSharePercent) { near.append(r); lift += Int128(threshold) - Int128(m) }
            }
            gaps.append(TierGap(from: order[i], to: order[i + 1], averageGap: avgHi - avgLo, threshold: threshold,
                                nearRows: near, revenueToLift: Money.clamped(lift)))
        }
        return gaps
    }
}
