import ClienteleCore
import ClienteleRender

/// Segment movement: every customer's segment as of two dates (default: 90 days before the as-of date and the as-of
/// date), the transition matrix in customers and revenue, the biggest flows in words and the customers behind a cell.
enum MovementPage {
    static let newLabel = SegmentMovement.newLabel

    struct Options {
        var start: Int, end: Int
        /// The cell whose customers are listed: `from` nil with `fromNew` for new customers; nil sides mean "any".
        var from: Segment?, fromNew: Bool, to: Segment?
    }

    static func options(_ ctx: PageContext) throws(FilterError) -> Options {
        let d = ctx.dataset
        let asOf = ctx.filter.asOf(default: d.asOf)
        func date(_ name: String, default value: Int) throws(FilterError) -> Int {
            guard let text = ctx.request.option(name) else { return value }
            guard let day = CivilDate.parseISODate(text) else { throw FilterError("'\(name)' must be a date YYYY-MM-DD, not '\(text)'.") }
            guard day > d.span.lowerBound, day <= d.asOf else {
                throw FilterError("'\(name)' must be a date from \(DisplayFormat.date(d.span.lowerBound + 1)) to \(DisplayFormat.date(d.asOf)) (the data's span; segments are taken as of the start of that day).")
            }
            return day
        }
        let end = try date("_end", default: asOf)
        let start = try date("_start", default: max(d.span.lowerBound + 1, end - SegmentMovement.recentDays))
        guard start < end else { throw FilterError("'_start' (\(DisplayFormat.date(start))) must come before '_end' (\(DisplayFormat.date(end))).") }
        func segment(_ name: String) throws(FilterError) -> (Segment?, Bool) {
            guard let text = ctx.request.option(name), !text.isEmpty else { return (nil, false) }
            if name == "_from" && text.lowercased() == "new" { return (nil, true) }
            guard let s = Segment.parse(text) else {
                throw FilterError("'\(name)' must be a segment (\(Segment.allCases.map(\.rawValue).joined(separator: ", "))\(name == "_from" ? ", or new" : "")), not '\(text)'.")
            }
            return (s, false)
        }
        let (from, fromNew) = try segment("_from")
        let (to, _) = try segment("_to")
        return Options(start: start, end: end, from: from, fromNew: fromNew, to: to)
    }

    static func name(_ s: Segment?) -> String { SegmentMovement.name(s) }

