// A small PDF 1.4 writer: pages with Flate-compressed content streams, the
// standard 14 fonts, RGB colours, transparency, link annotations, document
// info, and a correct cross-reference table.

import CZlib
import Foundation

/// A page size in points (1/72 inch).
public struct PDFPageSize: Sendable, Hashable {
    public var width: Double
    public var height: Double
    public init(width: Double, height: Double) { self.width = width; self.height = height }

    /// ISO A4, 210 x 297 mm.
    public static let a4 = PDFPageSize(width: 595.28, height: 841.89)
    /// US Letter, 8.5 x 11 in.
    public static let letter = PDFPageSize(width: 612, height: 792)
    /// The same size turned sideways.
    public var landscape: PDFPageSize { PDFPageSize(width: max(width, height), height: min(width, height)) }
}

/// A rectangle in page coordinates (points, origin top left, y down).
public struct PDFRect: Sendable, Hashable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    /// The rectangle shrunk by `d` on every side.
    public func insetBy(_ d: Double) -> PDFRect { PDFRect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d) }
}

/// Horizontal alignment of text relative to its x position.
public enum PDFTextAlign: Sendable { case left, center, right }

/// Document metadata (the PDF `/Info` dictionary).
public struct PDFInfo: Sendable {
    public var title: String
    public var author: String
    public var subject: String?
    public var producer: String
    public var creationDate: Date
    public init(title: String, author: String = "Clientele", subject: String? = nil,
                producer: String = "Clientele PDF writer", creationDate: Date = Date()) {
        self.title = title; self.author = author; self.subject = subject
        self.producer = producer; self.creationDate = creationDate
    }
}

/// A PDF document: add pages, draw on them, then `data()`.
///
/// ```swift
/// let doc = PDFDocument(info: PDFInfo(title: "Executive report"))
/// let page = doc.addPage(.a4)
/// page.text("Hello", x: 56, y: 80, font: .helveticaBold, size: 20)
/// page.rect(x: 56, y: 100, width: 200, height: 4, fill: RGBColor(hex: 0x0072B2))
/// try doc.data().write(to: url)
/// ```
public final class PDFDocument {
    public var info: PDFInfo
    public private(set) var pages: [PDFPage] = []
    /// Content-stream compression level (zlib 0...9).
    public var compressionLevel: Int32 = 6

    // Resources shared by every page: fonts and opacity states in first-use order.
    private(set) var fonts: [PDFStandardFont] = []
    private var fontNames: [PDFStandardFont: String] = [:]
    private(set) var opacityStates: [(fill: Double, stroke: Double)] = []
    private var opacityNames: [String: String] = [:]

    public init(info: PDFInfo) { self.info = info }
    public convenience init(title: String) { self.init(info: PDFInfo(title: title)) }

    /// Appends a new empty page.
    @discardableResult
    public func addPage(_ size: PDFPageSize = .a4) -> PDFPage {
        let page = PDFPage(document: self, size: size, index: pages.count)
        pages.append(page)
        return page
    }

    func resourceName(for font: PDFStandardFont) -> String {
        if let name = fontNames[font] { return name }
        fonts.append(font)
        let name = "F\(fonts.count)"
        fontNames[font] = name
        return name
    }

    func resourceName(fillOpacity: Double, strokeOpacity: Double) -> String {
        let f = min(max(fillOpacity, 0), 1), s = min(max(strokeOpacity, 0), 1)
        let key = PDFNumber.format(f) + "/" + PDFNumber.format(s)
        if let name = opacityNames[key] { return name }
        opacityStates.append((f, s))
        let name = "GS\(opacityStates.count)"
        opacityNames[key] = name
        return name
    }

    /// The complete PDF file.
    public func data() -> Data { Data(bytes()) }

    /// Writes the PDF file to `url`.
    public func write(to url: URL) throws { try data().write(to: url, options: .atomic) }

