import ClienteleCore
@testable import ClienteleServer
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

/// Issue 12, "data sets that stay": the SQLite library of data sets and saved views, the Data sets page, uploads
/// added to the library, and the failures that must not stop the dashboard.
@Suite struct LibraryTests {
    typealias R = RouteTests
    typealias Browser = RouteTests.Browser

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("clientele-library-\(UUID().uuidString)")
    }

    static let csv = HardeningTests.csv
    static let opener = DatasetOpener(demoLines: 2_000)

    static func app(_ store: DataStore, dir: URL, library: DatasetLibrary) async throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await buildApplication(store: store, options: HardeningTests.uploadOptions(dir), logger: logger, datasets: library, opener: opener)
    }

    /// Files kept in the uploads folder (the pending folder aside).
    static func uploadedFiles(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("uploads").path)) ?? []).filter { $0 != "pending" }
    }

    @Test func libraryAndChoiceSurviveARestart() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = await DatasetLibrary.open(dataDirectory: dir.path)
        #expect(library.problem == nil)
        var e = LibraryEntry(name: "Spring <orders>", kind: .file, path: "/somewhere/orders.csv", layout: "Online Retail II",
                             mapping: "customer=cust,timestamp=when,revenue=amount", dayFirst: true, currency: "EUR",
                             excludedProducts: ["POST", "M"], contentHash: "abc123", fileSize: 4096,
                             validLines: 10, invalidLines: 2, customers: 3, firstDay: 19_000, lastDay: 19_100)
        _ = try await library.add(LibraryEntry(name: "first", kind: .upload, path: "uploads/a.csv", layout: "CDNOW"))
        e = try await library.add(e)
        try await library.choose(e.id)
        _ = try await library.addView(name: "France", path: "/overview?country=France")
        await library.close()

        let reopened = await DatasetLibrary.open(dataDirectory: dir.path)
        #expect(reopened.problem == nil)
        #expect(reopened.entries.map(\.name) == ["first", "Spring <orders>"])
        let back = try #require(reopened.entry(e.id))
        #expect(back.id == 2 && back.kind == .file && back.mapping == "customer=cust,timestamp=when,revenue=amount")
        #expect(back.dayFirst && back.currency == "EUR" && back.excludedProducts == ["POST", "M"])
        #expect(back.contentHash == "abc123" && back.fileSize == 4096 && back.validLines == 10 && back.invalidLines == 2)
        #expect(back.customers == 3 && back.firstDay == 19_000 && back.lastDay == 19_100)
        #expect(abs(back.added.timeIntervalSince(e.added)) < 1.5)
        #expect(reopened.current == e.id)
        #expect(reopened.views.map(\.name) == ["France"] && reopened.views.first?.path == "/overview?country=France")
        #expect(reopened.entry(hash: "abc123")?.id == e.id)
        // Removing the chosen entry chooses the demo, also after a restart.
        try await reopened.remove(e.id)
        await reopened.close()
        let third = await DatasetLibrary.open(dataDirectory: dir.path)
        #expect(third.current == 0 && third.entries.count == 1)
        await third.close()
    }

    /// Upload, confirm, upload the same file again, confirm: one entry and one file; rename and currency persist;
    /// deleting the upload in use removes its file and switches to the demo.
    @Test func duplicateUploadRenameCurrencyDelete() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = await DatasetLibrary.open(dataDirectory: dir.path)
        let store = try R.store()
        let app = try await Self.app(store, dir: dir, library: library)
        try await app.test(.router) { client in
            let browser = try await Browser.open(client)
            let review = try await browser.upload(client, "orders.csv", Self.csv)
            #expect(review.status == .ok)
            #expect(review.body.contains("name=\"name\" value=\"orders.csv\""))
            #expect(review.body.contains("name=\"currency\" value=\"\""))
            let token = try R.token(review.body)
            let used = try await browser.post(client, "/upload/use", "token=\(token)&name=Norway+shop&currency=nok")
            #expect(used.status == .seeOther)
            #expect(library.entries.count == 1)
            let entry = try #require(library.entries.first)
            #expect(entry.name == "Norway shop" && entry.currency == "NOK" && entry.kind == .upload && entry.validLines == 2 && entry.customers == 2)
            #expect(entry.contentHash == SHA256.hex(Array(Self.csv.utf8)) && entry.fileSize == Self.csv.utf8.count)
            #expect(entry.path.hasPrefix("uploads/"))
            #expect(library.current == entry.id && library.serving == entry.id)
            #expect(store.dataset.name == "Norway shop" && store.dataset.currency == "NOK")
            #expect(Self.uploadedFiles(dir).count == 1)

            // The same bytes again, under another name: recognised, not copied.
            let again = try await browser.upload(client, "copy-of-orders.csv", Self.csv)
            let second = try await browser.post(client, "/upload/use", "token=\(try R.token(again.body))&name=Other")
            #expect(second.body.contains("already in your library as Norway shop"))
            #expect(library.entries.count == 1)
            #expect(Self.uploadedFiles(dir).count == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("uploads/pending").path).isEmpty)

            // Rename and currency, kept in the database.
            let renamed = try await browser.post(client, "/datasets/rename", "id=\(entry.id)&name=Fjord+%26+Co")
            #expect(renamed.status == .ok && renamed.body.contains("Renamed Norway shop to Fjord &amp; Co."))
            #expect(try await browser.post(client, "/datasets/currency", "id=\(entry.id)&currency=SEK").status == .ok)
            #expect(try await browser.post(client, "/datasets/currency", "id=\(entry.id)&currency=XX").status == .badRequest)
            #expect(store.dataset.name == "Fjord & Co" && store.dataset.currency == "SEK")
            let fromDisk = await DatasetLibrary.open(dataDirectory: dir.path)
            #expect(fromDisk.entry(entry.id)?.name == "Fjord & Co" && fromDisk.entry(entry.id)?.currency == "SEK")
            await fromDisk.close()

            // The page lists the demo and the upload, the upload in use.
            let page = try await R.get(client, "/datasets.json")
            let rows = R.rows(try R.json(page.body), "datasets")
            #expect(rows.map { $0["name"] as? String } == ["demo.csv", "Fjord & Co"])
            #expect(rows.map { $0["status"] as? String } == ["", "in use"])
            #expect(rows.map { $0["currency"] as? String } == ["GBP", "SEK"])
            let csv = try await R.get(client, "/datasets.csv")
            #expect(csv.status == .ok && csv.body.hasPrefix("name,source,layout,currency,valid_lines,customers,dates,size,added,status"))

            // Deleting the upload in use removes its file and opens the demo.
            let deleted = try await browser.post(client, "/datasets/delete", "id=\(entry.id)")
            #expect(deleted.body.contains("Deleted Fjord &amp; Co and its uploaded file."))
            #expect(library.entries.isEmpty && Self.uploadedFiles(dir).isEmpty)
            #expect(store.dataset.name == DemoData.name && library.serving == 0 && library.current == 0)
            // The demo cannot be deleted.
            #expect(try await browser.post(client, "/datasets/delete", "id=0").status == .badRequest)
        }
        await library.close()
    }

    @Test func postsWithoutTheTokenAreRefused() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = await DatasetLibrary.open(dataDirectory: dir.path, inMemory: true)
        let e = try await library.add(LibraryEntry(name: "kept", kind: .file, path: "/nowhere.csv", layout: "x"))
        let app = try await Self.app(try R.store(), dir: dir, library: library)
        try await app.test(.router) { client in
            let browser = try await Browser.open(client)
            var headers = browser.sameOrigin
            headers[.contentType] = "application/x-www-form-urlencoded"
            for (uri, form) in [("/datasets/rename", "id=\(e.id)&name=changed"), ("/datasets/delete", "id=\(e.id)"), ("/views", "name=v&view=%2Foverview")] {
                let status = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form)) { $0.status }
                #expect(status == .forbidden, "\(uri)")
                let wrong = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form + "&_csrf=" + String(repeating: "0", count: 64))) { $0.status }
                #expect(wrong == .forbidden, "\(uri)")
            }
            #expect(library.entry(e.id)?.name == "kept" && library.views.isEmpty)
        }
    }

    @Test func savedViewsAreListedEscapedAndValidated() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = await DatasetLibrary.open(dataDirectory: dir.path, inMemory: true)
        let app = try await Self.app(try R.store(), dir: dir, library: library)
        try await app.test(.router) { client in
            let browser = try await Browser.open(client)
            // Every dashboard page offers to save itself; the form names the page's own URL.
            let overview = try await R.get(client, "/overview?from=2010-12-01")
            #expect(overview.body.contains("<form class=\"save-view\" method=\"get\" action=\"/views\"><input type=\"hidden\" name=\"view\" value=\"/overview?from=2010-12-01\">"))
            let proposal = try await R.get(client, "/views?view=%2Foverview%3Ffrom%3D2010-12-01&name=Q")
            #expect(proposal.body.contains("action=\"/views\"") && proposal.body.contains("name=\"_csrf\""))
            let hostile = "<script>alert(1)</script>"
            let saved = try await browser.post(client, "/views", "name=\(PageRequest.encode(hostile))&view=\(PageRequest.encode("/overview?from=2010-12-01"))")
            #expect(saved.status == .ok)
            #expect(library.views.map(\.name) == [hostile])
            // Listed in the nav of every page (cached pages too), escaped.
            for uri in ["/", "/overview?from=2010-12-01", "/datasets"] {
                let body = try await R.get(client, uri).body
                #expect(body.contains("<li><a href=\"/overview?from=2010-12-01\">&lt;script&gt;alert(1)&lt;/script&gt;</a></li>"), "\(uri)")
                #expect(!body.contains(hostile), "\(uri)")
            }
            // Only a page of this dashboard can be a view.
            for bad in ["//evil.example/overview", "https://evil.example/", "/no-such-page", "/overview?_evil=1", "javascript:alert(1)", "/upload"] {
                let r = try await browser.post(client, "/views", "name=x&view=\(PageRequest.encode(bad))")
                #expect(r.status == .badRequest, "\(bad)")
            }
            #expect(library.views.count == 1)
            let id = try #require(library.views.first?.id)
            #expect(try await browser.post(client, "/views/delete", "id=\(id)").status == .ok)
            #expect(library.views.isEmpty)
            #expect(!(try await R.get(client, "/").body.contains("alert(1)")))
        }
    }

    @Test func aMissingFileIsReportedAndTheDataSetInUseStays() async throws {
        let dir = Self.temporaryDirectory()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("mine.csv")
        try Self.csv.write(to: file, atomically: true, encoding: .utf8)
        let library = await DatasetLibrary.open(dataDirectory: dir.path)
        let e = try await library.add(LibraryEntry(name: "Mine", kind: .file, path: file.path, layout: "Online Retail II"))
        let store = try R.store()
        let app = try await Self.app(store, dir: dir, library: library)
        try await app.test(.router) { client in
            let browser = try await Browser.open(client)
            // It loads while the file is there.
            let used = try await browser.post(client, "/datasets/use", "id=\(e.id)")
            #expect(used.status == .ok && store.dataset.name == "Mine" && library.entry(e.id)?.validLines == 2)
            #expect(try await browser.post(client, "/datasets/use", "id=0").status == .ok)
            #expect(store.dataset.name == DemoData.name)
            try FileManager.default.removeItem(at: file)
            let failed = try await browser.post(client, "/datasets/use", "id=\(e.id)")
            #expect(failed.status == .unprocessableContent)
            #expect(failed.body.contains("The file mine.csv is no longer where it was given"))
            #expect(!failed.body.contains(dir.path))
            #expect(store.dataset.name == DemoData.name)
            #expect(library.entry(e.id)?.problem?.contains("no longer where it was given") == true)
            // Deleting a command-line entry never deletes the user's file.
            try Self.csv.write(to: file, atomically: true, encoding: .utf8)
            let deleted = try await browser.post(client, "/datasets/delete", "id=\(e.id)")
            #expect(deleted.body.contains("your file mine.csv was not touched"))
            #expect(FileManager.default.fileExists(atPath: file.path) && library.entries.isEmpty)
            #expect(try await R.get(client, "/").status == .ok)
        }
        await library.close()
    }

    @Test func aCorruptDatabaseDoesNotStopTheServer() async throws {
        let dir = Self.temporaryDirectory()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(repeating: 0x5A, count: 8192).write(to: dir.appendingPathComponent(DatasetLibrary.fileName))
        let library = await DatasetLibrary.open(dataDirectory: dir.path)
        #expect(library.problem?.contains("damaged") == true)
        #expect(library.entries.isEmpty && library.current == 0)
        let store = try R.store()
        let app = try await Self.app(store, dir: dir, library: library)
        try await app.test(.router) { client in
            #expect(try await R.get(client, "/").status == .ok)
            let page = try await R.get(client, "/datasets")
            #expect(page.status == .ok && page.body.contains("The data-set library is unavailable"))
            #expect(!page.body.contains(dir.path))
            // Uploads still work; the dashboard shows the upload even though the library cannot remember it.
            let browser = try await Browser.open(client)
            let review = try await browser.upload(client, "orders.csv", Self.csv)
            #expect(try await browser.post(client, "/upload/use", "token=\(try R.token(review.body))&name=Kept").status == .seeOther)
            #expect(store.dataset.name == "Kept" && library.entries.isEmpty)
            let saved = try await browser.post(client, "/views", "name=v&view=%2Foverview")
            #expect(saved.status == .internalServerError && saved.body.contains("unavailable"))
        }
        // The damaged file is left as it was (never overwritten).
        #expect(try Data(contentsOf: dir.appendingPathComponent(DatasetLibrary.fileName)) == Data(repeating: 0x5A, count: 8192))
    }
}
