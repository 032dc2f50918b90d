import ClienteleCore
import ClienteleRender

/// All customers: searchable, sortable, paginated; and one customer's profile.
enum CustomersPage {
    static let pageSize = 50

    static func build(_ ctx: PageContext, allRowsInTable: Bool) throws(FilterError) -> Page {
        let a = ctx.analysis
        let t = a.table
        let search = ctx.request.option("_q") ?? ""
        let sortText = ctx.request.option("_sort") ?? "monetary"
        guard let sort = CustomerSort.parse(sortText) else {
            throw FilterError("'_sort' must be one of \(CustomerSort.allCases.map(\.rawValue).joined(separator: ", ")), not '\(sortText)'.")
        }
        let descText = ctx.request.option("_desc") ?? (sort == .id || sort == .country || sort == .segment || sort == .recency ? "0" : "1")
        let descending = descText == "1" || descText == "true"
        let rows = a.customerRows(search: search, sort: sort, descending: descending, idRank: ctx.dataset.idRank)
        let pageCount = max(1, (rows.count + pageSize - 1) / pageSize)
        let pageText = ctx.request.option("_page") ?? "1"
        guard let pageNumber = Int(pageText), pageNumber >= 1 else {
            throw FilterError("'_page' must be a whole number from 1, not '\(pageText)'.")
        }
        let current = min(pageNumber, pageCount)
        let shown = rows[min(rows.count, (current - 1) * pageSize)..<min(rows.count, current * pageSize)]

        func sortLink(_ s: CustomerSort) -> String {
            let defaultDesc = !(s == .id || s == .country || s == .segment || s == .recency)
            let desc = s == sort ? !descending : defaultDesc
            return ctx.request.link("/customers", [("_q", search.isEmpty ? nil : search), ("_sort", s.rawValue), ("_desc", desc ? "1" : "0")])
        }
        func column(_ key: String, _ label: String, _ s: CustomerSort?, numeric: Bool = false) -> Table.Column {
            Table.Column(key: key, label: label, numeric: numeric, sortHref: s.map(sortLink),
                         sortMark: s == sort ? (descending ? " ▼" : " ▲") : "")
        }
        func pageLink(_ p: Int) -> String {
            ctx.request.link("/customers", [("_q", search.isEmpty ? nil : search), ("_sort", sort.rawValue), ("_desc", descending ? "1" : "0"), ("_page", String(p))])
        }
        let first = rows.isEmpty ? 0 : (current - 1) * pageSize + 1
        let last = min(rows.count, current * pageSize)
        var table = Table(id: "customers", title: "Customers", columns: [
            column("customer_id", "Customer", .id), column("country", "Country", .country), column("segment", "Segment", .segment),
            column("tier", "Tier", .tier), column("r_score", "R", nil, numeric: true), column("f_score", "F", nil, numeric: true),
            column("m_score", "M", nil, numeric: true), column("recency_days", "Days since last order", .recency, numeric: true),
            column("frequency", "Orders", .frequency, numeric: true), column("monetary", "Revenue", .monetary, numeric: true),
            column("first_purchase", "First order", .firstOrder), column("last_purchase", "Last order", .lastOrder),
        ], rows: [])
        let cells: @Sendable (Int) -> [Cell] = { r in
            [.link(t.id(r), href: ctx.customerLink(t.id(r))), .text(t.countryName(r)), .text(a.segment[r].rawValue),
             .text(a.tier[r].rawValue), .int(Int(a.rfm.r[r])), .int(Int(a.rfm.f[r])), .int(Int(a.rfm.m[r])),
             .int(t.recencyDays(r)), .int(Int(t.frequency[r])), .money(t.monetary[r]),
             .date(Int(t.firstPurchase[r])), .date(Int(t.lastPurchase[r]))]
        }
        // The data formats hold every matching customer: their rows are made as they are written.
        if allRowsInTable {
            table.lazyRows = LazyRows(count: rows.count) { cells(rows[$0]) }
        } else {
            table.rows = shown.map(cells)
        }
        table.pagination = Pagination(
            summary: rows.isEmpty ? "No customer matches." : "Customers \(DisplayFormat.integer(first))–\(DisplayFormat.integer(last)) of \(DisplayFormat.integer(rows.count)) · page \(current) of \(pageCount)",
            previous: current > 1 ? pageLink(current - 1) : nil, next: current < pageCount ? pageLink(current + 1) : nil)

        var page = Page(id: "customers", title: "Customers",
                        howToRead: "Every customer of the selection with its scores (R, F, M from 1 to 5), segment and value tier. Search by customer id or country; click a column title to sort, and a customer to see its profile. The CSV and JSON downloads hold every matching customer, not just this page.")
        let matched = search.isEmpty ? "" : " \(Words.plural(rows.count, "customer")) match “\(search)”."
        page.insights = ["\(Words.plural(t.count, "customer")) in the selection.\(matched)"]
        let searchForm = Form(action: "/customers", method: "get", style: "search",
                              hidden: ctx.filter.queryItems.map { ($0.name, $0.value) } + [("_sort", sort.rawValue), ("_desc", descending ? "1" : "0")],
                              fields: [.search(id: "q", label: "Search customers", name: "_q", value: search, placeholder: "Search customer id or country")],
                              submit: "Search")
        page.sections = [Section(id: "list", title: "All customers", blocks: [.form(searchForm), .table(table)])]
        page.extraJSON = [("total_matching", .int(rows.count)), ("sort", .string(sort.rawValue)), ("descending", .bool(descending))]
        return page
    }


