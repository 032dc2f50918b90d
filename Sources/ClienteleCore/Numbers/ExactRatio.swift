import Foundation

/// Ratios of exact integers as the double nearest the exact value (ANALYTICS.md section 10: "other fractions are the
/// double nearest the exact ratio").
public enum ExactRatio {
    /// The double nearest to `numerator / denominator`, or nil when the denominator is 0.
    ///
    /// Correctly rounded: the quotient is computed to 64+ significant bits with a sticky bit for the remainder, then
    /// converted once. When the operands are too wide for that, both are shifted right first (error below 2^-60).
    public static func value(_ numerator: Int128, _ denominator: Int128) -> Double? {
        if denominator == 0 { return nil }
        if numerator == 0 { return 0 }
        let negative = (numerator < 0) != (denominator < 0)
        var n = numerator.magnitude
        var d = denominator.magnitude
        if n < (1 << 53), d < (1 << 53) {
            let v = Double(n) / Double(d)
            return negative ? -v : v
        }
        // Keep n << shift within 128 bits and the quotient at ~66 bits.
        while d.leadingZeroBitCount < 62 { d >>= 1; n >>= 1 }   // d < 2^66
        if n == 0 { return 0 }
        let nBits = 128 - n.leadingZeroBitCount
        let dBits = 128 - d.leadingZeroBitCount
        var shift = 66 - (nBits - dBits)
        if nBits + shift > 127 { shift = 127 - nBits }
        let scaledN = shift >= 0 ? n << UInt128(shift) : n >> UInt128(-shift)
        var q = scaledN / d
        if scaledN % d != 0 { q |= 1 }
        var v = Double(q)
        v = v * pow2(-shift)
        return negative ? -v : v
    }

    public static func value(_ numerator: Int, _ denominator: Int) -> Double? {
        value(Int128(numerator), Int128(denominator))
    }

    public static func value(_ numerator: Int64, _ denominator: Int64) -> Double? {
        value(Int128(numerator), Int128(denominator))
    }

    static func pow2(_ e: Int) -> Double {
        Double(sign: .plus, exponent: e, significand: 1)
    }
}

/// Formats a double as the shortest text that reads back to it, in plain decimal notation (no exponent), without a
/// trailing `.0` (ANALYTICS.md section 10).
public func formatShortest(_ value: Double) -> String {
    if value.isNaN || value.isInfinite { return "" }
    if value == 0 { return "0" }
    var text = value.description   // shortest round-trip digits
    if let eIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        let mantissaText = String(text[..<eIndex])
        let exponent = Int(text[text.index(after: eIndex)...])!
        let negative = mantissaText.hasPrefix("-")
        var digits = mantissaText.replacingOccurrences(of: "-", with: "")
        var pointPosition = digits.firstIndex(of: ".").map { digits.distance(from: digits.startIndex, to: $0) } ?? digits.count
        digits.removeAll(where: { $0 == "." })
        pointPosition += exponent
        if pointPosition <= 0 {
            digits = "0." + String(repeating: "0", count: -pointPosition) + digits
        } else if pointPosition >= digits.count {
            digits += String(repeating: "0", count: pointPosition - digits.count)
        } else {
            digits.insert(".", at: digits.index(digits.startIndex, offsetBy: pointPosition))
        }
        text = (negative ? "-" : "") + digits
    }
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text
}

/// Formats an optional ratio: empty text for nil (a ratio whose denominator is 0).
public func formatRatio(_ value: Double?) -> String {
    guard let value else { return "" }
    return formatShortest(value)
}
