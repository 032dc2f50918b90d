import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Synchronization

/// Upload of a CSV export: stored under `<data>/uploads/`, loaded, its data-quality report shown, then used on
/// request. An unknown layout gets a column-mapping form.
struct UploadController: Sendable {
    let store: DataStore
    let renderer: PageRenderer
    let options: ServerOptions
    let pending = PendingUploads()

    var uploadsDirectory: URL { URL(fileURLWithPath: options.dataDirectory).appendingPathComponent("uploads") }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/upload") { _, _ in self.form() }
        router.post("/upload") { request, _ in try await self.receive(request) }
        router.post("/upload/map") { request, _ in try await self.map(request) }
        router.post("/upload/use") { request, _ in try await self.use(request) }
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

    var limitText: String { DisplayFormat.integer(options.maxUploadBytes >> 20) + " MB" }

    func form(message: (String, String)? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let html = """
        <form class="upload" method="post" action="/upload" enctype="multipart/form-data">
          <label for="file">Order-line file (.csv or .csv.gz, at most \(limitText))</label>
          <input id="file" type="file" name="file" accept=".csv,.gz,.txt,text/csv" required>
          <button type="submit">Upload and check</button>
        </form>
        <p class="note">Built-in layouts are recognised from the header: Online Retail II, UCI Online Retail, CDNOW. For any other CSV you choose the columns after the upload. The file is stored in the server's data folder and is not used until you confirm.</p>
        """
        return page("Upload your data", "Analyse your own export: upload a file of order lines (one row per order line). Clientele detects the layout, checks every line and shows what it found before anything changes.",
                    [Section(id: "upload", title: "Choose a file", blocks: [.html(html)])], message: message, status: status)
    }

    // MARK: Upload

