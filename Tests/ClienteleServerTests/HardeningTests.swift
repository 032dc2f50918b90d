import ClienteleCore
@testable import ClienteleServer
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue "Never down": hostile requests, uploads and slow clients are refused or bounded, never served or hung.
@Suite struct HardeningTests {
    typealias R = RouteTests
    typealias Browser = RouteTests.Browser

    static func uploadOptions(_ dir: URL, maxUpload: Int = 64 * 1024) -> ServerOptions {
        var options = ServerOptions.openForTests
        options.dataDirectory = dir.path
        options.maxUploadBytes = maxUpload
        return options
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("clientele-hardening-\(UUID().uuidString)")
    }

    static let csv = """
    Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
    1,A,x,2,2022-01-05 10:00:00,10,U1,Norway
    2,A,x,1,2022-02-05 10:00:00,5,U2,Norway

    """

    // MARK: Headers, HEAD, URLs

    @Test func securityHeadersOnEveryResponse() async throws {
        let app = try await R.app(try R.store())
        try await app.test(.router) { client in
            for uri in ["/", "/overview", "/overview.json", "/customers.csv", "/churn.svg", "/report.md", "/no-such-page",
                        "/overview?from=nonsense", "/overview.json?_evil=1", "/static/app.css", "/static/app.js", "/-/health", "/upload"] {
                try await client.execute(uri: uri, method: .get) { r in
                    let csp = r.headers[.contentSecurityPolicy] ?? ""
                    #expect(csp.contains("script-src 'self';"), "\(uri)")
                    #expect(!csp.contains("script-src 'self' 'unsafe-inline'"), "\(uri)")
                    #expect(csp.contains("frame-ancestors 'none'"), "\(uri)")
                    #expect(r.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                    #expect(r.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(uri)")
                    if uri.hasPrefix("/static/") {
                        #expect(r.headers[.cacheControl] == "max-age=300")
                    } else {
                        #expect(r.headers[.cacheControl] == "no-store", "\(uri)")
                    }
                }
            }
            // The pages carry no inline script: the only script is the static file.
            let html = try await R.get(client, "/churn").body
            #expect(html.components(separatedBy: "<script").count == 2)
            #expect(html.contains("<script src=\"/static/app.js\"></script>"))
        }
    }

    @Test func headAnswersEveryGetRoute() async throws {
        let app = try await R.app(try R.store())
        try await app.test(.router) { client in
            for uri in ["/", "/overview", "/value.json", "/retention.csv?_table=cohorts", "/churn", "/customers", "/customer?id=C1",
                        "/report.pdf", "/retention.png", "/data-quality", "/upload", "/-/health", "/static/app.css"] {
                let get = try await client.execute(uri: uri, method: .get) { ($0.status, $0.headers[.contentType]) }
                try await client.execute(uri: uri, method: .head) { r in
                    #expect(r.status == get.0, "\(uri)")
                    #expect(r.status == .ok, "\(uri)")
                    #expect(r.headers[.contentType] == get.1, "\(uri)")
                    #expect(r.body.readableBytes == 0, "\(uri)")
                }
            }
            #expect(try await client.execute(uri: "/no-such-page", method: .head) { $0.status } == .notFound)
        }
    }

    @Test func unknownOptionsAndLongURLsAreRefused() async throws {
        let app = try await R.app(try R.store())
        try await app.test(.router) { client in
            let html = try await R.get(client, "/overview?_x=1")
            #expect(html.status == .badRequest)
            #expect(html.body.contains("Unknown option &#39;_x&#39;") || html.body.contains("Unknown option '_x'"))
            let json = try await R.get(client, "/churn.json?_evil=1")
            #expect(json.status == .badRequest)
            #expect(try R.json(json.body)["error"] as? String == "Unknown option '_evil'. Options: _chart, _compare, _desc, _end, _from, _metric, _page, _paper, _period, _q, _range, _sort, _start, _table, _to.")
            #expect(try await R.get(client, "/report.md?_x=1").status == .badRequest)
            // An 80 KB option name or value is refused before any page is built (and so never cached).
            let long = try await R.get(client, "/overview?_x=" + String(repeating: "A", count: 80_000))
            #expect(long.status == .uriTooLong)
            #expect(!long.body.contains("AAAA"))
            #expect(try await R.get(client, "/customers?_q=" + String(repeating: "b", count: 5_000)).status == .uriTooLong)
            // Known options still work.
            #expect(try await R.get(client, "/customers?_q=C1&_sort=recency").status == .ok)
        }
    }

