import ClienteleCore

/// The one JSON serialiser (bytes): streaming, with exact money numbers, ratios as shortest doubles (null when not
/// finite) and strings escaped so that the JSON is safe inside HTML. Compact by default; `pretty` writes the layout of
/// the data-quality report (two-space indent, `"key" : value`, as Foundation's pretty printing).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Per open container (the outermost level first): whether it has an element yet.
    var needsComma: [Bool] = [false]
    let pretty: Bool

    public init(pretty: Bool = false) { self.pretty = pretty }

    public mutating func beginObject(_ key: String? = nil) { open(key, UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray(_ key: String? = nil) { open(key, UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// An array of `items`, each written by `element`.
    public mutating func array<S: Sequence>(_ key: String?, _ items: S, _ element: (inout JSONWriter, S.Element) -> Void) {
        beginArray(key)
        for item in items { element(&self, item) }
        endArray()
    }

    mutating func open(_ key: String?, _ bracket: UInt8) {
        keyOrComma(key)
        bytes.append(bracket)
        needsComma.append(false)
    }

    mutating func close(_ bracket: UInt8) {
        let hadElements = needsComma.removeLast()
        if pretty {
            if !hadElements { bytes.append(10) }
            newline()
        }
        bytes.append(bracket)
    }

    /// A line feed and the indent of the current depth.
    mutating func newline() {
        bytes.append(10)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * (needsComma.count - 1)))
    }

    /// The separator before an element, and its key inside an object.
    mutating func keyOrComma(_ key: String?) {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        if pretty && needsComma.count > 1 { newline() }
        if let key {
            JSONWriter.appendString(key, to: &bytes)
            if pretty { bytes.append(contentsOf: " : ".utf8) } else { bytes.append(UInt8(ascii: ":")) }
        }
    }

    /// An element whose text is `literal` (a number, `true`, `false` or `null`).
    mutating func literal(_ key: String?, _ literal: String) {
        keyOrComma(key)
        bytes.append(contentsOf: literal.utf8)
    }

    public mutating func string(_ key: String?, _ value: String?) {
        guard let value else { return literal(key, "null") }
        keyOrComma(key)
        JSONWriter.appendString(value, to: &bytes)
    }

    public mutating func int(_ key: String?, _ value: Int?) { literal(key, value.map(String.init) ?? "null") }

    public mutating func money(_ key: String?, _ units: Int64?) {
        guard let units else { return literal(key, "null") }
        keyOrComma(key)
        Money.append(units, to: &bytes)
    }

    /// A double as its shortest round-trip text; null when it is missing or not finite.
    public mutating func ratio(_ key: String?, _ value: Double?) {
        literal(key, value.map { $0.isFinite ? formatShortest($0) : "null" } ?? "null")
    }

    public mutating func bool(_ key: String?, _ value: Bool) { literal(key, value ? "true" : "false") }

    /// A number already written as JSON number text.
    public mutating func number(_ key: String?, _ text: String) { literal(key, text) }

    public mutating func null(_ key: String?) { literal(key, "null") }

    /// Inserts already-encoded JSON.
    public mutating func raw(_ key: String?, _ json: [UInt8]) {
        keyOrComma(key)
        bytes.append(contentsOf: json)
    }

    /// Appends `s` as a JSON string literal (with < > & escaped, so the JSON is safe inside HTML).
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(34)
        for b in s.utf8 {
            switch b {
            case 34: out.append(contentsOf: [92, 34])
            case 92: out.append(contentsOf: [92, 92])
            case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 13: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 9: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<32, 60, 62, 38:   // control characters, and < > & so the JSON is safe inside HTML
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(34)
    }
}
