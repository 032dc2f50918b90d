import Foundation
import Testing
@testable import ClienteleCore

/// One parsed data line of the generator's output.
private struct DemoGenRow {
    var invoice: String
    var stockCode: String
    var description: String
    var quantity: String
    var invoiceDate: String
    var price: String
    var customerID: String
    var country: String
    /// True when a field was quoted (RFC 4180).
    var quoted: Bool

    var isCancellation: Bool { invoice.hasPrefix("C") }
    var isValid: Bool {
        guard let q = Int(quantity), q != 0, invoiceDate.count == 19, let p = Double(price), p > 0 else { return false }
        return true
    }
}

/// A strict RFC 4180 reader for LF-terminated records; records `malformed` for anything it would have to guess.
private struct DemoGenCSV {
    var records: [[String]] = []
    var quotedRecord: [Bool] = []
    var malformed = 0

    init(_ bytes: [UInt8]) {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(10)
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false, wasQuoted = false, anyQuoted = false
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < bytes.count && bytes[i + 1] == quote {
                        field.append(quote); i += 1
                    } else {
                        inQuotes = false
                        if i + 1 < bytes.count && bytes[i + 1] != comma && bytes[i + 1] != lf { malformed += 1 }
                    }
                } else {
                    field.append(b)
                }
            } else if b == quote {
                if field.isEmpty && !wasQuoted { inQuotes = true; wasQuoted = true; anyQuoted = true } else { malformed += 1 }
            } else if b == comma {
                endField()
            } else if b == lf {
                endField()
                records.append(fields); quotedRecord.append(anyQuoted)
                fields.removeAll(keepingCapacity: true); anyQuoted = false
            } else {
                if b == 13 { malformed += 1 }
                field.append(b)
            }
            i += 1
        }
        if inQuotes || !field.isEmpty || !fields.isEmpty { malformed += 1 }
    }

    var header: [String] { records.first ?? [] }

    var rows: [DemoGenRow] {
        records.dropFirst().enumerated().map { i, f in
            DemoGenRow(invoice: f[0], stockCode: f[1], description: f[2], quantity: f[3], invoiceDate: f[4],
                       price: f[5], customerID: f[6], country: f[7], quoted: quotedRecord[i + 1])
        }
    }
}

/// Line feeds outside quoted fields: the number of records.
private func demoGenRecordCount(_ bytes: [UInt8]) -> Int {
    var inQuotes = false
    var count = 0
    for b in bytes {
        if b == UInt8(ascii: "\"") { inQuotes.toggle() } else if b == 10 && !inQuotes { count += 1 }
    }
    return count
}

private enum DemoGenSamples {
    static let bytes50k = DemoDataGenerator(seed: 42).bytes(lines: 50_000)
    static let csv50k = DemoGenCSV(bytes50k)
    static let rows50k = csv50k.rows
    static let rows200k = DemoGenCSV(DemoDataGenerator(seed: 7).bytes(lines: 200_000)).rows
}

@Suite("DemoDataGenerator")
struct DemoDataGeneratorTests {
    @Test func sameSeedGivesIdenticalBytesAndDifferentSeedsDiffer() {
        let a = DemoDataGenerator(seed: 7).bytes(lines: 20_000)
        let b = DemoDataGenerator(seed: 7).bytes(lines: 20_000)
        let c = DemoDataGenerator(seed: 8).bytes(lines: 20_000)
        #expect(a == b)
        #expect(a != c)
        #expect(DemoDataGenerator(seed: 7).bytes(lines: 5) == DemoDataGenerator(seed: 7).bytes(lines: 5))
    }

    @Test func writesInChunksOfAboutOneMegabyte() {
        var chunks: [Int] = []
        var all: [UInt8] = []
        DemoDataGenerator(seed: 42).write(lines: 50_000) { chunk in
            chunks.append(chunk.count)
            all.append(contentsOf: chunk)
        }
        #expect(all == DemoGenSamples.bytes50k)
        #expect(chunks.count >= 3)
        for size in chunks.dropLast() {
            #expect(size >= DemoDataGenerator.chunkSize && size < DemoDataGenerator.chunkSize + 1024)
        }
        #expect(chunks.last! <= DemoDataGenerator.chunkSize + 1024)
    }