    /// A customer's profile; nil when the id is not a customer of the selection.
    static func profile(_ ctx: PageContext, id: String) -> Page? {
        let a = ctx.analysis
        var lines = ctx.lines
        var historyNote: String?
        if let fetch = ctx.dataset.customerLineSource, ctx.lines.customers.lookup(id) != nil {
            // A database source keeps no lines: the customer's own are read there (one bounded query), then filtered as
            // the selection's lines are.
            switch fetch(id) {
            case .success(let source):
                // (The page's analysis has accepted the filter's countries, and these lines share its country codes.)
                let own = OrderLines.oneCustomer(id, lines: source, like: ctx.lines)
                lines = (try? own.selected(by: ctx.filter)) ?? OrderLines.oneCustomer(id, lines: [], like: ctx.lines)
            case .failure(let e):
                lines = OrderLines.oneCustomer(id, lines: [], like: ctx.lines)
                historyNote = "The order history could not be read from the database (\(e.message)); the figures above come from the last snapshot."
            }
        }
        guard let p = CustomerProfile(analysis: a, lines: lines, customerID: id) else { return nil }
        let seg = a.segments.first { $0.segment == p.segment }
        var page = Page(id: "customer", title: "Customer \(p.id)",
                        howToRead: "One customer's orders, scores and value. Scores run from 1 to 5 and rank the customer among all customers of the selection: R for recency, F for number of orders, M for revenue. The segment comes from R and F; the tier from revenue.")
        let aov = p.frequency > 0 ? Money.divideRoundingHalfEven(p.monetary, by: Int64(p.frequency)) : nil
        page.kpis = [
            KPI(key: "monetary", label: "Revenue", value: DisplayFormat.money(p.monetary), raw: .money(p.monetary), hint: "net of returns"),
            KPI(key: "frequency", label: "Orders", value: DisplayFormat.integer(p.frequency), raw: .int(p.frequency)),
            KPI(key: "average_order_value", label: "Average order value", value: aov.map(DisplayFormat.money) ?? "—", raw: .money(aov)),
            KPI(key: "recency_days", label: "Days since last order", value: DisplayFormat.integer(p.recencyDays), raw: .int(p.recencyDays),
                hint: "last order \(DisplayFormat.date(p.lastPurchase))"),
            KPI(key: "tenure_days", label: "Customer for", value: DisplayFormat.days(p.tenureDays), raw: .int(p.tenureDays),
                hint: "first order \(DisplayFormat.date(p.firstPurchase))"),
            KPI(key: "rfm_score", label: "RFM score", value: "\(p.r)\(p.f)\(p.m)", raw: .string("\(p.r)\(p.f)\(p.m)"), hint: "R \(p.r) · F \(p.f) · M \(p.m)"),
            KPI(key: "segment", label: "Segment", value: p.segment.rawValue, raw: .string(p.segment.rawValue)),
            KPI(key: "tier", label: "Value tier", value: p.tier.rawValue, raw: .string(p.tier.rawValue)),
        ]
        var insights = ["\(p.id) (\(p.country.isEmpty ? "no country" : p.country)) has placed \(Words.plural(p.frequency, "order")) worth \(DisplayFormat.money(p.monetary)) since \(DisplayFormat.date(p.firstPurchase)) (cohort \(p.cohort)); the last order was \(DisplayFormat.days(p.recencyDays)) ago."]
        if let seg, let med = seg.medianRecencyDays {
            insights.append("In the \(p.segment.rawValue) segment the median customer last ordered \(DisplayFormat.days(med)) ago, has placed \(Words.plural(seg.medianFrequency ?? 0, "order")) and spent \(DisplayFormat.money(seg.medianMonetary ?? 0)).")
        }
        if p.frequency >= 2 {
            let span = p.lastPurchase - p.firstPurchase
            let gap = Double(span) / Double(p.frequency - 1)
            if span == 0 {
                // Same-day orders: there is no usual gap to compare the current one with.
                insights.append("It placed its \(Words.plural(p.frequency, "order")) within one day (\(DisplayFormat.date(p.firstPurchase))), so it has no usual gap between orders to compare with; the last one was \(DisplayFormat.days(p.recencyDays)) ago.")
            } else if gap < 1 {
                // Under a day between orders: a ratio over it would mean nothing.
                insights.append("It placed its \(Words.plural(p.frequency, "order")) within \(DisplayFormat.days(span)), more than one a day; the last one was \(DisplayFormat.days(p.recencyDays)) ago.")
            } else {
                let ratio = Double(p.recencyDays) / gap
                let every = gap < 10 ? DisplayFormat.decimal(gap, digits: 1) : DisplayFormat.decimal(gap, digits: 0)
                if ratio >= 1.5 {
                    insights.append("Its orders came every \(every) days on average; the current gap of \(DisplayFormat.days(p.recencyDays)) is \(DisplayFormat.decimal(ratio, digits: 1))x that.")
                } else {
                    insights.append("Its orders came every \(every) days on average; the last one, \(DisplayFormat.days(p.recencyDays)) ago, is within that rhythm.")
                }
            }
        }
        if let historyNote { insights.append(historyNote) }
        page.insights = insights
        let spend = BarChart(title: "Net revenue by month", labels: p.monthlySpend.map(\.month),
                             values: p.monthlySpend.map { Double($0.revenue) / 10_000 }, categoryAxisTitle: "Month",
                             valueAxisTitle: DisplayFormat.moneyTitle("Net revenue"), format: DisplayFormat.compactAmount)
        let spendTable = Table(id: "spend", title: "Revenue by month", columns: [
            .init(key: "month", label: "Month"), .init(key: "revenue", label: "Revenue", numeric: true),
        ], rows: p.monthlySpend.map { [.text($0.month), .money($0.revenue)] }, htmlLimit: 0)
        let orders = Table(id: "orders", title: "Order history", columns: [
            .init(key: "date", label: "Date"), .init(key: "invoice", label: "Invoice"), .init(key: "lines", label: "Lines", numeric: true),
            .init(key: "revenue", label: "Net revenue", numeric: true), .init(key: "type", label: "Type"),
        ], rows: p.orders.reversed().map { o in
            [.date(o.day), .text(o.invoice), .int(o.lines), .money(o.revenue), .text(o.cancelled ? "Cancellation / return" : "Order")]
        }, note: "Newest first. Cancellations and returns are listed with their own invoice and reduce revenue.")
        if let result = ctx.snapshot.churn, result.model.usable {
            let m = result.model, row = p.row
            let risk = m.churnRisk(row)
            let interval = m.riskInterval(row).map { "80% interval \(DisplayFormat.percent($0.low, digits: 0))–\(DisplayFormat.percent($0.high, digits: 0)); " } ?? ""
            page.kpis.append(KPI(key: "churn_risk", label: "Churn risk, \(m.horizonDays) days", value: DisplayFormat.percent(risk), raw: .double(risk),
                                 hint: "\(interval)\(m.riskModel!.rawValue)"))
            if m.valueUsable {
                let clv = m.lifetimeValue[row]
                let basis: String
                switch m.orderValueBasis[row] {
                case .repeatOrders: basis = "order value from its repeat orders"
                case .firstOrder: basis = "order value from its first order"
                case .population: basis = "order value: the average customer's"
                case .none: basis = "no order value"
                }
                let clvInterval = m.lifetimeValueInterval(row).map { "80% interval \(DisplayFormat.money(currency: $0.low))–\(DisplayFormat.money(currency: $0.high)); " } ?? ""
                page.kpis += [
                    KPI(key: "expected_orders_90d", label: "Expected orders, 90 days", value: DisplayFormat.decimal(m.expected90[row], digits: 2), raw: .double(m.expected90[row]),
                        hint: "30 days \(DisplayFormat.decimal(m.expected30[row], digits: 2)) · 365 days \(DisplayFormat.decimal(m.expected365[row], digits: 2))"),
                    KPI(key: "expected_order_value", label: "Expected spend per purchase day", value: DisplayFormat.money(currency: m.expectedOrderValue[row]), raw: .double(m.expectedOrderValue[row]),
                        hint: "so far \(DisplayFormat.money(Money.divideRoundingHalfEven(p.monetary, by: Int64(Int(m.x[row]) + 1)))) per purchase day (orders of one day together); \(basis)"),
                    KPI(key: "clv_12m", label: "Value, next \(m.options.horizonMonths) months", value: DisplayFormat.money(currency: clv), raw: .double(clv),
                        hint: "\(clvInterval)\(m.valueModel!.rawValue), discounted"),
                ]
            }
            let reasons = result.explanations.reasons[row]
            let lead = "\(m.riskModel!.rawValue) gives \(p.id) a \(DisplayFormat.percent(risk)) \(m.riskWords)"
            page.insights.append(reasons.isEmpty ? "\(lead); no warning sign in its history." : "\(lead). Main reason: \(reasons[0].text).")
            page.sections.append(Section(id: "outlook", title: "Outlook and churn reasons", blocks: [
                .bullets(reasons.isEmpty ? ["No warning sign: the customer orders at its usual pace."] : reasons.map(\.text),
                         after: Paragraph(text: "Reasons are ranked by how much they move the outlook.", note: true,
                                          link: Link(label: "All churn explanations →", href: ctx.request.link("/explain")))),
            ]))
        } else if ctx.snapshot.modelsPending {
            page.insights.append(PredictiveSections.pendingInsight)
        }
        page.sections += [
            Section(id: "spend", title: "Spend over time", blocks: [
                .chart(Chart(id: "spend", title: spend.title, svg: spend.svg(), dataTable: "spend")), .table(spendTable),
            ]),
            Section(id: "orders", title: "Orders", blocks: [.table(orders)]),
        ]
        page.extraJSON = [("customer_id", .string(p.id)), ("country", .string(p.country)), ("cohort", .string(p.cohort)),
                          ("first_purchase", .string(DisplayFormat.date(p.firstPurchase))),
                          ("last_purchase", .string(DisplayFormat.date(p.lastPurchase)))]
        return page
    }
}
