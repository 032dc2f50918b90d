import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird

/// The analysis pages: each at `/name` (HTML), `/name.json`, `/name.csv` (`_table=`) and `/name.svg` (`_chart=`).
struct PagesController: Sendable {
    let store: DataStore
    let renderer: PageRenderer
    /// Every page that is not in the response cache is computed in one of these slots (503 when all are busy).
    let slots: ComputeSlots
    /// The audit log (downloads of customer lists).
    var library: DatasetLibrary? = nil

    enum Format: String { case html, json, csv, svg }

    struct Route: Sendable {
        var path: String
        /// Base of the data URLs (`/index` for `/`).
        var dataPath: String
        var filters: Bool
        /// The page compares the selection with its previous period and a year earlier (the analyses are computed
        /// together); without a date range it opens on the default period (``PageRequest/applyDefaultPeriod(_:)``).
        var comparesPeriods = false
        var build: @Sendable (PageContext, Format) throws(FilterError) -> Page?
    }

    var routes: [Route] {
        [
            Route(path: "/", dataPath: "/index", filters: true) { ctx, _ in HomePage.build(ctx) },
            Route(path: "/overview", dataPath: "/overview", filters: true, comparesPeriods: true) { ctx, _ in OverviewPage.build(ctx) },
            Route(path: "/value", dataPath: "/value", filters: true) { ctx, _ in ValuePage.build(ctx) },
            Route(path: "/retention", dataPath: "/retention", filters: true) { ctx, _ throws(FilterError) in try RetentionPage.build(ctx) },
            Route(path: "/churn", dataPath: "/churn", filters: true) { ctx, _ in ChurnPage.build(ctx) },
            Route(path: "/movement", dataPath: "/movement", filters: true) { ctx, _ throws(FilterError) in try MovementPage.build(ctx) },
            Route(path: "/explain", dataPath: "/explain", filters: true) { ctx, _ throws(FilterError) in try ExplainPage.build(ctx) },
            Route(path: "/recommendations", dataPath: "/recommendations", filters: true) { ctx, _ in RecommendationsPage.build(ctx) },
            Route(path: "/report", dataPath: "/report", filters: true, comparesPeriods: true) { ctx, _ in ReportPage.build(ctx) },
            Route(path: "/customers", dataPath: "/customers", filters: true) { ctx, format throws(FilterError) in
                try CustomersPage.build(ctx, allRowsInTable: format == .csv || format == .json)
            },
            Route(path: "/customer", dataPath: "/customer", filters: true) { ctx, _ throws(FilterError) in
                guard let id = ctx.request.items.last(where: { $0.name == "id" })?.value, !id.isEmpty else {
                    throw FilterError("Which customer? Add ?id=CUSTOMER_ID, or pick one on the Customers page.")
                }
                return CustomersPage.profile(ctx, id: id)
            },
            Route(path: "/data-quality", dataPath: "/data-quality", filters: false) { ctx, _ in DataQualityPage.build(ctx) },
        ]
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        for route in routes {
            router.get(RouterPath(route.path)) { request, _ in await self.respond(route, .html, request) }
            for format in [Format.json, .csv, .svg] {
                router.get(RouterPath(route.dataPath + "." + format.rawValue)) { request, _ in await self.respond(route, format, request) }
            }
        }
        router.get("/retention.png") { request, _ in
            let query = request.uri.query
            return await self.computed(json: false) { self.retentionPNG(query) }
        }
        for format in ReportFormat.allCases {
            router.get(RouterPath("/report." + format.rawValue)) { request, _ in
                let query = request.uri.query
                return await self.computed(json: false) { self.reportDownload(format, query) }
            }
        }
    }

    /// Runs `work` in a compute slot, or answers 503 when every slot is busy.
    func computed(json: Bool, _ work: @escaping @Sendable () -> Response) async -> Response {
        do { return try await slots.run(work) } catch { return ComputeSlots.busyResponse(json: json) }
    }

    /// Serves a page, from the response cache when the same URL was rendered before on this data set.
    func respond(_ route: Route, _ format: Format, _ request: Request) async -> Response {
        let query = request.uri.query
        // One copy per account: the header names it, and roles and country scopes see different pages.
        let key = (Access.current?.cacheKey ?? "-") + "|" + route.dataPath + "." + format.rawValue + "?" + (query ?? "")
        if let hit = store.cachedResponse(key) {
            await auditDownload(hit.customerList, format, request)
            return Self.response(hit)
        }
        // A URL that cannot be used is refused at once, even when every compute slot is busy.
        do throws(FilterError) { _ = try PageRequest(query: query) } catch { return badRequest(format, route, error.message) }
        let (response, customerList) = await computedPair(json: format == .json) {
            let (response, cacheable, generation, customerList) = self.render(route, format, query)
            if let cacheable { self.store.storeResponse(key, cacheable, generation: generation) }
            return (response, customerList)
        }
        await auditDownload(customerList, format, request)
        return response
    }

    func computedPair(json: Bool, _ work: @escaping @Sendable () -> (Response, Bool)) async -> (Response, Bool) {
        do { return try await slots.run(work) } catch { return (ComputeSlots.busyResponse(json: json), false) }
    }

