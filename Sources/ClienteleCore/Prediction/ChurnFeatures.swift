import Foundation

/// Per-customer order histories and the behavioural features of the churn classifier and the baseline.
///
/// A history is the customer's order days (day numbers, e.g. days since 1970-01-01) with the amount of each; orders
/// on the same day count as one order (as in the buy-till-you-die summaries, which count distinct purchase days).
/// Everything is computed "as of" a cut-off day c from the orders on or before c only.
///
/// Features as of c, for a customer with n >= 1 orders on days d₁ < ... < dₙ <= c:
///
///  0. log(1 + recency), recency = c - dₙ (days since the last order)
///  1. log n (orders so far)
///  2. log(1 + mean amount per order)
///  3. log(1 + tenure), tenure = c - d₁
///  4. log(usual gap), the usual gap being the median of the gaps dₖ₊₁ - dₖ (0 for one-order customers)
///  5. log((1 + recency) / (1 + usual gap)): the current gap relative to the usual one (0 for one-order customers)
///  6. recent trend log((1 + orders in (c-90, c]) / (1 + orders in (c-180, c-90]))
///  7. one-order flag (1 when n = 1: the usual gap is undefined)
///  8. one-order flag × log(1 + recency) (a separate recency slope for one-order customers)
public struct OrderHistory: Sendable, Equatable {
    /// Distinct order days, ascending.
    public private(set) var days: [Int]
    /// Amount per order day (orders of the same day summed).
    public private(set) var amounts: [Double]

    /// `days` in any order, with one amount per order (default 0); orders of the same day are merged.
    public init(days: [Int], amounts: [Double]? = nil) {
        let a = amounts ?? [Double](repeating: 0, count: days.count)
        precondition(a.count == days.count, "one amount per order")
        let order = days.indices.sorted { days[$0] < days[$1] }
        var d: [Int] = [], m: [Double] = []
        for i in order {
            if let last = d.last, last == days[i] { m[m.count - 1] += a[i] } else { d.append(days[i]); m.append(a[i]) }
        }
        self.days = d; self.amounts = m
    }

    /// Days already distinct and ascending, one amount each (no checks beyond a debug assertion).
    init(sortedDays: [Int], amounts: [Double]) {
        assert(zip(sortedDays, sortedDays.dropFirst()).allSatisfy { $0 < $1 } && amounts.count == sortedDays.count)
        days = sortedDays; self.amounts = amounts
    }

