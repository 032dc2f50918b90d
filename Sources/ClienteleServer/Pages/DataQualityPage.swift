import ClienteleCore
import ClienteleRender

/// Data quality: lines read, used and rejected, by reason with examples.
enum DataQualityPage {
    static func build(_ ctx: PageContext) -> Page {
        let d = ctx.dataset
        let r = d.report
        var page = Page(id: "data-quality", title: "Data quality",
                        howToRead: "What the load read from \(d.name) and what it could not use. A line is invalid for the first reason that applies, in the order of the table; invalid lines are skipped and never stop a load. Cancelled lines (invoice starting with C, or a negative quantity) and guest lines (no customer id) are valid: cancellations reduce revenue, guest lines count only as guest revenue. This page describes the whole data set; filters do not apply.")
        page.kpis = [
            KPI(key: "lines_read", label: "Lines read", value: DisplayFormat.integer(r.linesRead), raw: .int(r.linesRead)),
            KPI(key: "valid_lines", label: "Valid", value: DisplayFormat.integer(r.validLines), raw: .int(r.validLines)),
            KPI(key: "cancelled_lines", label: "Cancelled", value: DisplayFormat.integer(r.cancelledLines), raw: .int(r.cancelledLines)),
            KPI(key: "guest_lines", label: "Guest", value: DisplayFormat.integer(r.guestLines), raw: .int(r.guestLines)),
            KPI(key: "invalid_lines", label: "Invalid", value: DisplayFormat.integer(r.invalidLines), raw: .int(r.invalidLines)),
        ]
        if r.excludedProductLines > 0 {
            page.kpis.append(KPI(key: "left_out_lines", label: "Left out (product codes)", value: DisplayFormat.integer(r.excludedProductLines), raw: .int(r.excludedProductLines)))
        }
        let reasons = InvalidReason.allCases.map { reason in
            [.text(reason.rawValue), .text(reason.explanation), .int(r.invalidByReason[reason.rawValue] ?? 0)] as [Cell]
        }
        let reasonTable = Table(id: "reasons", title: "Invalid lines by reason", columns: [
            .init(key: "reason", label: "Reason"), .init(key: "explanation", label: "Meaning"), .init(key: "lines", label: "Lines", numeric: true),
        ], rows: reasons)
        var exampleRows: [[Cell]] = []
        for reason in InvalidReason.allCases {
            for e in r.examples[reason.rawValue] ?? [] {
                exampleRows.append([.text(reason.rawValue), .text(e.file), .int(e.line), .text(e.field), .text(e.value)])
            }
        }
        let examples = Table(id: "examples", title: "First examples of each reason", columns: [
            .init(key: "reason", label: "Reason"), .init(key: "file", label: "File"), .init(key: "line", label: "Line", numeric: true),
            .init(key: "field", label: "Field"), .init(key: "value", label: "Value"),
        ], rows: exampleRows, note: exampleRows.isEmpty ? emptyExamplesNote(r) : "Line numbers count the header as line 1.")
        page.insights = [
            "\(DisplayFormat.percent(r.linesRead > 0 ? Double(r.validLines) / Double(r.linesRead) : nil)) of \(DisplayFormat.integer(r.linesRead)) lines are valid; \(Words.plural(r.cancelledLines, "valid line")) \(Words.verb(r.cancelledLines, "is a cancellation or return", "are cancellations or returns")) and \(Words.plural(r.guestLines, "is a guest line", "are guest lines")).",
            HomePage.excludedSentence(d),
        ] + r.invalidSummaryLines.map { $0 + "." } + HomePage.productCodeSentences(r, customerRevenue: d.base.kpis.totalRevenue)
            + r.orderStatusSentences.map { $0 + "." }
        page.sections = [
            Section(id: "reasons", title: "Rejected lines", blocks: [.table(reasonTable), .table(examples)]),
            Section(id: "non-product", title: "Non-product lines", blocks: [.table(productCodeTable(r))]),
        ]
        return page
    }

    /// The codes that look like non-product lines and those left out, with their lines and amounts.
    static func productCodeTable(_ r: DataQualityReport) -> Table {
        let rows: [[Cell]] = r.productCodes.map { p in
            [.text(p.code), .text(p.excluded ? (p.lines > 0 ? "left out" : "left out (no line has it)") : "counted"),
             .text(p.reason.isEmpty ? "asked to be left out" : p.reason), .int(p.lines), .int(p.returnLines), .int(p.guestLines),
             .money(p.netUnits), .money(p.customerNetUnits), .money(p.averageLineUnits)]
        }
        let note: String
        if r.productColumn == nil {
            note = "This file has no product-code column, so non-product lines (postage, fees, adjustments) cannot be told apart from purchases. Map one with --map product=COLUMN (or on the upload's column form) to see them here."
        } else if rows.isEmpty {
            note = "No product code (column \(r.productColumn!)) looks like a non-product line: none reads like postage, a fee or an adjustment, and none differs in shape from the store's product codes."
        } else {
            note = "Codes of column \(r.productColumn!) that read like postage, fees or adjustments, or are not shaped like the store's product codes; largest net amount (positive or negative) first. Only customers' lines reach customer revenue; guest lines are outside customer figures. The average line of all coded lines is \(DisplayFormat.money(r.averageLineUnits)). Review them before leaving any out: a code flagged by its shape may be a real product."
        }
        return Table(id: "non-product", title: "Product codes that look like non-product lines", columns: [
            .init(key: "code", label: "Product code"), .init(key: "status", label: "Status"), .init(key: "why", label: "Why it is listed"),
            .init(key: "lines", label: "Lines", numeric: true), .init(key: "return_lines", label: "Return lines", numeric: true),
            .init(key: "guest_lines", label: "Guest lines", numeric: true), .init(key: "net", label: "Net amount", numeric: true),
            .init(key: "customer_net", label: "On customers' lines", numeric: true),
            .init(key: "average_line", label: "Average line (absolute)", numeric: true),
        ], rows: rows, note: note)
    }

    /// Why the examples table is empty: no invalid line, or a database table (no line numbers to show).
    static func emptyExamplesNote(_ r: DataQualityReport) -> String {
        if r.invalidLines == 0 { return "No invalid line." }
        if r.layout.hasPrefix("PostgreSQL") {
            return "A database table has no line numbers, so no example is shown: each reason above is a condition on its columns (a NULL or infinite timestamp, a quantity of 0 or NULL, a unit price of 0 or less or NULL) that a query on the table selects."
        }
        return "No example was kept."
    }
}
