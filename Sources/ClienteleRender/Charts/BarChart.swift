import ClienteleCore
// A one-series bar chart, vertical (months, buckets) or horizontal (long
// category names such as segments).

/// Bars for categories, one series.
///
/// ```swift
/// let chart = BarChart(title: "Customers per segment",
///                      labels: ["Champions", "Loyal", "At risk"], values: [412, 980, 233],
///                      categoryAxisTitle: "Segment", valueAxisTitle: "Customers",
///                      horizontal: true, showValueLabels: true,
///                      format: { DisplayFormat.integer(Int($0)) })
/// let svg = chart.svg()
/// ```
public struct BarChart: Sendable {
    public var title: String
    public var labels: [String]
    /// One value per label; negative values grow down (or left); non-finite values draw no bar.
    public var values: [Double]
    public var categoryAxisTitle: String
    public var valueAxisTitle: String
    /// Bars grow to the right, categories are listed top to bottom.
    public var horizontal: Bool
    /// Print the formatted value at the end of each bar.
    public var showValueLabels: Bool
    /// Tick labels, value labels and tooltips.
    public var format: ChartValueFormatter
    /// Optional tooltip per bar; default "label: value".
    public var tooltips: [String]?
    /// Colour: series index (0 = first Okabe-Ito colour).
    public var colorIndex: Int
    /// viewBox width; the SVG itself scales to its container.
    public var width: Double
    /// viewBox height; nil = 360 (vertical) or fitted to the number of bars (horizontal).
    public var height: Double?

    public init(title: String = "", labels: [String], values: [Double],
                categoryAxisTitle: String, valueAxisTitle: String,
                horizontal: Bool = false, showValueLabels: Bool = false,
                format: @escaping ChartValueFormatter = DisplayFormat.compact,
                tooltips: [String]? = nil, colorIndex: Int = 0,
                width: Double = 720, height: Double? = nil) {
        self.title = title
        self.labels = labels
        self.values = values
        self.categoryAxisTitle = categoryAxisTitle
        self.valueAxisTitle = valueAxisTitle
        self.horizontal = horizontal
        self.showValueLabels = showValueLabels
        self.format = format
        self.tooltips = tooltips
        self.colorIndex = colorIndex
        self.width = width
        self.height = height
    }

    var count: Int { min(labels.count, values.count) }

    func tooltip(_ i: Int) -> String {
        if let tooltips, i < tooltips.count { return tooltips[i] }
        return "\(labels[i]): \(format(values[i]))"
    }

    var ariaLabel: String {
        let name = title.isEmpty ? "Bar chart" : title
        return "\(name): \(valueAxisTitle) by \(categoryAxisTitle), \(count) bars"
    }

    public func svg() -> String {
        let finite = (0..<count).map { values[$0] }.filter(\.isFinite)
        if finite.isEmpty {
            return ChartCanvas.empty(kind: "clt-bar", title: title, label: ariaLabel, width: width, height: height ?? 360)
        }
        let scale = NiceScale(min: finite.min()!, max: finite.max()!, includeZero: true, maxTicks: horizontal ? 6 : 7)
        return horizontal ? horizontalSVG(scale) : verticalSVG(scale)
    }

    private func verticalSVG(_ scale: NiceScale) -> String {
        var canvas = ChartCanvas(width: width, height: height ?? 360)
        var top = canvas.title(title, top: ChartCanvas.margin)
        top = ChartAxes.yAxisTitle(valueAxisTitle, into: &canvas, top: top)
        if showValueLabels { top += 10 }
        let left = ChartCanvas.margin + ChartAxes.tickLabelWidth(scale, format) + ChartAxes.tickGap
        let bottom = canvas.height - ChartCanvas.margin - ChartAxes.xLabelBand - (categoryAxisTitle.isEmpty ? 0 : ChartAxes.axisTitleBand)
        let plot = PlotArea(left: left, top: top + 4, right: canvas.width - ChartCanvas.margin - 4, bottom: bottom)
        ChartAxes.verticalValueAxis(scale, format, plot: plot, into: &canvas)

        let n = count
        let slot = plot.width / Double(n)
        let barWidth = min(slot * 0.72, 64)
        let zeroY = plot.y(0, scale)
        let s = ChartStyle.seriesClass(colorIndex)
        var marks: [String] = [], valueLabels: [String] = []
        var xs: [Double] = []
        for i in 0..<n {
            let cx = plot.left + (Double(i) + 0.5) * slot
            xs.append(cx)
            let v = values[i]
            guard v.isFinite else { continue }
            let y = plot.y(v, scale)
            marks.append(ChartCanvas.rectElement(x: cx - barWidth / 2, y: min(y, zeroY), width: barWidth, height: abs(zeroY - y),
                                                 cls: "clt-mark clt-s\(s)", rx: min(2, barWidth / 4), tooltip: tooltip(i)))
            if showValueLabels {
                let text = format(v)
                if ChartText.width(text, size: ChartStyle.smallSize) <= slot - 2 {
                    let ly = v >= 0 ? y - 9 : y + 9
                    valueLabels.append(ChartCanvas.textElement(text, x: cx, y: ly, size: ChartStyle.smallSize, anchor: .middle))
                }
            }
        }
        canvas.add("<g class=\"clt-bars\">" + marks.joined() + "</g>")
        canvas.line(plot.left, zeroY, plot.right, zeroY, cls: "clt-axis")
        if !valueLabels.isEmpty { canvas.add("<g class=\"clt-values\">" + valueLabels.joined() + "</g>") }
        ChartAxes.categoryLabels(Array(labels.prefix(n)), xs: xs, plot: plot, into: &canvas)
        ChartAxes.xAxisTitle(categoryAxisTitle, into: &canvas, plot: plot, y: plot.bottom + ChartAxes.xLabelBand + ChartAxes.axisTitleBand / 2 + 2)
        return canvas.document(kind: "clt-bar", label: ariaLabel)
    }

