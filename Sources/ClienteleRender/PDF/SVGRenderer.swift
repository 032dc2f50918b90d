// Draws a parsed SVG node tree onto a PDF page: shapes, paths and text (Helvetica, selectable).

import Foundation

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
