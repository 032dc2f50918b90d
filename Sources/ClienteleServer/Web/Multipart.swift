import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Synchronization

/// Just enough of multipart/form-data (RFC 7578): the text fields and the first file part of a form, read from a
/// received body on disk (memory-mapped, so a large upload is not copied into memory).
enum Multipart {
    static func boundary(contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for param in contentType.split(separator: ";").dropFirst() {
            let kv = param.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" {
                let b = kv[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                // RFC 2046: 1 to 70 characters.
                return b.isEmpty || b.utf8.count > 70 ? nil : b
            }
        }
        return nil
    }

    /// The file part of a form: its name as sent and where its content lies in the body.
    struct FilePart {
        var filename: String
        var data: Data
        var range: Range<Int>
        var count: Int { range.count }

        func write(to path: String) throws {
            try data[data.startIndex + range.lowerBound ..< data.startIndex + range.upperBound].write(to: URL(fileURLWithPath: path))
        }
    }

    struct Parts {
        var fields: [(name: String, value: String)] = []
        var file: FilePart?
        func field(_ name: String) -> String? { fields.last { $0.name == name }?.value }
    }

    /// The parts of the body stored at `url`.
    static func parts(of url: URL, boundary: String) throws -> Parts {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return parts(data, boundary: boundary)
    }

    static func parts(_ data: Data, boundary: String) -> Parts {
        data.withUnsafeBytes { raw -> Parts in
            let body = raw.bindMemory(to: UInt8.self)
            let delimiter = Array(("--" + boundary).utf8)
            var starts: [Int] = []
            var i = 0
            while let r = find(delimiter, in: body, from: i) {
                starts.append(r)
                i = r + delimiter.count
                if starts.count > 1_000 { break }   // a form has a few parts
            }
            var result = Parts()
            guard starts.count >= 2 else { return result }
            for (a, b) in zip(starts, starts.dropFirst()) {
                var partStart = a + delimiter.count
                if partStart + 1 < body.count, body[partStart] == 13, body[partStart + 1] == 10 { partStart += 2 }
                // A part's headers end within 16 KB and before the next boundary (the search never scans further).
                let headerLimit = min(b, partStart + 16 * 1024)
                guard partStart < headerLimit,
                      let headerEnd = find(Array("\r\n\r\n".utf8), in: UnsafeBufferPointer(rebasing: body[..<headerLimit]), from: partStart) else { continue }
                let headers = String(decoding: UnsafeBufferPointer(rebasing: body[partStart..<headerEnd]), as: UTF8.self)
                guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition") }) else { continue }
                var end = b
                if end >= 2, body[end - 2] == 13, body[end - 1] == 10 { end -= 2 }
                let content = (headerEnd + 4)..<max(headerEnd + 4, end)
                if let filename = parameter("filename", in: String(disposition)) {
                    if result.file == nil { result.file = FilePart(filename: filename, data: data, range: content) }
                } else if let name = parameter("name", in: String(disposition)), content.count <= 64 * 1024 {
                    result.fields.append((name, String(decoding: UnsafeBufferPointer(rebasing: body[content]), as: UTF8.self)))
                }
            }
            return result
        }
    }

    /// The last path component of a file name as a browser sent it ("upload.csv" when empty).
    static func baseName(_ filename: String) -> String {
        let base = String(filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
        let trimmed = base.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return "upload.csv" }
        return trimmed.count > 200 ? String(trimmed.prefix(200)) : trimmed
    }

    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var v = kv[1].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }

    /// The first occurrence of `needle` in `hay` at or after `from` (Knuth-Morris-Pratt: linear time whatever the
    /// input, so a hostile body cannot make the search quadratic).
    static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        let m = needle.count
        guard m > 0, from >= 0, hay.count >= m, from <= hay.count - m else { return nil }
        var fail = [Int](repeating: 0, count: m)
        var k = 0
        for i in 1..<max(1, m) {
            while k > 0 && needle[i] != needle[k] { k = fail[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            fail[i] = k
        }
        var q = 0
        for i in from..<hay.count {
            let c = hay[i]
            while q > 0 && c != needle[q] { q = fail[q - 1] }
            if c == needle[q] { q += 1 }
            if q == m { return i - m + 1 }
        }
        return nil
    }
}
