/// Executive KPIs (ANALYTICS.md section 6).
public struct ExecutiveKPIs: Sendable {
    public var totalCustomers: Int
    public var totalRevenue: Int64
    /// Money units, rounded half-to-even (nil when there are no customers).
    public var avgRevenuePerCustomer: Int64?
    public var orders: Int
    public var averageOrderValue: Int64?
    public var repeatCustomerRate: Double?
    public var guestRevenue: Int64
    public var excludedCustomerRevenue: Int64
    public var championsCount: Int
    public var championsRevenue: Int64
    /// 100 x Champions' revenue / total revenue.
    public var championsRevenueSharePct: Double?
}

/// Size and value of one RFM segment.
public struct SegmentSummary: Sendable {
    public var segment: Segment
    public var customers: Int
    public var revenue: Int64
    public var customerShare: Double?
    public var revenueShare: Double?
    /// Medians of recency (days), frequency (orders) and monetary (money units); lower median for even counts.
    public var medianRecencyDays: Int?
    public var medianFrequency: Int?
    public var medianMonetary: Int64?
}

/// Size and value of one value tier.
public struct TierSummary: Sendable {
    public var tier: ValueTier
    public var customers: Int
    public var revenue: Int64
    public var customerShare: Double?
    public var revenueShare: Double?
    /// Smallest monetary in the tier (money units).
    public var minMonetary: Int64?
}

/// Every number of ANALYTICS.md sections 2-8 for one data set and as-of date: one immutable snapshot.
public struct Analysis: Sendable {
    public let table: CustomerTable
    public let rfm: RFMScores
    public let segment: [Segment]
    public let tier: [ValueTier]
    public let kpis: ExecutiveKPIs
    public let segments: [SegmentSummary]
    public let tiers: [TierSummary]
    public let concentration: Concentration
    public let monthlyCohorts: CohortMatrix
    public let weeklyCohorts: CohortMatrix
    public let quarterlyCohorts: CohortMatrix

    public var asOf: Int { table.asOf }

    public init(lines: OrderLines, asOf: Int? = nil) {
        let table = CustomerTable(lines: lines, asOf: asOf)
        // The independent analyses of the table run in parallel.
        enum Part { case rfm(RFMScores), cohorts(CohortMatrix), concentration(Concentration) }
        let parts = parallelMap(5) { i -> Part in
            switch i {
            case 0: return .rfm(RFMScores(table: table))
            case 1: return .concentration(Concentration(monetary: table.monetary))
            case 2: return .cohorts(CohortMatrix(table: table, lines: lines, period: .month))
            case 3: return .cohorts(CohortMatrix(table: table, lines: lines, period: .week))
            default: return .cohorts(CohortMatrix(table: table, lines: lines, period: .quarter))
            }
        }
        guard case .rfm(let rfm) = parts[0], case .concentration(let concentration) = parts[1],
              case .cohorts(let monthly) = parts[2], case .cohorts(let weekly) = parts[3],
              case .cohorts(let quarterly) = parts[4] else { fatalError("parallel parts out of order") }
        let n = table.count
        let segment = (0..<n).map { Segment.of(r: rfm.r[$0], f: rfm.f[$0]) }
        let tier = (0..<n).map { ValueTier.of(less: rfm.monetaryLess[$0], n: n) }
        self.init(table: table, rfm: rfm, segment: segment, tier: tier, concentration: concentration,
                  monthly: monthly, weekly: weekly, quarterly: quarterly)
    }

    /// The analysis of a subset of `parent`'s customers (a segment or tier filter). Scores, segments and tiers
    /// keep the values they have among all of the parent's customers (a Champion stays a Champion when the view
    /// is narrowed); sums, shares, medians, concentration and cohorts are computed over the subset. Guest and
    /// excluded-customer revenue belong to no customer subset and are 0.
    public init(restricting parent: Analysis, toRows rows: [Int], lines: OrderLines) {
        let table = parent.table.restricted(toRows: rows)
        let rfm = RFMScores(r: rows.map { parent.rfm.r[$0] }, f: rows.map { parent.rfm.f[$0] },
                            m: rows.map { parent.rfm.m[$0] }, monetaryLess: rows.map { parent.rfm.monetaryLess[$0] })
        let latest = parent.table.lastPurchase.max()
        enum Part { case cohorts(CohortMatrix), concentration(Concentration) }
        let parts = parallelMap(4) { i -> Part in
            switch i {
            case 0: return .concentration(Concentration(monetary: table.monetary))
            case 1: return .cohorts(CohortMatrix(table: table, lines: lines, period: .month, latestOrderDay: latest))
            case 2: return .cohorts(CohortMatrix(table: table, lines: lines, period: .week, latestOrderDay: latest))
            default: return .cohorts(CohortMatrix(table: table, lines: lines, period: .quarter, latestOrderDay: latest))
            }
        }
        guard case .concentration(let concentration) = parts[0], case .cohorts(let monthly) = parts[1],
              case .cohorts(let weekly) = parts[2], case .cohorts(let quarterly) = parts[3] else {
            fatalError("parallel parts out of order")
        }
        self.init(table: table, rfm: rfm, segment: rows.map { parent.segment[$0] }, tier: rows.map { parent.tier[$0] },
                  concentration: concentration, monthly: monthly, weekly: weekly, quarterly: quarterly)
    }

