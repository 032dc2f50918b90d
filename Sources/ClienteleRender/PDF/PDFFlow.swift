// A flowing report layout on top of PDFDocument: blocks (headings,
// paragraphs, bullet lists, tables, KPI boxes, charts) placed top to bottom
// inside the margins, with new pages added as needed, and a header and
// "Page n of N" footer on every page.

import Foundation

/// Page margins in points.
public struct PDFMargins: Sendable {
    public var top: Double, left: Double, bottom: Double, right: Double
    public init(top: Double, left: Double, bottom: Double, right: Double) {
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }
    public init(all: Double) { self.init(top: all, left: all, bottom: all, right: all) }
    /// 0.75 in at the sides, a little more at the top and bottom for the header and footer.
    public static let report = PDFMargins(top: 64, left: 54, bottom: 64, right: 54)
}

/// Fonts, sizes and colours of a flowing document.
public struct PDFFlowStyle: Sendable {
    public var font: PDFStandardFont = .helvetica
    public var boldFont: PDFStandardFont = .helveticaBold
    public var bodySize = 10.0
    /// Line height as a multiple of the font size.
    public var leading = 1.42
    public var text = RGBColor(hex: 0x1F2937)
    public var muted = RGBColor(hex: 0x5B6472)
    public var accent = RGBColor(hex: 0x0072B2)
    public var rule = RGBColor(hex: 0xE5E7EB)
    public var panel = RGBColor(hex: 0xF8FAFC)
    public var zebra = RGBColor(hex: 0xF6F8FA)
    public var tableHeader = RGBColor(hex: 0xEEF2F6)
    /// Heading sizes for levels 1, 2 and 3.
    public var headingSizes: [Double] = [20, 13.5, 11]
    /// Space after a paragraph, list or table.
    public var blockSpacing = 10.0
    public init() {}
}

/// A KPI card: a label, a big value and an optional caption.
public struct PDFKPIBox: Sendable {
    public var label: String
    public var value: String
    public var caption: String?
    /// Colour of the caption (e.g. green for an increase); nil = muted.
    public var captionColor: RGBColor?
    /// Colour of the strip on the card's left edge; nil = the style's accent.
    public var accent: RGBColor?
    public init(label: String, value: String, caption: String? = nil, captionColor: RGBColor? = nil, accent: RGBColor? = nil) {
        self.label = label; self.value = value; self.caption = caption
        self.captionColor = captionColor; self.accent = accent
    }
}

/// A table: a header row and rows of text cells that wrap inside their column.
public struct PDFTable: Sendable {
    public struct Column: Sendable {
        public var title: String
        /// Relative width (the columns share the available width in proportion).
        public var weight: Double
        public var align: PDFTextAlign
        public init(_ title: String, weight: Double = 1, align: PDFTextAlign = .left) {
            self.title = title; self.weight = weight; self.align = align
        }
    }
    public var columns: [Column]
    public var rows: [[String]]
    /// Shade every other row.
    public var zebra = true
    /// Draw the last row in bold above a rule (a totals row).
    public var totalsRow = false
    public var fontSize = 9.0
    public init(columns: [Column], rows: [[String]], zebra: Bool = true, totalsRow: Bool = false, fontSize: Double = 9) {
        self.columns = columns; self.rows = rows; self.zebra = zebra; self.totalsRow = totalsRow; self.fontSize = fontSize
    }
}

/// Places blocks top to bottom, adding pages as needed.
///
/// ```swift
/// let flow = PDFFlow(title: "Executive report", pageSize: .a4)
/// flow.heading("Executive report")
/// flow.paragraph("Revenue grew 12% in the last quarter.")
/// flow.kpis([PDFKPIBox(label: "Revenue", value: "£7.2M")], columns: 3)
/// let pdf = flow.finish()            // Data
/// ```
public final class PDFFlow {
    public let document: PDFDocument
    public let pageSize: PDFPageSize
    public let margins: PDFMargins
    public var style: PDFFlowStyle
    /// Text at the top of every page (left) and at the bottom left; nil = none.
    public var headerText: String?
    public var footerText: String?
    /// The page being filled.
    public private(set) var page: PDFPage
    /// The y position where the next block starts.
    public var y: Double
    private var furnitureDrawn = false

    public init(document: PDFDocument, pageSize: PDFPageSize = .a4, margins: PDFMargins = .report, style: PDFFlowStyle = PDFFlowStyle()) {
        self.document = document
        self.pageSize = pageSize
        self.margins = margins
        self.style = style
        self.page = document.addPage(pageSize)
        self.y = margins.top
    }

