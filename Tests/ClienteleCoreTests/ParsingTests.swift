import Foundation
import Testing
@testable import ClienteleCore

@Suite struct NumberAndDateParsingTests {
    @Test(arguments: [
        ("12", 12, 0), ("-3", -3, 0), ("+4.50", 450, 2), ("0.0001", 1, 4), ("007", 7, 0), ("  2.5 ", 25, 1),
    ])
    func decimalGrammarAccepts(text: String, mantissa: Int64, scale: Int) throws {
        let d = try #require(ParsedDecimal.parse(text))
        #expect(d.mantissa == mantissa)
        #expect(d.scale == scale)
    }

    @Test(arguments: ["", "1,000", "1e3", "NaN", "inf", ".5", "5.", "1.2.3", "--1", "12abc", "1 000", "0x10", "1234567890123456789"])
    func decimalGrammarRejects(text: String) {
        #expect(ParsedDecimal.parse(text) == nil)
    }

    @Test func moneyIsExactAndRoundsHalfToEven() {
        func product(_ q: String, _ p: String) -> Int64? {
            ParsedDecimal.productInMoneyUnits(ParsedDecimal.parse(q)!, ParsedDecimal.parse(p)!)
        }
        #expect(product("3", "0.1") == 3000)               // binary floating point would give 0.30000000000000004
        #expect(product("1", "0.00005") == 0)              // half -> even (0)
        #expect(product("1", "0.00015") == 2)              // half -> even (2)
        #expect(product("1", "0.00025") == 2)
        #expect(product("3", "0.33335") == 10000)          // 1.00005 -> 1.0000
        #expect(product("-1", "0.00015") == -2)
        #expect(product("1.5", "2.25") == 33750)           // 3.375
        #expect(product("0.001", "0.001") == 0)            // 0.000001 rounds to 0
        #expect(product("999999999999", "999999") == nil)  // too large for 64-bit units: reported, not wrapped
        #expect(Money.format(0) == "0")
        #expect(Money.format(33750) == "3.375")
        #expect(Money.format(-5000) == "-0.5")
        #expect(Money.format(1_234_500_000) == "123450")
        #expect(Money.divideRoundingHalfEven(5, by: 2) == 2)
        #expect(Money.divideRoundingHalfEven(7, by: 2) == 4)
        #expect(Money.divideRoundingHalfEven(-7, by: 2) == -4)
        #expect(Money.divideRoundingHalfEven(10, by: 3) == 3)
    }

    @Test func ratiosAreTheNearestDoubleAndPrintShortest() {
        #expect(ExactRatio.value(1, 3) == 1.0 / 3.0)
        #expect(ExactRatio.value(1, 0) == nil)
        // Operands beyond 2^53: still the double nearest the exact ratio.
        let big = Int128(1) << 100
        #expect(ExactRatio.value(big + 1, big * 3) == 1.0 / 3.0)
        #expect(ExactRatio.value(Int128(Int64.max) * 7, Int128(Int64.max) * 8) == 0.875)
        #expect(formatShortest(0.5) == "0.5")
        #expect(formatShortest(1) == "1")
        #expect(formatShortest(0.00001) == "0.00001")
        #expect(formatShortest(25.726151755681542) == "25.726151755681542")
        #expect(formatShortest(1e21) == "1000000000000000000000")
        #expect(formatRatio(nil) == "")
    }

    @Test(arguments: [
        ("2010-12-01 08:26:00", "2010-12-01"), ("2010-12-01T08:26:00", "2010-12-01"), ("2010-12-01T08:26:00Z", "2010-12-01"),
        ("2010-12-01T23:30:00+01:00", "2010-12-01"), ("2010-12-01T08:26:00.123-0500", "2010-12-01"), ("2010-12-01", "2010-12-01"),
        ("12/1/2010 8:26", "2010-12-01"), ("1/12/2011 10:05:00", "2011-01-12"), ("12/01/2010 8:26 PM", "2010-12-01"),
        ("20101201", "2010-12-01"), ("2010/12/01 08:26", "2010-12-01"), ("2012-02-29 00:00:00", "2012-02-29"),
    ])
    func timestampFormats(text: String, day: String) {
        #expect(TimestampParser().parseDay(text) == CivilDate.parseISODate(day))
    }

