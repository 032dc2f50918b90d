import ClienteleCore
import ClienteleRender
import Mustache

/// The pages in the navigation, in order.
let navigation: [(path: String, label: String)] = [
    ("/", "Home"), ("/overview", "Overview"), ("/value", "Value"), ("/retention", "Retention"),
    ("/churn", "Churn"), ("/explain", "Why churn"), ("/recommendations", "Actions"), ("/report", "Report"), ("/customers", "Customers"), ("/data-quality", "Data"), ("/upload", "Upload"),
]

/// Renders pages as HTML (Mustache layout), JSON and CSV.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let version: String

    /// Page context for the layout. `path` is the page's own path (for the filter form and nav highlighting).
    func html(_ page: Page, path: String, request: PageRequest, dataset: Dataset, showFilters: Bool = true,
              message: (kind: String, text: String)? = nil, downloads: Bool = true) -> String {
        let f = request.filter
        let optionItems = request.items.filter { $0.name.hasPrefix("_") && $0.name != "_page" }
        let pageData = path == "/" ? "/index" : path
        var context: [String: Any] = [
            "pageTitle": page.title,
            "path": path,
            "version": version,
            "datasetName": dataset.name,
            "datasetLine": f.from == nil && f.to == nil
                ? "\(dataset.name) · \(DisplayFormat.date(dataset.span.lowerBound)) to \(DisplayFormat.date(dataset.span.upperBound)) · as of \(DisplayFormat.date(f.asOf(default: dataset.asOf)))\(f.isEmpty ? "" : " · filtered")"
                : "\(dataset.name) · selection \(DisplayFormat.date(f.from ?? dataset.span.lowerBound)) to \(DisplayFormat.date(f.asOf(default: dataset.asOf) - 1)) (data \(DisplayFormat.date(dataset.span.lowerBound)) to \(DisplayFormat.date(dataset.span.upperBound))) · as of \(DisplayFormat.date(f.asOf(default: dataset.asOf)))",
            "filterQuery": request.filterQuery,
            "howToRead": page.howToRead,
            "hasKPIs": !page.kpis.isEmpty,
            "kpis": page.kpis.map { k -> [String: Any] in
                var d: [String: Any] = ["label": k.label, "value": k.value, "tone": k.tone.rawValue, "hint": k.hint]
                if let c = k.change { d["change"] = c }
                return d
            },
            "hasInsights": !page.insights.isEmpty,
            "insights": page.insights,
            "showFilters": showFilters,
            "nav": navigation.map { item -> [String: Any] in
                let carriesFilter = item.path != "/data-quality" && item.path != "/upload"
                return ["href": carriesFilter ? item.path + request.filterQuery : item.path, "label": item.label,
                        "active": item.path == path || (path == "/customer" && item.path == "/customers")]
            },
        ]
        if downloads {
            let q = request.link("", request.items.filter { $0.name.hasPrefix("_") || $0.name == "id" }.map { ($0.name, Optional($0.value)) })
            context["downloads"] = ["json": pageData + ".json" + q, "csv": pageData + ".csv" + q]
        }
        if let message { context["message"] = ["kind": message.kind, "text": message.text] }
        if showFilters {
            let span = dataset.span
            let last = dataset.asOf - 1
            context["from"] = f.from.map(DisplayFormat.date) ?? ""
            context["to"] = f.to.map(DisplayFormat.date) ?? ""
            context["spanStart"] = DisplayFormat.date(span.lowerBound)
            context["spanEnd"] = DisplayFormat.date(span.upperBound)
            context["countries"] = dataset.countries.map { ["name": $0, "selected": f.countries.contains($0)] }
            context["segments"] = Segment.allCases.map { ["name": $0.rawValue, "selected": f.segments.contains($0)] }
            context["tiers"] = ValueTier.allCases.map { ["name": $0.rawValue, "selected": f.tiers.contains($0)] }
            context["hidden"] = optionItems.map { ["name": $0.name, "value": $0.value] }
                + (path == "/customer" ? request.items.filter { $0.name == "id" }.map { ["name": $0.name, "value": $0.value] } : [])
            context["filtered"] = !f.isEmpty
            context["resetHref"] = request.link(path == "/customer" ? "/customers" : path, [], filter: AnalysisFilter.none)
            var quick: [[String: Any]] = []
            // Not on a profile: a customer is often absent from a short recent range.
            for (label, days) in [("Last 30 days", 30), ("Last 90 days", 90), ("Last 12 months", 365)] where span.upperBound - span.lowerBound >= days && path != "/customer" {
                var q = f
                q.from = last - days + 1
                q.to = last
                quick.append(["label": label, "href": request.link(path, optionItems.map { ($0.name, Optional($0.value)) }, filter: q)])
            }
            context["quick"] = quick
        }
        let base = pageData
        let optionPairs = optionItems.map { ($0.name, Optional($0.value)) } + request.items.filter { $0.name == "id" }.map { ($0.name, Optional($0.value)) }
        context["sections"] = page.sections.map { section -> [String: Any] in
            [
                "id": section.id, "title": section.title, "intro": section.intro, "hasIntro": !section.intro.isEmpty,
                "blocks": section.blocks.enumerated().map { index, block -> [String: Any] in
                    func isChart(_ i: Int) -> Bool {
                        guard section.blocks.indices.contains(i), case .chart = section.blocks[i] else { return false }
                        return true
                    }
                    switch block {
                    case .html(let h): return ["isHTML": true, "html": h]
                    case .text(let t): return ["isText": true, "text": t]
                    case .chart(let c):
                        var d: [String: Any] = ["id": c.id, "title": c.title, "svg": c.svg,
                                                "wide": c.wide || !(isChart(index - 1) || isChart(index + 1)),
                                                "svgHref": request.link(base + ".svg", optionPairs + [("_chart", c.id)])]
                        if let t = c.dataTable { d["csvHref"] = request.link(base + ".csv", optionPairs + [("_table", t)]) }
                        return ["chart": d]
                    case .table(let t):
                        let limit = t.htmlLimit ?? t.rows.count
                        let shown = t.rows.prefix(limit)
                        var d: [String: Any] = [
                            "title": t.title, "note": t.note, "hasNote": !t.note.isEmpty, "hidden": limit == 0,
                            "csvHref": request.link(base + ".csv", optionPairs + [("_table", t.id)]),
                            "jsonHref": request.link(base + ".json", optionPairs + [("_table", t.id)]),
                            "showRows": limit > 0,
                            "columns": t.columns.map { c -> [String: Any] in
                                var cd: [String: Any] = ["label": c.label, "numeric": c.numeric, "sortMark": c.sortMark]
                                if let h = c.sortHref { cd["sortHref"] = h }
                                return cd
                            },
                            "rows": shown.map { row -> [String: Any] in
                                ["cells": row.map { cell -> [String: Any] in
                                    var cd: [String: Any] = ["text": cell.display, "numeric": cell.isNumeric]
                                    // Sentences (reasons, statuses) wrap instead of running off the table.
                                    if !cell.isNumeric && cell.display.count > 48 { cd["wrap"] = true }
                                    if case .link(_, let href) = cell { cd["href"] = href }
                                    return cd
                                }]
                            },
                        ]
                        if limit > 0 && limit < t.rows.count { d["truncated"] = ["shown": DisplayFormat.integer(limit), "total": DisplayFormat.integer(t.rows.count)] }
                        if let p = t.pagination {
                            var pd: [String: Any] = ["summary": p.summary]
                            if let prev = p.previous { pd["previous"] = prev }
                            if let next = p.next { pd["next"] = next }
                            d["pagination"] = pd
                        }
                        return ["table": d]
                    }
                },
            ]
        }
        return library.render(context, withTemplate: "layout") ?? "<!DOCTYPE html><title>Template error</title><p>The page template could not be rendered.</p>"
    }

    /// The page as JSON: filters, KPIs, insights and every table (or only `_table`).
    func json(_ page: Page, request: PageRequest, dataset: Dataset, asOf: Int, onlyTable: String?) throws(FilterError) -> String {
        var fields: [(String, JSONValue)] = [
            ("ok", .bool(true)), ("page", .string(page.id)), ("title", .string(page.title)),
            ("dataset", .string(dataset.name)), ("as_of", .string(DisplayFormat.date(asOf))),
            ("filters", .object(request.filter.queryItemsGrouped)),
        ]
        if onlyTable == nil {
            fields.append(("kpis", .object(page.kpis.map { k in
                (k.key, .object([("label", .string(k.label)), ("value", k.raw), ("previous", k.previousRaw), ("change", k.change.map { .string($0) } ?? .null)]))
            })))
            fields.append(("insights", .array(page.insights.map { .string($0) })))
            fields += page.extraJSON
        }
        var tables: [(String, JSONValue)] = []
        for t in page.tables where onlyTable == nil || onlyTable == t.id {
            tables.append((t.id, .object([
                ("title", .string(t.title)),
                ("columns", .array(t.columns.map { .string($0.key) })),
                ("rows", .array(t.rows.map { row in .object(zip(t.columns, row).map { ($0.key, $1.json) }) })),
            ])))
        }
        if let only = onlyTable, tables.isEmpty { throw FilterError(unknownTable(only, page)) }
        fields.append(("tables", .object(tables)))
        return JSONValue.object(fields).text
    }

    /// One table of the page as CSV (`_table`, default the page's first table).
    func csv(_ page: Page, table id: String?) throws(FilterError) -> String {
        guard let t = id.map({ id in page.tables.first { $0.id == id } }) ?? page.tables.first else {
            throw FilterError(unknownTable(id ?? "", page))
        }
        var w = CSVWriter()
        w.header(t.columns.map(\.key))
        for row in t.rows {
            for cell in row {
                switch cell.csv {
                case .text(let s): w.text(s)
                case .number(let n): w.numberText(n)
                }
            }
            w.endRow()
        }
        return String(decoding: w.bytes, as: UTF8.self)
    }

    func unknownTable(_ id: String, _ page: Page) -> String {
        "Unknown table '\(id)'. Tables on this page: \(page.tables.map(\.id).joined(separator: ", "))."
    }
}

extension AnalysisFilter {
    /// The filter as JSON fields (arrays for the repeatable ones).
    var queryItemsGrouped: [(String, JSONValue)] {
        [("from", from.map { .string(CivilDate.format($0)) } ?? .null),
         ("to", to.map { .string(CivilDate.format($0)) } ?? .null),
         ("country", .array(countries.map { .string($0) })),
         ("segment", .array(segments.map { .string($0.rawValue) })),
         ("tier", .array(tiers.map { .string($0.rawValue) }))]
    }
}