    public convenience init(title: String, pageSize: PDFPageSize = .a4, margins: PDFMargins = .report, style: PDFFlowStyle = PDFFlowStyle()) {
        self.init(document: PDFDocument(info: PDFInfo(title: title)), pageSize: pageSize, margins: margins, style: style)
    }

    public var left: Double { margins.left }
    public var right: Double { pageSize.width - margins.right }
    public var contentWidth: Double { right - left }
    /// The lowest y content may reach on a page.
    public var bottom: Double { pageSize.height - margins.bottom }
    /// Space left on the current page.
    public var remaining: Double { bottom - y }
    private var atPageTop: Bool { y <= margins.top + 0.01 }

    // MARK: - Pages and space

    /// Starts a new page.
    public func pageBreak() {
        page = document.addPage(pageSize)
        y = margins.top
    }

    /// Starts a new page unless `height` still fits on this one.
    public func ensureSpace(_ height: Double) {
        if height > remaining && !atPageTop { pageBreak() }
    }

    /// Vertical space (dropped at the top of a page).
    public func space(_ height: Double) {
        if atPageTop { return }
        y = min(y + height, bottom)
    }

    /// A thin horizontal rule across the content width.
    public func rule(color: RGBColor? = nil) {
        placePendingHeadings(keeping: 8)
        ensureSpace(8)
        page.line(x1: left, y1: y + 4, x2: right, y2: y + 4, color: color ?? style.rule, width: 0.75)
        y += 8
    }

    /// A block of fixed height drawn by `draw` in its rectangle (moved to a new page if it does not fit).
    public func block(height: Double, _ draw: (PDFPage, PDFRect) -> Void) {
        placePendingHeadings(keeping: height)
        ensureSpace(height)
        draw(page, PDFRect(x: left, y: y, width: contentWidth, height: height))
        y += height
    }

    // MARK: - Text

    private func lineHeight(_ size: Double) -> Double { size * style.leading }
    /// Baseline of a line of text that occupies [top, top + lineHeight].
    private func baseline(top: Double, size: Double) -> Double { top + lineHeight(size) / 2 + 0.34 * size }

    /// A heading; level 1 is the page title size. Headings are placed
    /// together with the start of the next block, so a heading is never left
    /// alone at the bottom of a page.
    public func heading(_ text: String, level: Int = 1) {
        let lvl = min(max(level, 1), style.headingSizes.count)
        let size = style.headingSizes[lvl - 1]
        let before = lvl == 1 ? 4.0 : lvl == 2 ? 14 : 10
        let after = lvl == 1 ? 10.0 : 6
        let lines = style.boldFont.wrap(text, width: contentWidth, size: size)
        let lh = size * 1.25
        let height = before + Double(lines.count) * lh + (lvl == 1 ? 6 : 0) + after
        pendingHeadings.append(PendingHeading(height: height) { [unowned self] in
            space(before)
            for line in lines {
                page.text(line, x: left, y: y + size, font: style.boldFont, size: size, color: lvl == 3 ? style.muted : style.text)
                y += lh
            }
            if lvl == 1 {
                page.rect(x: left, y: y + 3, width: 36, height: 2.5, fill: style.accent)
                y += 6
            }
            y += after
        })
    }

    private struct PendingHeading {
        var height: Double
        var draw: () -> Void
    }
    private var pendingHeadings: [PendingHeading] = []

    /// Draws the headings added since the last block, on a new page unless
    /// they and `height` points of what follows fit on this one. Blocks call
    /// this themselves; call it before drawing on `page` directly.
    public func placePendingHeadings(keeping height: Double = 0) {
        guard !pendingHeadings.isEmpty else { return }
        let headings = pendingHeadings
        pendingHeadings = []
        ensureSpace(headings.reduce(0) { $0 + $1.height } + height)
        for h in headings { h.draw() }
    }

    /// A wrapped paragraph; it flows onto the next page line by line.
    public func paragraph(_ text: String, font: PDFStandardFont? = nil, size: Double? = nil, color: RGBColor? = nil,
                          align: PDFTextAlign = .left) {
        let font = font ?? style.font, size = size ?? style.bodySize
        let lines = font.wrap(text, width: contentWidth, size: size)
        placePendingHeadings(keeping: Double(min(lines.count, 3)) * lineHeight(size))
        writeLines(lines, x: left, width: contentWidth, font: font, size: size, color: color ?? style.text, align: align)
        y += style.blockSpacing
    }

    private func writeLines(_ lines: [String], x: Double, width: Double, font: PDFStandardFont, size: Double, color: RGBColor,
                            align: PDFTextAlign, marker: String? = nil, markerX: Double = 0) {
        let lh = lineHeight(size)
        for (i, line) in lines.enumerated() {
            ensureSpace(lh)
            let base = baseline(top: y, size: size)
            let tx = align == .left ? x : align == .center ? x + width / 2 : x + width
            page.text(line, x: tx, y: base, font: font, size: size, color: color, align: align)
            if i == 0, let marker { page.text(marker, x: markerX, y: base, font: font, size: size, color: style.accent) }
            y += lh
        }
    }

