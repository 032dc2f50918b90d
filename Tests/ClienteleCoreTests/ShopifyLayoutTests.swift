import Foundation
import Testing
@testable import ClienteleCore

/// The Shopify orders export (Fixtures/shopify_orders.csv: the real 79 columns in their real order; order-level
/// fields only on each order's first line). Expected values computed by hand:
///
/// | order | customer | status | lines (qty × price) | read as |
/// |---|---|---|---|---|
/// | #1001 | alice | paid, EUR, 2024-03-05 +0100, DE | 2 × 10, 1 × 5.50 | order, 25.50 |
/// | #1002 | bob | paid, 2024-03-06 23:30 -0500, billing country blank, shipping FR | 1 × 40 | order, 40 (dated 03-06, not 03-07 UTC) |
/// | #1003 | alice | refunded | 3 × 7, 1 × 4 | 2 cancelled lines, net 0 |
/// | #1004 | carol | voided | 1 × 99 | 1 cancelled line, net 0: carol excluded |
/// | #1005 | bob | partially_refunded, refunded 15 | 2 × 20, 1 × 10 | order, 50 - 15 = 35 |
/// | #1006 | (guest) | paid | 1 × 12, 1 × 3 | guest, 15 |
/// | #1007 | dave | paid, USD | 1 × 30 | order, 30 (the one line in another currency) |
/// | #1008 | alice | paid, 2024-05-01 | 4 × (2 × 2.50) | order, 20 |
/// | #1009 | erin | paid but Cancelled at set | 1 × 8 | 1 cancelled line, net 0: erin excluded |
///
/// alice 45.50 (2 orders, 2024-03-05 .. 2024-05-01), bob 75 (2 orders, 2024-03-06 .. 2024-04-10), dave 30 (1 order);
/// total 150.50 over 5 orders; guest revenue 15.
@Suite struct ShopifyLayoutTests {
    static let text = Fixture.text("shopify_orders.csv")

    /// Loads the fixture. With `trickle`, the source gives at most that many bytes per read: the loader's first read
    /// (64 KB) would otherwise hold the whole file in one chunk whatever `chunkBytes` is.
    static func load(chunkBytes: Int = 4 << 20, workers: Int = 2, trickle: Int? = nil) throws -> LoadedData {
        var options = LoadOptions(validDays: 0...30_000)
        options.chunkBytes = chunkBytes
        options.workers = workers
        let source: any ByteSource = trickle.map { TrickleSource(inner: MemorySource(text), most: $0) } ?? MemorySource(text)
        return try OrderLineLoader.load(source: source, name: "shopify_orders.csv", options: options)
    }

    struct TrickleSource: ByteSource {
        var inner: MemorySource
        let most: Int
        var totalBytes: Int? { inner.totalBytes }
        var bytesConsumed: Int { inner.bytesConsumed }
        mutating func read(into buffer: inout [UInt8], maxCount: Int) throws(IngestError) -> Int {
            try inner.read(into: &buffer, maxCount: min(maxCount, most))
        }
    }

    @Test func headerInRealOrderIsDetected() throws {
        let header = Self.text.prefix { $0 != "\n" }.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(header.count == 79)
        #expect(header.prefix(3) == ["Name", "Email", "Financial Status"])
        #expect(header.last == "Payment References")
        let d = try Self.load()
        #expect(d.report.layout == "Shopify orders export")
        #expect(d.report.productColumn == "Lineitem sku")
    }

