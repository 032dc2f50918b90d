import ClienteleCore
// A generic matrix heatmap: any rows x columns of values on a sequential colour ramp.

/// Rows x columns of optional values on a sequential colour scale, e.g. a
/// 25 x 25 cohort triangle, a 5 x 5 recency-by-frequency grid or 100+ weekly
/// columns. nil (or non-finite) cells are drawn as an empty outline, never as 0.
///
/// ```swift
/// let chart = MatrixHeatmap(title: "Customers by R and F score",
///                           rowLabels: ["R5", "R4", "R3", "R2", "R1"], columnLabels: ["F1", "F2", "F3", "F4", "F5"],
///                           values: grid, xAxisTitle: "Frequency score", yAxisTitle: "Recency score",
///                           cellText: grid.map { $0.map { $0.map { DisplayFormat.integer(Int($0)) } } },
///                           format: { DisplayFormat.integer(Int($0)) }, legendTitle: "Customers")
/// let svg = chart.svg()
/// ```
public struct MatrixHeatmap: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[row][column]`; ragged rows are padded with nil.
    public var values: [[Double?]]
    public var xAxisTitle: String
    public var yAxisTitle: String
    /// Colour domain; nil = min...max of the data.
    public var domain: ClosedRange<Double>?
    public var palette: HeatmapPalette
    /// Text inside each cell (e.g. "42%"); nil = none. Hidden automatically when cells are too small (100+ columns).
    public var cellText: [[String?]]?
    /// Tooltip per cell; default "row · column: value".
    public var tooltips: [[String?]]?
    /// Legend min/max labels and default tooltips.
    public var format: ChartValueFormatter
    /// Caption of the colour legend.
    public var legendTitle: String
    /// viewBox width; nil = 720, widened (up to 1100) when that lets the cell texts fit.
    public var width: Double?

    public init(title: String = "", rowLabels: [String], columnLabels: [String], values: [[Double?]],
                xAxisTitle: String, yAxisTitle: String, domain: ClosedRange<Double>? = nil,
                palette: HeatmapPalette = .blues, cellText: [[String?]]? = nil, tooltips: [[String?]]? = nil,
                format: @escaping ChartValueFormatter = DisplayFormat.compact, legendTitle: String = "",
                width: Double? = nil) {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.domain = domain
        self.palette = palette
        self.cellText = cellText
        self.tooltips = tooltips
        self.format = format
        self.legendTitle = legendTitle
        self.width = width
    }

    public var rowCount: Int { max(rowLabels.count, values.count) }
    public var columnCount: Int { max(columnLabels.count, values.map(\.count).max() ?? 0) }

    func value(_ r: Int, _ c: Int) -> Double? {
        guard r < values.count, c < values[r].count, let v = values[r][c], v.isFinite else { return nil }
        return v
    }

    func rowLabel(_ r: Int) -> String { r < rowLabels.count ? rowLabels[r] : "" }
    func columnLabel(_ c: Int) -> String { c < columnLabels.count ? columnLabels[c] : "" }

    func text(_ r: Int, _ c: Int) -> String? {
        guard let cellText, r < cellText.count, c < cellText[r].count else { return nil }
        return cellText[r][c]
    }

    func tooltip(_ r: Int, _ c: Int, _ v: Double) -> String {
        if let tooltips, r < tooltips.count, c < tooltips[r].count, let t = tooltips[r][c] { return t }
        return "\(rowLabel(r)) \u{00B7} \(columnLabel(c)): \(text(r, c) ?? format(v))"
    }

    /// The colour domain actually used.
    var effectiveDomain: ClosedRange<Double>? {
        if let domain { return domain }
        var lo = Double.infinity, hi = -Double.infinity
        for r in 0..<rowCount { for c in 0..<columnCount { if let v = value(r, c) { lo = min(lo, v); hi = max(hi, v) } } }
        return lo <= hi ? lo...hi : nil
    }

    /// Fill colour of a value.
    public func color(for value: Double) -> RGBColor {
        guard let d = effectiveDomain else { return palette.color(at: 0) }
        return color(for: value, in: d)
    }

    /// Fill colour of a value in a domain (values outside are clamped).
    func color(for value: Double, in d: ClosedRange<Double>) -> RGBColor {
        palette.color(at: d.upperBound == d.lowerBound ? 1 : (value - d.lowerBound) / (d.upperBound - d.lowerBound))
    }

    var ariaLabel: String {
        (title.isEmpty ? "Heatmap" : title) + ": \(yAxisTitle) by \(xAxisTitle), \(rowCount) x \(columnCount) cells"
    }

    static let defaultWidth = 720.0
    static let cellGap = 1.5

    /// The widest cell text at font size 10 (nil without cell text).
    var widestCellText: Double? {
        guard let cellText else { return nil }
        var widest = 0.0
        for row in cellText { for t in row { if let t { widest = max(widest, ChartText.width(t, size: 10)) } } }
        return widest
    }

    /// The viewBox width: the caller's, or 720 widened so that cell texts fit (at most 1100, at most 40 columns).
    func resolvedWidth(rowLabelWidth: Double) -> Double {
        if let width { return width }
        let columns = columnCount
        guard let text = widestCellText, columns > 0, columns <= 40 else { return MatrixHeatmap.defaultWidth }
        let fixed = 2 * ChartCanvas.margin + rowLabelWidth + 8
        let needed = fixed + Double(columns) * (text + MatrixHeatmap.cellGap + 3)
        return min(max(MatrixHeatmap.defaultWidth, needed.rounded(.up)), 1100)
    }

    public func svg() -> String {
        let rows = rowCount, columns = columnCount
        let rowLabelWidth = min((0..<rows).map { ChartText.width(rowLabel($0), size: ChartStyle.labelSize) }.max() ?? 0,
                                (width ?? MatrixHeatmap.defaultWidth) * 0.25)
        let width = resolvedWidth(rowLabelWidth: rowLabelWidth)
        guard rows > 0, columns > 0, let domain = effectiveDomain else {
            return ChartCanvas.empty(kind: "clt-heatmap", title: title, label: ariaLabel, width: width, height: 300)
        }
        let m = ChartCanvas.margin
        var top = m + (title.isEmpty ? 0 : 28)
        top += yAxisTitle.isEmpty ? 6 : 24
        let gridLeft = m + rowLabelWidth + 8
        let cellWidth = (width - m - gridLeft) / Double(columns)
        let cellHeight = min(max(cellWidth * 0.8, 8), 44)
        let gap = cellWidth >= 8 ? MatrixHeatmap.cellGap : 0.5
        let gridTop = top + ChartAxes.xLabelBand
        let gridBottom = gridTop + Double(rows) * cellHeight
        var y = gridBottom + (xAxisTitle.isEmpty ? 0 : ChartAxes.axisTitleBand + 2) + 10
        let legendY = y
        y += 10 + 6 + 16
        var canvas = ChartCanvas(width: width, height: y + m)
        top = canvas.title(title, top: m)
        _ = ChartAxes.yAxisTitle(yAxisTitle, into: &canvas, top: top)

        // Column labels above the grid, thinned out; row labels on the left, thinned out when rows are thin.
        let plan = ChartAxes.categoryLabelPlan((0..<columns).map(columnLabel), spacing: cellWidth, minimumWidth: 40)
        var labels: [String] = []
        for c in 0..<columns where plan.shows(c) {
            let label = columnLabel(c)
            let shown = ChartText.truncate(label, to: plan.maxWidth, size: ChartStyle.labelSize)
            labels.append(ChartCanvas.textElement(shown, x: gridLeft + (Double(c) + 0.5) * cellWidth, y: gridTop - ChartAxes.xLabelBand / 2,
                                                  anchor: .middle, tooltip: shown == label ? nil : label))
        }
        let rowEvery = Int((14 / cellHeight).rounded(.up))
        for r in 0..<rows where r % max(rowEvery, 1) == 0 {
            let label = rowLabel(r)
            let shown = ChartText.truncate(label, to: rowLabelWidth, size: ChartStyle.labelSize)
            labels.append(ChartCanvas.textElement(shown, x: gridLeft - 8, y: gridTop + (Double(r) + 0.5) * cellHeight,
                                                  anchor: .end, tooltip: shown == label ? nil : label))
        }
        canvas.add("<g class=\"clt-tick\">" + labels.joined() + "</g>")

        // Cells: text only when every text fits (and never for 100+ columns).
        let cellFont = cellHeight >= 28 ? ChartStyle.labelSize : cellWidth >= 36 ? ChartStyle.smallSize : 10
        var showText = cellText != nil && columns < 100 && cellHeight >= cellFont + 4
        if showText {
            outer: for r in 0..<rows { for c in 0..<columns {
                if let t = text(r, c), ChartText.width(t, size: cellFont) > cellWidth - gap - 2 { showText = false; break outer }
            } }
        }
        var cells: [String] = [], empties: [String] = [], texts: [String] = []
        for r in 0..<rows {
            for c in 0..<columns {
                let x = gridLeft + Double(c) * cellWidth, yy = gridTop + Double(r) * cellHeight
                guard let v = value(r, c) else {
                    empties.append(ChartCanvas.rectElement(x: x + gap / 2 + 0.5, y: yy + gap / 2 + 0.5, width: cellWidth - gap - 1,
                                                           height: cellHeight - gap - 1, cls: "clt-nil"))
                    continue
                }
                let fill = color(for: v, in: domain)
                cells.append(ChartCanvas.rectElement(x: x + gap / 2, y: yy + gap / 2, width: cellWidth - gap, height: cellHeight - gap,
                                                     cls: "clt-mark", fill: fill, tooltip: tooltip(r, c, v)))
                if showText, let t = text(r, c) {
                    let ink = ChartStyle.ink(on: fill) == .white ? "clt-ink-l" : "clt-ink-d"
                    texts.append(ChartCanvas.textElement(t, x: x + cellWidth / 2, y: yy + cellHeight / 2, size: cellFont, anchor: .middle, cls: ink))
                }
            }
        }
        if !empties.isEmpty { canvas.add("<g class=\"clt-empty-cells\">" + empties.joined() + "</g>") }
        canvas.add("<g class=\"clt-cells\">" + cells.joined() + "</g>")
        if !texts.isEmpty { canvas.add("<g class=\"clt-cell-text\" pointer-events=\"none\">" + texts.joined() + "</g>") }
        let plot = PlotArea(left: gridLeft, top: gridTop, right: gridLeft + Double(columns) * cellWidth, bottom: gridBottom)
        ChartAxes.xAxisTitle(xAxisTitle, into: &canvas, plot: plot, y: gridBottom + ChartAxes.axisTitleBand / 2 + 4)

        // Colour legend: a stepped bar with the domain ends.
        let barWidth = min(240, width - 2 * m - 140), barLeft = width - m - barWidth
        let steps = 48
        var legend: [String] = []
        for i in 0..<steps {
            let t = Double(i) / Double(steps - 1)
            legend.append(ChartCanvas.rectElement(x: barLeft + Double(i) * barWidth / Double(steps), y: legendY,
                                                  width: barWidth / Double(steps) + 0.6, height: 10, cls: "clt-ramp", fill: palette.color(at: t)))
        }
        legend.append(ChartCanvas.textElement(format(domain.lowerBound), x: barLeft, y: legendY + 10 + 12, size: ChartStyle.smallSize, cls: "clt-muted"))
        legend.append(ChartCanvas.textElement(format(domain.upperBound), x: barLeft + barWidth, y: legendY + 10 + 12, size: ChartStyle.smallSize,
                                              anchor: .end, cls: "clt-muted"))
        if !legendTitle.isEmpty {
            let shown = ChartText.truncate(legendTitle, to: barLeft - m - 10, size: ChartStyle.labelSize)
            legend.append(ChartCanvas.textElement(shown, x: barLeft - 10, y: legendY + 5, anchor: .end))
        }
        canvas.add("<g class=\"clt-legend\" shape-rendering=\"crispEdges\">" + legend.joined() + "</g>")
        return canvas.document(kind: "clt-heatmap", label: ariaLabel)
    }
}