    // MARK: Cross-site requests

    @Test func foreignOriginsAndMissingTokensAreRefused() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try R.store()
        let app = try await R.app(store, options: Self.uploadOptions(dir))
        try await app.test(.router) { client in
            let browser = try await Browser.open(client)
            var (headers, body) = R.multipart("evil.csv", Self.csv, csrf: browser.csrf)
            headers[.cookie] = browser.cookie
            // Another site's page posting to the dashboard (even with a stolen token) is refused before the body is read.
            var foreign = headers
            foreign[.origin] = "http://evil.example"
            let refused = try await client.execute(uri: "/upload", method: .post, headers: foreign, body: body) { ($0.status, String(buffer: $0.body)) }
            #expect(refused.0 == .forbidden)
            #expect(refused.1.contains("Cross-site request refused"))
            var nullOrigin = headers
            nullOrigin[.origin] = "null"
            #expect(try await client.execute(uri: "/upload", method: .post, headers: nullOrigin, body: body) { $0.status } == .forbidden)
            var foreignReferer = headers
            foreignReferer[.referer] = "http://evil.example/page"
            #expect(try await client.execute(uri: "/upload", method: .post, headers: foreignReferer, body: body) { $0.status } == .forbidden)
            // Neither Origin nor Referer: refused too.
            #expect(try await client.execute(uri: "/upload", method: .post, headers: headers, body: body) { $0.status } == .forbidden)
            // Same origin by Referer is accepted.
            var sameReferer = headers
            sameReferer[.referer] = "http://localhost/upload"
            #expect(try await client.execute(uri: "/upload", method: .post, headers: sameReferer, body: body) { $0.status } == .ok)

            // A body that is not a form (wrong boundary): a plain 400, not "expired".
            var wrongBoundary = browser.sameOrigin
            wrongBoundary[.contentType] = "multipart/form-data; boundary=Other"
            let malformed = try await client.execute(uri: "/upload", method: .post, headers: wrongBoundary, body: body) { ($0.status, String(buffer: $0.body)) }
            #expect(malformed.0 == .badRequest)
            #expect(malformed.1.contains("could not be read as a form"))
            // Same origin but no CSRF token, a wrong one, or another session's: refused, nothing stored.
            let before = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("uploads/pending").path).count
            (headers, body) = R.multipart("evil.csv", Self.csv)
            headers.append(contentsOf: browser.sameOrigin)
            let noToken = try await client.execute(uri: "/upload", method: .post, headers: headers, body: body) { ($0.status, String(buffer: $0.body)) }
            #expect(noToken.0 == .forbidden)
            #expect(noToken.1.contains("This form has expired"))
            (headers, body) = R.multipart("evil.csv", Self.csv, csrf: String(repeating: "0", count: 64))
            headers.append(contentsOf: browser.sameOrigin)
            #expect(try await client.execute(uri: "/upload", method: .post, headers: headers, body: body) { $0.status } == .forbidden)
            let other = try await Browser.open(client)
            #expect(other.cookie != browser.cookie && other.csrf != browser.csrf)
            (headers, body) = R.multipart("evil.csv", Self.csv, csrf: other.csrf)
            headers.append(contentsOf: browser.sameOrigin)
            #expect(try await client.execute(uri: "/upload", method: .post, headers: headers, body: body) { $0.status } == .forbidden)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("uploads/pending").path).count == before)

