/// An ISO 4217 currency code ("GBP"): three ASCII letters, upper-cased.
public struct CurrencyCode: Sendable, Hashable, CustomStringConvertible {
    public let code: String

    /// nil unless `text` (trimmed) is three ASCII letters.
    public init?(_ text: String) {
        let t = text.trimmingASCIISpaces()
        guard t.utf8.count == 3, t.utf8.allSatisfy({ ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 }) else { return nil }
        code = t.uppercased()
    }

    public var description: String { code }
}
