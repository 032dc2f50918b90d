import ClienteleCore
import ClienteleRender

/// The predictive part of the churn page (BG/NBD, Gamma-Gamma, validation) and the explainability page.
enum PredictiveSections {
    static let bandNames: [ChurnRiskBand: String] = [.low: "Low (< 25%)", .medium: "Medium (25–50%)", .high: "High (50–75%)", .veryHigh: "Very high (≥ 75%)"]

    static func f(_ v: Double, _ d: Int = 2) -> String { v.isFinite ? DisplayFormat.decimal(v, digits: d) : "—" }

    /// A money cell for an amount in currency units from a model: empty when it is not finite or out of range.
    static func moneyCell(_ currency: Double) -> Cell {
        Money.units(fromCurrency: currency).map { .money($0) } ?? .empty
    }

    /// KPIs, insights and sections added to the churn page.
    static func churn(_ ctx: PageContext, _ result: ChurnResult) -> (kpis: [KPI], insights: [String], sections: [Section]) {
        let a = ctx.analysis, t = a.table, m = result.model, e = result.explanations
        let n = t.count
        guard m.usable, n > 0 else {
            let reason = m.unusableReason.isEmpty ? "there are no customers in the selection" : m.unusableReason
            return ([], ["The predictive model cannot be used on this selection: \(reason)."], [])
        }
        let likelyGone = (0..<n).filter { m.churnRisk($0) >= 0.5 }
        let clvTotal = (0..<n).reduce(0.0) { $0 + (m.lifetimeValue[$1].isFinite ? m.lifetimeValue[$1] : 0) }
        let e90 = (0..<n).reduce(0.0) { $0 + m.expected90[$1] }
        let atRisk = e.revenueAtRisk.reduce(0, +)
        let kpis = [
            KPI(key: "likely_churned", label: "Likely lapsed (risk ≥ 50%)", value: DisplayFormat.integer(likelyGone.count), raw: .int(likelyGone.count),
                hint: "\(Words.share(likelyGone.count, of: n)) of customers"),
            KPI(key: "expected_orders_90d", label: "Expected orders, next 90 days", value: DisplayFormat.integer(rounding: e90), raw: .double(e90)),
            KPI(key: "clv_12m", label: "Customer value, next 12 months", value: DisplayFormat.compactMoney(currency: clvTotal),
                raw: .double(clvTotal), hint: "BG/NBD × Gamma-Gamma, 1%/month discount"),
            KPI(key: "revenue_at_risk", label: "Revenue at risk, 12 months", value: DisplayFormat.compactMoney(atRisk), raw: .money(atRisk),
                hint: "churn risk × past 12-month pace"),
        ]
        var insights = ["The model (BG/NBD) considers \(Words.plural(likelyGone.count, "customer")) more likely lapsed than active; together with the rest it expects \(roundedInt(e90).map { Words.plural($0, "order") } ?? "an unknown number of orders") in the next 90 days and \(DisplayFormat.money(currency: clvTotal)) of discounted customer value over 12 months."]
        if let warning = m.reliabilityWarning { insights.insert(warning, at: 0) }
        if ctx.filter.hasCustomerFilter {
            insights.append("The model is fitted on the \(Words.plural(Int(m.fit.diagnostics.customers), "customer")) of the date and country selection; this page shows the \(Words.plural(n, "customer")) of the segment and tier filters among them.")
        }
        if let v = m.validation, let aucAlive = v.result.auc, let aucExpected = v.result.aucExpectedPurchases, aucAlive < aucExpected - 0.1 {
            insights.append("Caution: BG/NBD gives every customer with a single purchase day P(alive) = 100%, so P(alive) ranks them first; on the holdout it separates returning customers less well (AUC \(f(aucAlive))) than expected purchases do (AUC \(f(aucExpected))). Use expected orders to rank one-order customers.")
        }
        if let v = m.validation {
            insights.append((m.validationScope.map { "Validation of \($0) (not refitted for this selection): " } ?? "") + "Checked on a holdout (\(DisplayFormat.date(v.calibrationEnd + 1)) to \(DisplayFormat.date(v.holdoutEnd))): it predicted \(DisplayFormat.integer(rounding: v.result.predictedTotal)) repeat purchase days against \(DisplayFormat.integer(v.result.actualTotal)) actual (\(DisplayFormat.signedPercentChange(v.result.predictedTotal, previous: Double(v.result.actualTotal)) ?? "n/a")), mean absolute error \(f(v.result.meanAbsoluteError)) per customer\(v.result.aucExpectedPurchases.map { ", AUC \(f($0))" } ?? "").")
        }

        // Risk bands.
        var bandCustomers = [ChurnRiskBand: Int](), bandRevenue = [ChurnRiskBand: Int64](), bandCLV = [ChurnRiskBand: Double]()
        for r in 0..<n {
            let b = m.band(r)
            bandCustomers[b, default: 0] += 1; bandRevenue[b, default: 0] += t.monetary[r]
            bandCLV[b, default: 0] += m.lifetimeValue[r].isFinite ? m.lifetimeValue[r] : 0
        }
        let bands = ChurnRiskBand.allCases
        let bandChart = BarChart(title: "Customers by churn risk", labels: bands.map { bandNames[$0]! }, values: bands.map { Double(bandCustomers[$0] ?? 0) },
                                 categoryAxisTitle: "Churn risk (1 − P(alive))", valueAxisTitle: "Customers", showValueLabels: true, format: DisplayFormat.compact)
        let bandTable = Table(id: "risk_bands", title: "Churn risk bands", columns: [
            .init(key: "band", label: "Churn risk"), .init(key: "customers", label: "Customers", numeric: true),
            .init(key: "customer_share", label: "Share", numeric: true), .init(key: "revenue", label: "Past revenue", numeric: true),
            .init(key: "clv_12m", label: "Value, next 12 months", numeric: true),
        ], rows: bands.map { b in
            [.text(bandNames[b]!), .int(bandCustomers[b] ?? 0), .fraction(ExactRatio.value(bandCustomers[b] ?? 0, n)), .money(bandRevenue[b] ?? 0),
             moneyCell(bandCLV[b] ?? 0)]
        }, note: "Bands are fixed cut-offs of 1 − P(alive): a band means the same on every data set. Under BG/NBD a customer with a single purchase day has P(alive) = 1 (it can only lapse after a repeat purchase), so one-order customers are always Low here; the Churn explanations page flags the long-silent ones from the data.")

        // P(alive) by frequency and recency.
        let fLabels = ["1", "2", "3", "4", "5–6", "7–9", "10+"]
        func fBucket(_ orders: Int) -> Int { switch orders { case ...1: 0; case 2: 1; case 3: 2; case 4: 3; case 5...6: 4; case 7...9: 5; default: 6 } }
        let rLabels = ["0–30", "31–60", "61–90", "91–180", "181–365", "366+"]
        func rBucket(_ d: Int) -> Int { switch d { case ...30: 0; case 31...60: 1; case 61...90: 2; case 91...180: 3; case 181...365: 4; default: 5 } }
        var sum = [[Double]](repeating: [Double](repeating: 0, count: 7), count: 6), cnt = [[Int]](repeating: [Int](repeating: 0, count: 7), count: 6)
        for r in 0..<n {
            let i = rBucket(t.recencyDays(r)), j = fBucket(Int(t.frequency[r]))
            sum[i][j] += m.probabilityAlive[r]; cnt[i][j] += 1
        }
        let matrix = MatrixHeatmap(
            title: "Mean P(alive) by orders and days since the last order", rowLabels: rLabels, columnLabels: fLabels,
            values: (0..<6).map { i in (0..<7).map { j in cnt[i][j] > 0 ? sum[i][j] / Double(cnt[i][j]) : nil } },
            xAxisTitle: "Orders", yAxisTitle: "Days since last order", domain: 0...1, palette: .viridis,
            cellText: (0..<6).map { i in (0..<7).map { j in cnt[i][j] > 0 ? DisplayFormat.percent(sum[i][j] / Double(cnt[i][j]), digits: 0) : nil } },
            tooltips: (0..<6).map { i in (0..<7).map { j in cnt[i][j] > 0 ? "\(fLabels[j]) orders, \(rLabels[i]) days: \(DisplayFormat.integer(cnt[i][j])) customers, mean P(alive) \(DisplayFormat.percent(sum[i][j] / Double(cnt[i][j])))" : nil } },
            format: { DisplayFormat.percent($0, digits: 0) }, legendTitle: "P(alive)")
        let matrixTable = Table(id: "p_alive_matrix", title: "P(alive) by orders and recency", columns: [
            .init(key: "days_since_last_order", label: "Days since last order"), .init(key: "orders", label: "Orders"),
            .init(key: "customers", label: "Customers", numeric: true), .init(key: "mean_p_alive", label: "Mean P(alive)", numeric: true),
        ], rows: (0..<6).flatMap { i in (0..<7).compactMap { j in cnt[i][j] > 0 ? [.text(rLabels[i]), .text(fLabels[j]), .int(cnt[i][j]), .fraction(sum[i][j] / Double(cnt[i][j]))] as [Cell] : nil } }, htmlLimit: 0)

        // CLV by segment and tier.
        func groupRows<K: Hashable>(_ keys: [K], _ keyOf: (Int) -> K, _ name: (K) -> String) -> [[Cell]] {
            keys.map { k in
                let rows = (0..<n).filter { keyOf($0) == k }
                let clv = rows.reduce(0.0) { $0 + (m.lifetimeValue[$1].isFinite ? m.lifetimeValue[$1] : 0) }
                let alive = rows.isEmpty ? nil : rows.reduce(0.0) { $0 + m.probabilityAlive[$1] } / Double(rows.count)
                return [.text(name(k)), .int(rows.count), .fraction(alive), .decimal(rows.reduce(0.0) { $0 + m.expected90[$1] }, digits: 1),
                        moneyCell(clv), rows.isEmpty ? .empty : moneyCell(clv / Double(rows.count)),
                        .money(rows.reduce(Int64(0)) { $0 + e.revenueAtRisk[$1] })]
            }
        }
        let groupColumns: (String) -> [Table.Column] = { first in [
            .init(key: first.lowercased(), label: first), .init(key: "customers", label: "Customers", numeric: true),
            .init(key: "mean_p_alive", label: "Mean P(alive)", numeric: true), .init(key: "expected_orders_90d", label: "Expected orders, 90 days", numeric: true),
            .init(key: "clv_12m", label: "Value, next 12 months", numeric: true), .init(key: "clv_per_customer", label: "Per customer", numeric: true),
            .init(key: "revenue_at_risk", label: "Revenue at risk", numeric: true),
        ] }
        let bySegment = Table(id: "clv_by_segment", title: "Expected value by segment", columns: groupColumns("Segment"),
                              rows: groupRows(Segment.allCases, { a.segment[$0] }, \.rawValue))
        let byTier = Table(id: "clv_by_tier", title: "Expected value by tier", columns: groupColumns("Tier"),
                           rows: groupRows(ValueTier.allCases, { a.tier[$0] }, \.rawValue))

        // At-risk, high-value customers.
        let valuable = (0..<n).filter { m.churnRisk($0) >= 0.5 && (a.tier[$0] == .gold || a.tier[$0] == .platinum) }
            .sorted { t.monetary[$0] > t.monetary[$1] }
        let list = Table(id: "at_risk_high_value", title: "At-risk high-value customers (risk ≥ 50%, Gold or Platinum)", columns: [
            .init(key: "customer_id", label: "Customer"), .init(key: "country", label: "Country"), .init(key: "segment", label: "Segment"),
            .init(key: "tier", label: "Tier"), .init(key: "monetary", label: "Past revenue", numeric: true),
            .init(key: "p_alive", label: "P(alive)", numeric: true), .init(key: "clv_12m", label: "Value, 12 months", numeric: true),
            .init(key: "reason", label: "Main reason"),
        ], rows: valuable.map { r in
            [.link(t.id(r), href: ctx.customerLink(t.id(r))), .text(t.countryName(r)), .text(a.segment[r].rawValue), .text(a.tier[r].rawValue),
             .money(t.monetary[r]), .fraction(m.probabilityAlive[r]), moneyCell(m.lifetimeValue[r]),
             .text(e.reasons[r].first?.text ?? "")]
        }, htmlLimit: 25)

        // Model and validation.
        let fit = m.fit
        let se = fit.standardErrors
        var modelRows: [[Cell]] = [
            [.text("BG/NBD r"), .decimal(fit.r, digits: 4), se.map { .decimal($0.r, digits: 4) } ?? .empty],
            [.text("BG/NBD alpha (weeks)"), .decimal(fit.alpha, digits: 4), se.map { .decimal($0.alpha, digits: 4) } ?? .empty],
            [.text("BG/NBD a"), .decimal(fit.a, digits: 4), se.map { .decimal($0.a, digits: 4) } ?? .empty],
            [.text("BG/NBD b"), .decimal(fit.b, digits: 4), se.map { .decimal($0.b, digits: 4) } ?? .empty],
            [.text("BG/NBD log-likelihood"), .decimal(fit.logLikelihood, digits: 1), .empty],
            [.text("BG/NBD iterations (\(fit.diagnostics.method))"), .int(fit.iterations), .empty],
        ]
        if let g = m.spendFit, g.converged {
            let gse = g.standardErrors
            modelRows += [[.text("Gamma-Gamma p"), .decimal(g.p, digits: 4), gse.map { .decimal($0.p, digits: 4) } ?? .empty],
                          [.text("Gamma-Gamma q"), .decimal(g.q, digits: 4), gse.map { .decimal($0.q, digits: 4) } ?? .empty],
                          [.text("Gamma-Gamma gamma"), .decimal(g.gamma, digits: 4), gse.map { .decimal($0.gamma, digits: 4) } ?? .empty]]
        }
        let modelTable = Table(id: "model", title: "Fitted parameters", columns: [
            .init(key: "parameter", label: "Parameter"), .init(key: "estimate", label: "Estimate", numeric: true),
            .init(key: "standard_error", label: "Standard error", numeric: true),
        ], rows: modelRows, note: "Maximum likelihood on \(DisplayFormat.integer(Int(fit.diagnostics.customers))) customers (\(DisplayFormat.integer(fit.diagnostics.rows)) distinct (x, t_x, T) rows), time in weeks; standard errors from the observed information.")
        var sections = [
            Section(id: "risk", title: "Predicted churn risk (BG/NBD)", intro: "P(alive) is the probability, from the BG/NBD model fitted on these customers' purchase histories, that a customer is still active; churn risk is 1 − P(alive). Value over the next 12 months combines expected purchases with the Gamma-Gamma expected order value, discounted at 1% a month.",
                    blocks: [.chart(Chart(id: "risk_bands", title: bandChart.title, svg: bandChart.svg(), dataTable: "risk_bands")),
                             .chart(Chart(id: "p_alive_matrix", title: matrix.title, svg: matrix.svg(), dataTable: "p_alive_matrix")),
                             .table(bandTable), .table(matrixTable)]),
            Section(id: "value", title: "Expected value by segment and tier", blocks: [.table(bySegment), .table(byTier)]),
            Section(id: "at-risk", title: "At-risk high-value customers", intro: "Gold and Platinum customers the model considers more likely lapsed than active, largest past spenders first. The full list is in the CSV; the churn explanations page has the reasons of every customer.",
                    blocks: [.table(list)]),
        ]
        var modelBlocks: [Block] = [.table(modelTable)]
        if let v = m.validation {
            let res = v.result
            let buckets = res.buckets
            let vchart = StackedBarChart(title: "Holdout: predicted vs actual purchases per customer", categories: buckets.map(\.label),
                                         series: [ChartSeries(name: "Predicted", values: buckets.map(\.meanPredicted)), ChartSeries(name: "Actual", values: buckets.map(\.meanActual))],
                                         categoryAxisTitle: "Repeat purchase days in calibration", valueAxisTitle: "Mean purchases in holdout",
                                         mode: .grouped, format: { DisplayFormat.decimal($0, digits: 2) })
            let vtable = Table(id: "validation", title: "Holdout validation by calibration frequency", columns: [
                .init(key: "repeat_purchases", label: "Repeat purchase days (calibration)"), .init(key: "customers", label: "Customers", numeric: true),
                .init(key: "predicted", label: "Predicted (holdout)", numeric: true), .init(key: "actual", label: "Actual (holdout)", numeric: true),
            ], rows: buckets.map { [.text($0.label), .int($0.customers), .decimal($0.predicted, digits: 1), .int($0.actual)] }
                + [[.text("Total"), .int(res.customers), .decimal(res.predictedTotal, digits: 1), .int(res.actualTotal)]],
            note: (m.validationScope.map { "Validated on \($0), not refitted for this selection. " } ?? "") + "Calibration to \(DisplayFormat.date(v.calibrationEnd)), holdout \(DisplayFormat.date(v.calibrationEnd + 1)) to \(DisplayFormat.date(v.holdoutEnd)) (the last quarter of the span). Mean absolute error per customer \(f(res.meanAbsoluteError)); AUC of P(alive) for “purchased again” \(res.auc.map { f($0) } ?? "—"), of expected purchases \(res.aucExpectedPurchases.map { f($0) } ?? "—").")
            let ctable = Table(id: "calibration", title: "P(alive) deciles against purchasing again in the holdout", columns: [
                .init(key: "decile", label: "Decile", numeric: true), .init(key: "customers", label: "Customers", numeric: true),
                .init(key: "mean_p_alive", label: "Mean P(alive)", numeric: true), .init(key: "share_purchased_again", label: "Purchased again", numeric: true),
            ], rows: res.calibration.enumerated().map { [.int($0 + 1), .int($1.customers), .fraction($1.meanProbabilityAlive), .fraction($1.sharePurchasedAgain)] })
            modelBlocks = [.chart(Chart(id: "validation", title: vchart.title, svg: vchart.svg(), dataTable: "validation")), .table(vtable), .table(ctable), .table(modelTable)]
        }
        sections.append(Section(id: "model", title: "Model and validation", blocks: modelBlocks))
        return (kpis, insights, sections)
    }
}

