// The SVG document builder shared by the charts: root element, stylesheet,
// background, title, empty state, escaped text and compact numbers.

/// Horizontal text alignment.
enum ChartAnchor: String { case start, middle, end }

/// Collects the elements of one chart and wraps them in a complete `<svg>`.
struct ChartCanvas {
    static let emptyMessage = "No data for this selection"
    static let margin = 12.0

    var width: Double
    var height: Double
    private(set) var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func add(_ element: String) { body.append(element) }

    /// Text; `y` is the vertical centre of capital letters. All strings are escaped.
    mutating func text(_ s: String, x: Double, y: Double, size: Double = ChartStyle.labelSize,
                       anchor: ChartAnchor = .start, cls: String? = nil, rotate: Double? = nil,
                       tooltip: String? = nil) {
        body.append(ChartCanvas.textElement(s, x: x, y: y, size: size, anchor: anchor, cls: cls, rotate: rotate, tooltip: tooltip))
    }

    static func textElement(_ s: String, x: Double, y: Double, size: Double = ChartStyle.labelSize,
                            anchor: ChartAnchor = .start, cls: String? = nil, rotate: Double? = nil,
                            tooltip: String? = nil) -> String {
        let baseline = y + 0.36 * size
        var attrs = "x=\"\(n(x))\" y=\"\(n(baseline))\" font-size=\"\(n(size))\""
        if anchor != .start { attrs += " text-anchor=\"\(anchor.rawValue)\"" }
        if let cls { attrs += " class=\"\(cls)\"" }
        if let rotate { attrs += " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\"" }
        let titleElement = tooltip.map { "<title>\(esc($0))</title>" } ?? ""
        return "<text \(attrs)>\(titleElement)\(esc(s))</text>"
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, cls: String) {
        let n = ChartCanvas.n
        body.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" class=\"\(cls)\"/>")
    }

    /// A rectangle; with a tooltip it becomes `<rect ...><title>..</title></rect>`.
    mutating func rect(x: Double, y: Double, width: Double, height: Double, cls: String,
                       fill: RGBColor? = nil, rx: Double = 0, tooltip: String? = nil) {
        body.append(ChartCanvas.rectElement(x: x, y: y, width: width, height: height, cls: cls, fill: fill, rx: rx, tooltip: tooltip))
    }

    static func rectElement(x: Double, y: Double, width: Double, height: Double, cls: String,
                            fill: RGBColor? = nil, rx: Double = 0, tooltip: String? = nil) -> String {
        var attrs = "x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(0, width)))\" height=\"\(n(max(0, height)))\""
        if rx > 0 { attrs += " rx=\"\(n(rx))\"" }
        attrs += " class=\"\(cls)\""
        if let fill { attrs += " fill=\"\(fill.hexString)\"" }
        if let tooltip { return "<rect \(attrs)><title>\(esc(tooltip))</title></rect>" }
        return "<rect \(attrs)/>"
    }

    /// The chart title, top left; returns the y below it.
    mutating func title(_ title: String, top: Double) -> Double {
        guard !title.isEmpty else { return top }
        let shown = ChartText.truncate(title, to: width - 2 * ChartCanvas.margin, size: ChartStyle.titleSize, bold: true)
        text(shown, x: ChartCanvas.margin, y: top + 10, size: ChartStyle.titleSize, cls: "clt-title",
             tooltip: shown == title ? nil : title)
        return top + 28
    }

    /// The complete document. `kind` names the chart (`clt-bar`, ...).
    func document(kind: String, label: String, empty: Bool = false) -> String {
        let n = ChartCanvas.n, esc = ChartCanvas.esc
        let w = n(width), h = n(height)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\" width=\"100%\" role=\"img\" aria-label=\"\(esc(label))\" class=\"clt \(kind)\""
        if empty { out += " data-empty=\"true\"" }
        out += ">\n<style>\(ChartStyle.css)</style>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" class=\"clt-bg\"/>\n"
        out += body.joined(separator: "\n")
        out += "\n</svg>\n"
        return out
    }

    /// A chart with nothing to draw: the title and a centred message.
    static func empty(kind: String, title: String, label: String, width: Double, height: Double) -> String {
        var canvas = ChartCanvas(width: width, height: height)
        let top = canvas.title(title, top: margin)
        canvas.text(emptyMessage, x: width / 2, y: (top + height) / 2, size: 14, anchor: .middle, cls: "clt-empty")
        return canvas.document(kind: kind, label: label, empty: true)
    }

    /// A number for an attribute, at most two decimals.
    static func n(_ value: Double) -> String { value.isFinite ? svgNumber(value) : "0" }

    /// XML-escaped text for element content and attribute values; characters
    /// that XML 1.0 does not allow are replaced by U+FFFD.
    static func esc(_ text: String) -> String { escapeMarkup(text, apostrophe: "&apos;") }
}

/// Locale-independent number formatting for SVG attributes (at most 2 decimals).
func svgNumber(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
    return String(rounded)
}

/// Text measurement and truncation (approximate, with wide-font metrics so
/// that labels never collide).
enum ChartText {
    static func width(_ s: String, size: Double, bold: Bool = false) -> Double {
        HeatmapTextMetrics.width(of: s, fontSize: size, bold: bold)
    }

    /// `s`, or its longest prefix that fits in `maxWidth` followed by "…".
    static func truncate(_ s: String, to maxWidth: Double, size: Double, bold: Bool = false) -> String {
        if width(s, size: size, bold: bold) <= maxWidth { return s }
        let ellipsis = "\u{2026}"
        var budget = maxWidth - width(ellipsis, size: size, bold: bold)
        var kept = ""
        for ch in s {
            let w = width(String(ch), size: size, bold: bold)
            if w > budget { break }
            budget -= w
            kept.append(ch)
        }
        while kept.last == " " { kept.removeLast() }
        return kept.isEmpty ? ellipsis : kept + ellipsis
    }
}
