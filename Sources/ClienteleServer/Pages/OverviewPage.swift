import ClienteleCore
import ClienteleRender

/// Executive overview: KPI cards with change against the previous period, revenue and customers over time,
/// new vs returning revenue.
enum OverviewPage {
    /// The cards' comparison: the same dates a year earlier (`_compare=year`, the default when the data reaches back a
    /// year: it leaves out the season) or the period just before (`_compare=previous`, the default otherwise).
    enum Compare: String { case previous, year }

    /// The KPI cards of `k` against `p` (nil: no comparison).
    static func cards(_ k: ExecutiveKPIs, against p: ExecutiveKPIs?) -> [KPI] {
        [
            .count("total_customers", "Customers", k.totalCustomers, previous: p?.totalCustomers, hint: "with at least one order"),
            .money("total_revenue", "Revenue", k.totalRevenue, previous: p.map { Optional($0.totalRevenue) }, hint: "net of returns, guests excluded"),
            .money("avg_revenue_per_customer", "Revenue per customer", k.avgRevenuePerCustomer, previous: p.map { $0.avgRevenuePerCustomer }),
            .count("orders", "Orders", k.orders, previous: p?.orders),
            .money("average_order_value", "Average order value", k.averageOrderValue, previous: p.map { $0.averageOrderValue }),
            .rate("repeat_customer_rate", "Repeat customer rate", k.repeatCustomerRate, previous: p.map { $0.repeatCustomerRate }, hint: "customers with 2+ orders"),
            .count("champions_count", "Champions", k.championsCount, previous: p?.championsCount, hint: "recent and frequent buyers"),
            .rate("champions_revenue_share", "Champions' revenue share", k.championsRevenueSharePct.map { $0 / 100 },
                  previous: p.map { $0.championsRevenueSharePct.map { $0 / 100 } }),
        ]
    }

    static func range(_ f: AnalysisFilter) -> String {
        "\(DisplayFormat.date(f.from ?? 0)) to \(DisplayFormat.date(f.to ?? 0))"
    }

