import ClienteleCore
import ClienteleRender

/// Executive overview: KPI cards with change against the previous period, revenue and customers over time,
/// new vs returning revenue.
enum OverviewPage {
    static func build(_ ctx: PageContext) -> Page {
        let a = ctx.analysis
        let k = a.kpis
        let prev = ctx.previousPeriod()
        let p = prev?.analysis.kpis
        let hasPrevious = (p?.totalCustomers ?? 0) > 0
        let pk = hasPrevious ? p : nil

        var page = Page(id: "overview", title: "Executive overview",
                        howToRead: "The headline numbers for the selection (\(ctx.selectionDescription)). Each card compares with the period of equal length just before it (with the same country, segment and tier filters); green is better, red is worse. A customer is anyone with at least one order in the period; revenue is net of cancellations and returns, guests excluded. Below, revenue is split each month into revenue from customers in their first month (new) and from customers who came back (returning).")
        page.kpis = [
            .count("total_customers", "Customers", k.totalCustomers, previous: pk?.totalCustomers, hint: "with at least one order"),
            .money("total_revenue", "Revenue", k.totalRevenue, previous: pk.map { Optional($0.totalRevenue) }, hint: "net of returns, guests excluded"),
            .money("avg_revenue_per_customer", "Revenue per customer", k.avgRevenuePerCustomer, previous: pk.map { $0.avgRevenuePerCustomer }),
            .count("orders", "Orders", k.orders, previous: pk?.orders),
            .money("average_order_value", "Average order value", k.averageOrderValue, previous: pk.map { $0.averageOrderValue }),
            .rate("repeat_customer_rate", "Repeat customer rate", k.repeatCustomerRate, previous: pk.map { $0.repeatCustomerRate }, hint: "customers with 2+ orders"),
            .count("champions_count", "Champions", k.championsCount, previous: pk?.championsCount, hint: "recent and frequent buyers"),
            .rate("champions_revenue_share", "Champions' revenue share", k.championsRevenueSharePct.map { $0 / 100 },
                  previous: pk.map { $0.championsRevenueSharePct.map { $0 / 100 } }),
        ]

        // Insights, generated from the numbers above.
        var insights: [String] = []
        if k.totalCustomers > 0 {
            insights.append("\(Words.plural(k.totalCustomers, "customer")) placed \(Words.plural(k.orders, "order")) worth \(DisplayFormat.money(k.totalRevenue)) in net revenue: \(DisplayFormat.money(k.avgRevenuePerCustomer ?? 0)) per customer and \(DisplayFormat.money(k.averageOrderValue ?? 0)) per order.")
            if k.championsCount > 0, let champShare = k.championsRevenueSharePct, champShare >= 0, champShare <= 100 {
                insights.append("\(Words.pct(k.repeatCustomerRate)) of customers ordered more than once; the \(Words.plural(k.championsCount, "Champion")) (\(Words.share(k.championsCount, of: k.totalCustomers)) of customers) \(Words.verb(k.championsCount, "brings", "bring")) \(DisplayFormat.percent(champShare / 100)) of revenue.")
            } else {
                insights.append("\(Words.pct(k.repeatCustomerRate)) of customers ordered more than once.")
            }
        }
        if let pk, let prevFilter = prev?.filter, let from = prevFilter.from, let to = prevFilter.to {
            let change = DisplayFormat.signedPercentChange(Double(k.totalRevenue), previous: Double(pk.totalRevenue)) ?? "n/a"
            let cust = DisplayFormat.signedPercentChange(Double(k.totalCustomers), previous: Double(pk.totalCustomers)) ?? "n/a"
            insights.append("Against the previous period (\(DisplayFormat.date(from)) to \(DisplayFormat.date(to))), revenue changed by \(change) (\(DisplayFormat.money(pk.totalRevenue)) → \(DisplayFormat.money(k.totalRevenue))) and the number of customers by \(cust).")
        } else {
            insights.append("There is no data before this period to compare with; the table “Recent trend” below compares the last 90 days with the 90 days before.")
        }
        let recent = recentTrend(ctx)
        if let recent, let line = recent.sentence { insights.append(line) }

        // With a start date, "new" still means a customer's first order ever (from the whole data set).
        let series = ctx.filter.from == nil ? PeriodSeries(analysis: a, period: .month)
            : PeriodSeries(analysis: a, lines: ctx.lines, period: .month, firstOrderDayByCode: ctx.dataset.firstOrderDayByCode)
        if let refusal = series.refusal { insights.append("No monthly series: " + refusal + ".") }
        if series.count > 0 {
            // Mid-history data: the first month's "new" customers were mostly buying before the data begins, so that
            // month is left out of the new-versus-returning split.
            let midHistory = a.midHistoryStart
            let skip = midHistory.map { m in series.index.prefix { $0 <= m.monthIndex }.count } ?? 0
            let totalNew = series.newRevenue.dropFirst(skip).reduce(0, +), totalRet = series.returningRevenue.dropFirst(skip).reduce(0, +)
            let total = totalNew + totalRet
            if total > 0, totalNew >= 0, totalRet >= 0 {
                let apart = midHistory.map { " (after \($0.month), the data's first month, whose new customers were mostly buying before the data begins)" } ?? ""
                insights.append("Returning customers bring \(DisplayFormat.percent(Double(totalRet) / Double(total))) of customer revenue, first-month purchases \(DisplayFormat.percent(Double(totalNew) / Double(total)))\(apart).")
            }
            // The data's first month is left out when it starts mid-history (as in the report).
            if let best = series.revenue.indices.dropFirst(skip).max(by: { series.revenue[$0] < series.revenue[$1] }) {
                insights.append("The strongest month was \(series.labels[best]) with \(DisplayFormat.money(series.revenue[best])) from \(Words.plural(series.activeCustomers[best], "active customer")).")
            }
        }
        page.insights = insights

        // Monthly table and charts.
        var rows: [[Cell]] = []
        for i in 0..<series.count {
            rows.append([.text(series.labels[i]), .money(series.revenue[i]), .money(series.newRevenue[i]),
                         .money(series.returningRevenue[i]), .int(series.activeCustomers[i]), .int(series.newCustomers[i]),
                         .int(series.orders[i])])
        }
        let monthly = Table(id: "monthly", title: "Revenue and customers by month", columns: [
            .init(key: "month", label: "Month"), .init(key: "revenue", label: "Revenue", numeric: true),
            .init(key: "new_revenue", label: "New-customer revenue", numeric: true),
            .init(key: "returning_revenue", label: "Returning-customer revenue", numeric: true),
            .init(key: "active_customers", label: "Active customers", numeric: true),
            .init(key: "new_customers", label: "New customers", numeric: true), .init(key: "orders", label: "Orders", numeric: true),
        ], rows: rows, note: [monthNote(ctx, series), a.midHistoryStart.map { "\($0.month) is the data's first month: its \(DisplayFormat.integer($0.newCustomers)) new customers are mostly customers who were buying before the data begins (the data starts mid-history)." } ?? ""].filter { !$0.isEmpty }.joined(separator: " "))
        let revenueChart = StackedBarChart(
            title: "Revenue by month, new vs returning customers", categories: series.labels,
            series: [ChartSeries(name: "New customers (first month)", values: series.newRevenue.map { Double($0) / 10_000 }),
                     ChartSeries(name: "Returning customers", values: series.returningRevenue.map { Double($0) / 10_000 })],
            categoryAxisTitle: "Month", valueAxisTitle: "Net revenue", showTotals: false, format: DisplayFormat.compact)
        let customersChart = LineChart(
            title: "Customers by month", x: .categories(series.labels),
            series: [ChartSeries(name: "Active customers", values: series.activeCustomers.map { Double($0) }),
                     ChartSeries(name: "New customers", values: series.newCustomers.map { Double($0) })],
            xAxisTitle: "Month", yAxisTitle: "Customers", format: DisplayFormat.compact)

        var kpiRows: [[Cell]] = []
        for card in page.kpis {
            // Both periods formatted alike (exact amounts, not the cards' compact "112K"), right-aligned.
            kpiRows.append([.text(card.label), .figure(exactDisplay(card.raw, card)), .figure(exactDisplay(card.previousRaw, card)), .figure(card.change ?? "—")])
        }
        let kpiTable = Table(id: "kpis", title: "Key metrics against the previous period", columns: [
            .init(key: "metric", label: "Metric"), .init(key: "value", label: "This period", numeric: true),
            .init(key: "previous", label: "Previous period", numeric: true), .init(key: "change", label: "Change", numeric: true),
        ], rows: kpiRows, note: prev.flatMap { p in p.filter.from.map { "Previous period: \(DisplayFormat.date($0)) to \(DisplayFormat.date(p.filter.to ?? $0))." } } ?? "")

        page.sections = [
            Section(id: "revenue", title: "Revenue over time", blocks: [
                .chart(Chart(id: "revenue", title: revenueChart.title, svg: revenueChart.svg(), dataTable: "monthly", wide: true)),
            ]),
            Section(id: "customers", title: "Customers over time", blocks: [
                .chart(Chart(id: "customers", title: customersChart.title, svg: customersChart.svg(), dataTable: "monthly", wide: true)),
                .table(monthly),
            ]),
            Section(id: "comparison", title: "Comparison with the previous period", blocks: [.table(kpiTable)]),
        ]
        if let recent { page.sections.append(recent.section) }
        return page
    }

