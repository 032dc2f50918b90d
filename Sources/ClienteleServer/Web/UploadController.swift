import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Synchronization

/// Upload of a CSV export: streamed to `<data>/uploads/pending/`, loaded, its data-quality report shown, then used
/// on request (and moved to `<data>/uploads/`). An unknown layout gets a column-mapping form.
///
/// Safety: every form carries the browser session's CSRF token (and the security middleware checks the Origin);
/// upload tokens are random and bound to the session that uploaded; the body is streamed to disk with a size limit,
/// and a compressed file's decompressed size counts against the same limit; pending uploads are files only (no
/// loaded data is kept in memory) and expire after an hour; the uploads folder has a quota, the oldest pending
/// upload removed first; messages never show the server's paths.
struct UploadController: Sendable {
    let store: DataStore
    let renderer: PageRenderer
    let options: ServerOptions
    let sessions: Sessions
    let slots: ComputeSlots
    let pending: PendingUploads
    /// The data-set library a confirmed upload is added to.
    let library: DatasetLibrary
    let opener: DatasetOpener

    init(store: DataStore, renderer: PageRenderer, options: ServerOptions, sessions: Sessions, slots: ComputeSlots, library: DatasetLibrary, opener: DatasetOpener) {
        self.library = library
        self.opener = opener
        self.store = store
        self.renderer = renderer
        self.options = options
        self.sessions = sessions
        self.slots = slots
        pending = PendingUploads(directory: URL(fileURLWithPath: options.dataDirectory).appendingPathComponent("uploads"),
                                 lifetime: options.pendingUploadSeconds, quota: options.uploadQuotaBytes)
    }

    /// Removes expired uploads now and then every 10 minutes (also when nobody uploads), for as long as the
    /// returned task runs.
    func startSweeping() -> Task<Void, Never> {
        let pending = self.pending
        return Task.detached(priority: .background) {
            while !Task.isCancelled {
                pending.sweep()
                try? await Task.sleep(for: .seconds(600))
            }
        }
    }