    /// A bullet list; items wrap with a hanging indent.
    public func bullets(_ items: [String], size: Double? = nil) {
        let size = size ?? style.bodySize
        let indent = 14.0
        for item in items {
            let lines = style.font.wrap(item, width: contentWidth - indent, size: size)
            placePendingHeadings(keeping: Double(min(lines.count, 2)) * lineHeight(size))
            writeLines(lines, x: left + indent, width: contentWidth - indent, font: style.font, size: size,
                       color: style.text, align: .left, marker: "\u{2022}", markerX: left + 3)
            y += size * 0.3
        }
        y += style.blockSpacing - size * 0.3
    }

    // MARK: - KPI boxes

    /// Cards in a grid of `columns` per row; a row never splits across pages.
    public func kpis(_ boxes: [PDFKPIBox], columns: Int = 3, height: Double = 66) {
        guard !boxes.isEmpty else { return }
        let cols = max(1, columns), gap = 10.0
        let w = (contentWidth - gap * Double(cols - 1)) / Double(cols)
        var i = 0
        while i < boxes.count {
            placePendingHeadings(keeping: height)
            ensureSpace(height)
            for c in 0..<cols where i + c < boxes.count {
                drawKPI(boxes[i + c], rect: PDFRect(x: left + Double(c) * (w + gap), y: y, width: w, height: height))
            }
            y += height + gap
            i += cols
        }
        y += style.blockSpacing - gap
    }

    private func drawKPI(_ box: PDFKPIBox, rect r: PDFRect) {
        page.rect(x: r.x, y: r.y, width: r.width, height: r.height, fill: style.panel, stroke: style.rule, lineWidth: 0.75, radius: 4)
        page.withState {
            page.clip(.rect(x: r.x, y: r.y, width: r.width, height: r.height, radius: 4))
            page.rect(x: r.x, y: r.y, width: 3, height: r.height, fill: box.accent ?? style.accent)
        }
        let pad = 12.0, inner = r.width - 2 * pad - 3
        let x = r.x + pad + 3
        page.text(PDFText.truncate(box.label.uppercased(), width: inner, font: style.boldFont, size: 7.5),
                  x: x, y: r.y + 17, font: style.boldFont, size: 7.5, color: style.muted)
        let valueSize = min(19, max(11, 19 * inner / max(style.boldFont.width(of: box.value, size: 19), 1)))
        page.text(box.value, x: x, y: r.y + 20 + valueSize, font: style.boldFont, size: valueSize, color: style.text)
        if let caption = box.caption {
            page.text(PDFText.truncate(caption, width: inner, font: style.font, size: 8), x: x, y: r.maxY - 10,
                      font: style.font, size: 8, color: box.captionColor ?? style.muted)
        }
    }

    // MARK: - Tables

