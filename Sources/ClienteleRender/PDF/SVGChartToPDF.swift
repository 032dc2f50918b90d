// Draws the chart SVGs made by `Charts/` onto a PDF page as vector graphics.
//
// Supported (what our charts emit, and a little more): <svg viewBox>, <style>
// with class / type / descendant selectors (declarations using var() are
// skipped, so the plain colour written before them wins), <g>, <rect> (rx),
// <line>, <circle>, <ellipse>, <path> (M L H V C S Q T A Z, absolute and
// relative; arcs become Béziers), <polyline>, <polygon>, <text> (x, y,
// font-size, font-weight, text-anchor, transform; <title> children ignored),
// transforms (matrix, translate, scale, rotate, skewX/Y), fill, stroke,
// stroke-width, stroke-dasharray, line caps and joins, fill-rule, opacity,
// fill-opacity and stroke-opacity. Text is set in Helvetica (bold from
// font-weight 600) so it stays selectable. A small XML reader is used rather
// than FoundationXML, which would need libxml2 installed on the user's machine.

import Foundation

public enum SVGChartToPDF {
    public enum Error: Swift.Error, Equatable {
        case malformedXML(String)
        case missingViewBox
    }

    /// The SVG's viewBox (x, y, width, height), if it has a usable one.
    public static func viewBox(of svg: String) -> PDFRect? {
        guard let start = svg.range(of: "viewBox=\"") else { return nil }
        let rest = svg[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let v = SVGNumbers.parse(rest[..<end])
        guard v.count == 4, v[2] > 0, v[3] > 0 else { return nil }
        return PDFRect(x: v[0], y: v[1], width: v[2], height: v[3])
    }

    /// height / width of the viewBox.
    public static func aspectRatio(of svg: String) -> Double? {
        viewBox(of: svg).map { $0.height / $0.width }
    }

    /// Draws `svg` into `rect`, scaled to fit with its aspect ratio kept and
    /// centred (preserveAspectRatio xMidYMid meet), clipped to the drawn area.
    /// Returns the area actually covered.
    @discardableResult
    public static func draw(_ svg: String, on page: PDFPage, in rect: PDFRect) throws -> PDFRect {
        let root = try SVGXMLReader.parse(svg)
        guard let svgNode = root.first(named: "svg") else { throw Error.malformedXML("no <svg> element") }
        let vb: PDFRect
        if let attr = svgNode.attrs["viewBox"], case let v = SVGNumbers.parse(Substring(attr)), v.count == 4, v[2] > 0, v[3] > 0 {
            vb = PDFRect(x: v[0], y: v[1], width: v[2], height: v[3])
        } else if let w = svgNode.attrs["width"].flatMap(Double.init), let h = svgNode.attrs["height"].flatMap(Double.init), w > 0, h > 0 {
            vb = PDFRect(x: 0, y: 0, width: w, height: h)
        } else {
            throw Error.missingViewBox
        }
        let s = min(rect.width / vb.width, rect.height / vb.height)
        let drawn = PDFRect(x: rect.x + (rect.width - vb.width * s) / 2, y: rect.y + (rect.height - vb.height * s) / 2,
                            width: vb.width * s, height: vb.height * s)
        var css = SVGStyleSheet()
        svgNode.visit { node in if node.name == "style" { css.add(node.text) } }
        var renderer = SVGRenderer(page: page, css: css)
        page.withState {
            page.clip(x: drawn.x, y: drawn.y, width: drawn.width, height: drawn.height)
            page.concat(a: s, b: 0, c: 0, d: s, e: drawn.x - vb.x * s, f: drawn.y - vb.y * s)
            renderer.render(svgNode, inherited: SVGComputedStyle(), ancestors: [])
        }
        return drawn
    }
}

// MARK: - XML

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

// MARK: - CSS

struct SVGStyleSheet {
    struct Compound { var tag: Substring?; var classes: [Substring] }
    struct Rule {
        var selector: [Compound]  // outermost first
        var specificity: Int
        var order: Int
        var declarations: [(String, String)]
    }
    private(set) var rules: [Rule] = []

