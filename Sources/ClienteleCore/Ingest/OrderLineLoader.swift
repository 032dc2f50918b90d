import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Options of a load.
public struct LoadOptions: Sendable {
    /// A user-given column mapping (generic layout); nil to detect the layout from the header.
    public var mapping: UserMapping?
    /// Read `1/2/2010` as 1 February (day first) instead of January 2 (month first, the default).
    public var dayFirst = false
    /// Bytes per parse chunk.
    public var chunkBytes = 4 << 20
    /// Parallel parse workers (default: active processors).
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Called after each batch with (bytes consumed, total bytes if known).
    public var progress: (@Sendable (Int, Int?) -> Void)?
    /// Valid dates (day numbers, days since 1970-01-01): a line dated outside is invalid (`timestamp_out_of_range`,
    /// ANALYTICS.md section 1). nil: the default, ``defaultValidDays(today:)`` on the day of the load.
    public var validDays: ClosedRange<Int>?
    /// Product codes whose lines are left out (postage, fees, adjustments); needs a product-code column. Off by
    /// default, so that the seed-compatible exports follow ANALYTICS.md.
    public var excludedProducts = ExcludedProducts()

    public init(mapping: UserMapping? = nil, dayFirst: Bool = false, validDays: ClosedRange<Int>? = nil) {
        self.mapping = mapping
        self.dayFirst = dayFirst
        self.validDays = validDays
    }

    /// The default range of valid dates: 1970-01-01 to one day after `today` (a day number; default: today in UTC).
    public static func defaultValidDays(today: Int = LoadOptions.today()) -> ClosedRange<Int> {
        0...max(0, today + 1)
    }

