// Layout pieces shared by the charts with axes: the plot rectangle, value
// axes with gridlines, category labels that thin out instead of overlapping,
// and the legend that wraps above the plot.

/// The rectangle the marks are drawn in (viewBox units).
struct PlotArea {
    var left: Double, top: Double, right: Double, bottom: Double
    var width: Double { right - left }
    var height: Double { bottom - top }

    /// y of a value on a vertical value axis.
    func y(_ value: Double, _ scale: NiceScale) -> Double { bottom - scale.fraction(value) * height }
    /// x of a value on a horizontal value axis.
    func x(_ value: Double, _ scale: NiceScale) -> Double { left + scale.fraction(value) * width }
}

enum ChartAxes {
    static let tickGap = 6.0
    static let xLabelBand = 18.0
    static let axisTitleBand = 20.0

    /// Widest formatted tick label.
    static func tickLabelWidth(_ scale: NiceScale, _ format: ChartValueFormatter) -> Double {
        scale.ticks.map { ChartText.width(format($0), size: ChartStyle.labelSize) }.max() ?? 0
    }

    /// The y-axis title, drawn horizontally above the value axis (readable on
    /// phones); returns the y below it.
    static func yAxisTitle(_ title: String, into canvas: inout ChartCanvas, top: Double) -> Double {
        guard !title.isEmpty else { return top + 6 }
        let maxWidth = canvas.width - 2 * ChartCanvas.margin
        let shown = ChartText.truncate(title, to: maxWidth, size: ChartStyle.axisTitleSize, bold: true)
        canvas.text(shown, x: ChartCanvas.margin, y: top + 8, size: ChartStyle.axisTitleSize,
                    cls: "clt-axis-title", tooltip: shown == title ? nil : title)
        return top + 24
    }

    /// The x-axis title, centred under the plot.
    static func xAxisTitle(_ title: String, into canvas: inout ChartCanvas, plot: PlotArea, y: Double) {
        guard !title.isEmpty else { return }
        let shown = ChartText.truncate(title, to: canvas.width - 2 * ChartCanvas.margin, size: ChartStyle.axisTitleSize, bold: true)
        let half = ChartText.width(shown, size: ChartStyle.axisTitleSize, bold: true) / 2
        let x = min(max(plot.left + plot.width / 2, ChartCanvas.margin + half), canvas.width - ChartCanvas.margin - half)
        canvas.text(shown, x: x, y: y, size: ChartStyle.axisTitleSize, anchor: .middle, cls: "clt-axis-title",
                    tooltip: shown == title ? nil : title)
    }

    /// Horizontal gridlines and tick labels left of the plot.
    static func verticalValueAxis(_ scale: NiceScale, _ format: ChartValueFormatter, plot: PlotArea, into canvas: inout ChartCanvas) {
        var grid: [String] = [], labels: [String] = []
        for tick in scale.ticks {
            let y = plot.y(tick, scale)
            grid.append("<line x1=\"\(ChartCanvas.n(plot.left))\" y1=\"\(ChartCanvas.n(y))\" x2=\"\(ChartCanvas.n(plot.right))\" y2=\"\(ChartCanvas.n(y))\"/>")
            labels.append(ChartCanvas.textElement(format(tick), x: plot.left - tickGap, y: y, anchor: .end))
        }
        canvas.add("<g class=\"clt-grid\">" + grid.joined() + "</g>")
        canvas.add("<g class=\"clt-tick clt-y-ticks\">" + labels.joined() + "</g>")
    }

    /// Vertical gridlines and tick labels below the plot.
    static func horizontalValueAxis(_ scale: NiceScale, _ format: ChartValueFormatter, plot: PlotArea, into canvas: inout ChartCanvas) {
        var grid: [String] = [], labels: [String] = []
        for tick in scale.ticks {
            let x = plot.x(tick, scale)
            grid.append("<line x1=\"\(ChartCanvas.n(x))\" y1=\"\(ChartCanvas.n(plot.top))\" x2=\"\(ChartCanvas.n(x))\" y2=\"\(ChartCanvas.n(plot.bottom))\"/>")
            labels.append(ChartCanvas.textElement(format(tick), x: x, y: plot.bottom + xLabelBand / 2 + 2, anchor: .middle))
        }
        canvas.add("<g class=\"clt-grid\">" + grid.joined() + "</g>")
        canvas.add("<g class=\"clt-tick clt-x-ticks\">" + labels.joined() + "</g>")
    }

