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
//
// The pieces: SVGXML.swift (the reader), SVGStyleSheet.swift (CSS), SVGStyle.swift (computed styles, colours,
// numbers), SVGPath.swift (path data), SVGTransform.swift, SVGRenderer.swift (drawing on the page).

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
