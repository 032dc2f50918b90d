#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything a chunk of input produced: lines with chunk-local codes, counts and examples of bad lines.
struct ChunkResult: @unchecked Sendable {
    var lines = LineChunk()
    var customers = ByteInterner(capacity: 4096)
    var invoices = ByteInterner(capacity: 8192)
    var countries = ByteInterner(capacity: 64)
    /// Product codes (chunk-local) and their lines.
    var products = ByteInterner(capacity: 1024)
    var productStats: [ProductCodeStats] = []
    var excludedProductLines = 0
    var records = 0
    var blank = 0
    var cancelled = 0
    var guests = 0
    var skippedCancelledOrders = 0
    var invalid = [Int](repeating: 0, count: InvalidReason.allCases.count)
    var examples: [(reason: InvalidReason, line: Int, field: String, value: String)] = []
    /// Newlines consumed (for line numbers of later chunks).
    var newlines = 0
    /// Sum of |line revenue| over the valid lines (money units, saturating at UInt64.max), for the load's budget
    /// (``Money/sumBudget``).
    var absoluteAmount: UInt64 = 0
    /// Where parsing stopped: the chunk length, or the start of an incomplete last record (quoted field open).
    var consumed = 0
    var incomplete = false
    /// Layouts with order-level columns (``OrderLevelColumns``): the end (exclusive) of the chunk's leading run of
    /// records of one order, which may continue the previous chunk's last order. Those records are not in this
    /// result: the loader parses them again, in file order, with the previous chunk's ``endCarry``. 0: none.
    var leadingEnd = 0
    /// The order-level values in effect at the end of the chunk, and whether a record after the leading run set them.
    var endCarry: OrderCarry? = nil
    var carryTouched = false
    /// Valid lines per currency column value (trimmed, as written).
    var currencyCounts: [String: Int] = [:]
    /// Orders read as cancelled as a whole (refunded, voided or cancelled), their lines, and the amount of those lines.
    var reversedOrders = 0
    var reversedLines = 0
    var reversedUnits: Int64 = 0
    /// Partial refunds: one adjustment line each (in ``lines``, not counted as read lines), and their amount.
    var refundAdjustments = 0
    var refundAdjustmentUnits: Int64 = 0
}

/// The order-level values of the current order (``OrderLevelColumns/carried``), carried to its following lines.
struct OrderCarry: Sendable, Equatable {
    var name: [UInt8]
    var values: [[UInt8]]
}

/// An Olist order, resolved from the orders and customers files.
struct OlistOrder: Sendable {
    var customerUniqueID: String
    var day: Int?
    var state: String
    var skipped: Bool
}

/// Parses complete records of a byte chunk into order lines (RFC 4180 with the file's delimiter, or CDNOW's white
/// space). Quoted fields may hold delimiters, doubled quotes and newlines; CR before LF is trimmed with the field.
struct ChunkParser: Sendable {
    let layout: Layout
    let timestamps: TimestampParser
    let fileName: String
    /// Olist items: order id -> order (customer, date, state, skipped).
    let olistOrders: [String: OlistOrder]?
    let olistPriceIndex: Int
    /// Valid days (days since 1970-01-01); a line dated outside is invalid (`timestamp_out_of_range`).
    let validDays: ClosedRange<Int>
    /// Product codes whose valid lines are left out.
    let excludedProducts: ExcludedProducts

    static let maxFields = 512
    /// Fields whose positions are kept per record: at least ``maxFields``, and every field of the layout (a header may
    /// have more than 512 columns, with the mapped ones at the end).
    let fieldCapacity: Int
    /// Order-level layouts: the fields the line reader uses (sorted), and each carried column's slot in
    /// ``OrderLevelColumns/carried``.
    let orderLevelUsed: [Int]
    let carriedSlot: [Int: Int]

