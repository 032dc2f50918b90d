/// A cohort matrix (ANALYTICS.md section 8) for months, ISO weeks or quarters.
///
/// One row per cohort with at least one customer; row c has columns k = 0 ... (last period - c), where the last
/// period is the one of the latest order. Cells after the last period do not exist (empty, not zero).
public struct CohortMatrix: Sendable {
    public var period: CohortPeriod
    /// Period index of each row's cohort (consecutive indices, see ``CohortPeriod/index(ofDay:)``).
    public var cohortIndex: [Int] = []
    /// Period index of the latest order.
    public var lastIndex: Int = 0
    /// `counts[row][k]`: customers of the cohort active in period cohort + k; `counts[row][0]` is the cohort size.
    public var counts: [[Int]] = []
    /// `revenue[row][k]`: net revenue (money units) of the cohort's valid lines dated in period cohort + k.
    public var revenue: [[Int64]] = []

    public var labels: [String] { cohortIndex.map { period.label(ofIndex: $0) } }
    public var sizes: [Int] { counts.map { $0[0] } }
    public var maxOffset: Int { counts.map(\.count).max().map { $0 - 1 } ?? -1 }

    /// `retention_rate[row][k]` = counts[row][k] / counts[row][0].
    public func rate(_ row: Int, _ k: Int) -> Double? {
        ExactRatio.value(counts[row][k], counts[row][0])
    }

    /// `latestOrderDay` overrides the day that ends the matrix (default: the latest order of `table`); a
    /// customer-subset analysis passes its parent's, so that a subset's inactivity in recent periods shows as 0.
    public init(table: CustomerTable, lines: OrderLines, period: CohortPeriod, latestOrderDay: Int32? = nil) {
        self.period = period
        let n = table.count
        guard n > 0 else { return }
        // Period of each day, via a table over the span of days.
        var minDay = Int32.max, maxDay = Int32.min
        for d in table.orderDay { minDay = min(minDay, d); maxDay = max(maxDay, d) }
        for seg in lines.segments { for d in seg.day where d < table.asOf { minDay = min(minDay, d); maxDay = max(maxDay, d) } }
        if let given = latestOrderDay { maxDay = max(maxDay, given) }
        let base = Int(minDay)
        let periodOfDay = (base...Int(maxDay)).map { period.index(ofDay: $0) }
        @inline(__always) func p(_ day: Int32) -> Int { periodOfDay[Int(day) - base] }

        let cohortOfRow = (0..<n).map { p(table.firstPurchase[$0]) }
        var latest = Int32.min
        for d in table.lastPurchase where d > latest { latest = d }
        if let given = latestOrderDay { latest = max(latest, given) }
        lastIndex = p(latest)
        let distinctCohorts = Array(Set(cohortOfRow)).sorted()
        cohortIndex = distinctCohorts
        var rowOfCohort: [Int: Int] = [:]
        for (i, c) in distinctCohorts.enumerated() { rowOfCohort[c] = i }
        counts = distinctCohorts.map { [Int](repeating: 0, count: lastIndex - $0 + 1) }
        revenue = distinctCohorts.map { [Int64](repeating: 0, count: lastIndex - $0 + 1) }
        let matrixRow = cohortOfRow.map { rowOfCohort[$0]! }

        // Distinct active periods per customer: group orders by customer (counting sort), then deduplicate.
        var start = [Int](repeating: 0, count: n + 1)
        for r in table.orderRow { start[Int(r) + 1] += 1 }
        for i in 0..<n { start[i + 1] += start[i] }
        var fill = start
        var grouped = [Int](repeating: 0, count: table.orders)
        for i in 0..<table.orders {
            let r = Int(table.orderRow[i])
            grouped[fill[r]] = p(table.orderDay[i])
            fill[r] += 1
        }
        var buffer: [Int] = []
        for r in 0..<n {
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: grouped[start[r]..<start[r + 1]])
            buffer.sort()
            let row = matrixRow[r], c = cohortOfRow[r]
            var previous = Int.min
            for q in buffer where q != previous {
                counts[row][q - c] += 1
                previous = q
            }
        }
        // Revenue of the cohort's valid lines (cancellations included) dated inside the matrix.
        for seg in lines.segments {
            for j in 0..<seg.count {
                let code = seg.customer[j]
                if code < 0 || seg.day[j] >= table.asOf { continue }
                let r = table.rowOfCode[Int(code)]
                if r < 0 { continue }
                let k = p(seg.day[j]) - cohortOfRow[Int(r)]
                let row = matrixRow[Int(r)]
                if k >= 0 && k < revenue[row].count { revenue[row][k] += seg.revenue[j] }
            }
        }
    }
}