    mutating func add(_ css: String) {
        var text = css
        while let start = text.range(of: "/*"), let end = text.range(of: "*/", range: start.upperBound..<text.endIndex) {
            text.removeSubrange(start.lowerBound..<end.upperBound)
        }
        for block in text.split(separator: "}") {
            let parts = block.split(separator: "{", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let head = parts[0].trimmingCharacters(in: .whitespacesAndNewlines)
            if head.hasPrefix("@") { continue }
            let decls = SVGStyleSheet.declarations(parts[1])
            guard !decls.isEmpty else { continue }
            for sel in head.split(separator: ",") {
                // Pseudo-classes (:hover ...) and attribute selectors never apply to a printed chart.
                if sel.contains(":") || sel.contains("[") { continue }
                var compounds: [Compound] = []
                var specificity = 0
                for token in sel.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == ">" }) {
                    let pieces = token.split(separator: ".", omittingEmptySubsequences: false)
                    let tag = pieces[0].isEmpty || pieces[0] == "*" ? nil : pieces[0]
                    let classes = Array(pieces.dropFirst())
                    specificity += classes.count * 100 + (tag == nil ? 0 : 1)
                    compounds.append(Compound(tag: tag, classes: classes))
                }
                guard !compounds.isEmpty else { continue }
                rules.append(Rule(selector: compounds, specificity: specificity, order: rules.count, declarations: decls))
            }
        }
        rules.sort { ($0.specificity, $0.order) < ($1.specificity, $1.order) }
    }

    /// `a:b; c:d` with var() values skipped (the plain fallback written before them then wins).
    static func declarations(_ text: Substring) -> [(String, String)] {
        var out: [(String, String)] = []
        for decl in text.split(separator: ";") {
            let kv = decl.split(separator: ":", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let key = kv[0].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            var value = kv[1].trimmingCharacters(in: .whitespacesAndNewlines)
            if value.contains("var(") { continue }
            if let r = value.range(of: "!important") { value = value[..<r.lowerBound].trimmingCharacters(in: .whitespaces) }
            out.append((key, value))
        }
        return out
    }

    static func matches(_ c: Compound, _ node: SVGNode) -> Bool {
        if let tag = c.tag, tag != node.name { return false }
        for cls in c.classes where !node.classes.contains(cls) { return false }
        return true
    }

    /// Declarations that apply to `node`, lowest priority first.
    func declarations(for node: SVGNode, ancestors: [SVGNode]) -> [(String, String)] {
        var out: [(String, String)] = []
        for rule in rules {
            guard SVGStyleSheet.matches(rule.selector[rule.selector.count - 1], node) else { continue }
            // Remaining compounds: descendant combinators, nearest ancestor first.
            var k = rule.selector.count - 2
            var a = ancestors.count - 1
            while k >= 0 && a >= 0 {
                if SVGStyleSheet.matches(rule.selector[k], ancestors[a]) { k -= 1 }
                a -= 1
            }
            if k < 0 { out += rule.declarations }
        }
        return out
    }
}

// MARK: - Styles

enum SVGPaint: Equatable { case none, color(RGBColor) }

struct SVGComputedStyle {
    // Inherited properties.
    var fill: SVGPaint = .color(.black)
    var stroke: SVGPaint = .none
    var strokeWidth = 1.0
    var fillOpacity = 1.0
    var strokeOpacity = 1.0
    var fontSize = 16.0
    var bold = false
    var anchor = PDFTextAlign.left
    var evenOdd = false
    var dash: [Double] = []
    var lineCap = PDFLineCap.butt
    var lineJoin = PDFLineJoin.miter
    var visible = true
    // Not inherited: applied once per element (group opacity is multiplied into its children).
    var opacity = 1.0
    var display = true

