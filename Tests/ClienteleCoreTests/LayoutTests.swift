import Foundation
import Testing
@testable import ClienteleCore

@Suite struct CDNOWTests {
    @Test func sampleLoadsWithEveryLineAndCustomer() throws {
        let d = try OrderLineLoader.load(paths: [Fixture.path("CDNOW_sample.txt")])
        #expect(d.report.layout == "CDNOW 1/10 sample (with sample index)")
        #expect(d.report.linesRead == 6919)
        #expect(d.report.validLines == 6919)   // 8 lines of $0.00 are free purchases and count
        let a = Analysis(lines: d.lines)
        #expect(a.table.count == 2357)
        // Total revenue equals the sum of the dollar values, computed independently here.
        var expected: Int64 = 0
        for line in Fixture.text("CDNOW_sample.txt").split(whereSeparator: \.isNewline) {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\r" })
            expected += ParsedDecimal.parse(String(f[4]))!.moneyUnits!
        }
        #expect(a.kpis.totalRevenue == expected)
        #expect(a.asOf == CivilDate.parseISODate("1998-07-01"))
        // Cohorts: the sample holds customers who first bought in 1997-Q1.
        #expect(a.monthlyCohorts.labels == ["1997-01", "1997-02", "1997-03"])
        #expect(a.quarterlyCohorts.sizes == [2357])
    }

    @Test func fourColumnVariant() throws {
        let text = "00001 19970101 1 11.77\n00002 19970112 1 12.00\n00002 19970112 5 77.00\n00003 19970102 2 20.76\n00003 19970330 2 20.76\n"
        let d = try OrderLineLoader.load(text: text, name: "cdnow.txt")
        #expect(d.report.layout == "CDNOW")
        let a = Analysis(lines: d.lines)
        #expect(a.table.count == 3)
        #expect(a.kpis.orders == 4)   // customer 2's two lines of one day are one order
        #expect(a.kpis.totalRevenue == 1_422_900)
    }
}

@Suite struct OlistTests {
    @Test func threeFilesAreJoinedOnCustomerUniqueID() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("olist-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let orders = """
        "order_id","customer_id","order_status","order_purchase_timestamp","order_approved_at","order_delivered_carrier_date","order_delivered_customer_date","order_estimated_delivery_date"
        o1,c1,delivered,2017-10-02 10:56:33,,,,
        o2,c2,delivered,2018-01-05 08:00:00,,,,
        o3,c3,canceled,2018-02-01 09:00:00,,,,
        o4,c4,delivered,2018-03-01 09:00:00,,,,
        """
        let customers = """
        "customer_id","customer_unique_id","customer_zip_code_prefix","customer_city","customer_state"
        c1,u1,3149,sao paulo,SP
        c2,u1,3149,sao paulo,RJ
        c3,u2,1000,rio,RJ
        c4,u3,1000,rio,MG
        """
        let items = """
        "order_id","order_item_id","product_id","seller_id","shipping_limit_date","price","freight_value"
        o1,1,p1,s1,2017-10-06 11:07:15,29.99,8.72
        o1,2,p2,s1,2017-10-06 11:07:15,10.01,8.72
        o2,1,p1,s1,2018-01-09 11:07:15,50.00,5.00
        o3,1,p3,s2,2018-02-05 11:07:15,99.00,5.00
        o9,1,p3,s2,2018-02-05 11:07:15,99.00,5.00
        o4,1,p3,s2,2018-03-05 11:07:15,0.00,5.00
        """
        for (name, text) in [("olist_orders_dataset.csv", orders), ("olist_customers_dataset.csv", customers), ("olist_order_items_dataset.csv", items)] {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let paths = ["olist_order_items_dataset.csv", "olist_orders_dataset.csv", "olist_customers_dataset.csv"].map { dir.appendingPathComponent($0).path }
        let d = try OrderLineLoader.load(paths: paths)
        #expect(d.report.layout == "Olist (orders + customers + order items)")
        #expect(d.report.cancelledLines == 1)   // o3 is canceled: skipped, counted as cancelled
        #expect(d.report.invalidByReason["order_not_in_orders_file"] == 1)
        #expect(d.report.invalidByReason["unit_price_not_positive"] == 1)
        let a = Analysis(lines: d.lines)
        #expect(a.table.count == 1)              // u1 (two Olist customer_ids, one person)
        let u1 = try #require(a.row("u1"))
        #expect(a.table.frequency[u1] == 2)
        #expect(a.table.monetary[u1] == 900_000)  // 29.99 + 10.01 + 50, freight excluded
        #expect(a.table.countryName(u1) == "RJ")  // state of the latest order
        #expect(throws: IngestError.self) { try OrderLineLoader.load(paths: Array(paths.prefix(2))) }
    }
}
