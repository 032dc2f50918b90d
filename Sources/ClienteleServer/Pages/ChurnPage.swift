import ClienteleCore
import ClienteleRender

/// Churn intelligence (RFM): segment sizes, revenue and shares, the R-by-F grid, per-segment medians.
enum ChurnPage {
    static let atRiskSegments: Set<Segment> = [.atRisk, .cantLose, .hibernating, .aboutToSleep]

    static func build(_ ctx: PageContext) -> Page {
        let a = ctx.analysis
        let n = a.table.count
        var page = Page(id: "churn", title: "Churn intelligence",
                        howToRead: "Every customer gets three scores from 1 to 5 by ranking all customers: R for how recently they ordered (5 = most recent fifth), F for how many orders they placed, M for how much they spent. The R and F scores place each customer in one of ten segments, from Champions (bought recently and often) to Hibernating (long gone, few orders). At Risk and Can't Lose Them are customers who used to buy often but have not ordered for a long time: the ones to win back first. The grid shows how many customers sit at each R and F score.")

        // Segments without customers are left out (and named in the note): a row of zeros and blanks says nothing.
        let segments = a.segments.filter { $0.customers > 0 }.sorted { $0.revenue > $1.revenue }
        let empty = a.segments.filter { $0.customers == 0 }.map(\.segment.rawValue)
        let segmentTable = Table(id: "segments", title: "RFM segments", columns: [
            .init(key: "segment", label: "Segment")] + Table.sizeAndShareColumns + [
            .init(key: "median_recency_days", label: "Median days since last order", numeric: true),
            .init(key: "median_frequency", label: "Median orders", numeric: true),
            .init(key: "median_monetary", label: "Median revenue", numeric: true),
        ], rows: segments.map { s in
            [.link(s.segment.rawValue, href: ctx.request.link("/customers", [], filter: withSegment(ctx.filter, s.segment))),
             .int(s.customers), .fraction(s.customerShare), .money(s.revenue), .fraction(s.revenueShare),
             s.medianRecencyDays.map { .int($0) } ?? .empty, s.medianFrequency.map { .int($0) } ?? .empty,
             s.medianMonetary.map { .money($0) } ?? .empty]
        }, note: (empty.isEmpty ? "" : "No customer is \(empty.joined(separator: " or ")). ") + "Medians are lower medians (for an even count, the lower of the two middle values). Click a segment to list its customers.")

        let bySize = segments.sorted { $0.customers > $1.customers }
        let sizeChart = BarChart(title: "Customers by segment", labels: bySize.map(\.segment.rawValue),
                                 values: bySize.map { Double($0.customers) }, categoryAxisTitle: "Segment",
                                 valueAxisTitle: "Customers", horizontal: true, showValueLabels: true, format: DisplayFormat.compact,
                                 tooltips: bySize.map { "\($0.segment.rawValue): \(Words.plural($0.customers, "customer")) (\(Words.pct($0.customerShare)))" })
        let treemap = Treemap(title: "Revenue by segment",
                              items: segments.filter { $0.revenue > 0 }.map {
                                  .init(label: $0.segment.rawValue, value: Double($0.revenue) / 10_000,
                                        tooltip: "\($0.segment.rawValue): \(DisplayFormat.money($0.revenue)) (\(Words.pct($0.revenueShare)) of revenue), \(Words.plural($0.customers, "customer"))")
                              }, format: DisplayFormat.compactAmount)

        // R-by-F grid: rows R = 5 (top) ... 1, columns F = 1 ... 5.
        var grid = [[Int]](repeating: [Int](repeating: 0, count: 5), count: 5)
        var gridRevenue = [[Int64]](repeating: [Int64](repeating: 0, count: 5), count: 5)
        for i in 0..<n {
            let r = Int(a.rfm.r[i]) - 1, f = Int(a.rfm.f[i]) - 1
            grid[r][f] += 1
            gridRevenue[r][f] += a.table.monetary[i]
        }
        let rOrder = [4, 3, 2, 1, 0]
        let gridChart = MatrixHeatmap(
            title: "Customers by recency (R) and frequency (F) score", rowLabels: rOrder.map { "R\($0 + 1)" },
            columnLabels: (1...5).map { "F\($0)" },
            values: rOrder.map { r in (0..<5).map { f in Double(grid[r][f]) } },
            xAxisTitle: "Frequency score (5 = most orders)", yAxisTitle: "Recency score (5 = most recent)",
            cellText: rOrder.map { r in (0..<5).map { f in DisplayFormat.compact(Double(grid[r][f])) } },
            tooltips: rOrder.map { r in (0..<5).map { f in
                "R\(r + 1) F\(f + 1) (\(Segment.of(r: UInt8(r + 1), f: UInt8(f + 1)).rawValue)): \(Words.plural(grid[r][f], "customer")), revenue \(DisplayFormat.money(gridRevenue[r][f]))"
            } }, format: DisplayFormat.compact, legendTitle: "Customers")
        let gridTable = Table(id: "rf_grid", title: "R-by-F grid", columns: [
            .init(key: "r_score", label: "R", numeric: true), .init(key: "f_score", label: "F", numeric: true),
            .init(key: "segment", label: "Segment"), .init(key: "customers", label: "Customers", numeric: true),
            .init(key: "revenue", label: "Revenue", numeric: true),
        ], rows: rOrder.flatMap { r in (0..<5).map { f in
            [.int(r + 1), .int(f + 1), .text(Segment.of(r: UInt8(r + 1), f: UInt8(f + 1)).rawValue), .int(grid[r][f]), .money(gridRevenue[r][f])]
        } }, htmlLimit: 0)

        // Insights.
        var insights: [String] = []
        var predictiveSections: [Section] = []
        if n > 0 {
            if let warning = a.shortSpanWarning { insights.append(warning) }
            let risk = a.segments.filter { $0.segment == .atRisk || $0.segment == .cantLose }
            let riskCustomers = risk.reduce(0) { $0 + $1.customers }
            let riskRevenue = risk.reduce(Int64(0)) { $0 + $1.revenue }
            if riskCustomers > 0 {
                insights.append("\(Words.pluralIs(riskCustomers, "customer")) At Risk or Can't Lose Them (\(Words.share(riskCustomers, of: n)) of customers): \(Words.verb(riskCustomers, "it has", "they have")) bought \(DisplayFormat.money(riskRevenue))\(revenueShare(riskRevenue, a.kpis.totalRevenue)) but \(Words.verb(riskCustomers, "has", "have")) not ordered recently.")
            }
            if let champ = a.segments.first(where: { $0.segment == .champions }), champ.customers > 0 {
                insights.append("Champions are \(Words.pct(champ.customerShare)) of customers and bring \(Words.pct(champ.revenueShare)) of revenue; their median customer last ordered \(DisplayFormat.days(champ.medianRecencyDays ?? 0)) ago and has placed \(Words.plural(champ.medianFrequency ?? 0, "order")).")
            }
            if let largest = bySize.first, largest.customers > 0 {
                var text = "The largest segment is \(largest.segment.rawValue) with \(Words.plural(largest.customers, "customer")) (\(Words.pct(largest.customerShare)))"
                if largest.segment == .hibernating {
                    text += ": a median of \(DisplayFormat.days(largest.medianRecencyDays ?? 0)) since their last order, \(Words.pct(largest.revenueShare)) of revenue"
                }
                insights.append(text + ".")
            }
            let hib = a.segments.first { $0.segment == .hibernating }!
            if hib.customers > 0 && bySize.first?.segment != .hibernating {
                insights.append("\(Words.pluralIs(hib.customers, "customer")) Hibernating: a median of \(DisplayFormat.days(hib.medianRecencyDays ?? 0)) since \(Words.verb(hib.customers, "its", "their")) last order, \(Words.pct(hib.revenueShare)) of revenue.")
            }
        }
        page.insights = insights
        let result = ctx.snapshot.churn
        if result != nil || ctx.snapshot.modelsPending {
            let predictive = PredictiveSections.churn(ctx, result)
            page.kpis = predictive.kpis
            page.insights += predictive.insights
            predictiveSections = predictive.sections
        }
        page.sections = [
            Section(id: "segments", title: "Segments", blocks: [
                .chart(Chart(id: "segment_sizes", title: sizeChart.title, svg: sizeChart.svg(), dataTable: "segments")),
                .chart(Chart(id: "segment_revenue", title: treemap.title, svg: treemap.svg(), dataTable: "segments")),
                .table(segmentTable),
            ]),
            Section(id: "grid", title: "Recency by frequency", blocks: [
                .chart(Chart(id: "rf_grid", title: gridChart.title, svg: gridChart.svg(), dataTable: "rf_grid")), .table(gridTable),
            ]),
        ]
        page.sections += predictiveSections
        if let movement = movementSection(ctx) { page.sections.insert(movement, at: 2) }
        return page
    }

