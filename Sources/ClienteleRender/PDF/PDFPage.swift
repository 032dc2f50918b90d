// Drawing on one PDF page. Coordinates are points from the top-left corner,
// y growing downwards (like SVG and screen layouts); the page's content
// stream starts with a flip so that everything, including `translate` and
// `scale`, works in that system.

/// A path of straight and cubic Bézier segments, in page coordinates.
public struct PDFPath: Sendable {
    enum Element: Sendable {
        case move(Double, Double), line(Double, Double)
        case curve(Double, Double, Double, Double, Double, Double)
        case close
    }
    var elements: [Element] = []
    public init() {}

    public mutating func move(to x: Double, _ y: Double) { elements.append(.move(x, y)) }
    public mutating func line(to x: Double, _ y: Double) { elements.append(.line(x, y)) }
    public mutating func curve(to x: Double, _ y: Double, control1 c1x: Double, _ c1y: Double, control2 c2x: Double, _ c2y: Double) {
        elements.append(.curve(c1x, c1y, c2x, c2y, x, y))
    }
    public mutating func close() { elements.append(.close) }
    public var isEmpty: Bool { elements.isEmpty }

    /// A polyline through `points` (closed when `closed`).
    public static func polyline(_ points: [(x: Double, y: Double)], closed: Bool = false) -> PDFPath {
        var p = PDFPath()
        for (i, pt) in points.enumerated() { i == 0 ? p.move(to: pt.x, pt.y) : p.line(to: pt.x, pt.y) }
        if closed && !points.isEmpty { p.close() }
        return p
    }

    /// A rectangle, optionally with rounded corners of radius `r`.
    public static func rect(x: Double, y: Double, width: Double, height: Double, radius r: Double = 0) -> PDFPath {
        var p = PDFPath()
        let r = max(0, min(r, width / 2, height / 2))
        if r == 0 {
            p.move(to: x, y); p.line(to: x + width, y); p.line(to: x + width, y + height); p.line(to: x, y + height); p.close()
            return p
        }
        let k = 0.5523 * r
        p.move(to: x + r, y)
        p.line(to: x + width - r, y)
        p.curve(to: x + width, y + r, control1: x + width - r + k, y, control2: x + width, y + r - k)
        p.line(to: x + width, y + height - r)
        p.curve(to: x + width - r, y + height, control1: x + width, y + height - r + k, control2: x + width - r + k, y + height)
        p.line(to: x + r, y + height)
        p.curve(to: x, y + height - r, control1: x + r - k, y + height, control2: x, y + height - r + k)
        p.line(to: x, y + r)
        p.curve(to: x + r, y, control1: x, y + r - k, control2: x + r - k, y)
        p.close()
        return p
    }

    /// An ellipse (a circle when rx == ry) from four Bézier arcs.
    public static func ellipse(cx: Double, cy: Double, rx: Double, ry: Double) -> PDFPath {
        var p = PDFPath()
        let kx = 0.5522847498 * rx, ky = 0.5522847498 * ry
        p.move(to: cx + rx, cy)
        p.curve(to: cx, cy + ry, control1: cx + rx, cy + ky, control2: cx + kx, cy + ry)
        p.curve(to: cx - rx, cy, control1: cx - kx, cy + ry, control2: cx - rx, cy + ky)
        p.curve(to: cx, cy - ry, control1: cx - rx, cy - ky, control2: cx - kx, cy - ry)
        p.curve(to: cx + rx, cy, control1: cx + kx, cy - ry, control2: cx + rx, cy - ky)
        p.close()
        return p
    }
}

/// How a path is painted.
public enum PDFLineCap: Int, Sendable { case butt = 0, round = 1, square = 2 }
public enum PDFLineJoin: Int, Sendable { case miter = 0, round = 1, bevel = 2 }

/// A URI link annotation.
struct PDFLink { var rect: PDFRect; var url: String }

/// One page: a content stream being written, and its links.
public final class PDFPage {
    public let size: PDFPageSize
    /// 0-based position in the document.
    public let index: Int
    unowned let document: PDFDocument
    private(set) var contentBytes: [UInt8] = []
    private(set) var links: [PDFLink] = []
    private var stateDepth = 0

    init(document: PDFDocument, size: PDFPageSize, index: Int) {
        self.document = document
        self.size = size
        self.index = index
        // Flip to a y-down coordinate system with the origin at the top left.
        emit("1 0 0 -1 0 \(f(size.height)) cm\n")
    }

    public var width: Double { size.width }
    public var height: Double { size.height }

    // MARK: - Raw operators

