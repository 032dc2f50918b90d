/// Exact money: an amount in 1/10,000 of the currency unit (ANALYTICS.md section 1, "Money is exact").
///
/// Line revenue is computed exactly and rounded half-to-even to 4 decimal places; every sum of money is an exact
/// integer sum of these units, so results never depend on line order or thread count.
public enum Money {
    /// Units per currency unit.
    public static let scale: Int64 = 10_000

    /// The most the valid lines of one data set may add up to, in |line revenue| (returns counted positive):
    /// Int64.max / 128 units, about 7.2 trillion currency units. The loader rejects the lines past it
    /// (`amount_too_large`, in file order), so that every sum of line revenue (a customer, the guests, a segment, a
    /// cohort, the total) fits in Int64 with room for the small multiplications downstream (percentages up to 100,
    /// a few sums of such sums) without overflow.
    public static let sumBudget: Int64 = Int64.max / 128

    /// Money units of an amount in currency units computed in floating point (a model's prediction), rounded to the
    /// nearest unit; nil when it is not finite or does not fit in 64-bit units. Every conversion of a model's output
    /// to money goes through here (never `Int64(x.rounded())`, which traps).
    public static func units(fromCurrency value: Double) -> Int64? {
        units(rounding: value * Double(scale))
    }

    /// `value` (already in money units, floating point) rounded to the nearest unit; nil when it is not finite or
    /// does not fit in Int64.
    public static func units(rounding value: Double) -> Int64? {
        guard value.isFinite else { return nil }
        return Int64(exactly: value.rounded())
    }

    /// An exact wide sum brought back to Int64, saturating at the bounds (used where a derived value, not a sum of
    /// line revenue, could in theory leave the range; see ``sumBudget``).
    public static func clamped(_ value: Int128) -> Int64 {
        value > Int128(Int64.max) ? .max : value < Int128(Int64.min) ? .min : Int64(value)
    }

    /// Formats an amount as in ANALYTICS.md section 10: exact, up to 4 decimals, trailing zeros dropped, `0` for zero.
    public static func format(_ units: Int64) -> String {
        var out: [UInt8] = []
        append(units, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the text of `units` (see ``format(_:)``) to a byte buffer.
    public static func append(_ units: Int64, to out: inout [UInt8]) {
        if units == 0 { out.append(UInt8(ascii: "0")); return }
        let negative = units < 0
        let magnitude = units.magnitude
        let whole = magnitude / 10_000
        var fraction = magnitude % 10_000
        if negative { out.append(UInt8(ascii: "-")) }
        appendDecimal(whole, to: &out)
        if fraction != 0 {
            var digits = 4
            while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
            out.append(UInt8(ascii: "."))
            var buffer: [UInt8] = [48, 48, 48, 48]
            var f = fraction
            var i = digits - 1
            while i >= 0 { buffer[i] = UInt8(48 + f % 10); f /= 10; i -= 1 }
            out.append(contentsOf: buffer[0..<digits])
        }
    }

    /// `numerator / denominator` rounded half-to-even to an integer (used for averages of money, in units).
    /// The denominator must not be 0 (callers check; a 0 gives 0 rather than a trap), and `Int64.min / -1` saturates.
    public static func divideRoundingHalfEven(_ numerator: Int64, by denominator: Int64) -> Int64 {
        if denominator == 0 { return 0 }
        if denominator == -1 { return numerator == .min ? .max : -numerator }
        var q = numerator / denominator
        let r = numerator % denominator
        if r != 0 {
            let twiceR = r.magnitude * 2
            let d = denominator.magnitude
            let sameSign = (r < 0) == (denominator < 0)
            let step: Int64 = sameSign ? 1 : -1
            if twiceR > d || (twiceR == d && q % 2 != 0) { q += step }
        }
        return q
    }
}

/// `value` rounded to the nearest integer; nil when it is not finite or does not fit in Int (never `Int(x.rounded())`
/// on a computed value, which traps).
public func roundedInt(_ value: Double) -> Int? {
    guard value.isFinite else { return nil }
    return Int(exactly: value.rounded())
}

@inline(__always)
func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
    if value < 10 { out.append(UInt8(48 + value)); return }
    var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
              UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var v = value
    var n = 0
    withUnsafeMutableBytes(of: &tmp) { buf in
        while v > 0 { buf[19 - n] = UInt8(48 + v % 10); v /= 10; n += 1 }
        out.append(contentsOf: buf[(20 - n)...])
    }
}

@inline(__always)
func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    if value < 0 { out.append(UInt8(ascii: "-")) }
    appendDecimal(UInt64(value.magnitude), to: &out)
}