    init(table: CustomerTable, rfm: RFMScores, segment: [Segment], tier: [ValueTier], concentration: Concentration,
         monthly: CohortMatrix, weekly: CohortMatrix, quarterly: CohortMatrix) {
        self.table = table
        self.rfm = rfm
        self.concentration = concentration
        monthlyCohorts = monthly
        weeklyCohorts = weekly
        quarterlyCohorts = quarterly
        let n = table.count
        self.segment = segment
        self.tier = tier
        let totalRevenue = table.monetary.reduce(0, +)
        let repeaters = table.frequency.reduce(0) { $0 + ($1 >= 2 ? 1 : 0) }
        var champions = 0
        var championsRevenue: Int64 = 0
        for i in 0..<n where segment[i] == .champions { champions += 1; championsRevenue += table.monetary[i] }
        kpis = ExecutiveKPIs(
            totalCustomers: n, totalRevenue: totalRevenue,
            avgRevenuePerCustomer: n == 0 ? nil : Money.divideRoundingHalfEven(totalRevenue, by: Int64(n)),
            orders: table.orders,
            averageOrderValue: table.orders == 0 ? nil : Money.divideRoundingHalfEven(totalRevenue, by: Int64(table.orders)),
            repeatCustomerRate: ExactRatio.value(repeaters, n),
            guestRevenue: table.guestRevenue, excludedCustomerRevenue: table.excludedCustomerRevenue,
            championsCount: champions, championsRevenue: championsRevenue,
            championsRevenueSharePct: ExactRatio.value(Int128(championsRevenue) * 100, Int128(totalRevenue)))
        // Rows of each segment and tier in one pass.
        var segmentRows = [[Int]](repeating: [], count: Segment.allCases.count)
        var tierRows = [[Int]](repeating: [], count: ValueTier.allCases.count)
        let segmentIndex = Dictionary(uniqueKeysWithValues: Segment.allCases.enumerated().map { ($1, $0) })
        let tierIndex = Dictionary(uniqueKeysWithValues: ValueTier.allCases.enumerated().map { ($1, $0) })
        for i in 0..<n {
            segmentRows[segmentIndex[segment[i]]!].append(i)
            tierRows[tierIndex[tier[i]]!].append(i)
        }
        segments = Segment.allCases.enumerated().map { (index, s) in
            let rows = segmentRows[index]
            let revenue = rows.reduce(Int64(0)) { $0 + table.monetary[$1] }
            return SegmentSummary(
                segment: s, customers: rows.count, revenue: revenue,
                customerShare: ExactRatio.value(rows.count, n), revenueShare: ExactRatio.value(revenue, totalRevenue),
                medianRecencyDays: lowerMedian(rows.map { table.recencyDays($0) }),
                medianFrequency: lowerMedian(rows.map { Int(table.frequency[$0]) }),
                medianMonetary: lowerMedian(rows.map { table.monetary[$0] }))
        }
        tiers = ValueTier.allCases.enumerated().map { (index, t) in
            let rows = tierRows[index]
            let revenue = rows.reduce(Int64(0)) { $0 + table.monetary[$1] }
            return TierSummary(tier: t, customers: rows.count, revenue: revenue,
                               customerShare: ExactRatio.value(rows.count, n),
                               revenueShare: ExactRatio.value(revenue, totalRevenue),
                               minMonetary: rows.map { table.monetary[$0] }.min())
        }
    }

    public func cohorts(_ period: CohortPeriod) -> CohortMatrix {
        switch period {
        case .month: return monthlyCohorts
        case .week: return weeklyCohorts
        case .quarter: return quarterlyCohorts
        }
    }

    /// Rows sorted by customer id in code-point order (the order of per-customer exports).
    public func rowsByCustomerID() -> [Int] {
        let ids = table.ids
        let codes = table.idCode
        // Sort on an 8-byte prefix, with the full comparison only when prefixes are equal.
        let prefix = codes.map { ids.prefix8($0) }
        return (0..<table.count).sorted { a, b in
            prefix[a] != prefix[b] ? prefix[a] < prefix[b] : ids.precedes(codes[a], codes[b])
        }
    }
}

/// The lower median (the middle value, or the lower of the two middle values), nil for no values.
public func lowerMedian<T: Comparable>(_ values: [T]) -> T? {
    guard !values.isEmpty else { return nil }
    let s = values.sorted()
    return s[(s.count - 1) / 2]
}