    var uploadsDirectory: URL { pending.directory }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/upload") { request, _ in self.sessions.page(request) { csrf in self.form(csrf: csrf) } }
        router.post("/upload") { request, _ in await self.receive(request) }
        router.post("/upload/map") { request, _ in await self.map(request) }
        router.post("/upload/use") { request, _ in await self.use(request) }
        router.post("/upload/exclude") { request, _ in await self.exclude(request) }
    }

    // MARK: Pages

    func page(_ title: String, _ intro: String, _ sections: [Section], kpis: [KPI] = [], insights: [String] = [],
              message: (String, String)? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var p = Page(id: "upload", title: title, howToRead: intro)
        p.sections = sections
        p.kpis = kpis
        p.insights = insights
        return .html(renderer.html(p, path: "/upload", request: PageRequest(filter: .none), dataset: store.dataset,
                                   showFilters: false, message: message, downloads: false), status: status)
    }

    var limitText: String { sizeText(options.maxUploadBytes) }

    func form(csrf: String, message: (String, String)? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let upload = Form(action: "/upload", multipart: true, style: "upload", csrf: csrf,
                          fields: [.file(id: "file", label: "Order-line file (.csv or .csv.gz, at most \(limitText), also once decompressed)", name: "file", accept: ".csv,.gz,.txt,text/csv")],
                          submit: "Upload and check")
        let note = Block.note("Built-in layouts are recognised from the header: Online Retail II, UCI Online Retail, CDNOW, Shopify orders export. For any other CSV Clientele guesses the columns and asks you to confirm them after the upload. The file is stored in the server's data folder and is not used until you confirm; an upload that is not confirmed within an hour is deleted.")
        return page("Upload your data", "Analyse your own export: upload a file of order lines (one row per order line). Clientele detects the layout, checks every line and shows what it found before anything changes.",
                    [Section(id: "upload", title: "Choose a file", blocks: [.form(upload), note])], message: message, status: status)
    }

    /// The upload form with a message, for a request whose session may be unknown (a new session cookie then).
    func form(for request: Request, message: (String, String), status: HTTPResponse.Status) -> Response {
        sessions.page(request) { csrf in form(csrf: csrf, message: message, status: status) }
    }

    func expiredForm(_ request: Request) -> Response {
        form(for: request, message: ("error", "This form has expired or was not sent from this dashboard (the server may have restarted). Choose the file again."),
             status: .forbidden)
    }

    // MARK: Upload

    /// What parsing and storing a received body came to (computed off the request threads).
    enum Received: Sendable {
        case stored(PendingUploads.Upload, csrf: String)
        case malformed, expired, noFile, tooLarge, empty(String), unreadable
        case failed(PendingUploads.Failure)
    }

    func receive(_ request: Request) async -> Response {
        guard let contentType = request.headers[.contentType], let boundary = Multipart.boundary(contentType: contentType) else {
            return form(for: request, message: ("error", "The upload must be sent as a form with a file (multipart/form-data), with a boundary of at most 70 characters."), status: .badRequest)
        }
        guard let session = request.cookies[Sessions.cookieName]?.value, sessions.csrfToken(session) != nil else { return expiredForm(request) }
        guard pending.enterReceiving() else {
            var r = form(for: request, message: ("error", "Other uploads are being received; try again in a minute."), status: .serviceUnavailable)
            r.headers[.retryAfter] = "30"
            return r
        }
        defer { pending.leaveReceiving() }
        let incoming: URL
        do {
            incoming = try await pending.receive(request.body, limit: options.maxUploadBytes + 64 * 1024)
        } catch .tooLarge {
            return form(for: request, message: ("error", "The file is larger than the limit of \(limitText). Compress it with gzip (.csv.gz) or ask the administrator to raise --max-upload-mb."), status: .contentTooLarge)
        } catch {
            return form(for: request, message: ("error", "The upload could not be stored in the data folder: \(error.message)"), status: .internalServerError)
        }
        // Parsing and copying up to the upload limit is blocking work: on its own thread, not the request threads.
        let (sessions, pending, maxBytes) = (self.sessions, self.pending, options.maxUploadBytes)
        let received = await onOwnThread { () -> Received in
            defer { try? FileManager.default.removeItem(at: incoming) }
            guard let parts = try? Multipart.parts(of: incoming, boundary: boundary) else { return .unreadable }
            if parts.file == nil && parts.fields.isEmpty { return .malformed }
            guard let csrf = parts.field("_csrf"), sessions.verify(sessionID: session, token: csrf) else { return .expired }
            guard let file = parts.file else { return .noFile }
            guard file.count <= maxBytes else { return .tooLarge }
            let original = Multipart.baseName(file.filename)
            guard file.count > 0 else { return .empty(original) }
            do throws(PendingUploads.Failure) {
                return .stored(try pending.store(file: file, original: original, session: session), csrf: csrf)
            } catch {
                return .failed(error)
            }
        }
        switch received {
        case .stored(let upload, let csrf):
            defer { pending.release(upload.token) }
            return await load(upload, csrf: csrf, request: request)
        case .unreadable:
            return form(for: request, message: ("error", "The upload could not be read back from the data folder."), status: .internalServerError)
        case .malformed:
            return form(for: request, message: ("error", "The upload could not be read as a form (multipart/form-data): no part was found. Choose a file and try again."), status: .badRequest)
        case .expired:
            return expiredForm(request)
        case .noFile:
            return form(for: request, message: ("error", "No file was found in the upload. Choose a file and try again."), status: .badRequest)
        case .tooLarge:
            return form(for: request, message: ("error", "The file is larger than the limit of \(limitText)."), status: .contentTooLarge)
        case .empty(let original):
            return form(for: request, message: ("error", "\(original) is empty: there are no order lines to analyse."), status: .badRequest)
        case .failed(.quota(let used)):
            return form(for: request, message: ("error", "The uploads folder is full: the uploaded data sets take \(sizeText(used)) of its \(sizeText(options.uploadQuotaBytes)) quota. Delete uploads you no longer need on the Data sets page (/datasets) or ask the administrator to raise --uploads-quota-mb."), status: .init(code: 507, reasonPhrase: "Insufficient Storage"))
        case .failed(let error):
            return form(for: request, message: ("error", "The upload could not be stored in the data folder: \(error.message)"), status: .internalServerError)
        }
    }

    /// Loads a pending upload (in a compute slot) and shows its report, the mapping form, or the error.
    func load(_ upload: PendingUploads.Upload, csrf: String, request: Request, note: String? = nil) async -> Response {
        guard let outcome = await loadInSlot(upload) else { return busyForm(request) }
        let original = upload.original
        switch outcome {
        case .success(let dataset):
            return review(upload, csrf: csrf, dataset: dataset)
        case .failure(let error):
            let message = pending.scrub(error.description, upload: upload)
            switch error {
            case .unknownLayout(_, let found) where found.isEmpty:
                pending.remove(upload.token)
                return form(for: request, message: ("error", "\(original) does not look like a CSV file: its first line is not text. Export the order lines as CSV (or .csv.gz) and upload that."), status: .badRequest)
            case .unknownLayout(_, let found), .missingColumns(_, _, _, let found, _):
                let web = "The columns of \(original) were not recognised as a built-in layout (found: \(found.joined(separator: ", "))). Choose below which column holds what."
                return mappingForm(upload, csrf: csrf, columns: found, message: note.map { ("error", $0) } ?? ("info", web))
            case .badMapping:
                return mappingForm(upload, csrf: csrf, columns: [], message: ("error", message))
            case .unreadable(_, let reason) where reason.hasPrefix(LimitedSource.reasonStart):
                pending.remove(upload.token)
                return form(for: request, message: ("error", message), status: .contentTooLarge)
            default:
                if upload.mapping == nil { pending.remove(upload.token) }
                return form(for: request, message: ("error", message), status: .badRequest)
            }
        }
    }

    /// Loads `upload` in a compute slot; nil when every slot stays busy.
    func loadInSlot(_ upload: PendingUploads.Upload) async -> Result<Dataset, IngestError>? {
        let maxBytes = options.maxUploadBytes, validDays = options.validDays
        return try? await slots.run { Self.loadDataset(upload, maxBytes: maxBytes, validDays: validDays) }
    }

    func busyForm(_ request: Request) -> Response {
        var r = form(for: request, message: ("error", "The server is busy computing; try again in a few seconds. Your file is kept for an hour."), status: .serviceUnavailable)
        r.headers[.retryAfter] = ComputeSlots.retryAfter
        return r
    }

    /// Loads the file of `upload` with its mapping; the decompressed size is limited to `maxBytes`.
    static func loadDataset(_ upload: PendingUploads.Upload, maxBytes: Int, validDays: ClosedRange<Int>?) -> Result<Dataset, IngestError> {
        let started = Date()
        do throws(IngestError) {
            var options = LoadOptions(mapping: upload.mapping, dayFirst: upload.dayFirst, validDays: validDays)
            options.excludedProducts = ExcludedProducts(upload.excludedProducts)
            options.workers = ProcessInfo.processInfo.activeProcessorCount
            let source = LimitedSource(try openOrderSource(path: upload.path), maxBytes: maxBytes, name: upload.original)
            let loaded = try OrderLineLoader.load(source: source, name: upload.original, options: options)
            return .success(Dataset(name: upload.original, source: "Uploaded file \(upload.original)", loaded: loaded,
                                    loadSeconds: Date().timeIntervalSince(started)))
        } catch {
            return .failure(error)
        }
    }

    func review(_ upload: PendingUploads.Upload, csrf: String, dataset d: Dataset) -> Response {
        let r = d.report
        let a = d.base
        let kpis = [
            KPI(key: "lines_read", label: "Lines read", value: DisplayFormat.integer(r.linesRead), raw: .int(r.linesRead)),
            KPI(key: "valid_lines", label: "Valid", value: DisplayFormat.integer(r.validLines), raw: .int(r.validLines)),
            KPI(key: "invalid_lines", label: "Invalid", value: DisplayFormat.integer(r.invalidLines), raw: .int(r.invalidLines)),
            KPI(key: "customers", label: "Customers", value: DisplayFormat.integer(a.table.count), raw: .int(a.table.count)),
            KPI(key: "revenue", label: "Revenue", value: DisplayFormat.money(a.kpis.totalRevenue), raw: .money(a.kpis.totalRevenue)),
        ]
        var insights = ["Layout: \(r.layout); delimiter: “\(r.delimiter)”; lines from \(DisplayFormat.date(d.span.lowerBound)) to \(DisplayFormat.date(d.span.upperBound)); \(Words.plural(r.cancelledLines, "cancelled line")) and \(Words.plural(r.guestLines, "guest line"))."]
        insights += r.invalidSummaryLines.map { $0 + "." }
        insights += HomePage.productCodeSentences(r, customerRevenue: a.kpis.totalRevenue, howToExclude: "tick them below and reload the file")
        let rows: [[Cell]] = InvalidReason.allCases.flatMap { reason in
            (r.examples[reason.rawValue] ?? []).map { e in [.text(reason.explanation), .int(e.line), .text(e.field), .text(e.value)] as [Cell] }
        }
        let examples = Table(id: "examples", title: "Examples of rejected lines", columns: [
            .init(key: "reason", label: "Reason"), .init(key: "line", label: "Line", numeric: true), .init(key: "field", label: "Field"), .init(key: "value", label: "Value"),
        ], rows: rows, note: rows.isEmpty ? "No line was rejected." : "")
        let confirm = Form(action: "/upload/use", style: "confirm", hidden: [("token", upload.token)], csrf: csrf,
                           fields: [.text(id: "dataset-name", label: "Name", name: "name", value: upload.original, maxLength: 120),
                                    .text(id: "dataset-currency", label: "Currency (ISO code, e.g. GBP)", name: "currency", value: d.loaded.currency ?? "", maxLength: 3)],
                           submit: "Use this data set", secondary: Link(label: "Upload another file", href: "/upload"))
        var blocks: [Block] = [.table(examples)]
        if !r.productCodes.isEmpty { blocks.append(.form(Self.exclusionForm(r, upload: upload, csrf: csrf))) }
        blocks.append(.form(confirm))
        return page("Check \(d.name)", "This is what the file holds. Nothing has changed yet: use the data set to see every page on it, or upload another file. The file waits for an hour.",
                    [Section(id: "review", title: "Data quality", blocks: blocks)], kpis: kpis, insights: insights)
    }

    /// Check boxes for the product codes that look like non-product lines (ticked: left out), and a reload button.
    static func exclusionForm(_ r: DataQualityReport, upload: PendingUploads.Upload, csrf: String) -> Form {
        Form(action: "/upload/exclude", style: "exclude", hidden: [("token", upload.token)], csrf: csrf,
             legend: "Non-product lines to leave out",
             fields: r.productCodes.filter { $0.lines > 0 }.map { p in
                 .checkbox(name: "exclude", value: p.code, checked: p.excluded, code: p.code,
                           label: "\(Words.plural(p.lines, "line")), net amount \(DisplayFormat.money(p.netUnits))" + (p.reason.isEmpty ? "" : "; \(p.reason)"))
             },
             submit: "Reload leaving out the ticked codes")
    }

    /// Reloads a pending upload with the ticked product codes left out.
    func exclude(_ request: Request) async -> Response {
        guard let (fields, csrf, upload) = await formRequest(request) else {
            return form(for: request, message: ("error", "That upload is no longer available (uploads wait an hour, in the browser that sent them); upload the file again."), status: .badRequest)
        }
        defer { pending.release(upload.token) }
        var next = upload
        next.excludedProducts = fields.filter { $0.name == "exclude" && !$0.value.isEmpty }.map(\.value)
        pending.update(next)
        return await load(next, csrf: csrf, request: request)
    }

    /// The column-mapping form: the columns guessed from the header and the first rows (``ColumnGuesser``) are
    /// preselected for confirmation, each with the reason, above a preview of the first rows.
    func mappingForm(_ upload: PendingUploads.Upload, csrf: String, columns: [String], message: (String, String)) -> Response {
        let fields: [(String, String, Bool)] = [
            ("customer", "Customer id", true), ("timestamp", "Order date", true), ("quantity", "Quantity", false),
            ("unit_price", "Unit price", false), ("revenue", "Line amount (instead of quantity × price)", false),
            ("invoice", "Order / invoice id", false), ("country", "Country", false),
            ("product", "Product code / SKU (finds postage and fee lines)", false),
            ("currency", "Currency code (e.g. EUR; the most frequent one is the data set's)", false),
        ]
        let sample = (try? ColumnGuesser.sample(path: upload.path, maxRows: 200)) ?? (header: [], rows: [])
        let columns = columns.isEmpty ? sample.header : columns
        let guess = ColumnGuesser.guess(header: sample.header, rows: sample.rows, dayFirst: upload.dayFirst)
        let previous = upload.mapping
        let form = Form(action: "/upload/map", style: "mapping", hidden: [("token", upload.token)], csrf: csrf,
                        fields: fields.map { key, label, required in
                            .select(label: label, name: key, required: required, options: columns.map { c in
                                Form.Option(value: c, label: c, selected: previous.map { $0.columns[key] == c } ?? (guess.column(key) == c))
                            })
                        } + [.checkbox(name: "day_first", value: "1", checked: upload.dayFirst, label: "Dates are day/month/year")],
                        submit: "Load with these columns")
        var blocks: [Block] = []
        if previous == nil {
            if guess.choices.isEmpty {
                blocks.append(.note("No column could be guessed from the names and the first rows: choose them below."))
            } else {
                blocks.append(.note("Guessed from the column names and the first \(Words.plural(sample.rows.count, "row")), and preselected below: check each choice before loading."))
                blocks.append(.bullets(guess.choices.map(\.reason)))
            }
        }
        blocks.append(.form(form))
        if !sample.header.isEmpty && !sample.rows.isEmpty {
            let keys = sample.header.indices.map { "c\($0)" }
            blocks.append(.table(Table(id: "preview", title: "First rows of the file",
                                       columns: zip(keys, sample.header).map { Table.Column(key: $0, label: $1) },
                                       rows: sample.rows.prefix(5).map { row in row.map { Cell.text($0) } })))
        }
        return page("Map the columns of \(upload.original)", "The layout of this file was not recognised. Tell Clientele which column holds what: a customer id and an order date are required, and either quantity with unit price, or the line amount.",
                    [Section(id: "mapping", title: "Columns", blocks: blocks)], message: message)
    }

    /// The form fields of a urlencoded POST, the session it belongs to, and the pending upload it names (marked in
    /// use: the caller releases it).
    func formRequest(_ request: Request) async -> (fields: [(name: String, value: String)], csrf: String, upload: PendingUploads.Upload)? {
        let fields = await FormFields.read(request, limit: 64 * 1024)
        let csrf = fields.last { $0.name == "_csrf" }?.value
        guard let id = sessions.verify(request, token: csrf), let token = fields.last(where: { $0.name == "token" })?.value,
              let upload = pending.take(token, session: id) else { return nil }
        return (fields, csrf ?? "", upload)
    }

    func map(_ request: Request) async -> Response {
        guard let (fields, csrf, upload) = await formRequest(request) else {
            return form(for: request, message: ("error", "That upload is no longer available (uploads wait an hour, in the browser that sent them); upload the file again."), status: .badRequest)
        }
        defer { pending.release(upload.token) }
        func value(_ k: String) -> String? { fields.last { $0.name == k }.map(\.value).flatMap { $0.isEmpty ? nil : $0 } }
        var columns: [String: String] = [:]
        for f in UserMapping.fields { if let v = value(f) { columns[f] = v } }
        var next = upload
        next.dayFirst = value("day_first") == "1"
        do {
            // Column names may contain commas or '=': build the mapping directly rather than through its text form.
            next.mapping = try UserMapping(columns: columns)
        } catch {
            let message: String
            if case .badMapping(let m) = error { message = "Incomplete choice of columns: " + m.replacingOccurrences(of: " (e.g. --map customer=cust_id,timestamp=created_at,quantity=qty,unit_price=price)", with: "") } else { message = error.description }
            next.mapping = nil
            return await load(next, csrf: csrf, request: request, note: message)
        }
        pending.update(next)
        return await load(next, csrf: csrf, request: request)
    }

    func use(_ request: Request) async -> Response {
        guard let (fields, csrf, upload) = await formRequest(request) else {
            return form(for: request, message: ("error", "That upload is no longer waiting to be used (uploads wait an hour, in the browser that sent them); upload the file again."), status: .badRequest)
        }
        defer { pending.release(upload.token) }
        func value(_ k: String) -> String { FormFields.value(fields, k) ?? "" }
        let currencyText = value("currency")
        if !currencyText.isEmpty && CurrencyCode(currencyText) == nil {
            return form(for: request, message: ("error", "The currency must be a three-letter ISO 4217 code such as GBP, EUR or USD, or empty: go back and correct it (the file waits for an hour)."), status: .badRequest)
        }
        let name = DatasetsController.validName(value("name")) ?? upload.original
        // The same file (same content hash) already in the library: the pending copy goes, the entry is used.
        let path = upload.path
        guard let (hash, size) = await onOwnThread({ SHA256.file(atPath: path) }) else {
            return form(for: request, message: ("error", "The upload could not be read back from the data folder."), status: .internalServerError)
        }
        if let existing = library.entry(hash: hash), FileManager.default.fileExists(atPath: library.filePath(existing)) {
            pending.remove(upload.token)
            await library.audit("upload", account: Access.current?.name, detail: "\(existing.name): same file as the library's; now in use", address: Access.address)
            let controller = DatasetsController(store: store, renderer: renderer, sessions: sessions, slots: slots, library: library, opener: opener, pagePaths: [])
            return await controller.switchTo(existing, csrf: csrf, success: "This file is already in your library as \(existing.name): no second copy was kept, and the dashboard now shows it.")
        }
        guard let outcome = await loadInSlot(upload) else { return busyForm(request) }
        switch outcome {
        case .success(var dataset):
            guard let stored = pending.confirmedPath(upload) else {
                return form(for: request, message: ("error", "The file could not be moved into the uploads folder; the data set was not changed. Try again, or upload the file again."), status: .internalServerError)
            }
            dataset.loadSeconds = 0
            dataset.name = name
            if let code = CurrencyCode(currencyText) { dataset.currency = code.code }
            var entry = LibraryEntry(name: name, kind: .upload, path: "uploads/" + stored.lastPathComponent, layout: dataset.report.layout,
                                     mapping: upload.mapping?.text, dayFirst: upload.dayFirst, currency: dataset.currency,
                                     excludedProducts: upload.excludedProducts, contentHash: hash, fileSize: size)
            entry.summarise(dataset)
            dataset.source = opener.sourceText(entry)
            store.replace(with: dataset)
            // The data set is in use even when the library cannot remember it (its page then says why).
            if let added = try? await library.add(entry) {
                library.setServing(added.id)
                try? await library.choose(added.id)
            } else {
                library.setServing(nil)
            }
            await library.audit("upload", account: Access.current?.name,
                                detail: "\(name): \(DisplayFormat.integer(dataset.report.validLines)) valid lines, \(sizeText(size)); now in use", address: Access.address)
            return Response(status: .seeOther, headers: [.location: "/"])
        case .failure(let error):
            return form(for: request, message: ("error", pending.scrub(error.description, upload: upload)), status: .badRequest)
        }
    }
}

/// "200 MB", or "4 KB" below a megabyte.
func sizeText(_ bytes: Int) -> String {
    bytes >= 1 << 20 ? DisplayFormat.integer(bytes >> 20) + " MB" : DisplayFormat.integer(max(1, bytes >> 10)) + " KB"
}
