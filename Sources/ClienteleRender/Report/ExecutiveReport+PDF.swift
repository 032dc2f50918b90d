import ClienteleCore
import Foundation

extension ExecutiveReport {
    /// The report as a PDF (vector charts, selectable text) on A4 or Letter paper.
    public func pdf(letter: Bool = false) -> [UInt8] {
        let flow = PDFFlow(title: "\(title) · \(datasetName)", pageSize: letter ? .letter : .a4)
        flow.headerText = "Clientele · \(title) · \(datasetName)"
        // Title page: what the report covers.
        flow.block(height: 140) { _, _ in }
        flow.heading(title)
        flow.paragraph(datasetName, font: flow.style.boldFont, size: 14)
        flow.space(6)
        flow.paragraph("Period: \(period) (as of \(asOf))", size: 11)
        flow.paragraph("Selection: \(selection)", size: 11)
        if let previousPeriod { flow.paragraph("Compared with: \(previousPeriod)", size: 11) }
        if let yearEarlierPeriod { flow.paragraph("A year earlier: \(yearEarlierPeriod)", size: 11) }
        flow.paragraph("Generated \(generatedOn) by Clientele", size: 11, color: flow.style.muted)
        flow.space(30)
        flow.heading("Contents", level: 3)
        flow.bullets(["Summary and key metrics", "Findings (\(findings.count))", "Recommended actions (\(actions.count))",
                      "Method" + (validation.isEmpty ? "" : " and model validation")])
        flow.pageBreak()
        flow.heading("Summary", level: 2)
        flow.bullets(summary)
        // Key metrics as cards, then the full table.
        flow.heading("Key metrics", level: 2)
        let green = RGBColor(hex: 0x0A7A52), red = RGBColor(hex: 0xB42318)
        flow.kpis(metrics.prefix(6).map { m in
            let (change, against) = previousPeriod != nil ? (m.change, "previous period") : (m.yearChange, "a year earlier")
            let up = change.hasPrefix("+"), down = change.hasPrefix("−")
            return PDFKPIBox(label: m.label, value: m.value, caption: change == "—" ? nil : "\(change) vs \(against)",
                             captionColor: up ? green : (down ? red : nil))
        }, columns: 3)
        if hasComparison {
            let t = metricsTable
            flow.table(PDFTable(columns: t.columns.enumerated().map { i, c in i == 0 ? .init(c, weight: 2) : .init(c, align: .right) }, rows: t.rows))
        } else {
            flow.table(PDFTable(columns: [.init("Metric", weight: 2), .init("Value", align: .right)], rows: metrics.map { [$0.label, $0.value] }))
            flow.paragraph(ExecutiveReport.noComparison, size: 8.5, color: flow.style.muted)
        }
        // Findings, one chart each.
        flow.pageBreak()
        flow.heading("Findings", level: 2)
        for (i, f) in findings.enumerated() {
            flow.heading("\(i + 1). \(f.headline)", level: 3)
            for d in f.details { flow.paragraph(d) }
            flow.chart(svg: f.chartSVG, maxHeight: 250)
            // Key rows only: the latest months of a time series, the first rows otherwise.
            let rows = f.table.rows.count <= 10 ? f.table.rows : (f.id == "revenue" ? Array(f.table.rows.suffix(8)) : Array(f.table.rows.prefix(10)))
            flow.table(PDFTable(columns: f.table.columns.enumerated().map { .init($1, weight: $0 == 0 ? 1.6 : 1, align: $0 == 0 ? .left : .right) },
                                rows: rows, fontSize: 8.5))
        }
        // Actions.
        flow.heading("Recommended actions", level: 2)
        if actions.isEmpty { flow.paragraph("No rule's condition holds for this selection.") }
        for a in actions {
            flow.heading("\(a.rank). \(a.title)", level: 3)
            flow.paragraph("\(a.value) expected incremental value · \(a.priority) priority · \(DisplayFormat.integer(a.customers)) customers", font: flow.style.boldFont)
            flow.paragraph(a.why)
            flow.paragraph("How the figure is computed: \(a.formula). When: \(a.timing)", size: 8.5, color: flow.style.muted)
        }
        // Method.
        flow.heading("Method", level: 2)
        for (term, meaning) in method { flow.paragraph("\(term). \(meaning)", size: 8.5) }
        if !validation.isEmpty {
            flow.heading("Model validation", level: 3)
            flow.bullets(validation)
        }
        return Array(flow.finish())
    }
}