    @Test(arguments: [0, 1, 2, 3, 7, 29, 31, 100, 1_234, 20_000])
    func exactLineCount(lines: Int) {
        let bytes = DemoDataGenerator(seed: 3).bytes(lines: lines)
        #expect(demoGenRecordCount(bytes) == lines + 1)
        #expect(bytes.last == 10)
        let csv = DemoGenCSV(bytes)
        #expect(csv.malformed == 0)
        #expect(csv.records.count == lines + 1)
    }

    @Test func exactLineCountForOtherSpans() {
        for (days, lines) in [(1, 500), (7, 1), (31, 3_000), (365, 10_001)] {
            let bytes = DemoDataGenerator(seed: 11, start: (2011, 1, 1), days: days).bytes(lines: lines)
            #expect(demoGenRecordCount(bytes) == lines + 1, "days \(days) lines \(lines)")
        }
    }

    @Test func headerIsExact() {
        let empty = DemoDataGenerator().bytes(lines: 0)
        #expect(String(decoding: empty, as: UTF8.self)
            == "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n")
        #expect(DemoGenSamples.csv50k.header
            == ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"])
    }

    @Test func everyLineHasEightFieldsAndQuotingIsCorrect() {
        let csv = DemoGenSamples.csv50k
        #expect(csv.malformed == 0)
        #expect(csv.records.count == 50_001)
        #expect(csv.records.allSatisfy { $0.count == 8 })
        let rows = DemoGenSamples.rows50k
        // Some descriptions need quoting, and they are quoted; nothing else is.
        let withComma = rows.filter { $0.description.contains(",") }
        let withQuote = rows.filter { $0.description.contains("\"") }
        #expect(!withComma.isEmpty)
        #expect(!withQuote.isEmpty)
        #expect(rows.allSatisfy { $0.quoted == ($0.description.contains(",") || $0.description.contains("\"")) })
        #expect(Double(withComma.count + withQuote.count) / Double(rows.count) < 0.05)
        // Raw bytes: a doubled quote inside a quoted field.
        let text = String(decoding: DemoGenSamples.bytes50k, as: UTF8.self)
        #expect(text.contains("\"\""))
        #expect(!text.contains("\r"))
    }

    @Test func fieldsLookLikeOnlineRetail() {
        let rows = DemoGenSamples.rows50k
        for row in rows.prefix(5_000) {
            let digits = row.isCancellation ? row.invoice.dropFirst() : Substring(row.invoice)
            #expect(digits.count == 6 && digits.allSatisfy(\.isNumber), "\(row.invoice)")
            #expect(row.customerID.isEmpty || (row.customerID.count == 5 && Int(row.customerID) != nil))
            #expect(!row.stockCode.isEmpty && !row.description.isEmpty && !row.country.isEmpty)
            // Prices: two decimals.
            let parts = row.price.split(separator: ".")
            #expect(parts.count == 2 && parts[1].count == 2 && Int(parts[0]) != nil && Int(parts[1]) != nil)
        }
        #expect(Set(rows.map(\.stockCode)).count > 1_000)
        #expect(Set(rows.map(\.stockCode)).count <= 4_000)
        let uppercase = rows.filter { $0.description == $0.description.uppercased() }.count
        #expect(uppercase == rows.count)
    }

    @Test func datesAreChronologicalAndInsideTheSpan() {
        // 2009-12-01 + 730 days = 2011-12-01 (exclusive).
        for (rows, start, end) in [(DemoGenSamples.rows50k, "2009-12-01", "2011-12-01")] {
            var last = ""
            var checked = 0
            for row in rows where row.invoiceDate.count == 19 {
                #expect(row.invoiceDate >= last, "\(row.invoiceDate) after \(last)")
                last = row.invoiceDate
                checked += 1
            }
            #expect(checked > rows.count * 99 / 100)
            let dates = rows.map(\.invoiceDate).filter { $0.count == 19 }
            #expect(dates.first! >= start && dates.last! < end)
            // Both years are covered.
            #expect(dates.first!.hasPrefix("2009-12"))
            #expect(dates.last!.hasPrefix("2011-11"))
        }
        // Another span.
        let rows = DemoGenCSV(DemoDataGenerator(seed: 5, start: (2011, 1, 1), days: 31).bytes(lines: 3_000)).rows
        let dates = rows.map(\.invoiceDate).filter { $0.count == 19 }
        #expect(dates == dates.sorted())
        #expect(dates.allSatisfy { $0.hasPrefix("2011-01-") })
        #expect(dates.allSatisfy { $0.hasSuffix(":00") })
    }

    @Test func invoiceNumbersIncreaseAndInvoicesAreContiguous() {
        let rows = DemoGenSamples.rows50k
        var seen = Set<String>()
        var previousNumber = 0
        var previousInvoice = ""
        for row in rows where row.invoice != previousInvoice {
            #expect(!seen.contains(row.invoice), "invoice \(row.invoice) is split")
            seen.insert(row.invoice)
            let number = Int(row.isCancellation ? String(row.invoice.dropFirst()) : row.invoice)!
            #expect(number > previousNumber)
            previousNumber = number
            previousInvoice = row.invoice
        }
        #expect(rows.first!.invoice == "489434")
        // 1 to 30 lines per invoice, several on average.
        var lines: [String: Int] = [:]
        for row in rows { lines[row.invoice, default: 0] += 1 }
        #expect(lines.values.allSatisfy { (1...30).contains($0) })
        let mean = Double(rows.count) / Double(lines.count)
        #expect(mean > 2.5 && mean < 12)
        #expect(lines.values.contains { $0 >= 20 })
    }

    @Test func guestAndCancellationSharesArePlausible() {
        let rows = DemoGenSamples.rows50k
        var invoices: [String: DemoGenRow] = [:]
        for row in rows where invoices[row.invoice] == nil { invoices[row.invoice] = row }
        let n = Double(invoices.count)
        let guestInvoices = Double(invoices.values.filter { $0.customerID.isEmpty }.count) / n
        let cancelInvoices = Double(invoices.values.filter(\.isCancellation).count) / n
        let guestLines = Double(rows.filter { $0.customerID.isEmpty }.count) / Double(rows.count)
        let cancelLines = Double(rows.filter(\.isCancellation).count) / Double(rows.count)
        #expect(guestInvoices > 0.15 && guestInvoices < 0.25, "guest invoices \(guestInvoices)")
        #expect(guestLines > 0.05 && guestLines < 0.30, "guest lines \(guestLines)")
        #expect(cancelInvoices > 0.012 && cancelInvoices < 0.03, "cancelled invoices \(cancelInvoices)")
        #expect(cancelLines > 0.002 && cancelLines < 0.03, "cancelled lines \(cancelLines)")
        // Cancellations: a customer's, with negative quantities; everything else positive.
        for row in rows where Int(row.quantity) != nil && Int(row.quantity) != 0 {
            if row.isCancellation {
                #expect(Int(row.quantity)! < 0 && !row.customerID.isEmpty)
            } else {
                #expect(Int(row.quantity)! > 0)
            }
        }
    }

    @Test func cancellationsAreOfTheCustomersEarlierProducts() {
        var bought: [String: Set<String>] = [:]
        var checked = 0
        for row in DemoGenSamples.rows50k {
            if row.isCancellation {
                #expect(bought[row.customerID]?.contains(row.stockCode) == true,
                        "\(row.invoice) cancels \(row.stockCode) never bought by \(row.customerID)")
                checked += 1
            } else if !row.customerID.isEmpty {
                bought[row.customerID, default: []].insert(row.stockCode)
            }
        }
        #expect(checked > 50)
    }

    @Test func customersScaleWithLines() {
        for rows in [DemoGenSamples.rows50k, DemoGenSamples.rows200k] {
            let customers = Set(rows.filter { !$0.customerID.isEmpty && !$0.isCancellation }.map(\.customerID)).count
            let ratio = Double(rows.count) / Double(customers)
            #expect(ratio > 16 && ratio < 26, "lines per customer \(ratio)")
            // Repeat buyers exist, but not everyone repeats.
            var orders: [String: Set<String>] = [:]
            for row in rows where !row.customerID.isEmpty && !row.isCancellation {
                orders[row.customerID, default: []].insert(row.invoice)
            }
            let repeatRate = Double(orders.values.filter { $0.count >= 2 }.count) / Double(orders.count)
            #expect(repeatRate > 0.4 && repeatRate < 0.9, "repeat rate \(repeatRate)")
            // Each customer has a single country.
            var countries: [String: String] = [:]
            for row in rows where !row.customerID.isEmpty {
                if let c = countries[row.customerID] { #expect(c == row.country) } else { countries[row.customerID] = row.country }
            }
        }
    }

    @Test func countriesAreWeighted() {
        var invoices: [String: String] = [:]
        for row in DemoGenSamples.rows200k where invoices[row.invoice] == nil { invoices[row.invoice] = row.country }
        var counts: [String: Int] = [:]
        for c in invoices.values { counts[c, default: 0] += 1 }
        let uk = Double(counts["United Kingdom", default: 0]) / Double(invoices.count)
        #expect(uk > 0.78 && uk < 0.92, "UK share \(uk)")
        let ranked = counts.sorted { $0.value > $1.value }.map(\.key)
        #expect(ranked.first == "United Kingdom")
        #expect(Set(ranked.prefix(6)).isSuperset(of: ["Germany", "France", "EIRE"]))
        #expect(counts.count >= 15)
    }

    @Test func seasonalityAndRetentionDecay() {
        let rows = DemoGenSamples.rows200k
        var invoiceMonth: [String: String] = [:]
        for row in rows where row.invoiceDate.count == 19 && invoiceMonth[row.invoice] == nil {
            invoiceMonth[row.invoice] = String(row.invoiceDate.prefix(7))
        }
        var perMonth: [String: Int] = [:]
        for m in invoiceMonth.values { perMonth[m, default: 0] += 1 }
        let november = Double(perMonth["2010-11", default: 0])
        let july = Double(perMonth["2010-07", default: 0])
        let august = Double(perMonth["2010-08", default: 0])
        #expect(november > 1.5 * july && november > 1.5 * august, "Nov \(november) Jul \(july) Aug \(august)")
        #expect(Double(perMonth["2011-10", default: 0]) > Double(perMonth["2011-06", default: 0]) * 1.2)
        // Cohort of March 2010: fewer active customers a year later than a month later, and some still active.
        var first: [String: String] = [:]
        var active: [String: Set<String>] = [:]
        for row in rows where !row.customerID.isEmpty && !row.isCancellation && row.isValid {
            let month = String(row.invoiceDate.prefix(7))
            if first[row.customerID] == nil { first[row.customerID] = month }
            active[row.customerID, default: []].insert(month)
        }
        let cohort = first.filter { $0.value == "2010-03" }.map(\.key)
        #expect(cohort.count > 100)
        let m1 = cohort.filter { active[$0]!.contains("2010-04") }.count
        let m12 = cohort.filter { active[$0]!.contains("2011-03") }.count
        #expect(m1 > 0 && m12 > 0)
        #expect(Double(m1) / Double(cohort.count) < 0.6)
        // Retention decays: summed activity in months 1-3 exceeds that in months 13-15.
        let early = ["2010-04", "2010-05", "2010-06"].map { m in cohort.filter { active[$0]!.contains(m) }.count }.reduce(0, +)
        let late = ["2011-04", "2011-05", "2011-06"].map { m in cohort.filter { active[$0]!.contains(m) }.count }.reduce(0, +)
        #expect(early > late, "early \(early) late \(late)")
    }

    @Test func aFewInvalidLines() {
        let rows = DemoGenSamples.rows50k
        let invalid = rows.filter { !$0.isValid }
        #expect(invalid.count >= 10 && invalid.count <= 250, "invalid lines \(invalid.count)")
        #expect(invalid.contains { $0.price == "0.00" })
        #expect(invalid.contains { Int($0.quantity) == nil })
        #expect(invalid.contains { $0.invoiceDate.count != 19 })
        let all = DemoGenSamples.rows200k.filter { !$0.isValid }
        #expect(all.contains { $0.quantity == "0" })
    }

    @Test func civilCalendarMatchesFoundation() {
        #expect(DemoDataGenerator.daysFromCivil(1970, 1, 1) == 0)
        #expect(DemoDataGenerator.daysFromCivil(2000, 3, 1) == 11_017)
        #expect(DemoDataGenerator.daysFromCivil(2009, 12, 1) == 14_579)
        #expect(DemoDataGenerator.weekday(DemoDataGenerator.daysFromCivil(2010, 12, 1)) == 2)   // a Wednesday
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let epoch = Date(timeIntervalSince1970: 0)
        for day in stride(from: -800_000, through: 800_000, by: 997) {
            let (y, m, d) = DemoDataGenerator.civilFromDays(day)
            #expect(DemoDataGenerator.daysFromCivil(y, m, d) == day)
            if day >= -100_000 {
                let parts = calendar.dateComponents([.year, .month, .day], from: epoch.addingTimeInterval(Double(day) * 86_400))
                #expect(parts.year == y && parts.month == m && parts.day == d, "day \(day)")
            }
        }
    }
}