    func receive(_ request: Request) async throws -> Response {
        var request = request
        guard let contentType = request.headers[.contentType], let boundary = Multipart.boundary(contentType: contentType) else {
            return form(message: ("error", "The upload must be sent as a form with a file (multipart/form-data)."), status: .badRequest)
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: options.maxUploadBytes + 64 * 1024)
        } catch {
            return form(message: ("error", "The file is larger than the limit of \(limitText). Compress it with gzip (.csv.gz) or ask the administrator to raise --max-upload-mb."), status: .contentTooLarge)
        }
        let bytes = Array(body.readableBytesView)
        guard let part = Multipart.filePart(bytes, boundary: boundary) else {
            return form(message: ("error", "No file was found in the upload. Choose a file and try again."), status: .badRequest)
        }
        guard part.content.count <= options.maxUploadBytes else {
            return form(message: ("error", "The file is larger than the limit of \(limitText)."), status: .contentTooLarge)
        }
        guard !part.content.isEmpty else {
            return form(message: ("error", "\(part.filename.isEmpty ? "The file" : part.filename) is empty: there are no order lines to analyse."), status: .badRequest)
        }
        let original = part.filename.isEmpty ? "upload.csv" : String(part.filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "upload.csv")
        let token = "\(Int(Date().timeIntervalSince1970 * 1000))-\(safeFileName(original))"
        do {
            try FileManager.default.createDirectory(at: uploadsDirectory, withIntermediateDirectories: true)
            try Data(part.content).write(to: uploadsDirectory.appendingPathComponent(token), options: .atomic)
        } catch {
            return form(message: ("error", "The file could not be stored in the data folder: \(error.localizedDescription)"), status: .internalServerError)
        }
        return load(token: token, original: original, mapping: nil, dayFirst: false)
    }

    /// Loads a stored upload and shows its report, the mapping form, or the error.
    func load(token: String, original: String, mapping: UserMapping?, dayFirst: Bool, note: String? = nil) -> Response {
        guard let path = storedPath(token) else {
            return form(message: ("error", "That upload is no longer available; upload the file again."), status: .badRequest)
        }
        let started = Date()
        do {
            var options = LoadOptions(mapping: mapping, dayFirst: dayFirst)
            options.workers = ProcessInfo.processInfo.activeProcessorCount
            let loaded = try OrderLineLoader.load(source: try openOrderSource(path: path), name: original, options: options)
            let dataset = Dataset(name: original, source: "Uploaded file \(original)", loaded: loaded,
                                  loadSeconds: Date().timeIntervalSince(started))
            pending.put(token, dataset)
            return review(token: token, dataset: dataset)
        } catch {
            switch error {
            case .unknownLayout(_, let found) where found.isEmpty:
                try? FileManager.default.removeItem(atPath: path)
                return form(message: ("error", "\(original) does not look like a CSV file: its first line is not text. Export the order lines as CSV (or .csv.gz) and upload that."), status: .badRequest)
            case .unknownLayout(_, let found), .missingColumns(_, _, _, let found, _):
                let web = "The columns of \(original) were not recognised as a built-in layout (found: \(found.joined(separator: ", "))). Choose below which column holds what."
                return mappingForm(token: token, original: original, columns: found,
                                   message: note.map { ("error", $0) } ?? ("info", web), previous: mapping, dayFirst: dayFirst)
            case .badMapping:
                return mappingForm(token: token, original: original, columns: [], message: ("error", error.description), previous: mapping, dayFirst: dayFirst)
            default:
                if mapping == nil { try? FileManager.default.removeItem(atPath: path) }
                return form(message: ("error", error.description), status: .badRequest)
            }
        }
    }

    func review(token: String, dataset d: Dataset) -> Response {
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
        let rows: [[Cell]] = InvalidReason.allCases.flatMap { reason in
            (r.examples[reason.rawValue] ?? []).map { e in [.text(reason.explanation), .int(e.line), .text(e.field), .text(e.value)] as [Cell] }
        }
        let examples = Table(id: "examples", title: "Examples of rejected lines", columns: [
            .init(key: "reason", label: "Reason"), .init(key: "line", label: "Line", numeric: true), .init(key: "field", label: "Field"), .init(key: "value", label: "Value"),
        ], rows: rows, note: rows.isEmpty ? "No line was rejected." : "")
        let confirm = """
        <form method="post" action="/upload/use" class="confirm"><input type="hidden" name="token" value="\(escapeHTML(token))"><button type="submit">Use this data set</button> <a href="/upload">Upload another file</a></form>
        """
        return page("Check \(d.name)", "This is what the file holds. Nothing has changed yet: use the data set to see every page on it, or upload another file.",
                    [Section(id: "review", title: "Data quality", blocks: [.table(examples), .html(confirm)])], kpis: kpis, insights: insights)
    }

    func mappingForm(token: String, original: String, columns: [String], message: (String, String), previous: UserMapping?, dayFirst: Bool) -> Response {
        let fields: [(String, String, Bool)] = [
            ("customer", "Customer id", true), ("timestamp", "Order date", true), ("quantity", "Quantity", false),
            ("unit_price", "Unit price", false), ("revenue", "Line amount (instead of quantity × price)", false),
            ("invoice", "Order / invoice id", false), ("country", "Country", false),
        ]
        var html = "<form method=\"post\" action=\"/upload/map\" class=\"mapping\"><input type=\"hidden\" name=\"token\" value=\"\(escapeHTML(token))\"><input type=\"hidden\" name=\"name\" value=\"\(escapeHTML(original))\">"
        for (key, label, required) in fields {
            html += "<label>\(escapeHTML(label))\(required ? " (required)" : "") <select name=\"\(key)\"><option value=\"\">—</option>"
            for c in columns {
                let selected = previous?.columns[key] == c || (previous == nil && Self.guess(key, c))
                html += "<option value=\"\(escapeHTML(c))\"\(selected ? " selected" : "")>\(escapeHTML(c))</option>"
            }
            html += "</select></label>"
        }
        html += "<label class=\"check\"><input type=\"checkbox\" name=\"day_first\" value=\"1\"\(dayFirst ? " checked" : "")> Dates are day/month/year</label>"
        html += "<button type=\"submit\">Load with these columns</button></form>"
        return page("Map the columns of \(original)", "The layout of this file was not recognised. Tell Clientele which column holds what: a customer id and an order date are required, and either quantity with unit price, or the line amount.",
                    [Section(id: "mapping", title: "Columns", blocks: [.html(html)])], message: message)
    }

    static func guess(_ field: String, _ column: String) -> Bool {
        let c = column.lowercased().filter { $0.isLetter }
        switch field {
        case "customer": return c.contains("customer") || c.contains("client") || c == "custid"
        case "timestamp": return c.contains("date") || c.contains("time") || c == "created"
        case "quantity": return c.contains("qty") || c.contains("quantity")
        case "unit_price": return c.contains("price")
        case "invoice": return c.contains("invoice") || c.contains("order")
        case "country": return c.contains("country") || c.contains("region") || c.contains("state")
        default: return false
        }
    }

    func map(_ request: Request) async throws -> Response {
        var request = request
        let form = PageRequest.parse(String(buffer: try await request.collectBody(upTo: 64 * 1024)))
        func value(_ k: String) -> String? { form.last { $0.name == k }.map(\.value).flatMap { $0.isEmpty ? nil : $0 } }
        guard let token = value("token"), storedPath(token) != nil else {
            return self.form(message: ("error", "That upload is no longer available; upload the file again."), status: .badRequest)
        }
        let original = value("name") ?? "upload.csv"
        var columns: [String: String] = [:]
        for f in UserMapping.fields { if let v = value(f) { columns[f] = v } }
        let mapping: UserMapping
        do {
            // Column names may contain commas or '=': build the mapping directly rather than through its text form.
            mapping = try UserMapping(columns: columns)
        } catch {
            let message: String
            if case .badMapping(let m) = error { message = "Incomplete choice of columns: " + m.replacingOccurrences(of: " (e.g. --map customer=cust_id,timestamp=created_at,quantity=qty,unit_price=price)", with: "") } else { message = error.description }
            return load(token: token, original: original, mapping: nil, dayFirst: value("day_first") == "1", note: message)
        }
        return load(token: token, original: original, mapping: mapping, dayFirst: value("day_first") == "1")
    }

    func use(_ request: Request) async throws -> Response {
        var request = request
        let form = PageRequest.parse(String(buffer: try await request.collectBody(upTo: 64 * 1024)))
        guard let token = form.last(where: { $0.name == "token" })?.value, let dataset = pending.take(token) else {
            return self.form(message: ("error", "That upload is no longer waiting to be used; upload the file again."), status: .badRequest)
        }
        store.replace(with: dataset)
        return Response(status: .seeOther, headers: [.location: "/"])
    }

    /// The stored file of a token, nil for anything that is not a plain file name in the uploads folder.
    func storedPath(_ token: String) -> String? {
        guard !token.isEmpty, token == safeFileName(token), !token.hasPrefix(".") else { return nil }
        let path = uploadsDirectory.appendingPathComponent(token).path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}

