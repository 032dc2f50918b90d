import ClienteleCore
@testable import ClienteleServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Segment movement on a hand-computed store of six customers, between the as-of dates 2021-04-01 and 2021-07-01.
///
/// On 2021-04-01 (five customers, score = 1 + L): recency A 27, B 7, C 31, D 71, F 2 days → R 3, 4, 2, 1, 5; orders
/// A 3, B 3, C 2, D 1, F 1 → F 4, 4, 3, 1, 1. Segments: A Loyal Customers (3,4), B Loyal Customers (4,4), C At Risk
/// (2,3), D Hibernating (1,1), F New Customers (5,1).
/// On 2021-07-01 (six customers, score = 1 + ⌊5L/6⌋): recency A 1, B 98, C 122, D 162, E 47, F 30 → R 5, 2, 1, 1, 3, 4;
/// orders A 4, B 3, C 2, D 1, E 1, F 2 → F 5, 4, 2, 1, 1, 2. Segments: A Champions, B At Risk, C Hibernating,
/// D Hibernating, E About To Sleep, F Potential Loyalists. E is new (first order 2021-05-15).
/// Revenue of the 365 days before 2021-07-01: A 40 (its return of 2020-06-30 is older), B 60 − 5 = 55, C 60, D 40,
/// E 50, F 10.
@Suite struct SegmentMovementTests {
    /// Customer, country, unit price and the dates of its one-line orders of quantity 1.
    static let orders: [(String, String, String, [String])] = [
        ("A", "France", "10", ["2021-01-05", "2021-02-05", "2021-03-05", "2021-06-30"]),
        ("B", "Spain", "20", ["2021-01-10", "2021-02-10", "2021-03-25"]), ("C", "France", "30", ["2021-01-15", "2021-03-01"]),
        ("D", "France", "40", ["2021-01-20"]), ("E", "Spain", "50", ["2021-05-15"]),
        ("F", "France", "5", ["2021-03-30", "2021-06-01"]),
    ]

