import ClienteleCore
// Cohort retention heatmap: the input model, the colour scale, the layout
// shared by the SVG and PNG renderers, and the SVG renderer.

/// Sequential, colour-blind-safe colour ramps for the heatmap cells.
public enum HeatmapPalette: String, Sendable, CaseIterable {
    /// Matplotlib's viridis (dark purple -> yellow); luminance increases with the rate.
    case viridis
    /// ColorBrewer "Blues" (near white -> dark blue); luminance decreases with the rate.
    case blues

    /// Nine evenly spaced stops; colours in between are interpolated in sRGB.
    public var stops: [RGBColor] {
        switch self {
        case .viridis:
            return [0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21908C, 0x27AD81, 0x5DC863, 0xAADC32, 0xFDE725]
                .map { RGBColor(hex: $0) }
        case .blues:
            return [0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B]
                .map { RGBColor(hex: $0) }
        }
    }

    /// The colour for a value in 0...1 (values outside are clamped, NaN maps to 0),
    /// from a 256-entry table (the output has 8 bits per channel anyway).
    public func color(at value: Double) -> RGBColor {
        let t = value.isNaN ? 0 : min(max(value, 0), 1)
        let table = HeatmapPalette.tables[self] ?? []
        return table[Int((t * Double(table.count - 1)).rounded())]
    }

    /// sRGB interpolation between the stops, before quantisation to the table.
    func interpolated(at t: Double) -> RGBColor {
        let stops = self.stops
        let position = min(max(t, 0), 1) * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        return stops[index].mixed(with: stops[index + 1], position - Double(index))
    }

    /// Interpolating in sRGB and rounding to 8 bits can make the luminance dip
    /// by a hair where one channel falls while another rises (viridis); such
    /// entries repeat their predecessor so the ramp is monotone by construction.
    private static let tables: [HeatmapPalette: [RGBColor]] = {
        var tables: [HeatmapPalette: [RGBColor]] = [:]
        for palette in HeatmapPalette.allCases {
            let increasing = palette.stops.last!.relativeLuminance > palette.stops.first!.relativeLuminance
            var table: [RGBColor] = []
            var previous: (color: RGBColor, luminance: Double)?
            for i in 0..<256 {
                var color = palette.interpolated(at: Double(i) / 255)
                let luminance = color.relativeLuminance
                if let p = previous, increasing ? luminance < p.luminance : luminance > p.luminance {
                    color = p.color
                } else {
                    previous = (color, luminance)
                }
                table.append(color)
            }
            tables[palette] = table
        }
        return tables
    }()
}

/// How a rate is mapped onto the colour ramp.
public enum HeatmapColorScale: String, Sendable, CaseIterable {
    /// Colour position = rate.
    case linear
    /// Colour position = sqrt(rate): spreads the typical 5-50% retention
    /// range over more of the ramp while keeping 0% and 100% at the ends.
    case squareRoot

    /// Position on the ramp (0...1) for a rate; clamped, NaN -> 0.
    public func position(of rate: Double) -> Double {
        let t = rate.isNaN ? 0 : min(max(rate, 0), 1)
        switch self {
        case .linear: return t
        case .squareRoot: return t.squareRoot()
        }
    }

    /// Rates labelled on the legend.
    var legendTicks: [Double] {
        switch self {
        case .linear: return [0, 0.25, 0.5, 0.75, 1]
        case .squareRoot: return [0, 0.1, 0.25, 0.5, 1]
        }
    }
}

/// A cohort retention matrix ready to be drawn: one row per acquisition
/// cohort, one column per period offset since the first purchase.
public struct CohortHeatmap: Sendable {
    public static let defaultXAxisTitle = "Months since first purchase"
    public static let defaultYAxisTitle = "Cohort (first purchase month)"

    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `rates[row][col]` in 0...1; `nil` (or a non-finite value) = empty cell.
    public var rates: [[Double?]]
    /// Same shape as `rates`: active customers in the cell (for tooltips).
    public var counts: [[Int?]]
    /// Cohort size per row, shown next to the row label.
    public var rowSizes: [Int]
    public var xAxisTitle: String
    public var yAxisTitle: String
    public var palette: HeatmapPalette
    public var colorScale: HeatmapColorScale
    /// Caption next to the colour legend.
    public var legendTitle: String

