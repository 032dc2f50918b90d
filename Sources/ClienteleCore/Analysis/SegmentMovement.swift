/// Customers moving between RFM segments: every customer's segment (ANALYTICS.md sections 3-4) as of two dates, on
/// the same lines (after the country filter), as a transition matrix of customers and revenue.
///
/// The segment "as of D" is the one computed with as-of date D from the lines dated before D. A customer with no order
/// before the start date is *new* (row `nil`). Every customer of the start date is a customer at the end date (an
/// order never disappears), so the end date's customers are the whole population. A cell's revenue is its customers'
/// net revenue (lines, cancellations included) dated in the 365 days before the end date: what the flow is worth
/// over the last year.
public struct SegmentMovement: Sendable {
    /// The two as-of dates (day numbers), `start < end`.
    public let start: Int
    public let end: Int
    /// The end date's customer table (rows as in `end`'s analysis).
    public let table: CustomerTable
    /// Per row: the segment at the start date (nil: no order before it) and at the end date.
    public let from: [Segment?]
    public let to: [Segment]
    /// Per row: net revenue of the lines dated in [end − 365, end).
    public let lastYearRevenue: [Int64]
    /// Every cell with at least one customer: rows in `Segment.allCases` order then new customers, columns in
    /// `Segment.allCases` order.
    public let flows: [Flow]

    /// One cell of the matrix.
    public struct Flow: Sendable, Equatable {
        public var from: Segment?
        public var to: Segment
        public var customers: Int
        public var revenue: Int64
        /// Whether the customers changed segment (a new customer always did).
        public var moved: Bool { from != to }
    }

    /// `startAnalysis` and `endAnalysis` are the analyses as of `start` and `end` of the same lines; `endLines` are the
    /// lines of `endAnalysis`.
    public init(start: Int, end: Int, startAnalysis: Analysis, endAnalysis: Analysis, endLines: OrderLines) {
        precondition(start < end, "the start date must come before the end date")
        self.start = start
        self.end = end
        let t = endAnalysis.table
        table = t
        to = endAnalysis.segment
        let before = startAnalysis.table
        var from = [Segment?](repeating: nil, count: t.count)
        for r in 0..<before.count {
            let code = Int(before.idCode[r])
            guard code < t.rowOfCode.count else { continue }
            let row = Int(t.rowOfCode[code])
            if row >= 0 { from[row] = startAnalysis.segment[r] }
        }
        self.from = from
        var revenue = [Int64](repeating: 0, count: t.count)
        for chunk in endLines.chunks {
            for j in 0..<chunk.count {
                let c = Int(chunk.customer[j]), day = Int(chunk.day[j])
                guard c >= 0, day >= end - 365, day < end, c < t.rowOfCode.count else { continue }
                let row = Int(t.rowOfCode[c])
                if row >= 0 { revenue[row] &+= chunk.revenue[j] }
            }
        }
        lastYearRevenue = revenue
        // One pass over the customers into a (start segment or new) × (end segment) grid, in matrix order.
        let order = Segment.allCases
        let index = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var customers = [Int](repeating: 0, count: (order.count + 1) * order.count)
        var cellRevenue = [Int64](repeating: 0, count: customers.count)
        for r in 0..<t.count {
            let cell = (from[r].map { index[$0]! } ?? order.count) * order.count + index[to[r]]!
            customers[cell] += 1
            cellRevenue[cell] &+= revenue[r]
        }
        flows = customers.indices.filter { customers[$0] > 0 }.map { cell in
            let row = cell / order.count
            return Flow(from: row < order.count ? order[row] : nil, to: order[cell % order.count],
                        customers: customers[cell], revenue: cellRevenue[cell])
        }
    }

    /// The rows of the customers who went from `from` (nil: new) to `to` (nil: any segment); `anyFrom` ignores the
    /// start side.
    public func rows(from f: Segment?, anyFrom: Bool = false, to t: Segment?) -> [Int] {
        (0..<table.count).filter { (anyFrom || from[$0] == f) && (t == nil || to[$0] == t) }
    }

