import ClienteleCore

/// The seed-compatible exports of ANALYTICS.md section 10, plus the cohort variants and revenue matrix.
public enum SeedExports {
    public static let executiveColumns = [
        "total_customers", "total_revenue", "avg_revenue_per_customer", "champions_count", "champions_revenue_share_pct",
        "orders", "average_order_value", "repeat_customer_rate", "guest_revenue", "excluded_customer_revenue",
        "top_1_share", "top_5_share", "top_10_share", "top_20_share", "gini",
    ]

    public static func executiveSummary(_ a: Analysis) -> [UInt8] {
        var w = CSVWriter()
        w.header(executiveColumns)
        let k = a.kpis, c = a.concentration
        w.number(k.totalCustomers)
        w.money(k.totalRevenue)
        w.money(k.avgRevenuePerCustomer)
        w.number(k.championsCount)
        w.ratio(k.championsRevenueSharePct)
        w.number(k.orders)
        w.money(k.averageOrderValue)
        w.ratio(k.repeatCustomerRate)
        w.money(k.guestRevenue)
        w.money(k.excludedCustomerRevenue)
        w.ratio(c.top1); w.ratio(c.top5); w.ratio(c.top10); w.ratio(c.top20)
        w.ratio(c.gini)
        w.endRow()
        return w.bytes
    }

    public static func rfmSegments(_ a: Analysis, rows: [Int]) -> [UInt8] {
        var w = CSVWriter(capacity: rows.count * 48 + 128)
        w.header(["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm_score", "segment"])
        let t = a.table
        for i in rows {
            w.text(bytes: t.ids.bytes(t.idCode[i]))
            w.number(t.recencyDays(i))
            w.number(Int(t.frequency[i]))
            w.money(t.monetary[i])
            w.number(Int(a.rfm.r[i])); w.number(Int(a.rfm.f[i])); w.number(Int(a.rfm.m[i]))
            w.text(a.rfm.rfmScore(i))
            w.text(a.segment[i].rawValue)
            w.endRow()
        }
        return w.bytes
    }

    public static func valueTiers(_ a: Analysis, rows: [Int]) -> [UInt8] {
        var w = CSVWriter(capacity: rows.count * 24 + 64)
        w.header(["customer_id", "monetary", "value_tier"])
        let t = a.table
        for i in rows {
            w.text(bytes: t.ids.bytes(t.idCode[i]))
            w.money(t.monetary[i])
            w.text(a.tier[i].rawValue)
            w.endRow()
        }
        return w.bytes
    }

    public enum CohortValue: Sendable { case counts, rates, revenue }

    /// The cohort matrix: first column the cohort label, then one column per offset. Cells after the last period
    /// are empty; cells inside the triangle with no active customer are `0`.
    public static func cohortMatrix(_ m: CohortMatrix, value: CohortValue) -> [UInt8] {
        var w = CSVWriter()
        let first: String
        switch m.period {
        case .month: first = "cohort_month"
        case .week: first = "cohort_week"
        case .quarter: first = "cohort_quarter"
        }
        w.text(first)
        for k in 0...max(m.maxOffset, 0) where m.maxOffset >= 0 { w.number(k) }
        w.endRow()
        let labels = m.labels
        for row in 0..<m.counts.count {
            w.text(labels[row])
            for k in 0...m.maxOffset {
                guard k < m.counts[row].count else { w.empty(); continue }
                switch value {
                case .counts: w.number(m.counts[row][k])
                case .rates: w.ratio(m.rate(row, k))
                case .revenue: w.money(m.revenue[row][k])
                }
            }
            w.endRow()
        }
        return w.bytes
    }
}
