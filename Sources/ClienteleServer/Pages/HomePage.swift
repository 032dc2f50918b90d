import Foundation
import ClienteleCore
import ClienteleRender

/// Home: what the data set is, its quality, and the questions each page answers.
enum HomePage {
    static func build(_ ctx: PageContext) -> Page {
        let d = ctx.dataset
        let r = d.report
        let a = ctx.analysis
        var page = Page(id: "index", title: "Clientele",
                        howToRead: "Clientele turns this store's order lines into answers about its customers. The numbers follow one written definition (the analytics contract, docs/ANALYTICS.md in the repository); every page can be filtered by date range, country, segment and tier with the bar above, and every table and chart can be downloaded.")
        let validShare = r.linesRead > 0 ? Double(r.validLines) / Double(r.linesRead) : nil
        page.kpis = [
            KPI(key: "lines_read", label: "Lines read", value: DisplayFormat.integer(r.linesRead), raw: .int(r.linesRead)),
            KPI(key: "valid_lines", label: "Valid lines", value: DisplayFormat.integer(r.validLines), raw: .int(r.validLines), hint: "\(DisplayFormat.percent(validShare)) of lines"),
            KPI(key: "customers", label: "Customers", value: DisplayFormat.integer(a.kpis.totalCustomers), raw: .int(a.kpis.totalCustomers)),
            .money("revenue", "Revenue", a.kpis.totalRevenue, previous: nil),
        ]
        let years = Double(d.span.upperBound - d.span.lowerBound + 1) / 365.25
        page.insights = [
            "\(d.name) (\(r.layout.hasPrefix("PostgreSQL") ? "a live " + r.layout : r.layout + " layout")) holds \(DisplayFormat.integer(r.linesRead)) order lines from \(DisplayFormat.date(d.span.lowerBound)) to \(DisplayFormat.date(d.span.upperBound)) (\(DisplayFormat.decimal(years, digits: 1)) years), of which \(DisplayFormat.percent(validShare)) are usable.",
            "They describe \(Words.plural(a.kpis.totalCustomers, "customer")) and \(Words.plural(a.kpis.orders, "order")) in \(Words.plural(d.countries.count, "country", "countries")); the as-of date for recency is \(DisplayFormat.date(d.asOf)).",
        ] + (r.invalidLines > 0 ? ["\(Words.plural(r.invalidLines, "line")) could not be used; the most common reason: \(topReason(r))."] : ["Every line of the \(r.layout.hasPrefix("PostgreSQL") ? "table" : "file") could be used."])
        // One source for the excluded customers, shared with the Data quality page: the whole data set's customer table.
        let excluded = d.base.table.excludedCustomers
        if excluded > 0 {
            page.insights.append(excludedSentence(d))
        }
        if let midHistory = a.midHistoryStart { page.insights.append(midHistory.sentence) }
        page.insights += productCodeSentences(r, customerRevenue: d.base.kpis.totalRevenue)

        let info = Table(id: "dataset", title: "Data set", columns: [.init(key: "field", label: "Field"), .init(key: "value", label: "Value")], rows: [
            [.text("Source"), .text(d.source)],
            // File names only: a page never shows the server's folders.
            [.text("Files"), .text(r.files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "))],
            [.text("Layout"), .text(r.layout)],
            [.text("Date span"), .text("\(DisplayFormat.date(d.span.lowerBound)) to \(DisplayFormat.date(d.span.upperBound))")],
            [.text("As-of date"), .date(d.asOf)],
            [.text("Lines read"), .int(r.linesRead)],
            [.text("Valid lines"), .int(r.validLines)],
            [.text("Cancelled lines"), .int(r.cancelledLines)],
            [.text("Guest lines"), .int(r.guestLines)],
            [.text("Invalid lines"), .int(r.invalidLines)],
            [.text("Customers excluded (cancellations only)"), .int(excluded)],
            [.text("Lines left out (product codes)"), .int(r.excludedProductLines)],
            [.text("Loaded and analysed in"), .text(DisplayFormat.decimal(d.loadSeconds, digits: 2) + " s")],
        ], note: "")
        let q = ctx.request.filterQuery
        let questions = Links(style: .list, items: [
            .init(label: "Executive overview", href: "/overview" + q, detail: "how many customers, how much revenue, how often they come back, and how that changed against the previous period."),
            .init(label: "Customer value", href: "/value" + q, detail: "who the most valuable customers are, how concentrated revenue is, and how much it would take to move customers up a tier."),
            .init(label: "Retention", href: "/retention" + q, detail: "how many customers of each month's (week's, quarter's) intake come back, and where most of them drop off."),
            .init(label: "Churn intelligence", href: "/churn" + q, detail: "which RFM segments customers fall into, each customer's chance of placing no order in the next \(ctx.snapshot.horizonDays) days from the model that predicted a held-out period best (every candidate's scores side by side), and what customers are worth over the next 12 months."),
            .init(label: "Why churn", href: "/explain" + q, detail: "the reasons behind each customer's churn risk, in plain words, and the revenue at risk by segment."),
            .init(label: "Report", href: "/report" + q, detail: "the executive summary of the selection, downloadable as PDF, HTML or Markdown."),
            .init(label: "Actions", href: "/recommendations" + q, detail: "what to do next, computed from the data: whom to win back, protect, convert or upgrade, and the value each action can plausibly add or save."),
            .init(label: "Customers", href: "/customers" + q, detail: "every customer with scores, segment and tier; search, sort and open a profile."),
            .init(label: "Data quality", href: "/data-quality", detail: "what was read, what was rejected and why, with examples."),
            .init(label: "Upload", href: "/upload", detail: "analyse your own export."),
        ])
        var shown = questions
        shown.items = questions.items.filter { PageRenderer.allows(String($0.href.prefix { $0 != "?" })) || Access.current == nil }
        page.sections = [
            Section(id: "questions", title: "What each page answers", blocks: [.links(shown)]),
            Section(id: "dataset", title: "This data set", blocks: [.table(info), .paragraph(Paragraph(text: "", link: Link(label: "Data-quality details →", href: "/data-quality")))]),
        ]
        // An account that does not manage the data, or sees only some countries: the selection's figures, no facts
        // about the whole file (lines read, invalid lines, product codes are the analysts' Data quality page).
        if let p = Access.current, !p.role.managesData || p.isScoped {
            page.kpis = [
                KPI(key: "customers", label: "Customers", value: DisplayFormat.integer(a.kpis.totalCustomers), raw: .int(a.kpis.totalCustomers)),
                KPI(key: "orders", label: "Orders", value: DisplayFormat.integer(a.kpis.orders), raw: .int(a.kpis.orders)),
                .money("revenue", "Revenue", a.kpis.totalRevenue, previous: nil),
            ]
            let scope = p.isScoped ? " in \(p.countries.joined(separator: ", "))" : ""
            page.insights = ["\(d.name) runs from \(DisplayFormat.date(d.span.lowerBound)) to \(DisplayFormat.date(d.span.upperBound)); the as-of date for recency is \(DisplayFormat.date(d.asOf)).",
                             "The selection\(scope) holds \(Words.plural(a.kpis.totalCustomers, "customer")), \(Words.plural(a.kpis.orders, "order")) and \(DisplayFormat.money(a.kpis.totalRevenue)) of net revenue."]
            let selection = Table(id: "selection", title: "The selection", columns: [.init(key: "field", label: "Field"), .init(key: "value", label: "Value")], rows: [
                [.text("Customers"), .int(a.kpis.totalCustomers)], [.text("Orders"), .int(a.kpis.orders)], [.text("Revenue"), .money(a.kpis.totalRevenue)],
                [.text("First day of the data"), .date(d.span.lowerBound)], [.text("Last day of the data"), .date(d.span.upperBound)], [.text("As-of date"), .date(d.asOf)],
            ])
            page.sections = [Section(id: "questions", title: "What each page answers", blocks: [.links(shown)]),
                             Section(id: "selection", title: "The selection", blocks: [.table(selection)])]
        }
        return page
    }
}

extension HomePage {
    /// The excluded customers of the whole data set (customers with cancellations or returns only), in words; the
    /// Home and Data quality pages both read it from the data set's customer table.
    static func excludedSentence(_ d: Dataset) -> String {
        let t = d.base.table
        guard t.excludedCustomers > 0 else { return "No customer was excluded for having only cancellations." }
        return "\(Words.plural(t.excludedCustomers, "customer")) \(Words.verb(t.excludedCustomers, "had", "had")) only cancellations or returns and \(Words.verb(t.excludedCustomers, "is", "are")) excluded from customer analytics (net revenue \(DisplayFormat.money(t.excludedCustomerRevenue)))."
    }

    /// The product codes left out and those that look like non-product lines, in words (Home, Data quality and the
    /// upload review read this one source). `howToExclude` is how this screen's user leaves codes out.
    /// `customerRevenue`: the data set's customer revenue (money units), for the share of it the codes make.
    static func productCodeSentences(_ r: DataQualityReport, customerRevenue: Int64? = nil, howToExclude: String = commandLineExclusion) -> [String] {
        guard r.productColumn != nil else { return [] }
        var out: [String] = []
        let excluded = r.productCodes.filter(\.excluded)
        let found = excluded.filter { $0.lines > 0 }, missing = excluded.filter { $0.lines == 0 }
        let flagged = r.productCodes.filter { !$0.excluded && !$0.reason.isEmpty }
        let flaggedCount = r.nonProductCodeCount - excluded.filter { !$0.reason.isEmpty }.count
        func codes(_ list: some Collection<ProductCodeSummary>) -> String { list.map { "“\($0.code)”" }.joined(separator: ", ") }
        if !found.isEmpty {
            let net = found.reduce(Int64(0)) { $0 + $1.netUnits }
            out.append("\(Words.plural(r.excludedProductLines, "line")) with the product code\(found.count == 1 ? "" : "s") \(codes(found)) \(Words.verb(r.excludedProductLines, "was", "were")) left out as non-product lines (net amount \(DisplayFormat.money(net))); every figure is computed without \(r.excludedProductLines == 1 ? "it" : "them").")
        }
        if !missing.isEmpty {
            out.append("No line has the product code\(missing.count == 1 ? "" : "s") \(codes(missing)) that \(Words.verb(missing.count, "was", "were")) asked to be left out; check the spelling against the Product code column (\(r.productColumn!)).")
        }
        if flaggedCount > 0 {
            let lines = flagged.reduce(0) { $0 + $1.lines }
            let customerNet = flagged.reduce(Int64(0)) { $0 + $1.customerNetUnits }
            let guestOnly = flagged.filter { $0.guestLines == $0.lines }
            let shown = flagged.prefix(6)
            let listed = flagged.count < flaggedCount ? " (the \(DisplayFormat.integer(flagged.count)) largest)" : ""
            let revenue = customerRevenue
            let share = revenue.map { r in r > 0 && customerNet > 0 && customerNet <= r ? " (\(DisplayFormat.percent(Double(customerNet) / Double(r))) of customer revenue)" : "" } ?? ""
            var text = "\(Words.plural(flaggedCount, "product code")) \(Words.verb(flaggedCount, "looks", "look")) like \(flaggedCount == 1 ? "a non-product line" : "non-product lines") (postage, fees, adjustments): \(codes(shown))\(flagged.count > shown.count ? ", …" : "")\(listed), \(Words.plural(lines, "line")). "
            text += "On customers' lines they add \(DisplayFormat.money(customerNet)) to customer revenue\(share)"
            if !guestOnly.isEmpty { text += "; \(codes(guestOnly)) \(Words.verb(guestOnly.count, "is", "are")) on guest lines only, outside customer figures" }
            text += ". They count as purchases unless left out: \(howToExclude)."
            out.append(text)
        }
        return out
    }

    /// How a user of the command line leaves codes out.
    static let commandLineExclusion = "start Clientele with --exclude-products CODE,CODE (or exclude_products in the rules file), or tick them on the review of an upload"

    /// The most frequent invalid reason in words, with its count: "9 lines: unit price is 0 or negative".
    static func topReason(_ r: DataQualityReport) -> String {
        guard let (reason, n) = InvalidReason.allCases.compactMap({ reason -> (InvalidReason, Int)? in
            (r.invalidByReason[reason.rawValue] ?? 0) > 0 ? (reason, r.invalidByReason[reason.rawValue]!) : nil
        }).max(by: { $0.1 < $1.1 }) else { return "none" }
        return "\(reason.explanation), \(Words.plural(n, "line"))"
    }
}