    /// Which category labels to show (every `every`-th) and how wide each may be.
    struct CategoryLabelPlan {
        var every: Int
        var maxWidth: Double
        func shows(_ index: Int) -> Bool { index % every == 0 }
    }

    /// Labels at least `minimumWidth` wide (or their full width if shorter);
    /// thinned out to every k-th label when the slots are too narrow.
    static func categoryLabelPlan(_ labels: [String], spacing: Double, minimumWidth: Double = 64) -> CategoryLabelPlan {
        let widest = labels.map { ChartText.width($0, size: ChartStyle.labelSize) }.max() ?? 0
        let needed = min(widest, minimumWidth)
        var every = 1
        while spacing * Double(every) - 6 < needed && every < max(1, labels.count) { every += 1 }
        return CategoryLabelPlan(every: every, maxWidth: max(spacing * Double(every) - 6, 12))
    }

    /// Category labels centred at `xs`, below the plot; truncated ones keep the full text as tooltip.
    static func categoryLabels(_ labels: [String], xs: [Double], plot: PlotArea, into canvas: inout ChartCanvas) {
        let spacing = xs.count > 1 ? (xs[1] - xs[0]) : plot.width
        let plan = categoryLabelPlan(labels, spacing: spacing)
        var out: [String] = []
        for (i, label) in labels.enumerated() where plan.shows(i) && i < xs.count {
            let shown = ChartText.truncate(label, to: plan.maxWidth, size: ChartStyle.labelSize)
            out.append(ChartCanvas.textElement(shown, x: xs[i], y: plot.bottom + xLabelBand / 2 + 2, anchor: .middle,
                                               tooltip: shown == label ? nil : label))
        }
        canvas.add("<g class=\"clt-tick clt-x-ticks\">" + out.joined() + "</g>")
    }
}

/// A legend of series names with colour swatches, wrapping over several rows.
enum ChartLegend {
    static let rowHeight = 20.0
    static let swatch = 11.0

    /// Draws the legend from `top`; returns the y below it. `items[i]` uses series colour `i`
    /// unless `seriesIndex` says otherwise. `line` draws a line swatch instead of a square.
    static func draw(_ items: [String], into canvas: inout ChartCanvas, top: Double, line: Bool = false) -> Double {
        guard !items.isEmpty else { return top }
        let left = ChartCanvas.margin, right = canvas.width - ChartCanvas.margin
        let maxItemText = min(220, right - left - swatch - 6)
        var x = left, y = top + rowHeight / 2
        var out: [String] = []
        for (i, name) in items.enumerated() {
            let shown = ChartText.truncate(name, to: maxItemText, size: ChartStyle.labelSize)
            let itemWidth = swatch + 6 + ChartText.width(shown, size: ChartStyle.labelSize)
            if x > left && x + itemWidth > right {
                x = left
                y += rowHeight
            }
            let s = ChartStyle.seriesClass(i)
            if line {
                out.append("<line x1=\"\(ChartCanvas.n(x))\" y1=\"\(ChartCanvas.n(y))\" x2=\"\(ChartCanvas.n(x + swatch))\" y2=\"\(ChartCanvas.n(y))\" class=\"clt-l\(s)\" stroke-width=\"3\"/>")
            } else {
                out.append(ChartCanvas.rectElement(x: x, y: y - swatch / 2, width: swatch, height: swatch, cls: "clt-s\(s)", rx: 2))
            }
            out.append(ChartCanvas.textElement(shown, x: x + swatch + 6, y: y, tooltip: shown == name ? nil : name))
            x += itemWidth + 18
        }
        canvas.add("<g class=\"clt-legend\">" + out.joined() + "</g>")
        return y + rowHeight / 2 + 4
    }
}
