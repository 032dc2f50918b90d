import ClienteleCore

/// A JSON value with exact number text (money exactly, ratios as shortest doubles): a tree built in memory, written
/// by ``JSONWriter`` like everything else (one path for escaping and numbers).
public indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// Already valid JSON number text.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Fields in the order given.
    case object([(String, JSONValue)])

    public static func int(_ v: Int) -> JSONValue { .number(String(v)) }
    public static func money(_ v: Int64?) -> JSONValue { v.map { .number(Money.format($0)) } ?? .null }
    /// A double as its shortest round-trip text; null when it is missing or not finite.
    public static func double(_ v: Double?) -> JSONValue { v.map { $0.isFinite ? .number(formatShortest($0)) : .null } ?? .null }

    /// The value as compact JSON text.
    public var text: String {
        var w = JSONWriter()
        w.value(nil, self)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}

extension JSONWriter {
    /// Writes a whole ``JSONValue`` (as a field `key` of the enclosing object, or an array element when nil).
    public mutating func value(_ key: String?, _ value: JSONValue) {
        switch value {
        case .null: null(key)
        case .bool(let b): bool(key, b)
        case .number(let n): number(key, n)
        case .string(let s): string(key, s)
        case .array(let items): array(key, items) { $0.value(nil, $1) }
        case .object(let fields):
            beginObject(key)
            for (k, v) in fields { self.value(k, v) }
            endObject()
        }
    }
}