    private func horizontalSVG(_ scale: NiceScale) -> String {
        let n = count
        let rowHeight = 28.0
        // Category labels on the left: at most 40% of the width, truncated.
        let labelWidth = min((0..<n).map { ChartText.width(labels[$0], size: ChartStyle.labelSize) }.max() ?? 0, width * 0.4)
        var top = ChartCanvas.margin + (title.isEmpty ? 0 : 28)
        top += categoryAxisTitle.isEmpty ? 6 : 24
        let chromeBottom = ChartAxes.xLabelBand + (valueAxisTitle.isEmpty ? 0 : ChartAxes.axisTitleBand) + ChartCanvas.margin
        let fittedHeight = top + Double(n) * rowHeight + chromeBottom
        var canvas = ChartCanvas(width: width, height: height ?? fittedHeight)
        top = canvas.title(title, top: ChartCanvas.margin)
        top = ChartAxes.yAxisTitle(categoryAxisTitle, into: &canvas, top: top)
        // Room on the right for the last tick label and the value labels.
        let valueRoom = showValueLabels ? ((0..<n).map { ChartText.width(format(values[$0]), size: ChartStyle.smallSize) }.max() ?? 0) + 8 : 0
        let tickOverhang = ChartText.width(format(scale.upper), size: ChartStyle.labelSize) / 2
        let plot = PlotArea(left: ChartCanvas.margin + labelWidth + 8, top: top,
                            right: canvas.width - ChartCanvas.margin - max(valueRoom, tickOverhang),
                            bottom: canvas.height - chromeBottom)
        ChartAxes.horizontalValueAxis(scale, format, plot: plot, into: &canvas)

        let slot = plot.height / Double(n)
        let barHeight = min(slot * 0.7, 28)
        let zeroX = plot.x(0, scale)
        let s = ChartStyle.seriesClass(colorIndex)
        var marks: [String] = [], texts: [String] = []
        for i in 0..<n {
            let cy = plot.top + (Double(i) + 0.5) * slot
            let label = labels[i]
            let shown = ChartText.truncate(label, to: labelWidth, size: ChartStyle.labelSize)
            texts.append(ChartCanvas.textElement(shown, x: plot.left - 8, y: cy, anchor: .end, tooltip: shown == label ? nil : label))
            let v = values[i]
            guard v.isFinite else { continue }
            let x = plot.x(v, scale)
            marks.append(ChartCanvas.rectElement(x: min(x, zeroX), y: cy - barHeight / 2, width: abs(x - zeroX), height: barHeight,
                                                 cls: "clt-mark clt-s\(s)", rx: min(2, barHeight / 4), tooltip: tooltip(i)))
            if showValueLabels {
                let text = format(v)
                texts.append(ChartCanvas.textElement(text, x: v >= 0 ? x + 5 : x - 5, y: cy, size: ChartStyle.smallSize,
                                                     anchor: v >= 0 ? .start : .end))
            }
        }
        canvas.add("<g class=\"clt-bars\">" + marks.joined() + "</g>")
        canvas.line(zeroX, plot.top, zeroX, plot.bottom, cls: "clt-axis")
        canvas.add("<g class=\"clt-categories\">" + texts.joined() + "</g>")
        ChartAxes.xAxisTitle(valueAxisTitle, into: &canvas, plot: plot, y: plot.bottom + ChartAxes.xLabelBand + ChartAxes.axisTitleBand / 2 + 2)
        return canvas.document(kind: "clt-bar", label: ariaLabel)
    }
}
