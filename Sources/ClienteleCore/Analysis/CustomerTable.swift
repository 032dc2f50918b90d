/// One row per customer with at least one order (ANALYTICS.md section 2), in columnar form.
///
/// Built in one pass over the order lines. Rows are in order of first appearance in the input; exports sort by
/// customer id.
public struct CustomerTable: Sendable {
    /// As-of date T (day number): the day after the latest valid line, or the user's date. Lines dated on or
    /// after T are ignored.
    public let asOf: Int
    /// Code of each row's customer id in `ids`.
    public var idCode: [Int32] = []
    public var firstPurchase: [Int32] = []
    public var lastPurchase: [Int32] = []
    public var frequency: [Int32] = []
    /// Net revenue in money units (cancellations and returns included).
    public var monetary: [Int64] = []
    /// Country code in `countries`, or -1.
    public var country: [Int32] = []
    public var ids: ByteInterner
    public var countries: ByteInterner
    /// Orders: the customer row and the day of each distinct (customer, invoice) among non-cancelled lines.
    public var orderRow: [Int32] = []
    public var orderDay: [Int32] = []
    /// Net revenue of guest lines (no customer id).
    public var guestRevenue: Int64 = 0
    public var excludedCustomers = 0
    public var excludedCustomerRevenue: Int64 = 0
    public var linesAfterAsOf = 0
    /// Row of a line's customer code (-1: guest, excluded, or no line before T).
    public var rowOfCode: [Int32] = []

    public var count: Int { idCode.count }
    public var orders: Int { orderRow.count }

    public func recencyDays(_ row: Int) -> Int { asOf - Int(lastPurchase[row]) }
    public func tenureDays(_ row: Int) -> Int { asOf - Int(firstPurchase[row]) }
    public func id(_ row: Int) -> String { ids.string(idCode[row]) }
    public func countryName(_ row: Int) -> String { country[row] < 0 ? "" : countries.string(country[row]) }

    /// The default as-of date: the day after the latest valid line (guests and cancellations included).
    public static func defaultAsOf(_ lines: OrderLines) -> Int? {
        var maxDay = Int32.min
        for seg in lines.chunks { for d in seg.day where d > maxDay { maxDay = d } }
        return maxDay == Int32.min ? nil : Int(maxDay) + 1
    }

    /// Builds the table. `asOf` nil uses ``defaultAsOf(_:)``.
    public init(lines: OrderLines, asOf: Int? = nil) {
        let t = asOf ?? CustomerTable.defaultAsOf(lines) ?? 0
        self.asOf = t
        ids = lines.customers
        countries = lines.countries
        let codes = lines.customers.count
        var monetaryByCode = [Int64](repeating: 0, count: codes)
        var seen = [Bool](repeating: false, count: codes)
        var latestDay = [Int32](repeating: Int32.min, count: codes)
        var latestCountry = [Int32](repeating: -1, count: codes)
        var orderMap = UInt64Map(capacity: max(1024, lines.invoices.count))
        var orderCode: [Int32] = []
        var orderDay: [Int32] = []
        var guestRevenue: Int64 = 0
        var after = 0
        let limit = Int32(clamping: t)
        let countryNames = lines.countries
        for seg in lines.chunks {
            var lastKey = UInt64.max
            var lastOrder: Int32 = -1
            for j in 0..<seg.count {
                let d = seg.day[j]
                if d >= limit { after += 1; continue }
                let c = seg.customer[j]
                let r = seg.revenue[j]
                if c < 0 { guestRevenue += r; continue }
                let ci = Int(c)
                monetaryByCode[ci] += r
                seen[ci] = true
                let k = seg.country[j]
                if k >= 0 {
                    if d > latestDay[ci] { latestDay[ci] = d; latestCountry[ci] = k }
                    else if d == latestDay[ci], k != latestCountry[ci],
                            latestCountry[ci] < 0 || countryNames.precedes(k, latestCountry[ci]) { latestCountry[ci] = k }
                }
                if seg.cancelled[j] { continue }
                let key = UInt64(UInt32(bitPattern: c)) << 32 | UInt64(UInt32(bitPattern: seg.invoice[j]))
                let o: Int32
                if key == lastKey { o = lastOrder } else {
                    if let existing = orderMap.getOrInsert(key, Int32(orderCode.count)) { o = existing } else {
                        o = Int32(orderCode.count)
                        orderCode.append(c)
                        orderDay.append(d)
                    }
                    lastKey = key; lastOrder = o
                }
                if d < orderDay[Int(o)] { orderDay[Int(o)] = d }
            }
        }
        // Per-customer first/last/frequency from the orders.
        var first = [Int32](repeating: Int32.max, count: codes)
        var last = [Int32](repeating: Int32.min, count: codes)
        var freq = [Int32](repeating: 0, count: codes)
        for i in 0..<orderCode.count {
            let c = Int(orderCode[i]), d = orderDay[i]
            freq[c] += 1
            if d < first[c] { first[c] = d }
            if d > last[c] { last[c] = d }
        }
        var rowOfCode = [Int32](repeating: -1, count: codes)
        for c in 0..<codes {
            if freq[c] > 0 {
                rowOfCode[c] = Int32(idCode.count)
                idCode.append(Int32(c)); firstPurchase.append(first[c]); lastPurchase.append(last[c])
                frequency.append(freq[c]); monetary.append(monetaryByCode[c]); country.append(latestCountry[c])
            } else if seen[c] {
                excludedCustomers += 1
                excludedCustomerRevenue += monetaryByCode[c]
            }
        }
        self.rowOfCode = rowOfCode
        self.orderRow = orderCode.map { rowOfCode[Int($0)] }
        self.orderDay = orderDay
        self.guestRevenue = guestRevenue
        self.linesAfterAsOf = after
    }
}

extension CustomerTable {
    /// The table of a subset of rows (in the given order), with their orders. Guest and excluded-customer
    /// figures are 0: they belong to no customer subset.
    public func restricted(toRows rows: [Int]) -> CustomerTable {
        var t = self
        t.idCode = rows.map { idCode[$0] }
        t.firstPurchase = rows.map { firstPurchase[$0] }
        t.lastPurchase = rows.map { lastPurchase[$0] }
        t.frequency = rows.map { frequency[$0] }
        t.monetary = rows.map { monetary[$0] }
        t.country = rows.map { country[$0] }
        var newRow = [Int32](repeating: -1, count: count)
        for (i, r) in rows.enumerated() { newRow[r] = Int32(i) }
        t.rowOfCode = rowOfCode.map { $0 < 0 ? -1 : newRow[Int($0)] }
        var orderRow: [Int32] = []
        var orderDay: [Int32] = []
        for i in 0..<self.orderRow.count {
            let r = newRow[Int(self.orderRow[i])]
            if r >= 0 { orderRow.append(r); orderDay.append(self.orderDay[i]) }
        }
        t.orderRow = orderRow
        t.orderDay = orderDay
        t.guestRevenue = 0
        t.excludedCustomers = 0
        t.excludedCustomerRevenue = 0
        return t
    }
}
