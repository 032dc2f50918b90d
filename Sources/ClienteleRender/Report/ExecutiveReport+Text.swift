import ClienteleCore

extension ExecutiveReport {
    /// The report as Markdown (GitHub-flavoured tables); charts are given by their key numbers.
    public func markdown() -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        func table(_ columns: [String], _ rows: [[String]]) -> String {
            var t = "| " + columns.map(cell).joined(separator: " | ") + " |\n"
            t += "|" + columns.enumerated().map { i, _ in i == 0 ? " --- " : " ---: " }.joined(separator: "|") + "|\n"
            for r in rows { t += "| " + r.map(cell).joined(separator: " | ") + " |\n" }
            return t
        }
        var md = "# \(title)\n\n"
        md += "**Data set:** \(datasetName)  \n**Period:** \(period) (as of \(asOf))  \n**Selection:** \(selection)  \n"
        if let previousPeriod { md += "**Compared with:** \(previousPeriod)  \n" }
        md += "**Generated:** \(generatedOn) by Clientele\n\n"
        md += "## Summary\n\n" + summary.map { "- \($0)\n" }.joined() + "\n"
        md += "## Key metrics\n\n" + (previousPeriod != nil
            ? table(["Metric", "This period", "Previous period", "Change"], metrics.map { [$0.label, $0.value, $0.previous, $0.change] })
            : table(["Metric", "Value"], metrics.map { [$0.label, $0.value] }) + "\n" + ExecutiveReport.noComparison + "\n") + "\n"
        md += "## Findings\n\n"
        for (i, f) in findings.enumerated() {
            md += "### \(i + 1). \(f.headline)\n\n"
            md += f.details.map { "\($0)\n\n" }.joined()
            md += "*\(f.chartTitle)*\n\n" + table(f.table.columns, f.table.rows) + "\n"
        }
        md += "## Recommended actions\n\n"
        if actions.isEmpty { md += "No rule's condition holds for this selection.\n\n" }
        for a in actions {
            md += "### \(a.rank). \(a.title)\n\n"
            md += "- **Expected incremental value:** \(a.value) (\(a.formula))\n- **Priority:** \(a.priority) · **Customers:** \(DisplayFormat.integer(a.customers))\n- **Why:** \(a.why)\n- **When:** \(a.timing)\n\n"
        }
        md += "## Method\n\n" + method.map { "- **\($0.0).** \($0.1)\n" }.joined()
        if !validation.isEmpty { md += "\n### Model validation\n\n" + validation.map { "- \($0)\n" }.joined() }
        return md
    }

    /// The report as one self-contained HTML file (inline CSS and SVG charts) that prints well on A4 or Letter.
    public func html() -> String {
        let e = escapeHTML
        func table(_ columns: [String], _ rows: [[String]]) -> String {
            "<table><thead><tr>" + columns.enumerated().map { "<th\($0.offset > 0 ? " class=\"num\"" : "")>\(e($0.element))</th>" }.joined()
                + "</tr></thead><tbody>" + rows.map { "<tr>" + $0.enumerated().map { "<td\($0.offset > 0 ? " class=\"num\"" : "")>\(e($0.element))</td>" }.joined() + "</tr>" }.joined()
                + "</tbody></table>"
        }
        var h = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(title)) · \(e(datasetName))</title><style>
        @page { size: A4; margin: 16mm 15mm; }
        body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2937; max-width: 820px; margin: 2rem auto; padding: 0 1rem; }
        h1 { font-size: 22pt; margin: 0 0 .3rem; } h2 { font-size: 15pt; margin: 1.6rem 0 .6rem; border-bottom: 2px solid #0072B2; padding-bottom: .2rem; }
        h3 { font-size: 12pt; margin: 1.2rem 0 .4rem; } .meta { color: #5b6472; margin: 0 0 1rem; } .meta b { color: #1f2937; }
        table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: .4rem 0 .8rem; font-variant-numeric: tabular-nums; }
        th, td { border-bottom: 1px solid #e3e6eb; padding: .25rem .4rem; text-align: left; } th { background: #f5f6f8; } .num { text-align: right; }
        .finding, .action { break-inside: avoid; page-break-inside: avoid; } .chart svg { width: 100%; height: auto; }
        .summary li { margin: .2rem 0; } .action { border-left: 4px solid #0072B2; padding: .2rem 0 .2rem .8rem; margin: .8rem 0; }
        .action p { margin: .2rem 0; } .small { color: #5b6472; font-size: 9pt; } .findings { break-before: page; page-break-before: always; }
        </style></head><body>
        <header><h1>\(e(title))</h1>
        <p class="meta"><b>\(e(datasetName))</b> · \(e(period)) · as of \(e(asOf))<br>Selection: \(e(selection))\(previousPeriod.map { "<br>Compared with: \(e($0))" } ?? "")<br>Generated \(e(generatedOn)) by Clientele</p></header>
        <h2>Summary</h2><ul class="summary">\(summary.map { "<li>\(e($0))</li>" }.joined())</ul>
        <h2>Key metrics</h2>\(previousPeriod != nil ? table(["Metric", "This period", "Previous period", "Change"], metrics.map { [$0.label, $0.value, $0.previous, $0.change] }) : table(["Metric", "Value"], metrics.map { [$0.label, $0.value] }) + "<p class=\"small\">\(e(ExecutiveReport.noComparison))</p>")
        <section class="findings"><h2>Findings</h2>
        """
        for (i, f) in findings.enumerated() {
            h += "<div class=\"finding\"><h3>\(i + 1). \(e(f.headline))</h3>\(f.details.map { "<p>\(e($0))</p>" }.joined())<figure class=\"chart\">\(f.chartSVG)</figure>\(table(f.table.columns, f.table.rows))</div>"
        }
        h += "</section><h2>Recommended actions</h2>"
        if actions.isEmpty { h += "<p>No rule's condition holds for this selection.</p>" }
        for a in actions {
            h += "<div class=\"action\"><h3>\(a.rank). \(e(a.title))</h3><p><b>\(e(a.value))</b> expected incremental value · \(e(a.priority)) priority · \(DisplayFormat.integer(a.customers)) customers</p><p>\(e(a.why))</p><p class=\"small\">How the figure is computed: \(e(a.formula)). When: \(e(a.timing))</p></div>"
        }
        h += "<h2>Method</h2><dl>" + method.map { "<dt><b>\(e($0.0))</b></dt><dd>\(e($0.1))</dd>" }.joined() + "</dl>"
        if !validation.isEmpty { h += "<h3>Model validation</h3><ul>" + validation.map { "<li>\(e($0))</li>" }.joined() + "</ul>" }
        h += "</body></html>\n"
        return h
    }
}
