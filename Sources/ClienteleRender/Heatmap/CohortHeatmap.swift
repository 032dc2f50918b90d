import ClienteleCore
// Cohort retention heatmap: the input model and the SVG renderer (the palette and colour scale are in
// HeatmapPalette.swift, the layout shared with the PNG renderer in HeatmapLayout.swift).

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
