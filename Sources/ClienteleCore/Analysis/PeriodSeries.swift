/// Customer revenue, orders and customers per calendar period (month, ISO week or quarter): the time series
/// of the executive overview. Derived from the cohort matrix, so it follows ANALYTICS.md section 8: revenue is
/// the net revenue of customers' valid lines dated from their cohort period on (guest lines are not customer
/// revenue); "new" revenue is revenue in a customer's cohort period, "returning" revenue is from later periods.
public struct PeriodSeries: Sendable {
    public var period: CohortPeriod
    /// Period indices, consecutive from the first cohort to the last period.
    public var index: [Int] = []
    public var revenue: [Int64] = []
    public var newRevenue: [Int64] = []
    public var returningRevenue: [Int64] = []
    /// Customers with at least one order in the period.
    public var activeCustomers: [Int] = []
    /// Customers whose first order is in the period (cohort size).
    public var newCustomers: [Int] = []
    public var orders: [Int] = []
    /// Why the series is empty although there are customers (the cohort matrix's ``CohortMatrix/refusal``).
    public var refusal: String?

    public var labels: [String] { index.map { period.label(ofIndex: $0) } }
    public var count: Int { index.count }

    public init(analysis: Analysis, period: CohortPeriod) {
        self.period = period
        let matrix = analysis.cohorts(period)
        guard let first = zeroed(over: matrix) else { return }
        let n = count
        for (row, c) in matrix.cohortIndex.enumerated() {
            for k in 0..<matrix.counts[row].count {
                let i = c + k - first
                revenue[i] += matrix.revenue[row][k]
                activeCustomers[i] += matrix.counts[row][k]
                if k == 0 {
                    newRevenue[i] += matrix.revenue[row][k]
                    newCustomers[i] += matrix.counts[row][k]
                } else {
                    returningRevenue[i] += matrix.revenue[row][k]
                }
            }
        }
        for d in analysis.table.orderDay {
            let i = period.index(ofDay: Int(d)) - first
            if i >= 0 && i < n { orders[i] += 1 }
        }
    }
}

extension PeriodSeries {
    /// Sets the matrix's refusal and zero series over its periods (first cohort to last period); the first period
    /// index, or nil when the matrix has no cohort.
    private mutating func zeroed(over matrix: CohortMatrix) -> Int? {
        refusal = matrix.refusal
        guard let first = matrix.cohortIndex.first else { return nil }
        index = Array(first...matrix.lastIndex)
        revenue = [Int64](repeating: 0, count: index.count)
        newRevenue = revenue; returningRevenue = revenue
        activeCustomers = [Int](repeating: 0, count: index.count)
        newCustomers = activeCustomers; orders = activeCustomers
        return first
    }

    /// The series of a date-filtered analysis where "new" means the customer's first order ever (`firstOrderDay`
    /// by customer code, from the whole data set), not its first order inside the range. Revenue is the net revenue
    /// of the customers' lines in each period of the analysis.
    public init(analysis: Analysis, lines: OrderLines, period: CohortPeriod, firstOrderDayByCode firstEver: [Int32]) {
        self.period = period
        let t = analysis.table
        let matrix = analysis.cohorts(period)
        guard let first = zeroed(over: matrix) else { return }
        let last = matrix.lastIndex, n = count
        func firstPeriod(_ code: Int32) -> Int {
            let d = Int(code) < firstEver.count ? firstEver[Int(code)] : Int32.max
            return d == Int32.max ? Int.max : period.index(ofDay: Int(d))
        }
        for seg in lines.chunks {
            for j in 0..<seg.count {
                let c = seg.customer[j]
                guard c >= 0, Int(seg.day[j]) < analysis.asOf, Int(c) < t.rowOfCode.count, t.rowOfCode[Int(c)] >= 0 else { continue }
                let p = period.index(ofDay: Int(seg.day[j]))
                guard p >= first && p <= last else { continue }
                revenue[p - first] += seg.revenue[j]
                if firstPeriod(c) == p { newRevenue[p - first] += seg.revenue[j] } else { returningRevenue[p - first] += seg.revenue[j] }
            }
        }
        var seen = Set<Int>()   // (row, period) pairs already counted as active
        for i in 0..<t.orders {
            let r = Int(t.orderRow[i])
            let p = period.index(ofDay: Int(t.orderDay[i]))
            guard p >= first && p <= last else { continue }
            orders[p - first] += 1
            if seen.insert(r * n + (p - first)).inserted {
                activeCustomers[p - first] += 1
                if firstPeriod(t.idCode[r]) == p { newCustomers[p - first] += 1 }
            }
        }
    }
}
