import ClienteleCore
// The Lorenz curve of revenue concentration.

/// The Lorenz curve: cumulative share of revenue (y) against cumulative share
/// of customers, smallest first (x), both as fractions 0...1, with the
/// diagonal of equality dashed and the area between the two shaded. The
/// curve always starts at (0, 0) and ends at (1, 1): those points are added
/// when missing.
///
/// ```swift
/// let chart = LorenzChart(title: "Revenue concentration",
///                         points: (0...100).map { p in (Double(p) / 100, pow(Double(p) / 100, 3)) },
///                         xAxisTitle: "Share of customers (smallest first)", yAxisTitle: "Share of revenue",
///                         annotations: ["Gini 0.62", "Top 10% of customers: 55% of revenue"])
/// let svg = chart.svg()
/// ```
public struct LorenzChart: Sendable {
    public var title: String
    /// (population share, revenue share), ascending in population share.
    public var points: [(population: Double, share: Double)]
    public var xAxisTitle: String
    public var yAxisTitle: String
    /// Lines of text in the empty upper-left corner (e.g. "Gini 0.62").
    public var annotations: [String]
    public var width: Double
    public var height: Double

    public init(title: String = "", points: [(population: Double, share: Double)], xAxisTitle: String, yAxisTitle: String,
                annotations: [String] = [], width: Double = 720, height: Double = 440) {
        self.title = title
        self.points = points
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.annotations = annotations
        self.width = width
        self.height = height
    }

    var ariaLabel: String {
        (title.isEmpty ? "Lorenz curve" : title) + ": \(yAxisTitle) against \(xAxisTitle)" +
            (annotations.isEmpty ? "" : ", " + annotations.joined(separator: ", "))
    }

    /// The finite points, clamped to 0...1, with (0,0) and (1,1) added if missing.
    var curve: [(Double, Double)] {
        var pts = points.filter { $0.population.isFinite && $0.share.isFinite }
            .map { (min(max($0.population, 0), 1), min(max($0.share, 0), 1)) }
        guard !pts.isEmpty else { return [] }
        if pts[0] != (0, 0) { pts.insert((0, 0), at: 0) }
        if pts[pts.count - 1] != (1, 1) { pts.append((1, 1)) }
        return pts
    }

    public func svg() -> String {
        let curve = self.curve
        let mark = points.filter { $0.population.isFinite && $0.share.isFinite }
        guard !mark.isEmpty else {
            return ChartCanvas.empty(kind: "clt-lorenz", title: title, label: ariaLabel, width: width, height: height)
        }
        let percent: ChartValueFormatter = { DisplayFormat.percent($0, digits: 0) }
        let scale = NiceScale(min: 0, max: 1, maxTicks: 6)
        var canvas = ChartCanvas(width: width, height: height)
        var top = canvas.title(title, top: ChartCanvas.margin)
        top = ChartAxes.yAxisTitle(yAxisTitle, into: &canvas, top: top)
        let left = ChartCanvas.margin + ChartAxes.tickLabelWidth(scale, percent) + ChartAxes.tickGap
        let bottom = height - ChartCanvas.margin - ChartAxes.xLabelBand - (xAxisTitle.isEmpty ? 0 : ChartAxes.axisTitleBand)
        let right = width - ChartCanvas.margin - ChartText.width("100%", size: ChartStyle.labelSize) / 2
        let plot = PlotArea(left: left, top: top + 4, right: right, bottom: bottom)
        ChartAxes.verticalValueAxis(scale, percent, plot: plot, into: &canvas)
        ChartAxes.horizontalValueAxis(scale, percent, plot: plot, into: &canvas)
        canvas.line(plot.left, plot.bottom, plot.right, plot.bottom, cls: "clt-axis")
        canvas.line(plot.left, plot.top, plot.left, plot.bottom, cls: "clt-axis")

        func xy(_ p: (Double, Double)) -> String { "\(ChartCanvas.n(plot.x(p.0, scale))) \(ChartCanvas.n(plot.y(p.1, scale)))" }
        var d = ""
        for (i, p) in curve.enumerated() { d += (i == 0 ? "M" : "L") + xy(p) }
        // Area between curve and diagonal: along the curve to (1,1), back along the diagonal.
        canvas.add("<path d=\"\(d)Z\" class=\"clt-area clt-s1\"/>")
        canvas.line(plot.x(0, scale), plot.y(0, scale), plot.x(1, scale), plot.y(1, scale), cls: "clt-ref")
        canvas.add("<path d=\"\(d)\" class=\"clt-line clt-l1 clt-lorenz-curve\"/>")

        var marks: [String] = []
        let hidden = mark.count > 30 ? " clt-hit" : ""
        for p in mark {
            let x = min(max(p.population, 0), 1), y = min(max(p.share, 0), 1)
            let tip = "\(DisplayFormat.percent(p.population)) of customers (smallest first): \(DisplayFormat.percent(p.share)) of revenue"
            marks.append("<circle cx=\"\(ChartCanvas.n(plot.x(x, scale)))\" cy=\"\(ChartCanvas.n(plot.y(y, scale)))\" r=\"3.5\" class=\"clt-mark clt-pt clt-s1\(hidden)\"><title>\(ChartCanvas.esc(tip))</title></circle>")
        }
        canvas.add("<g class=\"clt-points\">" + marks.joined() + "</g>")

        // Label the diagonal, and the annotations in the upper-left corner.
        let diagLabelX = plot.x(0.62, scale), diagLabelY = plot.y(0.62, scale)
        canvas.text("Equality", x: diagLabelX - 6, y: diagLabelY - 8, size: ChartStyle.smallSize, anchor: .end, cls: "clt-muted")
        var ay = plot.top + 14
        for note in annotations {
            let shown = ChartText.truncate(note, to: plot.width * 0.5, size: 13, bold: true)
            canvas.text(shown, x: plot.left + 12, y: ay, size: 13, cls: "clt-title", tooltip: shown == note ? nil : note)
            ay += 20
        }
        ChartAxes.xAxisTitle(xAxisTitle, into: &canvas, plot: plot, y: plot.bottom + ChartAxes.xLabelBand + ChartAxes.axisTitleBand / 2 + 2)
        return canvas.document(kind: "clt-lorenz", label: ariaLabel)
    }
}
