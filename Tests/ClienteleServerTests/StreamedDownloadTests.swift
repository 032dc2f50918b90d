import ClienteleCore
@testable import ClienteleServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The customer list's JSON and CSV hold every matching customer; above `StreamedText.streamAbove` rows they are
/// written row by row as they are sent (and not kept in the response cache), with the same bytes.
@Suite struct StreamedDownloadTests {
    /// 6,000 customers K0…K5999, one order each of (i % 7 + 1) × 1.50 on a day of 2021 (i % 300), in France or Spain.
    static func store() throws -> DataStore {
        var text = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        for i in 0..<6_000 {
            let day = CivilDate.format(CivilDate.dayNumber(year: 2021, month: 1, day: 1) + i % 300)
            text += "\(i),A,x,\(i % 7 + 1),\(day) 10:00:00,1.50,K\(i),\(i % 2 == 0 ? "France" : "Spain")\n"
        }
        let loaded = try OrderLineLoader.load(text: text, name: "many.csv")
        return DataStore(dataset: Dataset(name: "many.csv", source: "test", loaded: loaded))
    }

    @Test func everyCustomerIsWrittenAndNothingLargeIsCached() async throws {
        let store = try Self.store()
        let app = try await RouteTests.app(store)
        try await app.test(.router) { client in
            let json = try await RouteTests.get(client, "/customers.json?_sort=monetary&_desc=1")
            #expect(json.status == .ok && json.type == "application/json")
            let rows = RouteTests.rows(try RouteTests.json(json.body), "customers")
            #expect(rows.count == 6_000)
            #expect(Set(rows.compactMap { $0["customer_id"] as? String }).count == 6_000)
            // Sorted by revenue, descending: 10.5 (quantity 7) first, 1.5 last; total = Σ (i % 7 + 1) × 1.5.
            let monetary = rows.compactMap { ($0["monetary"] as? NSNumber)?.doubleValue }
            #expect(monetary.first == 10.5 && monetary.last == 1.5 && monetary == monetary.sorted(by: >))
            let expectedTotal = (0..<6_000).reduce(0) { $0 + ($1 % 7 + 1) } * 3 / 2
            #expect(Int(monetary.reduce(0, +)) == expectedTotal)
            #expect(store.cachedResponse(Principal.local.cacheKey + "|/customers.json?_sort=monetary&_desc=1") == nil)

            let csv = try await RouteTests.get(client, "/customers.csv?country=Spain")
            let lines = csv.body.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first == "customer_id,country,segment,tier,r_score,f_score,m_score,recency_days,frequency,monetary,first_purchase,last_purchase")
            #expect(lines.count == 3_000 + 2)   // header, 3,000 Spanish customers, the final newline
            #expect(lines.dropFirst().dropLast().allSatisfy { $0.split(separator: ",")[1] == "Spain" })

            // A small table is still one cached text.
            _ = try await RouteTests.get(client, "/customers.json?_q=K599")
            #expect(store.cachedResponse(Principal.local.cacheKey + "|/customers.json?_q=K599") != nil)
        }
    }

    @Test func piecesJoinToTheWholeText() {
        var text = StreamedText()
        text.append("[")
        text.parts.append(.rows(count: 1_000, separator: ",") { String($0) })
        text.append("]")
        var pieces = StreamedText.Pieces(text, size: 100)
        var joined = "", count = 0, longest = 0
        while let p = pieces.next() {
            joined += p
            count += 1
            longest = max(longest, p.utf8.count)
        }
        #expect(joined == "[" + (0..<1_000).map(String.init).joined(separator: ",") + "]")
        #expect(joined == text.text)
        // Each piece stops at the first row that reaches the size: at most size + one row (4 digits) + a comma.
        #expect(count > 30 && longest <= 105)
    }
}
