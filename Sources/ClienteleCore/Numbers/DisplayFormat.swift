
// Number and date formatting for people (dashboards, tooltips, chart labels).
// Not for CSV or JSON: those keep full precision and plain ASCII.

/// Locale-independent display formatting: "," thousands separators, "." decimal
/// point, and the typographic minus sign U+2212 ("−") for negative numbers.
public enum DisplayFormat {
    /// The minus sign used in every negative number (U+2212, same width as "+").
    public static let minus = "\u{2212}"
    /// Shown for a missing value.
    public static let missing = "\u{2014}"

    /// 1234567 -> "1,234,567"; -42 -> "-42" (ASCII minus: terminal output and chart labels).
    public static func groupedASCII(_ value: Int) -> String {
        (value < 0 ? "-" : "") + grouped(UInt64(value.magnitude))
    }

    /// 1234567 -> "1,234,567"; -42 -> "−42".
    public static func integer(_ value: Int) -> String {
        (value < 0 ? minus : "") + grouped(UInt64(value.magnitude))
    }

    /// The style in effect: separators, currency and dates (``DisplayStyle``); the default writes "1,234.56" and ISO
    /// dates with no currency symbol. Set with `DisplayFormat.$style.withValue(...)` around the work that formats.
    @TaskLocal public static var style = DisplayStyle()

    /// Money in units of 1/10000 of the currency unit, rounded half-to-even to the currency's decimals (cents by
    /// default), with the style's currency symbol: 12_345_678_950 -> "1,234,567.90" ("£1,234,567.90" in GBP);
    /// 1_250 -> "0.12"; -5_000 -> "−0.50".
    public static func money(_ units: Int64) -> String {
        let st = style
        return moneyDigits(units, decimals: st.moneyDecimals, style: st, symbol: true)
    }

