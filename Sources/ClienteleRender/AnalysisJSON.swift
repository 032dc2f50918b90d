import ClienteleCore
import Foundation

/// The whole analysis as JSON (`clientele analyze --format json`), and the data-quality report.
public enum AnalysisJSON {
    public static func dataQuality(_ report: DataQualityReport) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(report)) ?? Data("{}".utf8)) + [10]
    }

    public static func render(_ a: Analysis, report: DataQualityReport, includeCustomers: Bool = true) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.string("as_of", CivilDate.format(a.asOf))
        let k = a.kpis, c = a.concentration
        w.beginObject("kpis")
        w.int("total_customers", k.totalCustomers)
        w.money("total_revenue", k.totalRevenue)
        w.money("avg_revenue_per_customer", k.avgRevenuePerCustomer)
        w.int("orders", k.orders)
        w.money("average_order_value", k.averageOrderValue)
        w.ratio("repeat_customer_rate", k.repeatCustomerRate)
        w.money("guest_revenue", k.guestRevenue)
        w.money("excluded_customer_revenue", k.excludedCustomerRevenue)
        w.int("champions_count", k.championsCount)
        w.ratio("champions_revenue_share_pct", k.championsRevenueSharePct)
        w.endObject()
        w.beginObject("concentration")
        w.ratio("top_1_share", c.top1); w.ratio("top_5_share", c.top5)
        w.ratio("top_10_share", c.top10); w.ratio("top_20_share", c.top20)
        w.ratio("gini", c.gini)
        w.beginArray("lorenz")
        for v in c.lorenz { w.ratio(nil, v) }
        w.endArray()
        w.endObject()
        w.beginArray("segments")
        for s in a.segments {
            w.beginObject()
            w.string("segment", s.segment.rawValue)
            w.int("customers", s.customers)
            w.money("revenue", s.revenue)
            w.ratio("customer_share", s.customerShare)
            w.ratio("revenue_share", s.revenueShare)
            w.int("median_recency_days", s.medianRecencyDays)
            w.int("median_frequency", s.medianFrequency)
            w.money("median_monetary", s.medianMonetary)
            w.endObject()
        }
        w.endArray()
        w.beginArray("tiers")
        for t in a.tiers {
            w.beginObject()
            w.string("tier", t.tier.rawValue)
            w.int("customers", t.customers)
            w.money("revenue", t.revenue)
            w.ratio("customer_share", t.customerShare)
            w.ratio("revenue_share", t.revenueShare)
            w.money("min_monetary", t.minMonetary)
            w.endObject()
        }
        w.endArray()
        w.beginObject("cohorts")
        for period in CohortPeriod.allCases {
            let m = a.cohorts(period)
            w.beginObject(period.rawValue)
            if let refusal = m.refusal { w.string("refused", refusal) }
            w.beginArray("cohorts"); for l in m.labels { w.string(nil, l) }; w.endArray()
            w.beginArray("counts")
            for row in m.counts { w.beginArray(); for v in row { w.int(nil, v) }; w.endArray() }
            w.endArray()
            w.beginArray("rates")
            for row in 0..<m.counts.count { w.beginArray(); for k in m.counts[row].indices { w.ratio(nil, m.rate(row, k)) }; w.endArray() }
            w.endArray()
            w.beginArray("revenue")
            for row in m.revenue { w.beginArray(); for v in row { w.money(nil, v) }; w.endArray() }
            w.endArray()
            w.endObject()
        }
        w.endObject()
        w.raw("data_quality", dataQuality(report).dropLast())
        if includeCustomers {
            let t = a.table
            w.beginArray("customers")
            for i in a.rowsByCustomerID() {
                w.beginObject()
                w.string("customer_id", t.id(i))
                w.string("country", t.countryName(i))
                w.string("first_purchase", CivilDate.format(Int(t.firstPurchase[i])))
                w.string("last_purchase", CivilDate.format(Int(t.lastPurchase[i])))
                w.int("recency_days", t.recencyDays(i))
                w.int("tenure_days", t.tenureDays(i))
                w.int("frequency", Int(t.frequency[i]))
                w.money("monetary", t.monetary[i])
                w.int("r_score", Int(a.rfm.r[i])); w.int("f_score", Int(a.rfm.f[i])); w.int("m_score", Int(a.rfm.m[i]))
                w.string("rfm_score", a.rfm.rfmScore(i))
                w.string("segment", a.segment[i].rawValue)
                w.string("value_tier", a.tier[i].rawValue)
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
        return w.bytes + [10]
    }
}
