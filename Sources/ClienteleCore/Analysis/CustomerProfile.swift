/// Everything about one customer: the customer-table row, scores, and the order history from the lines.
public struct CustomerProfile: Sendable {
    public struct Order: Sendable {
        public var invoice: String
        /// Day of the invoice's earliest line.
        public var day: Int
        public var lines: Int
        /// Net revenue of the invoice's lines (money units).
        public var revenue: Int64
        /// All lines of the invoice are cancellations or returns.
        public var cancelled: Bool
    }

    public var row: Int
    public var id: String
    public var country: String
    public var firstPurchase: Int
    public var lastPurchase: Int
    public var frequency: Int
    public var monetary: Int64
    public var recencyDays: Int
    public var tenureDays: Int
    public var r: Int, f: Int, m: Int
    public var segment: Segment
    public var tier: ValueTier
    /// Cohort month (`YYYY-MM`).
    public var cohort: String
    /// Invoices in date order (then invoice text), cancellations included.
    public var orders: [Order]
    /// Net revenue per month from the first order's month to the as-of month (`YYYY-MM`, money units).
    public var monthlySpend: [(month: String, revenue: Int64)]

    /// The profile of `customerID` in `analysis` (built on `lines`), nil when it is not one of its customers.
    public init?(analysis: Analysis, lines: OrderLines, customerID: String) {
        let table = analysis.table
        guard let code = lines.customers.lookup(customerID), Int(code) < table.rowOfCode.count else { return nil }
        let row = Int(table.rowOfCode[Int(code)])
        guard row >= 0 else { return nil }
        self.row = row
        id = customerID
        country = table.countryName(row)
        firstPurchase = Int(table.firstPurchase[row])
        lastPurchase = Int(table.lastPurchase[row])
        frequency = Int(table.frequency[row])
        monetary = table.monetary[row]
        recencyDays = table.recencyDays(row)
        tenureDays = table.tenureDays(row)
        r = Int(analysis.rfm.r[row]); f = Int(analysis.rfm.f[row]); m = Int(analysis.rfm.m[row])
        segment = analysis.segment[row]
        tier = analysis.tier[row]
        cohort = CohortPeriod.month.label(ofIndex: CohortPeriod.month.index(ofDay: firstPurchase))
        var byInvoice: [Int32: Order] = [:]
        var allCancelled: [Int32: Bool] = [:]
        for seg in lines.chunks {
            for j in 0..<seg.count where seg.customer[j] == code && Int(seg.day[j]) < table.asOf {
                let inv = seg.invoice[j]
                let d = Int(seg.day[j])
                if var o = byInvoice[inv] {
                    o.day = min(o.day, d); o.lines += 1; o.revenue += seg.revenue[j]
                    byInvoice[inv] = o
                } else {
                    byInvoice[inv] = Order(invoice: lines.invoices.string(inv), day: d, lines: 1, revenue: seg.revenue[j], cancelled: true)
                }
                allCancelled[inv] = (allCancelled[inv] ?? true) && seg.cancelled[j]
            }
        }
        orders = byInvoice.map { key, value in
            var o = value
            o.cancelled = allCancelled[key] ?? false
            return o
        }.sorted { ($0.day, $0.invoice) < ($1.day, $1.invoice) }
        let firstMonth = CohortPeriod.month.index(ofDay: firstPurchase)
        let lastMonth = CohortPeriod.month.index(ofDay: table.asOf - 1)
        if lastMonth - firstMonth + 1 <= CohortMatrix.maxPeriods {
            var spend = [Int64](repeating: 0, count: max(0, lastMonth - firstMonth + 1))
            for o in orders {
                let i = CohortPeriod.month.index(ofDay: o.day) - firstMonth
                if i >= 0 && i < spend.count { spend[i] += o.revenue }
            }
            monthlySpend = spend.enumerated().map { (CohortPeriod.month.label(ofIndex: firstMonth + $0), $1) }
        } else {
            // A span of months too long to list every month (a far as-of date): only the months with orders.
            var spend: [Int: Int64] = [:]
            for o in orders { spend[CohortPeriod.month.index(ofDay: o.day), default: 0] += o.revenue }
            monthlySpend = spend.keys.sorted().map { (CohortPeriod.month.label(ofIndex: $0), spend[$0]!) }
        }
    }
}

