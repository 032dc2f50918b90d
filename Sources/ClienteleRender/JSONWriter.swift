import ClienteleCore

/// A minimal streaming JSON writer (bytes), with exact money numbers and ratios as shortest doubles.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    var needsComma: [Bool] = [false]

    public init() {}

    mutating func comma() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    public mutating func beginObject(_ key: String? = nil) { keyOrComma(key); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray(_ key: String? = nil) { keyOrComma(key); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }

    mutating func keyOrComma(_ key: String?) {
        comma()
        if let key { JSONWriter.appendString(key, to: &bytes); bytes.append(UInt8(ascii: ":")) }
    }

    public mutating func string(_ key: String?, _ value: String?) {
        keyOrComma(key)
        if let value { JSONWriter.appendString(value, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
    }

    public mutating func int(_ key: String?, _ value: Int?) {
        keyOrComma(key)
        bytes.append(contentsOf: (value.map(String.init) ?? "null").utf8)
    }

    public mutating func money(_ key: String?, _ units: Int64?) {
        keyOrComma(key)
        if let units { Money.append(units, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
    }

    public mutating func ratio(_ key: String?, _ value: Double?) {
        keyOrComma(key)
        bytes.append(contentsOf: (value.map(formatShortest) ?? "null").utf8)
    }

    public mutating func bool(_ key: String?, _ value: Bool) {
        keyOrComma(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// Inserts already-encoded JSON.
    public mutating func raw(_ key: String?, _ json: [UInt8]) {
        keyOrComma(key)
        bytes.append(contentsOf: json)
    }

    /// Appends `s` as a JSON string literal (with < > & escaped, so the JSON is safe inside HTML).
    public static func appendString(_ s: String, to out: inout String) {
        var bytes: [UInt8] = []
        appendString(s, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

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