    /// The orders as Online Retail II lines, and two returns of 5.00: A's on 2020-06-30, B's on 2021-06-10.
    static var text: String {
        var lines = ["Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country",
                     "C90,A,x,-1,2020-06-30 10:00:00,5,A,France", "C91,A,x,-1,2021-06-10 10:00:00,5,B,Spain"]
        var invoice = 0
        for (id, country, price, dates) in orders {
            for date in dates {
                invoice += 1
                lines.append("\(invoice),A,x,1,\(date) 10:00:00,\(price),\(id),\(country)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func store() throws -> DataStore {
        DataStore(dataset: Dataset(name: "movement.csv", source: "test", loaded: try OrderLineLoader.load(text: text, name: "movement.csv")))
    }

    static let start = CivilDate.dayNumber(year: 2021, month: 4, day: 1)
    static let end = CivilDate.dayNumber(year: 2021, month: 7, day: 1)

    @Test func transitionsCountsRevenueAndLists() throws {
        let workspace = Workspace(dataset: try Self.store().dataset)
        let m = try #require(try workspace.snapshot(.none).movement(start: Self.start, end: Self.end))
        var byID: [String: (Segment?, Segment, Int64)] = [:]
        for r in 0..<m.table.count { byID[m.table.id(r)] = (m.from[r], m.to[r], m.lastYearRevenue[r]) }
        #expect(byID["A"]! == (.loyal, .champions, 400_000))
        #expect(byID["B"]! == (.loyal, .atRisk, 550_000))
        #expect(byID["C"]! == (.atRisk, .hibernating, 600_000))
        #expect(byID["D"]! == (.hibernating, .hibernating, 400_000))
        #expect(byID["E"]! == (nil, .aboutToSleep, 500_000))
        #expect(byID["F"]! == (.newCustomers, .potentialLoyalists, 100_000))
        #expect(m.startCustomers == 5 && m.stayed == 1 && m.table.count == 6)
        // Cells in matrix order: rows as Segment.allCases then new, columns likewise.
        #expect(m.flows.map { "\($0.from?.rawValue ?? "new")>\($0.to.rawValue):\($0.customers):\($0.revenue)" } == [
            "Loyal Customers>Champions:1:400000", "Loyal Customers>At Risk:1:550000", "New Customers>Potential Loyalists:1:100000",
            "At Risk>Hibernating:1:600000", "Hibernating>Hibernating:1:400000", "new>About To Sleep:1:500000",
        ])
        #expect(m.rows(from: .loyal, to: nil).map { m.table.id($0) }.sorted() == ["A", "B"])
        #expect(m.rows(from: nil, to: .aboutToSleep).map { m.table.id($0) } == ["E"])

        // The country filter applies to both dates: in Spain, B and E only (B alone on 2021-04-01).
        let spain = try #require(try workspace.snapshot(AnalysisFilter(countries: ["Spain"])).movement(start: Self.start, end: Self.end))
        #expect(spain.table.count == 2 && spain.startCustomers == 1)
    }

    @Test func pageJSONCSVAndBadDates() async throws {
        let app = try await RouteTests.app(try Self.store())
        try await app.test(.router) { client in
            let page = try RouteTests.json(try await RouteTests.get(client, "/movement.json?_start=2021-04-01&_end=2021-07-01").body)
            #expect((RouteTests.kpi(page, "customers_start") as? NSNumber)?.intValue == 5)
            #expect((RouteTests.kpi(page, "stayed") as? NSNumber)?.intValue == 1)
            #expect((RouteTests.kpi(page, "new_customers") as? NSNumber)?.intValue == 1)
            let insights = page["insights"] as? [String] ?? []
            #expect(insights.first == "Of the 5 customers of 2021-04-01, 20.0% were in the same segment on 2021-07-01.")
            #expect(insights.contains("1 customer went from At Risk to Hibernating, worth 60.00 over the last year."))
            let matrix = RouteTests.rows(page, "transitions")
            let loyal = try #require(matrix.first { $0["from_segment"] as? String == "Loyal Customers" })
            #expect((loyal["champions"] as? NSNumber)?.intValue == 1 && (loyal["at_risk"] as? NSNumber)?.intValue == 1 && (loyal["total"] as? NSNumber)?.intValue == 2)
            let revenue = RouteTests.rows(page, "transition_revenue")
            #expect((revenue.first { $0["from_segment"] as? String == "Loyal Customers" }?["total"] as? NSNumber)?.doubleValue == 95)
            // The list behind one cell, as CSV.
            let csv = try await RouteTests.get(client, "/movement.csv?_start=2021-04-01&_end=2021-07-01&_from=new&_to=About+To+Sleep&_table=customers").body
            #expect(csv == "customer_id,country,from_segment,to_segment,recency_days,frequency,revenue_last_year\nE,Spain,New (no order yet),About To Sleep,47,1,50\n")
            // The HTML links each count to its list.
            let html = try await RouteTests.get(client, "/movement?_start=2021-04-01&_end=2021-07-01").body
            #expect(html.contains("_from=Loyal%20Customers&amp;_to=Champions#list") || html.contains("_from=Loyal+Customers&amp;_to=Champions#list"))
            // Profiles open in the movement's population: the tier filter (which the movement ignores) is not carried.
            let tiered = try await RouteTests.get(client, "/movement?_start=2021-04-01&_end=2021-07-01&tier=Gold").body
            #expect(tiered.contains("href=\"/customer?id=E\""))
            #expect(try await RouteTests.get(client, "/customer?id=E").status == .ok)
            // The report has the last 90 days' movement (2021-04-02 to 2021-07-01: the same segments as above), largest
            // flows first; not with a segment filter.
            let report = try RouteTests.json(try await RouteTests.get(client, "/report.json?_table=finding_movement").body)
            #expect(RouteTests.rows(report, "finding_movement").map { "\($0["from"] ?? "")>\($0["to"] ?? ""):\($0["revenue_last_12_months"] ?? "")" } == [
                "At Risk>Hibernating:60.00", "Loyal Customers>At Risk:55.00", "New (no order yet)>About To Sleep:50.00",
                "Loyal Customers>Champions:40.00", "New Customers>Potential Loyalists:10.00",
            ])
            #expect(try await RouteTests.get(client, "/report.json?segment=Champions&_table=finding_movement").status == .badRequest)
            // Bad dates and segments are refused with a message.
            let bad = try await RouteTests.get(client, "/movement.json?_start=2021-07-01&_end=2021-04-01")
            #expect(bad.status == .badRequest && bad.body.contains("must come before"))
            let outside = try await RouteTests.get(client, "/movement.json?_end=2030-01-01")
            #expect(outside.status == .badRequest && outside.body.contains("must be a date from"))
            let segment = try await RouteTests.get(client, "/movement.json?_to=Kings")
            #expect(segment.status == .badRequest && segment.body.contains("must be a segment"))
        }
    }

    /// The movement's sentences on every generator profile read as true: counts add up, no share above 100%, no
    /// "Customers customers", no flow "worth 0.00", and the flows named are the largest ones.
    @Test(arguments: [DemoProfile.retail, .wholesale, .highChurn])
    func sentencesArePlausibleOnEveryProfile(_ profile: DemoProfile) throws {
        let lines = try DemoData.load(lines: 40_000, profile: profile).lines
        let asOf = try #require(CustomerTable.defaultAsOf(lines))
        let start = CivilDate.dayNumber(year: 2011, month: 9, day: 2)
        let m = try #require(SegmentMovement.compute(start: start, end: asOf) { day in
            try? FilteredAnalysis(lines: lines, filter: SegmentMovement.filter(asOf: day, dataAsOf: asOf, countries: []), dataAsOf: asOf)
        })
        #expect(m.flows.reduce(0) { $0 + $1.customers } == m.table.count)
        #expect(m.flows.reduce(Int64(0)) { $0 + $1.revenue } == m.lastYearRevenue.reduce(0, +))
        #expect(m.stayed <= m.startCustomers && m.startCustomers <= m.table.count)
        let text = m.sentences.joined(separator: " ")
        #expect(!text.contains("Customers customer") && !text.contains("worth 0.00") && !text.contains("worth -"), "\(profile): \(text)")
        for share in text.matches(of: /([0-9.]+)%/) { #expect(Double(share.1)! <= 100, "\(profile): \(text)") }
        let largest = try #require(m.moves.first { $0.from != nil })
        #expect(m.sentences.contains { $0.hasPrefix("\(DisplayFormat.integer(largest.customers)) customer") && $0.contains("from \(largest.from!.rawValue) to \(largest.to.rawValue)") })
    }
}