    static func build(_ ctx: PageContext) throws(FilterError) -> Page {
        let o = try options(ctx)
        var page = Page(id: "movement", title: "Segment movement",
                        howToRead: "Each customer's RFM segment as of two dates, computed as on the Churn page but from the orders placed before each date: rows are the segment at the start date, columns the segment at the end date, so the diagonal is customers who stayed and every other cell a flow. \"\(newLabel)\" are customers whose first order came between the two dates. Revenue is the customers' net revenue of the 365 days before the end date: what each flow is worth over the last year. Choose the dates below; click a count to list its customers. The country filter applies; the date range, segment and tier filters do not (the dates are the page's own).")
        guard let m = ctx.snapshot.movement(start: o.start, end: o.end) else {
            page.insights = ["No customer has an order before \(DisplayFormat.date(o.end)) in this selection."]
            return page
        }
        let flows = m.flows
        let n = m.table.count
        let startCount = m.startCustomers
        let stayed = m.stayed
        let newCount = n - startCount
        let moved = startCount - stayed
        let period = "\(DisplayFormat.date(o.start)) and \(DisplayFormat.date(o.end))"
        page.kpis = [
            KPI(key: "customers_start", label: "Customers on \(DisplayFormat.date(o.start))", value: DisplayFormat.integer(startCount), raw: .int(startCount)),
            KPI(key: "customers_end", label: "Customers on \(DisplayFormat.date(o.end))", value: DisplayFormat.integer(n), raw: .int(n)),
            KPI(key: "stayed", label: "Same segment", value: DisplayFormat.integer(stayed), raw: .int(stayed),
                hint: startCount > 0 ? "\(Words.share(stayed, of: startCount)) of the customers of \(DisplayFormat.date(o.start))" : ""),
            KPI(key: "moved", label: "Changed segment", value: DisplayFormat.integer(moved), raw: .int(moved)),
            KPI(key: "new_customers", label: "New customers", value: DisplayFormat.integer(newCount), raw: .int(newCount),
                hint: "first order between the two dates"),
        ]
        page.insights = m.sentences

        // The matrix: customers (links to the cell's list) and revenue.
        let rowsOrder: [Segment?] = Segment.allCases.map { Optional($0) } + [nil]
        var cell: [String: SegmentMovement.Flow] = [:]
        for f in flows { cell[name(f.from) + "→" + f.to.rawValue] = f }
        let presentRows = rowsOrder.filter { r in flows.contains { $0.from == r } }
        let presentColumns = Segment.allCases.filter { c in flows.contains { $0.to == c } }
        func matrix(_ id: String, _ title: String, revenue: Bool) -> Table {
            Table(id: id, title: title,
                  columns: [.init(key: "from_segment", label: "From ↓ to →")]
                    + presentColumns.map { .init(key: key($0), label: $0.rawValue, numeric: true) }
                    + [.init(key: "total", label: "Total", numeric: true)],
                  rows: presentRows.map { r in
                      let cells: [Cell] = presentColumns.map { c in
                          let f = cell[name(r) + "→" + c.rawValue]
                          if revenue { return f.map { .money($0.revenue) } ?? .money(0) }
                          guard let f else { return .int(0) }
                          return .count(f.customers, href: cellLink(ctx, o, from: r, to: c))
                      }
                      let rowFlows = flows.filter { $0.from == r }
                      let total: Cell = revenue ? .money(rowFlows.reduce(0) { $0 + $1.revenue }) : .int(rowFlows.reduce(0) { $0 + $1.customers })
                      return [.text(name(r))] + cells + [total]
                  },
                  note: revenue ? "Net revenue of the 365 days before \(DisplayFormat.date(o.end))." : "Rows: segment on \(DisplayFormat.date(o.start)); columns: segment on \(DisplayFormat.date(o.end)). Click a count to list its customers.")
        }
        let counts = matrix("transitions", "Customers by segment on both dates", revenue: false)
        let revenueTable = matrix("transition_revenue", "Their revenue over the last year", revenue: true)

        // The biggest flows between different segments, as a chart.
        let top = m.moves.prefix(10)
        let chart = BarChart(title: "Largest flows between segments", labels: top.map { "\(name($0.from)) → \($0.to.rawValue)" },
                             values: top.map { Double($0.customers) }, categoryAxisTitle: "From → to", valueAxisTitle: "Customers",
                             horizontal: true, showValueLabels: true, format: { DisplayFormat.integer(Int($0)) },
                             tooltips: top.map { "\(name($0.from)) → \($0.to.rawValue): \(Words.plural($0.customers, "customer")), \(DisplayFormat.money($0.revenue)) over the last year" })
        let flowTable = Table(id: "flows", title: "Flows between segments", columns: [
            .init(key: "from_segment", label: "From"), .init(key: "to_segment", label: "To"),
            .init(key: "customers", label: "Customers", numeric: true), .init(key: "revenue_last_year", label: "Revenue, last year", numeric: true),
        ], rows: m.moves.map {
            [.text(name($0.from)), .text($0.to.rawValue), .int($0.customers), .money($0.revenue)]
        }, htmlLimit: 0)

        // The customers of the chosen cell (all moved customers when none is chosen).
        let listed = o.from != nil || o.fromNew || o.to != nil
            ? m.rows(from: o.from, anyFrom: o.from == nil && !o.fromNew, to: o.to)
            : (0..<n).filter { m.from[$0] != m.to[$0] }
        let t = m.table
        // Ties by customer id in code-point order, as on the Customers page (the data set's id ranks, no string per comparison).
        let rank = ctx.dataset.idRank
        let sorted = listed.sorted { m.lastYearRevenue[$0] != m.lastYearRevenue[$1] ? m.lastYearRevenue[$0] > m.lastYearRevenue[$1]
                                                                                     : rank[Int(t.idCode[$0])] < rank[Int(t.idCode[$1])] }
        // A profile in the movement's population: the countries and the end date, not the segment or tier filters.
        let population = AnalysisFilter(to: ctx.filter.to, countries: ctx.filter.countries)
        func profile(_ id: String) -> String { ctx.request.link("/customer", [("id", id)], filter: population) }
        let which = o.from != nil || o.fromNew || o.to != nil
            ? "\(o.from != nil || o.fromNew ? name(o.from) : "Any segment") → \(o.to?.rawValue ?? "any segment")"
            : "Every customer who changed segment"
        let customers = Table(id: "customers", title: "\(which) (\(DisplayFormat.integer(sorted.count)))", columns: [
            .init(key: "customer_id", label: "Customer"), .init(key: "country", label: "Country"),
            .init(key: "from_segment", label: "On \(DisplayFormat.date(o.start))"), .init(key: "to_segment", label: "On \(DisplayFormat.date(o.end))"),
            .init(key: "recency_days", label: "Days since last order", numeric: true), .init(key: "frequency", label: "Orders", numeric: true),
            .init(key: "revenue_last_year", label: "Revenue, last year", numeric: true),
        ], rows: sorted.map { r in
            [.link(t.id(r), href: profile(t.id(r))), .text(t.countryName(r)), .text(name(m.from[r])), .text(m.to[r].rawValue),
             .int(t.recencyDays(r)), .int(Int(t.frequency[r])), .money(m.lastYearRevenue[r])]
        }, note: "Sorted by revenue of the last year. Recency and orders are as of \(DisplayFormat.date(o.end)).", htmlLimit: 50)

        let dates = Form(action: "/movement", method: "get", style: "search",
                         hidden: ctx.filter.countries.map { ("country", $0) },
                         fields: [.date(id: "start", label: "From", name: "_start", value: CivilDate.format(o.start)),
                                  .date(id: "end", label: "To", name: "_end", value: CivilDate.format(o.end))],
                         submit: "Compare")
        page.sections = [
            Section(id: "dates", title: "Dates compared", blocks: [.form(dates)]),
            Section(id: "matrix", title: "Where the customers went", blocks: [.table(counts), .table(revenueTable)]),
            Section(id: "flows", title: "Largest flows", blocks: top.isEmpty ? [.text("No customer changed segment between \(period).")]
                    : [.chart(Chart(id: "flows", title: chart.title, svg: chart.svg(), dataTable: "flows")), .table(flowTable)]),
            Section(id: "list", title: "Customers", blocks: [.table(customers)]),
        ]
        page.extraJSON = [("start", .string(CivilDate.format(o.start))), ("end", .string(CivilDate.format(o.end)))]
        return page
    }

    static func key(_ s: Segment) -> String { s.rawValue.lowercased().filter { $0.isLetter || $0 == " " }.replacingOccurrences(of: " ", with: "_") }

    static func cellLink(_ ctx: PageContext, _ o: Options, from: Segment?, to: Segment) -> String {
        ctx.request.link("/movement", [("_start", CivilDate.format(o.start)), ("_end", CivilDate.format(o.end)),
                                       ("_from", from?.rawValue ?? "new"), ("_to", to.rawValue)]) + "#list"
    }
}