    /// The complete PDF file as bytes.
    public func bytes() -> [UInt8] {
        var w = PDFObjectWriter()
        // Fixed object numbers: 1 catalog, 2 page tree, 3 info, 4 resources,
        // then fonts, the font encoding, opacity states, and per page: page, content, annotations.
        let catalog = 1, tree = 2, infoRef = 3, resources = 4
        let encodingRef = 5
        var next = 6
        let fontRefs = fonts.map { _ -> Int in defer { next += 1 }; return next }
        let gsRefs = opacityStates.map { _ -> Int in defer { next += 1 }; return next }
        var pageRefs: [Int] = [], contentRefs: [Int] = [], annotRefs: [[Int]] = []
        for page in pages {
            pageRefs.append(next); contentRefs.append(next + 1); next += 2
            annotRefs.append(page.links.map { _ -> Int in defer { next += 1 }; return next })
        }
        w.begin(count: next - 1)

        w.object(catalog, "<< /Type /Catalog /Pages \(tree) 0 R >>")
        w.object(tree, "<< /Type /Pages /Kids [\(pageRefs.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>")
        var infoDict = "<< /Title \(PDFString.text(info.title)) /Author \(PDFString.text(info.author))"
        if let subject = info.subject { infoDict += " /Subject \(PDFString.text(subject))" }
        infoDict += " /Producer \(PDFString.text(info.producer)) /CreationDate \(PDFString.text(PDFString.date(info.creationDate))) >>"
        w.object(infoRef, infoDict)
        var res = "<< /ProcSet [/PDF /Text] /Font <<"
        for (i, _) in fonts.enumerated() { res += " /F\(i + 1) \(fontRefs[i]) 0 R" }
        res += " >>"
        if !opacityStates.isEmpty {
            res += " /ExtGState <<"
            for (i, _) in opacityStates.enumerated() { res += " /GS\(i + 1) \(gsRefs[i]) 0 R" }
            res += " >>"
        }
        res += " >>"
        w.object(resources, res)
        w.object(encodingRef, "<< /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences \(PDFTextEncoding.differences) >>")
        for (i, font) in fonts.enumerated() {
            let enc = font.usesTextEncoding ? " /Encoding \(encodingRef) 0 R" : ""
            w.object(fontRefs[i], "<< /Type /Font /Subtype /Type1 /BaseFont /\(font.postScriptName)\(enc) >>")
        }
        for (i, gs) in opacityStates.enumerated() {
            w.object(gsRefs[i], "<< /Type /ExtGState /ca \(PDFNumber.format(gs.fill)) /CA \(PDFNumber.format(gs.stroke)) >>")
        }
        for (i, page) in pages.enumerated() {
            let size = page.size
            var dict = "<< /Type /Page /Parent \(tree) 0 R /MediaBox [0 0 \(PDFNumber.format(size.width)) \(PDFNumber.format(size.height))]"
            dict += " /Resources \(resources) 0 R /Contents \(contentRefs[i]) 0 R"
            if !annotRefs[i].isEmpty { dict += " /Annots [\(annotRefs[i].map { "\($0) 0 R" }.joined(separator: " "))]" }
            dict += " >>"
            w.object(pageRefs[i], dict)
            let compressed = PNGEncoder.zlibCompress(page.contentBytes, level: compressionLevel)   // zlib = FlateDecode
            w.stream(contentRefs[i], dict: "/Filter /FlateDecode", data: compressed)
            for (k, link) in page.links.enumerated() {
                let r = link.rect
                let box = [r.x, size.height - r.maxY, r.maxX, size.height - r.y].map(PDFNumber.format).joined(separator: " ")
                w.object(annotRefs[i][k], "<< /Type /Annot /Subtype /Link /Rect [\(box)] /Border [0 0 0] /A << /S /URI /URI \(PDFString.literal(Array(link.url.utf8))) >> >>")
            }
        }
        return w.finish(root: catalog, info: infoRef)
    }
}