    public init(title: String, rowLabels: [String], columnLabels: [String], rates: [[Double?]],
                counts: [[Int?]], rowSizes: [Int],
                xAxisTitle: String = CohortHeatmap.defaultXAxisTitle,
                yAxisTitle: String = CohortHeatmap.defaultYAxisTitle,
                palette: HeatmapPalette = .blues,
                colorScale: HeatmapColorScale = .squareRoot,
                legendTitle: String = "Share of cohort active") {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.rates = rates
        self.counts = counts
        self.rowSizes = rowSizes
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.palette = palette
        self.colorScale = colorScale
        self.legendTitle = legendTitle
    }

    // MARK: - Shape (tolerant of ragged input)

    public var rowCount: Int { max(rowLabels.count, rates.count) }
    public var columnCount: Int { max(columnLabels.count, rates.map(\.count).max() ?? 0) }
    var isEmpty: Bool { rowCount == 0 || columnCount == 0 }

    /// The rate of a cell, or nil when the cell is empty (missing, nil, NaN or infinite).
    public func rate(row: Int, column: Int) -> Double? {
        guard row >= 0, row < rates.count, column >= 0, column < rates[row].count,
              let value = rates[row][column], value.isFinite else { return nil }
        return value
    }

    func count(row: Int, column: Int) -> Int? {
        guard row >= 0, row < counts.count, column >= 0, column < counts[row].count else { return nil }
        return counts[row][column]
    }

    func rowSize(_ row: Int) -> Int? { row >= 0 && row < rowSizes.count ? rowSizes[row] : nil }
    func rowLabel(_ row: Int) -> String { row < rowLabels.count ? rowLabels[row] : "" }
    func columnLabel(_ column: Int) -> String { column < columnLabels.count ? columnLabels[column] : String(column) }

    /// Number of cells that get drawn.
    public var filledCellCount: Int {
        var n = 0
        for r in 0..<rowCount { for c in 0..<columnCount where rate(row: r, column: c) != nil { n += 1 } }
        return n
    }

    /// Fill colour of a cell with the given rate.
    public func color(forRate rate: Double) -> RGBColor { palette.color(at: colorScale.position(of: rate)) }

    /// Black-ish or white text, whichever contrasts more with `background`.
    static func textColor(on background: RGBColor) -> RGBColor {
        let dark = RGBColor(hex: 0x111827)
        return background.contrastRatio(with: .white) >= background.contrastRatio(with: dark) ? .white : dark
    }

    // MARK: - Text

    /// "37.5%" (one decimal) or "38%"; exactly 100% is always "100%".
    static func percentText(_ rate: Double, decimals: Bool) -> String {
        if decimals {
            let tenths = Int((rate * 1000).rounded())
            if tenths == 1000 { return "100%" }
            let sign = tenths < 0 ? "-" : ""
            return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)%"
        }
        return "\(Int((rate * 100).rounded()))%"
    }

    /// 1234567 -> "1,234,567".
    static func grouped(_ n: Int) -> String { DisplayFormat.groupedASCII(n) }

    /// " (n=948)" or "" when the size is unknown.
    func rowSuffix(_ row: Int) -> String {
        guard let size = rowSize(row) else { return "" }
        return " (n=\(CohortHeatmap.grouped(size)))"
    }

    /// "Cohort 2010-12, month 3: 37.5% (355 of 948 customers)".
    public func tooltip(row: Int, column: Int) -> String? {
        guard let rate = rate(row: row, column: column) else { return nil }
        var text = "Cohort \(rowLabel(row)), month \(columnLabel(column)): \(CohortHeatmap.percentText(rate, decimals: true))"
        switch (count(row: row, column: column), rowSize(row)) {
        case let (count?, size?):
            text += " (\(CohortHeatmap.grouped(count)) of \(CohortHeatmap.grouped(size)) customers)"
        case let (count?, nil):
            text += " (\(CohortHeatmap.grouped(count)) customers)"
        default:
            break
        }
        return text
    }

    static let emptyMessage = "No cohorts"
}

