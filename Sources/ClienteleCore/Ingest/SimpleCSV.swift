/// A small, allocation-friendly RFC 4180 reader for headers and small side files (Olist's orders and customers).
/// The hot path for order lines is ``ChunkParser``.
enum SimpleCSV {
    /// Splits `bytes` into records of trimmed fields. Quoted fields may hold delimiters, `""` and newlines.
    static func records(_ bytes: ArraySlice<UInt8>, delimiter: UInt8, limit: Int = .max) -> [[String]] {
        var out: [[String]] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var i = bytes.startIndex
        var fieldWasQuoted = false
        func finishField() {
            var s = String(decoding: field, as: UTF8.self)
            if !fieldWasQuoted { s = s.trimmingASCIISpaces() }
            fields.append(s)
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        while i < bytes.endIndex && out.count < limit {
            let b = bytes[i]
            if inQuotes {
                if b == 34 {
                    if i + 1 < bytes.endIndex && bytes[i + 1] == 34 { field.append(34); i += 2; continue }
                    inQuotes = false
                } else {
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case 34 where field.allSatisfy(isSpace):
                field.removeAll(); inQuotes = true; fieldWasQuoted = true
            case delimiter:
                finishField()
            case 10:
                finishField()
                if !(fields.count == 1 && fields[0].isEmpty) { out.append(fields) }
                fields = []
            case 13:
                break
            default:
                field.append(b)
            }
            i += 1
        }
        if (!field.isEmpty || !fields.isEmpty) && out.count < limit {
            finishField()
            if !(fields.count == 1 && fields[0].isEmpty) { out.append(fields) }
        }
        return out
    }
}
