import ClienteleCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import ClienteleServer

/// Non-product lines on the upload review (tick, reload, use) and on the Data quality page.
@Suite struct NonProductRouteTests {
    /// 30 product codes bought by K1-K5, POST on K1's invoices, BANK CHARGES as the only line of Z, and a code with
    /// markup that must come back escaped.
    static var csv: String {
        var s = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        for i in 0..<30 { s += "5000\(i),\(20000 + i),X,1,2022-0\(1 + i % 5)-05 10:00:00,10.00,K\(1 + i % 5),France\n" }
        s += "50001,POST,POSTAGE,1,2022-02-05 10:00:00,18.00,K2,France\n"
        s += "50030,BANK CHARGES,Bank Charges,1,2022-03-01 10:00:00,15.00,Z9,Spain\n"
        s += "50031,<b>X</b>,Odd,1,2022-03-02 10:00:00,1.00,K3,France\n"
        return s
    }

    @Test func tickReloadUseAndTheDataPage() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clientele-np-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ServerOptions.openForTests
        options.dataDirectory = dir.path
        let store = try RouteTests.store()
        let app = try await RouteTests.app(store, options: options)
        try await app.test(.router) { client in
            let browser = try await RouteTests.Browser.open(client)
            let review = try await browser.upload(client, "shop.csv", Self.csv)
            #expect(review.status == .ok)
            #expect(review.body.contains("Non-product lines to leave out"))
            // Listed, unticked: off by default.
            #expect(review.body.contains("name=\"exclude\" value=\"POST\">"))
            #expect(review.body.contains("name=\"exclude\" value=\"BANK CHARGES\">"))
            #expect(review.body.contains("3 product codes look like non-product lines"))
            // The markup code is escaped wherever it appears.
            #expect(!review.body.contains("<b>X</b>"))
            #expect(review.body.contains("&lt;b&gt;X&lt;/b&gt;"))
            let token = try RouteTests.token(review.body)
            let reloaded = try await browser.post(client, "/upload/exclude", "token=\(token)&exclude=POST&exclude=BANK%20CHARGES")
            #expect(reloaded.status == .ok)
            #expect(reloaded.body.contains("name=\"exclude\" value=\"POST\" checked>"))
            #expect(reloaded.body.contains("2 lines with the product codes “POST”, “BANK CHARGES” were left out"))
            let use = try await browser.post(client, "/upload/use", "token=\(token)")
            #expect(use.status == .seeOther)
            // Z's only line was the bank charge: 5 customers, 300.00 + 1.00 of revenue (POST left out).
            let overview = try RouteTests.json(try await RouteTests.get(client, "/overview.json").body)
            #expect(RouteTests.kpi(overview, "total_customers") as? Int == 5)
            #expect((RouteTests.kpi(overview, "total_revenue") as? NSNumber)?.doubleValue == 301)
            let data = try RouteTests.json(try await RouteTests.get(client, "/data-quality.json").body)
            let rows = RouteTests.rows(data, "non-product")
            #expect(rows.map { $0["code"] as? String } == ["POST", "BANK CHARGES", "<b>X</b>"])
            #expect(rows.map { $0["status"] as? String } == ["left out", "left out", "counted"])
            #expect(RouteTests.kpi(data, "left_out_lines") as? Int == 2)
            let html = try await RouteTests.get(client, "/data-quality").body
            #expect(html.contains("Product codes that look like non-product lines"))
            #expect(!html.contains("<b>X</b>"))
        }
    }
}
