import ClienteleCore
// Several series per category, stacked (parts of a total) or grouped (side by side).

/// Categories x series, e.g. revenue from new vs returning customers per month.
///
/// ```swift
/// let chart = StackedBarChart(title: "Revenue by customer type",
///                             categories: ["2011-10", "2011-11", "2011-12"],
///                             series: [ChartSeries(name: "New", values: [120_000, 98_000, 40_500]),
///                                      ChartSeries(name: "Returning", values: [610_000, 702_000, 250_000])],
///                             categoryAxisTitle: "Month", valueAxisTitle: "Revenue (GBP)",
///                             mode: .stacked)
/// let svg = chart.svg()
/// ```
///
/// Stacked mode stacks positive values upwards and negative values downwards
/// from 0, so the top of a column is the sum of its positive parts.
public struct StackedBarChart: Sendable {
    public enum Mode: String, Sendable { case stacked, grouped }

    public var title: String
    public var categories: [String]
    public var series: [ChartSeries]
    public var categoryAxisTitle: String
    public var valueAxisTitle: String
    public var mode: Mode
    /// Stacked mode: print the formatted total above each column (when it fits).
    public var showTotals: Bool
    public var format: ChartValueFormatter
    public var width: Double
    public var height: Double

    public init(title: String = "", categories: [String], series: [ChartSeries],
                categoryAxisTitle: String, valueAxisTitle: String, mode: Mode = .stacked,
                showTotals: Bool = false, format: @escaping ChartValueFormatter = DisplayFormat.compact,
                width: Double = 720, height: Double = 380) {
        self.title = title
        self.categories = categories
        self.series = series
        self.categoryAxisTitle = categoryAxisTitle
        self.valueAxisTitle = valueAxisTitle
        self.mode = mode
        self.showTotals = showTotals
        self.format = format
        self.width = width
        self.height = height
    }

    var ariaLabel: String {
        let name = title.isEmpty ? "Bar chart" : title
        let names = series.map(\.name).joined(separator: ", ")
        return "\(name): \(valueAxisTitle) by \(categoryAxisTitle), \(mode.rawValue) series \(names)"
    }

    /// Sum of the positive and of the negative values of a category.
    func extent(_ c: Int) -> (negative: Double, positive: Double) {
        var neg = 0.0, pos = 0.0
        for s in series { if let v = s.value(c) { if v < 0 { neg += v } else { pos += v } } }
        return (neg, pos)
    }

    func tooltip(series s: Int, category c: Int, value: Double) -> String {
        var text = "\(categories[c]) \u{00B7} \(series[s].name): \(format(value))"
        if mode == .stacked && series.count > 1 {
            let e = extent(c)
            text += " (total \(format(e.positive + e.negative)))"
        }
        return text
    }

    public func svg() -> String {
        let n = categories.count
        var lo = 0.0, hi = 0.0, any = false
        for c in 0..<n {
            if mode == .stacked {
                let e = extent(c)
                lo = min(lo, e.negative); hi = max(hi, e.positive)
            } else {
                for s in series { if let v = s.value(c) { lo = min(lo, v); hi = max(hi, v) } }
            }
            any = any || series.contains { $0.value(c) != nil }
        }
        guard n > 0, any else {
            return ChartCanvas.empty(kind: "clt-stacked", title: title, label: ariaLabel, width: width, height: height)
        }
        let scale = NiceScale(min: lo, max: hi, includeZero: true)
        var canvas = ChartCanvas(width: width, height: height)
        var top = canvas.title(title, top: ChartCanvas.margin)
        top = ChartLegend.draw(series.map(\.name), into: &canvas, top: top)
        top = ChartAxes.yAxisTitle(valueAxisTitle, into: &canvas, top: top)
        if showTotals && mode == .stacked { top += 10 }
        let left = ChartCanvas.margin + ChartAxes.tickLabelWidth(scale, format) + ChartAxes.tickGap
        let bottom = canvas.height - ChartCanvas.margin - ChartAxes.xLabelBand - (categoryAxisTitle.isEmpty ? 0 : ChartAxes.axisTitleBand)
        let plot = PlotArea(left: left, top: top + 4, right: canvas.width - ChartCanvas.margin - 4, bottom: bottom)
        ChartAxes.verticalValueAxis(scale, format, plot: plot, into: &canvas)

        let slot = plot.width / Double(n)
        let zeroY = plot.y(0, scale)
        var marks: [String] = [], totals: [String] = [], xs: [Double] = []
        for c in 0..<n {
            let cx = plot.left + (Double(c) + 0.5) * slot
            xs.append(cx)
            switch mode {
            case .stacked:
                let barWidth = min(slot * 0.72, 64)
                var pos = 0.0, neg = 0.0
                for (s, series) in series.enumerated() {
                    guard let v = series.value(c) else { continue }
                    let from = v < 0 ? neg : pos
                    let to = from + v
                    if v < 0 { neg = to } else { pos = to }
                    let y0 = plot.y(from, scale), y1 = plot.y(to, scale)
                    marks.append(ChartCanvas.rectElement(x: cx - barWidth / 2, y: min(y0, y1), width: barWidth, height: abs(y1 - y0),
                                                         cls: "clt-mark clt-gap clt-s\(ChartStyle.seriesClass(s))",
                                                         tooltip: tooltip(series: s, category: c, value: v)))
                }
                if showTotals {
                    let text = format(pos + neg)
                    if ChartText.width(text, size: ChartStyle.smallSize) <= slot - 2 {
                        totals.append(ChartCanvas.textElement(text, x: cx, y: plot.y(pos, scale) - 9, size: ChartStyle.smallSize, anchor: .middle))
                    }
                }
            case .grouped:
                let groupWidth = min(slot * 0.8, 26 * Double(series.count))
                let barWidth = groupWidth / Double(max(series.count, 1))
                for (s, series) in series.enumerated() {
                    guard let v = series.value(c) else { continue }
                    let x = cx - groupWidth / 2 + Double(s) * barWidth
                    let y = plot.y(v, scale)
                    marks.append(ChartCanvas.rectElement(x: x, y: min(y, zeroY), width: barWidth, height: abs(zeroY - y),
                                                         cls: "clt-mark clt-gap clt-s\(ChartStyle.seriesClass(s))",
                                                         tooltip: tooltip(series: s, category: c, value: v)))
                }
            }
        }
        canvas.add("<g class=\"clt-bars\" stroke-width=\"0.75\">" + marks.joined() + "</g>")
        canvas.line(plot.left, zeroY, plot.right, zeroY, cls: "clt-axis")
        if !totals.isEmpty { canvas.add("<g class=\"clt-values\">" + totals.joined() + "</g>") }
        ChartAxes.categoryLabels(categories, xs: xs, plot: plot, into: &canvas)
        ChartAxes.xAxisTitle(categoryAxisTitle, into: &canvas, plot: plot, y: plot.bottom + ChartAxes.xLabelBand + ChartAxes.axisTitleBand / 2 + 2)
        return canvas.document(kind: "clt-stacked", label: ariaLabel)
    }
}