    @Test(arguments: ["", "not a date", "2010-13-01", "2011-02-29", "2010-12-32 08:00", "2010-12-01 25:00", "2010-12-01X08:00",
                      "13/13/2010", "12/1/10", "2010120", "N/A", "2010-12-01 08:26:00 garbage"])
    func timestampRejects(text: String) {
        #expect(TimestampParser().parseDay(text) == nil)
    }

    @Test func dayFirstSlashDates() {
        #expect(TimestampParser(dayFirst: true).parseDay("1/12/2011 10:05") == CivilDate.parseISODate("2011-12-01"))
    }

    @Test func calendarPeriods() {
        let d = { (s: String) in CivilDate.parseISODate(s)! }
        #expect(CivilDate.isoWeek(d("2020-12-31")) == (2020, 53))
        #expect(CivilDate.isoWeek(d("2021-01-03")) == (2020, 53))
        #expect(CivilDate.isoWeek(d("2021-01-04")) == (2021, 1))
        #expect(CivilDate.isoWeek(d("2019-12-30")) == (2020, 1))
        let w = CohortPeriod.week
        #expect(w.index(ofDay: d("2021-01-04")) - w.index(ofDay: d("2020-12-31")) == 1)
        #expect(w.label(ofIndex: w.index(ofDay: d("2021-01-03"))) == "2020-W53")
        #expect(w.label(ofIndex: w.index(ofDay: d("2019-12-30"))) == "2020-W01")
        #expect(CohortPeriod.month.label(ofIndex: CohortPeriod.month.index(ofDay: d("2011-12-09"))) == "2011-12")
        #expect(CohortPeriod.quarter.label(ofIndex: CohortPeriod.quarter.index(ofDay: d("2011-08-09"))) == "2011-Q3")
        #expect(CohortPeriod.month.index(ofDay: d("2011-01-01")) - CohortPeriod.month.index(ofDay: d("2010-12-31")) == 1)
        #expect(CivilDate.format(d("1969-07-20")) == "1969-07-20")
    }
}

@Suite struct CSVParsingTests {
    static let header = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"

