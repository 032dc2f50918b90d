import ClienteleCore
// Where everything of a heatmap goes, for every medium (SVG and PNG): title, axis titles, column and row labels,
// the grid of cells, which cell texts fit, the colour legend.

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
    /// Cell height with `.content` sizing (`.fitWidth` derives it from the cell width).
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
    /// Height of the cell text (cells lower than this plus 4 get none).
    var cellTextHeight: Double
    var titleWidth: (String) -> Double
    var axisTitleWidth: (String) -> Double
    var labelWidth: (String) -> Double
    var cellTextWidth: (String) -> Double
}

struct HeatmapLayout {
    static let defaultFitWidth = 720.0
    static let maxFitWidth = 1100.0

    var width: Double
    var height: Double
    var margin = 0.0
    var title: HeatmapTextSpot?
    /// Set when there is nothing to draw; everything below is then unused.
    var emptyMessage: HeatmapTextSpot?
    var rows = 0
    var columns = 0
    var xAxisTitle = HeatmapTextSpot(x: 0, centerY: 0, anchor: .middle)
    var yAxisTitle = HeatmapTextSpot(x: 0, centerY: 0, anchor: .end)
    var columnLabelCenterY = 0.0
    /// Width of the column left of the grid (row labels, y-axis title, legend caption).
    var leftWidth = 0.0
    var rowLabelRight = 0.0
    var gridLeft = 0.0
    var gridTop = 0.0
    var cellWidth = 0.0
    var cellHeight = 0.0
    var cellGap = 0.0
    /// The cell texts shown (none when they do not fit).
    var cellText = HeatmapCellText.none
    var legendCaption = HeatmapTextSpot(x: 0, centerY: 0, anchor: .end)
    var legendBar = HeatmapRect(x: 0, y: 0, width: 0, height: 0)
    var legendTickLabelCenterY = 0.0
    var tickLength = 0.0

    var showCellText: Bool { cellText != .none }

    /// The painted rectangle of a cell (the gap to its neighbours excluded).
    func cellRect(row: Int, column: Int) -> HeatmapRect {
        HeatmapRect(x: gridLeft + Double(column) * cellWidth, y: gridTop + Double(row) * cellHeight,
                   width: cellWidth - cellGap, height: cellHeight - cellGap)
    }

    func columnCenterX(_ column: Int) -> Double { gridLeft + Double(column) * cellWidth + (cellWidth - cellGap) / 2 }
    func rowCenterY(_ row: Int) -> Double { gridTop + Double(row) * cellHeight + (cellHeight - cellGap) / 2 }
    var gridWidth: Double { Double(columns) * cellWidth - cellGap }
    var gridHeight: Double { Double(rows) * cellHeight - cellGap }

