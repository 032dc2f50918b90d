import ClienteleCore
import ClienteleRender
import Foundation

/// The executive report: shown as a page, downloadable as PDF, HTML and Markdown with the same filters.
enum ReportPage {
    static func report(_ ctx: PageContext) -> ExecutiveReport {
        ExecutiveReport.build(analysis: ctx.analysis, previous: ctx.previousPeriod(), yearEarlier: ctx.snapshot.yearEarlier, history: ctx.snapshot.history, datasetName: ctx.dataset.name,
                              periodStart: ctx.filter.from ?? ctx.dataset.span.lowerBound,
                              selection: ctx.filter.isEmpty ? "All customers" : ctx.selectionDescription,
                              rules: ctx.snapshot.rules, churn: ctx.snapshot.historyChurn, modelsPending: ctx.snapshot.modelsPending,
                              movement: movement(ctx))
    }

    /// The last 90 days' segment movement of the selection's countries (nil when the data does not reach back, or
    /// when a segment or tier filter is set: the movement is about every customer's segment).
    static func movement(_ ctx: PageContext) -> SegmentMovement? {
        guard ctx.filter.segments.isEmpty, ctx.filter.tiers.isEmpty,
              let w = SegmentMovement.recentWindow(end: ctx.analysis.asOf, dataStart: ctx.dataset.span.lowerBound) else { return nil }
        return ctx.snapshot.movement(start: w.start, end: w.end)
    }

    static func build(_ ctx: PageContext) -> Page {
        let r = report(ctx)
        var page = Page(id: "report", title: "Executive report",
                        howToRead: "A five-minute summary for leadership of the current selection (without a chosen date range, the last \(AnalysisFilter.defaultPeriodDays) days of the data): key metrics against the previous period and the same dates a year earlier, the main findings with their charts, the top recommended actions and how the numbers are defined. Download it as PDF (A4 or Letter), as a self-contained HTML file that prints well, or as Markdown; all three hold the same numbers and follow the filters above.")
        page.insights = r.summary
        let q = ctx.request.filterQuery
        let downloads = Links(style: .buttons, items: [
            .init(label: "PDF (A4)", href: "/report.pdf" + q), .init(label: "PDF (Letter)", href: ctx.request.link("/report.pdf", [("_paper", "letter")])),
            .init(label: "HTML", href: "/report.html" + q), .init(label: "Markdown", href: "/report.md" + q),
        ])
        // Without an earlier period the table has no comparison columns and says why (as the downloads do).
        let t = r.metricsTable
        let metrics = r.hasComparison
            ? Table(id: "metrics", title: "Key metrics", columns: t.columns.enumerated().map { i, c in
                .init(key: ["metric", "value", "previous", "change", "year_earlier", "change_year"][r.previousPeriod == nil && i >= 2 ? i + 2 : i], label: c, numeric: i > 0)
            }, rows: t.rows.map { row in row.enumerated().map { $0.offset == 0 ? .text($0.element) : .figure($0.element) } },
                note: [r.previousPeriod.map { "Previous period: \($0)." }, r.yearEarlierPeriod.map { "A year earlier: \($0)." }].compactMap { $0 }.joined(separator: " "))
            : Table(id: "metrics", title: "Key metrics", columns: [
                .init(key: "metric", label: "Metric"), .init(key: "value", label: "Value", numeric: true),
            ], rows: r.metrics.map { [.text($0.label), .figure($0.value)] }, note: ExecutiveReport.noComparison)
        page.sections = [Section(id: "download", title: "Download", blocks: [.links(downloads), .table(metrics)])]
        for (i, f) in r.findings.enumerated() {
            let table = Table(id: "finding_\(f.id)", title: f.chartTitle, columns: f.table.columns.enumerated().map { .init(key: $1.lowercased().replacingOccurrences(of: " ", with: "_"), label: $1, numeric: $0 > 0) },
                              rows: f.table.rows.map { $0.enumerated().map { $0.offset == 0 ? .text($0.element) : .figure($0.element) } })
            page.sections.append(Section(id: "finding-\(f.id)", title: "Finding \(i + 1): \(f.headline)", intro: f.details.joined(separator: " "),
                                         blocks: [.chart(Chart(id: f.id, title: f.chartTitle, svg: f.chartSVG, dataTable: table.id)), .table(table)]))
        }
        let actions = Table(id: "actions", title: "Top recommended actions", columns: [
            .init(key: "rank", label: "#", numeric: true), .init(key: "action", label: "Action"), .init(key: "priority", label: "Priority"),
            .init(key: "customers", label: "Customers", numeric: true), .init(key: "value", label: "Expected value", numeric: true),
            .init(key: "why", label: "Why"),
        ], rows: r.actions.map { [.int($0.rank), .link($0.title, href: "/recommendations" + q), .text($0.priority), .int($0.customers), .figure($0.value), .text($0.why)] })
        page.sections.append(Section(id: "actions", title: "Recommended actions", blocks: [.table(actions)]))
        page.sections.append(Section(id: "method", title: "Method", blocks: [.definitions(r.method.map { (term: $0.0, detail: $0.1) })]))
        return page
    }
}