    @Test func ordersRefundsCurrenciesAndGuests() throws {
        let d = try Self.load()
        let r = d.report
        #expect(r.linesRead == 16)
        #expect(r.invalidLines == 0)                 // continuation lines got Created at from their order's first line
        #expect(r.validLines == 16)                  // the partial refund's adjustment is not a line read
        #expect(r.cancelledLines == 4)               // #1003 (2 lines), #1004, #1009
        #expect(r.guestLines == 2)                   // both lines of #1006: the blank Email is not bob's from #1005
        #expect(r.reversedOrders == 3)
        #expect(r.reversedLines == 4)
        #expect(r.reversedUnits == Fixture.units("132"))
        #expect(r.refundAdjustments == 1)            // once per order, not once per line of #1005
        #expect(r.refundAdjustmentUnits == Fixture.units("15"))
        #expect(d.currency == "EUR")
        #expect(r.currency == "EUR")
        #expect(r.currencyLines == ["EUR": 15, "USD": 1])
        #expect(r.otherCurrencyLines == 1)
        #expect(r.orderStatusSentences.contains { $0.contains("1 valid line is not in EUR") })

        let a = Analysis(lines: d.lines)
        #expect(a.table.count == 3)
        #expect(a.kpis.orders == 5)                  // refunded, voided and cancelled orders are not orders
        #expect(a.kpis.totalRevenue == Fixture.units("150.5"))
        #expect(a.kpis.guestRevenue == Fixture.units("15"))
        #expect(a.table.excludedCustomers == 2)      // carol (voided) and erin (cancelled): cancellations only
        #expect(a.table.excludedCustomerRevenue == 0)
        let expected: [(String, String, Int32, String, String)] = [
            ("alice@example.com", "45.5", 2, "2024-03-05", "2024-05-01"),
            ("bob@example.com", "75", 2, "2024-03-06", "2024-04-10"),
            ("dave@example.com", "30", 1, "2024-04-12", "2024-04-12"),
        ]
        for (id, revenue, orders, first, last) in expected {
            let row = try #require(a.row(id), "\(id)")
            #expect(a.table.monetary[row] == Fixture.units(revenue), "\(id)")
            #expect(a.table.frequency[row] == orders, "\(id)")
            #expect(Int(a.table.firstPurchase[row]) == Fixture.day(first), "\(id)")
            #expect(Int(a.table.lastPurchase[row]) == Fixture.day(last), "\(id)")
        }
        #expect(a.row("carol@example.com") == nil)
        // #1002 has no billing country: Shipping Country is used.
        let countries = lineCountries(d.lines, invoice: "#1002")
        #expect(countries == ["FR"])
        #expect(lineCountries(d.lines, invoice: "#1008") == ["DE", "DE", "DE", "DE"])
    }

    @Test(arguments: [16, 64, 250, 700, 1_500, 3_000])
    func resultsDoNotDependOnTheChunkSize(chunkBytes: Int) throws {
        let whole = try Self.load(workers: 1)
        let small = try Self.load(chunkBytes: chunkBytes, workers: 2, trickle: 97)
        for d in [whole, small] {
            #expect(d.report.validLines == 16 && d.report.invalidLines == 0)
        }
        #expect(small.report.cancelledLines == whole.report.cancelledLines)
        #expect(small.report.guestLines == whole.report.guestLines)
        #expect(small.report.refundAdjustments == 1)
        #expect(small.report.reversedOrders == 3)
        #expect(small.report.currencyLines == whole.report.currencyLines)
        let a = Analysis(lines: small.lines), b = Analysis(lines: whole.lines)
        #expect(a.kpis.totalRevenue == Fixture.units("150.5"))
        #expect(a.kpis.guestRevenue == b.kpis.guestRevenue)
        #expect(a.kpis.orders == 5)
        for id in ["alice@example.com", "bob@example.com", "dave@example.com"] {
            let x = try #require(a.row(id)), y = try #require(b.row(id))
            #expect(a.table.monetary[x] == b.table.monetary[y])
            #expect(a.table.frequency[x] == b.table.frequency[y])
            #expect(a.table.firstPurchase[x] == b.table.firstPurchase[y])
        }
    }

    @Test func shopifyOffsetKeepsTheLocalDate() {
        let p = TimestampParser()
        #expect(p.parseDay("2024-03-06 23:30:00 -0500") == Fixture.day("2024-03-06"))   // 2024-03-07 in UTC
        #expect(p.parseDay("2024-03-05 00:10:00 +0100") == Fixture.day("2024-03-05"))   // 2024-03-04 in UTC
        #expect(p.parseDay("2024-03-05 14:22:10 +") == nil)
    }