    static func make(_ heatmap: MatrixHeatmap, _ m: HeatmapMetrics) -> HeatmapLayout {
        let rows = heatmap.rowCount, columns = heatmap.columnCount
        let fit = heatmap.sizing == .fitWidth
        var layout = HeatmapLayout(width: 0, height: 0, margin: m.margin)
        var y = m.margin
        let titleWidth = heatmap.title.isEmpty ? 0 : m.titleWidth(heatmap.title)
        if !heatmap.title.isEmpty {
            layout.title = HeatmapTextSpot(x: m.margin, centerY: y + m.titleBox / 2, anchor: .start)
            y += m.titleBox + m.titleGap
        }

        // Left column: row labels (with their notes), the y-axis title (as its header) and the legend caption;
        // at most a quarter of a fitted width (longer labels are then truncated).
        // Fitted to a page, the y-axis title goes on the x-axis title's line instead (left-aligned), so that a long
        // title ("Cohort (month of first order)") does not narrow the cells.
        var leftWidth = fit ? 0 : m.axisTitleWidth(heatmap.yAxisTitle)
        leftWidth = max(leftWidth, heatmap.legendTitle.isEmpty ? 0 : m.labelWidth(heatmap.legendTitle))
        for r in 0..<rows {
            leftWidth = max(leftWidth, m.labelWidth(heatmap.rowLabel(r) + heatmap.rowNote(r)))
        }
        leftWidth = leftWidth.rounded(.up)
        if fit { leftWidth = min(leftWidth, ((heatmap.width ?? defaultFitWidth) * 0.25).rounded(.up)) }
        let gridLeft = m.margin + leftWidth + m.labelPad

        if heatmap.isEmpty {
            let width = fit ? fitWidth(heatmap, m, gridLeft: gridLeft)
                            : max(m.minEmptyWidth, m.margin * 2 + titleWidth, m.margin * 2 + m.labelWidth(heatmap.emptyText))
            layout.emptyMessage = HeatmapTextSpot(x: (width / 2).rounded(), centerY: y + m.emptyHeight / 2, anchor: .middle)
            layout.width = width.rounded(.up)
            layout.height = (y + m.emptyHeight + m.margin).rounded(.up)
            return layout
        }
        layout.rows = rows
        layout.columns = columns
        layout.leftWidth = leftWidth
        layout.gridLeft = gridLeft
        layout.rowLabelRight = gridLeft - m.labelPad

        // Cell size. Content: share the width budget, keep within range, fit the column labels.
        // Fitted: share the canvas width (the labels are then thinned out by the renderer).
        var cellWidth: Double, cellHeight: Double, gap = m.cellGap
        if fit {
            cellWidth = (fitWidth(heatmap, m, gridLeft: gridLeft) - m.margin - gridLeft) / Double(columns)
            cellHeight = min(max(cellWidth * 0.8, 8), 44)
            if cellWidth < 8 { gap = min(gap, 0.5) }
        } else {
            cellWidth = min(max(m.gridWidthBudget / Double(columns), m.cellWidthRange.lowerBound), m.cellWidthRange.upperBound)
            let widestColumnLabel = (0..<columns).map { m.labelWidth(heatmap.columnLabel($0)) }.max() ?? 0
            cellWidth = max(cellWidth, widestColumnLabel + 2 * m.cellPadding + m.cellGap)
            if m.integral { cellWidth = cellWidth.rounded(.up) }
            cellHeight = m.cellHeight
        }
        layout.cellWidth = cellWidth
        layout.cellHeight = cellHeight
        layout.cellGap = gap

        // Cell texts: the full ones when every one fits, else the compact ones, else none.
        let inner = cellWidth - gap - 2 * m.cellPadding
        if cellHeight >= m.cellTextHeight + 4 {
            for variant in [HeatmapCellText.full, .compact] {
                if let widest = heatmap.widestCellText(variant, measure: m.cellTextWidth), widest <= inner {
                    layout.cellText = variant
                    break
                }
            }
        }
        let gridWidth = layout.gridWidth

        // Header: x-axis title, then column labels (with the y-axis title on the same line).
        let xTitleWidth = m.axisTitleWidth(heatmap.xAxisTitle)
        var xTitleRight = layout.gridLeft + xTitleWidth
        if xTitleWidth <= gridWidth || fit {
            layout.xAxisTitle = HeatmapTextSpot(x: layout.gridLeft + gridWidth / 2, centerY: y + m.labelBox / 2, anchor: .middle)
            xTitleRight = layout.gridLeft + (gridWidth + xTitleWidth) / 2
        } else {
            layout.xAxisTitle = HeatmapTextSpot(x: layout.gridLeft, centerY: y + m.labelBox / 2, anchor: .start)
        }
        let xAxisLine = y + m.labelBox / 2
        y += m.labelBox + m.rowGap
        layout.columnLabelCenterY = y + m.labelBox / 2
        layout.yAxisTitle = fit ? HeatmapTextSpot(x: m.margin, centerY: xAxisLine, anchor: .start)
                                : HeatmapTextSpot(x: layout.rowLabelRight, centerY: y + m.labelBox / 2, anchor: .end)
        y += m.labelBox + m.rowGap

        layout.gridTop = y
        y += layout.gridHeight + m.legendGap

        // Legend: the ramp under the grid, caption in the label column, tick labels below.
        let barWidth = min(max(gridWidth, m.legendWidthRange.lowerBound), m.legendWidthRange.upperBound)
        layout.legendBar = HeatmapRect(x: layout.gridLeft, y: y, width: barWidth.rounded(), height: m.legendBarHeight)
        layout.legendCaption = HeatmapTextSpot(x: layout.rowLabelRight, centerY: y + m.legendBarHeight / 2, anchor: .end)
        layout.tickLength = m.tickLength
        y += m.legendBarHeight + m.tickLength + m.rowGap
        layout.legendTickLabelCenterY = y + m.labelBox / 2
        y += m.labelBox

        if fit {
            layout.width = fitWidth(heatmap, m, gridLeft: gridLeft)
        } else {
            let lastTick = heatmap.effectiveDomain.map { heatmap.format($0.upperBound) } ?? ""
            let legendRight = layout.legendBar.x + layout.legendBar.width + m.labelWidth(lastTick) / 2
            let right = max(layout.gridLeft + gridWidth, m.margin + titleWidth, xTitleRight, legendRight)
            layout.width = (right + m.margin).rounded(.up)
        }
        layout.height = (y + m.margin).rounded(.up)
        return layout
    }

    /// The canvas width with `.fitWidth`: the heatmap's, or 720 widened so that the full cell texts fit
    /// (at most 1100, at most 40 columns).
    static func fitWidth(_ heatmap: MatrixHeatmap, _ m: HeatmapMetrics, gridLeft: Double) -> Double {
        if let width = heatmap.width { return width }
        let columns = heatmap.columnCount
        guard let text = heatmap.widestCellText(.full, measure: m.cellTextWidth), columns > 0, columns <= 40 else {
            return defaultFitWidth
        }
        let needed = gridLeft + Double(columns) * (text + m.cellGap + 2 * m.cellPadding) + m.margin + 1
        return min(max(defaultFitWidth, needed.rounded(.up)), maxFitWidth)
    }
}
