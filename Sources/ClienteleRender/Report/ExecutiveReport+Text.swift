import ClienteleCore
import Foundation
import Mustache

extension ExecutiveReport {
    /// The report as Markdown (GitHub-flavoured tables; `Templates/report-md.mustache`); charts are given by their
    /// key numbers.
    public func markdown() -> String {
        ReportTemplates.render(templateValues(markdown: true), "report-md")
    }

    /// The report as one self-contained HTML file (inline CSS and SVG charts) that prints well on A4 or Letter
    /// (`Templates/report-html.mustache`).
    public func html() -> String {
        ReportTemplates.render(templateValues(markdown: false), "report-html")
    }

    /// The values both templates read. Table cells for Markdown have `|` escaped and line breaks removed. Every
    /// optional value is present (false when absent): a missing Mustache name is looked up in enclosing contexts.
    func templateValues(markdown: Bool) -> [String: Any] {
        func cell(_ s: String) -> String {
            markdown ? s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") : s
        }
        func table(_ columns: [String], _ rows: [[String]]) -> [String: Any] {
            func cells(_ values: [String]) -> [[String: Any]] {
                values.enumerated().map { ["text": $1, "cell": cell($1), "first": $0 == 0] }
            }
            return ["header": cells(columns), "body": rows.map { ["cells": cells($0)] }]
        }
        let metricsTable = hasComparison ? table(self.metricsTable.columns, self.metricsTable.rows)
            : table(["Metric", "Value"], metrics.map { [$0.label, $0.value] })
        return [
            "title": title, "datasetName": datasetName, "period": period, "asOf": asOf, "selection": selection,
            "previousPeriod": previousPeriod ?? false, "generatedOn": generatedOn, "summary": summary,
            "metrics": metricsTable, "noComparison": hasComparison ? false : ExecutiveReport.noComparison,
            "yearEarlierPeriod": yearEarlierPeriod ?? false,
            "findings": findings.enumerated().map { i, f -> [String: Any] in
                ["number": i + 1, "headline": f.headline, "details": f.details, "svg": f.chartSVG, "chartTitle": f.chartTitle,
                 "table": table(f.table.columns, f.table.rows)]
            },
            "actions": actions.map { a -> [String: Any] in
                ["rank": a.rank, "title": a.title, "value": a.value, "priority": a.priority, "customers": DisplayFormat.integer(a.customers),
                 "why": a.why, "formula": a.formula, "timing": a.timing]
            },
            "method": method.map { ["term": $0.0, "detail": $0.1] },
            "hasValidation": !validation.isEmpty, "validation": validation,
        ]
    }
}
