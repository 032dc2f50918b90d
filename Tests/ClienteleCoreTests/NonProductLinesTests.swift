import Foundation
import Testing
@testable import ClienteleCore

/// Product codes that look like non-product lines (postage, fees, adjustments) and `--exclude-products`.
@Suite struct NonProductLinesTests {
    static let header = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"

    /// 30 product codes (10001-10030), POST on A's invoice, M (+5.00 for B, -5.00 on A's C invoice), BANK CHARGES as
    /// the only line of customer C (Norway).
    static var store: String {
        var s = header
        for i in 1...15 { s += "500001,\(10000 + i),ITEM \(i),2,2023-01-05 10:00:00,1.50,A1,United Kingdom\n" }    // 45.00
        for i in 16...30 { s += "500002,\(10000 + i),ITEM \(i),1,2023-02-10 10:00:00,2.25,B2,United Kingdom\n" }   // 33.75
        s += "500001,POST,POSTAGE,2,2023-01-05 10:00:00,18.00,A1,United Kingdom\n"                                 // 36.00
        s += "500003,M,Manual,1,2023-03-01 10:00:00,5.00,B2,United Kingdom\n"                                      // +5.00
        s += "C500004,M,Manual,-1,2023-03-02 10:00:00,5.00,A1,United Kingdom\n"                                    // -5.00
        s += "500005,BANK CHARGES,Bank Charges,1,2023-03-05 10:00:00,15.00,C3,Norway\n"                            // 15.00
        return s
    }

    static func load(_ text: String, exclude: [String] = [], chunkBytes: Int? = nil) throws -> LoadedData {
        var options = LoadOptions()
        options.excludedProducts = ExcludedProducts(exclude)
        if let chunkBytes { options.chunkBytes = chunkBytes; options.workers = 2 }
        return try OrderLineLoader.load(text: text, name: "store.csv", options: options)
    }

    @Test func flagsPostageFeesAndCodesNotShapedLikeProducts() throws {
        let d = try Self.load(Self.store)
        let r = d.report
        #expect(r.productColumn == "StockCode")
        #expect(r.validLines == 34 && r.excludedProductLines == 0)
        // 30 of 33 codes have 3 digits in a row: the shape rule applies and flags M; POST and BANK CHARGES by name.
        #expect(r.productCodes.map(\.code) == ["POST", "BANK CHARGES", "M"])   // largest |net| first
        #expect(r.nonProductCodeCount == 3)
        let post = r.productCodes[0], bank = r.productCodes[1], m = r.productCodes[2]
        #expect(post.lines == 1 && post.netUnits == 360_000 && post.customerNetUnits == 360_000 && post.returnLines == 0 && !post.excluded)
        #expect(post.reason.contains("“post”"))
        #expect(bank.reason.contains("“bank”") && bank.netUnits == 150_000)
        #expect(m.lines == 2 && m.returnLines == 1 && m.netUnits == 0 && m.averageLineUnits == 50_000)
        #expect(m.reason == "not shaped like the store's product codes (30 of 33 codes have 3 or more digits in a row)")
        #expect(r.netUnits == 1_297_500)
        // Mean |line| over the 34 coded lines: (45 + 33.75 + 36 + 5 + 5 + 15) / 34 = 4.1102…
        #expect(r.averageLineUnits == 1_397_500 / 34)
        // Counted by default: three customers, C's bank charge is revenue (ANALYTICS.md counts every line).
        let a = Analysis(lines: d.lines)
        #expect(a.table.count == 3)
        #expect(a.kpis.totalRevenue == 1_297_500)
    }

    @Test func excludedCodesLeaveTheDataSetAsIfTheyWereNeverThere() throws {
        // Case and surrounding spaces do not matter; a misspelt code is listed with no line.
        let d = try Self.load(Self.store, exclude: ["post", " bank charges ", "M", "POSTAGE"])
        let r = d.report
        #expect(r.linesRead == 34 && r.validLines == 30 && r.excludedProductLines == 4 && r.invalidLines == 0)
        #expect(r.linesRead == r.validLines + r.invalidLines + r.excludedProductLines)
        #expect(r.cancelledLines == 0)   // the only cancelled line was M's
        #expect(r.netUnits == 787_500)
        #expect(r.productCodes.filter(\.excluded).map(\.code) == ["POST", "BANK CHARGES", "M", "POSTAGE"])
        let missing = try #require(r.productCodes.first { $0.code == "POSTAGE" })
        #expect(missing.lines == 0 && missing.reason.isEmpty)
        let a = Analysis(lines: d.lines)
        // C's only line was the bank charge: C is not a customer; Norway is not a country of the data set.
        #expect(a.table.count == 2)
        #expect(a.kpis.orders == 2)
        #expect(a.kpis.totalRevenue == 787_500)
        #expect(d.lines.countries.count == 1)
        #expect(d.lines.invoices.count == 2)
    }

