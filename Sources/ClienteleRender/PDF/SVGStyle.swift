// Computed styles of SVG elements (fill, stroke, opacity, fonts…), colour values and number lists.

import Foundation

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
