import ClienteleCore
import ClientelePostgres
import ClienteleRender
import Foundation
import Hummingbird

/// The Data sets page (`/datasets`, `/datasets.json`): every data set of the library with its actions (use, rename,
/// set currency, delete), and the saved views (`/views`). Every change is a POST carrying the session's CSRF token.
/// These pages are rendered per request (they carry the session's token), never cached.
struct DatasetsController: Sendable {
    let store: DataStore
    let renderer: PageRenderer
    let sessions: Sessions
    let slots: ComputeSlots
    let library: DatasetLibrary
    let opener: DatasetOpener
    /// Paths of the dashboard pages a saved view may name.
    let pagePaths: Set<String>
    /// The live database source (`serve --postgres`), refreshed from this page.
    var live: LiveSlot? = nil

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/datasets") { request, _ in self.sessions.page(request) { csrf in self.datasetsPage(csrf: csrf) } }
        // The tables as data, like every page (no forms, so no session).
        router.get("/datasets.json") { _, _ in self.data(self.page(csrf: ""), json: true) }
        router.get("/datasets.csv") { _, _ in self.data(self.page(csrf: ""), json: false) }
        router.get("/views.json") { _, _ in self.data(self.views(csrf: ""), json: true) }
        router.get("/views.csv") { _, _ in self.data(self.views(csrf: ""), json: false) }
        router.post("/datasets/use") { request, _ in await self.act(request) { fields, csrf in await self.use(fields, csrf: csrf) } }
        router.post("/datasets/rename") { request, _ in await self.act(request) { fields, csrf in await self.rename(fields, csrf: csrf) } }
        router.post("/datasets/currency") { request, _ in await self.act(request) { fields, csrf in await self.setCurrency(fields, csrf: csrf) } }
        router.post("/datasets/delete") { request, _ in await self.act(request) { fields, csrf in await self.delete(fields, csrf: csrf) } }
        router.get("/datasets/postgres") { request, _ in self.sessions.page(request) { csrf in self.postgresForm(csrf: csrf, values: [:]) } }
        router.post("/datasets/postgres") { request, _ in await self.act(request) { fields, csrf in await self.addPostgres(fields, csrf: csrf) } }
        router.post("/datasets/refresh") { request, _ in
            await self.act(request) { _, csrf in
                guard let live = self.live?.active(for: self.store.dataset) else { return self.notFound(csrf) }
                if live.status.refreshing {
                    return self.datasetsPage(csrf: csrf, message: ("info", "A refresh of \(live.source.name) is already running."))
                }
                // The refresh runs on; the page says so at once and shows the outcome when reloaded.
                Task.detached { await live.refresh() }
                return self.datasetsPage(csrf: csrf, message: ("info", "Refreshing \(live.source.name) from the database: reload this page in a moment. The current data keeps serving until the new snapshot is ready."))
            }
        }
        router.get("/views") { request, _ in
            let items = PageRequest.parse(request.uri.query ?? "")
            return self.sessions.page(request) { csrf in
                self.viewsPage(csrf: csrf, proposed: items.last { $0.name == "view" }?.value, name: items.last { $0.name == "name" }?.value ?? "")
            }
        }
        router.post("/views") { request, _ in await self.act(request) { fields, csrf in await self.saveView(fields, csrf: csrf) } }
        router.post("/views/delete") { request, _ in await self.act(request) { fields, csrf in await self.deleteView(fields, csrf: csrf) } }
    }

    typealias Fields = [(name: String, value: String)]

    func data(_ page: Page, json: Bool) -> Response {
        let dataset = store.dataset
        if json {
            let text = (try? renderer.json(page, request: PageRequest(filter: .none), dataset: dataset, asOf: dataset.asOf, onlyTable: nil).text) ?? "{}"
            return .text(text, contentType: "application/json")
        }
        let text = (try? renderer.csv(page, table: nil).text) ?? ""
        return .text(text, contentType: "text/csv; charset=utf-8")
    }

    /// Checks the CSRF token of a urlencoded POST and runs `action` with its fields; 403 without a valid token.
    func act(_ request: Request, _ action: @Sendable (Fields, String) async -> Response) async -> Response {
        let path = request.uri.path
        return await audited(path) { await actChecked(request, action) }
    }

    /// Writes a change that succeeded (status below 400) to the audit log: what was asked, never a password.
    func audited(_ path: String, _ run: () async -> (Response, Fields)) async -> Response {
        let (response, fields) = await run()
        guard response.status.code < 400, !fields.isEmpty, !fields.contains(where: { $0.name == "test" }) else { return response }
        let shown = fields.filter { ["id", "name", "currency", "table", "url", "refresh"].contains($0.name) && !$0.value.isEmpty }
            .map { "\($0.name)=\($0.value.prefix(120))" }.joined(separator: " ")
        await library.audit(path.hasPrefix("/views") ? "view_changed" : "dataset_changed", account: Access.current?.name,
                            detail: path + (shown.isEmpty ? "" : " " + shown),
                            address: Access.address)
        return response
    }

    func actChecked(_ request: Request, _ action: @Sendable (Fields, String) async -> Response) async -> (Response, Fields) {
        let fields = await FormFields.read(request)
        let csrf = FormFields.raw(fields, "_csrf")
        guard sessions.verify(request, token: csrf) != nil, let csrf else {
            let r = sessions.page(request) { csrf in
                datasetsPage(csrf: csrf, message: ("error", "This form has expired or was not sent from this dashboard (the server may have restarted). Try again from this page."),
                             status: .forbidden)
            }
            return (r, [])
        }
        return (await action(fields, csrf), fields)
    }

    // MARK: The Data sets page

    func datasetsPage(csrf: String, message: (String, String)? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var shown = message
        if shown == nil, let notice = library.notice { shown = ("error", notice) }
        return .html(renderer.html(page(csrf: csrf), path: "/datasets", request: PageRequest(filter: .none), dataset: store.dataset,
                                   showFilters: false, message: shown, downloads: false), status: status)
    }

    /// The demo first, then the stored entries, oldest first.
    var allEntries: [LibraryEntry] {
        var demo = opener.demoEntry
        if library.serving == 0 { demo.summarise(store.dataset); demo.layout = "Online Retail II" }
        return [demo] + library.entries
    }

    func page(csrf: String) -> Page {
        let serving = library.serving
        let entries = allEntries
        let rows: [[Cell]] = entries.map { e in
            let demoIdle = e.kind == .demo && serving != 0
            let dates = e.firstDay.flatMap { f in e.lastDay.map { DisplayFormat.date(f) + " to " + DisplayFormat.date($0) } } ?? ""
            let status = e.id == serving ? "in use" : (e.problem ?? "")
            return [.text(e.name), .text(e.kind.label), .text(e.layout), .text(e.currency ?? "—"),
                    demoIdle ? .int(opener.demoLines) : .int(e.validLines), demoIdle ? .empty : .int(e.customers), .text(dates),
                    e.kind == .demo ? .text("generated") : e.kind == .postgres ? .text("live") : .figure(sizeText(e.fileSize)),
                    e.kind == .demo ? .empty : .date(Int((e.added.timeIntervalSince1970 / 86_400).rounded(.down))), .text(status)]
        }
        let table = Table(id: "datasets", title: "Data sets", columns: [
            .init(key: "name", label: "Name"), .init(key: "source", label: "Source"), .init(key: "layout", label: "Layout"),
            .init(key: "currency", label: "Currency"), .init(key: "valid_lines", label: "Lines", numeric: true),
            .init(key: "customers", label: "Customers", numeric: true), .init(key: "dates", label: "Dates"),
            .init(key: "size", label: "Size", numeric: true), .init(key: "added", label: "Added"), .init(key: "status", label: "Status"),
        ], rows: rows)
        var blocks: [Block] = [.table(table)]
        if serving == nil {
            blocks.append(.note("The dashboard shows \(store.dataset.name), which is not in the library (several files, standard input or --postgres given to clientele serve); use a data set below to switch."))
        }
        var manage: [Block] = []
        for e in entries {
            var forms: [Form] = []
            if e.id != serving {
                forms.append(Form(action: "/datasets/use", style: "use", hidden: [("id", String(e.id))], csrf: csrf, fields: [], submit: "Use"))
            }
            var detail = ""
            if e.kind != .demo {
                forms.append(Form(action: "/datasets/rename", style: "rename", hidden: [("id", String(e.id))], csrf: csrf,
                                  fields: [.text(id: "name-\(e.id)", label: "Name", name: "name", value: e.name, maxLength: 120)], submit: "Rename"))
                forms.append(Form(action: "/datasets/currency", style: "currency", hidden: [("id", String(e.id))], csrf: csrf,
                                  fields: [.text(id: "currency-\(e.id)", label: "Currency", name: "currency", value: e.currency ?? "", maxLength: 3)],
                                  submit: "Set currency"))
                forms.append(Form(action: "/datasets/delete", style: "delete", hidden: [("id", String(e.id))], csrf: csrf, fields: [], submit: "Delete"))
                detail = e.kind == .upload ? "Delete removes the entry and the uploaded file from the data folder."
                    : e.kind == .postgres ? "Delete removes the entry and its stored password, if any; the database is not touched."
                    : "Delete removes the entry only: your file \(fileName(e.path)) stays where it is."
            } else {
                detail = "The built-in demo is always available and cannot be deleted."
            }
            if let p = e.problem { detail = p + " " + detail }
            manage.append(.formGroup(FormGroup(legend: e.name + (e.id == serving ? " (in use)" : ""), detail: detail, forms: forms)))
        }
        var liveBlocks: [Block] = []
        if let live = live?.active(for: store.dataset) {
            let s = live.status
            let line = live.statusLine
            var facts = [line.text + "."]
            if let seconds = s.loadSeconds, let rows = s.rowsReceived {
                facts.append("The last load took \(DisplayFormat.decimal(seconds, digits: 1)) s and received \(DisplayFormat.integer(rows)) aggregated rows (the lines stay in the database).")
            }
            facts.append("Source: \(live.source.sourceText); read-only, statement timeout \(live.source.statementTimeout) s.")
            liveBlocks.append(.text(facts.joined(separator: " ")))
            liveBlocks.append(.formGroup(FormGroup(legend: "Refresh from the database", detail: s.refreshing ? "A refresh is running." : "Reads a new snapshot now; the current data keeps serving until it is ready.",
                                                   forms: [Form(action: "/datasets/refresh", style: "use", hidden: [], csrf: csrf, fields: [], submit: "Refresh now")])))
        }
        var p = Page(id: "datasets", title: "Data sets",
                     howToRead: "Every data set the dashboard knows: the built-in demo, uploads, files given to clientele serve and live PostgreSQL sources. Use one to see every page on it; the choice is remembered when the server restarts. The library is kept in the data folder (\(DatasetLibrary.fileName)).")
        let add = Block.links(Links(style: .buttons, items: [.init(label: "Upload a file", href: "/upload"), .init(label: "Add a database source", href: "/datasets/postgres")]))
        p.sections = (liveBlocks.isEmpty ? [] : [Section(id: "source", title: "Live PostgreSQL source", blocks: liveBlocks)]) + [Section(id: "library", title: "Library", blocks: [add] + blocks),
                      Section(id: "manage", title: "Use, rename, set the currency or delete", blocks: manage)]
        if let problem = library.problem { p.insights = [problem] }
        return p
    }

    func entry(_ fields: Fields) -> LibraryEntry? {
        guard let id = FormFields.value(fields, "id").flatMap(Int.init) else { return nil }
        return id == 0 ? opener.demoEntry : library.entry(id)
    }

    func notFound(_ csrf: String) -> Response {
        datasetsPage(csrf: csrf, message: ("error", "That data set is no longer in the library."), status: .notFound)
    }

    /// Loads `entry` in a compute slot and shows it; on failure the entry keeps the reason and the data set in use
    /// stays.
    func use(_ fields: Fields, csrf: String) async -> Response {
        guard let e = entry(fields) else { return notFound(csrf) }
        if e.kind == .postgres { return await switchToPostgres(e, source: nil, csrf: csrf) }
        return await switchTo(e, csrf: csrf)
    }

    // MARK: Database sources

    /// The form that adds a PostgreSQL source: connection, table or query, mapping, password (stored only when asked),
    /// refresh interval and currency; "Test the connection" checks it without saving, "Add and use" tests and saves.
    func postgresForm(csrf: String, values: [String: String], message: (String, String)? = nil, status: HTTPResponse.Status = .ok) -> Response {
        func v(_ k: String) -> String { values[k] ?? "" }
        let form = Form(action: "/datasets/postgres", style: "database", csrf: csrf, fields: [
            .text(id: "pg-name", label: "Name", name: "name", value: v("name"), maxLength: 120),
            .text(id: "pg-url", label: "URL (postgres://user@host:5432/database?sslmode=require, no password)", name: "url", value: v("url"), maxLength: 500),
            .text(id: "pg-table", label: "Table or view (schema.table)", name: "table", value: v("table"), maxLength: 200),
            .textarea(id: "pg-query", label: "Or a SELECT of your own (instead of a table)", name: "query", value: v("query"), maxLength: 8000),
            .text(id: "pg-map", label: "Column mapping (optional: customer=COL,timestamp=COL,quantity=COL,unit_price=COL,...)", name: "map", value: v("map"), maxLength: 500),
            .password(id: "pg-password", label: "Password (empty: the server's PGPASSWORD or ~/.pgpass)", name: "password"),
            .checkbox(name: "remember", value: "1", checked: values["remember"] != nil, label: "Remember the password (kept in the library file in the data folder, never shown again)"),
            .text(id: "pg-refresh", label: "Refresh every (15m, 1h; empty: on request)", name: "refresh", value: v("refresh"), maxLength: 10),
            .text(id: "pg-currency", label: "Currency (ISO 4217, e.g. EUR)", name: "currency", value: v("currency"), maxLength: 3),
        ], submit: "Add and use", alternative: ("test", "1", "Test the connection"))
        var p = Page(id: "datasets-postgres", title: "Add a database source",
                     howToRead: "Clientele reads a PostgreSQL table (or your own SELECT) of order lines in a read-only transaction and computes the per-customer figures inside the database: only aggregated rows travel. Columns default to invoice, customer_id, timestamp, quantity, unit_price (or revenue) and country; give a mapping for other names. The connection is tested before anything is saved.")
        p.sections = [Section(id: "connection", title: "Connection", blocks: [.formGroup(FormGroup(legend: "PostgreSQL source", detail: "", forms: [form]))])]
        return .html(renderer.html(p, path: "/datasets", request: PageRequest(filter: .none), dataset: store.dataset, showFilters: false,
                                   message: message, downloads: false), status: status)
    }

    func addPostgres(_ fields: Fields, csrf: String) async -> Response {
        var values: [String: String] = [:]
        for k in ["name", "url", "table", "query", "map", "refresh", "currency", "remember"] { if let x = FormFields.value(fields, k), !x.isEmpty { values[k] = x } }
        let password = fields.last { $0.name == "password" }?.value ?? ""
        let testOnly = FormFields.value(fields, "test") != nil
        func fail(_ text: String, _ status: HTTPResponse.Status = .badRequest) -> Response {
            postgresForm(csrf: csrf, values: values, message: ("error", text), status: status)
        }
        var settings: PostgresSettings
        do throws(PostgresSourceError) { settings = try PostgresSettings(url: values["url"] ?? "") } catch { return fail(error.description) }
        let table = values["table"], query = values["query"]
        guard (table == nil) != (query == nil) else { return fail("Give a table name or a query (one of them).") }
        var mapping: UserMapping?
        if let text = values["map"] {
            do throws(IngestError) { mapping = try UserMapping(parsing: text) } catch { return fail(error.description) }
        }
        var refresh: Int?
        if let text = values["refresh"] {
            guard let r = LiveSource.parseInterval(text) else { return fail("Refresh every takes an interval such as 30s, 15m or 1h (10 seconds to a week), or nothing.") }
            refresh = r
        }
        var currency: String?
        if let text = values["currency"] {
            guard let c = CurrencyCode(text) else { return fail("A currency is a three-letter ISO 4217 code such as GBP, EUR or USD (or empty when unknown).") }
            currency = c.code
        }
        if password.isEmpty {
            do throws(PostgresSourceError) { try settings.resolvePassword() } catch { return fail(error.description) }
        } else {
            settings.password = password
        }
        let source = PostgresSource(settings: settings, relation: table.map { .table($0) } ?? .query(query ?? ""), mapping: mapping,
                                    validDays: opener.validDays, excludedProducts: ExcludedProducts(opener.rulesExclude))
        let tested: String
        do throws(PostgresSourceError) { tested = try await source.test() } catch { return fail(error.description, .unprocessableContent) }
        if testOnly { return postgresForm(csrf: csrf, values: values, message: ("info", tested + " Nothing was saved.")) }
        let name = Self.validName(values["name"]) ?? source.name
        var entry = LibraryEntry(name: name, kind: .postgres, path: settings.displayURL, layout: table == nil ? "PostgreSQL query" : "PostgreSQL table",
                                 mapping: values["map"], currency: currency)
        entry.database = DatabaseSourceSettings(url: settings.displayURL, table: table, query: query,
                                                password: values["remember"] != nil && !password.isEmpty ? password : nil,
                                                statementTimeout: source.statementTimeout, refreshSeconds: refresh)
        do { entry = try await library.add(entry) } catch { return fail("\(error)", .internalServerError) }
        return await switchToPostgres(entry, source: source, csrf: csrf)
    }

    /// Opens a database entry as the live source: the first snapshot must load; then it replaces the data set and its
    /// refresh loop starts (the previous live source's stops).
    func switchToPostgres(_ e: LibraryEntry, source given: PostgresSource?, csrf: String) async -> Response {
        let source: PostgresSource
        if let given { source = given } else {
            do throws(PostgresSourceError) { source = try opener.postgresSource(e) } catch {
                return datasetsPage(csrf: csrf, message: ("error", "\(e.name) cannot be opened: \(error.description)"), status: .unprocessableContent)
            }
        }
        let candidate = LiveSource(source: source, interval: e.database?.refreshSeconds)
        switch await candidate.loadDataset(generation: store.nextGeneration) {
        case .success(let loaded):
            guard var d = loaded else { return notFound(csrf) }
            d.name = e.name
            if let c = e.currency { d.currency = c }
            store.replace(with: d)
            store.startModels()
            live?.set(candidate, store: store)
            library.setServing(e.id)
            library.setNotice(nil)
            var updated = e
            updated.summarise(d)
            updated.problem = nil
            try? await library.update(updated)
            var note = "Now showing \(e.name), read from PostgreSQL (\(DisplayFormat.integer(d.report.validLines)) valid lines, \(DisplayFormat.integer(d.base.table.count)) customers)."
            if e.database?.password == nil && source.settings.password != nil && given != nil {
                note += " The password was not remembered: after a restart the server needs PGPASSWORD or ~/.pgpass to open it."
            }
            do { try await library.choose(e.id) } catch { note += " " + "\(error)" }
            return datasetsPage(csrf: csrf, message: ("info", note))
        case .failure(let error):
            var updated = e
            updated.problem = error.description
            try? await library.update(updated)
            return datasetsPage(csrf: csrf, message: ("error", "\(e.name) could not be read: \(error.description) The dashboard still shows \(store.dataset.name)."),
                                status: .unprocessableContent)
        }
    }

    func switchTo(_ e: LibraryEntry, csrf: String, success: String? = nil) async -> Response {
        let (opener, library) = (self.opener, self.library)
        guard let outcome = try? await slots.run({ opener.load(e, library: library) }) else {
            var r = datasetsPage(csrf: csrf, message: ("error", "The server is busy computing; try again in a few seconds."), status: .serviceUnavailable)
            r.headers[.retryAfter] = ComputeSlots.retryAfter
            return r
        }
        switch outcome {
        case .success(let d):
            store.replace(with: d)
            live?.set(nil, store: nil)   // a file now: the database's refresh loop stops
            library.setServing(e.id)
            library.setNotice(nil)
            var note = success ?? "Now showing \(e.name)."
            if e.id != 0 {
                var updated = e
                updated.summarise(d)
                updated.problem = nil
                try? await library.update(updated)
            }
            do { try await library.choose(e.id) } catch { note += " " + "\(error)" }
            return datasetsPage(csrf: csrf, message: ("info", note))
        case .failure(let failure):
            if e.id != 0 {
                var updated = e
                updated.problem = failure.message
                try? await library.update(updated)
            }
            return datasetsPage(csrf: csrf, message: ("error", failure.message + " The dashboard still shows \(store.dataset.name)."), status: .unprocessableContent)
        }
    }

    /// Replaces the data set in use by a copy with the entry's name and currency (when it is the one in use).
    func relabel(_ e: LibraryEntry) {
        guard library.serving == e.id else { return }
        var d = store.dataset
        d.name = e.name
        d.currency = e.currency ?? d.loaded.currency
        store.replace(with: d)
    }

    static func validName(_ s: String?) -> String? {
        guard let s, !s.isEmpty, s.count <= 120, !s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        return s
    }

    func rename(_ fields: Fields, csrf: String) async -> Response {
        guard var e = entry(fields), e.id != 0 else { return notFound(csrf) }
        guard let name = Self.validName(FormFields.value(fields, "name")) else {
            return datasetsPage(csrf: csrf, message: ("error", "A name is 1 to 120 characters, without control characters."), status: .badRequest)
        }
        let old = e.name
        e.name = name
        do { try await library.update(e) } catch { return datasetsPage(csrf: csrf, message: ("error", "\(error)"), status: .internalServerError) }
        relabel(e)
        return datasetsPage(csrf: csrf, message: ("info", "Renamed \(old) to \(name)."))
    }

    func setCurrency(_ fields: Fields, csrf: String) async -> Response {
        guard var e = entry(fields), e.id != 0 else { return notFound(csrf) }
        let text = FormFields.value(fields, "currency") ?? ""
        if text.isEmpty {
            e.currency = nil
        } else {
            guard let code = CurrencyCode(text) else {
                return datasetsPage(csrf: csrf, message: ("error", "A currency is a three-letter ISO 4217 code such as GBP, EUR or USD (or empty when unknown)."), status: .badRequest)
            }
            e.currency = code.code
        }
        do { try await library.update(e) } catch { return datasetsPage(csrf: csrf, message: ("error", "\(error)"), status: .internalServerError) }
        relabel(e)
        return datasetsPage(csrf: csrf, message: ("info", e.currency.map { "\(e.name) is now in \($0)." } ?? "\(e.name) has no currency now."))
    }

    func delete(_ fields: Fields, csrf: String) async -> Response {
        guard let id = FormFields.value(fields, "id").flatMap(Int.init) else { return notFound(csrf) }
        if id == 0 { return datasetsPage(csrf: csrf, message: ("error", "The built-in demo cannot be deleted."), status: .badRequest) }
        guard let e = library.entry(id) else { return notFound(csrf) }
        do { try await library.remove(id) } catch { return datasetsPage(csrf: csrf, message: ("error", "\(error)"), status: .internalServerError) }
        var note: String
        if e.kind == .upload {
            // Only a file inside the uploads folder is removed.
            let uploads = URL(fileURLWithPath: library.dataDirectory).appendingPathComponent("uploads").standardizedFileURL.path + "/"
            let file = URL(fileURLWithPath: library.filePath(e)).standardizedFileURL.path
            if file.hasPrefix(uploads) { try? FileManager.default.removeItem(atPath: file) }
            note = "Deleted \(e.name) and its uploaded file."
        } else if e.kind == .postgres {
            note = "Removed \(e.name) from the library; the database was not touched."
        } else {
            note = "Removed \(e.name) from the library; your file \(fileName(e.path)) was not touched."
        }
        if library.serving == id {
            return await switchTo(opener.demoEntry, csrf: csrf, success: note + " The dashboard now shows the built-in demo.")
        }
        return datasetsPage(csrf: csrf, message: ("info", note))
    }

    // MARK: Saved views

    /// A view's URL when it is a same-site relative URL of a dashboard page with a valid query (normalised), else nil.
    func validView(_ text: String?) -> String? {
        guard let text, text.utf8.count <= 2000, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"), !text.contains("#"),
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) else { return nil }
        let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        guard pagePaths.contains(path), let request = try? PageRequest(query: parts.count > 1 ? String(parts[1]) : nil) else { return nil }
        return PageRequest.url(path, request.items)
    }

    func viewsPage(csrf: String, proposed: String? = nil, name: String = "", message: (String, String)? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var blocks: [Block] = []
        var shown = message
        if let proposed {
            if Access.current.map({ !$0.role.managesData || $0.isScoped }) == true {
                shown = ("error", "Saving views is part of the analyst and admin roles.")
            } else if let view = validView(proposed) {
                blocks.append(.form(Form(action: "/views", style: "save", hidden: [("view", view)], csrf: csrf,
                                         fields: [.text(id: "view-name", label: "Name of the view", name: "name", value: name, maxLength: 80)],
                                         submit: "Save this view", secondary: Link(label: "Back to the page", href: view))))
                blocks.append(.note("The view is \(view)"))
            } else if shown == nil {
                shown = ("error", "Only a page of this dashboard (its path and filters) can be saved as a view.")
            }
        }
        var p = views(csrf: csrf)
        if !blocks.isEmpty { p.sections.insert(Section(id: "save", title: "Save a view", blocks: blocks), at: 0) }
        return .html(renderer.html(p, path: "/views", request: PageRequest(filter: .none), dataset: store.dataset, showFilters: false,
                                   message: shown, downloads: false), status: status)
    }

    func views(csrf: String) -> Page {
        // Everyone reads the views their role opens; analysts (every country) save and delete them.
        let manages = Access.current.map { $0.role.managesData && !$0.isScoped } ?? true
        let views = library.views.filter { Access.current == nil || PageRenderer.allows(String($0.path.prefix { $0 != "?" })) }
        let table = Table(id: "views", title: "Saved views", columns: [.init(key: "name", label: "Name"), .init(key: "path", label: "Address")],
                          rows: views.map { [.link($0.name, href: $0.path), .text($0.path)] }, note: views.isEmpty ? (manages ? "No saved view yet: use “Save this view” under the filters of any page." : "No saved view yet.") : "")
        var list: [Block] = [.table(table)]
        for v in views where manages {
            list.append(.formGroup(FormGroup(legend: v.name, forms: [Form(action: "/views/delete", style: "delete", hidden: [("id", String(v.id))], csrf: csrf, fields: [], submit: "Delete")])))
        }
        var p = Page(id: "views", title: "Saved views", howToRead: "A saved view is a name for a page with its filters and options; saved views are listed in the Views menu at the top of every page and kept in the data-set library.")
        p.sections = [Section(id: "views", title: "Saved views", blocks: list)]
        if let problem = library.problem { p.insights = [problem] }
        return p
    }

    func saveView(_ fields: Fields, csrf: String) async -> Response {
        guard let view = validView(FormFields.value(fields, "view")) else {
            return viewsPage(csrf: csrf, message: ("error", "Only a page of this dashboard (its path and filters) can be saved as a view."), status: .badRequest)
        }
        guard let name = Self.validName(FormFields.value(fields, "name")), name.count <= 80 else {
            return viewsPage(csrf: csrf, proposed: view, message: ("error", "A view's name is 1 to 80 characters."), status: .badRequest)
        }
        do { _ = try await library.addView(name: name, path: view) } catch {
            return viewsPage(csrf: csrf, message: ("error", "\(error)"), status: .internalServerError)
        }
        store.clearResponses()
        return viewsPage(csrf: csrf, message: ("info", "Saved the view \(name)."))
    }

    func deleteView(_ fields: Fields, csrf: String) async -> Response {
        guard let id = FormFields.value(fields, "id").flatMap(Int.init), let v = library.views.first(where: { $0.id == id }) else {
            return viewsPage(csrf: csrf, message: ("error", "That view no longer exists."), status: .notFound)
        }
        do { try await library.removeView(id) } catch {
            return viewsPage(csrf: csrf, message: ("error", "\(error)"), status: .internalServerError)
        }
        store.clearResponses()
        return viewsPage(csrf: csrf, message: ("info", "Deleted the view \(v.name)."))
    }
}