    mutating func apply(_ key: String, _ rawValue: String) {
        let value = rawValue.trimmingCharacters(in: .whitespaces)
        switch key {
        case "fill": if let p = SVGColor.paint(value) { fill = p }
        case "stroke": if let p = SVGColor.paint(value) { stroke = p }
        case "stroke-width": if let v = SVGNumbers.length(value) { strokeWidth = max(0, v) }
        case "fill-opacity": if let v = SVGNumbers.opacity(value) { fillOpacity = v }
        case "stroke-opacity": if let v = SVGNumbers.opacity(value) { strokeOpacity = v }
        case "opacity": if let v = SVGNumbers.opacity(value) { opacity = v }
        case "font-size": if let v = SVGNumbers.length(value) { fontSize = v }
        case "font-weight":
            if value == "bold" || value == "bolder" { bold = true } else if value == "normal" || value == "lighter" { bold = false }
            else if let w = Double(value) { bold = w >= 600 }
        case "text-anchor": anchor = value == "middle" ? .center : value == "end" ? .right : .left
        case "fill-rule": evenOdd = value == "evenodd"
        case "stroke-dasharray":
            let v = value == "none" ? [] : SVGNumbers.parse(Substring(value))
            dash = v.allSatisfy({ $0 >= 0 }) && v.contains(where: { $0 > 0 }) ? (v.count % 2 == 1 ? v + v : v) : []
        case "stroke-linecap": lineCap = value == "round" ? .round : value == "square" ? .square : .butt
        case "stroke-linejoin": lineJoin = value == "round" ? .round : value == "bevel" ? .bevel : .miter
        case "visibility": visible = value == "visible"
        case "display": display = value != "none"
        default: break
        }
    }

    static let presentationAttributes = ["fill", "stroke", "stroke-width", "fill-opacity", "stroke-opacity", "opacity",
                                         "font-size", "font-weight", "text-anchor", "fill-rule", "stroke-dasharray",
                                         "stroke-linecap", "stroke-linejoin", "visibility", "display"]
}

enum SVGColor {
    static let named: [String: UInt32] = [
        "black": 0x000000, "white": 0xFFFFFF, "red": 0xFF0000, "green": 0x008000, "blue": 0x0000FF, "gray": 0x808080,
        "grey": 0x808080, "silver": 0xC0C0C0, "orange": 0xFFA500, "yellow": 0xFFFF00, "navy": 0x000080,
        "lightgray": 0xD3D3D3, "lightgrey": 0xD3D3D3, "darkgray": 0xA9A9A9, "darkgrey": 0xA9A9A9, "teal": 0x008080,
        "purple": 0x800080, "maroon": 0x800000, "olive": 0x808000, "lime": 0x00FF00, "aqua": 0x00FFFF, "fuchsia": 0xFF00FF,
    ]

    /// nil = not understood (the declaration is ignored).
    static func paint(_ value: String) -> SVGPaint? {
        let v = value.lowercased()
        if v == "none" || v == "transparent" { return SVGPaint.none }
        if v == "currentcolor" { return .color(.black) }
        if v.hasPrefix("#") {
            let hex = v.dropFirst()
            guard let n = UInt32(hex, radix: 16) else { return nil }
            if hex.count == 6 { return .color(RGBColor(hex: n)) }
            if hex.count == 3 {
                let r = (n >> 8) & 0xF, g = (n >> 4) & 0xF, b = n & 0xF
                return .color(RGBColor(hex: (r * 17) << 16 | (g * 17) << 8 | b * 17))
            }
            return nil
        }
        if v.hasPrefix("rgb(") && v.hasSuffix(")") {
            let parts = v.dropFirst(4).dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3 else { return nil }
            var c: [UInt8] = []
            for p in parts {
                let x = p.hasSuffix("%") ? (Double(p.dropLast()) ?? 0) * 2.55 : Double(p) ?? 0
                c.append(UInt8(min(max(x.rounded(), 0), 255)))
            }
            return .color(RGBColor(r: c[0], g: c[1], b: c[2]))
        }
        if let n = named[v] { return .color(RGBColor(hex: n)) }
        return nil
    }
}

enum SVGNumbers {
    /// All numbers in a list separated by spaces and/or commas.
    static func parse(_ s: Substring) -> [Double] {
        var scanner = SVGPathScanner(Array(s.utf8))
        var out: [Double] = []
        while let v = scanner.number() { out.append(v) }
        return out
    }

    static func length(_ s: String) -> Double? {
        var t = Substring(s)
        for unit in ["px", "pt"] where t.hasSuffix(unit) { t = t.dropLast(2) }
        return Double(t.trimmingCharacters(in: .whitespaces))
    }

    static func opacity(_ s: String) -> Double? {
        if s.hasSuffix("%"), let v = Double(s.dropLast()) { return min(max(v / 100, 0), 1) }
        return Double(s).map { min(max($0, 0), 1) }
    }
}

// MARK: - Paths

/// Reads numbers and flags from path data and number lists.
struct SVGPathScanner {
    let b: [UInt8]
    var i = 0
    init(_ bytes: [UInt8]) { b = bytes }