    @Test func currencyFieldInAMapping() throws {
        let text = """
        order,who,when,qty,price,cur
        1,a,2024-01-02,1,10,eur
        2,b,2024-01-03,1,10,GBP
        3,b,2024-01-04,1,10,GBP
        4,c,2024-01-05,1,10,
        """
        let mapping = try UserMapping(parsing: "invoice=order,customer=who,timestamp=when,quantity=qty,unit_price=price,currency=cur")
        let d = try OrderLineLoader.load(text: text, options: LoadOptions(mapping: mapping, validDays: 0...30_000))
        #expect(d.currency == "GBP")
        #expect(d.report.otherCurrencyLines == 2)   // "eur" and the blank one
        #expect(d.report.currencyLines["eur"] == 1)
        // Without a currency column, nothing is said.
        let plain = try OrderLineLoader.load(text: text, options: LoadOptions(mapping: try UserMapping(parsing: "customer=who,timestamp=when,revenue=price"), validDays: 0...30_000))
        #expect(plain.currency == nil && plain.report.currencyLines.isEmpty && plain.report.orderStatusSentences.isEmpty)
    }

    func lineCountries(_ lines: OrderLines, invoice: String) -> [String] {
        guard let code = lines.invoices.lookup(invoice) else { return [] }
        var out: [String] = []
        for chunk in lines.chunks {
            for i in 0..<chunk.count where chunk.invoice[i] == code {
                out.append(chunk.country[i] < 0 ? "" : lines.countries.string(chunk.country[i]))
            }
        }
        return out
    }
}

@Suite struct ColumnGuesserTests {
    func guess(_ text: String) -> ColumnGuesser.Guess {
        let s = ColumnGuesser.sample(bytes: Array(text.utf8))
        return ColumnGuesser.guess(header: s.header, rows: s.rows)
    }