    @Test func chunkingDoesNotChangeTheCounts() throws {
        let whole = try Self.load(Self.store, exclude: ["POST"])
        let chunked = try Self.load(Self.store, exclude: ["POST"], chunkBytes: 100)
        #expect(chunked.report.productCodes == whole.report.productCodes)
        #expect(chunked.report.excludedProductLines == 1 && chunked.report.validLines == 33)
        #expect(chunked.report.netUnits == whole.report.netUnits)
    }

    @Test func storesWhoseCodesAreNotNumericGetNoShapeFlags() throws {
        // Alphabetic SKUs: the shape rule does not apply; POSTCARD and FEEDER are products, not postage or fees.
        var s = Self.header
        let names = ["MUG-BLUE", "MUG-RED", "POSTCARD-SET", "TOTE-BAG", "FEEDER", "CANDLE", "LAMP", "VASE", "RUG", "PLATE",
                     "BOWL", "CUP", "JAR", "TIN", "BOX", "BAG", "PEN", "INK", "PAD", "MAP", "KEY", "HAT"]
        for (i, n) in names.enumerated() { s += "6000\(i),\(n),X,1,2023-01-0\(1 + i % 9) 10:00:00,3.00,K\(i),France\n" }
        let d = try Self.load(s)
        #expect(d.report.productCodes.isEmpty && d.report.nonProductCodeCount == 0)
        // Numeric codes only: nothing to flag either.
        var n = Self.header
        for i in 1...25 { n += "7000\(i),\(20000 + i),X,1,2023-01-05 10:00:00,3.00,K\(i),France\n" }
        #expect(try Self.load(n).report.productCodes.isEmpty)
        // Fewer than 20 codes: the shape rule does not apply, names still count.
        var few = Self.header
        for i in 1...10 { few += "8000\(i),\(30000 + i),X,1,2023-01-05 10:00:00,3.00,K\(i),France\n" }
        few += "80011,M,Manual,1,2023-01-05 10:00:00,3.00,K1,France\n80012,AMAZONFEE,Fee,1,2023-01-05 10:00:00,3.00,K1,France\n"
        #expect(try Self.load(few).report.productCodes.map(\.code) == ["AMAZONFEE"])
    }

    @Test func exclusionWithoutAProductColumnIsAClearError() throws {
        let text = "order,customer,date,amount\nA1,K1,2023-01-05,12.50\n"
        var options = LoadOptions(mapping: try UserMapping(parsing: "invoice=order,customer=customer,timestamp=date,revenue=amount"))
        options.excludedProducts = ExcludedProducts(parsing: "POST")
        #expect {
            try OrderLineLoader.load(text: text, name: "shop.csv", options: options)
        } throws: { error in
            "\(error)".contains("shop.csv has no product-code column") && "\(error)".contains("--map product=COLUMN")
        }
        // With the column mapped (`sku` is an alias of product) the line is left out.
        let mapped = "order,sku,customer,date,amount\nA1,SHIPPING,K1,2023-01-05,4.95\nA1,ABC123,K1,2023-01-05,12.50\n"
        options.mapping = try UserMapping(parsing: "invoice=order,customer=customer,timestamp=date,revenue=amount,sku=sku")
        options.excludedProducts = ExcludedProducts(parsing: "shipping")
        let d = try OrderLineLoader.load(text: mapped, name: "shop.csv", options: options)
        #expect(d.report.validLines == 1 && d.report.excludedProductLines == 1 && d.report.netUnits == 125_000)
        #expect(d.report.productCodes.first?.reason.contains("“shipping”") == true)
    }

    @Test func theWholesaleProfileFlagsItsFeeAndAdjustmentCodesAndNoProduct() throws {
        let d = try DemoData.load(lines: 40_000, profile: .wholesale)
        let flagged = Set(d.report.productCodes.map(\.code))
        #expect(flagged.isSubset(of: ["POST", "M", "BANK CHARGES", "AMAZONFEE"]))
        #expect(flagged.isSuperset(of: ["POST", "M"]))
        // The rules file carries the same list.
        let rules = try JSONDecoder().decode(RecommendationConfig.self, from: Data(#"{"exclude_products": ["POST", "M"]}"#.utf8))
        #expect(rules.excludeProducts == ["POST", "M"])
        var options = LoadOptions()
        options.excludedProducts = ExcludedProducts(rules.excludeProducts)
        let left = try DemoData.load(lines: 40_000, profile: .wholesale, options: options)
        let removed = d.report.productCodes.filter { ["POST", "M"].contains($0.code) }
        #expect(left.report.excludedProductLines == removed.reduce(0) { $0 + $1.lines })
        #expect(left.report.netUnits == d.report.netUnits - removed.reduce(Int64(0)) { $0 + $1.netUnits })
    }
}