// MARK: - Layout shared by the SVG and PNG renderers

enum HeatmapTextAnchor { case start, middle, end }

/// Where a line of text goes: `x` is interpreted through `anchor`, `centerY`
/// is the vertical middle of the capital letters.
struct HeatmapTextSpot: Equatable {
    var x: Double
    var centerY: Double
    var anchor: HeatmapTextAnchor
}

struct HeatmapRect: Equatable {
    var x: Double, y: Double, width: Double, height: Double
}

/// Sizes and text measurement of one output medium.
struct HeatmapMetrics {
    var margin: Double
    var titleBox: Double
    var labelBox: Double
    var titleGap: Double
    var rowGap: Double
    var labelPad: Double
    var cellHeight: Double
    var cellGap: Double
    var cellPadding: Double
    var gridWidthBudget: Double
    var cellWidthRange: ClosedRange<Double>
    var legendGap: Double
    var legendBarHeight: Double
    var legendWidthRange: ClosedRange<Double>
    var tickLength: Double
    var emptyHeight: Double
    var minEmptyWidth: Double
    /// Round cell sizes to whole units (for the raster renderer).
    var integral: Bool
    var titleWidth: (String) -> Double
    var axisTitleWidth: (String) -> Double
    var labelWidth: (String) -> Double
    var cellTextWidth: (String) -> Double
}

struct HeatmapLayout {
    var width: Double
    var height: Double
    var title: HeatmapTextSpot?
    /// Set when there is nothing to draw; everything below is then unused.
    var emptyMessage: HeatmapTextSpot?
    var rows = 0
    var columns = 0
    var xAxisTitle = HeatmapTextSpot(x: 0, centerY: 0, anchor: .middle)
    var yAxisTitle = HeatmapTextSpot(x: 0, centerY: 0, anchor: .end)
    var columnLabelCenterY = 0.0
    var rowLabelRight = 0.0
    var gridLeft = 0.0
    var gridTop = 0.0
    var cellWidth = 0.0
    var cellHeight = 0.0
    var cellGap = 0.0
    var cellDecimals = false
    var showCellText = false
    var legendCaption = HeatmapTextSpot(x: 0, centerY: 0, anchor: .end)
    var legendBar = HeatmapRect(x: 0, y: 0, width: 0, height: 0)
    var legendTickLabelCenterY = 0.0
    var tickLength = 0.0

    /// The painted rectangle of a cell (the gap to its neighbours excluded).
    func cellRect(row: Int, column: Int) -> HeatmapRect {
        HeatmapRect(x: gridLeft + Double(column) * cellWidth, y: gridTop + Double(row) * cellHeight,
                   width: cellWidth - cellGap, height: cellHeight - cellGap)
    }

    func columnCenterX(_ column: Int) -> Double { gridLeft + Double(column) * cellWidth + (cellWidth - cellGap) / 2 }
    func rowCenterY(_ row: Int) -> Double { gridTop + Double(row) * cellHeight + (cellHeight - cellGap) / 2 }
    var gridWidth: Double { Double(columns) * cellWidth - cellGap }
    var gridHeight: Double { Double(rows) * cellHeight - cellGap }

