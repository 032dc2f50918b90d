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

    public var labels: [String] { index.map { period.label(ofIndex: $0) } }
    public var count: Int { index.count }

    public init(analysis: Analysis, period: CohortPeriod) {
        self.period = period
        let matrix = analysis.cohorts(period)
        guard let first = matrix.cohortIndex.first else { return }
        let last = matrix.lastIndex
        let n = last - first + 1
        index = Array(first...last)
        revenue = [Int64](repeating: 0, count: n)
        newRevenue = revenue
        returningRevenue = revenue
        activeCustomers = [Int](repeating: 0, count: n)
        newCustomers = activeCustomers
        orders = activeCustomers
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