    private func f(_ v: Double) -> String { PDFNumber.format(v) }
    func emit(_ s: String) { contentBytes.append(contentsOf: s.utf8) }

    /// Saves the graphics state (colours, line style, transform, clip).
    public func saveState() { stateDepth += 1; emit("q\n") }
    /// Restores the state saved by the matching `saveState()`.
    public func restoreState() {
        guard stateDepth > 0 else { return }
        stateDepth -= 1
        emit("Q\n")
    }
    /// Runs `body` between `saveState()` and `restoreState()`.
    public func withState(_ body: () throws -> Void) rethrows {
        saveState()
        defer { restoreState() }
        try body()
    }

    public func translate(x: Double, y: Double) { emit("1 0 0 1 \(f(x)) \(f(y)) cm\n") }
    public func scale(x: Double, y: Double) { emit("\(f(x)) 0 0 \(f(y)) 0 0 cm\n") }
    /// Rotates by `degrees` clockwise on the page (like SVG's rotate).
    public func rotate(degrees: Double) {
        let a = degrees * .pi / 180, c = cos(a), s = sin(a)
        concat(a: c, b: s, c: -s, d: c, e: 0, f: 0)
    }
    /// Multiplies the transform by the matrix [a b c d e f] (SVG's `matrix()` order).
    public func concat(a: Double, b: Double, c: Double, d: Double, e: Double, f e2: Double) {
        emit("\(f(a)) \(f(b)) \(f(c)) \(f(d)) \(f(e)) \(f(e2)) cm\n")
    }

    public func setFillColor(_ c: RGBColor) { emit("\(colorOperands(c)) rg\n") }
    public func setStrokeColor(_ c: RGBColor) { emit("\(colorOperands(c)) RG\n") }
    public func setLineWidth(_ w: Double) { emit("\(f(w)) w\n") }
    public func setLineCap(_ cap: PDFLineCap) { emit("\(cap.rawValue) J\n") }
    public func setLineJoin(_ join: PDFLineJoin) { emit("\(join.rawValue) j\n") }
    /// Dashes: lengths of alternating on/off runs; empty = solid.
    public func setDash(_ pattern: [Double], phase: Double = 0) {
        emit("[\(pattern.map(f).joined(separator: " "))] \(f(phase)) d\n")
    }
    /// Fill and stroke opacity (0...1) for what follows, until the state is restored.
    public func setOpacity(fill: Double, stroke: Double) {
        emit("/\(document.resourceName(fillOpacity: fill, strokeOpacity: stroke)) gs\n")
    }

    private func colorOperands(_ c: RGBColor) -> String {
        "\(f(Double(c.r) / 255)) \(f(Double(c.g) / 255)) \(f(Double(c.b) / 255))"
    }

    /// Appends the path's segments to the current path (no painting).
    public func addPath(_ path: PDFPath) {
        var s = ""
        for e in path.elements {
            switch e {
            case .move(let x, let y): s += "\(f(x)) \(f(y)) m\n"
            case .line(let x, let y): s += "\(f(x)) \(f(y)) l\n"
            case .curve(let a, let b, let c, let d, let x, let y): s += "\(f(a)) \(f(b)) \(f(c)) \(f(d)) \(f(x)) \(f(y)) c\n"
            case .close: s += "h\n"
            }
        }
        emit(s)
    }

    /// Intersects the clip with a rectangle.
    public func clip(x: Double, y: Double, width: Double, height: Double) {
        emit("\(f(x)) \(f(y)) \(f(width)) \(f(height)) re W n\n")
    }
    /// Intersects the clip with a path.
    public func clip(_ path: PDFPath, evenOdd: Bool = false) {
        addPath(path)
        emit(evenOdd ? "W* n\n" : "W n\n")
    }

    // MARK: - Shapes

    /// Fills and/or strokes a path. Nothing is drawn when both colours are nil.
    public func draw(_ path: PDFPath, fill: RGBColor? = nil, stroke: RGBColor? = nil, lineWidth: Double? = nil,
                     dash: [Double]? = nil, evenOdd: Bool = false) {
        guard fill != nil || stroke != nil, !path.isEmpty else { return }
        let scoped = lineWidth != nil || dash != nil
        if scoped { saveState() }
        if let fill { setFillColor(fill) }
        if let stroke { setStrokeColor(stroke) }
        if let lineWidth { setLineWidth(lineWidth) }
        if let dash { setDash(dash) }
        addPath(path)
        switch (fill != nil, stroke != nil) {
        case (true, true): emit(evenOdd ? "B*\n" : "B\n")
        case (true, false): emit(evenOdd ? "f*\n" : "f\n")
        default: emit("S\n")
        }
        if scoped { restoreState() }
    }

