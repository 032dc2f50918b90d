import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import ClienteleServer

/// The upload's column-mapping form shows the guessed columns preselected, a reason per field and the first rows.
@Suite struct MappingFormTests {
    @Test func mappingFormPreselectsTheGuesses() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clientele-mapping-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ServerOptions.openForTests
        options.dataDirectory = dir.path
        let store = try RouteTests.store()
        let app = try await RouteTests.app(store, options: options)
        let csv = """
        order_number,Email,created_at,updated_at,total_price,qty,item_price
        #1001,ann@shop.example,2024-03-05 10:00:00,2024-03-09 10:00:00,30.00,2,10.00
        #1001,ann@shop.example,2024-03-05 10:00:00,2024-03-09 10:00:00,30.00,1,10.00
        #1002,bo@shop.example,2024-03-06 11:00:00,2024-03-09 10:00:00,7.50,1,7.50

        """
        try await app.test(.router) { client in
            let browser = try await RouteTests.Browser.open(client)
            let form = try await browser.upload(client, "custom.csv", csv).body
            #expect(form.contains("Map the columns of custom.csv"))
            #expect(form.contains("<option value=\"Email\" selected>Email</option>"))
            #expect(form.contains("<option value=\"created_at\" selected>created_at</option>"))
            #expect(!form.contains("<option value=\"updated_at\" selected>"))
            #expect(form.contains("<option value=\"item_price\" selected>item_price</option>"))
            #expect(!form.contains("<option value=\"total_price\" selected>"))
            #expect(form.contains("<option value=\"order_number\" selected>order_number</option>"))
            #expect(form.contains("customer: Email — 2 distinct values, looks like e-mail addresses"))
            #expect(form.contains("quantity: qty — numbers, 100% whole"))
            #expect(form.contains("First rows of the file"))
            #expect(form.contains("bo@shop.example"))
            // Confirming the preselected choices loads the file: 2 × 10 + 10 + 7.50.
            let token = try RouteTests.token(form)
            let mapped = try await browser.post(client, "/upload/map", "token=\(token)&customer=Email&timestamp=created_at&quantity=qty&unit_price=item_price&invoice=order_number").body
            #expect(mapped.contains("Use this data set"))
            #expect(mapped.contains("37.50"))
        }
    }
}
