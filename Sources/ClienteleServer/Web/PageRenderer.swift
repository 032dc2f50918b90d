import ClienteleCore
import ClienteleRender
import Mustache

/// The pages in the navigation, in order.
let navigation: [(path: String, label: String)] = [
    ("/", "Home"), ("/overview", "Overview"), ("/value", "Value"), ("/retention", "Retention"),
    ("/churn", "Churn"), ("/movement", "Movement"), ("/explain", "Why churn"), ("/recommendations", "Actions"), ("/report", "Report"), ("/customers", "Customers"),
    ("/datasets", "Data sets"), ("/data-quality", "Quality"),
]

extension PageRenderer {
    /// Whether the account of the request may open `path` (the menu shows only those).
    static func allows(_ path: String) -> Bool {
        guard let p = Access.current else { return false }
        switch AccessPolicy.requirement(method: .get, path: path) {
        case .open: return true
        case .role(let role, let unscoped): return p.role >= role && !(unscoped && p.isScoped)
        }
    }
}

/// A text for a Mustache section: false when empty. Mustache treats "" as true, and a name missing from the values
/// would be looked up in the enclosing contexts, so every optional value is given, as false when absent.
private func present(_ text: String) -> Any { text.isEmpty ? false : text }

/// Renders pages as HTML (Mustache layout), JSON and CSV.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let version: String
    /// The saved views listed in the nav (nil: none).
    var datasets: DatasetLibrary? = nil
    /// The live database source (`serve --postgres`), whose status every page shows.
    var live: LiveSlot? = nil

    /// Page context for the layout. `path` is the page's own path (for the filter form and nav highlighting).
    func html(_ page: Page, path: String, request: PageRequest, dataset: Dataset, showFilters: Bool = true,
              message: (kind: String, text: String)? = nil, downloads: Bool = true) -> String {
        let f = request.filter
        let optionItems = request.items.filter { $0.name.hasPrefix("_") && $0.name != "_page" }
        let pageData = path == "/" ? "/index" : path
        let currencyPart = dataset.currency.map { " · money in \($0)" } ?? " · currency not set"
        var context: [String: Any] = [
            "pageTitle": page.title,
            "path": path,
            "version": version,
            "datasetName": dataset.name,
            "datasetLine": (f.from == nil && f.to == nil
                ? "\(dataset.name)\(currencyPart) · \(DisplayFormat.date(dataset.span.lowerBound)) to \(DisplayFormat.date(dataset.span.upperBound)) · as of \(DisplayFormat.date(f.asOf(default: dataset.asOf)))\(f.isEmpty ? "" : " · filtered")"
                : "\(dataset.name)\(currencyPart) · selection \(DisplayFormat.date(f.from ?? dataset.span.lowerBound)) to \(DisplayFormat.date(f.asOf(default: dataset.asOf) - 1)) (data \(DisplayFormat.date(dataset.span.lowerBound)) to \(DisplayFormat.date(dataset.span.upperBound))) · as of \(DisplayFormat.date(f.asOf(default: dataset.asOf)))")
                + " (dates in the data's own time zone)",
            "filterQuery": request.filterQuery,
            "howToRead": present(page.howToRead),
            "hasKPIs": !page.kpis.isEmpty,
            "kpis": page.kpis.map { k -> [String: Any] in
                ["label": k.label, "value": k.value, "tone": k.tone.rawValue, "hint": present(k.hint),
                 "change": k.change ?? false, "against": k.against]
            },
            "hasInsights": !page.insights.isEmpty,
            "insights": page.insights,
            "showFilters": showFilters,
            "nav": navigation.filter { Self.allows($0.path) }.map { item -> [String: Any] in
                let carriesFilter = item.path != "/data-quality" && item.path != "/upload" && item.path != "/datasets"
                return ["href": carriesFilter ? item.path + request.filterQuery : item.path, "label": item.label,
                        "active": item.path == path || (path == "/customer" && item.path == "/customers") || (path == "/upload" && item.path == "/datasets")]
            },
        ]
        let principal = Access.current
        let views = principal == nil ? [] : (datasets?.views ?? []).filter { Self.allows(String($0.path.prefix { $0 != "?" })) }
        context["views"] = views.map { ["name": $0.name, "href": $0.path] }
        context["hasViews"] = !views.isEmpty
        context["signedIn"] = principal != nil
        let managesViews = principal.map { $0.role.managesData && !$0.isScoped } ?? false
        context["manageViews"] = managesViews
        if let p = principal {
            context["user"] = ["name": p.name, "initials": String(p.name.prefix(2)).uppercased(), "role": p.role.rawValue, "admin": p.role == .admin,
                               "scope": p.countries.isEmpty ? false : p.countries.joined(separator: ", "), "accounts": p.via != .open] as [String: Any]
        } else {
            context["user"] = false
        }
        // "Save this view": the page's own URL, named on /views (pages are cached and shared, so they carry no
        // session's CSRF token: the POST is made from /views).
        context["saveView"] = showFilters && managesViews ? ["view": PageRequest.url(path, request.items)] as [String: Any] : false
        if downloads {
            let q = request.link("", request.items.filter { $0.name.hasPrefix("_") || $0.name == "id" }.map { ($0.name, Optional($0.value)) })
            context["downloads"] = ["json": pageData + ".json" + q, "csv": pageData + ".csv" + q]
        }
        if let message { context["message"] = ["kind": message.kind, "text": message.text] }
        // The database source's state (its name, its errors) is for analysts of every country, as in /-/health.
        context["sourceStatus"] = false
        if let live = live?.active(for: dataset) {
            if Access.current.map({ $0.role.managesData && !$0.isScoped }) == true {
                let line = live.statusLine
                context["sourceStatus"] = ["text": line.text, "failed": line.failed] as [String: Any]
            }
            // No snapshot yet: the data set behind the page is a placeholder, whose dates mean nothing.
            if live.status.waiting { context["datasetLine"] = "\(dataset.name) · PostgreSQL · no data yet" }
        }
        if showFilters {
            let span = dataset.span
            let last = dataset.asOf - 1
            // Form values and limits of date inputs: ISO whatever the locale.
            context["from"] = f.from.map(CivilDate.format) ?? ""
            context["to"] = f.to.map(CivilDate.format) ?? ""
            context["spanStart"] = CivilDate.format(span.lowerBound)
            context["spanEnd"] = CivilDate.format(span.upperBound)
            // Several countries, segments and tiers at once: check boxes in a drop-down each.
            func choice(_ label: String, _ field: String, _ all: [String], _ selected: [String], none: String) -> [String: Any] {
                let summary = selected.isEmpty ? none : selected.count <= 2 ? selected.joined(separator: ", ") : "\(selected.count) selected"
                return ["label": label, "field": field, "summary": summary,
                        "options": all.map { ["name": $0, "field": field, "selected": selected.contains($0)] as [String: Any] }]
            }
            context["choices"] = [
                choice("Country", "country", principal.map { p in p.isScoped ? dataset.countries.filter { p.countries.contains($0) } : dataset.countries } ?? dataset.countries,
                       f.countries, none: "All countries"),
                choice("Segment", "segment", Segment.allCases.map(\.rawValue), f.segments.map(\.rawValue), none: "All segments"),
                choice("Tier", "tier", ValueTier.allCases.map(\.rawValue), f.tiers.map(\.rawValue), none: "All tiers"),
            ]
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
                    return blockContext(block, request: request, base: base, optionPairs: optionPairs,
                                        beside: isChart(index - 1) || isChart(index + 1))
                },
            ]
        }
        return library.render(context, withTemplate: "layout") ?? "<!DOCTYPE html><title>Template error</title><p>The page template could not be rendered.</p>"
    }

    /// The width of a chart's viewBox (0 when it has none): the chart's box is at least this wide in CSS pixels, so
    /// that its text (at least 11 units) is never drawn under 11 px; narrower screens scroll the box sideways.
    static func viewBoxWidth(_ svg: String) -> Int {
        guard let start = svg.range(of: "viewBox=\"") else { return 0 }
        let numbers = svg[start.upperBound...].prefix { $0 != "\"" }.split(separator: " ")
        guard numbers.count == 4, let width = Double(numbers[2]), width.isFinite, width > 0 else { return 0 }
        return Int(width.rounded(.up))
    }

    /// The template values of one block (`Templates/block.mustache`). `beside`: a chart has another chart next
    /// to it (the two share a row). Every optional key is present (false when absent): a Mustache name that is
    /// missing would be looked up in the enclosing contexts.
    func blockContext(_ block: Block, request: PageRequest, base: String, optionPairs: [(String, String?)], beside: Bool) -> [String: Any] {
        switch block {
        case .paragraph(let p):
            return ["paragraph": Self.paragraph(p)]
        case .links(let l):
            let items = l.items.enumerated().map { i, item -> [String: Any] in
                ["label": item.label, "href": item.href, "detail": present(item.detail), "first": i == 0]
            }
            switch l.style {
            case .list: return ["links": ["list": ["items": items]]]
            case .buttons: return ["links": ["buttons": ["items": items]]]
            case .inline(let label): return ["links": ["inline": ["label": label, "items": items]]]
            }
        case .switcher(let groups):
            return ["switcher": ["groups": groups.map { g -> [String: Any] in
                ["label": g.label, "chips": g.chips.map { ["label": $0.label, "href": $0.href, "active": $0.active] as [String: Any] }]
            }]]
        case .bullets(let items, let after):
            return ["bullets": ["items": items, "after": after.map(Self.paragraph) ?? false]]
        case .definitions(let items):
            return ["definitions": ["items": items.map { ["term": $0.term, "detail": $0.detail] }]]
        case .action(let a):
            return ["action": ["priority": a.priority, "priorityClass": a.priority.lowercased(), "value": a.value,
                               "horizonMonths": a.horizonMonths, "customers": a.customers, "why": a.why, "who": a.who,
                               "formula": a.formula, "timing": a.timing, "success": a.success] as [String: Any]]
        case .form(let f):
            return ["form": Self.form(f)]
        case .formGroup(let g):
            return ["formGroup": ["legend": g.legend, "detail": present(g.detail), "forms": g.forms.map(Self.form)] as [String: Any]]
        case .chart(let c):
            return ["chart": [
                "id": c.id, "svg": c.svg, "wide": c.wide || !beside, "minWidth": Self.viewBoxWidth(c.svg),
                "svgHref": request.link(base + ".svg", optionPairs + [("_chart", c.id)]),
                "csvHref": c.dataTable.map { request.link(base + ".csv", optionPairs + [("_table", $0)]) } ?? false,
            ] as [String: Any]]
        case .table(let t):
            let limit = t.htmlLimit ?? t.rows.count
            let shown = t.rows.prefix(limit)
            var d: [String: Any] = [
                "title": t.title, "note": present(t.note), "dataOnly": t.htmlLimit == 0, "downloadable": t.downloadable,
                "csvHref": request.link(base + ".csv", optionPairs + [("_table", t.id)]),
                "jsonHref": request.link(base + ".json", optionPairs + [("_table", t.id)]),
                "showRows": limit > 0,
                "columns": t.columns.map { c -> [String: Any] in
                    ["label": c.label, "numeric": c.numeric, "sortMark": c.sortMark, "sortHref": c.sortHref ?? false]
                },
                "rows": shown.map { row -> [String: Any] in
                    ["cells": row.map { cell -> [String: Any] in
                        var href: Any = false
                        if case .link(_, let h) = cell { href = h }
                        if case .count(_, let h) = cell { href = h }
                        // Sentences (reasons, statuses) wrap instead of running off the table.
                        return ["text": cell.display, "numeric": cell.isNumeric, "href": href,
                                "wrap": !cell.isNumeric && cell.display.count > 48]
                    }]
                },
                "truncated": limit > 0 && limit < t.rows.count
                    ? ["shown": DisplayFormat.integer(limit), "total": DisplayFormat.integer(t.rows.count)] : false,
                "pagination": false,
            ]
            if let p = t.pagination {
                d["pagination"] = ["summary": p.summary, "previous": p.previous ?? false, "next": p.next ?? false] as [String: Any]
            }
            return ["table": d]
        }
    }

    static func paragraph(_ p: Paragraph) -> [String: Any] {
        ["text": p.text, "hasText": !p.text.isEmpty, "note": p.note, "modelsPending": p.modelsPending, "trailing": p.trailing,
         "link": p.link.map { ["label": $0.label, "href": $0.href] } ?? false]
    }

    static func form(_ f: Form) -> [String: Any] {
        [
            "action": f.action, "method": f.method, "multipart": f.multipart, "style": f.style,
            "csrf": f.csrf ?? false, "legend": f.legend ?? false, "submit": f.submit,
            "hiddenFields": f.hidden.map { ["name": $0.name, "value": $0.value] },
            "secondary": f.secondary.map { ["label": $0.label, "href": $0.href] } ?? false,
            "alternative": f.alternative.map { ["name": $0.name, "value": $0.value, "label": $0.label] } ?? false,
            "fields": f.fields.map { field -> [String: Any] in
                var d: [String: Any] = ["file": false, "select": false, "checkbox": false, "search": false, "date": false, "text": false,
                                        "password": false, "textarea": false]
                switch field {
                case .file(let id, let label, let name, let accept):
                    d["file"] = ["id": id, "label": label, "name": name, "accept": accept]
                case .select(let label, let name, let required, let options):
                    d["select"] = ["label": label, "name": name, "required": required,
                                   "options": options.map { ["value": $0.value, "label": $0.label, "selected": $0.selected] as [String: Any] }] as [String: Any]
                case .checkbox(let name, let value, let checked, let code, let label):
                    d["checkbox"] = ["name": name, "value": value, "checked": checked, "code": present(code), "label": label] as [String: Any]
                case .date(let id, let label, let name, let value):
                    d["date"] = ["id": id, "label": label, "name": name, "value": value]
                case .search(let id, let label, let name, let value, let placeholder):
                    d["search"] = ["id": id, "label": label, "name": name, "value": value, "placeholder": placeholder]
                case .text(let id, let label, let name, let value, let maxLength):
                    d["text"] = ["id": id, "label": label, "name": name, "value": value, "maxLength": maxLength, "username": name == "username"] as [String: Any]
                case .password(let id, let label, let name):
                    // The sign-in form's and the current password are known to the browser's password manager; others are new.
                    d["password"] = ["id": id, "label": label, "name": name,
                                     "autocomplete": (f.action == "/login" || name == "current") ? "current-password" : "new-password"]
                case .textarea(let id, let label, let name, let value, let maxLength):
                    d["textarea"] = ["id": id, "label": label, "name": name, "value": value, "maxLength": maxLength] as [String: Any]
                }
                return d
            },
        ]
    }

    /// The page as JSON: filters, KPIs, insights and every table (or only `_table`). A table with lazy rows is
    /// written row by row when the text is sent.
    func json(_ page: Page, request: PageRequest, dataset: Dataset, asOf: Int, onlyTable: String?) throws(FilterError) -> StreamedText {
        var fields: [(String, JSONValue)] = [
            ("ok", .bool(true)), ("page", .string(page.id)), ("title", .string(page.title)),
            ("dataset", .string(dataset.name)), ("as_of", .string(CivilDate.format(asOf))),
            ("currency", dataset.currency.map { .string($0) } ?? .null),
            ("filters", .object(request.filter.queryItemsGrouped)),
        ]
        if onlyTable == nil {
            fields.append(("kpis", .object(page.kpis.map { k in
                (k.key, .object([("label", .string(k.label)), ("value", k.raw), ("previous", k.previousRaw), ("change", k.change.map { .string($0) } ?? .null)]))
            })))
            fields.append(("insights", .array(page.insights.map { .string($0) })))
            fields += page.extraJSON
        }
        let tables = page.tables.filter { onlyTable == nil || onlyTable == $0.id }
        if let only = onlyTable, tables.isEmpty { throw FilterError(unknownTable(only, page)) }
        // {"ok":…,"tables":{"id":{"title":…,"columns":[…],"rows":[row,…]},…}}
        var out = StreamedText()
        out.append(String(JSONValue.object(fields).text.dropLast()) + ",\"tables\":{")
        for (i, t) in tables.enumerated() {
            let head: [(String, JSONValue)] = [("title", .string(t.title)), ("columns", .array(t.columns.map { .string($0.key) }))]
            out.append((i > 0 ? "," : "") + JSONValue.string(t.id).text + ":" + String(JSONValue.object(head).text.dropLast()) + ",\"rows\":[")
            let columns = t.columns
            out.append(rows: t, separator: ",") { row in JSONValue.object(zip(columns, row).map { ($0.key, $1.json) }).text }
            out.append("]}")
        }
        out.append("}}")
        return out
    }

    /// One table of the page as CSV (`_table`, default the page's first table).
    func csv(_ page: Page, table id: String?) throws(FilterError) -> StreamedText {
        guard let t = id.map({ id in page.tables.first { $0.id == id } }) ?? page.tables.first else {
            throw FilterError(unknownTable(id ?? "", page))
        }
        // Money columns say their currency in the header ("revenue_gbp"); their values stay plain numbers.
        var header = CSVWriter()
        let unit = DisplayFormat.style.currency.map { "_" + $0.lowercased() } ?? ""
        let money = t.moneyColumns
        header.header(t.columns.enumerated().map { i, c in money.contains(i) ? c.key + unit : c.key })
        var out = StreamedText()
        out.append(String(decoding: header.bytes, as: UTF8.self))
        out.append(rows: t, separator: "") { row in
            var w = CSVWriter()
            for cell in row {
                switch cell.csv {
                case .text(let s): w.text(s)
                case .number(let n): w.numberText(n)
                }
            }
            w.endRow()
            return String(decoding: w.bytes, as: UTF8.self)
        }
        return out
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
