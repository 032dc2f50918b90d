import ClienteleCore
import ClienteleRender

/// The predictive part of the churn page (churn risk from the model chosen on a holdout, expected value, every
/// candidate's validation) and the explainability page.
enum PredictiveSections {
    /// " (chosen for risk, value model)": the roles of a candidate, or "".
    static func roles(chosen: Bool, valueModel: Bool) -> String {
        let parts = [chosen ? "chosen for risk" : nil, valueModel ? "value model" : nil].compactMap { $0 }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    static let bandNames: [ChurnRiskBand: String] = [.low: "Low (< 25%)", .medium: "Medium (25–50%)", .high: "High (50–75%)", .veryHigh: "Very high (≥ 75%)"]


    /// A money cell for an amount in currency units from a model: empty when it is not finite or out of range.
    static func moneyCell(_ currency: Double) -> Cell {
        Money.units(fromCurrency: currency).map { .money($0) } ?? .empty
    }

    /// What the churn pages say while the whole data set's models are being compared in the background.
    static let pendingNote = Block.paragraph(Paragraph(text: "Comparing churn models on the holdout… This page shows churn risk as soon as the comparison is done (it reloads itself).", note: true, modelsPending: true))
    static let pendingInsight = ExecutiveReport.modelsPendingNote

    /// KPIs, insights and sections added to the churn page (nil result: the models are still being compared).
    static func churn(_ ctx: PageContext, _ result: ChurnResult?) -> (kpis: [KPI], insights: [String], sections: [Section]) {
        guard let result else {
            return ([], [pendingInsight], [Section(id: "risk", title: "Predicted churn risk", blocks: [pendingNote])])
        }
        let a = ctx.analysis, t = a.table, m = result.model, e = result.explanations
        let n = t.count
        let validationSection = modelSection(m)
        guard m.usable, n > 0 else {
            return ([], [m.choiceSentence], validationSection.map { [$0] } ?? [])
        }
        let chosen = m.riskModel!.rawValue
        let H = m.horizonDays
        let likelyGone = (0..<n).filter { m.churnRisk($0) >= 0.5 }
        let expectedQuiet = (0..<n).reduce(0.0) { $0 + m.churnRisk($1) }
        let atRisk = e.revenueAtRisk.reduce(0, +)
        var kpis = [
            KPI(key: "likely_churned", label: "No order likely in \(H) days (risk ≥ 50%)", value: DisplayFormat.integer(likelyGone.count), raw: .int(likelyGone.count),
                hint: "\(Words.share(likelyGone.count, of: n)) of customers; \(chosen)"),
            KPI(key: "expected_no_order", label: "Expected to place no order, \(H) days", value: DisplayFormat.integer(rounding: expectedQuiet), raw: .double(expectedQuiet),
                hint: "sum of each customer's chance"),
            KPI(key: "revenue_at_risk", label: "Revenue at risk, next \(H) days", value: DisplayFormat.compactMoney(atRisk), raw: .money(atRisk),
                hint: "churn risk × last year's revenue pace"),
        ]
        var insights = ["\(Words.plural(likelyGone.count, "customer")) (\(Words.share(likelyGone.count, of: n))) are more likely than not to place no order in the next \(H) days; summing every customer's chance, about \(DisplayFormat.integer(rounding: expectedQuiet)) of the \(DisplayFormat.integer(n)) will not order in that time.",
                        m.choiceSentence]
        if m.valueUsable {
            let clvTotal = (0..<n).reduce(0.0) { $0 + (m.lifetimeValue[$1].isFinite ? m.lifetimeValue[$1] : 0) }
            let e90 = (0..<n).reduce(0.0) { $0 + (m.expected90[$1].isFinite ? m.expected90[$1] : 0) }
            kpis.append(KPI(key: "clv_12m", label: "Customer value, next \(m.options.horizonMonths) months", value: DisplayFormat.compactMoney(currency: clvTotal),
                            raw: .double(clvTotal), hint: "\(m.valueModel!.rawValue) × Gamma-Gamma, discounted"))
            insights.append("\(m.valueModel!.rawValue) expects \(roundedInt(e90).map { Words.plural($0, "order") } ?? "an unknown number of orders") from these customers in the next 90 days and \(DisplayFormat.money(currency: clvTotal)) of discounted value over \(m.options.horizonMonths) months.")
            if Double(atRisk) / 10_000 > clvTotal {
                insights.append("The revenue at risk in the next \(H) days (\(DisplayFormat.money(atRisk))) is more than these customers are expected to bring in \(m.options.horizonMonths) months (\(DisplayFormat.money(currency: clvTotal))): most of the last year's revenue came from customers who are not expected to order again, so revenue depends on winning new customers.")
            }
        } else {
            insights.append(m.valueSentence)
        }
        if ctx.filter.hasLineFilter {
            insights.append("\(chosen) is refitted on the \(Words.plural(m.customersFitted, "customer")) of the date and country selection; it was chosen, and is validated, on the whole data set.")
        } else if ctx.filter.hasCustomerFilter {
            insights.append("The predictions are the whole data set's, shown for the \(Words.plural(n, "customer")) of the segment and tier filters.")
        }

        // Risk bands.
        var bandCustomers = [ChurnRiskBand: Int](), bandRevenue = [ChurnRiskBand: Int64](), bandCLV = [ChurnRiskBand: Double](), bandRisk = [ChurnRiskBand: Int64]()
        for r in 0..<n {
            let b = m.band(r)
            bandCustomers[b, default: 0] += 1; bandRevenue[b, default: 0] += t.monetary[r]; bandRisk[b, default: 0] += e.revenueAtRisk[r]
            bandCLV[b, default: 0] += m.lifetimeValue[r].isFinite ? m.lifetimeValue[r] : 0
        }
        let bands = ChurnRiskBand.allCases
        let bandChart = BarChart(title: "Customers by churn risk (\(chosen))", labels: bands.map { bandNames[$0]! }, values: bands.map { Double(bandCustomers[$0] ?? 0) },
                                 categoryAxisTitle: "Churn risk: \(m.riskWords)", valueAxisTitle: "Customers", showValueLabels: true, format: DisplayFormat.compact)
        var bandColumns: [Table.Column] = [
            .init(key: "band", label: "Churn risk"), .init(key: "customers", label: "Customers", numeric: true),
            .init(key: "customer_share", label: "Share", numeric: true), .init(key: "revenue", label: "Past revenue", numeric: true),
            .init(key: "revenue_at_risk", label: "Revenue at risk, \(H) days", numeric: true),
        ]
        if m.valueUsable { bandColumns.append(.init(key: "clv_12m", label: "Value, next \(m.options.horizonMonths) months", numeric: true)) }
        let bandTable = Table(id: "risk_bands", title: "Churn risk bands", columns: bandColumns, rows: bands.map { b in
            [.text(bandNames[b]!), .int(bandCustomers[b] ?? 0), .fraction(ExactRatio.value(bandCustomers[b] ?? 0, n)), .money(bandRevenue[b] ?? 0),
             .money(bandRisk[b] ?? 0)] + (m.valueUsable ? [moneyCell(bandCLV[b] ?? 0)] : [])
        }, note: "Churn risk is the \(m.riskWords) (\(chosen)). Bands are fixed cut-offs: a band means the same on every data set.")

        // Risk by orders and days since the last order.
        let fLabels = ["1", "2", "3", "4", "5–6", "7–9", "10+"]
        func fBucket(_ orders: Int) -> Int { switch orders { case ...1: 0; case 2: 1; case 3: 2; case 4: 3; case 5...6: 4; case 7...9: 5; default: 6 } }
        let rLabels = ["0–30", "31–60", "61–90", "91–180", "181–365", "366+"]
        func rBucket(_ d: Int) -> Int { switch d { case ...30: 0; case 31...60: 1; case 61...90: 2; case 91...180: 3; case 181...365: 4; default: 5 } }
        var sum = [[Double]](repeating: [Double](repeating: 0, count: 7), count: 6), cnt = [[Int]](repeating: [Int](repeating: 0, count: 7), count: 6)
        for r in 0..<n {
            let i = rBucket(t.recencyDays(r)), j = fBucket(Int(t.frequency[r]))
            sum[i][j] += m.churnRisk(r); cnt[i][j] += 1
        }
        func mean(_ i: Int, _ j: Int) -> Double? { cnt[i][j] > 0 ? sum[i][j] / Double(cnt[i][j]) : nil }
        let matrix = MatrixHeatmap(
            title: "Mean churn risk by orders and days since the last order", rowLabels: rLabels, columnLabels: fLabels,
            values: (0..<6).map { i in (0..<7).map { j in mean(i, j) } },
            xAxisTitle: "Orders", yAxisTitle: "Days since last order", domain: 0...1, palette: .viridis,
            cellText: (0..<6).map { i in (0..<7).map { j in mean(i, j).map { DisplayFormat.percent($0, digits: 0) } } },
            tooltips: (0..<6).map { i in (0..<7).map { j in mean(i, j).map { "\(fLabels[j]) orders, \(rLabels[i]) days: \(DisplayFormat.integer(cnt[i][j])) customers, mean \(m.riskWords) \(DisplayFormat.percent($0))" } } },
            format: { DisplayFormat.percent($0, digits: 0) }, legendTitle: "Churn risk")
        let matrixTable = Table(id: "risk_matrix", title: "Churn risk by orders and recency", columns: [
            .init(key: "days_since_last_order", label: "Days since last order"), .init(key: "orders", label: "Orders"),
            .init(key: "customers", label: "Customers", numeric: true), .init(key: "mean_churn_risk", label: "Mean churn risk", numeric: true),
        ], rows: (0..<6).flatMap { i in (0..<7).compactMap { j in mean(i, j).map { [.text(rLabels[i]), .text(fLabels[j]), .int(cnt[i][j]), .fraction($0)] as [Cell] } } }, htmlLimit: 0)

        var sections = [
            Section(id: "risk", title: "Predicted churn risk (\(chosen))", intro: "Churn risk is the \(m.riskWords), from \(chosen), the candidate that predicted a held-out period best (see “Model choice and validation” below). It is high for customers silent for longer than their usual gap and for one-order customers whose first order is long past.",
                    blocks: [.chart(Chart(id: "risk_bands", title: bandChart.title, svg: bandChart.svg(), dataTable: "risk_bands")),
                             .chart(Chart(id: "risk_matrix", title: matrix.title, svg: matrix.svg(), dataTable: "risk_matrix")),
                             .table(bandTable), .table(matrixTable)]),
        ]

        if m.valueUsable {
            func groupRows<K: Hashable>(_ keys: [K], _ keyOf: (Int) -> K, _ name: (K) -> String) -> [[Cell]] {
                keys.compactMap { k in
                    let rows = (0..<n).filter { keyOf($0) == k }
                    guard !rows.isEmpty else { return nil }   // a row of zeros says nothing
                    let clv = rows.reduce(0.0) { $0 + (m.lifetimeValue[$1].isFinite ? m.lifetimeValue[$1] : 0) }
                    let risk = rows.isEmpty ? nil : rows.reduce(0.0) { $0 + m.churnRisk($1) } / Double(rows.count)
                    return [.text(name(k)), .int(rows.count), .fraction(risk), .decimal(rows.reduce(0.0) { $0 + m.expected90[$1] }, digits: 1),
                            moneyCell(clv), rows.isEmpty ? .empty : moneyCell(clv / Double(rows.count)),
                            .money(rows.reduce(Int64(0)) { $0 + e.revenueAtRisk[$1] })]
                }
            }
            let groupColumns: (String) -> [Table.Column] = { first in [
                .init(key: first.lowercased(), label: first), .init(key: "customers", label: "Customers", numeric: true),
                .init(key: "mean_churn_risk", label: "Mean churn risk", numeric: true), .init(key: "expected_orders_90d", label: "Expected orders, 90 days", numeric: true),
                .init(key: "clv_12m", label: "Value, next \(m.options.horizonMonths) months", numeric: true), .init(key: "clv_per_customer", label: "Per customer", numeric: true),
                .init(key: "revenue_at_risk", label: "Revenue at risk, \(H) days", numeric: true),
            ] }
            let bySegment = Table(id: "clv_by_segment", title: "Expected value by segment", columns: groupColumns("Segment"),
                                  rows: groupRows(Segment.allCases, { a.segment[$0] }, \.rawValue))
            let byTier = Table(id: "clv_by_tier", title: "Expected value by tier", columns: groupColumns("Tier"),
                               rows: groupRows(ValueTier.allCases, { a.tier[$0] }, \.rawValue))
            sections.append(Section(id: "value", title: "Expected value by segment and tier", intro: "What each segment and tier is expected to bring over the next \(m.options.horizonMonths) months, from the value model summarised above, beside its revenue at risk over the next \(H) days.", blocks: [.table(bySegment), .table(byTier)]))
        }

        // At-risk, high-value customers.
        let valuable = (0..<n).filter { m.churnRisk($0) >= 0.5 && (a.tier[$0] == .gold || a.tier[$0] == .platinum) }
            .sorted { t.monetary[$0] > t.monetary[$1] }
        let list = Table(id: "at_risk_high_value", title: "At-risk high-value customers (risk ≥ 50%, Gold or Platinum)", columns: [
            .init(key: "customer_id", label: "Customer"), .init(key: "country", label: "Country"), .init(key: "segment", label: "Segment"),
            .init(key: "tier", label: "Tier"), .init(key: "monetary", label: "Past revenue", numeric: true),
            .init(key: "churn_risk", label: "Churn risk", numeric: true), .init(key: "clv_12m", label: "Value, \(m.options.horizonMonths) months", numeric: true),
            .init(key: "reason", label: "Main reason"),
        ], rows: valuable.map { r in
            [.link(t.id(r), href: ctx.customerLink(t.id(r))), .text(t.countryName(r)), .text(a.segment[r].rawValue), .text(a.tier[r].rawValue),
             .money(t.monetary[r]), .fraction(m.churnRisk(r)), m.valueUsable ? moneyCell(m.lifetimeValue[r]) : .empty,
             .text(e.mainReason(r, table: t))]
        }, htmlLimit: 25)
        sections.append(Section(id: "at-risk", title: "At-risk high-value customers", intro: "Gold and Platinum customers more likely than not to place no order in the next \(H) days, largest past spenders first. The full list is in the CSV; the churn explanations page has the reasons of every customer.",
                                blocks: [.table(list)]))
        if let validationSection { sections.append(validationSection) }
        return (kpis, insights, sections)
    }

    /// "Model choice and validation": every candidate's holdout scores side by side, the reliability chart of the
    /// chosen one, and the refitted parameters.
    static func modelSection(_ m: ChurnModel) -> Section? {
        guard let s = m.selection else { return nil }
        let rows = m.candidateRows
        let candidates = Table(id: "candidates", title: "Candidates on the holdout", columns: [
            .init(key: "model", label: "Model"), .init(key: "status", label: "Status"),
            .init(key: "log_loss", label: "Log-loss", numeric: true), .init(key: "auc", label: "AUC", numeric: true),
            .init(key: "brier", label: "Brier", numeric: true), .init(key: "mean_predicted", label: "Mean predicted", numeric: true),
            .init(key: "purchases_mae", label: "Purchases error", numeric: true),
        ], rows: rows.map { r in
            [.text(r.candidate.rawValue + Self.roles(chosen: r.chosen, valueModel: r.valueModel)), .text(r.status),
             .decimal(r.logLoss, digits: 4), .decimal(r.auc, digits: 3), .decimal(r.brier, digits: 4), .fraction(r.meanPredicted),
             .decimal(r.purchasesMAE, digits: 3)]
        }, note: "Holdout: \(m.holdoutWords ?? "")\(m.validationScope.map { ", on \($0)" } ?? ""). Buy-till-you-die models are fitted on the orders up to \(DisplayFormat.date(s.calibrationDay)); the logistic regression and the baseline are trained on the \(s.horizonDays) days before it. Lower log-loss and Brier are better; AUC is the chance that a customer who did not order is ranked above one who did (0.5 = a coin). The chosen model has the lowest log-loss among identified candidates and must beat the baseline. Purchases error: mean absolute error of expected purchase days per customer (buy-till-you-die models only; the lowest identified one gives expected orders and value). Observed rate of no order: \(DisplayFormat.percent(s.noOrderRate)).")
        var blocks: [Block] = []
        if let chosen = m.riskModel, let metrics = s.result(chosen)?.metrics, !metrics.calibration.isEmpty {
            let labels = metrics.calibration.indices.map { String($0 + 1) }
            var series = [ChartSeries(name: "Predicted (\(chosen.rawValue))", values: metrics.calibration.map(\.meanPredicted)),
                          ChartSeries(name: "Observed", values: metrics.calibration.map(\.observedRate))]
            if chosen != .baseline, let b = s.result(.baseline)?.metrics, b.calibration.count == metrics.calibration.count {
                series.append(ChartSeries(name: "Predicted (baseline)", values: b.calibration.map(\.meanPredicted)))
                series.append(ChartSeries(name: "Observed (baseline deciles)", values: b.calibration.map(\.observedRate)))
            }
            let chart = LineChart(title: "Reliability: predicted against observed chance of no order, by decile", x: .categories(labels), series: series,
                                  xAxisTitle: "Decile of predicted risk (1 = lowest)", yAxisTitle: "Chance of no order in \(s.horizonDays) days",
                                  format: { DisplayFormat.percent($0, digits: 0) })
            let table = Table(id: "reliability", title: "Reliability of \(chosen.rawValue) by decile", columns: [
                .init(key: "decile", label: "Decile", numeric: true), .init(key: "customers", label: "Customers", numeric: true),
                .init(key: "mean_predicted", label: "Mean predicted", numeric: true), .init(key: "observed", label: "Observed", numeric: true),
            ], rows: metrics.calibration.enumerated().map { [.int($0 + 1), .int($1.count), .fraction($1.meanPredicted), .fraction($1.observedRate)] })
            blocks.append(.chart(Chart(id: "reliability", title: chart.title, svg: chart.svg(), dataTable: "reliability")))
            blocks.append(.table(candidates))
            blocks.append(.table(table))
        } else {
            blocks.append(.table(candidates))
        }
        var params: [[Cell]] = []
        for (label, fit) in [("Churn risk", m.riskFit), ("Expected orders", m.valueModel == m.riskModel ? nil : m.valueFit)] {
            guard let fit else { continue }
            let name = label == "Churn risk" ? m.riskModel?.rawValue ?? "" : m.valueModel?.rawValue ?? ""
            for p in fit.parameters { params.append([.text("\(label): \(name)"), .text(p.name), .decimal(p.value, digits: 4), .decimal(p.standardError, digits: 4)]) }
        }
        if let g = m.spendFit, g.converged, m.valueUsable {
            let gse = g.standardErrors
            params += [[.text("Order value: Gamma-Gamma"), .text("p"), .decimal(g.p, digits: 4), .decimal(gse?.p, digits: 4)],
                       [.text("Order value: Gamma-Gamma"), .text("q"), .decimal(g.q, digits: 4), .decimal(gse?.q, digits: 4)],
                       [.text("Order value: Gamma-Gamma"), .text("γ"), .decimal(g.gamma, digits: 4), .decimal(gse?.gamma, digits: 4)]]
        }
        if !params.isEmpty {
            blocks.append(.table(Table(id: "model", title: "Refitted parameters", columns: [
                .init(key: "use", label: "Used for"), .init(key: "parameter", label: "Parameter"),
                .init(key: "estimate", label: "Estimate", numeric: true), .init(key: "standard_error", label: "Standard error", numeric: true),
            ], rows: params, note: "Refitted on the \(DisplayFormat.integer(m.customersFitted)) customers with an order up to \(DisplayFormat.date(m.endDay)) to score today's customers. Buy-till-you-die time unit: weeks; logistic coefficients on the original feature scale.")))
        }
        return Section(id: "model", title: "Model choice and validation", intro: "Every candidate scored on the same holdout, side by side: the evidence for the choice stated at the top of the page.", blocks: blocks)
    }
}
