// The small XML reader for chart SVGs (FoundationXML would need libxml2 on the user's machine): the node tree and entity decoding.

import Foundation

final class SVGNode {
    let name: String
    var attrs: [String: String]
    var children: [SVGNode] = []
    /// Character data directly inside this element.
    var text = ""
    lazy var classes: [Substring] = (attrs["class"] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })

    init(name: String, attrs: [String: String]) { self.name = name; self.attrs = attrs }

    func first(named n: String) -> SVGNode? {
        if name == n { return self }
        for c in children { if let f = c.first(named: n) { return f } }
        return nil
    }

    func visit(_ body: (SVGNode) -> Void) {
        body(self)
        for c in children { c.visit(body) }
    }
}

/// A small non-validating XML reader: elements, attributes, character data,
/// entities, CDATA; comments, processing instructions and doctypes are skipped.
enum SVGXMLReader {
    static func parse(_ xml: String) throws -> SVGNode {
        let b = Array(xml.utf8)
        let n = b.count
        let document = SVGNode(name: "#document", attrs: [:])
        var stack = [document]
        var i = 0

        func starts(_ s: String, at k: Int) -> Bool {
            let u = Array(s.utf8)
            return k + u.count <= n && Array(b[k..<k + u.count]) == u
        }
        func find(_ s: String, from k: Int) -> Int? {
            let u = Array(s.utf8)
            var j = k
            while j + u.count <= n {
                if b[j] == u[0] && Array(b[j..<j + u.count]) == u { return j }
                j += 1
            }
            return nil
        }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        func isNameByte(_ c: UInt8) -> Bool { !isSpace(c) && c != 0x3E && c != 0x2F && c != 0x3D && c != 0x3C }
        func string(_ lo: Int, _ hi: Int) -> String { String(decoding: b[lo..<hi], as: UTF8.self) }

        while i < n {
            if b[i] != 0x3C { // character data
                var j = i
                while j < n && b[j] != 0x3C { j += 1 }
                stack[stack.count - 1].text += decodeEntities(string(i, j))
                i = j
                continue
            }
            if starts("<!--", at: i) {
                guard let e = find("-->", from: i + 4) else { throw SVGChartToPDF.Error.malformedXML("unterminated comment") }
                i = e + 3
            } else if starts("<![CDATA[", at: i) {
                guard let e = find("]]>", from: i + 9) else { throw SVGChartToPDF.Error.malformedXML("unterminated CDATA") }
                stack[stack.count - 1].text += string(i + 9, e)
                i = e + 3
            } else if starts("<?", at: i) || starts("<!", at: i) {
                guard let e = find(">", from: i) else { throw SVGChartToPDF.Error.malformedXML("unterminated declaration") }
                i = e + 1
            } else if starts("</", at: i) {
                var j = i + 2
                while j < n && isNameByte(b[j]) { j += 1 }
                let name = string(i + 2, j)
                guard let e = find(">", from: j) else { throw SVGChartToPDF.Error.malformedXML("unterminated end tag") }
                guard stack.count > 1, stack[stack.count - 1].name == name else {
                    throw SVGChartToPDF.Error.malformedXML("unexpected </\(name)>")
                }
                stack.removeLast()
                i = e + 1
            } else {
                var j = i + 1
                while j < n && isNameByte(b[j]) { j += 1 }
                let name = string(i + 1, j)
                guard !name.isEmpty else { throw SVGChartToPDF.Error.malformedXML("bad tag") }
                var attrs: [String: String] = [:]
                var selfClosing = false
                while true {
                    while j < n && isSpace(b[j]) { j += 1 }
                    guard j < n else { throw SVGChartToPDF.Error.malformedXML("unterminated <\(name)>") }
                    if b[j] == 0x3E { j += 1; break }
                    if b[j] == 0x2F { // "/>"
                        guard j + 1 < n, b[j + 1] == 0x3E else { throw SVGChartToPDF.Error.malformedXML("bad /") }
                        selfClosing = true; j += 2; break
                    }
                    let a0 = j
                    while j < n && isNameByte(b[j]) { j += 1 }
                    let key = string(a0, j)
                    while j < n && isSpace(b[j]) { j += 1 }
                    guard j < n, b[j] == 0x3D, !key.isEmpty else { throw SVGChartToPDF.Error.malformedXML("attribute \(key) without value") }
                    j += 1
                    while j < n && isSpace(b[j]) { j += 1 }
                    guard j < n, b[j] == 0x22 || b[j] == 0x27 else { throw SVGChartToPDF.Error.malformedXML("unquoted attribute \(key)") }
                    let quote = b[j]
                    let v0 = j + 1
                    j = v0
                    while j < n && b[j] != quote { j += 1 }
                    guard j < n else { throw SVGChartToPDF.Error.malformedXML("unterminated attribute \(key)") }
                    attrs[key] = decodeEntities(string(v0, j))
                    j += 1
                }
                let node = SVGNode(name: name, attrs: attrs)
                stack[stack.count - 1].children.append(node)
                if !selfClosing { stack.append(node) }
                i = j
            }
        }
        guard stack.count == 1 else { throw SVGChartToPDF.Error.malformedXML("unclosed <\(stack[stack.count - 1].name)>") }
        return document
    }

    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += "&"; rest = rest[rest.index(after: amp)...]; continue
            }
            let entity = rest[rest.index(after: amp)..<semi]
            var replacement: String?
            switch entity {
            case "amp": replacement = "&"
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            case "nbsp": replacement = "\u{00A0}"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let v = UInt32(entity.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) {
                    replacement = String(Character(u))
                } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let u = Unicode.Scalar(v) {
                    replacement = String(Character(u))
                }
            }
            if let replacement {
                out += replacement
                rest = rest[rest.index(after: semi)...]
            } else {
                out += "&"; rest = rest[rest.index(after: amp)...]
            }
        }
        return out + rest
    }
}