    /// Today's day number (UTC).
    public static func today() -> Int {
        Int((Date().timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// The valid dates of this load.
    public var effectiveValidDays: ClosedRange<Int> { validDays ?? LoadOptions.defaultValidDays() }

    /// Parses a range of valid dates written `FROM..TO` (ISO dates, both included, years 0001-9999), as given to
    /// `--valid-dates`; the error is a sentence for the user.
    public static func parseValidDates(_ text: String) -> Result<ClosedRange<Int>, IngestError> {
        let parts = text.trimmingCharacters(in: .whitespaces).components(separatedBy: "..")
        guard parts.count == 2, let from = CivilDate.parseISODate(parts[0].trimmingCharacters(in: .whitespaces)),
              let to = CivilDate.parseISODate(parts[1].trimmingCharacters(in: .whitespaces)) else {
            return .failure(.invalidSettings("valid dates must be FROM..TO with dates YYYY-MM-DD (e.g. 1990-01-01..2030-12-31), got '\(text)'"))
        }
        guard from <= to else {
            return .failure(.invalidSettings("valid dates \(text): the first date is after the second"))
        }
        return .success(from...to)
    }
}

/// The result of loading one or more files: the valid order lines and what the load read and rejected.
public struct LoadedData: Sendable {
    public var lines: OrderLines
    public var report: DataQualityReport
    /// The ISO 4217 code of the export's currency column (the most frequent value on the valid lines) when the
    /// layout has one; nil otherwise.
    public var currency: String? = nil
    /// Valid lines per day, when the lines are a database's compact lines (a `PostgresSource`): what counts "lines after
    /// the as-of date" there. nil for files, whose lines are the lines.
    public var linesByDay: [Int32: Int]? = nil
    /// Seconds of each step of a database load (`plan`, `quality`, `activity`, `assemble`), for `--timings`.
    public var loadPhases: [(String, Double)] = []

    public init(lines: OrderLines, report: DataQualityReport, currency: String? = nil) {
        self.lines = lines
        self.report = report
        self.currency = currency
    }

    /// The most frequent ISO 4217 code among currency column values (lines per value; ties: the alphabetically first
    /// code), and the lines in any other value.
    public static func mainCurrency(_ lines: [String: Int]) -> (String?, Int) { OrderLineLoader.mainCurrency(lines) }
}

/// Streams order-line files into columnar ``OrderLines`` and a ``DataQualityReport`` (ANALYTICS.md section 1).
///
/// Input is read in blocks; complete records of several blocks are parsed in parallel, each into chunk-local codes,
/// then merged in file order, so results and line numbers do not depend on the number of workers.
public enum OrderLineLoader {
    /// Loads files (`-` = standard input), detecting each file's layout. Olist's three files are joined.
    public static func load(paths: [String], options: LoadOptions = LoadOptions()) throws(IngestError) -> LoadedData {
        var state = MergeState()
        if paths.count > 1, let olist = try olistFiles(paths) {
            try loadOlist(olist, options: options, state: &state)
        } else {
            for path in paths {
                let source = try openOrderSource(path: path)
                try loadSource(source, name: path, options: options, state: &state)
            }
        }
        return try finish(state, files: paths)
    }

    /// Loads one in-memory or custom source.
    public static func load(source: any ByteSource, name: String, options: LoadOptions = LoadOptions()) throws(IngestError) -> LoadedData {
        var state = MergeState()
        try loadSource(source, name: name, options: options, state: &state)
        return try finish(state, files: [name])
    }

    public static func load(text: String, name: String = "input.csv", options: LoadOptions = LoadOptions()) throws(IngestError) -> LoadedData {
        try load(source: MemorySource(text), name: name, options: options)
    }

    static func finish(_ state: MergeState, files: [String]) throws(IngestError) -> LoadedData {
        var report = state.report
        report.files = files
        (report.productCodes, report.nonProductCodeCount) = NonProductCodes.summarize(state.productStats, requested: state.excludedProducts.codes)
        report.netUnits = state.netUnits
        let coded = state.productStats.values.reduce((0, Int64(0))) { ($0.0 + $1.lines, $0.1 + $1.absolute) }
        report.averageLineUnits = coded.0 > 0 ? coded.1 / Int64(coded.0) : 0
        (report.currency, report.otherCurrencyLines) = mainCurrency(report.currencyLines)
        if report.validLines == 0 {
            let reasons = report.invalidSummaryLines
            let summary = reasons.isEmpty ? "The file has a header but no data lines." : "Rejected: " + reasons.joined(separator: "; ") + "."
            throw .noValidLines(file: files.joined(separator: ", "), linesRead: report.linesRead, summary: summary)
        }
        return LoadedData(lines: state.lines, report: report, currency: report.currency)
    }

    /// The most frequent ISO 4217 code among currency column values (lines per value; ties: the alphabetically first
    /// code), and the lines in any other value.
    static func mainCurrency(_ lines: [String: Int]) -> (String?, Int) {
        var codes: [String: Int] = [:]
        for (value, n) in lines { if let c = CurrencyCode(value) { codes[c.code, default: 0] += n } }
        guard let best = codes.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) else {
            return (nil, 0)
        }
        return (best.key, lines.values.reduce(0, +) - best.value)
    }

    struct MergeState {
        var lines = OrderLines()
        var report = DataQualityReport()
        var layouts: [String] = []
        /// Sum of |line revenue| over the valid lines merged so far (at most ``Money/sumBudget``).
        var amountUsed: UInt64 = 0
        /// Lines per product code (valid lines, those left out included).
        var productStats: [String: ProductCodeStats] = [:]
        var excludedProducts = ExcludedProducts()
        /// Net amount of the valid lines kept.
        var netUnits: Int64 = 0
        /// Order-level layouts: the order in effect at the end of what was merged.
        var carry: OrderCarry? = nil
    }

    // MARK: - One source

    static func loadSource(_ source: any ByteSource, name: String, options: LoadOptions, state: inout MergeState) throws(IngestError) {
        var src = source
        var pending: [UInt8] = []
        var eof = false
        // Read until the first line is complete (or 16 MB without a newline).
        // Read until the first non-blank line is complete (or 16 MB without one).
        while !eof {
            if try src.read(into: &pending, maxCount: 1 << 16) == 0 { eof = true }
            if let firstText = pending.firstIndex(where: { !isSpace($0) }), pending[firstText...].contains(10) { break }
            if pending.count > 16 << 20 { break }
        }
        if pending.count >= 3 && pending[0] == 0xEF && pending[1] == 0xBB && pending[2] == 0xBF { pending.removeFirst(3) }
        if pending.allSatisfy(isSpace) && eof { throw .emptyFile(file: name) }
        // Skip leading blank lines.
        var firstLineStart = 0
        var headerNewlines = 0
        while let nl = pending[firstLineStart...].firstIndex(of: 10), pending[firstLineStart..<nl].allSatisfy(isSpace) {
            firstLineStart = nl + 1
            headerNewlines += 1
        }
        let firstLineEnd = pending[firstLineStart...].firstIndex(of: 10) ?? pending.count
        let firstLine = Array(pending[firstLineStart..<firstLineEnd])
        var layout: Layout
        var body: [UInt8]
        if options.mapping == nil, let cdnow = LayoutDetector.detectCDNOW(firstLine: firstLine) {
            layout = cdnow
            body = Array(pending[firstLineStart...])
        } else if options.mapping == nil, let columns = LayoutDetector.cdnowHeaderColumns(line: firstLine) {
            // CDNOW with a header line (`customer_id  date number_of_cds  dollar_value`, LF or CRLF): the header is
            // skipped and the rest loads like the headerless file.
            layout = LayoutDetector.cdnowLayout(columns: columns)
            headerNewlines += firstLineEnd < pending.count ? 1 : 0
            body = firstLineEnd < pending.count ? Array(pending[(firstLineEnd + 1)...]) : []
        } else {
            let delimiter = LayoutDetector.detectDelimiter(headerLine: firstLine)
            guard case .byte(let d) = delimiter else { fatalError() }
            guard let header = SimpleCSV.records(pending[firstLineStart...], delimiter: d, limit: 1).first,
                  looksLikeText(firstLine) else {
                throw .unknownLayout(file: name, found: [])
            }
            layout = try LayoutDetector.detect(header: header, delimiter: delimiter, file: name, mapping: options.mapping)
            // The header may contain quoted newlines: skip exactly one record.
            let parser = ChunkParser(layout: Layout(kind: .generic, delimiter: delimiter, hasHeader: true,
                                                    mapping: ColumnMapping(customer: 0, timestamp: 0, fieldCount: .max, names: [])),
                                     timestamps: TimestampParser(), fileName: name)
            let headerEnd = headerRecordEnd(pending, from: firstLineStart, parser: parser)
            headerNewlines += pending[firstLineStart..<headerEnd].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            body = Array(pending[headerEnd...])
        }
        pending = []
        if !options.excludedProducts.isEmpty {
            guard let product = layout.mapping.product else {
                throw .invalidSettings("product codes to leave out were given (\(options.excludedProducts.codes.joined(separator: ", "))), but \(name) has no product-code column (\(layout.kind.displayName) layout); map one with --map product=COLUMN, or leave the option out")
            }
            state.report.productColumn = layout.mapping.names.indices.contains(product) ? layout.mapping.names[product] : "product"
        } else if let product = layout.mapping.product {
            state.report.productColumn = layout.mapping.names.indices.contains(product) ? layout.mapping.names[product] : "product"
        }
        state.excludedProducts = options.excludedProducts
        state.carry = nil
        state.layouts.append(layout.kind.displayName)
        state.report.layout = Array(Set(state.layouts)).sorted().joined(separator: " + ")
        state.report.delimiter = layout.delimiter.displayName
        let parser = ChunkParser(layout: layout, timestamps: TimestampParser(dayFirst: options.dayFirst), fileName: name,
                                 validDays: options.effectiveValidDays, excludedProducts: options.excludedProducts)
        try stream(body: body, eof: eof, source: &src, parser: parser, lineBase: headerNewlines, name: name,
                   options: options, state: &state)
    }

    static func looksLikeText(_ line: [UInt8]) -> Bool {
        // A header of printable UTF-8: no NUL or other control bytes except tab and CR.
        !line.contains { $0 < 32 && $0 != 9 && $0 != 13 } && String(validating: line, as: UTF8.self) != nil
    }

    /// End (exclusive) of the header record starting at `start`, honouring quoted newlines.
    static func headerRecordEnd(_ bytes: [UInt8], from start: Int, parser: ChunkParser) -> Int {
        var inQuotes = false
        var i = start
        while i < bytes.count {
            let b = bytes[i]
            if b == 34 { inQuotes.toggle() } else if b == 10 && !inQuotes { return i + 1 }
            i += 1
        }
        return bytes.count
    }

    /// Parses the body of a source in parallel batches of chunks and merges them in order.
    static func stream(body initial: [UInt8], eof initialEOF: Bool, source: inout any ByteSource, parser: ChunkParser,
                       lineBase initialLineBase: Int, name: String, options: LoadOptions, state: inout MergeState) throws(IngestError) {
        var pending = initial
        var eof = initialEOF
        var lineBase = initialLineBase
        let workers = max(1, options.workers)
        let batchSize = workers * 2
        let chunkBytes = max(16, options.chunkBytes)
        while true {
            var chunks: [[UInt8]] = []
            var lastIsFinal = false
            while chunks.count < batchSize {
                var buf = pending
                pending = []
                while buf.count < chunkBytes && !eof {
                    let wanted = chunkBytes - buf.count + 1
                    if try source.read(into: &buf, maxCount: wanted) == 0 { eof = true }
                }
                if eof {
                    if !buf.isEmpty || chunks.isEmpty { chunks.append(buf) }
                    lastIsFinal = true
                    break
                }
                // Cut after the last newline; a record longer than a chunk keeps reading.
                if let cut = lastNewline(buf) {
                    pending = Array(buf[(cut + 1)...])
                    buf.removeSubrange((cut + 1)...)
                    chunks.append(buf)
                } else {
                    pending = buf
                    while !eof, !pending.contains(10) {
                        if try source.read(into: &pending, maxCount: chunkBytes) == 0 { eof = true }
                    }
                }
            }
            if chunks.isEmpty { break }
            var results = parseInParallel(chunks, parser: parser, lastIsFinal: lastIsFinal, workers: workers)
            for i in 0..<results.count {
                let r = results[i]
                if r.incomplete {
                    let tail = Array(chunks[i][r.consumed...])
                    if i + 1 < results.count {
                        chunks[i + 1] = tail + chunks[i + 1]
                        let isFinal = lastIsFinal && i + 1 == results.count - 1
                        results[i + 1] = chunks[i + 1].withUnsafeBufferPointer { parser.parse($0, isFinal: isFinal) }
                    } else {
                        pending = tail + pending
                    }
                }
                let isFinal = lastIsFinal && i == results.count - 1
                mergeParsed(r, bytes: chunks[i], isFinal: isFinal, parser: parser, state: &state, lineBase: lineBase, file: name)
                lineBase += r.newlines
            }
            options.progress?(source.bytesConsumed, source.totalBytes)
            if lastIsFinal && pending.isEmpty { break }
            if lastIsFinal && !pending.isEmpty {
                // An incomplete record was left at the very end: parse it as final.
                let final = pending
                let r = final.withUnsafeBufferPointer { parser.parse($0, isFinal: true) }
                mergeParsed(r, bytes: final, isFinal: true, parser: parser, state: &state, lineBase: lineBase, file: name)
                break
            }
        }
    }

    /// Merges a chunk's result (parsed in parallel) in file order. Order-level layouts: the chunk's leading run of one
    /// order is parsed now with the order carried from the previous chunk, and merged first.
    static func mergeParsed(_ r: ChunkResult, bytes: [UInt8], isFinal: Bool, parser: ChunkParser, state: inout MergeState,
                            lineBase: Int, file: String) {
        if r.leadingEnd > 0 {
            let carry = state.carry
            let end = min(r.leadingEnd, bytes.count)
            let lead = withinBudget(bytes.withUnsafeBufferPointer { parser.parse(UnsafeBufferPointer(rebasing: $0[0..<end]), isFinal: true, carry: carry, deferLeadingRun: false) },
                                    state: state) { left in
                bytes.withUnsafeBufferPointer { parser.parse(UnsafeBufferPointer(rebasing: $0[0..<end]), isFinal: true, amountBudget: left, carry: carry, deferLeadingRun: false) }
            }
            merge(lead, into: &state, lineBase: lineBase, file: file)
            state.carry = lead.endCarry
        }
        let checked = withinBudget(r, state: state) { left in
            bytes.withUnsafeBufferPointer { parser.parse($0, isFinal: isFinal, amountBudget: left) }
        }
        merge(checked, into: &state, lineBase: lineBase, file: file)
        if r.carryTouched { state.carry = r.endCarry }
    }

    /// The chunk's result when its lines fit in what is left of ``Money/sumBudget``; otherwise the chunk parsed again
    /// with that remainder, so that the lines past the budget are invalid (`amount_too_large`). The merge is in file
    /// order, so the lines rejected do not depend on the chunk size or the worker count.
    static func withinBudget(_ r: ChunkResult, state: MergeState, reparse: (UInt64) -> ChunkResult) -> ChunkResult {
        let budget = UInt64(Money.sumBudget)
        let left = budget - min(budget, state.amountUsed)
        return r.absoluteAmount <= left ? r : reparse(left)
    }

    static func lastNewline(_ buf: [UInt8]) -> Int? {
        buf.withUnsafeBufferPointer { b -> Int? in
            var i = b.count - 1
            while i >= 0 { if b[i] == 10 { return i }; i -= 1 }
            return nil
        }
    }

    final class ResultBox: @unchecked Sendable {
        var results: [ChunkResult]
        init(count: Int) { results = Array(repeating: ChunkResult(), count: count) }
    }

    static func parseInParallel(_ chunks: [[UInt8]], parser: ChunkParser, lastIsFinal: Bool, workers: Int) -> [ChunkResult] {
        let box = ResultBox(count: chunks.count)
        let n = chunks.count
        if workers == 1 || n == 1 {
            for i in 0..<n {
                box.results[i] = chunks[i].withUnsafeBufferPointer { parser.parse($0, isFinal: lastIsFinal && i == n - 1) }
            }
            return box.results
        }
        box.results.withUnsafeMutableBufferPointer { out in
            let outBase = UncheckedPointer(out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: n) { i in
                let r = chunks[i].withUnsafeBufferPointer { parser.parse($0, isFinal: lastIsFinal && i == n - 1) }
                (outBase.pointer + i).pointee = r
            }
        }
        return box.results
    }

    struct UncheckedPointer<T>: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<T>
        init(_ p: UnsafeMutablePointer<T>) { pointer = p }
    }

    /// Remaps a chunk's local codes to the global interners and appends its lines.
    static func merge(_ chunk: ChunkResult, into state: inout MergeState, lineBase: Int, file: String) {
        var r = chunk
        let customerMap = (0..<r.customers.count).map { code -> Int32 in
            intern(r.customers.bytes(Int32(code)), into: &state.lines.customers)
        }
        let invoiceMap = (0..<r.invoices.count).map { code -> Int32 in
            intern(r.invoices.bytes(Int32(code)), into: &state.lines.invoices)
        }
        let countryMap = (0..<r.countries.count).map { code -> Int32 in
            intern(r.countries.bytes(Int32(code)), into: &state.lines.countries)
        }
        r.lines.customer.withUnsafeMutableBufferPointer { col in
            for j in col.indices where col[j] >= 0 { col[j] = customerMap[Int(col[j])] }
        }
        r.lines.invoice.withUnsafeMutableBufferPointer { col in
            for j in col.indices { col[j] = invoiceMap[Int(col[j])] }
        }
        r.lines.country.withUnsafeMutableBufferPointer { col in
            for j in col.indices where col[j] >= 0 { col[j] = countryMap[Int(col[j])] }
        }
        if r.lines.count > 0 { state.lines.chunks.append(r.lines) }
        for (code, stats) in r.productStats.enumerated() where stats.lines > 0 {
            state.productStats[r.products.string(Int32(code)), default: ProductCodeStats()].merge(stats)
        }
        state.netUnits += r.lines.revenue.reduce(0, +)
        var rep = state.report
        rep.excludedProductLines += r.excludedProductLines
        rep.linesRead += r.records
        rep.blankLines += r.blank
        rep.validLines += r.lines.count - r.refundAdjustments
        for (k, v) in r.currencyCounts { rep.currencyLines[k, default: 0] += v }
        rep.reversedOrders += r.reversedOrders
        rep.reversedLines += r.reversedLines
        rep.reversedUnits += r.reversedUnits
        rep.refundAdjustments += r.refundAdjustments
        rep.refundAdjustmentUnits += r.refundAdjustmentUnits
        rep.cancelledLines += r.cancelled
        rep.guestLines += r.guests
        rep.skippedCancelledOrders += r.skippedCancelledOrders
        state.amountUsed += r.absoluteAmount
        for (k, reason) in InvalidReason.allCases.enumerated() where r.invalid[k] > 0 {
            rep.addInvalid(reason, count: r.invalid[k])
        }
        for e in r.examples {
            rep.addExample(e.reason, BadLineExample(file: file, line: lineBase + e.line, field: e.field, value: e.value))
        }
        state.report = rep
    }

    static func intern(_ bytes: ArraySlice<UInt8>, into interner: inout ByteInterner) -> Int32 {
        if bytes.isEmpty { var zero: UInt8 = 0; return interner.intern(&zero, 0) }
        return bytes.withUnsafeBufferPointer { interner.intern($0.baseAddress!, $0.count) }
    }

    // MARK: - Olist

    struct OlistPaths { var orders: String; var customers: String; var items: String }

    static func headerOf(_ path: String) throws(IngestError) -> [String] {
        var src = try openOrderSource(path: path)
        var buf: [UInt8] = []
        while !buf.contains(10) { if try src.read(into: &buf, maxCount: 1 << 16) == 0 { break } }
        if buf.starts(with: [0xEF, 0xBB, 0xBF]) { buf.removeFirst(3) }
        return SimpleCSV.records(buf[...], delimiter: 44, limit: 1).first?.map { LayoutDetector.normalize($0) } ?? []
    }

    static func olistFiles(_ paths: [String]) throws(IngestError) -> OlistPaths? {
        var orders: String?, customers: String?, items: String?
        for p in paths {
            let h = try headerOf(p)
            if h.contains("orderpurchasetimestamp") && h.contains("orderstatus") { orders = p }
            else if h.contains("customeruniqueid") { customers = p }
            else if h.contains("orderitemid") && h.contains("price") { items = p }
        }
        if orders == nil && customers == nil && items == nil { return nil }
        guard let o = orders, let c = customers, let i = items, paths.count == 3 else {
            throw .olistIncomplete(found: paths.map { ($0 as NSString).lastPathComponent })
        }
        return OlistPaths(orders: o, customers: c, items: i)
    }

    static func readAll(_ path: String) throws(IngestError) -> [UInt8] {
        var src = try openOrderSource(path: path)
        var buf: [UInt8] = []
        while try src.read(into: &buf, maxCount: 1 << 20) > 0 {}
        if buf.starts(with: [0xEF, 0xBB, 0xBF]) { buf.removeFirst(3) }
        return buf
    }

    static func loadOlist(_ files: OlistPaths, options: LoadOptions, state: inout MergeState) throws(IngestError) {
        let customerRows = SimpleCSV.records(try readAll(files.customers)[...], delimiter: 44)
        guard let ch = customerRows.first?.map(LayoutDetector.normalize),
              let cID = ch.firstIndex(of: "customerid"), let cUnique = ch.firstIndex(of: "customeruniqueid") else {
            throw .missingColumns(file: files.customers, layout: "Olist customers", missing: ["customer_unique_id"],
                                  found: customerRows.first ?? [], expected: ["customer_id", "customer_unique_id", "customer_state"])
        }
        let cState = ch.firstIndex(of: "customerstate")
        var unique: [String: (String, String)] = [:]
        for row in customerRows.dropFirst() where row.count == ch.count {
            unique[row[cID]] = (row[cUnique], cState.map { row[$0] } ?? "")
        }
        let orderRows = SimpleCSV.records(try readAll(files.orders)[...], delimiter: 44)
        let oh = orderRows.first!.map(LayoutDetector.normalize)
        guard let oID = oh.firstIndex(of: "orderid"), let oCustomer = oh.firstIndex(of: "customerid"),
              let oStatus = oh.firstIndex(of: "orderstatus"), let oTime = oh.firstIndex(of: "orderpurchasetimestamp") else {
            throw .missingColumns(file: files.orders, layout: "Olist orders", missing: ["order_id", "customer_id", "order_status", "order_purchase_timestamp"],
                                  found: orderRows.first!, expected: ["order_id", "customer_id", "order_status", "order_purchase_timestamp"])
        }
        let ts = TimestampParser(dayFirst: options.dayFirst)
        var orders: [String: OlistOrder] = [:]
        orders.reserveCapacity(orderRows.count)
        for row in orderRows.dropFirst() where row.count == oh.count {
            let status = row[oStatus].lowercased()
            let who = unique[row[oCustomer]]
            orders[row[oID]] = OlistOrder(customerUniqueID: who?.0 ?? "", day: ts.parseDay(row[oTime]),
                                          state: who?.1 ?? "", skipped: status == "canceled" || status == "unavailable")
        }
        // Stream the items file through the chunk parser.
        var src = try openOrderSource(path: files.items)
        var head: [UInt8] = []
        while !head.contains(10) { if try src.read(into: &head, maxCount: 1 << 16) == 0 { break } }
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { head.removeFirst(3) }
        guard let headerEnd = head.firstIndex(of: 10) else { throw .noValidLines(file: files.items, linesRead: 0, summary: "The items file has no data lines.") }
        let header = SimpleCSV.records(head[..<headerEnd], delimiter: 44, limit: 1).first ?? []
        let ih = header.map(LayoutDetector.normalize)
        guard let iOrder = ih.firstIndex(of: "orderid"), let iPrice = ih.firstIndex(of: "price") else {
            throw .missingColumns(file: files.items, layout: "Olist order items", missing: ["order_id", "price"], found: header,
                                  expected: ["order_id", "order_item_id", "product_id", "seller_id", "shipping_limit_date", "price", "freight_value"])
        }
        let layout = Layout(kind: .olistItems, delimiter: .byte(44), hasHeader: true,
                            mapping: ColumnMapping(invoice: iOrder, customer: iOrder, timestamp: iOrder, quantity: nil,
                                                   unitPrice: iPrice, revenue: nil, country: nil, fieldCount: header.count, names: header))
        state.layouts.append(layout.kind.displayName)
        state.report.layout = layout.kind.displayName
        state.report.delimiter = ","
        let parser = ChunkParser(layout: layout, timestamps: ts, fileName: files.items, olistOrders: orders, olistPriceIndex: iPrice,
                                 validDays: options.effectiveValidDays)
        try stream(body: Array(head[(headerEnd + 1)...]), eof: false, source: &src, parser: parser, lineBase: 1,
                   name: files.items, options: options, state: &state)
    }
}
