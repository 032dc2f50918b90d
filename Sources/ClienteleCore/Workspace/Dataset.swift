import Foundation

/// One loaded data set: its lines, data-quality report and unfiltered analysis.
public struct Dataset: Sendable {
    /// A short name for the page header ("demo.csv", "online_retail_II.csv").
    public var name: String
    /// Where it came from, in words.
    public var source: String
    /// ISO 4217 code of the data set's currency ("GBP"): given by the user (`--currency`, the upload form, the Data
    /// sets page) or detected from a currency column; nil when unknown (money is then shown without a symbol).
    public var currency: String?
    public var loaded: LoadedData
    /// The analysis without filters.
    public var base: Analysis
    /// First and last day of the valid lines.
    public var span: ClosedRange<Int>
    /// Countries of the lines, alphabetical.
    public var countries: [String]
    /// Seconds the load and analysis took.
    public var loadSeconds: Double
    /// Distinguishes cache entries of successive data sets.
    public var generation: Int
    /// Rank of each customer code in code-point order of the ids (fast sorting with ties by id).
    public var idRank: [Int32]

    /// For a database source: reads one customer's own lines where they live (a bounded query), for the profile's
    /// order history, whose lines the compact lines of a database do not keep. nil for files. The failure is a
    /// sentence.
    public var customerLineSource: (@Sendable (String) -> Result<[SourceLine], SourceLineError>)? = nil

    /// Day of each customer code's first order in the whole data set (Int32.max: none); computed once, read by every
    /// date-filtered overview.
    public var firstOrderDayByCode: [Int32]

    public init(name: String, source: String, loaded: LoadedData, loadSeconds: Double = 0, generation: Int = 0) {
        self.name = name
        self.source = source
        // Pages show file names, never the server's folders.
        var loaded = loaded
        loaded.report.files = loaded.report.files.map(Dataset.fileName)
        loaded.report.examples = loaded.report.examples.mapValues { $0.map { e in var e = e; e.file = Dataset.fileName(e.file); return e } }
        self.loaded = loaded
        currency = loaded.currency
        self.loadSeconds = loadSeconds
        self.generation = generation
        base = Analysis(lines: loaded.lines)
        // The report's excluded customers come from the customer table, as in `clientele analyze`.
        self.loaded.report.excludedCustomers = base.table.excludedCustomers
        self.loaded.report.excludedCustomerRevenue = Money.format(base.table.excludedCustomerRevenue)
        idRank = loaded.lines.customers.codePointRanks()
        let table = base.table
        firstOrderDayByCode = table.rowOfCode.map { $0 < 0 ? Int32.max : table.firstPurchase[Int($0)] }
        span = loaded.lines.daySpan ?? 0...0
        let c = loaded.lines.countries
        countries = (0..<Int32(c.count)).map { c.string($0) }.filter { !$0.isEmpty }.sorted()
    }

    static func fileName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

    public var lines: OrderLines { loaded.lines }
    public var report: DataQualityReport { loaded.report }
    public var asOf: Int { base.asOf }
}

/// One valid order line of one customer, as read from a database source for the profile.
public struct SourceLine: Sendable, Equatable {
    public var invoice: String
    public var day: Int
    public var country: String?
    public var units: Int64
    public var cancelled: Bool

    public init(invoice: String, day: Int, country: String?, units: Int64, cancelled: Bool) {
        self.invoice = invoice; self.day = day; self.country = country; self.units = units; self.cancelled = cancelled
    }
}

/// Why a customer's lines could not be read (a sentence).
public struct SourceLineError: Error, Sendable { public var message: String; public init(_ m: String) { message = m } }

extension OrderLines {
    /// The lines of one customer, with the codes of `base` (customers and countries keep their meaning, so an analysis
    /// of `base` reads them): what a profile of a database source is built on.
    public static func oneCustomer(_ id: String, lines source: [SourceLine], like base: OrderLines) -> OrderLines {
        var out = OrderLines()
        out.customers = base.customers
        out.countries = base.countries
        guard let code = base.customers.lookup(id) else { return out }
        var chunk = LineChunk()
        for l in source {
            let k = l.country.map { out.countries.lookup($0) ?? out.countries.intern($0) } ?? -1
            chunk.append(customer: code, day: Int32(clamping: l.day), invoice: out.invoices.intern(l.invoice), revenue: l.units, country: k, cancelled: l.cancelled)
        }
        out.chunks = [chunk]
        return out
    }
}
