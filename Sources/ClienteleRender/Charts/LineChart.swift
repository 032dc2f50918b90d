import ClienteleCore
// Lines over categorical x labels (months) or numeric x values.

/// Several series as lines with a point per value; nil values break the line.
///
/// ```swift
/// let chart = LineChart(title: "Active customers",
///                       x: .categories(["2011-01", "2011-02", "2011-03"]),
///                       series: [ChartSeries(name: "Active", values: [948, 1_020, nil])],
///                       xAxisTitle: "Month", yAxisTitle: "Customers",
///                       format: { DisplayFormat.integer(Int($0)) }, area: true)
/// let svg = chart.svg()
/// ```
public struct LineChart: Sendable {
    /// The x positions shared by all series.
    public enum XValues: Sendable {
        /// Evenly spaced labels; labels are thinned out so they never overlap.
        case categories([String])
        /// Numeric x values (ascending), with nice ticks formatted by `format`.
        case numeric([Double], format: ChartValueFormatter)
    }

    public var title: String
    public var x: XValues
    public var series: [ChartSeries]
    public var xAxisTitle: String
    public var yAxisTitle: String
    /// y tick labels and tooltip values.
    public var format: ChartValueFormatter
    /// Fill the area under the line (only when there is a single series).
    public var area: Bool
    /// Start the y axis at 0 (default); false fits the axis to the data.
    public var includeZero: Bool
    public var width: Double
    public var height: Double

    public init(title: String = "", x: XValues, series: [ChartSeries], xAxisTitle: String, yAxisTitle: String,
                format: @escaping ChartValueFormatter = DisplayFormat.compact, area: Bool = false,
                includeZero: Bool = true, width: Double = 720, height: Double = 380) {
        self.title = title
        self.x = x
        self.series = series
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.format = format
        self.area = area
        self.includeZero = includeZero
        self.width = width
        self.height = height
    }

    var pointCount: Int {
        switch x {
        case .categories(let labels): return labels.count
        case .numeric(let xs, _): return xs.count
        }
    }

    func xLabel(_ i: Int) -> String {
        switch x {
        case .categories(let labels): return labels[i]
        case .numeric(let xs, let format): return format(xs[i])
        }
    }

    var ariaLabel: String {
        let name = title.isEmpty ? "Line chart" : title
        return "\(name): \(yAxisTitle) by \(xAxisTitle), series \(series.map(\.name).joined(separator: ", "))"
    }