    /// A straight line.
    public func line(x1: Double, y1: Double, x2: Double, y2: Double, color: RGBColor = .black, width: Double = 1, dash: [Double]? = nil) {
        var p = PDFPath()
        p.move(to: x1, y1); p.line(to: x2, y2)
        draw(p, stroke: color, lineWidth: width, dash: dash)
    }

    /// A rectangle, filled and/or stroked, optionally with rounded corners.
    public func rect(x: Double, y: Double, width: Double, height: Double, fill: RGBColor? = nil, stroke: RGBColor? = nil,
                     lineWidth: Double = 1, radius: Double = 0, dash: [Double]? = nil) {
        draw(.rect(x: x, y: y, width: width, height: height, radius: radius), fill: fill, stroke: stroke,
             lineWidth: stroke == nil ? nil : lineWidth, dash: dash)
    }

    /// A circle (four Bézier arcs).
    public func circle(cx: Double, cy: Double, r: Double, fill: RGBColor? = nil, stroke: RGBColor? = nil, lineWidth: Double = 1) {
        draw(.ellipse(cx: cx, cy: cy, rx: r, ry: r), fill: fill, stroke: stroke, lineWidth: stroke == nil ? nil : lineWidth)
    }

    /// A polyline through `points`.
    public func polyline(_ points: [(x: Double, y: Double)], color: RGBColor = .black, width: Double = 1,
                         dash: [Double]? = nil, closed: Bool = false, fill: RGBColor? = nil) {
        draw(.polyline(points, closed: closed), fill: fill, stroke: color, lineWidth: width, dash: dash)
    }

    // MARK: - Text

    /// Text on one line with its baseline at `y`. `align` places `x` at the
    /// left end, centre or right end of the text. Characters outside
    /// WinAnsiEncoding (plus the minus sign) are written as `?`.
    /// `rotation` turns the text clockwise around (x, y), in degrees.
    public func text(_ text: String, x: Double, y: Double, font: PDFStandardFont = .helvetica, size: Double = 10,
                     color: RGBColor = .black, align: PDFTextAlign = .left, rotation: Double = 0) {
        let bytes = PDFTextEncoding.encode(text)
        guard !bytes.isEmpty else { return }
        var x0 = x
        if align != .left || rotation != 0 {
            let w = font.width(ofEncoded: bytes, size: size)
            let shift = align == .left ? 0 : align == .center ? w / 2 : w
            if rotation == 0 { x0 -= shift } else { x0 = -shift }
        }
        let name = document.resourceName(for: font)
        setFillColor(color)
        if rotation == 0 {
            emit("BT /\(name) \(f(size)) Tf 1 0 0 -1 \(f(x0)) \(f(y)) Tm ")
        } else {
            let a = rotation * .pi / 180, c = cos(a), s = sin(a)
            // Text space is y-up: the flip, then the rotation about (x, y), then the anchor shift.
            emit("BT /\(name) \(f(size)) Tf \(f(c)) \(f(s)) \(f(s)) \(f(-c)) \(f(x + c * x0)) \(f(y + s * x0)) Tm ")
        }
        contentBytes += PDFString.literalBytes(bytes)
        emit(" Tj ET\n")
    }

    /// Several lines of text from `y` (first baseline) down, `lineHeight` apart.
    public func textLines(_ lines: [String], x: Double, y: Double, lineHeight: Double, font: PDFStandardFont = .helvetica,
                          size: Double = 10, color: RGBColor = .black, align: PDFTextAlign = .left) {
        for (i, line) in lines.enumerated() {
            text(line, x: x, y: y + Double(i) * lineHeight, font: font, size: size, color: color, align: align)
        }
    }

    /// Width of `text` in points (AFM metrics).
    public func measure(_ text: String, font: PDFStandardFont = .helvetica, size: Double = 10) -> Double {
        font.width(of: text, size: size)
    }

    /// `text` broken into lines no wider than `width`.
    public func wrap(_ text: String, width: Double, font: PDFStandardFont = .helvetica, size: Double = 10) -> [String] {
        font.wrap(text, width: width, size: size)
    }

    // MARK: - Links

    /// A clickable area opening `url` (page coordinates; transforms are not applied).
    public func link(x: Double, y: Double, width: Double, height: Double, url: String) {
        links.append(PDFLink(rect: PDFRect(x: x, y: y, width: width, height: height), url: url))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
