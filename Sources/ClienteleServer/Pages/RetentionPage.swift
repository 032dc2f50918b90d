import ClienteleCore
import ClienteleRender

/// Retention: the cohort heatmap (rates, counts or revenue), retention curves of recent cohorts, average retention
/// by offset and the biggest drop-off; monthly, weekly or quarterly cohorts.
enum RetentionPage {
    enum Metric: String, CaseIterable { case rate, count, revenue }

    static func options(_ request: PageRequest) throws(FilterError) -> (CohortPeriod, Metric) {
        let periodText = request.option("_period") ?? "month"
        guard let period = CohortPeriod(rawValue: periodText) else {
            throw FilterError("'_period' must be month, week or quarter, not '\(periodText)'.")
        }
        let metricText = request.option("_metric") ?? "rate"
        guard let metric = Metric(rawValue: metricText) else {
            throw FilterError("'_metric' must be rate, count or revenue, not '\(metricText)'.")
        }
        return (period, metric)
    }

    static func periodWord(_ p: CohortPeriod) -> String {
        switch p { case .month: return "month"; case .week: return "week"; case .quarter: return "quarter" }
    }

    /// A message as a sentence: capital first letter, final period.
    static func sentence(_ text: String) -> String {
        (text.prefix(1).uppercased() + text.dropFirst()) + (text.hasSuffix(".") ? "" : ".")
    }

    static func isIncomplete(_ period: CohortPeriod, index: Int, asOf: Int) -> Bool {
        period.index(ofDay: asOf) == index
    }