/// Churn explainability: reasons per customer and per segment.
enum ExplainPage {
    static func build(_ ctx: PageContext) throws(FilterError) -> Page {
        let a = ctx.analysis, t = a.table
        let result = try ctx.store.churn(ctx.filter)
        let m = result.model, e = result.explanations
        var page = Page(id: "explain", title: "Churn explanations",
                        howToRead: "Why customers are at risk, in plain words, derived from each customer's own history and the fitted BG/NBD model: silent for longer than their usual gap between orders, only one order long ago, ordering less often than the year before, spending less per order. Reasons are ranked by how much they move the outlook: for a long silence, by how much P(alive) would rise had the customer ordered one usual gap ago; for the others by a weight from the data (the README's Predictive churn section gives each rule). Revenue at risk = churn risk × the customer's past 12-month pace.")
        let n = t.count
        let segs = e.segments(a, model: m)
        let kinds = ChurnReason.Kind.allCases
        var primary = [ChurnReason.Kind: Int]()
        for r in 0..<n { if let k = e.reasons[r].first?.kind { primary[k, default: 0] += 1 } }
        let totalRisk = e.revenueAtRisk.reduce(0, +)
        let atRisk = m.usable ? (0..<n).filter { m.churnRisk($0) >= 0.5 }.count : 0
        page.kpis = [
            KPI(key: "revenue_at_risk", label: "Revenue at risk, 12 months", value: DisplayFormat.compactMoney(totalRisk), raw: .money(totalRisk)),
            KPI(key: "at_risk_customers", label: "Customers at risk (≥ 50%)", value: DisplayFormat.integer(atRisk), raw: .int(atRisk)),
            KPI(key: "with_reasons", label: "Customers with a reason", value: DisplayFormat.integer(primary.values.reduce(0, +)), raw: .int(primary.values.reduce(0, +))),
        ]
        if let top = primary.max(by: { $0.value < $1.value }) {
            page.insights.append("The most common main reason is “\(top.key.label.lowercased())”: \(Words.plural(top.value, "customer")).")
        }
        if let worst = segs.max(by: { $0.revenueAtRisk < $1.revenueAtRisk }), worst.revenueAtRisk > 0 {
            page.insights.append("\(worst.segment.rawValue) holds the most revenue at risk: \(DisplayFormat.money(worst.revenueAtRisk)) (\(Words.pct(ExactRatio.value(worst.revenueAtRisk, totalRisk))) of the total); \(DisplayFormat.integer(worst.atRisk)) of its \(Words.plural(worst.customers, "customer")) have a churn risk of 50% or more.")
        }
        let segTable = Table(id: "segments", title: "Reasons and revenue at risk by segment", columns: [
            .init(key: "segment", label: "Segment"), .init(key: "customers", label: "Customers", numeric: true),
            .init(key: "at_risk", label: "At risk (≥ 50%)", numeric: true), .init(key: "revenue_at_risk", label: "Revenue at risk", numeric: true),
        ] + kinds.map { .init(key: $0.rawValue, label: $0.label, numeric: true) },
        rows: segs.sorted { $0.revenueAtRisk > $1.revenueAtRisk }.map { s in
            [.link(s.segment.rawValue, href: ctx.request.link("/explain", [], filter: ChurnPage.withSegment(ctx.filter, s.segment))), .int(s.customers), .int(s.atRisk), .money(s.revenueAtRisk)]
                + kinds.map { .int(s.primary[$0] ?? 0) }
        }, note: "Reason columns count customers by their main (first-ranked) reason.")
        let ordered = segs.sorted { $0.revenueAtRisk > $1.revenueAtRisk }.filter { $0.customers > 0 }
        let chart = MatrixHeatmap(
            title: "Customers by segment and main reason", rowLabels: ordered.map(\.segment.rawValue), columnLabels: kinds.map(\.label),
            values: ordered.map { sg in kinds.map { Double(sg.primary[$0] ?? 0) } },
            xAxisTitle: "Main reason", yAxisTitle: "Segment (most revenue at risk first)",
            cellText: ordered.map { sg in kinds.map { DisplayFormat.integer(sg.primary[$0] ?? 0) } },
            tooltips: ordered.map { sg in kinds.map { "\(sg.segment.rawValue), \($0.label.lowercased()): \(DisplayFormat.integer(sg.primary[$0] ?? 0)) customers; segment revenue at risk \(DisplayFormat.money(sg.revenueAtRisk))" } },
            format: DisplayFormat.compact, legendTitle: "Customers")
        // Every customer with a reason: by revenue at risk, then by the strength of the main reason.
        let rows = (0..<n).filter { !e.reasons[$0].isEmpty }.sorted {
            e.revenueAtRisk[$0] != e.revenueAtRisk[$1] ? e.revenueAtRisk[$0] > e.revenueAtRisk[$1] : e.reasons[$0][0].impact > e.reasons[$1][0].impact
        }
        let list = Table(id: "customers", title: "Customers by revenue at risk", columns: [
            .init(key: "customer_id", label: "Customer"), .init(key: "segment", label: "Segment"), .init(key: "tier", label: "Tier"),
            .init(key: "churn_risk", label: "Churn risk", numeric: true), .init(key: "revenue_at_risk", label: "Revenue at risk", numeric: true),
            .init(key: "reasons", label: "Reasons, strongest first"),
        ], rows: rows.map { r in
            [.link(t.id(r), href: ctx.customerLink(t.id(r))), .text(a.segment[r].rawValue), .text(a.tier[r].rawValue),
             .fraction(m.usable ? m.churnRisk(r) : nil), .money(e.revenueAtRisk[r]), .text(e.reasons[r].map(\.text).joined(separator: "; "))]
        }, htmlLimit: 40)
        page.sections = [
            Section(id: "segments", title: "By segment", blocks: [.chart(Chart(id: "reasons", title: chart.title, svg: chart.svg(), dataTable: "segments", wide: true)), .table(segTable)]),
            Section(id: "customers", title: "By customer", blocks: [.table(list)]),
        ]
        return page
    }
}
