import Testing
@testable import ClienteleCore

/// Predictions aligned with analysis rows, and the churn reasons on hand-made histories.
@Suite struct ChurnExplanationTests {
    /// 300 filler customers with 1-5 orders spread over two years, plus four hand-made histories.
    static func lines() -> OrderLines {
        var rows: [(customer: String?, invoice: String, day: Int, revenueUnits: Int64, country: String?, cancelled: Bool)] = []
        let start = CivilDate.dayNumber(year: 2020, month: 1, day: 1)
        var inv = 0
        func order(_ c: String, _ day: Int, _ units: Int64) {
            inv += 1
            rows.append((customer: c, invoice: "I\(inv)", day: start + day, revenueUnits: units, country: "X", cancelled: false))
        }
        // Filler customers from a BG/NBD process (rate ~ Gamma(0.8, 40 days), dropout ~ Beta(0.8, 2.5)), seeded.
        var rng = SplitMix64(seed: 7)
        for i in 0..<600 {
            let first = Int(rng.uniform() * 600)
            let lambda = rng.gamma(shape: 0.8, rate: 40), p = rng.beta(0.8, 2.5)
            order("F\(i)", first, 200_000 + Int64(i % 9) * 10_000)
            var t = Double(first)
            while true {
                t += rng.exponential(rate: lambda)
                if t >= 719 { break }
                order("F\(i)", Int(t), 200_000 + Int64(i % 7) * 10_000)
                if rng.uniform() < p { break }
            }
        }
        // GAP: four orders 30 days apart (days 100..190), then silence until the as-of date (day 720).
        for k in 0..<4 { order("GAP", 100 + k * 30, 500_000) }
        // ONE: a single order on day 400.
        order("ONE", 400, 300_000)
        // SLOW: six orders in the year before the last (days 10..300), one in the last year (day 500).
        for k in 0..<6 { order("SLOW", 10 + k * 58, 400_000) }
        order("SLOW", 500, 400_000)
        // CHEAP: three orders of 100.00, then one of 40.00 (60% less) recently.
        for d in [600, 640, 680] { order("CHEAP", d, 1_000_000) }
        order("CHEAP", 715, 400_000)
        // The data ends on day 719: as-of date = day 720.
        order("F0", 719, 100_000)
        return OrderLines.build(rows)
    }

    @Test func predictionsAreAlignedAndConsistent() throws {
        let l = Self.lines()
        let a = Analysis(lines: l)
        let m = ChurnModel(analysis: a, lines: l)
        #expect(m.usable && m.valueUsable)
        #expect(m.probabilityAlive.count == a.table.count && m.risk.count == a.table.count)
        for r in 0..<a.table.count {
            #expect((0...1).contains(m.probabilityAlive[r]))
            #expect((0...1).contains(m.churnRisk(r)))
            if let i = m.riskInterval(r) { #expect(i.low <= m.churnRisk(r) && m.churnRisk(r) <= i.high) }
            let v = try #require(m.lifetimeValueInterval(r))
            #expect(v.low <= m.lifetimeValue[r] && m.lifetimeValue[r] <= v.high)
            #expect(m.expected30[r] <= m.expected90[r] && m.expected90[r] <= m.expected365[r])
            #expect(m.lifetimeValue[r] >= 0)
            #expect(Int(m.x[r]) <= Int(a.table.frequency[r]) - 1)   // distinct purchase days - 1 <= orders - 1
        }
        let gap = try #require(a.row("GAP"))
        #expect(m.x[gap] == 3 && m.txDays[gap] == 90 && m.ageDays[gap] == 619)
        // A customer with a single purchase day 320 days ago is more likely than not to stay quiet for 90 days
        // (under BG/NBD alone P(alive) = 1 would have made it the safest customer).
        let oneRow = try #require(a.row("ONE"))
        #expect(m.churnRisk(oneRow) > 0.5)
        // The silent GAP customer is riskier than the median customer.
        let risks = (0..<a.table.count).map { m.churnRisk($0) }.sorted()
        #expect(m.churnRisk(gap) > risks[risks.count / 2])
        // A segment-restricted analysis gets the same predictions for the same customers.
        let champions = (0..<a.table.count).filter { a.segment[$0] == .hibernating }
        let sub = Analysis(restricting: a, toRows: champions, lines: l)
        let ms = ChurnModel(restricting: m, from: a, to: sub)
        for (i, r) in champions.enumerated() {
            #expect(ms.probabilityAlive[i] == m.probabilityAlive[r] && ms.churnRisk(i) == m.churnRisk(r) && ms.lifetimeValue[i] == m.lifetimeValue[r])
        }
    }

    @Test func reasonsInPlainWords() throws {
        let l = Self.lines()
        let a = Analysis(lines: l)
        let m = ChurnModel(analysis: a, lines: l)
        let e = ChurnExplanations(analysis: a, lines: l, model: m)
        // GAP: last purchase day 190, as-of 720: 530 days silent, usual gap 90 / 3 = 30 days: 17.7x.
        let gapRow = try #require(a.row("GAP"))
        let gap = try #require(e.reasons[gapRow].first { $0.kind == .longGap })
        #expect(gap.text == "No order for 530 days, 17.7x this customer's usual gap of 30 days")
        #expect(gap.impact > 0)
        // ONE: silent 320 days; share of returning customers whose usual gap is at most 320 days.
        let oneRow = try #require(a.row("ONE"))
        let one = try #require(e.reasons[oneRow].first)
        #expect(one.kind == .oneOrderOnly)
        let returning = (0..<a.table.count).filter { m.x[$0] >= 1 }
        let sooner = returning.filter { (Double(m.txDays[$0]) / Double(m.x[$0])).rounded() <= 320 }.count
        #expect(one.impact == Double(sooner) / Double(returning.count))
        #expect(one.text.hasPrefix("Only one order, 320 days ago; "))
        // SLOW: orders since day 355 (as-of - 365): day 500 only; the year before (days -10..354): six.
        let slowRow = try #require(a.row("SLOW"))
        let slow = e.reasons[slowRow]
        #expect(slow.contains { $0.kind == .fewerOrders && $0.text == "1 order in the last 12 months after 6 in the 12 months before" })
        // CHEAP: 40.00 after a mean of 100.00: down 60%.
        let cheapRow = try #require(a.row("CHEAP"))
        let cheap = e.reasons[cheapRow]
        #expect(cheap.contains { $0.kind == .lowerSpend && $0.text == "Spend per order down 60%: last order 40.00 vs 100.00 on average before" })
        // Ranked by impact.
        for r in 0..<a.table.count { #expect(zip(e.reasons[r], e.reasons[r].dropFirst()).allSatisfy { $0.impact >= $1.impact }) }
        // Revenue at risk = churn risk x the revenue of the last 365 days x 90 / 365. GAP's orders are
        // all older than a year: nothing left at risk. SLOW: 40.00 in the last year. CHEAP: 340.00, known for 120
        // days only: still per day of the year (a new customer is not assumed to repeat its orders).
        let g = try #require(a.row("GAP"))
        #expect(e.revenueAtRisk[g] == 0)
        #expect(e.revenueAtRisk[slowRow] == Int64((m.churnRisk(slowRow) * 400_000 * 90 / 365).rounded()))
        #expect(e.revenueAtRisk[cheapRow] == Int64((m.churnRisk(cheapRow) * 3_400_000 * 90 / 365).rounded()))
    }
}