    static func build(_ ctx: PageContext) throws(FilterError) -> Page {
        let (period, metric) = try options(ctx.request)
        let a = ctx.analysis
        let m = a.cohorts(period)
        if let refusal = m.refusal { throw FilterError(sentence(refusal)) }
        let word = periodWord(period)
        let asOf = a.asOf
        var page = Page(id: "retention", title: "Retention and cohorts",
                        howToRead: "Customers are grouped into cohorts by the \(word) of their first order (rows). Each column is a number of \(word)s after that first \(word): a cell shows how many of the cohort ordered again in that \(word) (as a share of the cohort, a count, or the cohort's net revenue). Column 0 is the first \(word) itself, so its rate is always 100%. Read along a row to follow one cohort; read down a column to compare cohorts at the same age. Cells marked * fall in a \(word) that is not over yet, so they will still grow.")

        // Heatmap: the latest cohorts and first offsets up to CohortHeatmap's limits (an SVG of every cell of a long
        // weekly matrix would run to hundreds of megabytes); the matrix table below has them all.
        let labels = m.labels
        let offsets = max(m.maxOffset + 1, 0)
        // Weekly cohorts on a page: the latest 26 and their first 26 weeks (half a year), so that every cell is large
        // enough to read and label; the downloads and the table have every cohort.
        let rowLimit = period == .week ? 26 : CohortHeatmap.maxCohorts
        let offsetLimit = period == .week ? 26 : CohortHeatmap.maxOffsets
        let shownRows = m.cohortIndex.indices.suffix(rowLimit)
        let shownOffsets = min(offsets, offsetLimit)
        var values: [[Double?]] = [], text: [[String?]] = [], tips: [[String?]] = []
        for row in shownRows {
            let c = m.cohortIndex[row]
            var v: [Double?] = [], tx: [String?] = [], tp: [String?] = []
            for k in 0..<shownOffsets {
                guard k < m.counts[row].count else { v.append(nil); tx.append(nil); tp.append(nil); continue }
                let mark = isIncomplete(period, index: c + k, asOf: asOf) ? "*" : ""
                let rate = m.rate(row, k)
                let rev = m.revenue[row][k]
                switch metric {
                case .rate: v.append(rate); tx.append(DisplayFormat.percent(rate, digits: 0) + mark)
                case .count: v.append(Double(m.counts[row][k])); tx.append(DisplayFormat.compact(Double(m.counts[row][k])) + mark)
                case .revenue: v.append(Double(rev) / 10_000); tx.append(DisplayFormat.compactMoney(rev) + mark)
                }
                let active: String = DisplayFormat.integer(m.counts[row][k])
                let size: String = DisplayFormat.integer(m.counts[row][0])
                let when: String = period.label(ofIndex: c + k)
                var tip: String = "Cohort " + labels[row] + ", " + word + " +" + String(k) + " (" + when + "): "
                tip += active + " of " + size + " customers active (" + DisplayFormat.percent(rate) + "), revenue " + DisplayFormat.money(rev)
                if !mark.isEmpty { tip += "; period not over yet" }
                tp.append(tip)
            }
            values.append(v); text.append(tx); tips.append(tp)
        }
        let metricTitle = ["rate": "Retention rate", "count": "Active customers", "revenue": "Net revenue"][metric.rawValue]!
        // Column 0 is always 100%: the colour scale of rates runs to the highest rate after it, so that differences
        // between later months stay visible (cells above it take the darkest colour).
        var laterMax = 0.0
        for row in values { for v in row.dropFirst() { if let v { laterMax = max(laterMax, v) } } }
        let colourDomain: ClosedRange<Double>? = metric == .rate ? 0...max(min(1, (laterMax * 10).rounded(.up) / 10), 0.1) : nil
        let percentFormat: ChartValueFormatter = { DisplayFormat.percent($0, digits: 0) }
        let heatmapFormat: ChartValueFormatter = metric == .rate ? percentFormat : DisplayFormat.compact
        let columnLabels: [String] = (0..<shownOffsets).map { String($0) }
        let cut = shownRows.count < m.cohortIndex.count || shownOffsets < offsets
            ? " (latest \(DisplayFormat.integer(shownRows.count)) of \(DisplayFormat.integer(m.cohortIndex.count)) cohorts, first \(shownOffsets) \(word)s; the table has them all)" : ""
        let heatmap = MatrixHeatmap(
            title: "\(metricTitle) by cohort and \(word)s since first order" + cut, rowLabels: Array(labels[shownRows]),
            columnLabels: columnLabels, values: values,
            xAxisTitle: "\(word.capitalized)s since first order", yAxisTitle: "Cohort (\(word) of first order)",
            domain: colourDomain, cellText: text, tooltips: tips,
            format: heatmapFormat, legendTitle: metricTitle)

        // Matrix table (all cohorts in CSV/JSON; HTML shows the latest 36 for weekly cohorts).
        var matrixRows: [[Cell]] = []
        for (row, _) in m.cohortIndex.enumerated() {
            var cells: [Cell] = [.text(labels[row]), .int(m.counts[row][0])]
            for k in 0..<offsets {
                if k >= m.counts[row].count { cells.append(.empty); continue }
                switch metric {
                case .rate: cells.append(.fraction(m.rate(row, k)))
                case .count: cells.append(.int(m.counts[row][k]))
                case .revenue: cells.append(.money(m.revenue[row][k]))
                }
            }
            matrixRows.append(cells)
        }
        let matrixTable = Table(id: "cohorts", title: "Cohort matrix (\(metricTitle.lowercased()))",
                                columns: [.init(key: "cohort", label: "Cohort"), .init(key: "size", label: "Customers", numeric: true)]
                                    + (0..<offsets).map { .init(key: "\($0)", label: "+\($0)", numeric: true) },
                                rows: matrixRows, note: incompleteNote(period, m, asOf: asOf),
                                htmlLimit: period == .week ? 0 : nil)

        // Average retention and drop-off.
        // Mid-history data: the first month's cohort (and the weeks or quarter holding it) is mostly customers who
        // were buying before the data begins; it stays in the matrix but out of the average and the comparisons.
        let midHistory = a.midHistoryStart
        let inflated = midHistory?.inflatedRows(m) ?? []
        let avg = m.averageRetention(asOf: asOf, minCohorts: CohortMatrix.minCohortsPerOffset, excluding: inflated)
            .map { (offset: $0.offset, active: $0.active, size: $0.size, cohorts: $0.cohorts, rate: $0.rate) }
        var avgRows: [[Cell]] = []
        var biggestDrop: (k: Int, drop: Double)?
        for (i, p) in avg.enumerated() {
            var drop: Double?
            if i > 0, avg[i - 1].offset == p.offset - 1, let r0 = avg[i - 1].rate, let r1 = p.rate {
                drop = r0 - r1
                if drop! > (biggestDrop?.drop ?? -1) { biggestDrop = (p.offset, drop!) }
            }
            avgRows.append([.int(p.offset), .fraction(p.rate), .int(p.active), .int(p.size), .int(p.cohorts), .points(drop)])
        }
        let avgTable = Table(id: "average", title: "Average retention by \(word)s since first order", columns: [
            .init(key: "offset", label: "\(word.capitalized)s since first order", numeric: true),
            .init(key: "retention_rate", label: "Retention rate", numeric: true),
            .init(key: "active", label: "Active customers", numeric: true),
            .init(key: "cohort_customers", label: "Customers in cohorts observed", numeric: true),
            .init(key: "cohorts", label: "Cohorts observed", numeric: true),
            .init(key: "drop", label: "Drop from previous \(word) (points)", numeric: true),
        ], rows: avgRows, note: "Weighted by cohort size, over the cohorts for which that \(word) is complete; a \(word) observed in fewer than \(CohortMatrix.minCohortsPerOffset) cohorts is not shown." + (inflated.isEmpty ? "" : " The first cohort\(inflated.count == 1 ? "" : "s") (\(inflated.sorted().map { labels[$0] }.joined(separator: ", "))) \(inflated.count == 1 ? "is" : "are") left out: the data starts mid-history."))
        let avgChart = LineChart(title: "Average retention curve", x: .categories(avg.map { "+\($0.offset)" }),
                                 series: [ChartSeries(name: "Retention rate", values: avg.map { $0.rate.map { $0 * 100 } })],
                                 xAxisTitle: "\(word.capitalized)s since first order", yAxisTitle: "Customers active (%)",
                                 format: { DisplayFormat.decimal($0, digits: 1) + "%" }, area: true)

        // Curves of recent cohorts: the latest six with at least two complete offsets.
        let recentRows = m.cohortIndex.indices.filter { m.counts[$0].count >= 3 }.suffix(6)
        let curveLength = recentRows.map { m.counts[$0].count }.max() ?? 0
        let curves = LineChart(
            title: "Retention curves of recent cohorts", x: .categories((0..<curveLength).map { "+\($0)" }),
            series: recentRows.map { row in
                ChartSeries(name: labels[row], values: (0..<curveLength).map { k in
                    k < m.counts[row].count ? m.rate(row, k).map { $0 * 100 } : nil
                })
            }, xAxisTitle: "\(word.capitalized)s since first order", yAxisTitle: "Customers active (%)",
            format: { DisplayFormat.decimal($0, digits: 1) + "%" })

        // Insights.
        var insights: [String] = []
        if let midHistory { insights.append(midHistory.sentence) }
        if let d = biggestDrop, let before = avg.first(where: { $0.offset == d.k - 1 })?.rate, let after = avg.first(where: { $0.offset == d.k })?.rate {
            insights.append("The biggest drop-off is between \(word) \(d.k - 1) and \(word) \(d.k) after the first order: average retention falls from \(Words.pct(before)) to \(Words.pct(after)).")
        }
        if let r1 = avg.first(where: { $0.offset == 1 })?.rate {
            let r3 = avg.first(where: { $0.offset == 3 })?.rate
            insights.append("On average \(Words.pct(r1)) of a cohort orders again in the \(word) after its first \(word)\(r3.map { ", and \(Words.pct($0)) three \(word)s later" } ?? "").")
        }
        let best = m.cohortIndex.indices.filter { !inflated.contains($0) && m.counts[$0].count > 1 && !isIncomplete(period, index: m.cohortIndex[$0] + 1, asOf: asOf) && m.counts[$0][0] >= 20 }
            .max { (m.rate($0, 1) ?? 0) < (m.rate($1, 1) ?? 0) }
        if let b = best {
            insights.append("The cohort with the best next-\(word) retention is \(labels[b]): \(Words.pct(m.rate(b, 1))) of its \(Words.plural(m.counts[b][0], "customer")) came back in the following \(word).")
        }
        if let largest = m.cohortIndex.indices.filter({ !inflated.contains($0) }).max(by: { m.counts[$0][0] < m.counts[$1][0] }) {
            let apart = inflated.isEmpty ? "" : " (leaving out the first cohort of the data, which starts mid-history)"
            insights.append("The largest cohort is \(labels[largest]) with \(Words.plural(m.counts[largest][0], "new customer"))\(apart).")
        }
        page.insights = insights

        let switcher = periodSwitcher(ctx.request, period: period, metric: metric)
        page.sections = [
            Section(id: "heatmap", title: "Cohort heatmap", blocks: [
                .switcher(switcher),
                .chart(Chart(id: "heatmap", title: heatmap.title, svg: heatmap.svg(), dataTable: "cohorts", wide: true)),
                .links(Links(style: .inline(label: "Image"), items: [
                    .init(label: "PNG", href: ctx.request.link("/retention.png", [("_period", period.rawValue)])),
                    .init(label: "SVG", href: ctx.request.link("/retention.svg", [("_period", period.rawValue), ("_metric", metric.rawValue), ("_chart", "heatmap")])),
                ])),
                .table(matrixTable),
            ]),
            Section(id: "curves", title: "Retention curves", blocks: [
                .chart(Chart(id: "average", title: avgChart.title, svg: avgChart.svg(), dataTable: "average")), .table(avgTable),
                .chart(Chart(id: "recent", title: curves.title, svg: curves.svg(), dataTable: "cohorts")),
            ]),
        ]
        page.extraJSON = [("period", .string(period.rawValue)), ("metric", .string(metric.rawValue))]
        return page
    }

    static func incompleteNote(_ period: CohortPeriod, _ m: CohortMatrix, asOf: Int) -> String {
        guard m.maxOffset >= 0, isIncomplete(period, index: m.lastIndex, asOf: asOf) else { return "" }
        return "\(period.label(ofIndex: m.lastIndex)) is not over: the data ends on \(DisplayFormat.date(asOf - 1)). Its cells (marked * in the heatmap) will still grow."
    }

    static func periodSwitcher(_ request: PageRequest, period: CohortPeriod, metric: Metric) -> [ChipGroup] {
        func chip(_ label: String, _ p: CohortPeriod, _ mt: Metric, active: Bool) -> Link {
            Link(label: label, href: request.link("/retention", [("_period", p.rawValue), ("_metric", mt.rawValue)]), active: active)
        }
        return [
            ChipGroup(label: "Cohorts", chips: CohortPeriod.allCases.map { chip(periodWord($0).capitalized + "ly", $0, metric, active: $0 == period) }),
            ChipGroup(label: "Show", chips: Metric.allCases.map { chip(["rate": "Rates", "count": "Counts", "revenue": "Revenue"][$0.rawValue]!, period, $0, active: $0 == metric) }),
        ]
    }
}