    mutating func skipSeparators() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x2C || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    var atEnd: Bool { mutating get { skipSeparators(); return i >= b.count } }

    /// The next command letter, if the next token is one.
    mutating func command() -> UInt8? {
        skipSeparators()
        guard i < b.count else { return nil }
        let c = b[i]
        if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A), c != 0x65, c != 0x45 { i += 1; return c }
        return nil
    }

    mutating func number() -> Double? {
        skipSeparators()
        let start = i
        if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
        var digits = false, dot = false
        while i < b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 { digits = true; i += 1 } else if c == 0x2E && !dot { dot = true; i += 1 } else { break }
        }
        if digits, i < b.count, b[i] == 0x65 || b[i] == 0x45 {
            var j = i + 1
            if j < b.count, b[j] == 0x2B || b[j] == 0x2D { j += 1 }
            if j < b.count, b[j] >= 0x30 && b[j] <= 0x39 {
                i = j
                while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            }
        }
        guard digits else { i = start; return nil }
        return Double(String(decoding: b[start..<i], as: UTF8.self))
    }

    /// An arc flag: a single 0 or 1 (may be written without separators).
    mutating func flag() -> Bool? {
        skipSeparators()
        guard i < b.count, b[i] == 0x30 || b[i] == 0x31 else { return nil }
        defer { i += 1 }
        return b[i] == 0x31
    }
}

enum SVGPathParser {
    /// Path data to a PDFPath (in the SVG's own coordinates). Stops quietly at the first error, as browsers do.
    static func parse(_ d: String) -> PDFPath {
        var path = PDFPath()
        var s = SVGPathScanner(Array(d.utf8))
        var cx = 0.0, cy = 0.0, startX = 0.0, startY = 0.0
        var lastCubic: (Double, Double)? = nil, lastQuad: (Double, Double)? = nil
        var cmd: UInt8 = 0
        while !s.atEnd {
            if let c = s.command() { cmd = c } else if cmd == 0 { break }
            let rel = cmd >= 0x61
            let up = rel ? cmd - 0x20 : cmd
            let ox = rel ? cx : 0, oy = rel ? cy : 0
            var nextCubic: (Double, Double)? = nil, nextQuad: (Double, Double)? = nil
            switch up {
            case 0x4D: // M
                guard let x = s.number(), let y = s.number() else { return path }
                cx = ox + x; cy = oy + y; startX = cx; startY = cy
                path.move(to: cx, cy)
                cmd = rel ? 0x6C : 0x4C // further pairs are line-tos
            case 0x4C: // L
                guard let x = s.number(), let y = s.number() else { return path }
                cx = ox + x; cy = oy + y
                path.line(to: cx, cy)
            case 0x48: // H
                guard let x = s.number() else { return path }
                cx = ox + x
                path.line(to: cx, cy)
            case 0x56: // V
                guard let y = s.number() else { return path }
                cy = (rel ? cy : 0) + y
                path.line(to: cx, cy)
            case 0x43: // C
                guard let x1 = s.number(), let y1 = s.number(), let x2 = s.number(), let y2 = s.number(),
                      let x = s.number(), let y = s.number() else { return path }
                path.curve(to: ox + x, oy + y, control1: ox + x1, oy + y1, control2: ox + x2, oy + y2)
                nextCubic = (ox + x2, oy + y2)
                cx = ox + x; cy = oy + y
            case 0x53: // S
                guard let x2 = s.number(), let y2 = s.number(), let x = s.number(), let y = s.number() else { return path }
                let c1 = lastCubic.map { (2 * cx - $0.0, 2 * cy - $0.1) } ?? (cx, cy)
                path.curve(to: ox + x, oy + y, control1: c1.0, c1.1, control2: ox + x2, oy + y2)
                nextCubic = (ox + x2, oy + y2)
                cx = ox + x; cy = oy + y
            case 0x51, 0x54: // Q, T
                let q: (Double, Double)
                if up == 0x51 {
                    guard let x1 = s.number(), let y1 = s.number() else { return path }
                    q = (ox + x1, oy + y1)
                } else {
                    q = lastQuad.map { (2 * cx - $0.0, 2 * cy - $0.1) } ?? (cx, cy)
                }
                guard let x = s.number(), let y = s.number() else { return path }
                let ex = ox + x, ey = oy + y
                path.curve(to: ex, ey, control1: cx + 2 / 3 * (q.0 - cx), cy + 2 / 3 * (q.1 - cy),
                           control2: ex + 2 / 3 * (q.0 - ex), ey + 2 / 3 * (q.1 - ey))
                nextQuad = q
                cx = ex; cy = ey
            case 0x41: // A
                guard let rx = s.number(), let ry = s.number(), let rot = s.number(), let large = s.flag(), let sweep = s.flag(),
                      let x = s.number(), let y = s.number() else { return path }
                let ex = ox + x, ey = oy + y
                arc(into: &path, from: (cx, cy), to: (ex, ey), rx: rx, ry: ry, rotation: rot, large: large, sweep: sweep)
                cx = ex; cy = ey
            case 0x5A: // Z
                path.close()
                cx = startX; cy = startY
                cmd = 0
            default:
                return path
            }
            lastCubic = nextCubic; lastQuad = nextQuad
        }
        return path
    }

