import ClienteleCore

/// The executive report: a concise summary of one (filtered) analysis for leadership, built from numbers only.
/// Rendered as Markdown, self-contained HTML and PDF by the `Report*` renderers; every sentence is generated from
/// the analysis it describes.
public struct ExecutiveReport: Sendable {
    public struct Metric: Sendable {
        public var label: String
        public var value: String
        public var previous: String
        public var change: String
        /// The same dates a year earlier and the change on them ("—" without that comparison).
        public var yearEarlier = "—"
        public var yearChange = "—"
    }

    /// A finding: a headline sentence, supporting sentences, a chart and the chart's key numbers as a small table.
    public struct Finding: Sendable {
        public var id: String
        public var headline: String
        public var details: [String]
        public var chartTitle: String
        public var chartSVG: String
        public var table: (columns: [String], rows: [[String]])
    }

    public struct Action: Sendable {
        public var rank: Int
        public var title: String
        public var priority: String
        public var value: String
        public var customers: Int
        public var why: String
        public var formula: String
        public var timing: String
    }

    public var title: String
    public var datasetName: String
    /// "2009-12-01 to 2011-11-30".
    public var period: String
    /// "All customers" or the filters in words.
    public var selection: String
    public var asOf: String
    public var previousPeriod: String?
    /// "2010-09-02 to 2010-11-30": the same dates a year earlier, when the report compares with them.
    public var yearEarlierPeriod: String?
    public var generatedOn: String
    public var summary: [String]
    public var metrics: [Metric]
    public var findings: [Finding]
    public var actions: [Action]
    /// Definitions (term, meaning) for the method appendix.
    public var method: [(String, String)]
    /// Model validation sentences, when predictions were made.
    public var validation: [String]

    /// Builds the report. `previous` is the analysis of the period of equal length before (nil: no comparison).
    public init(analysis a: Analysis, previous: Analysis?, datasetName: String, periodStart: Int, selection: String,
                previousPeriod: (from: Int, to: Int)?, generatedOn: Int, recommendations: [Recommendation], history: Analysis? = nil) {
        let k = a.kpis
        title = "Customer intelligence report"
        self.datasetName = datasetName
        period = "\(DisplayFormat.date(periodStart)) to \(DisplayFormat.date(a.asOf - 1))"
        self.selection = selection
        asOf = DisplayFormat.date(a.asOf)
        let p = (previous?.kpis.totalCustomers ?? 0) > 0 ? previous?.kpis : nil
        self.previousPeriod = p != nil ? previousPeriod.map { "\(DisplayFormat.date($0.from)) to \(DisplayFormat.date($0.to))" } : nil
        self.generatedOn = DisplayFormat.date(generatedOn)
        validation = []

        // Key metrics with change.
        metrics = ExecutiveReport.compare(k, with: p).map { Metric(label: $0.label, value: $0.value, previous: $0.other, change: $0.change) }

        var summary = ["\(countNoun(k.totalCustomers, "customer")) placed \(countNoun(k.orders, "order")) worth \(DisplayFormat.money(k.totalRevenue)) in net revenue (\(period)); \(DisplayFormat.percent(k.repeatCustomerRate)) ordered more than once."]
        if let p, let pp = self.previousPeriod {
            summary.append("Against the previous period (\(pp)), revenue changed by \(DisplayFormat.percentChangeText(Double(k.totalRevenue), previous: Double(p.totalRevenue))) and customers by \(DisplayFormat.percentChangeText(Double(k.totalCustomers), previous: Double(p.totalCustomers))).")
        }
        if let top = recommendations.first {
            summary.append("The largest opportunity: \(top.title.prefix(1).lowercased() + top.title.dropFirst()) (\(DisplayFormat.money(top.value)) of expected incremental value).")
        }
        if let mid = a.midHistoryStart { summary.append(mid.sentence) }
        if let warning = a.shortSpanWarning { summary.append(warning) }
        self.summary = summary
        findings = ExecutiveReport.findings(history.flatMap { $0.table.count > 0 ? $0 : nil } ?? a)
        actions = recommendations.prefix(5).enumerated().map { i, r in
            Action(rank: i + 1, title: r.title, priority: r.priority.name, value: DisplayFormat.money(r.value), customers: r.rows.count,
                   why: r.why.first ?? "", formula: r.valueFormula, timing: r.timing)
        }
        method = ExecutiveReport.definitions
    }