    init(layout: Layout, timestamps: TimestampParser, fileName: String, olistOrders: [String: OlistOrder]? = nil, olistPriceIndex: Int = 0,
         validDays: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max), excludedProducts: ExcludedProducts = ExcludedProducts()) {
        self.layout = layout
        self.excludedProducts = excludedProducts
        self.timestamps = timestamps
        self.fileName = fileName
        self.olistOrders = olistOrders
        self.olistPriceIndex = olistPriceIndex
        self.validDays = validDays
        let declared = layout.mapping.fieldCount
        fieldCapacity = declared == .max ? ChunkParser.maxFields : max(ChunkParser.maxFields, declared + 1)
        let m = layout.mapping
        var used = Set([m.timestamp, m.customer])
        for i in [m.quantity, m.unitPrice, m.revenue, m.product, m.invoice, m.country, m.currency] { if let i { used.insert(i) } }
        orderLevelUsed = m.orderLevel == nil ? [] : used.sorted()
        var slots: [Int: Int] = [:]
        for (k, column) in (m.orderLevel?.carried ?? []).enumerated() where slots[column] == nil { slots[column] = k }
        carriedSlot = slots
    }

    /// Parses `buffer`. When `isFinal` is false, a record that is not terminated by a newline (or whose quoted field
    /// is still open at the end) is left unconsumed.
    ///
    /// `amountBudget`: when given, a valid line whose |revenue| added to the |revenue| of the valid lines before it in
    /// the chunk would exceed it is invalid (`amount_too_large`). The loader passes what is left of
    /// ``Money/sumBudget`` when a chunk does not fit whole, so that the lines rejected are the same whatever the
    /// chunking.
    ///
    /// Layouts with order-level columns: `carry` is the order in effect before the buffer; with `deferLeadingRun`
    /// the buffer's leading records of one order are left out (``ChunkResult/leadingEnd``) to be parsed again with
    /// the previous chunk's carry, so that results do not depend on the chunk size.
    func parse(_ buffer: UnsafeBufferPointer<UInt8>, isFinal: Bool, startLine: Int = 0, amountBudget: UInt64? = nil,
               carry: OrderCarry? = nil, deferLeadingRun: Bool = true) -> ChunkResult {
        var result = ChunkResult()
        result.lines.reserve(buffer.count / 60)
        result.endCarry = carry
        guard let base = buffer.baseAddress, buffer.count > 0 else { return result }
        let end = buffer.count
        let capacity = fieldCapacity
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
        let ends = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
        let dirty = UnsafeMutablePointer<Bool>.allocate(capacity: capacity)
        defer { starts.deallocate(); ends.deallocate(); dirty.deallocate() }
        var scratch: [UInt8] = []
        var state = LineState()
        state.carry = carry
        // Order-level layouts: the leading run of one order (by its invoice column) is deferred to the loader.
        var deferring = deferLeadingRun && layout.mapping.orderLevel != nil
        var runName: [UInt8]? = nil

        var pos = 0
        var line = 0   // newlines before the current record, relative to the chunk
        while pos < end {
            let recordStart = pos
            let recordLine = line
            var fieldCount = 0
            var complete = false
            var unterminated = false
            if case .whitespace = layout.delimiter {
                // CDNOW: tokens separated by runs of spaces or tabs.
                var p = pos
                while true {
                    while p < end, base[p] == 32 || base[p] == 9 || base[p] == 13 { p += 1 }
                    if p >= end { break }
                    if base[p] == 10 { break }
                    let s = p
                    while p < end, base[p] != 32, base[p] != 9, base[p] != 13, base[p] != 10 { p += 1 }
                    if fieldCount < capacity { starts[fieldCount] = s; ends[fieldCount] = p; dirty[fieldCount] = false }
                    fieldCount += 1
                }
                if p < end { complete = true; pos = p + 1; line += 1 } else if isFinal { complete = true; pos = end }
            } else {
                guard case .byte(let delim) = layout.delimiter else { fatalError() }
                var p = pos
                fieldLoop: while true {
                    let fieldStart = p
                    var fieldDirty = false
                    var contentStart = p, contentEnd = p
                    if p < end, base[p] == 34 {
                        // Quoted field.
                        p += 1
                        contentStart = p
                        var closed = false
                        while p < end {
                            guard let q = memchr(base + p, 34, end - p) else { break }
                            let qi = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - base
                            // Count embedded newlines for line numbers.
                            var k = p
                            while k < qi, let nl = memchr(base + k, 10, qi - k) {
                                line += 1
                                k = UnsafePointer<UInt8>(nl.assumingMemoryBound(to: UInt8.self)) - base + 1
                            }
                            if qi + 1 < end, base[qi + 1] == 34 { fieldDirty = true; p = qi + 2; continue }
                            if qi + 1 >= end && !isFinal { p = end; break }   // cannot tell yet: "" may follow
                            contentEnd = qi
                            p = qi + 1
                            closed = true
                            break
                        }
                        if !closed {
                            if isFinal { unterminated = true }
                            break fieldLoop
                        }
                        // Text after the closing quote (lenient): white space is ignored, anything else is kept.
                        while p < end, base[p] != delim, base[p] != 10 {
                            if !isSpace(base[p]) { fieldDirty = true }
                            p += 1
                        }
                        if fieldDirty { contentStart = fieldStart; contentEnd = p }
                    } else {
                        while p < end, base[p] != delim, base[p] != 10 { p += 1 }
                        contentStart = fieldStart
                        contentEnd = p
                    }
                    if fieldCount < capacity {
                        starts[fieldCount] = contentStart; ends[fieldCount] = contentEnd; dirty[fieldCount] = fieldDirty
                    }
                    fieldCount += 1
                    if p >= end {
                        if isFinal { complete = true; pos = end }
                        break fieldLoop
                    }
                    if base[p] == delim { p += 1; continue fieldLoop }
                    // newline
                    line += 1
                    pos = p + 1
                    complete = true
                    break fieldLoop
                }
            }
            if unterminated {
                // Read the broken line up to its own end of line, report it, and go on after it.
                result.records += 1
                let nl = memchr(base + recordStart, 10, end - recordStart)
                let lineEnd = nl.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base } ?? end
                line = recordLine + (nl == nil ? 0 : 1)
                pos = nl == nil ? end : lineEnd + 1
                result.invalid[InvalidReason.allCases.firstIndex(of: .unterminatedQuote)!] += 1
                addExample(&result, .unterminatedQuote, startLine + recordLine, "(line)", base + recordStart, lineEnd - recordStart)
                continue
            }
            if !complete {
                result.incomplete = true
                result.consumed = recordStart
                result.newlines = recordLine
                result.endCarry = state.carry
                return result
            }
            // Blank line?
            var blank = false
            if fieldCount == 1 {
                let (_, n) = trimmedRange(base + starts[0], ends[0] - starts[0])
                blank = n == 0 && !dirty[0] && (ends[0] == starts[0] || base[starts[0]] != 34)
            }
            if deferring {
                if blank { result.leadingEnd = pos; continue }
                if let ii = layout.mapping.invoice, ii < fieldCount, ii < capacity {
                    let (np, nn) = field(base, starts, ends, dirty, ii, &scratch)
                    let name = Array(UnsafeBufferPointer(start: np, count: nn))
                    if runName == nil || runName == name {
                        runName = name
                        result.leadingEnd = pos
                        continue
                    }
                }
                deferring = false
            }
            if blank {
                result.blank += 1
                continue
            }
            result.records += 1
            processRecord(base: base, starts: starts, ends: ends, dirty: dirty, fieldCount: fieldCount,
                          lineNumber: startLine + recordLine, scratch: &scratch, state: &state, result: &result,
                          amountBudget: amountBudget)
        }
        result.consumed = end
        result.newlines = line
        result.endCarry = state.carry
        return result
    }

    /// Per-chunk caches of the last timestamp and invoice (consecutive lines usually repeat them).
    struct LineState {
        var lastTimestamp: [UInt8] = []
        var lastDay: Int32 = 0
        var lastInvoice: [UInt8] = []
        var lastInvoiceCode: Int32 = -1
        var lastCustomer: [UInt8] = []
        var lastCustomerCode: Int32 = -1
        var lastCountry: [UInt8] = []
        var lastCountryCode: Int32 = -1
        var lastProduct: [UInt8] = []
        var lastProductCode: Int32 = -1
        var lastCurrency: [UInt8] = []
        var lastCurrencyKey = ""
        /// Order-level layouts: the current order's values.
        var carry: OrderCarry? = nil
    }

    /// Interns a value, reusing the previous line's code when the bytes are the same (lines of one invoice repeat
    /// the customer and the country).
    @inline(__always)
    func internCached(_ p: UnsafePointer<UInt8>, _ n: Int, last: inout [UInt8], lastCode: inout Int32,
                      into interner: inout ByteInterner) -> Int32 {
        if lastCode >= 0 && n == last.count && last.withUnsafeBufferPointer({ n == 0 || sameBytes($0.baseAddress!, p, n) }) {
            return lastCode
        }
        let code = interner.intern(p, n)
        last.removeAll(keepingCapacity: true)
        last.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        lastCode = code
        return code
    }

    @inline(__always)
    func field(_ base: UnsafePointer<UInt8>, _ starts: UnsafeMutablePointer<Int>, _ ends: UnsafeMutablePointer<Int>,
               _ dirty: UnsafeMutablePointer<Bool>, _ i: Int, _ scratch: inout [UInt8]) -> (UnsafePointer<UInt8>, Int) {
        if !dirty[i] {
            let (s, n) = trimmedRange(base + starts[i], ends[i] - starts[i])
            return (base + starts[i] + s, n)
        }
        // Quoted with doubled quotes or text after the closing quote: unescape into scratch.
        scratch.removeAll(keepingCapacity: true)
        var k = starts[i]
        let e = ends[i]
        var inQuotes = false
        while k < e {
            let b = base[k]
            if b == 34 {
                if inQuotes, k + 1 < e, base[k + 1] == 34 { scratch.append(34); k += 2; continue }
                inQuotes.toggle(); k += 1; continue
            }
            scratch.append(b); k += 1
        }
        scratch.append(0)
        let n = scratch.count - 1
        return scratch.withUnsafeBufferPointer { buf in
            let (s, c) = trimmedRange(buf.baseAddress!, n)
            // Scratch stays alive and unmodified until the next call for a dirty field; callers copy what they keep.
            return (buf.baseAddress! + s, c)
        }
    }

    func addExample(_ result: inout ChunkResult, _ reason: InvalidReason, _ line: Int, _ field: String,
                    _ p: UnsafePointer<UInt8>, _ n: Int) {
        guard result.examples.lazy.filter({ $0.reason == reason }).count < DataQualityReport.examplesPerReason else { return }
        let shown = min(n, 200)
        var value = String(decoding: UnsafeBufferPointer(start: p, count: shown), as: UTF8.self)
        if shown < n { value += "…" }
        // Relative to the chunk (1-based); the loader adds the newlines before the chunk.
        result.examples.append((reason, line + 1, field, value))
    }

    @inline(__always)
    func invalid(_ result: inout ChunkResult, _ reason: InvalidReason, _ line: Int, _ column: Int?,
                 _ p: UnsafePointer<UInt8>, _ n: Int) {
        result.invalid[reasonIndex(reason)] += 1
        let name = column.map { $0 < layout.mapping.names.count ? layout.mapping.names[$0] : "field \($0 + 1)" } ?? "(line)"
        addExample(&result, reason, line, name, p, n)
    }

    @inline(__always)
    func reasonIndex(_ r: InvalidReason) -> Int {
        switch r {
        case .wrongFieldCount: return 0
        case .unterminatedQuote: return 1
        case .badTimestamp: return 2
        case .timestampOutOfRange: return 3
        case .badQuantity: return 4
        case .zeroQuantity: return 5
        case .badUnitPrice: return 6
        case .nonPositiveUnitPrice: return 7
        case .amountTooLarge: return 8
        case .unknownOrder: return 9
        }
    }

    func processRecord(base: UnsafePointer<UInt8>, starts: UnsafeMutablePointer<Int>, ends: UnsafeMutablePointer<Int>,
                       dirty: UnsafeMutablePointer<Bool>, fieldCount: Int, lineNumber: Int,
                       scratch: inout [UInt8], state: inout LineState, result: inout ChunkResult, amountBudget: UInt64?) {
        let m = layout.mapping
        if fieldCount != m.fieldCount || fieldCount > fieldCapacity {
            let text = "\(fieldCount) field\(fieldCount == 1 ? "" : "s"), expected \(m.fieldCount)"
            var bytes = Array(text.utf8)
            bytes.withUnsafeMutableBufferPointer { invalid(&result, .wrongFieldCount, lineNumber, nil, $0.baseAddress!, $0.count) }
            return
        }
        if olistOrders != nil {
            processOlist(base: base, starts: starts, ends: ends, dirty: dirty, lineNumber: lineNumber, scratch: &scratch, result: &result,
                         amountBudget: amountBudget)
            return
        }
        if let orderLevel = m.orderLevel {
            processOrderLevelRecord(orderLevel, base: base, starts: starts, ends: ends, dirty: dirty, fieldCount: fieldCount,
                                    lineNumber: lineNumber, scratch: &scratch, state: &state, result: &result, amountBudget: amountBudget)
            return
        }
        processLine(base: base, starts: starts, ends: ends, dirty: dirty, lineNumber: lineNumber, scratch: &scratch,
                    state: &state, result: &result, amountBudget: amountBudget, reversed: false)
    }

    /// A record of a layout with order-level columns: blank order-level fields are filled from the order's first
    /// line, then the line is read; a refunded, voided or cancelled order's lines are cancellations that net to 0;
    /// a partially refunded order gets one adjustment line of minus the refunded amount on its first line's date.
    func processOrderLevelRecord(_ ol: OrderLevelColumns, base: UnsafePointer<UInt8>, starts: UnsafeMutablePointer<Int>,
                                 ends: UnsafeMutablePointer<Int>, dirty: UnsafeMutablePointer<Bool>, fieldCount: Int,
                                 lineNumber: Int, scratch: inout [UInt8], state: inout LineState, result: inout ChunkResult,
                                 amountBudget: UInt64?) {
        let m = layout.mapping
        func copy(_ i: Int) -> [UInt8] {
            let (p, n) = field(base, starts, ends, dirty, i, &scratch)
            return Array(UnsafeBufferPointer(start: p, count: n))
        }
        let name = m.invoice.map(copy) ?? []
        var values = ol.carried.map(copy)
        let sameOrder = !name.isEmpty && state.carry?.name == name
        if sameOrder, let carry = state.carry {
            for k in values.indices where values[k].isEmpty { values[k] = carry.values[k] }
        } else {
            state.carry = OrderCarry(name: name, values: values)
        }
        result.carryTouched = true
        func value(_ column: Int?) -> [UInt8] {
            guard let column else { return [] }
            if let k = carriedSlot[column] { return values[k] }
            return copy(column)
        }
        let status = String(decoding: value(ol.financialStatus), as: UTF8.self).lowercased()
        let reversed = status == "refunded" || status == "voided" || !value(ol.cancelledAt).isEmpty
        // The record with the carried values, in a buffer of its own (only the fields the line reader uses).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        var ranges = [(Int, Int)](repeating: (0, 0), count: fieldCount)
        for i in orderLevelUsed where i < fieldCount {
            var v = value(i)
            if i == m.country, v.isEmpty, let fallback = ol.countryFallback { v = value(fallback) }
            ranges[i] = (bytes.count, bytes.count + v.count)
            bytes += v
        }
        bytes.append(0)
        let s2 = UnsafeMutablePointer<Int>.allocate(capacity: fieldCount)
        let e2 = UnsafeMutablePointer<Int>.allocate(capacity: fieldCount)
        let d2 = UnsafeMutablePointer<Bool>.allocate(capacity: fieldCount)
        defer { s2.deallocate(); e2.deallocate(); d2.deallocate() }
        for i in 0..<fieldCount { s2[i] = ranges[i].0; e2[i] = ranges[i].1; d2[i] = false }
        bytes.withUnsafeBufferPointer { b in
            processLine(base: b.baseAddress!, starts: s2, ends: e2, dirty: d2, lineNumber: lineNumber, scratch: &scratch,
                        state: &state, result: &result, amountBudget: amountBudget, reversed: reversed)
        }
        if reversed && !sameOrder { result.reversedOrders += 1 }
        // A partial refund: one negative adjustment on the order's first line (whether that line is valid or not).
        guard !sameOrder, !reversed, status == "partially_refunded", let ri = ol.refundedAmount else { return }
        let amountText = value(ri)
        guard let amount = amountText.withUnsafeBufferPointer({ $0.count > 0 ? ParsedDecimal.parse($0.baseAddress!, $0.count) : nil }),
              amount.mantissa > 0, let units = amount.moneyUnits else { return }
        let dayText = value(m.timestamp)
        guard let day = dayText.withUnsafeBufferPointer({ $0.count > 0 ? timestamps.parseDay($0.baseAddress!, $0.count) : nil }),
              validDays.contains(day), let day32 = Int32(exactly: day), withinBudget(units, &result, amountBudget) else { return }
        let invoiceCode = result.invoices.intern(String(decoding: name, as: UTF8.self))
        let customer = value(m.customer)
        var country = m.country.map(value) ?? []
        if country.isEmpty, let fallback = ol.countryFallback { country = value(fallback) }
        let customerCode: Int32 = customer.isEmpty ? -1 : result.customers.intern(String(decoding: customer, as: UTF8.self))
        let countryCode: Int32 = country.isEmpty ? -1 : result.countries.intern(String(decoding: country, as: UTF8.self))
        result.lines.append(customer: customerCode, day: day32, invoice: invoiceCode, revenue: -units, country: countryCode, cancelled: true)
        result.refundAdjustments += 1
        result.refundAdjustmentUnits += units
    }

    /// Reads one line into the result. `reversed`: the line belongs to an order cancelled as a whole (refunded,
    /// voided): it is kept as a cancellation whose amount nets to 0.
    func processLine(base: UnsafePointer<UInt8>, starts: UnsafeMutablePointer<Int>, ends: UnsafeMutablePointer<Int>,
                     dirty: UnsafeMutablePointer<Bool>, lineNumber: Int, scratch: inout [UInt8], state: inout LineState,
                     result: inout ChunkResult, amountBudget: UInt64?, reversed: Bool) {
        let m = layout.mapping
        // Timestamp.
        var (tp, tn) = field(base, starts, ends, dirty, m.timestamp, &scratch)
        let day: Int32
        if tn == state.lastTimestamp.count && tn > 0 && state.lastTimestamp.withUnsafeBufferPointer({ sameBytes($0.baseAddress!, tp, tn) }) {
            day = state.lastDay
        } else {
            guard tn > 0, let d = timestamps.parseDay(tp, tn) else {
                invalid(&result, .badTimestamp, lineNumber, m.timestamp, tp, tn); return
            }
            guard validDays.contains(d), let d32 = Int32(exactly: d) else {
                invalid(&result, .timestampOutOfRange, lineNumber, m.timestamp, tp, tn); return
            }
            day = d32
            state.lastTimestamp.removeAll(keepingCapacity: true)
            state.lastTimestamp.append(contentsOf: UnsafeBufferPointer(start: tp, count: tn))
            state.lastDay = day
        }
        // Quantity.
        var quantity = ParsedDecimal(mantissa: 1, scale: 0)
        if let qi = m.quantity {
            (tp, tn) = field(base, starts, ends, dirty, qi, &scratch)
            guard let q = ParsedDecimal.parse(tp, tn) else { invalid(&result, .badQuantity, lineNumber, qi, tp, tn); return }
            if q.isZero { invalid(&result, .zeroQuantity, lineNumber, qi, tp, tn); return }
            quantity = q
        }
        // Price or line revenue.
        let revenue: Int64
        let amountColumn: Int
        if let pi = m.unitPrice {
            amountColumn = pi
            (tp, tn) = field(base, starts, ends, dirty, pi, &scratch)
            guard let price = ParsedDecimal.parse(tp, tn) else { invalid(&result, .badUnitPrice, lineNumber, pi, tp, tn); return }
            if price.mantissa <= 0 { invalid(&result, .nonPositiveUnitPrice, lineNumber, pi, tp, tn); return }
            guard let r = ParsedDecimal.productInMoneyUnits(quantity, price) else {
                invalid(&result, .amountTooLarge, lineNumber, pi, tp, tn); return
            }
            revenue = r
        } else {
            let ri = m.revenue!
            amountColumn = ri
            (tp, tn) = field(base, starts, ends, dirty, ri, &scratch)
            guard let amount = ParsedDecimal.parse(tp, tn) else { invalid(&result, .badUnitPrice, lineNumber, ri, tp, tn); return }
            if m.quantity == nil, amount.mantissa < 0 {
                quantity = ParsedDecimal(mantissa: -1, scale: 0)   // a refund line without a quantity column
            }
            // There is no unit price: the amount's sign must agree with the quantity's. An amount of 0 is a free
            // purchase and counts as an order (CDNOW's published summary counts such customers).
            if amount.mantissa != 0 && (amount.mantissa < 0) != quantity.isNegative {
                invalid(&result, .nonPositiveUnitPrice, lineNumber, ri, tp, tn); return
            }
            guard let r = amount.moneyUnits else { invalid(&result, .amountTooLarge, lineNumber, ri, tp, tn); return }
            revenue = r
        }
        guard withinBudget(revenue, &result, amountBudget) else {
            (tp, tn) = field(base, starts, ends, dirty, amountColumn, &scratch)
            invalid(&result, .amountTooLarge, lineNumber, amountColumn, tp, tn); return
        }
        // Product code: interned first (its bytes are copied), so the fields read after it may reuse the scratch buffer.
        var productCode = -1
        if let pi = m.product {
            let (pp, pn) = field(base, starts, ends, dirty, pi, &scratch)
            if pn > 0 {
                productCode = Int(internCached(pp, pn, last: &state.lastProduct, lastCode: &state.lastProductCode, into: &result.products))
                if productCode == result.productStats.count {
                    var fresh = ProductCodeStats()
                    fresh.excluded = excludedProducts.contains(pp, pn)
                    result.productStats.append(fresh)
                }
            }
        }
        // Invoice, read once (missing: one order per customer and day). Cancelled: a negative quantity or an invoice
        // starting with C.
        var ip: UnsafePointer<UInt8>? = nil
        var inLen = 0
        if let ii = m.invoice { (ip, inLen) = field(base, starts, ends, dirty, ii, &scratch) }
        // (Shopify: order names may have any prefix, and cancellations are given by the financial status instead.)
        let cancelled = reversed || quantity.isNegative || (m.orderLevel == nil && inLen > 0 && ip![0] == UInt8(ascii: "C"))
        // A line of an excluded product code is counted and left out before anything else of it is interned.
        if productCode >= 0 && result.productStats[productCode].excluded {
            let guest = field(base, starts, ends, dirty, m.customer, &scratch).1 == 0
            result.productStats[productCode].add(revenue: reversed ? 0 : revenue, cancelled: cancelled, guest: guest)
            result.excludedProductLines += 1
            return
        }
        let invoiceCode: Int32
        if let ip, inLen > 0 {
            if inLen == state.lastInvoice.count && state.lastInvoice.withUnsafeBufferPointer({ sameBytes($0.baseAddress!, ip, inLen) }) {
                invoiceCode = state.lastInvoiceCode
            } else {
                invoiceCode = result.invoices.intern(ip, inLen)
                state.lastInvoice.removeAll(keepingCapacity: true)
                state.lastInvoice.append(contentsOf: UnsafeBufferPointer(start: ip, count: inLen))
                state.lastInvoiceCode = invoiceCode
            }
        } else {
            invoiceCode = result.invoices.intern(syntheticInvoice(day: Int(day)))
        }
        // Country.
        var countryCode: Int32 = -1
        if let ci = m.country {
            let (cp, cn) = field(base, starts, ends, dirty, ci, &scratch)
            if cn > 0 { countryCode = internCached(cp, cn, last: &state.lastCountry, lastCode: &state.lastCountryCode, into: &result.countries) }
        }
        // Customer (empty = guest).
        let (cp, cn) = field(base, starts, ends, dirty, m.customer, &scratch)
        let customerCode: Int32 = cn > 0
            ? internCached(cp, cn, last: &state.lastCustomer, lastCode: &state.lastCustomerCode, into: &result.customers) : -1
        if customerCode < 0 { result.guests += 1 }
        if cancelled { result.cancelled += 1 }
        // A reversed order's line: the sale and its reversal, net 0.
        let kept = reversed ? 0 : revenue
        if reversed { result.reversedLines += 1; result.reversedUnits += revenue }
        if productCode >= 0 { result.productStats[productCode].add(revenue: kept, cancelled: cancelled, guest: customerCode < 0) }
        result.lines.append(customer: customerCode, day: day, invoice: invoiceCode, revenue: kept,
                              country: countryCode, cancelled: cancelled)
        if let ci = m.currency {
            let (xp, xn) = field(base, starts, ends, dirty, ci, &scratch)
            if !(xn == state.lastCurrency.count && state.lastCurrency.withUnsafeBufferPointer({ xn == 0 || sameBytes($0.baseAddress!, xp, xn) })) {
                state.lastCurrency = Array(UnsafeBufferPointer(start: xp, count: xn))
                state.lastCurrencyKey = String(decoding: state.lastCurrency, as: UTF8.self)
            }
            result.currencyCounts[state.lastCurrencyKey, default: 0] += 1
        }
    }

    /// The invoice of a line without one: `#yyyymmdd`, so that an order is one customer's purchases of one day.
    func syntheticInvoice(day: Int) -> String {
        let c = CivilDate.civil(day)
        return "#" + CivilDate.pad(c.year, 4) + CivilDate.pad(c.month, 2) + CivilDate.pad(c.day, 2)
    }

    /// Adds |revenue| to the chunk's total of amounts; false (and nothing added) when a budget is given and the line
    /// would exceed it.
    @inline(__always)
    func withinBudget(_ revenue: Int64, _ result: inout ChunkResult, _ budget: UInt64?) -> Bool {
        let magnitude = revenue.magnitude
        if let budget {
            guard result.absoluteAmount <= budget, magnitude <= budget - result.absoluteAmount else { return false }
            result.absoluteAmount += magnitude
        } else {
            let (sum, overflow) = result.absoluteAmount.addingReportingOverflow(magnitude)
            result.absoluteAmount = overflow ? .max : sum
        }
        return true
    }

    func processOlist(base: UnsafePointer<UInt8>, starts: UnsafeMutablePointer<Int>, ends: UnsafeMutablePointer<Int>,
                      dirty: UnsafeMutablePointer<Bool>, lineNumber: Int, scratch: inout [UInt8], result: inout ChunkResult,
                      amountBudget: UInt64?) {
        let m = layout.mapping
        let (op, on) = field(base, starts, ends, dirty, m.invoice!, &scratch)
        let orderID = String(decoding: UnsafeBufferPointer(start: op, count: on), as: UTF8.self)
        guard let order = olistOrders?[orderID] else {
            invalid(&result, .unknownOrder, lineNumber, m.invoice, op, on); return
        }
        if order.skipped { result.skippedCancelledOrders += 1; result.cancelled += 1; return }
        guard let day = order.day else {
            var b = Array("order \(orderID)".utf8)
            b.withUnsafeMutableBufferPointer { invalid(&result, .badTimestamp, lineNumber, nil, $0.baseAddress!, $0.count) }
            return
        }
        guard validDays.contains(day), let day32 = Int32(exactly: day) else {
            var b = Array("order \(orderID) dated \(CivilDate.format(day))".utf8)
            b.withUnsafeMutableBufferPointer { invalid(&result, .timestampOutOfRange, lineNumber, nil, $0.baseAddress!, $0.count) }
            return
        }
        let (pp, pn) = field(base, starts, ends, dirty, olistPriceIndex, &scratch)
        guard let price = ParsedDecimal.parse(pp, pn) else { invalid(&result, .badUnitPrice, lineNumber, olistPriceIndex, pp, pn); return }
        if price.mantissa <= 0 { invalid(&result, .nonPositiveUnitPrice, lineNumber, olistPriceIndex, pp, pn); return }
        guard let revenue = price.moneyUnits, withinBudget(revenue, &result, amountBudget) else {
            invalid(&result, .amountTooLarge, lineNumber, olistPriceIndex, pp, pn); return
        }
        let invoiceCode = result.invoices.intern(orderID)
        let countryCode: Int32 = order.state.isEmpty ? -1 : result.countries.intern(order.state)
        let customerCode: Int32 = order.customerUniqueID.isEmpty ? -1 : result.customers.intern(order.customerUniqueID)
        if customerCode < 0 { result.guests += 1 }
        result.lines.append(customer: customerCode, day: day32, invoice: invoiceCode, revenue: revenue,
                              country: countryCode, cancelled: false)
    }
}