    /// The last 90 days' segment movement in words, with a link to the Movement page (nil when the data does not
    /// reach 90 days back from the as-of date).
    static func movementSection(_ ctx: PageContext) -> Section? {
        guard let (start, end) = SegmentMovement.recentWindow(end: ctx.analysis.asOf, dataStart: ctx.dataset.span.lowerBound),
              let m = ctx.snapshot.movement(start: start, end: end) else { return nil }
        let sentences = m.sentences
        guard !sentences.isEmpty else { return nil }
        return Section(id: "movement", title: "Movement over the last \(SegmentMovement.recentDays) days", blocks: [
            .bullets(sentences, after: Paragraph(text: "Segments as of \(DisplayFormat.date(start)) against \(DisplayFormat.date(end)).", note: true,
                                                 link: Link(label: "Every flow and its customers →", href: ctx.request.link("/movement")))),
        ])
    }

    /// " (12.3% of revenue)", or nothing when total revenue is not positive (a share of it would mean nothing).
    static func revenueShare(_ part: Int64, _ total: Int64) -> String {
        guard total > 0, let share = ExactRatio.value(part, total), share >= 0, share <= 1 else { return "" }
        return " (\(Words.pct(share)) of revenue)"
    }

    static func withSegment(_ f: AnalysisFilter, _ s: Segment) -> AnalysisFilter {
        var g = f
        g.segments = [s]
        return g
    }
}