    /// Number of order days on or before `day`.
    public func orders(through day: Int) -> Int {
        var lo = 0, hi = days.count
        while lo < hi { let mid = (lo + hi) / 2; if days[mid] <= day { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// True when the customer placed an order in (from, through].
    public func ordered(after from: Int, through: Int) -> Bool { orders(through: through) > orders(through: from) }

    /// (x, t_x, T) as of `cutoff` in days: repeat order days, last minus first order day, cutoff minus first order
    /// day; nil when the first order is after the cut-off.
    public func summary(asOf cutoff: Int) -> (x: Int, tx: Int, T: Int)? {
        let n = orders(through: cutoff)
        guard n > 0 else { return nil }
        return (n - 1, days[n - 1] - days[0], cutoff - days[0])
    }
}

public enum ChurnFeatures {
    public static let names = ["log(1 + days since last order)", "log(orders)", "log(1 + mean amount per order)",
                               "log(1 + days since first order)", "log(usual gap)", "log(current gap / usual gap)",
                               "trend: log((1 + orders in last 90 days) / (1 + orders in the 90 before))",
                               "one order only", "one order only × log(1 + days since last order)"]

    /// The quantities the features are made of, as of a cut-off day.
    public struct CustomerState: Sendable, Equatable {
        public var orders: Int
        public var recencyDays: Int
        public var tenureDays: Int
        public var meanAmount: Double
        /// Median gap between consecutive orders in days; nil for one-order customers.
        public var usualGapDays: Double?
        public var ordersLast90: Int
        public var ordersPrevious90: Int
    }

    public static func state(_ h: OrderHistory, asOf c: Int) -> CustomerState? {
        let n = h.orders(through: c)
        guard n > 0 else { return nil }
        var total = 0.0
        for i in 0..<n { total += h.amounts[i] }
        var gap: Double? = nil
        if n >= 2 {
            let gaps = (1..<n).map { Double(h.days[$0] - h.days[$0 - 1]) }.sorted()
            let m = gaps.count
            gap = m % 2 == 1 ? gaps[m / 2] : (gaps[m / 2 - 1] + gaps[m / 2]) / 2
        }
        return CustomerState(orders: n, recencyDays: c - h.days[n - 1], tenureDays: c - h.days[0], meanAmount: total / Double(n),
                        usualGapDays: gap, ordersLast90: n - h.orders(through: c - 90),
                        ordersPrevious90: h.orders(through: c - 90) - h.orders(through: c - 180))
    }

    /// The feature vector (see the file's comment); nil when the customer has no order on or before `c`.
    public static func features(_ h: OrderHistory, asOf c: Int) -> [Double]? {
        guard let s = state(h, asOf: c) else { return nil }
        let logRecency = log1p(Double(s.recencyDays))
        let one = s.usualGapDays == nil ? 1.0 : 0.0
        let logGap = s.usualGapDays.map { log($0) } ?? 0
        let ratio = s.usualGapDays.map { log((1 + Double(s.recencyDays)) / (1 + $0)) } ?? 0
        return [logRecency, log(Double(s.orders)), log1p(max(0, s.meanAmount)), log1p(Double(s.tenureDays)), logGap, ratio,
                log(Double(1 + s.ordersLast90) / Double(1 + s.ordersPrevious90)), one, one * logRecency]
    }
}

/// The baseline every churn candidate must beat: P(no order in H) from the days since the last order relative to
/// the customer's usual gap, ρ = (1 + recency) / (1 + usual gap), as a logistic regression
///
///     P(no order in H) = σ(β₀ + β₁ log ρ + β₂ · one-order flag)
///
/// For one-order customers (no usual gap of their own) the usual gap is the median usual gap of the training
/// customers with two or more orders, so log ρ is still "days since the last order relative to a usual gap" and
/// the flag lets them differ. Fitted on the training split with a negligible L2 penalty (1e-4, for finiteness on
/// separable data).
public struct ChurnBaseline: Sendable, Equatable {
    public var populationGapDays: Double
    public var regression: LogisticRegression

    public func features(_ h: OrderHistory, asOf c: Int) -> [Double]? {
        guard let s = ChurnFeatures.state(h, asOf: c) else { return nil }
        let gap = s.usualGapDays ?? populationGapDays
        return [log((1 + Double(s.recencyDays)) / (1 + gap)), s.usualGapDays == nil ? 1 : 0]
    }

    public func probabilityNoOrder(_ h: OrderHistory, asOf c: Int) -> Double? {
        features(h, asOf: c).map(regression.probability)
    }

    /// Fits on the customers with an order on or before `cutoff`, labelled by "no order in (cutoff, cutoff + H]".
    public static func fit(_ histories: [OrderHistory], cutoff: Int, horizon: Int) -> ChurnBaseline {
        var gaps: [Double] = []
        for h in histories { if let g = ChurnFeatures.state(h, asOf: cutoff)?.usualGapDays { gaps.append(g) } }
        gaps.sort()
        let median = gaps.isEmpty ? Double(horizon) : (gaps.count % 2 == 1 ? gaps[gaps.count / 2] : (gaps[gaps.count / 2 - 1] + gaps[gaps.count / 2]) / 2)
        var model = ChurnBaseline(populationGapDays: median,
                                  regression: LogisticRegression(intercept: 0, coefficients: [0, 0], means: [0, 0], scales: [1, 1],
                                                                 lambda: 1e-4, iterations: 0, converged: true))
        var rows: [[Double]] = [], labels: [Bool] = []
        for h in histories {
            guard let f = model.features(h, asOf: cutoff) else { continue }
            rows.append(f); labels.append(!h.ordered(after: cutoff, through: cutoff + horizon))
        }
        if !rows.isEmpty { model.regression = LogisticRegression.fit(rows: rows, outcome: labels, lambda: 1e-4) }
        return model
    }
}
