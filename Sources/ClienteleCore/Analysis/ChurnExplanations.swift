import Foundation

/// A plain-words reason behind a customer's churn risk.
public struct ChurnReason: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case longGap = "long_gap", oneOrderOnly = "one_order_only", fewerOrders = "fewer_orders", lowerSpend = "lower_spend"
        public var label: String {
            switch self {
            case .longGap: return "Long silence"
            case .oneOrderOnly: return "One order only"
            case .fewerOrders: return "Fewer orders"
            case .lowerSpend: return "Lower spend"
            }
        }
    }

    public var kind: Kind
    public var text: String
    /// How much the reason moves the outlook: for `longGap`, the fall of the chance of no order if the customer had ordered one
    /// usual gap ago (model counterfactual); for the others, a data-based weight on the same 0-1 scale (see
    /// ``ChurnExplanations``).
    public var impact: Double
}

/// Reasons for every customer of an analysis, ranked by impact, and their summary per segment.
///
/// - Long gap (at least one repeat purchase day): days since the last purchase day vs the customer's usual gap
///   t_x / x; fires at 1.5x and 30 days or more (a usual gap under 5 days is described as a burst of purchases).
///   Impact = P(no order in H | actual) - P(no order in H | last purchase one usual gap before the as-of date),
///   from the value model (buy-till-you-die); without one, 1 - usual gap / days silent.
/// - One order only (no repeat purchase day): impact = the share of returning customers whose second purchase
///   day came within the days this customer has been silent (how unusual the silence is). Fires after 30 days.
/// - Fewer orders: orders in the 365 days before the as-of date vs the 365 days before that; fires when the
///   earlier year had at least 2 and the last year at most half as many. Impact = churn risk x the relative fall.
/// - Lower spend: the last order's net value vs the mean of the earlier orders; fires at a fall of 30% or more.
///   Impact = churn risk x the relative fall / 2 (spend does not move the risk; it lowers the value at stake).
///
/// Churn risk is the model's chance of no order in the next H days (``ChurnModel``).
public struct ChurnExplanations: Sendable {
    /// Reasons per analysis row, highest impact first.
    public var reasons: [[ChurnReason]]
    /// Expected revenue lost per row: churn risk x the customer's net revenue of the last 365 days x H / 365; money
    /// units. In all at most the customers' revenue of the last year scaled to H days.
    public var revenueAtRisk: [Int64]

    public struct SegmentSummary: Sendable {
        public var segment: Segment
        public var customers: Int
        /// Customers with churn risk >= 0.5.
        public var atRisk: Int
        public var revenueAtRisk: Int64
        /// Customers whose first reason is each kind.
        public var primary: [ChurnReason.Kind: Int]
    }