/// Sort keys of the customer list (the JSON keys of its columns; `first_order`/`last_order`, the keys before the
/// rename, are still accepted).
public enum CustomerSort: String, Sendable, CaseIterable {
    case id, country, segment, tier, recency, frequency, monetary, lastOrder = "last_purchase", firstOrder = "first_purchase"

    /// Parses a sort key, old names included.
    public static func parse(_ text: String) -> CustomerSort? {
        CustomerSort(rawValue: text) ?? ["last_order": .lastOrder, "first_order": .firstOrder][text]
    }
}

extension ByteInterner {
    /// The rank of every code in code-point order of the texts (rank[code]).
    public func codePointRanks() -> [Int32] {
        let prefix = (0..<Int32(count)).map { prefix8($0) }
        let sorted = (0..<Int32(count)).sorted { a, b in
            prefix[Int(a)] != prefix[Int(b)] ? prefix[Int(a)] < prefix[Int(b)] : precedes(a, b)
        }
        var rank = [Int32](repeating: 0, count: count)
        for (i, c) in sorted.enumerated() { rank[Int(c)] = Int32(i) }
        return rank
    }
}

extension Analysis {
    /// Rows whose customer id or country contains `search` (case-insensitive; empty: all), sorted by `sort`
    /// (ties by customer id in code-point order), descending when asked. `idRank` (``ByteInterner/codePointRanks()``
    /// of the customer ids) makes the sort faster; it is computed when not given.
    public func customerRows(search: String = "", sort: CustomerSort = .monetary, descending: Bool = true,
                             idRank given: [Int32]? = nil, limit: Int? = nil) -> [Int] {
        let n = table.count
        var rows = Array(0..<n)
        let needle = search.lowercased()
        if !needle.isEmpty {
            let countryMatch = (0..<Int32(table.countries.count)).map { table.countries.string($0).lowercased().contains(needle) }
            rows = rows.filter { r in
                let k = table.country[r]
                return (k >= 0 && countryMatch[Int(k)]) || table.id(r).lowercased().contains(needle)
            }
        }
        let idRank = given ?? table.ids.codePointRanks()
        let codes = table.idCode
        // One integer key per row; ties by id rank.
        var key = [Int64](repeating: 0, count: n)
        switch sort {
        case .id: break
        case .country:
            let rank = table.countries.codePointRanks()
            for r in 0..<n { key[r] = table.country[r] < 0 ? -1 : Int64(rank[Int(table.country[r])]) }
        case .segment:
            let order = Dictionary(uniqueKeysWithValues: Segment.allCases.enumerated().map { ($1, Int64($0)) })
            for r in 0..<n { key[r] = order[segment[r]]! }
        case .tier:
            let order = Dictionary(uniqueKeysWithValues: ValueTier.allCases.enumerated().map { ($1, Int64($0)) })
            for r in 0..<n { key[r] = -order[tier[r]]! }
        case .recency: for r in 0..<n { key[r] = Int64(table.recencyDays(r)) }
        case .frequency: for r in 0..<n { key[r] = Int64(table.frequency[r]) }
        case .monetary: for r in 0..<n { key[r] = table.monetary[r] }
        case .lastOrder: for r in 0..<n { key[r] = Int64(table.lastPurchase[r]) }
        case .firstOrder: for r in 0..<n { key[r] = Int64(table.firstPurchase[r]) }
        }
        let idKey = codes.map { idRank[Int($0)] }
        let byID = sort == .id
        let areInIncreasingOrder: (Int, Int) -> Bool = { a, b in
            if !byID, key[a] != key[b] { return descending ? key[a] > key[b] : key[a] < key[b] }
            return byID && descending ? idKey[a] > idKey[b] : idKey[a] < idKey[b]
        }
        if let limit, limit < rows.count / 8 {
            // Top `limit` only: a bounded selection instead of a full sort.
            var top: [Int] = []
            top.reserveCapacity(limit + 1)
            for r in rows {
                if top.count == limit, let last = top.last, !areInIncreasingOrder(r, last) { continue }
                let i = top.partitioningIndex { areInIncreasingOrder(r, $0) }
                top.insert(r, at: i)
                if top.count > limit { top.removeLast() }
            }
            return top
        }
        rows.sort(by: areInIncreasingOrder)
        return rows
    }
}

extension Array {
    /// First index whose element satisfies `belongsInSecondPartition` (the array is partitioned by it).
    func partitioningIndex(where belongsInSecondPartition: (Element) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if belongsInSecondPartition(self[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
