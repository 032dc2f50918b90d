import ClienteleCore
import ClienteleRender

/// Customer value: tiers, revenue concentration (Lorenz curve, top shares, Gini), top customers, upsell gaps.
enum ValuePage {
    static let topCount = 25

    static func build(_ ctx: PageContext) -> Page {
        let a = ctx.analysis
        let t = a.table
        let c = a.concentration
        var page = Page(id: "value", title: "Customer value",
                        howToRead: "Customers are ranked by net revenue and split into tiers: Platinum is the top 5%, Gold the next 15%, Silver the next 30% and Bronze the bottom half (customers with equal revenue share a tier). The Lorenz curve shows how much of revenue the smallest customers hold: the further it sags below the diagonal, the more revenue depends on a few customers; the Gini coefficient summarises this from 0 (everyone spends the same) to 1 (one customer has everything). Negative revenue (net returns) counts as 0 for concentration.")

        // Tiers, top first.
        let tiers = a.tiers
        var tierRows: [[Cell]] = []
        for s in tiers {
            let avg = s.customers > 0 ? Money.divideRoundingHalfEven(s.revenue, by: Int64(s.customers)) : 0
            tierRows.append([.text(s.tier.rawValue), .int(s.customers), .fraction(s.customerShare), .money(s.revenue),
                             .fraction(s.revenueShare), s.customers > 0 ? .money(avg) : .empty,
                             s.minMonetary.map { .money($0) } ?? .empty])
        }
        let tierTable = Table(id: "tiers", title: "Value tiers", columns: [
            .init(key: "tier", label: "Tier")] + Table.sizeAndShareColumns + [
            .init(key: "avg_revenue", label: "Revenue per customer", numeric: true),
            .init(key: "min_monetary", label: "Entry revenue (lowest in tier)", numeric: true),
        ], rows: tierRows)
        let tierChart = StackedBarChart(
            title: "Share of customers and of revenue by tier", categories: tiers.map(\.tier.rawValue),
            series: [ChartSeries(name: "Share of customers", values: tiers.map { ($0.customerShare ?? 0) * 100 }),
                     ChartSeries(name: "Share of revenue", values: tiers.map { ($0.revenueShare ?? 0) * 100 })],
            categoryAxisTitle: "Value tier", valueAxisTitle: "Share (%)", mode: .grouped,
            format: { DisplayFormat.decimal($0, digits: 1) + "%" })

        // Concentration.
        let shares: [(String, Double?)] = [("Top 1%", c.top1), ("Top 5%", c.top5), ("Top 10%", c.top10), ("Top 20%", c.top20)]
        let concentrationTable = Table(id: "concentration", title: "Revenue concentration", columns: [
            .init(key: "group", label: "Customers"), .init(key: "customers", label: "Number", numeric: true),
            .init(key: "revenue_share", label: "Share of revenue", numeric: true),
        ], rows: zip(shares, [0.01, 0.05, 0.10, 0.20]).map { pair, k in
            [.text(pair.0), .int(Int((k * Double(t.count)).rounded(.up))), .fraction(pair.1)]
        } + [[.text("Gini coefficient"), .empty, .decimal(c.gini, digits: 3)]])
        let lorenzPoints = c.lorenz.enumerated().compactMap { i, v in v.map { (population: Double(i) / 100, share: $0) } }
        let lorenz = LorenzChart(title: "Lorenz curve of customer revenue", points: lorenzPoints,
                                 xAxisTitle: "Share of customers (smallest first)", yAxisTitle: "Share of revenue",
                                 annotations: c.gini.map { ["Gini \(DisplayFormat.decimal($0, digits: 3))",
                                                            "Top 20% hold \(DisplayFormat.percent(c.top20))"] } ?? [])
        let lorenzTable = Table(id: "lorenz", title: "Lorenz curve points", columns: [
            .init(key: "customers_pct", label: "Smallest customers (%)", numeric: true),
            .init(key: "revenue_share", label: "Share of revenue", numeric: true),
        ], rows: c.lorenz.enumerated().map { [.int($0), .fraction($1)] }, htmlLimit: 0)

        // Top customers.
        let total = a.kpis.totalRevenue
        let top = Array(a.customerRows(sort: .monetary, idRank: ctx.dataset.idRank, limit: topCount).prefix(topCount))
        let topTable = Table(id: "top_customers", title: "Top \(top.count) customers by revenue", columns: [
            .init(key: "rank", label: "#", numeric: true), .init(key: "customer_id", label: "Customer"),
            .init(key: "country", label: "Country"), .init(key: "segment", label: "Segment"), .init(key: "tier", label: "Tier"),
            .init(key: "orders", label: "Orders", numeric: true), .init(key: "revenue", label: "Revenue", numeric: true),
            .init(key: "revenue_share", label: "Share of revenue", numeric: true),
            .init(key: "recency_days", label: "Days since last order", numeric: true),
        ], rows: top.enumerated().map { i, r in
            [.int(i + 1), .link(t.id(r), href: ctx.customerLink(t.id(r))), .text(t.countryName(r)), .text(a.segment[r].rawValue),
             .text(a.tier[r].rawValue), .int(Int(t.frequency[r])), .money(t.monetary[r]),
             .fraction(ExactRatio.value(t.monetary[r], total)), .int(t.recencyDays(r))]
        })

        // Upsell gaps between adjacent tiers.
        let gaps = a.tierGaps()
        let gapTable = Table(id: "upsell", title: "Upsell potential between adjacent tiers", columns: [
            .init(key: "from_tier", label: "From"), .init(key: "to_tier", label: "To"),
            .init(key: "avg_gap", label: "Gap in revenue per customer", numeric: true),
            .init(key: "threshold", label: "Entry revenue of next tier", numeric: true),
            .init(key: "near_customers", label: "Customers within 20% of it", numeric: true),
            .init(key: "revenue_to_lift", label: "Revenue needed to lift them", numeric: true),
        ], rows: gaps.map { g in
            [.text(g.from.rawValue), .text(g.to.rawValue), .money(g.averageGap), .money(g.threshold), .int(g.nearRows.count), .money(g.revenueToLift)]
        }, note: "A customer is within 20% of the next tier when its revenue is at least 80% of the next tier's entry revenue. Revenue needed = the sum, over those customers, of the entry revenue minus their revenue.")

        // Insights.
        var insights: [String] = []
        if t.count > 0 {
            let plat = tiers.first { $0.tier == .platinum }!
            insights.append("The top 20% of customers hold \(Words.pct(c.top20)) of revenue and the top 1% hold \(Words.pct(c.top1)); the Gini coefficient is \(c.gini.map { DisplayFormat.decimal($0, digits: 2) } ?? "n/a") (\(giniWords(c.gini))).")
            if plat.customers > 0 {
                insights.append("\(Words.plural(plat.customers, "Platinum customer")) (\(Words.pct(plat.customerShare))) \(Words.verb(plat.customers, "brings", "bring")) \(Words.pct(plat.revenueShare)) of revenue; a Platinum customer spends \(DisplayFormat.money(Money.divideRoundingHalfEven(plat.revenue, by: Int64(plat.customers)))) on average.")
            }
            if let first = top.first, total > 0, let share = ExactRatio.value(t.monetary[first], total), share <= 1 {
                // An executive sees aggregates: the customer is not named.
                let named = Access.current?.role.seesCustomers == false ? "" : ", \(t.id(first)),"
                insights.append("The largest customer\(named) accounts for \(Words.pct(share)) of revenue (\(DisplayFormat.money(t.monetary[first]))).")
            }
            if let best = gaps.max(by: { $0.nearRows.count < $1.nearRows.count }), !best.nearRows.isEmpty {
                insights.append("\(Words.plural(best.nearRows.count, "\(best.from.rawValue) customer")) \(Words.verb(best.nearRows.count, "is", "are")) within 20% of \(best.to.rawValue) (entry revenue \(DisplayFormat.money(best.threshold))): \(DisplayFormat.money(best.revenueToLift)) more revenue would move \(best.nearRows.count == 1 ? "it" : "them all") up.")
            }
        }
        page.insights = insights
        page.kpis = [
            KPI(key: "top_1_share", label: "Top 1% share", value: Words.pct(c.top1), raw: .double(c.top1)),
            KPI(key: "top_5_share", label: "Top 5% share", value: Words.pct(c.top5), raw: .double(c.top5)),
            KPI(key: "top_10_share", label: "Top 10% share", value: Words.pct(c.top10), raw: .double(c.top10)),
            KPI(key: "top_20_share", label: "Top 20% share", value: Words.pct(c.top20), raw: .double(c.top20)),
            KPI(key: "gini", label: "Gini coefficient", value: c.gini.map { DisplayFormat.decimal($0, digits: 3) } ?? "—", raw: .double(c.gini)),
        ]
        page.sections = [
            Section(id: "tiers", title: "Value tiers", blocks: [
                .chart(Chart(id: "tiers", title: tierChart.title, svg: tierChart.svg(), dataTable: "tiers")), .table(tierTable),
            ]),
            Section(id: "concentration", title: "Revenue concentration", blocks: [
                .chart(Chart(id: "lorenz", title: lorenz.title, svg: lorenz.svg(), dataTable: "lorenz")), .table(concentrationTable), .table(lorenzTable),
            ]),
            Section(id: "top", title: "High-impact customers", blocks: [.table(topTable)]),
            Section(id: "upsell", title: "Upsell gaps between tiers", blocks: [.table(gapTable)]),
        ]
        return page
    }

    static func giniWords(_ g: Double?) -> String {
        guard let g else { return "no revenue" }
        switch g {
        case ..<0.3: return "revenue is spread fairly evenly"
        case ..<0.5: return "moderately concentrated"
        case ..<0.7: return "highly concentrated"
        default: return "very highly concentrated"
        }
    }
}