/// Serialises numbered objects and records their offsets for the xref table.
struct PDFObjectWriter {
    var out: [UInt8] = []
    var offsets: [Int] = []

    mutating func begin(count: Int) {
        offsets = [Int](repeating: 0, count: count + 1)
        // Header; the second line's high bytes mark the file as binary.
        out += Array("%PDF-1.4\n".utf8) + [0x25, 0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
    }

    mutating func object(_ n: Int, _ body: String) {
        offsets[n] = out.count
        out += Array("\(n) 0 obj\n\(body)\nendobj\n".utf8)
    }

    mutating func stream(_ n: Int, dict: String, data: [UInt8]) {
        offsets[n] = out.count
        out += Array("\(n) 0 obj\n<< /Length \(data.count) \(dict) >>\nstream\n".utf8)
        out += data
        out += Array("\nendstream\nendobj\n".utf8)
    }

    mutating func finish(root: Int, info: Int) -> [UInt8] {
        let xref = out.count
        var table = "xref\n0 \(offsets.count)\n0000000000 65535 f \n"
        for n in 1..<offsets.count {
            precondition(offsets[n] > 0, "PDF object \(n) was never written")
            let digits = String(offsets[n])
            table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(offsets.count) /Root \(root) 0 R /Info \(info) 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        out += Array(table.utf8)
        return out
    }
}

/// Numbers as PDF operands: at most 3 decimals, no exponent, no trailing zeros.
enum PDFNumber {
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let scaled = (value * 1000).rounded()
        if abs(scaled) >= 1e15 { return Int64(exactly: value.rounded()).map(String.init) ?? (value < 0 ? "-999999999999999" : "999999999999999") }
        let m = Int64(scaled)
        let negative = m < 0
        let a = negative ? -m : m
        let whole = a / 1000, frac = Int(a % 1000)
        var s = negative ? "-" : ""
        s += String(whole)
        if frac != 0 {
            var f = frac, digits = 3
            while f % 10 == 0 { f /= 10; digits -= 1 }
            let fs = String(f)
            s += "." + String(repeating: "0", count: digits - fs.count) + fs
        }
        return s
    }
}

/// PDF string objects.
public enum PDFString {
    /// A literal string `( ... )` of raw bytes: `(`, `)` and `\` are escaped
    /// with a backslash, line breaks and other control bytes as octal.
    public static func literal(_ bytes: [UInt8]) -> String {
        String(decoding: literalBytes(bytes), as: UTF8.self)
    }

    /// Same as `literal` but keeping bytes >= 0x80 raw (for content streams).
    static func literalBytes(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x28]
        out.reserveCapacity(bytes.count + 2)
        for b in bytes {
            switch b {
            case 0x28, 0x29, 0x5C: out.append(0x5C); out.append(b)
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x00..<0x20, 0x7F:
                out.append(0x5C)
                out += Array(String(b, radix: 8).leftPadded(to: 3).utf8)
            default: out.append(b)
            }
        }
        out.append(0x29)
        return out
    }

    /// A text string for metadata: ASCII as a literal, otherwise UTF-16BE with a BOM in hex.
    static func text(_ s: String) -> String {
        if s.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
            var lit = ""
            for b in literalBytes(Array(s.utf8)) { lit.append(Character(Unicode.Scalar(b))) }
            return lit
        }
        var hex = "<FEFF"
        for unit in s.utf16 {
            let h = String(unit, radix: 16, uppercase: true)
            hex += String(repeating: "0", count: 4 - h.count) + h
        }
        return hex + ">"
    }

    /// `D:YYYYMMDDHHmmSSZ` in UTC.
    static func date(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { String(v ?? 0).leftPadded(to: 2) }
        return "D:\(String(c.year ?? 1970).leftPadded(to: 4))\(two(c.month))\(two(c.day))\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }
}

extension String {
    func leftPadded(to count: Int, with pad: Character = "0") -> String {
        self.count >= count ? self : String(repeating: pad, count: count - self.count) + self
    }
}
