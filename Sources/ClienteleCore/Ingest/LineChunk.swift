/// A block of parsed, valid order lines in columnar form. Codes index the owning ``OrderLines`` interners
/// (during a load, a segment's codes are first local to its chunk and then remapped).
public struct LineChunk: Sendable {
    /// Customer code, or -1 for a guest line.
    public var customer: [Int32] = []
    /// Calendar day (days since 1970-01-01).
    public var day: [Int32] = []
    /// Invoice (order id) code.
    public var invoice: [Int32] = []
    /// Line revenue in money units (1/10,000), negative on returns.
    public var revenue: [Int64] = []
    /// Country code, or -1 when the line has none.
    public var country: [Int32] = []
    /// Cancelled: invoice starts with `C` or quantity is negative.
    public var cancelled: [Bool] = []

    public var count: Int { day.count }

    public init() {}

    mutating func reserve(_ n: Int) {
        customer.reserveCapacity(n); day.reserveCapacity(n); invoice.reserveCapacity(n)
        revenue.reserveCapacity(n); country.reserveCapacity(n); cancelled.reserveCapacity(n)
    }

    @inline(__always)
    public mutating func append(customer c: Int32, day d: Int32, invoice i: Int32, revenue r: Int64, country k: Int32, cancelled x: Bool) {
        customer.append(c); day.append(d); invoice.append(i); revenue.append(r); country.append(k); cancelled.append(x)
    }
}

/// All valid order lines of a data set (guests and cancellations included), with the interned texts.
public struct OrderLines: Sendable {
    public var chunks: [LineChunk] = []
    public var customers = ByteInterner(capacity: 1 << 14)
    public var invoices = ByteInterner(capacity: 1 << 16)
    public var countries = ByteInterner(capacity: 64)

    public init() {}

    public var count: Int { chunks.reduce(0) { $0 + $1.count } }

    /// Builds order lines from canonical values (tests, generated data).
    public static func build(_ rows: [(customer: String?, invoice: String, day: Int, revenueUnits: Int64, country: String?, cancelled: Bool)]) -> OrderLines {
        var lines = OrderLines()
        var seg = LineChunk()
        for r in rows {
            let c = r.customer.map { lines.customers.intern($0) } ?? -1
            let k = r.country.map { lines.countries.intern($0) } ?? -1
            seg.append(customer: c, day: Int32(r.day), invoice: lines.invoices.intern(r.invoice), revenue: r.revenueUnits,
                       country: k, cancelled: r.cancelled)
        }
        lines.chunks = [seg]
        return lines
    }
}