    static func make(_ heatmap: CohortHeatmap, _ m: HeatmapMetrics) -> HeatmapLayout {
        let rows = heatmap.rowCount, columns = heatmap.columnCount
        var layout = HeatmapLayout(width: 0, height: 0)
        var y = m.margin
        let titleWidth = heatmap.title.isEmpty ? 0 : m.titleWidth(heatmap.title)
        if !heatmap.title.isEmpty {
            layout.title = HeatmapTextSpot(x: m.margin, centerY: y + m.titleBox / 2, anchor: .start)
            y += m.titleBox + m.titleGap
        }

        if heatmap.isEmpty {
            let width = max(m.minEmptyWidth, m.margin * 2 + titleWidth,
                            m.margin * 2 + m.labelWidth(CohortHeatmap.emptyMessage))
            layout.emptyMessage = HeatmapTextSpot(x: (width / 2).rounded(), centerY: y + m.emptyHeight / 2, anchor: .middle)
            layout.width = width.rounded(.up)
            layout.height = (y + m.emptyHeight + m.margin).rounded(.up)
            return layout
        }
        layout.rows = rows
        layout.columns = columns

        // Cell size: share the width budget, keep within range, fit column labels.
        var cellWidth = min(max(m.gridWidthBudget / Double(columns), m.cellWidthRange.lowerBound),
                            m.cellWidthRange.upperBound)
        let widestColumnLabel = (0..<columns).map { m.labelWidth(heatmap.columnLabel($0)) }.max() ?? 0
        cellWidth = max(cellWidth, widestColumnLabel + 2 * m.cellPadding + m.cellGap)
        if m.integral { cellWidth = cellWidth.rounded(.up) }
        layout.cellWidth = cellWidth
        layout.cellHeight = m.cellHeight
        layout.cellGap = m.cellGap
        let inner = cellWidth - m.cellGap - 2 * m.cellPadding
        if m.cellTextWidth("00.0%") <= inner {
            layout.cellDecimals = true
            layout.showCellText = true
        } else {
            layout.showCellText = m.cellTextWidth("100%") <= inner
        }

        // Left column: row labels, the y-axis title (as its header) and the legend caption.
        var leftWidth = m.axisTitleWidth(heatmap.yAxisTitle)
        leftWidth = max(leftWidth, heatmap.legendTitle.isEmpty ? 0 : m.labelWidth(heatmap.legendTitle))
        for r in 0..<rows {
            leftWidth = max(leftWidth, m.labelWidth(heatmap.rowLabel(r) + heatmap.rowSuffix(r)))
        }
        leftWidth = leftWidth.rounded(.up)
        layout.gridLeft = m.margin + leftWidth + m.labelPad
        layout.rowLabelRight = layout.gridLeft - m.labelPad
        let gridWidth = layout.gridWidth

        // Header: x-axis title, then column labels (with the y-axis title on the same line).
        let xTitleWidth = m.axisTitleWidth(heatmap.xAxisTitle)
        var xTitleRight = layout.gridLeft + xTitleWidth
        if xTitleWidth <= gridWidth {
            layout.xAxisTitle = HeatmapTextSpot(x: layout.gridLeft + gridWidth / 2, centerY: y + m.labelBox / 2, anchor: .middle)
            xTitleRight = layout.gridLeft + (gridWidth + xTitleWidth) / 2
        } else {
            layout.xAxisTitle = HeatmapTextSpot(x: layout.gridLeft, centerY: y + m.labelBox / 2, anchor: .start)
        }
        y += m.labelBox + m.rowGap
        layout.columnLabelCenterY = y + m.labelBox / 2
        layout.yAxisTitle = HeatmapTextSpot(x: layout.rowLabelRight, centerY: y + m.labelBox / 2, anchor: .end)
        y += m.labelBox + m.rowGap

        layout.gridTop = y
        y += layout.gridHeight + m.legendGap

        // Legend: gradient bar under the grid, caption in the label column, tick labels below.
        let barWidth = min(max(gridWidth, m.legendWidthRange.lowerBound), m.legendWidthRange.upperBound)
        layout.legendBar = HeatmapRect(x: layout.gridLeft, y: y, width: barWidth.rounded(), height: m.legendBarHeight)
        layout.legendCaption = HeatmapTextSpot(x: layout.rowLabelRight, centerY: y + m.legendBarHeight / 2, anchor: .end)
        layout.tickLength = m.tickLength
        y += m.legendBarHeight + m.tickLength + m.rowGap
        layout.legendTickLabelCenterY = y + m.labelBox / 2
        y += m.labelBox

        let legendRight = layout.legendBar.x + layout.legendBar.width + m.labelWidth("100%") / 2
        let right = max(layout.gridLeft + gridWidth, m.margin + titleWidth, xTitleRight, legendRight)
        layout.width = (right + m.margin).rounded(.up)
        layout.height = (y + m.margin).rounded(.up)
        return layout
    }
}

