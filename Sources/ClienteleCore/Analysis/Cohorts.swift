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
    /// Why the matrix is empty although there are customers: the data spans more than ``maxPeriods`` periods (a
    /// sentence for the user); nil otherwise.
    public var refusal: String?

    /// The most periods (from the first cohort to the last period) a matrix may span. The matrix, its exports and
    /// its heatmap grow with the square of the span, so a span beyond this is refused with a message rather than
    /// attempted (weekly cohorts over 38 years, monthly over 166 years, quarterly over 500 years still work).
    public static let maxPeriods = 2_000

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
        // The matrix runs from the first cohort to the period of the latest order: check its span before allocating
        // anything that grows with it.
        var firstDay = Int32.max
        for d in table.firstPurchase where d < firstDay { firstDay = d }
        var latest = Int32.min
        for d in table.lastPurchase where d > latest { latest = d }
        if let given = latestOrderDay { latest = max(latest, given) }
        let firstIndex = period.index(ofDay: Int(firstDay))
        let span = period.index(ofDay: Int(latest)) - firstIndex + 1
        guard span <= CohortMatrix.maxPeriods else {
            refusal = "the data spans \(DisplayFormat.integer(span)) \(period.pluralName) (\(CivilDate.format(Int(firstDay))) to \(CivilDate.format(Int(latest)))); \(period.adjective) cohorts are limited to \(DisplayFormat.integer(CohortMatrix.maxPeriods)) periods: \(period.remedy)"
            return
        }
        // Period of each day from the first cohort to the latest order, via a table (at most maxPeriods periods);
        // lines outside it fall outside the matrix.
        let base = Int(firstDay)
        let periodOfDay = (base...Int(latest)).map { period.index(ofDay: $0) }
        @inline(__always) func p(_ day: Int32) -> Int { periodOfDay[Int(day) - base] }
        @inline(__always) func inside(_ day: Int32) -> Bool { day >= firstDay && day <= latest }

        let cohortOfRow = (0..<n).map { p(table.firstPurchase[$0]) }
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
            grouped[fill[r]] = p(table.orderDay[i])   // order days lie between firstDay and latest
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
        for seg in lines.chunks {
            for j in 0..<seg.count {
                let code = seg.customer[j]
                if code < 0 || seg.day[j] >= table.asOf || !inside(seg.day[j]) { continue }
                let r = table.rowOfCode[Int(code)]
                if r < 0 { continue }
                let k = p(seg.day[j]) - cohortOfRow[Int(r)]
                let row = matrixRow[Int(r)]
                if k >= 0 && k < revenue[row].count { revenue[row][k] += seg.revenue[j] }
            }
        }
    }
}
