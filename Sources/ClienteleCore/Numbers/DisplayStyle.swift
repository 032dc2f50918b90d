import Foundation

/// How numbers, money and dates are written for people: the data set's currency and the reader's locale.
///
/// Money keeps its exact value and the digits of ``DisplayFormat``; the style only chooses the separators, where the
/// currency's symbol goes and how many decimals the currency has (from Foundation's locale data, computed once per
/// style). Without a locale, numbers read "1,234.56" and dates "2011-12-09" (ISO 8601); without a currency, money
/// has no symbol. The style in effect is ``DisplayFormat/style`` (a task-local value: the server sets it per
/// request from the data set's currency and `--locale`, the CLI per command).
public struct DisplayStyle: Sendable, Hashable {
    /// A Foundation locale identifier ("en_GB", "de_DE"); nil: the default style described above.
    public private(set) var locale: String? = nil
    /// ISO 4217 code of the money shown; nil: unknown, no symbol.
    public private(set) var currency: String? = nil
    /// Thousands separator and decimal mark.
    public private(set) var grouping = ","
    public private(set) var decimalMark = "."
    /// Text before and after the digits of an amount ("£" and "", or "" and " €").
    public private(set) var moneyPrefix = ""
    public private(set) var moneySuffix = ""
    /// Decimals of the currency's minor unit (2; 0 for JPY; at most 4, the precision of ``Money``).
    public private(set) var moneyDecimals = 2
    /// The locale's numeric date and month patterns (tokens y, M, MM, d, dd and literal separators); nil: ISO.
    private(set) var datePattern: [DateToken]? = nil
    private(set) var monthPattern: [DateToken]? = nil

    /// The default style: "1,234.56", ISO dates, no currency symbol.
    public init() {}

    /// The style of `locale` (nil: the default separators and ISO dates) for money in `currency` (nil: no symbol).
    public init(locale: String?, currency: String?) {
        let code = currency.flatMap(CurrencyCode.init)?.code
        guard locale != nil || code != nil else { return }
        self.locale = locale
        self.currency = code
        let foundationLocale = Locale(identifier: locale ?? "en_US")
        if locale != nil {
            grouping = foundationLocale.groupingSeparator ?? ","
            decimalMark = foundationLocale.decimalSeparator ?? "."
            datePattern = DateToken.parse(DateFormatter.dateFormat(fromTemplate: "yMMdd", options: 0, locale: foundationLocale))
            monthPattern = DateToken.parse(DateFormatter.dateFormat(fromTemplate: "yMM", options: 0, locale: foundationLocale))
        }
        if let code {
            let f = NumberFormatter()
            f.locale = foundationLocale
            f.numberStyle = .currency
            f.currencyCode = code
            let sample = f.string(from: 1234.5) ?? ""
            let scalars = Array(sample.unicodeScalars)
            let digit: (Unicode.Scalar) -> Bool = { $0.properties.numericType != nil }
            let mark = Array((f.currencyDecimalSeparator ?? f.decimalSeparator ?? ".").unicodeScalars)
            if let first = scalars.firstIndex(where: digit), let last = scalars.lastIndex(where: digit) {
                moneyPrefix = String(String.UnicodeScalarView(scalars[..<first]))
                moneySuffix = String(String.UnicodeScalarView(scalars[(last + 1)...]))
                // The currency's decimals as the locale writes 1234.5 ("£1,234.50": 2; "¥1,234": 0).
                let number = Array(scalars[first...last])
                var decimals = 0
                if !mark.isEmpty, let at = (0...(max(0, number.count - mark.count))).last(where: { Array(number[$0..<min(number.count, $0 + mark.count)]) == mark }) {
                    decimals = number[(at + mark.count)...].filter(digit).count
                }
                moneyDecimals = max(0, min(4, decimals))
            } else {
                moneyPrefix = code + "\u{00A0}"; moneySuffix = ""
            }
        }
    }

    /// Whether `identifier` names a locale Foundation knows ("en_GB", "de-DE", "fr").
    public static func isKnownLocale(_ identifier: String) -> Bool {
        Locale.availableIdentifiers.contains(canonicalLocale(identifier))
    }

    /// The locale identifier Foundation uses for `identifier` ("de-DE" → "de_DE").
    public static func canonicalLocale(_ identifier: String) -> String { identifier.replacingOccurrences(of: "-", with: "_") }

    /// A column heading's unit: " (GBP)" when the currency is known, "" otherwise.
    public var currencySuffix: String { currency.map { " (\($0))" } ?? "" }

    func formatDate(_ dayNumber: Int, month: Bool) -> String {
        guard let pattern = month ? monthPattern : datePattern else {
            let iso = CivilDate.format(dayNumber)
            return month ? String(iso.prefix(7)) : iso
        }
        let (y, m, d) = CivilDate.civil(dayNumber)
        var out = ""
        for token in pattern {
            switch token {
            case .year: out += String(y)
            case .month(let pad): out += pad && m < 10 ? "0\(m)" : String(m)
            case .day(let pad): out += pad && d < 10 ? "0\(d)" : String(d)
            case .literal(let s): out += s
            }
        }
        return out
    }
}

/// A piece of a numeric date pattern ("dd/MM/y").
enum DateToken: Sendable, Hashable {
    case year, month(pad: Bool), day(pad: Bool), literal(String)

    /// The tokens of a pattern of y, M and d runs and literals; nil when it has anything else (then ISO is used).
    static func parse(_ pattern: String?) -> [DateToken]? {
        guard let pattern, !pattern.isEmpty else { return nil }
        var tokens: [DateToken] = []
        let chars = Array(pattern)
        var i = 0
        var sawYear = false, sawMonth = false
        while i < chars.count {
            let c = chars[i]
            var j = i
            while j < chars.count && chars[j] == c { j += 1 }
            let run = j - i
            switch c {
            case "y": tokens.append(.year); sawYear = true
            case "M", "L": guard run <= 2 else { return nil }; tokens.append(.month(pad: run == 2)); sawMonth = true
            case "d": guard run <= 2 else { return nil }; tokens.append(.day(pad: run == 2))
            case "'": return nil
            default:
                if c.isLetter { return nil }
                tokens.append(.literal(String(repeating: String(c), count: run)))
            }
            i = j
        }
        return sawYear && sawMonth ? tokens : nil
    }
}