// MARK: - SVG

extension CohortHeatmap {
    static let svgFontFamily = "'Helvetica Neue', Helvetica, Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif"
    static let titleColor = RGBColor(hex: 0x111827)
    static let axisTitleColor = RGBColor(hex: 0x1F2937)
    static let labelColor = RGBColor(hex: 0x374151)
    static let secondaryColor = RGBColor(hex: 0x6B7280)
    static let legendBorderColor = RGBColor(hex: 0xD1D5DB)

    struct SVGFonts {
        var title = 18.0
        var axisTitle = 13.0
        var label = 12.0
        var cell = 11.0
    }

    func svgFonts() -> SVGFonts {
        var fonts = SVGFonts()
        fonts.cell = columnCount <= 14 ? 12 : 11
        return fonts
    }

    func svgLayout() -> HeatmapLayout {
        let fonts = svgFonts()
        let metrics = HeatmapMetrics(
            margin: 24, titleBox: 26, labelBox: 18, titleGap: 10, rowGap: 4, labelPad: 10,
            cellHeight: rowCount > 15 ? 26 : 30, cellGap: 2, cellPadding: 3,
            gridWidthBudget: 1000, cellWidthRange: 42...68,
            legendGap: 22, legendBarHeight: 12, legendWidthRange: 240...360, tickLength: 4,
            emptyHeight: 120, minEmptyWidth: 480, integral: false,
            titleWidth: { HeatmapTextMetrics.width(of: $0, fontSize: fonts.title, bold: true) },
            axisTitleWidth: { HeatmapTextMetrics.width(of: $0, fontSize: fonts.axisTitle, bold: true) },
            labelWidth: { HeatmapTextMetrics.width(of: $0, fontSize: fonts.label, bold: false) },
            cellTextWidth: { HeatmapTextMetrics.width(of: $0, fontSize: fonts.cell, bold: false) })
        return HeatmapLayout.make(self, metrics)
    }

    /// Size of the SVG canvas in user units (pixels).
    public var svgSize: (width: Double, height: Double) {
        let layout = svgLayout()
        return (layout.width, layout.height)
    }

    /// A standalone SVG document of the heatmap.
    public func svg() -> String {
        let layout = svgLayout()
        let fonts = svgFonts()
        let esc = CohortHeatmap.xmlEscape
        let w = svgNumber(layout.width), h = svgNumber(layout.height)
        var out: [String] = []
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"\(CohortHeatmap.svgFontFamily)\" role=\"img\">")
        out.append("<title>\(esc(title.isEmpty ? "Cohort retention heatmap" : title))</title>")
        out.append("<style>g.cell:hover rect{stroke:#111827;stroke-width:2}</style>")
        out.append("<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>")

