import Testing
@testable import ClienteleCore

/// Filters, period series, customer profiles and the customer list on `small_retail.csv` (hand-computed; see
/// SmallRetailFixtureTests for the unfiltered numbers). Data as-of date: 2021-05-01.
@Suite struct FilterTests {
    let lines: OrderLines
    let asOf = Fixture.day("2021-05-01")

    init() throws {
        lines = try OrderLineLoader.load(paths: [Fixture.path("small_retail.csv")]).lines
    }

    func filtered(_ query: [(String, String)]) throws -> Analysis {
        let f = try AnalysisFilter(queryItems: query.map { (name: $0.0, value: $0.1) })
        return try FilteredAnalysis(lines: lines, filter: f, dataAsOf: asOf).analysis
    }

    @Test func countrySelectsLines() throws {
        let a = try filtered([("country", "Spain")])
        // Spain: C4 7.333 x 2 (Feb, Apr), C7 1019 2 x 5, C8 1020 2 x 5 + 0.5 (C7's 0.5 line is French).
        #expect(a.asOf == asOf)   // no end date: the data set's as-of date
        #expect(a.table.count == 3)
        #expect(a.kpis.totalRevenue == Fixture.units("35.166"))
        #expect(a.kpis.orders == 4)
        #expect(a.kpis.guestRevenue == 0)
        let c7 = try #require(a.row("C7"))
        #expect(a.table.countryName(c7) == "Spain")
        #expect(a.table.monetary[c7] == Fixture.units("10"))
    }

    @Test func dateRangeMovesTheAsOfDate() throws {
        let a = try filtered([("from", "2021-02-01"), ("to", "2021-03-31")])
        #expect(a.asOf == Fixture.day("2021-04-01"))
        // C1 (1002 +10, C1003 -10), C4 (1007), C7, C8; guests 10 - 2.5; C5 cancellation only.
        #expect(a.table.count == 4)
        #expect(a.kpis.totalRevenue == Fixture.units("28.333"))
        #expect(a.kpis.guestRevenue == Fixture.units("7.5"))
        #expect(a.kpis.excludedCustomerRevenue == Fixture.units("-10"))
        let c1 = try #require(a.row("C1"))
        #expect(a.table.monetary[c1] == 0)
        #expect(a.table.recencyDays(c1) == 22)   // 2021-03-10 -> 2021-04-01
        #expect(a.table.frequency[c1] == 1)
    }

    @Test func segmentKeepsScoresAndNarrowsTotals() throws {
        let a = try filtered([("segment", "hibernating")])
        // C2 (3.75), C7 and C8 (10.5 each) are Hibernating among all seven customers.
        #expect(a.table.count == 3)
        #expect(Set(a.segment) == [.hibernating])
        #expect(a.kpis.totalRevenue == Fixture.units("24.75"))
        #expect(a.kpis.guestRevenue == 0 && a.kpis.excludedCustomerRevenue == 0)
        let c7 = try #require(a.row("C7"))
        #expect(a.rfm.rfmScore(c7) == "113")      // scored among all customers, not re-scored within the three
        #expect(a.tiers.first { $0.tier == .bronze }?.customers == 3)
        #expect(a.segments.reduce(0) { $0 + $1.customers } == 3)
        // The cohort matrix still runs to the data's last month (April), so the inactivity shows as zeros.
        #expect(a.monthlyCohorts.labels == ["2021-01", "2021-02"])
        #expect(a.monthlyCohorts.counts == [[1, 0, 0, 0], [2, 0, 0]])
    }

    @Test func tiersCombineWithSegments() throws {
        let gs = try filtered([("tier", "Gold,silver")])
        #expect(Set((0..<gs.table.count).map { gs.table.id($0) }) == ["C1", "C4"])
        let both = try filtered([("tier", "gold"), ("tier", "silver"), ("segment", "Loyal Customers")])
        #expect(both.table.count == 2)
        let none = try filtered([("tier", "platinum")])
        #expect(none.table.count == 0)
        #expect(none.kpis.totalRevenue == 0 && none.kpis.avgRevenuePerCustomer == nil)
    }

    @Test func everySegmentIsTheWhole() throws {
        let all = try filtered([("segment", Segment.allCases.map(\.rawValue).joined(separator: ","))])
        let base = Analysis(lines: lines)
        #expect(all.kpis.totalRevenue == base.kpis.totalRevenue)
        #expect(all.kpis.orders == base.kpis.orders)
        #expect(all.monthlyCohorts.counts == base.monthlyCohorts.counts)
        #expect(all.concentration.gini == base.concentration.gini)
    }

