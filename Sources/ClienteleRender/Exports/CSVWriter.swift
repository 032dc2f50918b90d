import ClienteleCore

/// Builds CSV text (RFC 4180, LF line ends) as bytes.
///
/// Text cells are protected against formula injection: a text cell starting with `=`, `+`, `-`, `@`, tab or CR is
/// prefixed with `'`. Numbers are written with ``number(_:)``/``money(_:)`` and are never prefixed.
public struct CSVWriter {
    public private(set) var bytes: [UInt8] = []
    var atLineStart = true

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    mutating func separator() {
        if !atLineStart { bytes.append(UInt8(ascii: ",")) }
        atLineStart = false
    }

    /// A text cell: neutralised and quoted as needed.
    public mutating func text(_ value: String) {
        separator()
        CSVWriter.appendText(Array(value.utf8)[...], to: &bytes)
    }

    /// A text cell from raw UTF-8 bytes.
    public mutating func text(bytes value: ArraySlice<UInt8>) {
        separator()
        CSVWriter.appendText(value, to: &bytes)
    }

    static func appendText(_ value: ArraySlice<UInt8>, to out: inout [UInt8]) {
        let needsPrefix = value.first.map { [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13].contains($0) } ?? false
        let needsQuotes = value.contains { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }
        if needsQuotes { out.append(34) }
        if needsPrefix { out.append(UInt8(ascii: "'")) }
        for b in value {
            if b == 34 { out.append(34) }
            out.append(b)
        }
        if needsQuotes { out.append(34) }
    }

    /// An integer cell.
    public mutating func number(_ value: Int) {
        separator()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A money cell (exact, up to 4 decimals); nil = empty.
    public mutating func money(_ units: Int64?) {
        separator()
        if let units { Money.append(units, to: &bytes) }
    }

    /// A ratio cell: shortest text of the double; nil (denominator 0) = empty.
    public mutating func ratio(_ value: Double?) {
        separator()
        bytes.append(contentsOf: formatRatio(value).utf8)
    }

    /// A cell holding number text written as it is (the caller formats it).
    public mutating func numberText(_ text: String) {
        separator()
        bytes.append(contentsOf: text.utf8)
    }

    /// An empty cell.
    public mutating func empty() { separator() }

    public mutating func endRow() {
        bytes.append(10)
        atLineStart = true
    }

    public mutating func header(_ names: [String]) {
        for n in names { text(n) }
        endRow()
    }
}