    /// An elliptical arc (SVG endpoint parameterisation) as cubic Béziers of at most 90° each.
    static func arc(into path: inout PDFPath, from p0: (Double, Double), to p1: (Double, Double),
                    rx rxIn: Double, ry ryIn: Double, rotation: Double, large: Bool, sweep: Bool) {
        var rx = abs(rxIn), ry = abs(ryIn)
        if (p0.0 == p1.0 && p0.1 == p1.1) { return }
        if rx == 0 || ry == 0 { path.line(to: p1.0, p1.1); return }
        let phi = rotation * .pi / 180, cphi = cos(phi), sphi = sin(phi)
        let dx = (p0.0 - p1.0) / 2, dy = (p0.1 - p1.1) / 2
        let x1p = cphi * dx + sphi * dy, y1p = -sphi * dx + cphi * dy
        let lambda = (x1p * x1p) / (rx * rx) + (y1p * y1p) / (ry * ry)
        if lambda > 1 { rx *= lambda.squareRoot(); ry *= lambda.squareRoot() }
        let num = rx * rx * ry * ry - rx * rx * y1p * y1p - ry * ry * x1p * x1p
        let den = rx * rx * y1p * y1p + ry * ry * x1p * x1p
        var coef = den == 0 ? 0 : (max(0, num) / den).squareRoot()
        if large == sweep { coef = -coef }
        let cxp = coef * rx * y1p / ry, cyp = -coef * ry * x1p / rx
        let cx = cphi * cxp - sphi * cyp + (p0.0 + p1.0) / 2
        let cy = sphi * cxp + cphi * cyp + (p0.1 + p1.1) / 2
        func angle(_ ux: Double, _ uy: Double, _ vx: Double, _ vy: Double) -> Double {
            let a = atan2(ux * vy - uy * vx, ux * vx + uy * vy)
            return a
        }
        let theta1 = angle(1, 0, (x1p - cxp) / rx, (y1p - cyp) / ry)
        var dtheta = angle((x1p - cxp) / rx, (y1p - cyp) / ry, (-x1p - cxp) / rx, (-y1p - cyp) / ry)
        if !sweep && dtheta > 0 { dtheta -= 2 * .pi } else if sweep && dtheta < 0 { dtheta += 2 * .pi }
        guard dtheta.isFinite, theta1.isFinite else { path.line(to: p1.0, p1.1); return }
        let segments = max(1, Int((abs(dtheta) / (.pi / 2) - 1e-9).rounded(.up)))
        let delta = dtheta / Double(segments)
        let k = 4.0 / 3.0 * tan(delta / 4)
        func point(_ t: Double) -> (Double, Double) {
            let x = rx * cos(t), y = ry * sin(t)
            return (cx + cphi * x - sphi * y, cy + sphi * x + cphi * y)
        }
        func derivative(_ t: Double) -> (Double, Double) {
            let x = -rx * sin(t), y = ry * cos(t)
            return (cphi * x - sphi * y, sphi * x + cphi * y)
        }
        var t = theta1
        for seg in 0..<segments {
            let t2 = t + delta
            let a = point(t), d1 = derivative(t), d2 = derivative(t2)
            var b = point(t2)
            if seg == segments - 1 { b = p1 }
            path.curve(to: b.0, b.1, control1: a.0 + k * d1.0, a.1 + k * d1.1, control2: b.0 - k * d2.0, b.1 - k * d2.1)
            t = t2
        }
    }
}