/// Loaded uploads waiting for confirmation (a few at most).
final class PendingUploads: Sendable {
    private let items = Mutex<[(String, Dataset)]>([])

    func put(_ token: String, _ dataset: Dataset) {
        items.withLock {
            $0.removeAll { $0.0 == token }
            $0.append((token, dataset))
            if $0.count > 3 { $0.removeFirst() }
        }
    }

    func take(_ token: String) -> Dataset? {
        items.withLock { list in
            guard let i = list.firstIndex(where: { $0.0 == token }) else { return nil }
            return list.remove(at: i).1
        }
    }
}

/// Just enough of multipart/form-data (RFC 7578) to take the first file part of a form.
enum Multipart {
    static func boundary(contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for param in contentType.split(separator: ";").dropFirst() {
            let kv = param.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" {
                let b = kv[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return b.isEmpty || b.count > 200 ? nil : b
            }
        }
        return nil
    }

    /// The first part with a `filename`: its file name and content.
    static func filePart(_ body: [UInt8], boundary: String) -> (filename: String, content: ArraySlice<UInt8>)? {
        let delimiter = Array(("--" + boundary).utf8)
        var starts: [Int] = []
        var i = 0
        while let r = find(delimiter, in: body, from: i) { starts.append(r); i = r + delimiter.count }
        guard starts.count >= 2 else { return nil }
        for (a, b) in zip(starts, starts.dropFirst()) {
            var partStart = a + delimiter.count
            if partStart + 1 < body.count, body[partStart] == 13, body[partStart + 1] == 10 { partStart += 2 }
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: partStart), headerEnd < b else { continue }
            let headers = String(decoding: body[partStart..<headerEnd], as: UTF8.self)
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition") }),
                  let filename = parameter("filename", in: String(disposition)) else { continue }
            var end = b
            if end >= 2, body[end - 2] == 13, body[end - 1] == 10 { end -= 2 }
            return (filename, body[(headerEnd + 4)..<max(headerEnd + 4, end)])
        }
        return nil
    }

    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var v = kv[1].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        let last = hay.count - needle.count
        return hay.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n.count && h[i + j] == n[j] { j += 1 }
                        if j == n.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}
