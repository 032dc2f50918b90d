/// Every customer's order history up to a day, from order lines, with the purchase-day rules of the
/// buy-till-you-die summary (``PurchaseSummary``): a purchase day is a day with at least one valid, non-cancelled line of
/// the customer; its amount is the net revenue of all the customer's lines that day (same-day returns included),
/// floored at 0, in currency units. Guests have no history.
public struct CustomerHistories: Sendable {
    /// Customer code (in the lines' customer interner) of each history, ascending.
    public var codes: [Int32] = []
    public var histories: [OrderHistory] = []
    /// History index of each customer code; -1 when the customer has no purchase day up to the end.
    public var indexOfCode: [Int32] = []

    public var count: Int { histories.count }

    /// Histories from the lines dated on or before `end`.
    public init(lines: OrderLines, through end: Int) {
        let entries = CustomerDayEntries(lines: lines, through: Int32(clamping: end))
        let entryCode = entries.code, entryDay = entries.day, entryNet = entries.net, entryPurchase = entries.purchase
        let codeCount = lines.customers.count
        // Counting sort of the purchase days by customer code.
        var start = [Int](repeating: 0, count: codeCount + 1)
        for e in 0..<entryCode.count where entryPurchase[e] { start[Int(entryCode[e]) + 1] += 1 }
        for c in 0..<codeCount { start[c + 1] += start[c] }
        var fill = start
        var days = [Int](repeating: 0, count: start[codeCount]), amounts = [Double](repeating: 0, count: start[codeCount])
        for e in 0..<entryCode.count where entryPurchase[e] {
            let c = Int(entryCode[e])
            days[fill[c]] = Int(entryDay[e]); amounts[fill[c]] = Double(max(0, entryNet[e])) / Double(Money.scale)
            fill[c] += 1
        }
        indexOfCode = [Int32](repeating: -1, count: codeCount)
        histories.reserveCapacity(codeCount)
        codes.reserveCapacity(codeCount)
        for c in 0..<codeCount where start[c + 1] > start[c] {
            // Each customer's days are distinct (one entry per customer and day); sort them (insertion sort: few).
            let lo = start[c], hi = start[c + 1]
            if hi - lo > 1 {
                for i in (lo + 1)..<hi {
                    let d = days[i], a = amounts[i]
                    var j = i - 1
                    while j >= lo && days[j] > d { days[j + 1] = days[j]; amounts[j + 1] = amounts[j]; j -= 1 }
                    days[j + 1] = d; amounts[j + 1] = a
                }
            }
            indexOfCode[c] = Int32(histories.count)
            codes.append(Int32(c))
            histories.append(OrderHistory(sortedDays: Array(days[lo..<hi]), amounts: Array(amounts[lo..<hi])))
        }
    }
}

/// Net revenue and a purchase flag (a valid, non-cancelled line) per distinct (customer, day) of the lines dated on
/// or before `last`, guests left out: what the buy-till-you-die summary and the order histories are made of.
struct CustomerDayEntries {
    var code: [Int32] = [], day: [Int32] = [], net: [Int64] = [], purchase: [Bool] = []

    init(lines: OrderLines, through last: Int32) {
        var map = UInt64Map(capacity: 1 << 12)
        for seg in lines.chunks {
            for j in 0..<seg.count {
                let d = seg.day[j], c = seg.customer[j]
                if d > last || c < 0 { continue }
                let key = UInt64(UInt32(bitPattern: c)) << 32 | UInt64(UInt32(bitPattern: d))
                let e: Int
                if let found = map.getOrInsert(key, Int32(code.count)) { e = Int(found) } else {
                    e = code.count
                    code.append(c); day.append(d); net.append(0); purchase.append(false)
                }
                net[e] += seg.revenue[j]
                if !seg.cancelled[j] { purchase[e] = true }
            }
        }
    }
}