            // Upload tokens are random (not a time stamp and a name) and bound to the browser that uploaded.
            let first = try R.token(try await browser.upload(client, "data.csv", Self.csv).body)
            let second = try R.token(try await browser.upload(client, "data.csv", Self.csv).body)
            #expect(first != second)
            #expect(SecureToken.isWellFormed(first) && SecureToken.isWellFormed(second))
            let stolen = try await other.post(client, "/upload/use", "token=\(first)")
            #expect(stolen.status == .badRequest)
            #expect(store.dataset.name == "small_retail.csv")
            #expect(try await browser.post(client, "/upload/use", "token=\(first)").status == .seeOther)
            #expect(store.dataset.name == "data.csv")
        }
    }

    @Test func originMustMatchHostAndPort() throws {
        let hosts = HostPolicy(listenHost: "127.0.0.1", extra: ["dashboard.example.com"])
        func refused(_ authority: String, origin: String? = nil, referer: String? = nil) -> Bool {
            var headers: HTTPFields = [:]
            if let origin { headers[.origin] = origin }
            if let referer { headers[.referer] = referer }
            let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: authority, path: "/upload", headerFields: headers), body: .init(buffer: ByteBuffer()))
            return SecurityMiddleware.crossSiteRefusal(request, hosts: hosts) != nil
        }
        #expect(!refused("localhost:8080", origin: "http://localhost:8080"))
        #expect(!refused("localhost:8080", origin: "HTTP://LOCALHOST:8080"))
        #expect(!refused("localhost", origin: "http://localhost"))
        #expect(!refused("[::1]:8080", origin: "http://[::1]:8080"))
        #expect(!refused("localhost:8080", referer: "http://localhost:8080/upload"))
        // Another port or scheme of the same host is another site (another web app on this machine).
        #expect(refused("localhost:8080", origin: "http://localhost"))
        #expect(refused("localhost:8080", origin: "https://localhost"))
        #expect(refused("localhost:8080", origin: "http://localhost:9999"))
        #expect(refused("localhost", origin: "http://localhost:8080"))
        #expect(refused("localhost:8080", origin: "http://127.0.0.1:8080"))
        #expect(refused("localhost:8080", origin: "http://user@localhost:8080"))
        #expect(refused("localhost:8080", origin: "null"))
        #expect(refused("localhost:8080"))
        // Behind a reverse proxy that rewrites Host: the public name given with --allowed-host is accepted.
        #expect(!refused("127.0.0.1:8080", origin: "https://dashboard.example.com"))
        #expect(refused("127.0.0.1:8080", origin: "https://evil.example"))
    }

    @Test func hostPolicyAcceptsOnlyItsOwnNames() {
        let local = HostPolicy(listenHost: "127.0.0.1", extra: ["Dashboard.Example.com"])
        for ok in ["localhost", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "dashboard.example.com", "DASHBOARD.example.com.:443", nil] {
            #expect(local.allows(ok), "\(ok ?? "nil")")
        }
        for bad in ["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "10.0.0.5", "localhost.evil.example"] {
            #expect(!local.allows(bad), "\(bad)")
        }
        // On every interface, IP literals (which cannot be rebound to another site) are accepted, names are not.
        let all = HostPolicy(listenHost: "0.0.0.0", extra: [])
        #expect(all.allows("10.0.0.5:8080") && all.allows("[fe80::1]:8080") && all.allows("192.168.1.20"))
        #expect(!all.allows("evil.example") && !all.allows("999.1.1.1") && !all.allows("1.2.3") && !all.allows("[evil.example]"))
        #expect(HostPolicy.isLoopback("127.0.0.1") && HostPolicy.isLoopback("127.1.2.3") && HostPolicy.isLoopback("localhost") && HostPolicy.isLoopback("::1"))
        #expect(!HostPolicy.isLoopback("0.0.0.0") && !HostPolicy.isLoopback("192.168.1.2") && !HostPolicy.isLoopback("127.0.0.1.nip.io")
                && !HostPolicy.isLoopback("x.localhost") && !HostPolicy.isLoopback("::2"))
    }

    // MARK: Uploads on disk

    @Test func gzipBombIsRefusedByItsDecompressedSize() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = try await R.app(try R.store(), options: Self.uploadOptions(dir, maxUpload: 64 * 1024))
        // 2 MB of valid lines, about 20 KB compressed: under the 64 KB limit compressed, far over it decompressed.
        var text = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        while text.utf8.count < 2 << 20 { text += "1,A,x,2,2022-01-05 10:00:00,10,U1,Norway\n" }
        let gz = try gzip(Array(text.utf8))
        #expect(gz.count < 64 * 1024)
        try await app.test(.router) { client in
            let browser = try await Browser.open(client)
            let r = try await browser.upload(client, "bomb.csv.gz", bytes: gz)
            #expect(r.status == .contentTooLarge)
            #expect(r.body.contains("bomb.csv.gz: cannot read the file: it holds more than 64 KB once decompressed, over the upload limit."))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("uploads/pending").path).isEmpty)
            // The same data under the limit is accepted.
            let small = try gzip(Array(Self.csv.utf8))
            #expect(try await browser.upload(client, "small.csv.gz", bytes: small).status == .ok)
        }
    }

    @Test func pendingUploadsExpireAndTheQuotaDropsTheOldestFirst() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let uploads = dir.appendingPathComponent("uploads")
        let pending = PendingUploads(directory: uploads, lifetime: 3600, quota: 3000)
        func part(_ n: Int) -> Multipart.FilePart {
            Multipart.FilePart(filename: "f.csv", data: Data(repeating: 65, count: n), range: 0..<n)
        }
        /// Stores and releases (as the upload route does once the file is loaded).
        func put(_ n: Int, _ name: String, session: String = "s") throws -> PendingUploads.Upload {
            let u = try pending.store(file: part(n), original: name, session: session)
            pending.release(u.token)
            Thread.sleep(forTimeInterval: 0.005)
            return u
        }
        let a = try put(1000, "a.csv")
        let b = try put(1000, "b.csv")
        #expect(pending.count == 2 && pending.folderBytes() == 2000)
        // A third upload of 1,000 bytes fits; a fourth does not until the oldest (a) is removed.
        let c = try put(1000, "c.csv")
        let d = try put(1000, "d.csv")
        #expect(pending.get(a.token, session: "s") == nil)
        #expect(!FileManager.default.fileExists(atPath: a.path))
        #expect(pending.get(b.token, session: "s") != nil && pending.get(d.token, session: "s") != nil)
        #expect(pending.folderBytes() == 3000)
        // Confirmed uploads are never removed for room: with 2,000 bytes in use, a 2,000-byte upload cannot fit.
        #expect(pending.confirm(b) && pending.confirm(c))
        #expect(throws: PendingUploads.Failure.self) { try pending.store(file: part(2000), original: "e.csv", session: "s") }
        #expect(pending.get(d.token, session: "s") == nil)   // removed while trying to make room
        #expect(pending.folderBytes() == 2000)
        // Two uploads of the same name confirmed in the same second both keep their file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: uploads.path).filter { $0.hasSuffix(".csv") }.count == 2)
        // An upload in use (being loaded) is neither expired nor removed for room.
        let busy = try pending.store(file: part(500), original: "busy.csv", session: "s")
        pending.sweep(now: Date().addingTimeInterval(7200))
        #expect(pending.get(busy.token, session: "s") != nil)
        #expect(throws: PendingUploads.Failure.self) { try pending.store(file: part(900), original: "f.csv", session: "s") }
        #expect(pending.get(busy.token, session: "s") != nil)
        pending.release(busy.token)
        // An hour later a pending upload is gone, files and all; so is anything a restart left behind.
        pending.sweep(now: Date().addingTimeInterval(7200))
        let e = try put(500, "e.csv")
        try FileManager.default.createDirectory(at: pending.pendingDirectory.appendingPathComponent("orphan"), withIntermediateDirectories: true)
        pending.sweep(now: Date().addingTimeInterval(1800))
        #expect(pending.get(e.token, session: "s") != nil)
        #expect(!FileManager.default.fileExists(atPath: pending.pendingDirectory.appendingPathComponent("orphan").path))
        pending.sweep(now: Date().addingTimeInterval(3700))
        #expect(pending.count == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: pending.pendingDirectory.path).isEmpty)
        // Another session cannot take an upload.
        let f = try put(10, "f.csv")
        #expect(pending.take(f.token, session: "t") == nil)
        // At most 10 pending uploads per browser session: the oldest of that session make room.
        let roomy = PendingUploads(directory: dir.appendingPathComponent("many"), lifetime: 3600, quota: 1 << 20)
        var tokens: [String] = []
        for i in 0..<12 {
            let u = try roomy.store(file: part(1), original: "\(i).csv", session: "s")
            roomy.release(u.token)
            tokens.append(u.token)
            Thread.sleep(forTimeInterval: 0.005)
        }
        #expect(roomy.count == 10)
        #expect(roomy.get(tokens[0], session: "s") == nil && roomy.get(tokens[1], session: "s") == nil && roomy.get(tokens[11], session: "s") != nil)
    }

    @Test func hostileMultipartBodiesAreParsedInLinearTime() throws {
        // Many boundaries and no header terminator, a huge body of boundary-like bytes: the parser finds nothing
        // and scans each byte a bounded number of times (the header search stops at 16 KB or the next boundary).
        var body = Array(repeating: Array("--B\r\nx".utf8), count: 1_000).flatMap { $0 }
        body += Array(repeating: UInt8(ascii: "-"), count: 2_000_000)
        let parts = Multipart.parts(Data(body), boundary: "B")
        #expect(parts.file == nil && parts.fields.isEmpty)
        let dashes = Multipart.parts(Data(repeating: UInt8(ascii: "-"), count: 3_000_000), boundary: String(repeating: "-", count: 69) + "x")
        #expect(dashes.file == nil)
        // Boundaries longer than RFC 2046's 70 characters are refused.
        #expect(Multipart.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "b", count: 70)) != nil)
        #expect(Multipart.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "b", count: 71)) == nil)
        // A well-formed form still parses: a field and a file.
        let form = "--B\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nT\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx,y\n1,2\r\n--B--\r\n"
        let ok = Multipart.parts(Data(form.utf8), boundary: "B")
        #expect(ok.field("_csrf") == "T")
        #expect(ok.file?.filename == "a.csv" && ok.file?.count == 7)
        // KMP search: overlapping prefixes.
        let hay = Array("aaabaaabaaaab".utf8)
        #expect(hay.withUnsafeBufferPointer { Multipart.find(Array("aaaab".utf8), in: $0, from: 0) } == 8)
        #expect(hay.withUnsafeBufferPointer { Multipart.find(Array("ab".utf8), in: $0, from: 3) } == 6)
        #expect(hay.withUnsafeBufferPointer { Multipart.find(Array("abc".utf8), in: $0, from: 0) } == nil)
    }

    @Test func longFileNamesWorkAndMessagesShowNoServerPath() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = try await R.app(try R.store(), options: Self.uploadOptions(dir))
        try await app.test(.router) { client in
            let browser = try await Browser.open(client)
            let name = String(repeating: "quarterly_orders_export_", count: 8) + "2024.csv"
            #expect(name.count > 150)
            let r = try await browser.upload(client, name, Self.csv)
            #expect(r.status == .ok)
            #expect(r.body.contains("Use this data set"))
            let token = try R.token(r.body)
            let stored = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("uploads/pending/\(token)").path)
            #expect(stored.count == 1 && stored[0].count == 100 && stored[0].hasSuffix(".csv"))
            #expect(try await browser.post(client, "/upload/use", "token=\(token)").status == .seeOther)
            // A corrupt gzip and a binary file: plain messages with the file's name, never the data folder's path.
            let corrupt: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3] + Array(repeating: 0xff, count: 200)
            let bad = try await browser.upload(client, "broken.csv.gz", bytes: corrupt)
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("broken.csv.gz: cannot read the file"))
            let binary: [UInt8] = Array(repeating: 0, count: 100)
            let bin = try await browser.upload(client, "image.csv", bytes: binary)
            #expect(bin.status == .badRequest)
            for page in [bad.body, bin.body, try await R.get(client, "/data-quality").body, try await R.get(client, "/").body] {
                #expect(!page.contains(dir.path))
                #expect(!page.contains(FileManager.default.temporaryDirectory.path + "/"))
            }
        }
        // Files named on the command line are shown by name, not by path.
        let fixturePage = try await R.app(try R.store())
        try await fixturePage.test(.router) { client in
            for path in ["/data-quality", "/", "/index.json", "/index.csv", "/datasets"] {
                let page = try await R.get(client, path).body
                if path != "/datasets" { #expect(page.contains("small_retail.csv"), "\(path)") }
                #expect(!page.contains("/Fixtures/"), "\(path)")   // the store was loaded from an absolute path
            }
        }
    }

    @Test func hostileDataNeverStopsTheServer() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try R.store()
        let app = try await R.app(store, options: Self.uploadOptions(dir))
        // A sentinel date and sums that would overflow, for a customer and for guests (each crashed or hung the
        // server before), among ordinary lines.
        var text = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        for i in 0..<40 { text += "\(i),A,x,\(1 + i % 3),2022-0\(1 + i % 9)-1\(i % 10) 10:00:00,\(5 + i),U\(i % 12),Norway\n" }
        text += "90,A,x,1,9999-12-31 00:00:00,5,U1,Norway\n"
        text += "91,A,x,90000,2022-03-01 10:00:00,10000000000,U2,Norway\n92,A,x,90000,2022-03-02 10:00:00,10000000000,U2,Norway\n"
        text += "93,A,x,90000,2022-03-01 10:00:00,10000000000,,Norway\n94,A,x,90000,2022-03-02 10:00:00,10000000000,,Norway\n"
        let hostile = text
        try await app.test(.router) { client in
            let browser = try await Browser.open(client)
            let review = try await browser.upload(client, "hostile.csv", hostile)
            #expect(review.status == .ok)
            #expect(review.body.contains("1 line: timestamp out of range"))
            #expect(review.body.contains("lines: line amount too large"))
            #expect(try await browser.post(client, "/upload/use", "token=\(try R.token(review.body))").status == .seeOther)
            #expect(store.dataset.report.invalidByReason["timestamp_out_of_range"] == 1)
            for uri in ["/", "/overview", "/churn", "/churn.json", "/explain", "/recommendations", "/report", "/report.pdf", "/report.md",
                        "/retention?_period=week", "/retention.png?_period=week", "/customers.csv", "/churn.json?from=2022-03-01&to=2022-03-05"] {
                #expect(try await R.get(client, uri).status == .ok, "\(uri)")
            }
        }
    }

    @Test func cohortsOverCenturiesAreRefusedNotAttempted() async throws {
        // The valid range widened to years 1800-2300 (a user's choice): weekly cohorts over 500 years are refused
        // with a message on the page and the image, monthly ones too, and the rest of the dashboard works.
        let text = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n1,A,x,1,1800-01-06 10:00:00,5,U1,Norway\n2,A,x,1,2300-06-30 10:00:00,5,U2,Norway\n"
        var options = LoadOptions()
        options.validDays = CivilDate.dayNumber(year: 1800, month: 1, day: 1)...CivilDate.dayNumber(year: 2300, month: 12, day: 31)
        let loaded = try OrderLineLoader.load(text: text, name: "centuries.csv", options: options)
        let app = try await R.app(DataStore(dataset: Dataset(name: "centuries.csv", source: "test", loaded: loaded)))
        try await app.test(.router) { client in
            for uri in ["/retention?_period=week", "/retention.png?_period=week", "/retention.json?_period=month", "/retention?_period=quarter"] {
                let r = try await R.get(client, uri)
                #expect(r.status == .badRequest, "\(uri)")
                #expect(r.body.contains("cohorts are limited to 2,000 periods"), "\(uri)")
            }
            for uri in ["/", "/overview", "/value", "/customers", "/retention?_period=week&from=2290-01-01"] {
                #expect(try await R.get(client, uri).status == .ok, "\(uri)")
            }
        }
    }

    // MARK: Load

    @Test func busyComputeSlotsAnswer503WhileCachedPagesKeepAnswering() async throws {
        // A 3 s wait: long enough that the waiting request below still waits while the machine is loaded.
        let slots = ComputeSlots(limit: 1, maxWaiting: 1, maxWait: .seconds(3))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try await buildApplication(store: try R.store(), options: ServerOptions.openForTests, logger: logger, slots: slots)
        try await app.test(.router) { client in
            #expect(try await R.get(client, "/overview").status == .ok)   // computed and cached
            #expect(slots.occupy())
            // Every slot busy: a new page waits (3 s here), then gets 503 with Retry-After.
            let started = ContinuousClock.now
            let busy = try await client.execute(uri: "/overview?from=2022-01-01", method: .get) { r in (r.status, r.headers[.retryAfter], String(buffer: r.body)) }
            #expect(ContinuousClock.now - started >= .milliseconds(2_900))
            #expect(busy.0 == .serviceUnavailable)
            #expect(busy.1 == "5")
            #expect(busy.2.contains("busy"))
            let json = try await R.get(client, "/churn.json")
            #expect(json.status == .serviceUnavailable)
            #expect(try R.json(json.body)["ok"] as? Bool == false)
            #expect(try await R.get(client, "/report.pdf").status == .serviceUnavailable)
            // A URL that cannot be used is refused at once with 400, busy or not.
            #expect(try await R.get(client, "/value?_nope=1").status == .badRequest)
            // The cached page still answers.
            #expect(try await R.get(client, "/overview").status == .ok)
            // A waiting request gets the slot as soon as it frees; a second waiter beyond the queue is refused at once
            // (its 503 arrives while the first still waits: the first then gets the slot, not a time-out).
            async let waited = R.get(client, "/value?from=2022-01-01")
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await R.get(client, "/retention?from=2022-01-01").status == .serviceUnavailable)
            slots.release()
            #expect(try await waited.status == .ok)
        }
        #expect(slots.busy == 0)
    }

    /// Sends raw bytes to 127.0.0.1:`port` and reads until the server closes or `seconds` pass.
    static func raw(_ port: Int, _ request: String, seconds: Double = 5) -> (response: String, closedAfter: Double?) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { return ("", nil) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        let start = Date()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date().timeIntervalSince(start) < seconds {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return (String(decoding: received, as: UTF8.self), Date().timeIntervalSince(start)) }
            if n > 0 { received += buffer[0..<n] }
        }
        return (String(decoding: received, as: UTF8.self), nil)
    }

    /// ``raw(_:_:seconds:)`` on a thread of its own: its blocking reads must not hold one of the few threads of the
    /// cooperative pool, which the server's handlers need to answer (with two cores and a busy test run, they starved).
    static func rawOffPool(_ port: Int, _ request: String, seconds: Double) async -> (response: String, closedAfter: Double?) {
        await onOwnThread { raw(port, request, seconds: seconds) }
    }

    @Test func foreignHostsAndSlowClientsOnARealSocket() async throws {
        var options = ServerOptions.openForTests
        options.port = 0
        options.headerTimeout = 1
        options.bodyTimeout = 1
        options.idleTimeout = 2
        options.allowedHosts = ["dashboard.example.com"]
        let app = try await R.app(try R.store(), options: options)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // DNS rebinding: a request for another host name gets nothing but a refusal.
            let evil = await Self.rawOffPool(port, "GET /customers.csv HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", seconds: 60)
            #expect(evil.response.hasPrefix("HTTP/1.1 421"))
            #expect(!evil.response.contains("customer_id"))
            let own = await Self.rawOffPool(port, "GET /customers.csv HTTP/1.1\r\nHost: localhost:\(port)\r\nConnection: close\r\n\r\n", seconds: 60)
            #expect(own.response.hasPrefix("HTTP/1.1 200"))
            #expect(own.response.contains("customer_id"))
            #expect((await Self.rawOffPool(port, "HEAD / HTTP/1.1\r\nHost: dashboard.example.com\r\nConnection: close\r\n\r\n", seconds: 60)).response.hasPrefix("HTTP/1.1 200"))
            // A client that never finishes its request head is disconnected after the header time-out.
            let slowHead = await Self.rawOffPool(port, "GET / HTTP/1.1\r\nHost: localhost\r\n", seconds: 60)
            #expect(slowHead.response.isEmpty)
            let closed = try #require(slowHead.closedAfter)
            #expect(closed >= 0.9 && closed < 30)   // 1 s, with room for a loaded machine
            // A client that never finishes its body is disconnected after the body time-out.
            let slowBody = await Self.rawOffPool(port, "POST /upload/use HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntoken=", seconds: 60)
            #expect(slowBody.closedAfter != nil)
            // An idle keep-alive connection is closed after the idle time-out.
            let idle = await Self.rawOffPool(port, "GET /-/health HTTP/1.1\r\nHost: localhost\r\n\r\n", seconds: 60)
            #expect(idle.response.hasPrefix("HTTP/1.1 200"))
            #expect(idle.closedAfter != nil)
        }
    }
}

/// gzip-compresses `bytes` with the system's gzip (test helper).
func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("data")
    try Data(bytes).write(to: file)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-9", file.path]
    try process.run()
    process.waitUntilExit()
    return Array(try Data(contentsOf: dir.appendingPathComponent("data.gz")))
}