    /// The key metrics of `k` against `p` (nil: "—"): label, value, the other period's value and the change (% or,
    /// for rates, percentage points).
    static func compare(_ k: ExecutiveKPIs, with p: ExecutiveKPIs?) -> [(label: String, value: String, other: String, change: String)] {
        let change = DisplayFormat.percentChangeText, points = DisplayFormat.pointsChangeText
        let m: (Int64?) -> String = { $0.map(DisplayFormat.money) ?? "—" }
        return [
            ("Customers", DisplayFormat.integer(k.totalCustomers), p.map { DisplayFormat.integer($0.totalCustomers) } ?? "—",
             change(Double(k.totalCustomers), p.map { Double($0.totalCustomers) })),
            ("Revenue", m(k.totalRevenue), m(p?.totalRevenue), change(Double(k.totalRevenue), p.map { Double($0.totalRevenue) })),
            ("Revenue per customer", m(k.avgRevenuePerCustomer), m(p?.avgRevenuePerCustomer ?? nil),
             change(k.avgRevenuePerCustomer.map(Double.init), (p?.avgRevenuePerCustomer ?? nil).map(Double.init))),
            ("Orders", DisplayFormat.integer(k.orders), p.map { DisplayFormat.integer($0.orders) } ?? "—", change(Double(k.orders), p.map { Double($0.orders) })),
            ("Average order value", m(k.averageOrderValue), m(p?.averageOrderValue ?? nil),
             change(k.averageOrderValue.map(Double.init), (p?.averageOrderValue ?? nil).map(Double.init))),
            ("Repeat customer rate", DisplayFormat.percent(k.repeatCustomerRate), p.map { DisplayFormat.percent($0.repeatCustomerRate) } ?? "—",
             points(k.repeatCustomerRate, p?.repeatCustomerRate ?? nil)),
            ("Champions", DisplayFormat.integer(k.championsCount), p.map { DisplayFormat.integer($0.championsCount) } ?? "—",
             change(Double(k.championsCount), p.map { Double($0.championsCount) })),
            ("Champions' revenue share", DisplayFormat.percent(k.championsRevenueSharePct.map { $0 / 100 }),
             p.map { DisplayFormat.percent($0.championsRevenueSharePct.map { $0 / 100 }) } ?? "—",
             points(k.championsRevenueSharePct.map { $0 / 100 }, (p?.championsRevenueSharePct ?? nil).map { $0 / 100 })),
        ]
    }

    /// Adds the comparison with the same dates a year earlier (`from`...`to`): a column of the key metrics and a
    /// summary sentence. Nothing when that period has no customer.
    public mutating func addYearEarlier(_ current: Analysis, _ year: Analysis, from: Int, to: Int) {
        let y = year.kpis, k = current.kpis
        guard y.totalCustomers > 0 else { return }
        let rows = ExecutiveReport.compare(k, with: y)
        for i in metrics.indices where i < rows.count { metrics[i].yearEarlier = rows[i].other; metrics[i].yearChange = rows[i].change }
        let period = "\(DisplayFormat.date(from)) to \(DisplayFormat.date(to))"
        yearEarlierPeriod = period
        let change = DisplayFormat.percentChangeText
        let sentence = "Against the same dates a year earlier (\(period)), revenue changed by \(change(Double(k.totalRevenue), Double(y.totalRevenue))) and customers by \(change(Double(k.totalCustomers), Double(y.totalCustomers)))."
        let at = summary.firstIndex { $0.hasPrefix("Against the previous period") }.map { $0 + 1 } ?? min(1, summary.count)
        summary.insert(sentence, at: at)
    }

    /// Whether the key metrics compare with anything.
    public var hasComparison: Bool { previousPeriod != nil || yearEarlierPeriod != nil }