    static func build(_ ctx: PageContext) -> Page {
        let a = ctx.analysis
        let k = a.kpis
        let prev = ctx.previousPeriod().flatMap { $0.analysis.kpis.totalCustomers > 0 ? $0 : nil }
        let year = ctx.snapshot.yearEarlier
        let compare = Compare(rawValue: ctx.request.option("_compare") ?? "") ?? (year != nil ? .year : .previous)
        // The cards against each comparison, computed once: the cards show the chosen one, the table both.
        let vsPrevious = cards(k, against: prev?.analysis.kpis), vsYear = cards(k, against: year?.analysis.kpis)
        let againstWords = compare == .year ? "the same dates a year earlier" : "the period of equal length just before it"

        var page = Page(id: "overview", title: "Executive overview",
                        howToRead: "The headline numbers for the selection (\(ctx.selectionDescription)). Without a chosen date range the page opens on the latest complete period of the data, its last \(AnalysisFilter.defaultPeriodDays) days, when the data also holds the \(AnalysisFilter.defaultPeriodDays) days before them. Each card compares with \(againstWords), with the same country, segment and tier filters (a year earlier is the default when the data reaches back that far, since it leaves out the season; switch under Comparison); green is better, red is worse. A customer is anyone with at least one order in the period; revenue is net of cancellations and returns, guests excluded. Below, revenue is split each month into revenue from customers in their first month (new) and from customers who came back (returning).")
        page.kpis = (compare == .year ? vsYear : vsPrevious).map { var c = $0; c.against = compare == .year ? "a year earlier" : "previous period"; return c }
        // Which comparison the cards show, and which period is shown.
        let q = ctx.request
        var chips = [ChipGroup(label: "Compare with", chips: [
            Link(label: "Same period a year earlier", href: q.link("/overview", [("_compare", "year")]), active: compare == .year),
            Link(label: "Previous period", href: q.link("/overview", [("_compare", "previous")]), active: compare == .previous),
        ])]
        let span = ctx.dataset.span
        if let d = AnalysisFilter.defaultPeriod(dataStart: span.lowerBound, dataAsOf: ctx.dataset.asOf) {
            var latest = ctx.filter, all = ctx.filter
            (latest.from, latest.to) = (d.lowerBound, d.upperBound)
            (all.from, all.to) = (nil, nil)
            let keep: [(String, String?)] = [("_compare", ctx.request.option("_compare"))]
            chips.append(ChipGroup(label: "Period", chips: [
                Link(label: "Last \(AnalysisFilter.defaultPeriodDays) days", href: q.link("/overview", keep, filter: latest), active: ctx.filter.from == d.lowerBound && ctx.filter.to == d.upperBound),
                Link(label: "All data", href: q.link("/overview", keep + [("_range", "all")], filter: all), active: ctx.filter.from == nil && ctx.filter.to == nil),
            ]))
        }

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
        if ctx.request.defaultPeriod {
            insights.insert("Showing the latest complete period of the data, its last \(AnalysisFilter.defaultPeriodDays) days (\(range(ctx.filter))); choose “All data” or any dates above for another period.", at: 0)
        }
        if let prev {
            let pk = prev.analysis.kpis
            let change = DisplayFormat.signedPercentChange(Double(k.totalRevenue), previous: Double(pk.totalRevenue)) ?? "n/a"
            let cust = DisplayFormat.signedPercentChange(Double(k.totalCustomers), previous: Double(pk.totalCustomers)) ?? "n/a"
            insights.append("Against the previous period (\(range(prev.filter))), revenue changed by \(change) (\(DisplayFormat.money(pk.totalRevenue)) → \(DisplayFormat.money(k.totalRevenue))) and the number of customers by \(cust).")
        }
        if let year {
            let yk = year.analysis.kpis
            let change = DisplayFormat.signedPercentChange(Double(k.totalRevenue), previous: Double(yk.totalRevenue)) ?? "n/a"
            let cust = DisplayFormat.signedPercentChange(Double(k.totalCustomers), previous: Double(yk.totalCustomers)) ?? "n/a"
            insights.append("Against the same dates a year earlier (\(range(year.filter))), revenue changed by \(change) (\(DisplayFormat.money(yk.totalRevenue)) → \(DisplayFormat.money(k.totalRevenue))) and the number of customers by \(cust).")
        }
        if prev == nil && year == nil {
            let days = span.upperBound - span.lowerBound + 1
            insights.append(ctx.filter.from == nil && ctx.filter.to == nil && AnalysisFilter.defaultPeriod(dataStart: span.lowerBound, dataAsOf: ctx.dataset.asOf) == nil
                ? "No comparison: the data spans \(Words.plural(days, "day")), too short to compare its last \(AnalysisFilter.defaultPeriodDays) days with the \(AnalysisFilter.defaultPeriodDays) before."
                : "No comparison: the data holds no earlier period of the same length as this one.")
        } else if compare == .year && year == nil {
            insights.append("The data does not reach back to the same dates a year earlier: the cards show no change.")
        }

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

        // Monthly table and charts. On the default period (a few months) they show the last 25 months up to its end
        // (the same selection from the data's first day), so that the window is read against its trend.
        let onHistory = ctx.request.defaultPeriod ? ctx.snapshot.history : nil
        let shown = onHistory.map { PeriodSeries(analysis: $0, period: .month) } ?? series
        let mid = onHistory?.midHistoryStart ?? a.midHistoryStart
        let months = max(0, shown.count - 25)..<shown.count
        var rows: [[Cell]] = []
        for i in months {
            rows.append([.text(shown.labels[i]), .money(shown.revenue[i]), .money(shown.newRevenue[i]),
                         .money(shown.returningRevenue[i]), .int(shown.activeCustomers[i]), .int(shown.newCustomers[i]),
                         .int(shown.orders[i])])
        }
        let context = onHistory == nil ? "" : " (last \(Words.plural(months.count, "month")))"
        let monthly = Table(id: "monthly", title: "Revenue and customers by month" + context, columns: [
            .init(key: "month", label: "Month"), .init(key: "revenue", label: "Revenue", numeric: true),
            .init(key: "new_revenue", label: "New-customer revenue", numeric: true),
            .init(key: "returning_revenue", label: "Returning-customer revenue", numeric: true),
            .init(key: "active_customers", label: "Active customers", numeric: true),
            .init(key: "new_customers", label: "New customers", numeric: true), .init(key: "orders", label: "Orders", numeric: true),
        ], rows: rows, note: [monthNote(ctx, shown), months.contains(0) ? mid.map { "\($0.month) is the data's first month: its \(DisplayFormat.integer($0.newCustomers)) new customers are mostly customers who were buying before the data begins (the data starts mid-history)." } ?? "" : ""].filter { !$0.isEmpty }.joined(separator: " "))
        let labels = months.map { shown.labels[$0] }
        let revenueChart = StackedBarChart(
            title: "Revenue by month, new vs returning customers" + context, categories: labels,
            series: [ChartSeries(name: "New customers (first month)", values: months.map { Double(shown.newRevenue[$0]) / 10_000 }),
                     ChartSeries(name: "Returning customers", values: months.map { Double(shown.returningRevenue[$0]) / 10_000 })],
            categoryAxisTitle: "Month", valueAxisTitle: DisplayFormat.moneyTitle("Net revenue"), showTotals: false, format: DisplayFormat.compactAmount)
        let customersChart = LineChart(
            title: "Customers by month" + context, x: .categories(labels),
            series: [ChartSeries(name: "Active customers", values: months.map { Double(shown.activeCustomers[$0]) }),
                     ChartSeries(name: "New customers", values: months.map { Double(shown.newCustomers[$0]) })],
            xAxisTitle: "Month", yAxisTitle: "Customers", format: DisplayFormat.compact)

        // Both comparisons side by side, every value written in full (right-aligned).
        var columns: [Table.Column] = [.init(key: "metric", label: "Metric"), .init(key: "value", label: "This period", numeric: true)]
        if prev != nil { columns += [.init(key: "previous", label: "Previous period", numeric: true), .init(key: "change", label: "Change", numeric: true)] }
        if year != nil { columns += [.init(key: "year_earlier", label: "A year earlier", numeric: true), .init(key: "change_year", label: "Change on a year earlier", numeric: true)] }
        let kpiRows: [[Cell]] = vsPrevious.indices.map { i in
            var row: [Cell] = [.text(vsPrevious[i].label), .figure(vsPrevious[i].exact)]
            if prev != nil { row += [.figure(vsPrevious[i].previousExact), .figure(vsPrevious[i].change ?? "—")] }
            if year != nil { row += [.figure(vsYear[i].previousExact), .figure(vsYear[i].change ?? "—")] }
            return row
        }
        let periods = [prev.map { "previous period \(range($0.filter))" }, year.map { "a year earlier \(range($0.filter))" }].compactMap { $0 }
        let kpiTable = Table(id: "kpis", title: periods.isEmpty ? "Key metrics" : "Key metrics against the previous period and a year earlier", columns: columns,
                             rows: kpiRows, note: periods.isEmpty ? "No earlier period of the same length in the data." : "This period \(range(ctx.filter.from == nil ? AnalysisFilter(from: span.lowerBound, to: a.asOf - 1) : ctx.filter)); " + periods.joined(separator: "; ") + ". Changes in % (percentage points for rates).")

        page.sections = [
            Section(id: "comparison", title: "Comparison", blocks: [.switcher(chips), .table(kpiTable)]),
            Section(id: "revenue", title: "Revenue over time", blocks: [
                .chart(Chart(id: "revenue", title: revenueChart.title, svg: revenueChart.svg(), dataTable: "monthly", wide: true)),
            ]),
            Section(id: "customers", title: "Customers over time", blocks: [
                .chart(Chart(id: "customers", title: customersChart.title, svg: customersChart.svg(), dataTable: "monthly", wide: true)),
                .table(monthly),
            ]),
        ]
        return page
    }

    static func monthNote(_ ctx: PageContext, _ series: PeriodSeries) -> String {
        let lastDay = ctx.analysis.asOf - 1
        let (y, m, d) = CivilDate.civil(lastDay)
        guard series.count > 0, d < CivilDate.daysInMonth(year: y, month: m) else { return "" }
        return "\(series.labels.last!) is incomplete: the data ends on \(DisplayFormat.date(lastDay))."
    }
}
