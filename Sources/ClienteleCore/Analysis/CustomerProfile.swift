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
        for seg in lines.segments {
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
        var spend = [Int64](repeating: 0, count: max(0, lastMonth - firstMonth + 1))
        for o in orders {
            let i = CohortPeriod.month.index(ofDay: o.day) - firstMonth
            if i >= 0 && i < spend.count { spend[i] += o.revenue }
        }
        monthlySpend = spend.enumerated().map { (CohortPeriod.month.label(ofIndex: firstMonth + $0), $1) }
    }
}

/// Sort keys of the customer list.
public enum CustomerSort: String, Sendable, CaseIterable {
    case id, country, segment, tier, recency, frequency, monetary, lastOrder = "last_order", firstOrder = "first_order"
}

extension Analysis {
    /// Rows whose customer id or country contains `search` (case-insensitive; empty: all), sorted by `sort`
    /// (ties by customer id), descending when asked.
    public func customerRows(search: String = "", sort: CustomerSort = .monetary, descending: Bool = true) -> [Int] {
        let n = table.count
        var rows = Array(0..<n)
        let needle = search.lowercased()
        if !needle.isEmpty {
            rows = rows.filter { table.id($0).lowercased().contains(needle) || table.countryName($0).lowercased().contains(needle) }
        }
        let ids = table.ids, codes = table.idCode
        func idLess(_ a: Int, _ b: Int) -> Bool { ids.precedes(codes[a], codes[b]) }
        func ordered<T: Comparable>(_ key: @escaping (Int) -> T) -> (Int, Int) -> Bool {
            { a, b in
                let ka = key(a), kb = key(b)
                if ka != kb { return descending ? ka > kb : ka < kb }
                return idLess(a, b)
            }
        }
        switch sort {
        case .id: rows.sort { descending ? idLess($1, $0) : idLess($0, $1) }
        case .country: rows.sort(by: ordered { self.table.countryName($0) })
        case .segment:
            let order = Dictionary(uniqueKeysWithValues: Segment.allCases.enumerated().map { ($1, $0) })
            rows.sort(by: ordered { order[self.segment[$0]]! })
        case .tier:
            let order = Dictionary(uniqueKeysWithValues: ValueTier.allCases.enumerated().map { ($1, $0) })
            rows.sort(by: ordered { -order[self.tier[$0]]! })
        case .recency: rows.sort(by: ordered { self.table.recencyDays($0) })
        case .frequency: rows.sort(by: ordered { self.table.frequency[$0] })
        case .monetary: rows.sort(by: ordered { self.table.monetary[$0] })
        case .lastOrder: rows.sort(by: ordered { self.table.lastPurchase[$0] })
        case .firstOrder: rows.sort(by: ordered { self.table.firstPurchase[$0] })
        }
        return rows
    }
}