    public init(analysis a: Analysis, lines: OrderLines, model: ChurnModel) {
        let t = a.table
        let n = t.count
        let asOf = a.asOf
        // Orders per row in the last two years, and each order's net value (lines grouped by customer + invoice).
        var lastYear = [Int](repeating: 0, count: n), yearBefore = [Int](repeating: 0, count: n)
        for i in 0..<t.orders {
            let r = Int(t.orderRow[i]), d = Int(t.orderDay[i])
            if d >= asOf - 365 { lastYear[r] += 1 } else if d >= asOf - 730 { yearBefore[r] += 1 }
        }
        var orderValue = UInt64Map(capacity: max(1024, t.orders * 2))
        var values: [Int64] = [], valueDay: [Int32] = [], valueRow: [Int32] = []
        for seg in lines.chunks {
            for j in 0..<seg.count {
                let c = seg.customer[j]
                guard c >= 0, Int(seg.day[j]) < asOf, Int(c) < t.rowOfCode.count else { continue }
                let r = t.rowOfCode[Int(c)]
                guard r >= 0 else { continue }
                let key = UInt64(UInt32(bitPattern: c)) << 32 | UInt64(UInt32(bitPattern: seg.invoice[j]))
                let idx: Int
                if let existing = orderValue.getOrInsert(key, Int32(values.count)) { idx = Int(existing) } else {
                    idx = values.count; values.append(0); valueDay.append(seg.day[j]); valueRow.append(r)
                }
                values[idx] += seg.revenue[j]
                if seg.day[j] < valueDay[idx] { valueDay[idx] = seg.day[j] }
            }
        }
        // Per row: net revenue of the last 365 days (the revenue that stops if the customer lapses).
        var lastYearRevenue = [Int64](repeating: 0, count: n)
        for i in values.indices where Int(valueDay[i]) >= asOf - 365 { lastYearRevenue[Int(valueRow[i])] += values[i] }
        // Per row: last order value and mean of the earlier ones (orders with positive value only).
        var lastDay = [Int32](repeating: .min, count: n), lastValue = [Int64](repeating: 0, count: n)
        var sum = [Int64](repeating: 0, count: n), cnt = [Int](repeating: 0, count: n)
        for i in values.indices where values[i] > 0 {
            let r = Int(valueRow[i])
            sum[r] += values[i]; cnt[r] += 1
            if valueDay[i] > lastDay[r] || (valueDay[i] == lastDay[r] && values[i] < lastValue[r]) { lastDay[r] = valueDay[i]; lastValue[r] = values[i] }
        }
        // Gaps from the first to the second purchase day among returning customers (for one-order customers).
        // For x = 1 the gap is t_x exactly; for x >= 2 the usual gap t_x / x stands in for it.
        var secondGaps = (0..<n).compactMap { r in model.x[r] >= 1 ? Int32((Double(model.txDays[r]) / Double(model.x[r])).rounded()) : nil }
        secondGaps.sort()

        let fitted = model.usable
        let btyd = model.valueUsable ? model.valueFit?.purchaseModel : nil
        let horizon = Double(model.horizonDays)
        var reasons: [[ChurnReason]] = []
        reasons.reserveCapacity(n)
        var atRiskRevenue = [Int64](repeating: 0, count: n)
        for r in 0..<n {
            var list: [ChurnReason] = []
            let risk = fitted && model.risk[r].isFinite ? model.risk[r] : 0
            let silent = t.recencyDays(r)
            let x = Int(model.x[r])
            if x >= 1 {
                let gap = Double(model.txDays[r]) / Double(x)
                // Days since the last order as everywhere else (as-of date - last order); the model's T ends the day before.
                let sinceLast = Double(t.recencyDays(r))
                if gap > 0, sinceLast >= 30, sinceLast >= 1.5 * gap {
                    // How much lower the chance of no order in the horizon would be had the customer last ordered one
                    // usual gap ago (the value model's counterfactual); without one, the share of the silence beyond
                    // the usual gap.
                    var impact = 1 - gap / sinceLast
                    if let btyd {
                        let T = Double(model.ageDays[r]) / 7
                        let txAlt = max(Double(model.txDays[r]), Double(model.ageDays[r]) - gap) / 7
                        let now = btyd.probabilityNoPurchase(in: horizon / 7, x: Double(x), tx: Double(model.txDays[r]) / 7, T: T)
                        let then = btyd.probabilityNoPurchase(in: horizon / 7, x: Double(x), tx: txAlt, T: T)
                        if now.isFinite, then.isFinite { impact = max(0, now - then) }
                    }
                    // A usual gap of days is a burst of purchases, not a rhythm: say so instead of a silly ratio.
                    let text = gap >= 5
                        ? "No order for \(DisplayFormat.days(Int(sinceLast))), \(DisplayFormat.decimal(sinceLast / gap, digits: 1))x this customer's usual gap of \(DisplayFormat.days(Int(gap.rounded())))"
                        : "No order for \(DisplayFormat.days(Int(sinceLast))) after \(x + 1) purchase days within \(DisplayFormat.days(Int(model.txDays[r])))"
                    list.append(ChurnReason(kind: .longGap, text: text, impact: impact))
                }
            } else if silent >= 30, !secondGaps.isEmpty {
                var lo = 0, hi = secondGaps.count
                while lo < hi { let mid = (lo + hi) / 2; if secondGaps[mid] <= Int32(silent) { lo = mid + 1 } else { hi = mid } }
                let share = Double(lo) / Double(secondGaps.count)
                list.append(ChurnReason(kind: .oneOrderOnly, text: "Only one order, \(DisplayFormat.days(silent)) ago; \(DisplayFormat.percent(share)) of returning customers came back sooner than that", impact: share))
            }
            if yearBefore[r] >= 2, lastYear[r] * 2 <= yearBefore[r] {
                let fall = Double(yearBefore[r] - lastYear[r]) / Double(yearBefore[r])
                list.append(ChurnReason(kind: .fewerOrders, text: "\(lastYear[r]) order\(lastYear[r] == 1 ? "" : "s") in the last 12 months after \(yearBefore[r]) in the 12 months before", impact: risk * fall))
            }
            if cnt[r] >= 2, lastValue[r] > 0 {
                let earlierMean = Double(sum[r] - lastValue[r]) / Double(cnt[r] - 1)
                let fall = earlierMean > 0 ? 1 - Double(lastValue[r]) / earlierMean : 0
                if fall >= 0.3 {
                    list.append(ChurnReason(kind: .lowerSpend, text: "Spend per order down \(DisplayFormat.percent(fall, digits: 0)): last order \(DisplayFormat.money(lastValue[r])) vs \(DisplayFormat.money(Money.units(rounding: earlierMean))) on average before", impact: risk * fall / 2))
                }
            }
            list.sort { $0.impact > $1.impact }
            reasons.append(list)
            // The customer's revenue of the last 365 days per day x H (today's run-rate), times the chance of no order
            // in those days: the part of today's revenue that stops if it lapses. A customer silent for a year has
            // nothing left at risk (that revenue is already gone); a new customer is not assumed to repeat its first
            // order within H days (where most customers order once, that would put more at risk than they bring).
            let pace = Double(max(lastYearRevenue[r], 0)) * horizon / 365
            atRiskRevenue[r] = Money.units(rounding: risk * pace) ?? 0
        }
        self.reasons = reasons
        revenueAtRisk = atRiskRevenue
    }

    /// The first reason of a row, or, when its history shows no warning sign, what its risk rests on (a table cell is
    /// never empty).
    public func mainReason(_ r: Int, table t: CustomerTable) -> String {
        if let first = reasons[r].first { return first.text }
        let orders = Int(t.frequency[r]), days = t.recencyDays(r)
        return "No warning sign of its own: \(DisplayFormat.integer(orders)) order\(orders == 1 ? "" : "s"), the last \(DisplayFormat.days(days)) ago; the risk is what the model expects of such a history"
    }

    /// Per segment: customers, those at risk (risk >= 0.5), revenue at risk and the primary reasons.
    public func segments(_ a: Analysis, model: ChurnModel) -> [SegmentSummary] {
        Segment.allCases.map { s in
            var out = SegmentSummary(segment: s, customers: 0, atRisk: 0, revenueAtRisk: 0, primary: [:])
            for r in 0..<a.table.count where a.segment[r] == s {
                out.customers += 1
                if model.usable, model.churnRisk(r) >= 0.5 { out.atRisk += 1 }
                out.revenueAtRisk += revenueAtRisk[r]
                if let k = reasons[r].first?.kind { out.primary[k, default: 0] += 1 }
            }
            return out
        }
    }
}
