/// Exact money: an amount in 1/10,000 of the currency unit (ANALYTICS.md section 1, "Money is exact").
///
/// Line revenue is computed exactly and rounded half-to-even to 4 decimal places; every sum of money is an exact
/// integer sum of these units, so results never depend on line order or thread count.
public enum Money {
    /// Units per currency unit.
    public static let scale: Int64 = 10_000

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
    public static func divideRoundingHalfEven(_ numerator: Int64, by denominator: Int64) -> Int64 {
        precondition(denominator != 0)
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