    /// The amount's digits with the currency's decimals, and its symbol when `symbol` is true.
    static func moneyDigits(_ units: Int64, decimals: Int, style st: DisplayStyle, symbol: Bool) -> String {
        let magnitude = units.magnitude
        var step: UInt64 = 1
        for _ in 0..<(4 - decimals) { step *= 10 }
        var minor = magnitude / step
        let rest = magnitude % step
        if rest * 2 > step || (rest * 2 == step && minor % 2 == 1) { minor += 1 }
        let sign = units < 0 && minor > 0 ? minus : ""
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        var text = grouped(minor / scale, separator: st.grouping)
        if decimals > 0 {
            let fraction = String(minor % scale)
            text += st.decimalMark + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return symbol ? sign + st.moneyPrefix + text + st.moneySuffix : sign + text
    }

    /// Money units that may be missing (a model's prediction that is not finite or out of range): "—" for nil.
    public static func money(_ units: Int64?) -> String {
        guard let units else { return missing }
        return money(units)
    }

    /// An amount in currency units computed in floating point (a model's prediction), via
    /// ``Money/units(fromCurrency:)``: "—" when it is not finite or out of range.
    public static func money(currency value: Double) -> String {
        money(Money.units(fromCurrency: value))
    }

    /// ``compactMoney(_:)`` of an amount in currency units computed in floating point; "—" when not finite.
    public static func compactMoney(currency value: Double) -> String {
        withSymbol(compact(value))
    }

    /// An amount in currency units (a chart's value) with a K/M/B/T suffix and the currency symbol: "£1.2M".
    public static func compactAmount(_ value: Double) -> String { withSymbol(compact(value)) }

    /// A money axis title: "Net revenue (GBP)" when the currency is known.
    public static func moneyTitle(_ title: String) -> String { title + style.currencySuffix }

    /// A figure already formatted (a compact amount) with the style's currency symbol: "1.2M" -> "£1.2M".
    public static func withSymbol(_ figure: String) -> String {
        let st = style
        guard st.currency != nil, figure != missing else { return figure }
        if figure.hasPrefix(minus) { return minus + st.moneyPrefix + figure.dropFirst() + st.moneySuffix }
        return st.moneyPrefix + figure + st.moneySuffix
    }

    /// A count computed in floating point (expected orders), rounded: "—" when not finite or out of range.
    public static func integer(rounding value: Double) -> String {
        guard let n = roundedInt(value) else { return missing }
        return integer(n)
    }

    /// Money (units of 1/10000) with a K/M/B/T suffix and three significant digits:
    /// "1.23M", "45.6K", "980".
    public static func compactMoney(_ units: Int64) -> String {
        withSymbol(compact(Double(units) / 10_000))
    }

    /// A number with a K/M/B/T suffix and (at most) three significant digits,
    /// trailing zeros dropped: 1_234_567 -> "1.23M", 45_600 -> "45.6K", 980 -> "980",
    /// 999_999 -> "1M", 0.5 -> "0.5", -2_500 -> "−2.5K". Non-finite -> "—".
    public static func compact(_ value: Double) -> String {
        guard value.isFinite else { return missing }
        let suffixes = ["", "K", "M", "B", "T"]
        var scaled = abs(value)
        var index = 0
        while scaled >= 999.5 && index < suffixes.count - 1 {
            scaled /= 1000
            index += 1
        }
        // Three significant digits, but never more than two decimals.
        let decimals = scaled >= 99.95 ? 0 : scaled >= 9.995 ? 1 : 2
        let text = trimmedZeros(fixed(scaled, decimals: decimals))
        let sign = value < 0 && text != "0" ? minus : ""
        return sign + text + suffixes[index]
    }

    /// A fraction as a percentage: 0.1234 -> "12.3%" (nil or non-finite -> "—").
    public static func percent(_ fraction: Double?, digits: Int = 1) -> String {
        guard let fraction, fraction.isFinite else { return missing }
        return signed(fraction * 100, digits: digits, plus: false) + "%"
    }

    /// Relative change from `previous` to `current`: "+12.3%", "−4.0%", "0.0%";
    /// nil when `previous` is 0 (or either value is not finite).
    public static func signedPercentChange(_ current: Double, previous: Double, digits: Int = 1) -> String? {
        guard previous != 0, current.isFinite, previous.isFinite else { return nil }
        let change = (current - previous) / abs(previous) * 100
        return signed(change, digits: digits, plus: true) + "%"
    }

    /// The change between two fractions (0-1) in percentage points: "+2.1 pts", "−0.4 pts".
    public static func signedPointsChange(_ current: Double, previous: Double, digits: Int = 1) -> String {
        let d = (current - previous) * 100
        return (d >= 0 ? "+" : minus) + decimal(abs(d), digits: digits) + " pts"
    }

    /// ``signedPercentChange(_:previous:digits:)`` for values that may be missing; ``missing`` when there is none.
    public static func percentChangeText(_ current: Double?, previous: Double?) -> String {
        guard let current, let previous else { return missing }
        return signedPercentChange(current, previous: previous) ?? missing
    }

    /// ``signedPointsChange(_:previous:digits:)`` for values that may be missing; ``missing`` when there is none.
    public static func pointsChangeText(_ current: Double?, previous: Double?) -> String {
        guard let current, let previous else { return missing }
        return signedPointsChange(current, previous: previous)
    }

    /// "1 day", "214 days", "1,234 days".
    public static func days(_ count: Int) -> String {
        integer(count) + (abs(count) == 1 ? " day" : " days")
    }

    /// A day number (days since 1970-01-01) as "2011-12-09" (the locale's numeric date when the style has one,
    /// "09/12/2011" in en_GB). Not for URLs, form values or data formats: those use ``CivilDate/format(_:)``.
    public static func date(_ dayNumber: Int) -> String { style.formatDate(dayNumber, month: false) }

    /// A day number as its month, "2011-12" ("12/2011" in en_GB).
    public static func month(_ dayNumber: Int) -> String { style.formatDate(dayNumber, month: true) }

    /// A fixed number of decimals with thousands separators: (1234.5, 2) -> "1,234.50".
    public static func decimal(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return missing }
        return signed(value, digits: digits, plus: false)
    }

    // MARK: - Helpers

    /// "1,234,567" (the style's thousands separator).
    static func grouped(_ n: UInt64) -> String { grouped(n, separator: style.grouping) }

    static func grouped(_ n: UInt64, separator: String) -> String {
        let digits = String(n)
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3)
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(separator) }
            out.append(ch)
        }
        return out
    }

    /// Non-negative `value` with exactly `decimals` decimals (rounded half away
    /// from zero on the binary value), grouped: (1234.567, 2) -> "1,234.57".
    static func fixed(_ value: Double, decimals: Int) -> String {
        let decimals = max(0, min(decimals, 9))
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded()
        guard scaled < 9.2e18 else { return String(format: "%.\(decimals)f", abs(value)) }
        let st = style
        let n = UInt64(scaled)
        var text = grouped(n / scale, separator: st.grouping)
        if decimals > 0 {
            let fraction = String(n % scale)
            text += st.decimalMark + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// "1.50" -> "1.5", "2.00" -> "2", "980" -> "980".
    static func trimmedZeros(_ text: String) -> String {
        let mark = style.decimalMark
        guard text.contains(mark) else { return text }
        var t = Substring(text)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(mark) { t = t.dropLast(mark.count) }
        return String(t)
    }

    /// Fixed decimals with a "−" (and optionally "+") sign; never "−0.0".
    static func signed(_ value: Double, digits: Int, plus: Bool) -> String {
        let body = fixed(value, decimals: digits)
        let isZero = !body.contains(where: { $0.isNumber && $0 != "0" })
        if isZero { return body }
        return (value < 0 ? minus : plus ? "+" : "") + body
    }
}
