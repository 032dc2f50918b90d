/// A decimal number as written in a file: `mantissa / 10^scale`.
public struct ParsedDecimal: Sendable, Equatable {
    public var mantissa: Int64
    public var scale: Int

    /// Parses the grammar of ANALYTICS.md section 1: an optional sign, digits, and an optional `.` fraction with at
    /// least one digit. No thousands separators, exponents, `NaN` or `inf`. At most 18 significant digits.
    @inline(__always)
    public static func parse(_ p: UnsafePointer<UInt8>, _ count: Int) -> ParsedDecimal? {
        var i = 0
        var negative = false
        if count == 0 { return nil }
        if p[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        var mantissa: Int64 = 0
        var significant = 0
        /// Reads a run of digits into `mantissa`: how many, or nil beyond 18 significant digits.
        @inline(__always)
        func digits() -> Int? {
            let start = i
            while i < count, p[i] &- 48 < 10 {
                let d = Int64(p[i] &- 48)
                if mantissa != 0 || d != 0 { significant += 1 }
                if significant > 18 { return nil }
                mantissa = mantissa &* 10 &+ d
                i += 1
            }
            return i - start
        }
        guard let whole = digits(), whole > 0 else { return nil }
        var scale = 0
        if i < count {
            guard p[i] == UInt8(ascii: ".") else { return nil }
            i += 1
            guard let fraction = digits(), fraction > 0, i == count else { return nil }
            scale = fraction
        }
        return ParsedDecimal(mantissa: negative ? -mantissa : mantissa, scale: scale)
    }

    public static func parse(_ text: String) -> ParsedDecimal? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return nil }
            let (start, count) = trimmedRange(UnsafePointer(base), buf.count)
            return parse(UnsafePointer(base) + start, count)
        }
    }

    public var isZero: Bool { mantissa == 0 }
    public var isNegative: Bool { mantissa < 0 }

    /// The value in money units (1/10,000), rounded half-to-even; nil when it does not fit in 64 bits.
    public var moneyUnits: Int64? { ParsedDecimal.roundToMoneyUnits(Int128(mantissa), scale: scale) }

    /// Exact product `a x b`, rounded half-to-even to 4 decimals, in money units; nil on overflow.
    @inline(__always)
    public static func productInMoneyUnits(_ a: ParsedDecimal, _ b: ParsedDecimal) -> Int64? {
        let product = Int128(a.mantissa) * Int128(b.mantissa)   // |a|,|b| < 10^18, so |product| < 10^36 < 2^127
        return roundToMoneyUnits(product, scale: a.scale + b.scale)
    }

    static let powersOfTen: [Int128] = {
        var p: [Int128] = [1]
        for _ in 1...37 { p.append(p.last! * 10) }
        return p
    }()

    @inline(__always)
    static func roundToMoneyUnits(_ value: Int128, scale: Int) -> Int64? {
        var result: Int128
        if scale <= 4 {
            let (r, overflow) = value.multipliedReportingOverflow(by: powersOfTen[4 - scale])
            if overflow { return nil }
            result = r
        } else if scale - 4 >= powersOfTen.count {
            // |value| < 10^37 (at most 36 significant digits) is less than half of 10^(scale - 4): it rounds to 0.
            // (Indexing powersOfTen with it trapped on a fraction with 42 digits, such as 0.000...0001.)
            result = 0
        } else {
            let divisor = powersOfTen[scale - 4]
            var q = value / divisor
            let r = value % divisor
            if r != 0 {
                let twice = r.magnitude * 2
                if twice > divisor.magnitude || (twice == divisor.magnitude && q % 2 != 0) {
                    q += value < 0 ? -1 : 1
                }
            }
            result = q
        }
        guard result >= Int128(Int64.min), result <= Int128(Int64.max) else { return nil }
        return Int64(result)
    }
}

/// Trims ASCII white space (space, tab, CR, LF) around a byte range.
@inline(__always)
func trimmedRange(_ p: UnsafePointer<UInt8>, _ count: Int) -> (start: Int, count: Int) {
    var s = 0
    var e = count
    while s < e, isSpace(p[s]) { s += 1 }
    while e > s, isSpace(p[e - 1]) { e -= 1 }
    return (s, e - s)
}

@inline(__always)
func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 13 || b == 10 }
