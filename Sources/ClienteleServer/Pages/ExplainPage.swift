import ClienteleCore
import ClienteleRender

/// Churn explainability: reasons per customer and per segment.
enum ExplainPage {
    static func build(_ ctx: PageContext) throws(FilterError) -> Page {
        let a = ctx.analysis, t = a.table
        let H = ctx.snapshot.horizonDays
        var page = Page(id: "explain", title: "Churn explanations",
                        howToRead: "Why customers are at risk, in plain words, derived from each customer's own history: silent for longer than their usual gap between orders, only one order long ago, ordering less often than the year before, spending less per order. Churn risk is the chance of no order in the next \(H) days, from the model chosen on a holdout (see the Churn page). Reasons are ranked by how much they move the outlook: for a long silence, by how much lower the risk would be had the customer ordered one usual gap ago; for the others by a weight from the data (the README's Predictive churn section gives each rule). Revenue at risk = churn risk × the customer's revenue of the last 365 days × \(H) / 365: the part of today's revenue that stops if it lapses; a customer silent for a year has none left at risk.")
        guard let result = ctx.snapshot.churn else {
            page.insights = [PredictiveSections.pendingInsight]
            page.sections = [Section(id: "segments", title: "By segment", blocks: [PredictiveSections.pendingNote])]
            return page
        }
        let m = result.model, e = result.explanations
        if !m.usable { page.insights.append(m.choiceSentence) }
        let n = t.count
        let segs = e.segments(a, model: m)
        let kinds = ChurnReason.Kind.allCases
        var primary = [ChurnReason.Kind: Int]()
        for r in 0..<n { if let k = e.reasons[r].first?.kind { primary[k, default: 0] += 1 } }
        let totalRisk = e.revenueAtRisk.reduce(0, +)
        let atRisk = m.usable ? (0..<n).filter { m.churnRisk($0) >= 0.5 }.count : 0
        page.kpis = [
            KPI(key: "revenue_at_risk", label: "Revenue at risk, next \(m.horizonDays) days", value: DisplayFormat.compactMoney(totalRisk), raw: .money(totalRisk)),
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
            .init(key: "churn_risk", label: "Churn risk, \(m.horizonDays) days", numeric: true), .init(key: "revenue_at_risk", label: "Revenue at risk", numeric: true),
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
