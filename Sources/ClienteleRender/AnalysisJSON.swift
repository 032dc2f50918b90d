import ClienteleCore

/// The whole analysis as JSON (`clientele analyze --format json`), and the data-quality report.
public enum AnalysisJSON {
    /// The data-quality report (`data_quality.json`): its fields under snake-case names, keys sorted, indented.
    public static func dataQuality(_ report: DataQualityReport) -> [UInt8] {
        var w = JSONWriter(pretty: true)
        w.value(nil, dataQualityValue(report))
        return w.bytes + [10]
    }

    static func dataQualityValue(_ r: DataQualityReport) -> JSONValue {
        func object(_ fields: [(String, JSONValue)]) -> JSONValue { .object(fields.sorted { $0.0 < $1.0 }) }
        func int64(_ v: Int64) -> JSONValue { .number(String(v)) }
        var fields: [(String, JSONValue)] = [
            ("files", .array(r.files.map { .string($0) })),
            ("layout", .string(r.layout)),
            ("delimiter", .string(r.delimiter)),
            ("lines_read", .int(r.linesRead)),
            ("blank_lines", .int(r.blankLines)),
            ("valid_lines", .int(r.validLines)),
            ("cancelled_lines", .int(r.cancelledLines)),
            ("guest_lines", .int(r.guestLines)),
            ("invalid_lines", .int(r.invalidLines)),
            ("invalid_by_reason", object(r.invalidByReason.map { ($0.key, .int($0.value)) })),
            ("examples", object(r.examples.map { reason, list in
                (reason, .array(list.map { e in
                    object([("file", .string(e.file)), ("line", .int(e.line)), ("field", .string(e.field)), ("value", .string(e.value))])
                }))
            })),
            ("skipped_cancelled_orders", .int(r.skippedCancelledOrders)),
            ("lines_after_as_of", .int(r.linesAfterAsOf)),
            ("excluded_customers", .int(r.excludedCustomers)),
            ("excluded_customer_revenue", .string(r.excludedCustomerRevenue)),
            ("excluded_customers_reason", .string(r.excludedCustomersReason)),
            ("product_codes", .array(r.productCodes.map { p in
                object([("code", .string(p.code)), ("lines", .int(p.lines)), ("return_lines", .int(p.returnLines)),
                        ("guest_lines", .int(p.guestLines)), ("net_units", int64(p.netUnits)),
                        ("customer_net_units", int64(p.customerNetUnits)), ("average_line_units", int64(p.averageLineUnits)),
                        ("reason", .string(p.reason)), ("excluded", .bool(p.excluded))])
            })),
            ("non_product_code_count", .int(r.nonProductCodeCount)),
            ("excluded_product_lines", .int(r.excludedProductLines)),
            ("net_units", int64(r.netUnits)),
            ("average_line_units", int64(r.averageLineUnits)),
        ]
        if let column = r.productColumn { fields.append(("product_column", .string(column))) }
        // Only for layouts with a currency column or order statuses (Shopify, `currency=`), so other files' reports
        // keep their bytes.
        if !r.currencyLines.isEmpty {
            fields.append(("currency_lines", object(r.currencyLines.map { ($0.key, .int($0.value)) })))
            fields.append(("currency", r.currency.map { .string($0) } ?? .null))
            fields.append(("other_currency_lines", .int(r.otherCurrencyLines)))
        }
        if r.reversedOrders > 0 || r.refundAdjustments > 0 {
            fields += [("reversed_orders", .int(r.reversedOrders)), ("reversed_lines", .int(r.reversedLines)),
                       ("reversed_units", int64(r.reversedUnits)), ("refund_adjustments", .int(r.refundAdjustments)),
                       ("refund_adjustment_units", int64(r.refundAdjustmentUnits))]
        }
        return object(fields)
    }

    /// A group's size and share (segments and tiers alike).
    static func sizeAndShare(_ w: inout JSONWriter, _ customers: Int, _ revenue: Int64, _ customerShare: Double?, _ revenueShare: Double?) {
        w.int("customers", customers)
        w.money("revenue", revenue)
        w.ratio("customer_share", customerShare)
        w.ratio("revenue_share", revenueShare)
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
        w.array("lorenz", c.lorenz) { $0.ratio(nil, $1) }
        w.endObject()
        w.array("segments", a.segments) { w, s in
            w.beginObject()
            w.string("segment", s.segment.rawValue)
            sizeAndShare(&w, s.customers, s.revenue, s.customerShare, s.revenueShare)
            w.int("median_recency_days", s.medianRecencyDays)
            w.int("median_frequency", s.medianFrequency)
            w.money("median_monetary", s.medianMonetary)
            w.endObject()
        }
        w.array("tiers", a.tiers) { w, t in
            w.beginObject()
            w.string("tier", t.tier.rawValue)
            sizeAndShare(&w, t.customers, t.revenue, t.customerShare, t.revenueShare)
            w.money("min_monetary", t.minMonetary)
            w.endObject()
        }
        w.beginObject("cohorts")
        for period in CohortPeriod.allCases {
            let m = a.cohorts(period)
            w.beginObject(period.rawValue)
            if let refusal = m.refusal { w.string("refused", refusal) }
            w.array("cohorts", m.labels) { $0.string(nil, $1) }
            w.array("counts", m.counts) { w, row in w.array(nil, row) { $0.int(nil, $1) } }
            w.array("rates", m.counts.indices) { w, row in w.array(nil, m.counts[row].indices) { $0.ratio(nil, m.rate(row, $1)) } }
            w.array("revenue", m.revenue) { w, row in w.array(nil, row) { $0.money(nil, $1) } }
            w.endObject()
        }
        w.endObject()
        w.raw("data_quality", dataQuality(report).dropLast())
        if includeCustomers {
            let t = a.table
            w.array("customers", a.rowsByCustomerID()) { w, i in
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
        }
        w.endObject()
        return w.bytes + [10]
    }
}