// MARK: - Transforms

enum SVGTransform {
    /// The product of a transform list as [a b c d e f].
    static func parse(_ s: String) -> [Double]? {
        var m: [Double] = [1, 0, 0, 1, 0, 0]
        var rest = Substring(s)
        var any = false
        while let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") {
            let name = rest[..<open].trimmingCharacters(in: CharacterSet(charactersIn: " ,\t\n"))
            let v = SVGNumbers.parse(rest[rest.index(after: open)..<close])
            var t: [Double]?
            switch name {
            case "matrix" where v.count == 6: t = v
            case "translate" where v.count >= 1: t = [1, 0, 0, 1, v[0], v.count > 1 ? v[1] : 0]
            case "scale" where v.count >= 1: t = [v[0], 0, 0, v.count > 1 ? v[1] : v[0], 0, 0]
            case "rotate" where v.count >= 1:
                let a = v[0] * .pi / 180, c = cos(a), sn = sin(a)
                if v.count >= 3 {
                    let x = v[1], y = v[2]
                    t = [c, sn, -sn, c, x - c * x + sn * y, y - sn * x - c * y]
                } else { t = [c, sn, -sn, c, 0, 0] }
            case "skewX" where v.count == 1: t = [1, 0, tan(v[0] * .pi / 180), 1, 0, 0]
            case "skewY" where v.count == 1: t = [1, tan(v[0] * .pi / 180), 0, 1, 0, 0]
            default: t = nil
            }
            if let t {
                m = multiply(m, t)
                any = true
            }
            rest = rest[rest.index(after: close)...]
        }
        return any ? m : nil
    }

    /// m · t (t applied first).
    static func multiply(_ m: [Double], _ t: [Double]) -> [Double] {
        [m[0] * t[0] + m[2] * t[1], m[1] * t[0] + m[3] * t[1],
         m[0] * t[2] + m[2] * t[3], m[1] * t[2] + m[3] * t[3],
         m[0] * t[4] + m[2] * t[5] + m[4], m[1] * t[4] + m[3] * t[5] + m[5]]
    }
}

// MARK: - Rendering

struct SVGRenderer {
    let page: PDFPage
    let css: SVGStyleSheet
    static let skipped: Set<String> = ["style", "title", "desc", "defs", "metadata", "script", "clipPath", "mask",
                                       "linearGradient", "radialGradient", "pattern", "symbol", "marker", "filter"]

    func computedStyle(_ node: SVGNode, inherited: SVGComputedStyle, ancestors: [SVGNode]) -> SVGComputedStyle {
        var style = inherited
        style.opacity = 1
        style.display = true
        for key in SVGComputedStyle.presentationAttributes { if let v = node.attrs[key] { style.apply(key, v) } }
        if let fontWeight = node.attrs["font-weight"] { style.apply("font-weight", fontWeight) }
        for (k, v) in css.declarations(for: node, ancestors: ancestors) { style.apply(k, v) }
        if let inline = node.attrs["style"] {
            for (k, v) in SVGStyleSheet.declarations(Substring(inline)) { style.apply(k, v) }
        }
        return style
    }

