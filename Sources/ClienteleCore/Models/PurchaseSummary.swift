/// Unit of time of the model inputs (x is a count; t_x and T are durations).
public enum ModelTimeUnit: String, Sendable, CaseIterable, Codable {
    case days, weeks

    /// Days in one unit (weeks = days / 7, as in the published CDNOW summary).
    public var days: Double { self == .days ? 1 : 7 }
}

/// The calibration summary of buy-till-you-die models (ANALYTICS.md section 9): for each customer with a purchase
/// on or before the end of calibration,
///
/// - x = number of distinct purchase days - 1 (repeat purchases),
/// - t_x = last purchase day - first purchase day (recency, 0 when x = 0),
/// - T = end of calibration - first purchase day (age), where the end of calibration is a day whose purchases
///   still count,
/// - holdout purchases = distinct purchase days in (end, holdoutEnd],
/// - spend of the repeat purchase days (the first day excluded), whose mean is the z̄ of the Gamma-Gamma model
///   (Fader, Hardie & Lee 2005, "RFM and CLV: Using iso-value curves for customer base analysis", section 3).
///
/// This is the (x, t_x, T) notation of Fader, Hardie & Lee (2005), "Counting your customers the easy way: an
/// alternative to the Pareto/NBD model", Marketing Science 24(2), section 2.
///
/// **Purchase days** are the days of valid, non-cancelled lines (ANALYTICS.md section 1): several orders on one
/// day are one purchase, as in the published CDNOW summary.
///
/// **Spend and cancellations.** The spend of a purchase day is the net revenue of all the customer's valid lines
/// dated that day, cancellation and return lines of that day included (so a same-day return reduces it), floored
/// at 0. A cancellation dated on a day without a purchase (typically the return of an earlier order) is not
/// attributed to any purchase day: which order it undoes is not known, and spreading it would bias z̄ of customers
/// who never return anything. Such lines still reduce the customer's `monetary` (ANALYTICS.md section 2); they
/// are counted in ``unattributedCancellationUnits``.
public struct PurchaseSummary: Sendable {
    /// Last calibration day (day number, inclusive).
    public let calibrationEnd: Int
    /// Last holdout day (inclusive), or nil without holdout.
    public let holdoutEnd: Int?
    public let timeUnit: ModelTimeUnit

    /// Customer code (in `customers`) of each row; rows are in customer-code order.
    public var customerCode: [Int32] = []
    /// First purchase day (day number).
    public var firstDay: [Int32] = []
    /// x: repeat purchase days in the calibration period.
    public var repeatPurchases: [Int32] = []
    /// t_x in days.
    public var txDays: [Int32] = []
    /// T in days.
    public var ageDays: [Int32] = []
    /// Distinct purchase days in (calibrationEnd, holdoutEnd] (0 without holdout).
    public var holdoutPurchases: [Int32] = []
    /// Total spend of the x repeat purchase days, in money units (1/10,000).
    public var repeatSpendUnits: [Int64] = []
    /// Net revenue of cancellation lines on days without a purchase, up to the end of calibration (all customers).
    public var unattributedCancellationUnits: Int64 = 0
    public var customers: ByteInterner

    public var count: Int { customerCode.count }

    /// x of row i.
    @inline(__always) public func x(_ i: Int) -> Double { Double(repeatPurchases[i]) }
    /// t_x of row i in the time unit.
    @inline(__always) public func tx(_ i: Int) -> Double { Double(txDays[i]) / timeUnit.days }
    /// T of row i in the time unit.
    @inline(__always) public func age(_ i: Int) -> Double { Double(ageDays[i]) / timeUnit.days }
    /// Mean repeat-order value z̄ in currency units (0 when x = 0).
    public func meanRepeatSpend(_ i: Int) -> Double {
        repeatPurchases[i] == 0 ? 0 : Double(repeatSpendUnits[i]) / 10_000 / Double(repeatPurchases[i])
    }
    /// Length of the holdout period in the time unit (0 without holdout).
    public var holdoutLength: Double { Double((holdoutEnd ?? calibrationEnd) - calibrationEnd) / timeUnit.days }