    /// Without a date range: the last 90 days of the data against the 90 days before, with the same country, segment
    /// and tier filters, so that the landing page shows a trend. Nil when a date range is set or there is too little data.
    static func recentTrend(_ ctx: PageContext) -> (section: Section, sentence: String?)? {
        guard let trend = ctx.snapshot.recentTrend else { return nil }
        let recentFilter = trend.filter, last = trend.last
        let k = trend.now.kpis, p = trend.before.kpis
        let change = DisplayFormat.percentChangeText, points = DisplayFormat.pointsChangeText
        let m: (Int64?) -> String = { $0.map(DisplayFormat.money) ?? "—" }
        let rows: [[Cell]] = [
            [.text("Customers"), .int(k.totalCustomers), .int(p.totalCustomers), .figure(change(Double(k.totalCustomers), Double(p.totalCustomers)))],
            [.text("Revenue"), .money(k.totalRevenue), .money(p.totalRevenue), .figure(change(Double(k.totalRevenue), Double(p.totalRevenue)))],
            [.text("Orders"), .int(k.orders), .int(p.orders), .figure(change(Double(k.orders), Double(p.orders)))],
            [.text("Average order value"), .figure(m(k.averageOrderValue)), .figure(m(p.averageOrderValue)),
             .figure(change(k.averageOrderValue.map(Double.init), p.averageOrderValue.map(Double.init)))],
            [.text("Repeat customer rate"), .fraction(k.repeatCustomerRate), .fraction(p.repeatCustomerRate), .figure(points(k.repeatCustomerRate, p.repeatCustomerRate))],
        ]
        let link = ctx.request.link("/overview", [], filter: recentFilter)
        let table = Table(id: "recent_trend", title: "Last 90 days (\(DisplayFormat.date(last - 89)) to \(DisplayFormat.date(last))) against the 90 days before", columns: [
            .init(key: "metric", label: "Metric"), .init(key: "last_90_days", label: "Last 90 days", numeric: true),
            .init(key: "previous_90_days", label: "90 days before", numeric: true), .init(key: "change", label: "Change", numeric: true),
        ], rows: rows, note: "Each period is analysed on its own lines (a customer is anyone with an order in it).")
        let sentence = p.totalCustomers > 0
            ? "In the last 90 days revenue was \(DisplayFormat.money(k.totalRevenue)), \(change(Double(k.totalRevenue), Double(p.totalRevenue))) on the 90 days before, from \(Words.plural(k.totalCustomers, "customer")) (\(change(Double(k.totalCustomers), Double(p.totalCustomers))))."
            : nil
        return (Section(id: "recent", title: "Recent trend", blocks: [.table(table), .paragraph(Paragraph(text: "", link: Link(label: "Open the overview of the last 90 days →", href: link)))]), sentence)
    }

    /// A KPI's value (its exact raw value) for a table: percentages for rates and shares, grouped integers, money
    /// with two decimals.
    static func exactDisplay(_ raw: JSONValue, _ k: KPI) -> String {
        switch raw {
        case .null: return "—"
        case .number(let n):
            if k.key.hasSuffix("_rate") || k.key.hasSuffix("_share") { return DisplayFormat.percent(Double(n)) }
            // Money (revenue, revenue per customer, order value) always with two decimals.
            if k.key.contains("revenue") || k.key.contains("value") { return Double(n).map { DisplayFormat.decimal($0, digits: 2) } ?? n }
            if let i = Int(n) { return DisplayFormat.integer(i) }
            return Double(n).map { DisplayFormat.decimal($0, digits: 2) } ?? n
        default: return "—"
        }
    }

    static func monthNote(_ ctx: PageContext, _ series: PeriodSeries) -> String {
        let lastDay = ctx.analysis.asOf - 1
        let (y, m, d) = CivilDate.civil(lastDay)
        guard series.count > 0, d < CivilDate.daysInMonth(year: y, month: m) else { return "" }
        return "\(series.labels.last!) is incomplete: the data ends on \(DisplayFormat.date(lastDay))."
    }
}