    mutating func render(_ node: SVGNode, inherited: SVGComputedStyle, ancestors: [SVGNode]) {
        if SVGRenderer.skipped.contains(node.name) { return }
        var style = computedStyle(node, inherited: inherited, ancestors: ancestors)
        guard style.display else { return }
        let transform = node.attrs["transform"].flatMap(SVGTransform.parse)
        // Group opacity is approximated by passing it down to the fill and stroke opacity of the children.
        if style.opacity < 1 {
            style.fillOpacity *= style.opacity
            style.strokeOpacity *= style.opacity
        }
        if let t = transform {
            page.saveState()
            page.concat(a: t[0], b: t[1], c: t[2], d: t[3], e: t[4], f: t[5])
        }
        defer { if transform != nil { page.restoreState() } }

        switch node.name {
        case "svg", "g", "a", "switch":
            let inner = ancestors + [node]
            var childStyle = style
            childStyle.opacity = 1
            for child in node.children { render(child, inherited: childStyle, ancestors: inner) }
        case "rect":
            let x = num(node, "x"), y = num(node, "y"), w = num(node, "width"), h = num(node, "height")
            guard w > 0, h > 0 else { return }
            var rx = node.attrs["rx"].flatMap(SVGNumbers.length) ?? node.attrs["ry"].flatMap(SVGNumbers.length) ?? 0
            rx = min(rx, w / 2, h / 2)
            paint(.rect(x: x, y: y, width: w, height: h, radius: rx), style, closed: true)
        case "circle":
            let r = num(node, "r")
            guard r > 0 else { return }
            paint(.ellipse(cx: num(node, "cx"), cy: num(node, "cy"), rx: r, ry: r), style, closed: true)
        case "ellipse":
            let rx = num(node, "rx"), ry = num(node, "ry")
            guard rx > 0, ry > 0 else { return }
            paint(.ellipse(cx: num(node, "cx"), cy: num(node, "cy"), rx: rx, ry: ry), style, closed: true)
        case "line":
            var p = PDFPath()
            p.move(to: num(node, "x1"), num(node, "y1")); p.line(to: num(node, "x2"), num(node, "y2"))
            var s = style
            s.fill = .none
            paint(p, s, closed: false)
        case "polyline", "polygon":
            let v = SVGNumbers.parse(Substring(node.attrs["points"] ?? ""))
            guard v.count >= 4 else { return }
            let pts = stride(from: 0, to: v.count - 1, by: 2).map { (x: v[$0], y: v[$0 + 1]) }
            paint(.polyline(pts, closed: node.name == "polygon"), style, closed: node.name == "polygon")
        case "path":
            guard let d = node.attrs["d"] else { return }
            paint(SVGPathParser.parse(d), style, closed: false)
        case "text":
            drawText(node, style)
        default:
            return
        }
    }

    private func num(_ node: SVGNode, _ key: String) -> Double {
        node.attrs[key].flatMap(SVGNumbers.length) ?? 0
    }

    private func paint(_ path: PDFPath, _ style: SVGComputedStyle, closed: Bool) {
        guard style.visible, !path.isEmpty else { return }
        var fill: RGBColor? = nil, stroke: RGBColor? = nil
        if case .color(let c) = style.fill, style.fillOpacity > 0.001 { fill = c }
        if case .color(let c) = style.stroke, style.strokeOpacity > 0.001, style.strokeWidth > 0 { stroke = c }
        guard fill != nil || stroke != nil else { return }
        let needsState = stroke != nil || (fill != nil && style.fillOpacity < 0.999)
        if needsState { page.saveState() }
        if style.fillOpacity < 0.999 || style.strokeOpacity < 0.999 {
            page.setOpacity(fill: fill == nil ? 1 : style.fillOpacity, stroke: stroke == nil ? 1 : style.strokeOpacity)
        }
        if stroke != nil {
            page.setLineWidth(style.strokeWidth)
            if style.lineCap != .butt { page.setLineCap(style.lineCap) }
            if style.lineJoin != .miter { page.setLineJoin(style.lineJoin) }
            if !style.dash.isEmpty { page.setDash(style.dash) }
        }
        page.draw(path, fill: fill, stroke: stroke, evenOdd: style.evenOdd)
        if needsState { page.restoreState() }
    }

    private func drawText(_ node: SVGNode, _ style: SVGComputedStyle) {
        guard style.visible, case .color(let color) = style.fill, style.fillOpacity > 0.001 else { return }
        // Direct character data only (a <title> child is a tooltip); <tspan> children are appended.
        var raw = node.text
        for child in node.children where child.name == "tspan" { raw += child.text }
        let text = raw.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
        guard !text.isEmpty else { return }
        let x = SVGNumbers.parse(Substring(node.attrs["x"] ?? "0")).first ?? 0
        let y = SVGNumbers.parse(Substring(node.attrs["y"] ?? "0")).first ?? 0
        let font: PDFStandardFont = style.bold ? .helveticaBold : .helvetica
        if style.fillOpacity < 0.999 {
            page.saveState()
            page.setOpacity(fill: style.fillOpacity, stroke: 1)
        }
        page.text(text, x: x, y: y, font: font, size: style.fontSize, color: color, align: style.anchor)
        if style.fillOpacity < 0.999 { page.restoreState() }
    }
}