    /// A download (JSON or CSV) that lists customers one by one goes to the audit log.
    func auditDownload(_ customerList: Bool, _ format: Format, _ request: Request) async {
        guard customerList, format == .csv || format == .json, let library, let p = Access.current else { return }
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        await library.audit("download", account: p.name, detail: String(target.prefix(300)) + (p.via == .token ? " (API token)" : ""), address: Access.address)
    }

    static func response(_ c: CachedResponse) -> Response {
        var r = Response(status: .ok, headers: [.contentType: c.contentType], body: .init(byteBuffer: c.body))
        if let d = c.disposition { r.headers[.contentDisposition] = d }
        return r
    }

    func render(_ route: Route, _ format: Format, _ query: String?) -> (Response, CachedResponse?, Int, Bool) {
        do throws(FilterError) {
            var pageRequest = try PageRequest(query: query)
            if !route.filters { pageRequest.filter = .none }
            if route.comparesPeriods { pageRequest.applyDefaultPeriod(store.dataset) }
            // A page rendered while the models are compared says so: it is not kept in the response cache.
            let snapshot = try store.snapshot(pageRequest.filter, prefetchPrevious: route.comparesPeriods)
            let pending = snapshot.modelsPending
            let dataset = snapshot.dataset
            let ctx = PageContext(snapshot: snapshot, request: pageRequest)
            guard let builtPage = try route.build(ctx, format) else {
                return (notFound(format, route, pageRequest, dataset,
                                 "No customer '\(pageRequest.items.last { $0.name == "id" }?.value ?? "")' in this selection. It may be a guest id, a customer with cancellations only, or outside the filters."), nil, 0, false)
            }
            var page = builtPage
            // An executive sees aggregates only; a download of a removed table or chart is refused, not replaced.
            if Access.current?.role.seesCustomers == false {
                let removed = page.removeCustomerLevel()
                for name in ["_table", "_chart"] {
                    if let asked = pageRequest.option(name), removed.contains(asked) {
                        return (errorResponse(format, route, status: .forbidden, title: "Not part of your role",
                                              message: "'\(asked)' lists customers one by one; your role (executive) sees aggregates only.",
                                              request: pageRequest, dataset: dataset, showFilters: false), nil, 0, false)
                    }
                }
            }
            let customerList: Bool = {
                if let t = pageRequest.option("_table") { return page.tables.contains { $0.id == t && Page.isCustomerLevel($0) } }
                return page.tables.contains(where: Page.isCustomerLevel)
            }()
            if format == .html, route.filters, route.path != "/", ctx.analysis.table.count == 0 {
                // Nothing to show: say so plainly instead of a page of zeros.
                page.kpis = []
                page.insights = []
                page.sections = [Section(id: "empty", title: "No customer in this selection", blocks: [.paragraph(Paragraph(
                    text: "There is no order in this selection (\(ctx.selectionDescription)). The data runs from \(DisplayFormat.date(dataset.span.lowerBound)) to \(DisplayFormat.date(dataset.span.upperBound)).",
                    link: Link(label: "Reset the filters", href: pageRequest.link(route.path, [], filter: AnalysisFilter.none)), trailing: " or widen them."))])]            }
            let cached: CachedResponse
            switch format {
            case .html:
                cached = CachedResponse(body: ByteBuffer(string: renderer.html(page, path: route.path, request: pageRequest, dataset: dataset, showFilters: route.filters)),
                                        contentType: "text/html; charset=utf-8")
            case .json, .csv:
                let text: StreamedText, contentType: String, disposition: String?
                if format == .json {
                    text = try renderer.json(page, request: pageRequest, dataset: dataset, asOf: snapshot.analysis.asOf, onlyTable: pageRequest.option("_table"))
                    (contentType, disposition) = ("application/json", nil)
                } else {
                    let name = (route.dataPath == "/index" ? "index" : String(route.dataPath.dropFirst())) + (pageRequest.option("_table").map { "-" + $0 } ?? "")
                    text = try renderer.csv(page, table: pageRequest.option("_table"))
                    (contentType, disposition) = ("text/csv; charset=utf-8", "attachment; filename=\"\(safeFileName(name)).csv\"")
                }
                if text.isLarge {
                    // Every customer of a large store: written row by row as it is sent, not kept in the cache.
                    var r = Response(status: .ok, headers: [.contentType: contentType], body: text.body)
                    if let disposition { r.headers[.contentDisposition] = disposition }
                    return (r, nil, dataset.generation, customerList)
                }
                cached = CachedResponse(body: ByteBuffer(string: text.text), contentType: contentType, disposition: disposition, customerList: customerList)
            case .svg:
                let id = pageRequest.option("_chart")
                guard let chart = id.map({ id in page.charts.first { $0.id == id } }) ?? page.charts.first else {
                    throw FilterError("Unknown chart '\(id ?? "")'. Charts on this page: \(page.charts.map(\.id).joined(separator: ", ")).")
                }
                cached = CachedResponse(body: ByteBuffer(string: chart.svg), contentType: "image/svg+xml",
                                        disposition: "attachment; filename=\"\(safeFileName((route.dataPath == "/index" ? "index" : String(route.dataPath.dropFirst())) + "-" + chart.id)).svg\"")
            }
            return (Self.response(cached), pending ? nil : cached, dataset.generation, customerList)
        } catch {
            return (badRequest(format, route, error.message), nil, 0, false)
        }
    }