        func text(_ s: String, _ spot: HeatmapTextSpot, size: Double, color: RGBColor, bold: Bool = false, extra: String = "") -> String {
            let anchor: String
            switch spot.anchor {
            case .start: anchor = "start"
            case .middle: anchor = "middle"
            case .end: anchor = "end"
            }
            let weight = bold ? " font-weight=\"bold\"" : ""
            return "<text x=\"\(svgNumber(spot.x))\" y=\"\(svgNumber(baseline(spot.centerY, size)))\" font-size=\"\(svgNumber(size))\"\(weight) fill=\"\(color.hexString)\" text-anchor=\"\(anchor)\"\(extra)>\(esc(s))</text>"
        }

        if let spot = layout.title {
            out.append(text(title, spot, size: fonts.title, color: CohortHeatmap.titleColor, bold: true))
        }
        if let spot = layout.emptyMessage {
            out.append(text(CohortHeatmap.emptyMessage, spot, size: 14, color: CohortHeatmap.secondaryColor))
            out.append("</svg>")
            return out.joined(separator: "\n") + "\n"
        }

        // Axis titles and column labels.
        out.append(text(xAxisTitle, layout.xAxisTitle, size: fonts.axisTitle, color: CohortHeatmap.axisTitleColor, bold: true, extra: " class=\"axis-title\""))
        out.append(text(yAxisTitle, layout.yAxisTitle, size: fonts.axisTitle, color: CohortHeatmap.axisTitleColor, bold: true, extra: " class=\"axis-title\""))
        out.append("<g class=\"column-labels\" font-size=\"\(svgNumber(fonts.label))\" fill=\"\(CohortHeatmap.labelColor.hexString)\" text-anchor=\"middle\">")
        let columnBaseline = svgNumber(baseline(layout.columnLabelCenterY, fonts.label))
        for c in 0..<layout.columns {
            out.append("<text x=\"\(svgNumber(layout.columnCenterX(c)))\" y=\"\(columnBaseline)\">\(esc(columnLabel(c)))</text>")
        }
        out.append("</g>")

        // Row labels with the cohort size in a lighter tone.
        out.append("<g class=\"row-labels\" font-size=\"\(svgNumber(fonts.label))\" fill=\"\(CohortHeatmap.labelColor.hexString)\" text-anchor=\"end\">")
        for r in 0..<layout.rows {
            let suffix = rowSuffix(r)
            let sizePart = suffix.isEmpty ? "" : "<tspan fill=\"\(CohortHeatmap.secondaryColor.hexString)\">\(esc(suffix))</tspan>"
            out.append("<text x=\"\(svgNumber(layout.rowLabelRight))\" y=\"\(svgNumber(baseline(layout.rowCenterY(r), fonts.label)))\" xml:space=\"preserve\">\(esc(rowLabel(r)))\(sizePart)</text>")
        }
        out.append("</g>")

        // Cells.
        out.append("<g class=\"cells\" font-size=\"\(svgNumber(fonts.cell))\" text-anchor=\"middle\">")
        for r in 0..<layout.rows {
            for c in 0..<layout.columns {
                guard let rate = rate(row: r, column: c) else { continue }
                let rect = layout.cellRect(row: r, column: c)
                let fill = color(forRate: rate)
                var cell = "<g class=\"cell\"><title>\(esc(tooltip(row: r, column: c) ?? ""))</title>"
                cell += "<rect class=\"cell\" x=\"\(svgNumber(rect.x))\" y=\"\(svgNumber(rect.y))\" width=\"\(svgNumber(rect.width))\" height=\"\(svgNumber(rect.height))\" rx=\"2\" fill=\"\(fill.hexString)\"/>"
                if layout.showCellText {
                    let label = CohortHeatmap.percentText(rate, decimals: layout.cellDecimals)
                    let ink = CohortHeatmap.textColor(on: fill)
                    cell += "<text class=\"pct\" x=\"\(svgNumber(rect.x + rect.width / 2))\" y=\"\(svgNumber(baseline(rect.y + rect.height / 2, fonts.cell)))\" fill=\"\(ink.hexString)\">\(esc(label))</text>"
                }
                cell += "</g>"
                out.append(cell)
            }
        }
        out.append("</g>")

