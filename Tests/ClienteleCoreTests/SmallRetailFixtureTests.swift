import Testing
@testable import ClienteleCore

/// Every number of ANALYTICS.md sections 1-8 on `small_retail.csv`, computed by hand (see the comments).
/// As-of T = 2021-05-01 (the day after the latest valid line, 2021-04-30).
@Suite struct SmallRetailFixtureTests {
    let loaded: LoadedData
    let a: Analysis

    init() throws {
        loaded = try OrderLineLoader.load(paths: [Fixture.path("small_retail.csv")])
        a = Analysis(lines: loaded.lines)
    }

    @Test func dataQualityCounts() {
        let r = loaded.report
        #expect(r.layout == "Online Retail II")
        #expect(r.linesRead == 23)
        #expect(r.validLines == 17)
        #expect(r.cancelledLines == 4)   // C1003, C1006, C1010, C1011
        #expect(r.guestLines == 2)
        #expect(r.invalidLines == 6)
        #expect(r.invalidByReason == [
            "quantity_zero": 1, "unit_price_not_positive": 1, "unparseable_quantity": 1,
            "missing_or_unparseable_timestamp": 1, "wrong_field_count": 1, "unparseable_unit_price": 1,
        ])
        // Examples carry the physical line number (header = line 1), the column and the value.
        #expect(r.examples["quantity_zero"] == [BadLineExample(file: Fixture.path("small_retail.csv"), line: 15, field: "Quantity", value: "0")])
        #expect(r.examples["unparseable_quantity"]?.first?.value == "abc")
        #expect(r.examples["missing_or_unparseable_timestamp"]?.first?.line == 18)
        #expect(r.examples["missing_or_unparseable_timestamp"]?.first?.field == "InvoiceDate")
        #expect(r.examples["wrong_field_count"]?.first?.value == "7 fields, expected 8")
        #expect(r.examples["unparseable_unit_price"]?.first?.value == "1.x")
        #expect(r.examples["unit_price_not_positive"]?.first?.line == 16)
    }

    @Test func asOfAndCustomers() throws {
        #expect(a.asOf == Fixture.day("2021-05-01"))
        #expect(a.table.count == 7)                       // C5 has cancellations only
        #expect(a.table.excludedCustomers == 1)
        #expect(a.table.excludedCustomerRevenue == Fixture.units("-10"))
        #expect(a.row("C5") == nil)
        let c1 = try #require(a.row("C1"))
        #expect(a.table.frequency[c1] == 2)
        #expect(a.table.monetary[c1] == Fixture.units("25.5"))   // 20 + 5.5 + 10 - 10
        #expect(a.table.recencyDays(c1) == 52)                  // 2021-03-10 -> 2021-05-01
        #expect(a.table.tenureDays(c1) == 116)                  // 2021-01-05 -> 2021-05-01
        #expect(a.table.countryName(c1) == "Germany")           // latest valid line (the cancellation, 03-12)
        let c3 = try #require(a.row("C3"))
        #expect(a.table.monetary[c3] == Fixture.units("-0.5"))  // a return pushes monetary below zero
        #expect(a.table.frequency[c3] == 1)
        let c6 = try #require(a.row("C6"))                      // first order on the last day before T
        #expect(a.table.recencyDays(c6) == 1)
        #expect(a.table.tenureDays(c6) == 1)
        let c7 = try #require(a.row("C7"))
        #expect(a.table.countryName(c7) == "France")            // Spain and France on the same day: alphabetical
        #expect(a.table.monetary[c7] == Fixture.units("10.5"))
    }

    @Test func rfmScoresWithTies() throws {
        // Recency: C4, C6 = 1; C3 = 29; C1 = 52; C7, C8 = 70; C2 = 101. L = customers with larger recency.
        // Frequency: C1, C4 = 2; others 1. Monetary: C3 -0.5 < C6 3 < C2 3.75 < C7 = C8 10.5 < C4 14.666 < C1 25.5.
        let expected: [String: (UInt8, UInt8, UInt8, String, Segment, ValueTier)] = [
            "C1": (3, 4, 5, "345", .loyal, .gold),
            "C2": (1, 1, 2, "112", .hibernating, .bronze),
            "C3": (3, 1, 1, "311", .aboutToSleep, .bronze),
            "C4": (4, 4, 4, "444", .loyal, .silver),
            "C6": (4, 1, 1, "411", .promising, .bronze),
            "C7": (1, 1, 3, "113", .hibernating, .bronze),
            "C8": (1, 1, 3, "113", .hibernating, .bronze),
        ]
        for (id, e) in expected {
            let r = try #require(a.row(id))
            #expect(a.rfm.r[r] == e.0, "R of \(id)")
            #expect(a.rfm.f[r] == e.1, "F of \(id)")
            #expect(a.rfm.m[r] == e.2, "M of \(id)")
            #expect(a.rfm.rfmScore(r) == e.3)
            #expect(a.segment[r] == e.4, "segment of \(id)")
            #expect(a.tier[r] == e.5, "tier of \(id)")
        }
    }

    @Test func kpis() {
        let k = a.kpis
        #expect(k.totalCustomers == 7)
        #expect(k.totalRevenue == Fixture.units("67.416"))
        #expect(k.avgRevenuePerCustomer == Fixture.units("9.6309"))   // 67.416 / 7 = 9.63085714...
        #expect(k.orders == 9)
        #expect(k.averageOrderValue == Fixture.units("7.4907"))       // 67.416 / 9 = 7.49066...
        #expect(k.repeatCustomerRate == 2.0 / 7.0)
        #expect(k.guestRevenue == Fixture.units("7.5"))
        #expect(k.excludedCustomerRevenue == Fixture.units("-10"))
        #expect(k.championsCount == 0)
        #expect(k.championsRevenueSharePct == 0)
    }

    @Test func concentration() {
        let c = a.concentration
        // v desc: 25.5, 14.666, 10.5, 10.5, 3.75, 3, 0 (C3's -0.5 counts as 0); sum 67.916.
        #expect(c.top1 == 255_000.0 / 679_160.0)
        #expect(c.top5 == 255_000.0 / 679_160.0)
        #expect(c.top10 == 255_000.0 / 679_160.0)   // ceil(0.7) = 1 customer
        #expect(c.top20 == 401_660.0 / 679_160.0)   // ceil(1.4) = 2 customers
        // Gini = (2 sum i v_(i) - (n + 1) sum v) / (n sum v), in money units: (2 x 3782460 - 8 x 679160) / (7 x 679160).
        #expect(c.gini == 2_131_640.0 / 4_754_120.0)
        #expect(c.lorenz.count == 101)
        #expect(c.lorenz[0] == 0)
        #expect(c.lorenz[100] == 1)
        #expect(c.lorenz[50] == 172_500.0 / 679_160.0)  // the smallest ceil(3.5) = 4 values: 0 + 3 + 3.75 + 10.5
    }

    @Test func monthlyCohortsWithAGap() {
        let m = a.monthlyCohorts
        #expect(m.labels == ["2021-01", "2021-02", "2021-04"])   // no customer started in March: no row
        #expect(m.counts == [[2, 0, 1, 0], [3, 0, 1], [2]])
        #expect(m.revenue == [
            [Fixture.units("29.25"), 0, 0, 0],                     // C1 Jan 25.5 + C2 3.75; C1 March 10 - 10
            [Fixture.units("28.333"), 0, Fixture.units("7.333")],
            [Fixture.units("2.5")],                                // C3 100 - 100.5, C6 3
        ])
        #expect(m.rate(0, 2) == 0.5)
        #expect(m.sizes.reduce(0, +) == a.table.count)
    }

    @Test func quarterlyAndWeeklyCohorts() {
        let q = a.quarterlyCohorts
        #expect(q.labels == ["2021-Q1", "2021-Q2"])
        #expect(q.counts == [[5, 1], [2]])   // of the Q1 cohort only C4 (Feb, Apr) orders again in Q2; C1 (Jan, Mar) stays in Q1
        let w = a.weeklyCohorts
        #expect(w.sizes.reduce(0, +) == 7)
        #expect(w.labels.first == "2021-W01")   // 2021-01-05 is in ISO week 2021-W01
    }

    @Test func revenueReconciles() {
        // All valid lines: customers + guests + excluded customers.
        let lineTotal = loaded.lines.chunks.reduce(Int64(0)) { $0 + $1.revenue.reduce(0, +) }
        #expect(lineTotal == a.kpis.totalRevenue + a.kpis.guestRevenue + a.kpis.excludedCustomerRevenue)
        #expect(lineTotal == Fixture.units("64.916"))
    }

    @Test func gzipGivesTheSameResult() throws {
        let gz = try OrderLineLoader.load(paths: [Fixture.path("small_retail.csv.gz")])
        let b = Analysis(lines: gz.lines)
        #expect(b.kpis.totalRevenue == a.kpis.totalRevenue)
        #expect(gz.report.validLines == loaded.report.validLines)
        #expect(gz.report.invalidByReason == loaded.report.invalidByReason)
    }

    @Test func userAsOfIgnoresLaterLines() throws {
        let b = Analysis(lines: loaded.lines, asOf: Fixture.day("2021-03-01"))
        // Lines dated 2021-03-01 or later are ignored: C3, C6 and C1's second order disappear.
        #expect(b.table.count == 5)   // C1, C2, C4, C7, C8
        #expect(b.table.linesAfterAsOf == 6)   // 03-10, 03-12, 04-02, 04-03 and two on 04-30
        let c1 = try #require(b.row("C1"))
        #expect(b.table.frequency[c1] == 1)
        #expect(b.table.recencyDays(c1) == 55)   // 2021-01-05 -> 2021-03-01
        #expect(b.row("C3") == nil)
        #expect(b.table.excludedCustomers == 1)  // C5 (02-10) is still before T
    }
}