    func badRequest(_ format: Format, _ route: Route, _ message: String) -> Response {
        errorResponse(format, route, status: .badRequest, title: "This page cannot be shown", message: message,
                      request: PageRequest(filter: .none), dataset: store.dataset, showFilters: false)
    }

    func notFound(_ format: Format, _ route: Route, _ request: PageRequest, _ dataset: Dataset, _ message: String) -> Response {
        errorResponse(format, route, status: .notFound, title: "Customer not found", message: message,
                      request: request, dataset: dataset, showFilters: true)
    }

    /// An error in the page's format: JSON `{"ok": false, "error": ...}`, plain text for CSV and SVG, or the layout
    /// with the message for HTML.
    func errorResponse(_ format: Format, _ route: Route, status: HTTPResponse.Status, title: String, message: String,
                       request: PageRequest, dataset: Dataset, showFilters: Bool) -> Response {
        switch format {
        case .json:
            return .jsonError(message, status: status)
        case .csv, .svg:
            return .text(message + "\n", status: status, contentType: "text/plain; charset=utf-8")
        case .html:
            let page = Page(id: "error", title: title, howToRead: "")
            return .html(renderer.html(page, path: route.path, request: request, dataset: dataset, showFilters: showFilters,
                                       message: ("error", message), downloads: false), status: status)
        }
    }

    enum ReportFormat: String, CaseIterable { case html, md, pdf }

    /// The executive report as a file (self-contained HTML or Markdown), with the request's filters.
    func reportDownload(_ format: ReportFormat, _ query: String?) -> Response {
        do throws(FilterError) {
            let file = try reportFile(format, query)
            var r = Response(status: .ok, headers: [.contentType: file.contentType], body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
            r.headers[.contentDisposition] = "attachment; filename=\"\(file.name)\""
            return r
        } catch {
            return .text(error.message + "\n", status: .badRequest, contentType: "text/plain; charset=utf-8")
        }
    }

    /// The report's bytes, content type and file name (the download and the scheduled reports). The account's role
    /// and country scope in effect apply (``Access/current``).
    func reportFile(_ format: ReportFormat, _ query: String?) throws(FilterError) -> (bytes: [UInt8], contentType: String, name: String) {
        var pageRequest = try PageRequest(query: query)
        pageRequest.applyDefaultPeriod(store.dataset)
        let snapshot = try store.snapshot(pageRequest.filter, prefetchPrevious: true)   // the report compares periods
        let dataset = snapshot.dataset
        let report = ReportPage.report(PageContext(snapshot: snapshot, request: pageRequest))
        // The file name says what the selection is: data set, then the filters.
        let selection = pageRequest.filter.queryItems.map { $0.value }.joined(separator: "-")
        let stem = "clientele-report-" + safeFileName(dataset.name.replacingOccurrences(of: ".csv", with: "") + (selection.isEmpty ? "" : "-" + selection))
        switch format {
        case .html:
            return (Array(report.html().utf8), "text/html; charset=utf-8", stem + ".html")
        case .md:
            return (Array(report.markdown().utf8), "text/markdown; charset=utf-8", stem + ".md")
        case .pdf:
            let paper = pageRequest.option("_paper") ?? "a4"
            guard paper == "a4" || paper == "letter" else { throw FilterError("'_paper' must be a4 or letter, not '\(paper)'.") }
            return (report.pdf(letter: paper == "letter"), "application/pdf", "\(stem)-\(paper).pdf")
        }
    }

    /// The retention-rate heatmap as PNG (the same renderer as the CLI's export).
    func retentionPNG(_ query: String?) -> Response {
        do throws(FilterError) {
            let pageRequest = try PageRequest(query: query)
            let (period, _) = try RetentionPage.options(pageRequest)
            let (_, current) = try store.analysis(pageRequest.filter)
            let cohorts = current.analysis.cohorts(period)
            if let refusal = cohorts.refusal { throw FilterError(refusal.prefix(1).uppercased() + refusal.dropFirst() + ".") }
            let heatmap = CohortHeatmap.retention(cohorts)
            var r = Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: heatmap.png())))
            r.headers[.contentDisposition] = "attachment; filename=\"cohort-retention-\(period.rawValue)ly.png\""
            return r
        } catch {
            return .text(error.message + "\n", status: .badRequest, contentType: "text/plain; charset=utf-8")
        }
    }
}

/// Letters, digits, `-`, `_` and `.` only (for file names in headers and on disk).
func safeFileName(_ s: String, maxLength: Int = 80) -> String {
    let cleaned = String(s.unicodeScalars.map { ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "." ? Character($0) : "_" })
    let trimmed = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: "."))
    return trimmed.isEmpty ? "file" : String(trimmed.prefix(maxLength))
}
