import ClienteleCore
// The one heatmap: rows x columns of values on a sequential colour ramp. This file is the model (shape, colours,
// texts, tooltips); HeatmapLayout.swift places it, MatrixHeatmap+SVG.swift and MatrixHeatmap+PNG.swift draw it.
// The cohort retention matrix is one (CohortHeatmap.swift builds it), as are the dashboards' other grids.

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
    /// How the canvas is sized.
    public enum Sizing: Sendable, Equatable {
        /// The cells share `width` (nil: 720, widened up to 1100 so that the cell texts fit); labels are thinned
        /// out and cell texts hidden when the cells are too small (pages).
        case fitWidth
        /// Cells big enough for their labels and texts; the canvas grows with the matrix (files, images).
        case content
    }

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
    /// Where a value's place in the domain lands on the ramp (and which values the legend ticks).
    public var colorScale: HeatmapColorScale
    /// Text inside each cell (e.g. "37.5%"); nil = none. Hidden automatically when cells are too small (100+ columns).
    public var cellText: [[String?]]?
    /// Shorter cell texts (e.g. "38%") used when `cellText` does not fit; nil = none.
    public var compactCellText: [[String?]]?
    /// A text as wide as the widest `cellText` can be (e.g. "00.0%"): whether the texts fit is then judged on it,
    /// whichever values happen to be present; nil = the widest text present.
    public var cellTextTemplate: String?
    /// The same for `compactCellText` (e.g. "100%").
    public var compactCellTextTemplate: String?
    /// Tooltip per cell; default "row · column: value".
    public var tooltips: [[String?]]?
    /// A note after each row label, in a lighter tone (e.g. " (n=948)").
    public var rowNotes: [String]
    /// Legend tick labels and default tooltips.
    public var format: ChartValueFormatter
    /// Caption of the colour legend.
    public var legendTitle: String
    /// viewBox width with `.fitWidth`; nil = 720, widened (up to 1100) when that lets the cell texts fit.
    public var width: Double?
    public var sizing: Sizing
    /// What an empty heatmap says; nil = the charts' "No data for this selection".
    public var emptyMessage: String?

    public init(title: String = "", rowLabels: [String], columnLabels: [String], values: [[Double?]],
                xAxisTitle: String, yAxisTitle: String, domain: ClosedRange<Double>? = nil,
                palette: HeatmapPalette = .blues, colorScale: HeatmapColorScale = .linear,
                cellText: [[String?]]? = nil, compactCellText: [[String?]]? = nil,
                cellTextTemplate: String? = nil, compactCellTextTemplate: String? = nil, tooltips: [[String?]]? = nil,
                rowNotes: [String] = [], format: @escaping ChartValueFormatter = DisplayFormat.compact,
                legendTitle: String = "", width: Double? = nil, sizing: Sizing = .fitWidth,
                emptyMessage: String? = nil) {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.domain = domain
        self.palette = palette
        self.colorScale = colorScale
        self.cellText = cellText
        self.compactCellText = compactCellText
        self.cellTextTemplate = cellTextTemplate
        self.compactCellTextTemplate = compactCellTextTemplate
        self.tooltips = tooltips
        self.rowNotes = rowNotes
        self.format = format
        self.legendTitle = legendTitle
        self.width = width
        self.sizing = sizing
        self.emptyMessage = emptyMessage
    }

    // MARK: - Shape (tolerant of ragged input)

    public var rowCount: Int { max(rowLabels.count, values.count) }
    public var columnCount: Int { max(columnLabels.count, values.map(\.count).max() ?? 0) }
    /// Nothing to draw: no rows, no columns or no value to colour.
    var isEmpty: Bool { rowCount == 0 || columnCount == 0 || effectiveDomain == nil }

    /// The value of a cell, or nil when the cell is empty (missing, nil, NaN or infinite).
    public func value(row: Int, column: Int) -> Double? {
        guard row >= 0, row < values.count, column >= 0, column < values[row].count,
              let v = values[row][column], v.isFinite else { return nil }
        return v
    }

    func rowLabel(_ row: Int) -> String { row < rowLabels.count ? rowLabels[row] : "" }
    func rowNote(_ row: Int) -> String { row < rowNotes.count ? rowNotes[row] : "" }
    func columnLabel(_ column: Int) -> String { column < columnLabels.count ? columnLabels[column] : String(column) }

    /// Number of cells that get a colour.
    public var filledCellCount: Int {
        var n = 0
        for r in 0..<rowCount { for c in 0..<columnCount where value(row: r, column: c) != nil { n += 1 } }
        return n
    }

    // MARK: - Colour

    /// The colour domain actually used.
    var effectiveDomain: ClosedRange<Double>? {
        if let domain { return domain }
        var lo = Double.infinity, hi = -Double.infinity
        for r in 0..<rowCount { for c in 0..<columnCount { if let v = value(row: r, column: c) { lo = min(lo, v); hi = max(hi, v) } } }
        return lo <= hi ? lo...hi : nil
    }

    /// Position on the ramp (0...1) of a value in a domain (values outside are clamped).
    func rampPosition(of value: Double, in d: ClosedRange<Double>) -> Double {
        colorScale.position(of: d.upperBound == d.lowerBound ? 1 : (value - d.lowerBound) / (d.upperBound - d.lowerBound))
    }

    /// Fill colour of a value.
    public func color(for value: Double) -> RGBColor {
        guard let d = effectiveDomain else { return palette.color(at: 0) }
        return palette.color(at: rampPosition(of: value, in: d))
    }

    /// The values ticked on the legend, with their ramp positions.
    func legendTicks(in d: ClosedRange<Double>) -> [(value: Double, position: Double)] {
        colorScale.legendTicks.map { t in
            let v = d.lowerBound + t * (d.upperBound - d.lowerBound)
            return (v, rampPosition(of: v, in: d))
        }
    }

    // MARK: - Text

    /// The text of a cell in the chosen variant (nil: none).
    func text(row: Int, column: Int, _ variant: HeatmapCellText) -> String? {
        let texts: [[String?]]?
        switch variant {
        case .none: return nil
        case .full: texts = cellText
        case .compact: texts = compactCellText
        }
        guard let texts, row < texts.count, column < texts[row].count else { return nil }
        return texts[row][column]
    }

    /// The width of the widest text of a variant: its template's, else the widest among the coloured cells
    /// (nil: the variant has no text).
    func widestCellText(_ variant: HeatmapCellText, measure: (String) -> Double) -> Double? {
        switch variant {
        case .none: return nil
        case .full:
            if cellText == nil { return nil }
            if let cellTextTemplate { return measure(cellTextTemplate) }
        case .compact:
            if compactCellText == nil { return nil }
            if let compactCellTextTemplate { return measure(compactCellTextTemplate) }
        }
        var widest = 0.0
        for r in 0..<rowCount {
            for c in 0..<columnCount where value(row: r, column: c) != nil {
                if let t = text(row: r, column: c, variant) { widest = max(widest, measure(t)) }
            }
        }
        return widest
    }

    /// The tooltip of a coloured cell.
    public func tooltip(row: Int, column: Int) -> String? {
        guard let v = value(row: row, column: column) else { return nil }
        if let tooltips, row < tooltips.count, column < tooltips[row].count, let t = tooltips[row][column] { return t }
        return "\(rowLabel(row)) \u{00B7} \(columnLabel(column)): \(text(row: row, column: column, .full) ?? format(v))"
    }

    var emptyText: String { emptyMessage ?? ChartCanvas.emptyMessage }

    var ariaLabel: String {
        (title.isEmpty ? "Heatmap" : title) + ": \(yAxisTitle) by \(xAxisTitle), \(rowCount) x \(columnCount) cells"
    }
}

/// Which cell texts a layout shows.
enum HeatmapCellText: Equatable { case none, full, compact }
