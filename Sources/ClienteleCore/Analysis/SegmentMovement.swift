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
    }

    /// Every cell with at least one customer: rows in `Segment.allCases` order then new customers, columns in
    /// `Segment.allCases` order.
    public var flows: [Flow] {
        var cells: [String: Flow] = [:]
        for r in 0..<table.count {
            let key = (from[r]?.rawValue ?? "") + "→" + to[r].rawValue
            cells[key, default: Flow(from: from[r], to: to[r], customers: 0, revenue: 0)].customers += 1
            cells[key]!.revenue += lastYearRevenue[r]
        }
        let order = Segment.allCases
        func index(_ s: Segment?) -> Int { s.flatMap { order.firstIndex(of: $0) } ?? order.count }
        return cells.values.sorted { (index($0.from), index($0.to)) < (index($1.from), index($1.to)) }
    }

    /// The rows of the customers who went from `from` (nil: new) to `to`; `anyFrom`/`anyTo` ignore that side.
    public func rows(from f: Segment?, anyFrom: Bool = false, to t: Segment?) -> [Int] {
        (0..<table.count).filter { (anyFrom || from[$0] == f) && (t == nil || to[$0] == t) }
    }

    /// Customers at the start date.
    public var startCustomers: Int { from.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
    /// Customers in the same segment at both dates.
    public var stayed: Int { (0..<table.count).reduce(0) { $0 + (from[$1] == to[$1] ? 1 : 0) } }
}