    func load(_ text: String, options: LoadOptions = LoadOptions()) throws -> LoadedData {
        try OrderLineLoader.load(text: text, options: options)
    }

    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let text = Self.header
            + "1,A,\"comma, inside\",1,2011-01-01 10:00,2,X,UK\n"
            + "2,A,\"a \"\"quoted\"\" word\",1,2011-01-02 10:00,3,Y,UK\n"
            + "3,A,\"two\nlines\",1,2011-01-03 10:00,4,\"Z, Ltd\",\"Côte d'Ivoire\"\n"
            + "4,A,X,0,2011-01-04 10:00,5,Z,UK\n"
        let d = try load(text)
        #expect(d.report.validLines == 3)
        #expect(d.lines.customers.lookup("Z, Ltd") != nil)
        #expect(d.lines.countries.lookup("Côte d'Ivoire") != nil)
        // Line numbers count physical lines: the record after the embedded newline starts on line 6.
        #expect(d.report.examples["quantity_zero"]?.first?.line == 6)
    }

    @Test func crlfBomAndBlankLines() throws {
        let text = "\u{FEFF}" + Self.header.replacingOccurrences(of: "\n", with: "\r\n")
            + "1,A,X,1,2011-01-01 10:00,2.5,C1,UK\r\n\r\n"
            + "2,A,\"Y\",2,2011-01-02 10:00,1.25,\"C2\"\r\n"   // quoted last field before CRLF, 7 fields
            + "3,A,\"Y\",2,2011-01-02 10:00,1.25,C2,\"UK\"\r\n"
        let d = try load(text)
        #expect(d.report.layout == "Online Retail II")
        #expect(d.report.validLines == 2)
        #expect(d.report.blankLines == 1)
        #expect(d.report.invalidByReason["wrong_field_count"] == 1)
        #expect(d.lines.countries.lookup("UK") != nil)   // no stray CR kept in the value
        #expect(d.lines.countries.count == 1)
        let a = Analysis(lines: d.lines)
        #expect(a.kpis.totalRevenue == 50_000)
    }

    @Test(arguments: [(";", "semicolon"), ("\t", "tab")])
    func otherDelimiters(delimiter: String, name: String) throws {
        let rows = [
            ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"],
            ["536365", "85123A", "WHITE, HANGING", "6", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"],
            ["536366", "22633", "HAND WARMER", "6", "12/1/2010 8:28", "1.85", "17850", "United Kingdom"],
        ]
        let d = try load(rows.map { $0.joined(separator: delimiter) }.joined(separator: "\n"))
        #expect(d.report.layout == "UCI Online Retail")
        #expect(d.report.validLines == 2)
        #expect(Analysis(lines: d.lines).kpis.totalRevenue == 6 * 25_500 + 6 * 18_500)
    }

    @Test func truncatedQuotedFieldLosesOnlyThatLine() throws {
        let text = Self.header
            + "1,A,X,1,2011-01-01 10:00,2,C1,UK\n"
            + "2,A,X,1,2011-01-02 10:00,3,C2,UK\n"
            + "3,A,\"never closed,1,2011-01-03 10:00,4,C3,UK\n"
            + "4,A,X,1,2011-01-04 10:00,5,C4,UK\n"
        let d = try load(text)
        #expect(d.report.validLines == 3)   // lines 2, 3 and 5 are kept
        #expect(d.report.invalidByReason["unterminated_quoted_field"] == 1)
        #expect(d.report.examples["unterminated_quoted_field"]?.first?.line == 4)
        #expect(d.lines.customers.lookup("C4") != nil)
    }

    @Test func chunkingAndThreadsDoNotChangeAnything() throws {
        // Records with quoted newlines straddle the tiny chunk boundaries.
        var text = Self.header
        for i in 0..<400 {
            let desc = i % 7 == 0 ? "\"multi\nline, \"\"desc\"\"\"" : "PLAIN"
            let qty = i % 13 == 0 ? "0" : String(i % 5 + 1)
            text += "\(1000 + i / 3),S\(i),\(desc),\(qty),2011-0\(i % 9 + 1)-1\(i % 10) 10:00:00,\(i % 4 + 1).25,C\(i % 37),UK\n"
        }
        var small = LoadOptions(); small.chunkBytes = 50; small.workers = 2
        var single = LoadOptions(); single.workers = 1
        let a = try load(text, options: small)
        let b = try load(text, options: single)
        #expect(a.report.validLines == b.report.validLines)
        #expect(a.report.invalidByReason == b.report.invalidByReason)
        #expect(a.report.examples == b.report.examples)
        #expect(a.report.validLines + a.report.invalidLines == 400)
        let x = Analysis(lines: a.lines), y = Analysis(lines: b.lines)
        #expect(x.kpis.totalRevenue == y.kpis.totalRevenue)
        #expect(x.table.count == y.table.count)
        #expect(x.monthlyCohorts.counts == y.monthlyCohorts.counts)
    }

    @Test func genericMappingWithRevenueAndNoInvoice() throws {
        let text = """
        order_ts;client;amount;land
        2024-03-01T10:00:00Z;a@x.com;19.99;DE
        2024-03-01T12:00:00Z;a@x.com;5.01;DE
        2024-04-02T09:00:00Z;b@x.com;-3.50;FR
        2024-04-02T09:00:00Z;b@x.com;10;FR
        2024-04-03T09:00:00Z;;7;FR
        """
        let mapping = try UserMapping(parsing: "customer=client,timestamp=order_ts,revenue=amount,country=land")
        let d = try load(text, options: LoadOptions(mapping: mapping))
        #expect(d.report.layout == "custom column mapping")
        #expect(d.report.cancelledLines == 1)   // a negative amount without a quantity column is a refund
        let a = Analysis(lines: d.lines)
        #expect(a.kpis.orders == 2)             // one order per customer and day when there is no invoice column
        #expect(a.kpis.totalRevenue == 315_000) // 19.99 + 5.01 - 3.50 + 10
        #expect(a.kpis.guestRevenue == 70_000)
    }

    @Test func mappingErrorsAreClear() {
        #expect(throws: IngestError.self) { try UserMapping(parsing: "customer=c") }
        #expect(throws: IngestError.badMapping("unknown field 'colour' (fields: customer, timestamp, quantity, unit_price, revenue, invoice, country, product, currency).")) {
            try UserMapping(parsing: "customer=c,timestamp=t,revenue=r,colour=x")
        }
        let mapping = try! UserMapping(parsing: "customer=client,timestamp=ts,revenue=total")
        #expect {
            try OrderLineLoader.load(text: "client,when,total\nA,2024-01-01,3\n", options: LoadOptions(mapping: mapping))
        } throws: { error in
            guard case let .missingColumns(_, _, missing, found, _) = error as? IngestError else { return false }
            return missing == ["ts"] && found == ["client", "when", "total"]
        }
    }

    @Test func missingRequiredColumnNamesFoundAndExpected() {
        let text = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Country\n1,A,X,1,2011-01-01,2,UK\n"
        #expect {
            try OrderLineLoader.load(text: text, name: "export.csv")
        } throws: { error in
            let message = (error as? IngestError)?.description ?? ""
            return message.contains("export.csv: looks like Online Retail II")
                && message.contains("'Customer ID' is missing")
                && message.contains("Columns found: 'Invoice', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'Price', 'Country'")
        }
    }

    @Test func unknownLayoutEmptyHeaderOnlyAndGarbage() {
        func error(_ text: String) -> IngestError? {
            do { _ = try OrderLineLoader.load(text: text, name: "f.csv"); return nil } catch { return error }
        }
        if case .unknownLayout(_, let found) = error("a,b,c\n1,2,3\n") { #expect(found == ["a", "b", "c"]) } else { Issue.record("expected unknownLayout") }
        #expect(error("") == .emptyFile(file: "f.csv"))
        #expect(error("\n\n  \n") == .emptyFile(file: "f.csv"))
        if case .noValidLines(_, let read, let summary) = error(Self.header) {
            #expect(read == 0)
            #expect(summary.contains("no data lines"))
        } else { Issue.record("expected noValidLines") }
        if case .noValidLines(_, let read, let summary) = error(Self.header + "1,A,X,abc,2011-01-01,2,C1,UK\n") {
            #expect(read == 1)
            #expect(summary.contains("unparseable quantity"))
        } else { Issue.record("expected noValidLines") }
        var garbage: [UInt8] = []
        var state: UInt64 = 12345
        for _ in 0..<5000 { state = state &* 6364136223846793005 &+ 1442695040888963407; garbage.append(UInt8(truncatingIfNeeded: state >> 33)) }
        #expect(throws: IngestError.self) { try OrderLineLoader.load(source: MemorySource(garbage), name: "garbage.bin") }
    }

    @Test func unreadableFileAndCorruptGzip() throws {
        #expect(throws: IngestError.unreadable(file: "/nonexistent/x.csv", reason: "No such file or directory")) {
            try OrderLineLoader.load(paths: ["/nonexistent/x.csv"])
        }
        let gz = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("small_retail.csv.gz")))
        let truncated = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID()).csv.gz")
        try gz.prefix(gz.count / 2).write(to: truncated)
        defer { try? FileManager.default.removeItem(at: truncated) }
        #expect {
            try OrderLineLoader.load(paths: [truncated.path])
        } throws: { error in
            (error as? IngestError)?.description.contains("gzip data is truncated") ?? false
        }
    }

    @Test func hostileStringsSurviveVerbatim() throws {
        let text = Self.header + "1,A,<script>alert(1)</script>,1,2011-01-01,2,\"=HYPERLINK(\"\"x\"\")\",\"<b>&amp;</b>\"\n"
        let d = try load(text)
        #expect(d.lines.customers.lookup("=HYPERLINK(\"x\")") != nil)
        #expect(d.lines.countries.lookup("<b>&amp;</b>") != nil)
    }
}