    public func svg() -> String {
        let n = pointCount
        var values: [Double] = []
        for s in series { for i in 0..<n { if let v = s.value(i) { values.append(v) } } }
        if case .numeric(let xs, _) = x, xs.contains(where: { !$0.isFinite }) { values = [] }
        guard n > 0, let lo = values.min(), let hi = values.max() else {
            return ChartCanvas.empty(kind: "clt-line-chart", title: title, label: ariaLabel, width: width, height: height)
        }
        let scale = NiceScale(min: lo, max: hi, includeZero: includeZero)
        var canvas = ChartCanvas(width: width, height: height)
        var top = canvas.title(title, top: ChartCanvas.margin)
        if series.count > 1 { top = ChartLegend.draw(series.map(\.name), into: &canvas, top: top, line: true) }
        top = ChartAxes.yAxisTitle(yAxisTitle, into: &canvas, top: top)
        let left = ChartCanvas.margin + ChartAxes.tickLabelWidth(scale, format) + ChartAxes.tickGap
        let bottom = canvas.height - ChartCanvas.margin - ChartAxes.xLabelBand - (xAxisTitle.isEmpty ? 0 : ChartAxes.axisTitleBand)
        var plot = PlotArea(left: left, top: top + 4, right: canvas.width - ChartCanvas.margin - 4, bottom: bottom)
        ChartAxes.verticalValueAxis(scale, format, plot: plot, into: &canvas)

        // x positions.
        var xs: [Double] = []
        switch x {
        case .categories(let labels):
            // Keep the first and last labels inside the chart.
            let widest = labels.map { ChartText.width($0, size: ChartStyle.labelSize) }.max() ?? 0
            let inset = min(max(10, widest / 2 + 2 - (plot.left - ChartCanvas.margin)), plot.width / 4)
            let rightInset = min(max(10, widest / 2 + 2 - (canvas.width - ChartCanvas.margin - plot.right)), plot.width / 4)
            plot.left += inset; plot.right -= rightInset
            xs = (0..<n).map { n == 1 ? plot.left + plot.width / 2 : plot.left + Double($0) * plot.width / Double(n - 1) }
            ChartAxes.categoryLabels(labels, xs: xs, plot: plot, into: &canvas)
            plot.left -= inset; plot.right += rightInset
        case .numeric(let values, let xFormat):
            let lastLabel = ChartText.width(xFormat(values.max()!), size: ChartStyle.labelSize)
            plot.right = min(plot.right, canvas.width - ChartCanvas.margin - lastLabel / 2)
            let xScale = NiceScale(min: values.min()!, max: values.max()!)
            xs = values.map { plot.x($0, xScale) }
            var labels: [String] = []
            for tick in xScale.ticks {
                labels.append(ChartCanvas.textElement(xFormat(tick), x: plot.x(tick, xScale), y: plot.bottom + ChartAxes.xLabelBand / 2 + 2, anchor: .middle))
            }
            canvas.add("<g class=\"clt-tick clt-x-ticks\">" + labels.joined() + "</g>")
        }
        canvas.line(plot.left, plot.bottom, plot.right, plot.bottom, cls: "clt-axis")

        // Lines (and the area), then the points on top.
        let baseY = plot.y(min(max(0, scale.lower), scale.upper), scale)
        let dense = n > 40
        let radius = n > 30 ? 2.5 : 3.5
        var points: [String] = []
        for (s, line) in series.enumerated() {
            let k = ChartStyle.seriesClass(s)
            var segments: [[(Double, Double)]] = [], current: [(Double, Double)] = []
            for i in 0..<n {
                if let v = line.value(i) {
                    let p = (xs[i], plot.y(v, scale))
                    current.append(p)
                    let tip = (series.count > 1 ? "\(line.name) \u{00B7} " : "") + "\(xLabel(i)): \(format(v))"
                    // Dense lines show points on hover only, except a lone point between gaps.
                    let lone = line.value(i - 1) == nil && line.value(i + 1) == nil
                    let hit = dense && !lone ? " clt-hit" : ""
                    points.append("<circle cx=\"\(ChartCanvas.n(p.0))\" cy=\"\(ChartCanvas.n(p.1))\" r=\"\(ChartCanvas.n(radius))\" class=\"clt-mark clt-pt clt-s\(k)\(hit)\"><title>\(ChartCanvas.esc(tip))</title></circle>")
                } else if !current.isEmpty {
                    segments.append(current)
                    current = []
                }
            }
            if !current.isEmpty { segments.append(current) }
            if area && series.count == 1 {
                var d = ""
                for seg in segments {
                    d += "M\(ChartCanvas.n(seg[0].0)) \(ChartCanvas.n(baseY))"
                    for p in seg { d += "L\(ChartCanvas.n(p.0)) \(ChartCanvas.n(p.1))" }
                    d += "L\(ChartCanvas.n(seg[seg.count - 1].0)) \(ChartCanvas.n(baseY))Z"
                }
                canvas.add("<path d=\"\(d)\" class=\"clt-area clt-s\(k)\"/>")
            }
            var d = ""
            for seg in segments {
                for (j, p) in seg.enumerated() { d += (j == 0 ? "M" : "L") + "\(ChartCanvas.n(p.0)) \(ChartCanvas.n(p.1))" }
            }
            // A lone point (between gaps) shows as its marker only.
            canvas.add("<path d=\"\(d)\" class=\"clt-line clt-l\(k)\"/>")
        }
        canvas.add("<g class=\"clt-points\">" + points.joined() + "</g>")
        ChartAxes.xAxisTitle(xAxisTitle, into: &canvas, plot: plot, y: plot.bottom + ChartAxes.xLabelBand + ChartAxes.axisTitleBand / 2 + 2)
        return canvas.document(kind: "clt-line-chart", label: ariaLabel)
    }
}
