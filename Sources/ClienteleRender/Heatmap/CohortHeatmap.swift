import ClienteleCore
// The cohort retention matrix as a heatmap: the cohort data (rates, counts, sizes) and how they are shown (percent
// texts, "n=" notes, tooltips, the square-root colour scale). Drawing is MatrixHeatmap's (`heatmap`).

/// A cohort retention matrix ready to be drawn: one row per acquisition
/// cohort, one column per period offset since the first purchase.
public struct CohortHeatmap: Sendable {
    public static let defaultXAxisTitle = "Months since first purchase"
    public static let defaultYAxisTitle = "Cohort (first purchase month)"
    static let emptyMessage = "No cohorts"

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

    /// The matrix drawn: rates on 0...1, "37.5%" in the cells ("38%" where "00.0%" would not fit), the cohort size
    /// after each row label, sized to its content.
    public var heatmap: MatrixHeatmap {
        let shape = self.shape
        let rows = shape.rowCount, columns = shape.columnCount
        func cells<T>(_ body: (Int, Int, Double) -> T) -> [[T?]] {
            (0..<rows).map { r in (0..<columns).map { c in shape.value(row: r, column: c).map { body(r, c, $0) } } }
        }
        return MatrixHeatmap(
            title: title, rowLabels: rowLabels, columnLabels: columnLabels, values: rates,
            xAxisTitle: xAxisTitle, yAxisTitle: yAxisTitle, domain: 0...1, palette: palette, colorScale: colorScale,
            cellText: cells { _, _, rate in CohortHeatmap.percentText(rate, decimals: true) },
            compactCellText: cells { _, _, rate in CohortHeatmap.percentText(rate, decimals: false) },
            cellTextTemplate: "00.0%", compactCellTextTemplate: "100%",
            tooltips: cells { r, c, rate in tooltip(row: r, column: c, rate: rate, columnLabel: shape.columnLabel(c)) },
            rowNotes: (0..<rows).map(rowSuffix), format: { CohortHeatmap.percentText($0, decimals: false) },
            legendTitle: legendTitle, sizing: .content, emptyMessage: CohortHeatmap.emptyMessage)
    }

    // MARK: - Drawing (MatrixHeatmap's)

    public var svgSize: (width: Double, height: Double) { heatmap.svgSize }
    /// A standalone SVG document of the heatmap.
    public func svg() -> String { heatmap.svg() }
    public func png(scale: Int = 2) -> [UInt8] { heatmap.png(scale: scale) }
    public func pngSize(scale: Int = 2) -> (width: Int, height: Int) { heatmap.pngSize(scale: scale) }
    public func pngCellRect(row: Int, column: Int, scale: Int = 2) -> (x: Int, y: Int, width: Int, height: Int) {
        heatmap.pngCellRect(row: row, column: column, scale: scale)
    }
    public func image(scale: Int = 2) -> RGBImage { heatmap.image(scale: scale) }
    public static var pngScaleRange: ClosedRange<Int> { MatrixHeatmap.pngScaleRange }
    func svgLayout() -> HeatmapLayout { heatmap.svgLayout() }
    func pngLayout(scale: Int) -> HeatmapLayout { heatmap.pngLayout(scale: scale) }

    // MARK: - Cells

    /// The rates as a bare matrix (for the shape).
    private var shape: MatrixHeatmap {
        MatrixHeatmap(rowLabels: rowLabels, columnLabels: columnLabels, values: rates, xAxisTitle: "", yAxisTitle: "")
    }

    public var rowCount: Int { shape.rowCount }
    public var columnCount: Int { shape.columnCount }

    /// The rate of a cell, or nil when the cell is empty (missing, nil, NaN or infinite).
    public func rate(row: Int, column: Int) -> Double? { shape.value(row: row, column: column) }

    /// Number of cells that get drawn.
    public var filledCellCount: Int { shape.filledCellCount }

    /// Fill colour of a cell with the given rate.
    public func color(forRate rate: Double) -> RGBColor { palette.color(at: colorScale.position(of: rate)) }

    func count(row: Int, column: Int) -> Int? {
        guard row >= 0, row < counts.count, column >= 0, column < counts[row].count else { return nil }
        return counts[row][column]
    }

    func rowSize(_ row: Int) -> Int? { row >= 0 && row < rowSizes.count ? rowSizes[row] : nil }

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
        return tooltip(row: row, column: column, rate: rate, columnLabel: shape.columnLabel(column))
    }

    private func tooltip(row: Int, column: Int, rate: Double, columnLabel: String) -> String {
        var text = "Cohort \(shape.rowLabel(row)), month \(columnLabel): \(CohortHeatmap.percentText(rate, decimals: true))"
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
}
