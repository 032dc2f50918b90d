import Foundation
import Testing
@testable import ClienteleCore
@testable import ClienteleRender

/// Invariants on generated data: line order, chunking and threads change nothing; counts add up; revenue reconciles.
@Suite struct InvariantTests {
    static let lines = 30_000
    let text: String
    let data: [String]   // data lines without the header

    init() {
        text = String(decoding: DemoDataGenerator(seed: 11).bytes(lines: Self.lines), as: UTF8.self)
        data = text.split(separator: "\n", omittingEmptySubsequences: true).dropFirst().map(String.init)
    }

    func exports(_ t: String, workers: Int = 2, chunkBytes: Int = 4 << 20) throws -> [[UInt8]] {
        var options = LoadOptions()
        options.workers = workers
        options.chunkBytes = chunkBytes
        let a = Analysis(lines: try OrderLineLoader.load(text: t, options: options).lines)
        let rows = a.rowsByCustomerID()
        return [
            SeedExports.executiveSummary(a), SeedExports.rfmSegments(a, rows: rows), SeedExports.valueTiers(a, rows: rows),
            SeedExports.cohortMatrix(a.monthlyCohorts, value: .counts), SeedExports.cohortMatrix(a.monthlyCohorts, value: .revenue),
            SeedExports.cohortMatrix(a.weeklyCohorts, value: .counts), SeedExports.cohortMatrix(a.quarterlyCohorts, value: .counts),
        ]
    }

    @Test func shufflingTheLinesChangesNothing() throws {
        var rng = SplitMix64(seed: 99)
        var shuffled = data
        shuffled.shuffle(using: &rng)
        let header = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        let a = try exports(text)
        let b = try exports(header + shuffled.joined(separator: "\n") + "\n")
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) { #expect(x == y) }
    }

    @Test func chunkSizeAndThreadCountChangeNothing() throws {
        let a = try exports(text, workers: 1)
        let b = try exports(text, workers: 2, chunkBytes: 7_001)
        for (x, y) in zip(a, b) { #expect(x == y) }
    }

    @Test func countsAddUp() throws {
        let a = Analysis(lines: try OrderLineLoader.load(text: text).lines)
        let n = a.table.count
        #expect(n > 1000)
        #expect(a.segments.reduce(0) { $0 + $1.customers } == n)
        #expect(a.tiers.reduce(0) { $0 + $1.customers } == n)
        #expect(a.segments.reduce(Int64(0)) { $0 + $1.revenue } == a.kpis.totalRevenue)
        for period in CohortPeriod.allCases {
            let m = a.cohorts(period)
            #expect(m.sizes.reduce(0, +) == n)
            // Every active count is at most the cohort size; revenue in the matrix never exceeds what exists.
            for row in m.counts { #expect(row.allSatisfy { $0 <= row[0] }) }
        }
        // Tier thresholds: about 5% Platinum, 15% Gold, 30% Silver, 50% Bronze (ties may shift a few).
        let platinum = a.tiers.first { $0.tier == .platinum }!.customers
        #expect(abs(platinum - n / 20) <= n / 100)
        // Scores are 1...5 and each score holds about a fifth of customers for a measure without many ties.
        #expect(Set(a.rfm.m) == [1, 2, 3, 4, 5])
        let lorenz = a.concentration.lorenz.compactMap { $0 }
        #expect(lorenz.count == 101)
        #expect(zip(lorenz, lorenz.dropFirst()).allSatisfy { $0 <= $1 })   // non-decreasing
        #expect(lorenz[100] == 1)
        let gini = try #require(a.concentration.gini)
        #expect(gini > 0 && gini < 1)
    }

    /// Revenue reconciles with an independent, naive reading of the file: the valid lines' revenue is exactly
    /// customers + guests + excluded customers, and the invalid lines are exactly the ones the rules reject.
    @Test func revenueReconcilesWithANaiveReading() throws {
        let loaded = try OrderLineLoader.load(text: text)
        let a = Analysis(lines: loaded.lines)
        var validRevenue = Decimal(0)
        var valid = 0, invalid = 0
        for line in data {
            let f = naiveSplit(line)
            guard f.count == 8, TimestampParser().parseDay(f[4]) != nil,
                  let q = Decimal(string: f[3]), f[3].allSatisfy({ "-0123456789.".contains($0) }), q != 0,
                  let p = Decimal(string: f[5]), f[5].allSatisfy({ "0123456789.".contains($0) }), p > 0 else { invalid += 1; continue }
            valid += 1
            validRevenue += q * p
        }
        #expect(loaded.report.validLines == valid)
        #expect(loaded.report.invalidLines == invalid)
        let total = a.kpis.totalRevenue + a.kpis.guestRevenue + a.kpis.excludedCustomerRevenue
        #expect(Decimal(total) / 10_000 == validRevenue)   // 2-decimal prices: no rounding anywhere
    }

    func naiveSplit(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var chars = Array(line)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" { if i + 1 < chars.count && chars[i + 1] == "\"" { current.append("\""); i += 1 } else { quoted = false } }
                else { current.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { fields.append(current); current = "" }
            else { current.append(c) }
            i += 1
        }
        fields.append(current)
        chars.removeAll()
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