    /// Customers at the start date.
    public var startCustomers: Int { from.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
    /// Customers in the same segment at both dates.
    public var stayed: Int { (0..<table.count).reduce(0) { $0 + (from[$1] == to[$1] ? 1 : 0) } }

    /// The movement from the as-of date `start` to `end`, where `analysis(day)` is the analysis as of `day` of the
    /// same lines (nil: no customer); nil when no customer has an order before `end`. The dashboard passes its
    /// snapshot's cached analyses, `clientele report` computes them.
    public static func compute(start: Int, end: Int, analysis: (Int) -> FilteredAnalysis?) -> SegmentMovement? {
        guard start < end, let later = analysis(end), later.analysis.table.count > 0 else { return nil }
        return SegmentMovement(start: start, end: end, startAnalysis: analysis(start)?.analysis ?? Analysis(lines: OrderLines(), asOf: start),
                               endAnalysis: later.analysis, endLines: later.lines)
    }

    /// The filter whose analysis is the one as of `day` on `countries` (none for the data's own as-of date, so that
    /// the whole data set's analysis serves when no country is set).
    public static func filter(asOf day: Int, dataAsOf: Int, countries: [String]) -> AnalysisFilter {
        AnalysisFilter(to: day >= dataAsOf ? nil : day - 1, countries: countries)
    }

    /// Days between the two dates of the movement the churn page and the report sum up.
    public static let recentDays = 90

    /// The recent window ending at the as-of date `end` (start `recentDays` before), or nil when the data does not
    /// reach back that far.
    public static func recentWindow(end: Int, dataStart: Int) -> (start: Int, end: Int)? {
        end - recentDays > dataStart ? (end - recentDays, end) : nil
    }

    /// The name of a start segment ("New (no order yet)" for none).
    public static func name(_ s: Segment?) -> String { s?.rawValue ?? newLabel }
    public static let newLabel = "New (no order yet)"

    /// The flows between different segments, largest first (customers, then revenue).
    public var moves: [Flow] {
        flows.filter { $0.moved }.sorted { ($0.customers, $0.revenue) > ($1.customers, $1.revenue) }
    }

    /// The movement in words: who stayed, the three largest flows between segments (with their revenue), the new
    /// customers, and what became of the Champions.
    public var sentences: [String] {
        func count(_ n: Int, _ noun: String) -> String { "\(DisplayFormat.integer(n)) \(noun)\(n == 1 ? "" : "s")" }
        func share(_ part: Int, _ whole: Int) -> String { DisplayFormat.percent(whole > 0 ? Double(part) / Double(whole) : nil) }
        let flows = self.flows
        var out: [String] = []
        let period = "\(DisplayFormat.date(start)) and \(DisplayFormat.date(end))"
        if startCustomers > 0 {
            out.append("Of the \(count(startCustomers, "customer")) of \(DisplayFormat.date(start)), \(share(stayed, startCustomers)) were in the same segment on \(DisplayFormat.date(end)).")
        }
        // "worth 84,000.00 over the last year"; a flow of lapsed customers can be worth nothing, or net returns.
        func worth(_ revenue: Int64) -> String {
            revenue > 0 ? "worth \(DisplayFormat.money(revenue)) over the last year"
                : revenue == 0 ? "with no net revenue over the last year" : "with net returns of \(DisplayFormat.money(-revenue)) over the last year"
        }
        // "customers went from New Customers to Promising" (a segment name may already say "Customers").
        for f in moves.filter({ $0.from != nil }).prefix(3) {
            out.append("\(count(f.customers, "customer")) went from \(f.from!.rawValue) to \(f.to.rawValue), \(worth(f.revenue)).")
        }
        let newFlows = flows.filter { $0.from == nil }
        let newCount = newFlows.reduce(0) { $0 + $1.customers }
        if newCount > 0, let biggest = newFlows.max(by: { $0.customers < $1.customers }) {
            out.append("\(count(newCount, "new customer")) placed a first order between \(period); most of them (\(DisplayFormat.integer(biggest.customers))) are \(biggest.to.rawValue) now.")
        }
        // What became of the Champions: the segment a retention team watches first.
        let champions = flows.filter { $0.from == .champions }
        let total = champions.reduce(0) { $0 + $1.customers }
        if total > 0 {
            let kept = champions.first { $0.to == .champions }?.customers ?? 0
            let main = champions.filter { $0.to != .champions }.max { $0.customers < $1.customers }
            out.append("Champions kept \(share(kept, total)) of their customers (\(DisplayFormat.integer(kept)) of \(DisplayFormat.integer(total)))"
                + (main.map { "; most of the others are \($0.to.rawValue) now (\(DisplayFormat.integer($0.customers)), \(worth($0.revenue)))." } ?? "."))
        }
        return out
    }
}