    /// The key metrics table: columns and rows (the comparisons the report has).
    public var metricsTable: (columns: [String], rows: [[String]]) {
        var columns = ["Metric", "This period"]
        if previousPeriod != nil { columns += ["Previous period", "Change"] }
        if yearEarlierPeriod != nil { columns += ["A year earlier", "Change on a year earlier"] }
        let rows = metrics.map { m -> [String] in
            var row = [m.label, m.value]
            if previousPeriod != nil { row += [m.previous, m.change] }
            if yearEarlierPeriod != nil { row += [m.yearEarlier, m.yearChange] }
            return row
        }
        return (columns, rows)
    }

    public static let noComparison = "No comparison: the data holds no earlier period of the same length. Choose a date range (dashboard filters, or --from and --to) to compare with the period before it."

    static let definitions: [(String, String)] = [
        ("Order line", "One row of the export. Cancelled lines (invoice starting with C, or negative quantity) reduce revenue; lines without a customer id are guest revenue, outside customer figures; invalid lines are skipped and counted in the data-quality report."),
        ("Customer, order", "A customer has at least one order; an order is a distinct invoice of a customer among non-cancelled lines, dated by its earliest line."),
        ("Revenue", "Net revenue: quantity × unit price summed exactly over the customer's valid lines, returns included."),
        ("As-of date", "The day after the latest line (or after the end of the selected range): recency is measured from it."),
        ("RFM scores", "R, F and M from 1 to 5 rank customers by recency, number of orders and revenue: score = 1 + floor(5 × L / n), L = customers strictly below; ties share a score."),
        ("Segments", "From R and F: Champions (R5, F4-5), Loyal (R3-4, F4-5), Potential Loyalists (R4-5, F2-3), New (R5, F1), Promising (R4, F1), Need Attention (R3, F3), About To Sleep (R3, F1-2), At Risk (R1-2, F3-4), Can't Lose Them (R1-2, F5), Hibernating (R1-2, F1-2)."),
        ("Value tiers", "By revenue rank: Platinum top 5%, Gold next 15%, Silver next 30%, Bronze bottom 50%."),
        ("Concentration", "Top k% share: revenue of the largest ceil(k% × n) customers over all revenue (negative revenue counts as 0). Gini from the sorted values: 0 = equal, 1 = one customer holds everything."),
        ("Cohorts and retention", "A cohort is the month of a customer's first order; retention at month k is the share of the cohort with an order in month k after it."),
        ("Previous period", "The period of equal length that ends the day before the selected period starts, with the same filters."),
    ]