    /// A table; rows move to the next page whole, and the header row is repeated there.
    public func table(_ table: PDFTable) {
        let n = table.columns.count
        guard n > 0 else { return }
        let size = table.fontSize, pad = 5.0, lh = size * 1.3
        let totalWeight = table.columns.reduce(0) { $0 + max($1.weight, 0) }
        let widths = table.columns.map { contentWidth * max($0.weight, 0) / max(totalWeight, 1e-9) }
        var xs: [Double] = [left]
        for w in widths.dropLast() { xs.append(xs.last! + w) }

        func cellLines(_ text: String, _ c: Int, font: PDFStandardFont) -> [String] {
            let lines = font.wrap(text, width: widths[c] - 2 * pad, size: size)
            return lines.isEmpty ? [""] : lines
        }
        let headerLines = (0..<n).map { cellLines(table.columns[$0].title, $0, font: style.boldFont) }
        let headerHeight = Double(headerLines.map(\.count).max() ?? 1) * lh + 2 * pad

        func drawHeader() {
            page.rect(x: left, y: y, width: contentWidth, height: headerHeight, fill: style.tableHeader)
            for c in 0..<n {
                drawCell(headerLines[c], c, top: y, font: style.boldFont, color: style.text)
            }
            y += headerHeight
            page.line(x1: left, y1: y, x2: right, y2: y, color: style.muted, width: 0.6)
        }
        func drawCell(_ lines: [String], _ c: Int, top: Double, font: PDFStandardFont, color: RGBColor) {
            let align = table.columns[c].align
            let x = align == .left ? xs[c] + pad : align == .center ? xs[c] + widths[c] / 2 : xs[c] + widths[c] - pad
            for (k, line) in lines.enumerated() {
                page.text(line, x: x, y: top + pad + Double(k) * lh + lh / 2 + 0.34 * size, font: font, size: size, color: color, align: align)
            }
        }

        // The header and the first rows (up to 3) stay together.
        let leadHeight = table.rows.prefix(3).reduce(0.0) { sum, row in
            sum + Double((0..<n).map { cellLines($0 < row.count ? row[$0] : "", $0, font: style.font).count }.max() ?? 1) * lh + 2 * pad
        }
        placePendingHeadings(keeping: headerHeight + leadHeight)
        ensureSpace(headerHeight + leadHeight)
        drawHeader()
        for (r, row) in table.rows.enumerated() {
            let isTotal = table.totalsRow && r == table.rows.count - 1
            let font = isTotal ? style.boldFont : style.font
            let lines = (0..<n).map { cellLines($0 < row.count ? row[$0] : "", $0, font: font) }
            let h = Double(lines.map(\.count).max() ?? 1) * lh + 2 * pad
            if h > remaining && !atPageTop {
                page.line(x1: left, y1: y, x2: right, y2: y, color: style.rule, width: 0.6)
                pageBreak()
                drawHeader()
            }
            if table.zebra && r % 2 == 1 && !isTotal {
                page.rect(x: left, y: y, width: contentWidth, height: h, fill: style.zebra)
            }
            if isTotal { page.line(x1: left, y1: y, x2: right, y2: y, color: style.muted, width: 0.6) }
            for c in 0..<n { drawCell(lines[c], c, top: y, font: font, color: style.text) }
            y += h
        }
        page.line(x1: left, y1: y, x2: right, y2: y, color: style.rule, width: 0.6)
        y += style.blockSpacing + 4
    }

    // MARK: - Charts

    /// One of our chart SVGs, as vector graphics, across the content width
    /// (or `width`), with its aspect ratio; shrunk to fit a page if needed.
    /// `caption` is set in small muted text under it.
    public func chart(svg: String, width: Double? = nil, maxHeight: Double? = nil, caption: String? = nil) {
        let w = min(width ?? contentWidth, contentWidth)
        let ratio = SVGChartToPDF.aspectRatio(of: svg) ?? 0.5
        let capSize = 8.5
        let captionHeight = caption == nil ? 0 : lineHeight(capSize) + 2
        let fullPage = bottom - margins.top - captionHeight
        var h = min(w * ratio, maxHeight ?? .infinity, fullPage)
        placePendingHeadings(keeping: h + captionHeight)
        ensureSpace(h + captionHeight)
        h = min(h, remaining - captionHeight)
        let drawnWidth = min(w, h / ratio)
        let rect = PDFRect(x: left + (contentWidth - drawnWidth) / 2, y: y, width: drawnWidth, height: h)
        do {
            try SVGChartToPDF.draw(svg, on: page, in: rect)
        } catch {
            page.rect(x: rect.x, y: rect.y, width: rect.width, height: rect.height, fill: style.panel, stroke: style.rule, lineWidth: 0.75)
            page.text("Chart unavailable", x: rect.x + rect.width / 2, y: rect.y + rect.height / 2, font: style.font, size: 9,
                      color: style.muted, align: .center)
        }
        y += h
        if let caption {
            y += 2
            writeLines(style.font.wrap(caption, width: contentWidth, size: capSize), x: left, width: contentWidth,
                       font: style.font, size: capSize, color: style.muted, align: .left)
        }
        y += style.blockSpacing + 4
    }

    // MARK: - Finishing

    /// Draws the header and the "Page n of N" footer on every page.
    public func drawPageFurniture() {
        guard !furnitureDrawn else { return }
        placePendingHeadings()
        furnitureDrawn = true
        let total = document.pages.count
        for p in document.pages {
            let w = p.size.width, h = p.size.height
            if let headerText {
                p.text(headerText, x: margins.left, y: margins.top - 28, font: style.font, size: 8, color: style.muted)
                p.line(x1: margins.left, y1: margins.top - 20, x2: w - margins.right, y2: margins.top - 20, color: style.rule, width: 0.6)
            }
            let fy = h - margins.bottom + 34
            p.line(x1: margins.left, y1: fy - 12, x2: w - margins.right, y2: fy - 12, color: style.rule, width: 0.6)
            if let footerText {
                p.text(footerText, x: margins.left, y: fy, font: style.font, size: 8, color: style.muted)
            }
            p.text("Page \(p.index + 1) of \(total)", x: w - margins.right, y: fy, font: style.font, size: 8, color: style.muted, align: .right)
        }
    }

    /// Adds the page furniture and returns the PDF file.
    public func finish() -> Data {
        drawPageFurniture()
        return document.data()
    }
}