    @Test func badFilterValuesSayWhy() throws {
        #expect(throws: FilterError.self) { try AnalysisFilter(queryItems: [(name: "from", value: "2021-13-01")]) }
        do {
            _ = try AnalysisFilter(queryItems: [(name: "from", value: "2021-04-01"), (name: "to", value: "2021-03-01")])
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("'from' (2021-04-01) is after 'to' (2021-03-01)"))
        }
        do {
            _ = try AnalysisFilter(queryItems: [(name: "segment", value: "Whales")])
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("Unknown segment 'Whales'. Segments: Champions, "))
        }
        do {
            _ = try filtered([("country", "Atlantis")])
            Issue.record("expected an error")
        } catch let error as FilterError {
            #expect(error.message == "Unknown country 'Atlantis'. Countries in this data set: France, Germany, Portugal, Spain, United Kingdom.")
        }
        // Empty values are no filter; names are parsed leniently.
        let f = try AnalysisFilter(queryItems: [(name: "from", value: ""), (name: "segment", value: "cant-lose-them")])
        #expect(f.from == nil && f.segments == [.cantLose])
        #expect(f.queryItems.map(\.value) == ["Can't Lose Them"])
    }

    @Test func previousPeriodHasEqualLength() throws {
        let f = try AnalysisFilter(queryItems: [(name: "from", value: "2021-02-01"), (name: "to", value: "2021-03-31"), (name: "country", value: "Spain")])
        let p = f.previousPeriod(dataStart: 0, dataAsOf: 0)
        #expect(p.from == Fixture.day("2020-12-04"))   // 59 days before 2021-02-01
        #expect(p.to == Fixture.day("2021-01-31"))
        #expect(p.countries == ["Spain"])
        // No range: the whole span [first day, as-of - 1] and the span of equal length before it.
        let q = AnalysisFilter.none.previousPeriod(dataStart: Fixture.day("2021-01-05"), dataAsOf: asOf)
        #expect(q.to == Fixture.day("2021-01-04"))
        #expect(q.from == Fixture.day("2020-09-11"))   // 116 days: 2021-01-05 ... 2021-04-30
    }

    @Test func monthlySeriesSplitsNewAndReturning() {
        let s = PeriodSeries(analysis: Analysis(lines: lines), period: .month)
        #expect(s.labels == ["2021-01", "2021-02", "2021-03", "2021-04"])
        #expect(s.revenue == ["29.25", "28.333", "0", "9.833"].map(Fixture.units))
        #expect(s.newRevenue == ["29.25", "28.333", "0", "2.5"].map(Fixture.units))
        #expect(s.returningRevenue == ["0", "0", "0", "7.333"].map(Fixture.units))
        #expect(s.activeCustomers == [2, 3, 1, 3])
        #expect(s.newCustomers == [2, 3, 0, 2])
        #expect(s.orders == [2, 3, 1, 3])
    }

    @Test func newMeansFirstOrderEverUnderADateFilter() throws {
        let f = try AnalysisFilter(queryItems: [(name: "from", value: "2021-02-01")])
        let filtered = try FilteredAnalysis(lines: lines, filter: f, dataAsOf: asOf)
        let base = Analysis(lines: lines)
        let firstEver = base.table.rowOfCode.map { $0 < 0 ? Int32.max : base.table.firstPurchase[Int($0)] }
        let s = PeriodSeries(analysis: filtered.analysis, lines: filtered.lines, period: .month, firstOrderDayByCode: firstEver)
        // C1 (first order in January) is returning in March although March is its first month in the range.
        #expect(s.labels == ["2021-02", "2021-03", "2021-04"])
        #expect(s.newCustomers == [3, 0, 2])
        #expect(s.activeCustomers == [3, 1, 3])
        #expect(s.revenue == ["28.333", "0", "9.833"].map(Fixture.units))
        #expect(s.newRevenue == ["28.333", "0", "2.5"].map(Fixture.units))
        #expect(s.returningRevenue == ["0", "0", "7.333"].map(Fixture.units))
        #expect(s.orders == [3, 1, 3])
    }

    @Test func customerProfile() throws {
        let a = Analysis(lines: lines)
        let p = try #require(CustomerProfile(analysis: a, lines: lines, customerID: "C1"))
        #expect(p.orders.map(\.invoice) == ["1001", "1002", "C1003"])
        #expect(p.orders.map(\.lines) == [2, 1, 1])
        #expect(p.orders.map(\.revenue) == ["25.5", "10", "-10"].map(Fixture.units))
        #expect(p.orders.map(\.cancelled) == [false, false, true])
        #expect(p.monthlySpend.map(\.month) == ["2021-01", "2021-02", "2021-03", "2021-04"])
        #expect(p.monthlySpend.map(\.revenue) == [Fixture.units("25.5"), 0, 0, 0])
        #expect(p.segment == .loyal && p.tier == .gold && p.cohort == "2021-01")
        #expect(CustomerProfile(analysis: a, lines: lines, customerID: "C5") == nil)   // cancellations only
        #expect(CustomerProfile(analysis: a, lines: lines, customerID: "nobody") == nil)
    }

    @Test func customerListSortsAndSearches() {
        let a = Analysis(lines: lines)
        let ids = { (rows: [Int]) in rows.map { a.table.id($0) } }
        #expect(ids(a.customerRows(sort: .monetary)) == ["C1", "C4", "C7", "C8", "C2", "C6", "C3"])
        #expect(ids(a.customerRows(sort: .monetary, descending: false)) == ["C3", "C6", "C2", "C7", "C8", "C4", "C1"])
        #expect(ids(a.customerRows(search: "spain", sort: .id, descending: false)) == ["C4", "C8"])
        #expect(ids(a.customerRows(sort: .recency, descending: false)) == ["C4", "C6", "C3", "C1", "C7", "C8", "C2"])
    }

    @Test func topSelectionEqualsThePrefixOfTheFullSort() throws {
        let demo = try DemoData.load(lines: 6000)
        let a = Analysis(lines: demo.lines)
        #expect(a.table.count > 200)
        let rank = demo.lines.customers.codePointRanks()
        for sort in CustomerSort.allCases {
            for descending in [true, false] {
                let full = a.customerRows(sort: sort, descending: descending)
                #expect(a.customerRows(sort: sort, descending: descending, idRank: rank) == full, "\(sort)")
                #expect(a.customerRows(sort: sort, descending: descending, idRank: rank, limit: 9) == Array(full.prefix(9)), "\(sort) top 9")
            }
        }
    }
}