    /// The findings, each only when the data supports it.
    /// The findings of `a`, the customer base as of the period's end (see ``build``).
    static func findings(_ a: Analysis) -> [Finding] {
        var out: [Finding] = []
        let k = a.kpis
        guard a.table.count > 0 else { return out }
        // 1. Revenue trend and new vs returning revenue.
        let s = PeriodSeries(analysis: a, period: .month)
        if s.count >= 2 {
            let lastComplete = a.monthlyCohorts.isIncomplete(index: s.index.last!, asOf: a.asOf) ? s.count - 2 : s.count - 1
            var details: [String] = []
            var headline = "Revenue averaged \(DisplayFormat.money(s.revenue.reduce(0, +) / Int64(s.count))) a month over \(countNoun(s.count, "month"))."
            if lastComplete >= 14 {
                // Year on year, so that seasonality does not pass for growth.
                let recent = s.revenue[(lastComplete - 2)...lastComplete].reduce(0, +)
                let before = s.revenue[(lastComplete - 14)...(lastComplete - 12)].reduce(0, +)
                if let ch = DisplayFormat.signedPercentChange(Double(recent), previous: Double(before)) {
                    headline = "Revenue in the last three complete months (\(s.labels[lastComplete - 2]) to \(s.labels[lastComplete])) was \(DisplayFormat.money(recent)), \(ch) on the same months a year earlier."
                }
            } else if lastComplete >= 5 {
                let recent = s.revenue[(lastComplete - 2)...lastComplete].reduce(0, +)
                let before = s.revenue[(lastComplete - 5)...(lastComplete - 3)].reduce(0, +)
                if let ch = DisplayFormat.signedPercentChange(Double(recent), previous: Double(before)) {
                    headline = "Revenue in the last three complete months (\(s.labels[lastComplete - 2]) to \(s.labels[lastComplete])) was \(DisplayFormat.money(recent)), \(ch) on the three months before (not adjusted for seasonality: less than 15 months of data)."
                }
            }
            // A first month inflated by data that starts mid-history is left out: its "new" customers were already buying.
            let mid = a.midHistoryStart
            let months = s.revenue.indices.filter { s.labels[$0] != mid?.month }
            let newTotal = months.reduce(Int64(0)) { $0 + s.newRevenue[$1] }, retTotal = months.reduce(Int64(0)) { $0 + s.returningRevenue[$1] }
            if newTotal + retTotal > 0, retTotal >= 0, newTotal >= 0 {
                details.append("Returning customers brought \(DisplayFormat.percent(Double(retTotal) / Double(newTotal + retTotal))) of customer revenue; first-month purchases the rest\(mid.map { " (\($0.month) left out: the data starts mid-history)" } ?? "").")
            }
            if let best = months.max(by: { s.revenue[$0] < s.revenue[$1] }) {
                details.append("The strongest month was \(s.labels[best]) (\(DisplayFormat.money(s.revenue[best])), \(DisplayFormat.integer(s.activeCustomers[best])) active customer\(s.activeCustomers[best] == 1 ? "" : "s")).")
            }
            let chart = StackedBarChart(title: "Revenue by month, new vs returning customers", categories: s.labels,
                                        series: [ChartSeries(name: "New customers", values: s.newRevenue.map { Double($0) / 10_000 }),
                                                 ChartSeries(name: "Returning customers", values: s.returningRevenue.map { Double($0) / 10_000 })],
                                        categoryAxisTitle: "Month", valueAxisTitle: DisplayFormat.moneyTitle("Net revenue"), format: DisplayFormat.compactAmount, height: 320)
            let rows = (max(0, s.count - 12)..<s.count).map { [s.labels[$0], DisplayFormat.money(s.revenue[$0]), DisplayFormat.money(s.newRevenue[$0]), DisplayFormat.money(s.returningRevenue[$0]), DisplayFormat.integer(s.activeCustomers[$0])] }
            out.append(Finding(id: "revenue", headline: headline, details: details, chartTitle: chart.title, chartSVG: chart.svg(),
                               table: (["Month", "Revenue", "From new customers", "From returning customers", "Active customers"], rows)))
        }
        // 2. Concentration.
        let c = a.concentration
        if let top20 = c.top20, let gini = c.gini {
            let plat = a.tiers.first { $0.tier == .platinum }!
            let chart = LorenzChart(title: "Lorenz curve of customer revenue",
                                    points: c.lorenz.enumerated().compactMap { i, v in v.map { (Double(i) / 100, $0) } },
                                    xAxisTitle: "Share of customers (smallest first)", yAxisTitle: "Share of revenue",
                                    annotations: ["Gini \(DisplayFormat.decimal(gini, digits: 2))"], height: 340)
            out.append(Finding(
                id: "concentration",
                headline: "The top 20% of customers bring \(DisplayFormat.percent(top20)) of revenue; the top 1% bring \(DisplayFormat.percent(c.top1)).",
                details: ["The Gini coefficient is \(DisplayFormat.decimal(gini, digits: 2)). Platinum customers (\(DisplayFormat.integer(plat.customers)), the top 5%) spend \(DisplayFormat.money(plat.customers > 0 ? plat.revenue / Int64(plat.customers) : 0)) each on average, against \(DisplayFormat.money(k.avgRevenuePerCustomer ?? 0)) for all customers."],
                chartTitle: chart.title, chartSVG: chart.svg(),
                table: (["Customers", "Share of revenue"], [("Top 1%", c.top1), ("Top 5%", c.top5), ("Top 10%", c.top10), ("Top 20%", c.top20)].map { [$0.0, DisplayFormat.percent($0.1)] })))
        }
        // 3. Retention.
        // As on the Retention page: without the first cohort of data that starts mid-history, and only offsets
        // observed in at least CohortMatrix.minCohortsPerOffset cohorts.
        let inflated = a.midHistoryStart?.inflatedRows(a.monthlyCohorts) ?? []
        let minCohorts = CohortMatrix.minCohortsPerOffset
        let avg = a.monthlyCohorts.averageRetention(asOf: a.asOf, minCohorts: minCohorts, excluding: inflated)
        if avg.count >= 3, avg[1].offset == 1, let drop = a.monthlyCohorts.biggestDropOff(asOf: a.asOf, minCohorts: minCohorts, excluding: inflated) {
            let chart = LineChart(title: "Average retention by months since first order", x: .categories(avg.map { "+\($0.offset)" }),
                                  series: [ChartSeries(name: "Customers active", values: avg.map { $0.rate.map { $0 * 100 } })],
                                  xAxisTitle: "Months since first order", yAxisTitle: "Customers active (%)",
                                  format: { DisplayFormat.decimal($0, digits: 0) + "%" }, area: true, height: 320)
            let r1 = avg[1].rate
            var details = ["The biggest drop-off is at month \(drop.offset): from \(DisplayFormat.percent(drop.before)) to \(DisplayFormat.percent(drop.after))."]
            if let r6 = avg.first(where: { $0.offset == 6 })?.rate { details.append("Six months after the first order, \(DisplayFormat.percent(r6)) of a cohort is still ordering in the month.") }
            out.append(Finding(
                id: "retention",
                headline: "Only \(DisplayFormat.percent(r1)) of new customers order again in the month after their first order.",
                details: details, chartTitle: chart.title, chartSVG: chart.svg(),
                table: (["Months since first order", "Customers active"], avg.prefix(13).map { ["+\($0.offset)", DisplayFormat.percent($0.rate)] })))
        }
        // 4. Segment mix and revenue at risk.
        // Segments with customers only (a row of zeros says nothing).
        let seg = a.segments.filter { $0.customers > 0 }.sorted { $0.revenue > $1.revenue }
        let risk = a.segments.filter { $0.segment == .atRisk || $0.segment == .cantLose }
        let riskCustomers = risk.reduce(0) { $0 + $1.customers }, riskRevenue = risk.reduce(Int64(0)) { $0 + $1.revenue }
        let champ = a.segments.first { $0.segment == .champions }!
        let chart = BarChart(title: "Revenue by RFM segment", labels: seg.map(\.segment.rawValue), values: seg.map { Double($0.revenue) / 10_000 },
                             categoryAxisTitle: "Segment", valueAxisTitle: DisplayFormat.moneyTitle("Net revenue"), horizontal: true, showValueLabels: true, format: DisplayFormat.compactAmount, height: 340)
        out.append(Finding(
            id: "segments",
            headline: "Champions are \(DisplayFormat.percent(champ.customerShare)) of customers and bring \(DisplayFormat.percent(champ.revenueShare)) of revenue" + (riskCustomers == 0 ? "; no customer is At Risk or Can't Lose Them."
                : "; \(countNoun(riskCustomers, "At Risk or Can't Lose Them customer")) \(riskCustomers == 1 ? "holds" : "hold") \(DisplayFormat.percent(ExactRatio.value(riskRevenue, k.totalRevenue))) of revenue."),
            details: (riskCustomers == 0 ? [] : ["\(riskCustomers == 1 ? "That at-risk customer has" : "Those at-risk customers have") spent \(DisplayFormat.money(riskRevenue)) but \(riskCustomers == 1 ? "has" : "have") not ordered for a median of \(DisplayFormat.days(lowerMedian((0..<a.table.count).filter { a.segment[$0] == .atRisk || a.segment[$0] == .cantLose }.map { a.table.recencyDays($0) }) ?? 0))."])
                + (a.shortSpanWarning.map { [$0] } ?? []),
            chartTitle: chart.title, chartSVG: chart.svg(),
            table: (["Segment", "Customers", "Revenue", "Share of revenue"], seg.map { [$0.segment.rawValue, DisplayFormat.integer($0.customers), DisplayFormat.money($0.revenue), DisplayFormat.percent($0.revenueShare)] })))
        return out
    }
}

/// "1 customer", "2,517 customers".
func countNoun(_ n: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
    "\(DisplayFormat.integer(n)) \(n == 1 ? singular : (pluralForm ?? singular + "s"))"
}

extension ExecutiveReport {
    /// Adds the predictive finding (churn risk and revenue at risk) and the model validation figures (the method
    /// appendix lists every candidate's holdout scores).
    public mutating func addChurn(_ m: ChurnModel, explanations e: ChurnExplanations, analysis a: Analysis) {
        let n = a.table.count
        guard m.usable, n > 0 else {
            validation = [m.choiceSentence]
            return
        }
        let chosen = m.riskModel?.rawValue ?? ""
        var count = [ChurnRiskBand: Int](), clv = [ChurnRiskBand: Double]()
        for r in 0..<n {
            count[m.band(r), default: 0] += 1
            clv[m.band(r), default: 0] += m.lifetimeValue[r].isFinite ? m.lifetimeValue[r] : 0
        }
        let lapsed = (count[.high] ?? 0) + (count[.veryHigh] ?? 0)
        let expectedQuiet = (0..<n).reduce(0.0) { $0 + m.churnRisk($1) }
        let atRisk = e.revenueAtRisk.reduce(0, +)
        let totalCLV = clv.values.reduce(0, +)
        let names: [ChurnRiskBand: String] = [.low: "Low (<25%)", .medium: "Medium (25-50%)", .high: "High (50-75%)", .veryHigh: "Very high (75%+)"]
        let bands = ChurnRiskBand.allCases
        let chart = BarChart(title: "Customers by churn risk (\(chosen))", labels: bands.map { names[$0]! }, values: bands.map { Double(count[$0] ?? 0) },
                             categoryAxisTitle: "Churn risk: \(m.riskWords)", valueAxisTitle: "Customers", showValueLabels: true, height: 300)
        var details = ["The model expects about \(DisplayFormat.integer(rounding: expectedQuiet)) of the \(DisplayFormat.integer(n)) customers to place no order in the next \(m.horizonDays) days; \(DisplayFormat.money(atRisk)) of revenue is at risk over those days (churn risk × each customer's revenue of the last 365 days scaled to those days)."]
        if m.valueUsable {
            details.append("Expected customer value over the next \(m.options.horizonMonths) months: \(DisplayFormat.money(currency: totalCLV)) (\(m.valueModel?.rawValue ?? "") × Gamma-Gamma, discounted).")
        }
        let valuable = (0..<n).filter { m.churnRisk($0) >= 0.5 && (a.tier[$0] == .gold || a.tier[$0] == .platinum) }
        if !valuable.isEmpty {
            details.append("\(DisplayFormat.integer(valuable.count)) of them \(valuable.count == 1 ? "is a Gold or Platinum customer who has" : "are Gold or Platinum customers who have") spent \(DisplayFormat.money(valuable.reduce(Int64(0)) { $0 + a.table.monetary[$1] })) so far.")
        }
        details.append(m.choiceSentence)
        findings.append(Finding(
            id: "churn",
            headline: "\(DisplayFormat.integer(lapsed)) customer\(lapsed == 1 ? "" : "s") (\(DisplayFormat.percent(Double(lapsed) / Double(n)))) \(lapsed == 1 ? "is" : "are") more likely than not to place no order in the next \(m.horizonDays) days (\(chosen)).",
            details: details, chartTitle: chart.title, chartSVG: chart.svg(),
            table: (["Churn risk", "Customers", m.valueUsable ? "Value, next \(m.options.horizonMonths) months" : "Past revenue"],
                    bands.map { b in [names[b]!, DisplayFormat.integer(count[b] ?? 0),
                                      m.valueUsable ? DisplayFormat.money(currency: clv[b] ?? 0)
                                                    : DisplayFormat.money((0..<n).filter { m.band($0) == b }.reduce(Int64(0)) { $0 + a.table.monetary[$1] })] })))
        var v = [m.choiceSentence]
        for row in m.candidateRows {
            let scores = row.logLoss.map { "log-loss \(DisplayFormat.decimal($0, digits: 3)), AUC \(row.auc.map { DisplayFormat.decimal($0, digits: 3) } ?? "—"), Brier \(row.brier.map { DisplayFormat.decimal($0, digits: 3) } ?? "—")" } ?? "not scored"
            v.append("\(row.candidate.rawValue)\(row.chosen ? " (chosen)" : ""): \(scores); \(row.status)\(row.purchasesMAE.map { "; purchases error \(DisplayFormat.decimal($0, digits: 3)) per customer" + (row.valueModel ? " (value model)" : "") } ?? "").")
        }
        v.append(m.valueSentence)
        validation = v
    }
}