        // Legend.
        let bar = layout.legendBar
        out.append("<g class=\"legend\">")
        out.append("<defs><linearGradient id=\"cohort-heatmap-ramp\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">")
        // The bar is drawn in ramp positions, so the palette stops are evenly spaced;
        // the ticks are placed where their rate lands on the ramp.
        let stops = palette.stops
        for (i, stop) in stops.enumerated() {
            out.append("<stop offset=\"\(svgNumber(100 * Double(i) / Double(stops.count - 1)))%\" stop-color=\"\(stop.hexString)\"/>")
        }
        out.append("</linearGradient></defs>")
        if !legendTitle.isEmpty {
            out.append(text(legendTitle, layout.legendCaption, size: fonts.label, color: CohortHeatmap.labelColor))
        }
        out.append("<rect class=\"legend-bar\" x=\"\(svgNumber(bar.x))\" y=\"\(svgNumber(bar.y))\" width=\"\(svgNumber(bar.width))\" height=\"\(svgNumber(bar.height))\" fill=\"url(#cohort-heatmap-ramp)\" stroke=\"\(CohortHeatmap.legendBorderColor.hexString)\" stroke-width=\"0.5\"/>")
        for tick in colorScale.legendTicks {
            let x = svgNumber(bar.x + colorScale.position(of: tick) * bar.width)
            out.append("<line x1=\"\(x)\" y1=\"\(svgNumber(bar.y + bar.height))\" x2=\"\(x)\" y2=\"\(svgNumber(bar.y + bar.height + layout.tickLength))\" stroke=\"\(CohortHeatmap.secondaryColor.hexString)\" stroke-width=\"1\"/>")
            out.append(text(CohortHeatmap.percentText(tick, decimals: false),
                            HeatmapTextSpot(x: bar.x + colorScale.position(of: tick) * bar.width, centerY: layout.legendTickLabelCenterY, anchor: .middle),
                            size: fonts.cell, color: CohortHeatmap.secondaryColor))
        }
        out.append("</g>")
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// Baseline that centres capital letters on `centerY`.
    private func baseline(_ centerY: Double, _ fontSize: Double) -> Double { centerY + 0.36 * fontSize }

    /// XML-escape text for element content and attribute values; characters
    /// that XML 1.0 does not allow are replaced by U+FFFD.
    public static func xmlEscape(_ text: String) -> String { escapeMarkup(text, apostrophe: "&apos;") }
}

/// Locale-independent number formatting for SVG attributes (at most 2 decimals).
func svgNumber(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
    return String(rounded)
}

/// Approximate advance widths of a sans-serif font (DejaVu Sans, the widest
/// of the usual fallbacks), in ems, so that labels never collide.
enum HeatmapTextMetrics {
    static func width(of text: String, fontSize: Double, bold: Bool) -> Double {
        var ems = 0.0
        for ch in text {
            ems += advance(ch)
        }
        return ems * fontSize * (bold ? 1.1 : 1.0)
    }

    static func advance(_ ch: Character) -> Double {
        switch ch {
        case "0"..."9": return 0.64
        case " ": return 0.32
        case ".", ",", ":", ";", "'", "|", "!": return 0.34
        case "(", ")", "[", "]", "{", "}", "-", "/", "\\": return 0.40
        case "%": return 0.95
        case "=", "+", "<", ">", "~", "#", "^", "*", "\"": return 0.84
        case "@": return 1.0
        case "&": return 0.78
        case "_", "?": return 0.54
        case "i", "j", "l": return 0.28
        case "f", "t", "r": return 0.41
        case "m": return 0.98
        case "w": return 0.82
        case "M", "W": return 0.99
        case "I": return 0.30
        case "J": return 0.30
        case "a"..."z": return 0.62
        case "A"..."Z": return 0.76
        default: return 1.0
        }
    }
}