    @Test func shopifyLikeCustomExportNeverTakesTheOrderTotalAsPrice() throws {
        let text = """
        id,name,email,processed_at,created_at,financial_status,total_price,quantity,price,sku,currency,shipping_country
        1,#1001,a@x.com,2024-03-06 10:00:00 +0100,2024-03-05 14:22:10 +0100,paid,35.50,2,10.00,MUG,EUR,DE
        2,#1001,a@x.com,2024-03-06 10:00:00 +0100,2024-03-05 14:22:10 +0100,paid,35.50,1,15.50,TEA,EUR,DE
        3,#1002,b@x.com,2024-03-07 10:00:00 +0100,2024-03-06 10:00:00 +0100,paid,40.00,1,40.00,KET,EUR,FR
        4,#1003,a@x.com,2024-04-02 10:00:00 +0100,2024-04-01 10:00:00 +0100,paid,12.00,3,4.00,CUP,EUR,DE
        """
        let g = guess(text)
        #expect(g.column("invoice") == "name")            // values like #1001, repeated over the order's lines
        #expect(g.column("customer") == "email")
        #expect(g.column("timestamp") == "created_at")    // not processed_at
        #expect(g.column("quantity") == "quantity")
        #expect(g.column("unit_price") == "price")
        #expect(g.column("revenue") == nil)
        #expect(g.column("product") == "sku")
        #expect(g.column("currency") == "currency")
        #expect(g.column("country") == "shipping_country")
        #expect(g.reason("customer") == "customer: email — 2 distinct values, looks like e-mail addresses")
        #expect(g.reason("invoice")?.contains("like #1001") == true)
        // Without a unit price column, the order total is still not taken (as price or line amount).
        let noPrice = guess(text.replacingOccurrences(of: ",price,", with: ",colour,"))
        #expect(noPrice.column("unit_price") == nil)
        #expect(noPrice.column("revenue") == nil)
        #expect(noPrice.mapping == nil)
        // The guess loads to the right revenue: 2 × 10 + 15.50 + 40 + 3 × 4.
        let d = try OrderLineLoader.load(text: text, options: LoadOptions(mapping: try #require(g.mapping), validDays: 0...30_000))
        #expect(Analysis(lines: d.lines).kpis.totalRevenue == Fixture.units("87.5"))
        #expect(d.currency == "EUR")
    }

    @Test func wooCommerceExport() {
        let g = guess("""
        Order ID,Order Number,Order Date,Order Status,Customer Email (Billing),Billing Country,Item #,SKU,Item Name,Quantity (- Refund),Item Cost,Order Total Amount
        101,101,2024-03-01 10:00,completed,x@y.com,GB,1,AB1,Thing,2,5.00,19.00
        101,101,2024-03-01 10:00,completed,x@y.com,GB,2,AB2,Other,1,9.00,19.00
        102,102,2024-03-02 11:00,completed,z@y.com,GB,1,AB1,Thing,1,5.00,5.00
        """)
        #expect(g.column("invoice") == "Order ID")
        #expect(g.column("customer") == "Customer Email (Billing)")
        #expect(g.column("timestamp") == "Order Date")
        #expect(g.column("quantity") == "Quantity (- Refund)")
        #expect(g.column("unit_price") == "Item Cost")
        #expect(g.column("revenue") == nil)
        #expect(g.column("product") == "SKU")
        #expect(g.column("country") == "Billing Country")
        #expect(g.mapping != nil)
    }

    @Test func genericExportWithLineTotal() throws {
        let text = """
        order_no,contact,order_date,product,qty,total,amount
        A1,c1@shop.example,2024-01-02,P1,2,35.00,20.00
        A1,c1@shop.example,2024-01-02,P2,1,35.00,15.00
        A2,c2@shop.example,2024-01-05,P1,1,10.00,10.00
        A3,c1@shop.example,2024-02-01,P3,3,33.00,30.00
        A3,c1@shop.example,2024-02-01,P4,1,33.00,3.00
        """
        let g = guess(text)
        #expect(g.column("customer") == "contact")        // from the values: e-mail addresses
        #expect(g.column("invoice") == "order_no")
        #expect(g.column("timestamp") == "order_date")
        #expect(g.column("quantity") == "qty")
        #expect(g.column("unit_price") == nil)
        #expect(g.column("revenue") == "amount")          // `total` holds one value per order: an order total
        let d = try OrderLineLoader.load(text: text, options: LoadOptions(mapping: try #require(g.mapping), validDays: 0...30_000))
        #expect(Analysis(lines: d.lines).kpis.totalRevenue == Fixture.units("78"))
        let lineTotal = guess("""
        order_id,customer_id,created_at,qty,line_total,order_total
        A1,C1,2024-01-02,2,20.00,35.00
        A1,C1,2024-01-02,1,15.00,35.00
        A2,C2,2024-01-05,1,10.00,10.00
        """)
        #expect(lineTotal.column("revenue") == "line_total")
        #expect(lineTotal.column("customer") == "customer_id")
        #expect(lineTotal.mapText == "customer=customer_id,timestamp=created_at,quantity=qty,revenue=line_total,invoice=order_id")
    }

    @Test func semicolonFile() {
        let text = "Kunde;Datum;Bestellnummer;Menge;Preis;Land\nK1;2024-01-02;B1;2;3.50;DE\nK1;2024-01-02;B1;1;2.00;DE\nK2;2024-01-03;B2;1;9.99;AT\n"
        let s = ColumnGuesser.sample(bytes: Array(text.utf8))
        #expect(s.header.count == 6 && s.rows.count == 3)
        let g = ColumnGuesser.guess(header: s.header, rows: s.rows)
        #expect(g.column("customer") == "Kunde")
        #expect(g.column("timestamp") == "Datum")
        #expect(g.column("invoice") == "Bestellnummer")
        #expect(g.column("quantity") == "Menge")
        #expect(g.column("unit_price") == "Preis")
        #expect(g.column("country") == "Land")
        let english = guess("customer;date;order;quantity;unit_price\nc1;2024-01-02;o1;1;2.5\n")
        #expect(english.mapText == "customer=customer,timestamp=date,quantity=quantity,unit_price=unit_price,invoice=order")
    }

    @Test func aCutSampleDropsItsLastRecord() {
        let s = ColumnGuesser.sample(bytes: Array("a,b\n1,2\n3,\"4".utf8), complete: false)
        #expect(s.rows == [["1", "2"]])
    }
}