    /// Customer id of row i.
    public func id(_ i: Int) -> String { customers.string(customerCode[i]) }

    /// The default split: the last quarter of the span of days (first to last valid line) is the holdout.
    /// Returns nil when there are no lines.
    public static func defaultSplit(_ lines: OrderLines) -> (calibrationEnd: Int, holdoutEnd: Int)? {
        var lo = Int32.max, hi = Int32.min
        for seg in lines.chunks { for d in seg.day { if d < lo { lo = d }; if d > hi { hi = d } } }
        guard lo <= hi else { return nil }
        let span = Int(hi) - Int(lo) + 1
        return (Int(hi) - span / 4, Int(hi))
    }

    /// Builds the summary from order lines. Lines after `holdoutEnd` (or after `calibrationEnd` without holdout)
    /// and guest lines are ignored; customers whose first purchase is after `calibrationEnd` have no row.
    public init(lines: OrderLines, calibrationEnd: Int, holdoutEnd: Int? = nil, timeUnit: ModelTimeUnit = .days) {
        self.calibrationEnd = calibrationEnd
        self.holdoutEnd = holdoutEnd.map { max($0, calibrationEnd) }
        self.timeUnit = timeUnit
        customers = lines.customers
        let end = Int32(clamping: calibrationEnd)
        let last = Int32(clamping: self.holdoutEnd ?? calibrationEnd)
        // Net revenue and purchase flag per distinct (customer, day).
        let entries = CustomerDayEntries(lines: lines, through: last)
        let entryCode = entries.code, entryDay = entries.day, entryNet = entries.net, entryPurchase = entries.purchase
        let codes = lines.customers.count
        var first = [Int32](repeating: Int32.max, count: codes)
        for e in 0..<entryCode.count where entryPurchase[e] && entryDay[e] <= end {
            let c = Int(entryCode[e])
            if entryDay[e] < first[c] { first[c] = entryDay[e] }
        }
        var days = [Int32](repeating: 0, count: codes)
        var lastDay = [Int32](repeating: Int32.min, count: codes)
        var holdout = [Int32](repeating: 0, count: codes)
        var spend = [Int64](repeating: 0, count: codes)
        var unattributed: Int64 = 0
        for e in 0..<entryCode.count {
            let c = Int(entryCode[e]), d = entryDay[e]
            guard entryPurchase[e] else {
                if d <= end { unattributed += entryNet[e] }
                continue
            }
            if first[c] == Int32.max { continue }
            if d <= end {
                days[c] += 1
                if d > lastDay[c] { lastDay[c] = d }
                if d != first[c] { spend[c] += max(0, entryNet[e]) }
            } else {
                holdout[c] += 1
            }
        }
        unattributedCancellationUnits = unattributed
        for c in 0..<codes where first[c] != Int32.max {
            customerCode.append(Int32(c))
            firstDay.append(first[c])
            repeatPurchases.append(days[c] - 1)
            txDays.append(lastDay[c] - first[c])
            ageDays.append(end - first[c])
            holdoutPurchases.append(holdout[c])
            repeatSpendUnits.append(spend[c])
        }
    }

    /// The model input (x, t_x, T) in the time unit, with identical rows compressed into weights.
    public func modelData(compress: Bool = true) -> PurchaseData {
        let scale = 1 / timeUnit.days
        return try! PurchaseData(x: repeatPurchases.map { Double($0) },
                            tx: txDays.map { Double($0) * scale },
                            T: ageDays.map { Double($0) * scale },
                            compress: compress)
    }

    /// The Gamma-Gamma input: (x, z̄) of customers with x > 0 and z̄ > 0.
    public func spendData() -> SpendData {
        var x: [Double] = [], z: [Double] = []
        for i in 0..<count where repeatPurchases[i] > 0 && repeatSpendUnits[i] > 0 {
            x.append(self.x(i)); z.append(meanRepeatSpend(i))
        }
        return try! SpendData(x: x, meanSpend: z)
    }
}
