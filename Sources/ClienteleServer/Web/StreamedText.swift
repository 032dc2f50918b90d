import Hummingbird

/// A response text made of fixed parts and of table rows written one at a time: a download of every customer is
/// sent in pieces of about 64 KB instead of being held as one text.
struct StreamedText: Sendable {
    enum Part: Sendable {
        case text(String)
        /// `count` rows, each written by `write(i)`, with `separator` between them.
        case rows(count: Int, separator: String, write: @Sendable (Int) -> String)
    }

    var parts: [Part] = []

    mutating func append(_ text: String) {
        parts.append(.text(text))
    }

    /// The rows of `table` (its lazy rows when it has them), each written by `write`.
    mutating func append(rows table: Table, separator: String, write: @escaping @Sendable ([Cell]) -> String) {
        if let lazy = table.lazyRows {
            parts.append(.rows(count: lazy.count, separator: separator) { write(lazy.row($0)) })
        } else {
            let rows = table.rows
            parts.append(.rows(count: rows.count, separator: separator) { write(rows[$0]) })
        }
    }

    /// Above this many rows a text is streamed (and not kept in the response cache).
    static let streamAbove = 5_000

    var isLarge: Bool {
        parts.contains { if case .rows(let n, _, _) = $0 { return n > Self.streamAbove } else { return false } }
    }

    /// The whole text.
    var text: String {
        var s = ""
        var pieces = Pieces(self)
        while let p = pieces.next() { s += p }
        return s
    }

    /// A response body that writes the text piece by piece.
    var body: ResponseBody {
        let text = self
        return ResponseBody { writer in
            var pieces = Pieces(text)
            while let piece = pieces.next() {
                try await writer.write(ByteBuffer(string: piece))
            }
            try await writer.finish(nil)
        }
    }

    /// The consecutive pieces of a text, each about `size` bytes (a single row may be longer).
    struct Pieces: IteratorProtocol {
        let text: StreamedText
        let size: Int
        var part = 0
        var row = 0

        init(_ text: StreamedText, size: Int = 1 << 16) {
            self.text = text
            self.size = size
        }

        mutating func next() -> String? {
            var buffer = ""
            while part < text.parts.count {
                switch text.parts[part] {
                case .text(let t):
                    buffer += t
                    part += 1
                case .rows(let count, let separator, let write):
                    while row < count {
                        if row > 0 { buffer += separator }
                        buffer += write(row)
                        row += 1
                        if buffer.utf8.count >= size { return buffer }
                    }
                    part += 1
                    row = 0
                }
                if buffer.utf8.count >= size { return buffer }
            }
            return buffer.isEmpty ? nil : buffer
        }
    }
}
