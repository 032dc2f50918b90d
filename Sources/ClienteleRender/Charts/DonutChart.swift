// A donut: parts of a whole as ring slices, with a legend and percentages.

import ClienteleCore
import Foundation

/// Slices of a ring, clockwise from 12 o'clock in the given order, with a
/// legend (name, value, share) on the right and the share printed on slices
/// that are large enough. Slices with a value that is not positive and finite
/// are left out. Best with at most 8 slices (group the rest as "Other").
///
/// ```swift
/// let chart = DonutChart(title: "Revenue by segment",
///                        slices: [.init(label: "Champions", value: 4.1e6), .init(label: "Loyal", value: 2.2e6),
///                                 .init(label: "Other", value: 0.9e6)],
///                        format: DisplayFormat.compact, centerLabel: "7.2M", centerCaption: "Revenue")
/// let svg = chart.svg()
/// ```
public struct DonutChart: Sendable {
    public typealias Slice = Treemap.Item

    public var title: String
    public var slices: [Slice]
    public var format: ChartValueFormatter
    /// Big text in the hole (e.g. the formatted total) and a caption under it.
    public var centerLabel: String?
    public var centerCaption: String?
    public var width: Double
    public var height: Double

    public init(title: String = "", slices: [Slice], format: @escaping ChartValueFormatter = DisplayFormat.compact,
                centerLabel: String? = nil, centerCaption: String? = nil, width: Double = 720, height: Double = 340) {
        self.title = title
        self.slices = slices
        self.format = format
        self.centerLabel = centerLabel
        self.centerCaption = centerCaption
        self.width = width
        self.height = height
    }

    var ariaLabel: String { (title.isEmpty ? "Donut chart" : title) + ", \(drawn.count) slices" }

    var drawn: [Slice] { slices.filter { $0.value.isFinite && $0.value > 0 } }

    public func svg() -> String {
        let drawn = self.drawn
        guard !drawn.isEmpty else {
            return ChartCanvas.empty(kind: "clt-donut", title: title, label: ariaLabel, width: width, height: height)
        }
        var canvas = ChartCanvas(width: width, height: height)
        let top = canvas.title(title, top: ChartCanvas.margin)
        let total = drawn.reduce(0) { $0 + $1.value }
        let available = height - top - ChartCanvas.margin
        let outer = min(available / 2 - 10, width * 0.2)
        let inner = outer * 0.58
        let cx = ChartCanvas.margin + outer + 8, cy = top + available / 2

        func point(_ angle: Double, _ r: Double) -> (Double, Double) { (cx + r * sin(angle), cy - r * cos(angle)) }
        func p(_ pt: (Double, Double)) -> String { "\(ChartCanvas.n(pt.0)) \(ChartCanvas.n(pt.1))" }

        var marks: [String] = [], labels: [String] = []
        var start = 0.0
        for (k, slice) in drawn.enumerated() {
            let sweep = slice.value / total * 2 * Double.pi
            let end = start + sweep
            let s = ChartStyle.seriesClass(k)
            let share = DisplayFormat.percent(slice.value / total)
            let tip = slice.tooltip ?? "\(slice.label): \(format(slice.value)) (\(share))"
            let d: String
            if drawn.count == 1 || sweep >= 2 * Double.pi - 1e-9 {
                // A full ring: two half arcs each way, even-odd fill.
                d = "M\(p(point(0, outer)))A\(ChartCanvas.n(outer)) \(ChartCanvas.n(outer)) 0 1 1 \(p(point(Double.pi, outer)))A\(ChartCanvas.n(outer)) \(ChartCanvas.n(outer)) 0 1 1 \(p(point(0, outer)))Z"
                    + "M\(p(point(0, inner)))A\(ChartCanvas.n(inner)) \(ChartCanvas.n(inner)) 0 1 0 \(p(point(Double.pi, inner)))A\(ChartCanvas.n(inner)) \(ChartCanvas.n(inner)) 0 1 0 \(p(point(0, inner)))Z"
            } else {
                let large = sweep > Double.pi ? 1 : 0
                d = "M\(p(point(start, outer)))A\(ChartCanvas.n(outer)) \(ChartCanvas.n(outer)) 0 \(large) 1 \(p(point(end, outer)))"
                    + "L\(p(point(end, inner)))A\(ChartCanvas.n(inner)) \(ChartCanvas.n(inner)) 0 \(large) 0 \(p(point(start, inner)))Z"
            }
            marks.append("<path d=\"\(d)\" fill-rule=\"evenodd\" class=\"clt-mark clt-gap clt-s\(s)\"><title>\(ChartCanvas.esc(tip))</title></path>")
            // Share on the slice when the arc at mid-radius has room for it.
            let mid = (outer + inner) / 2
            let text = DisplayFormat.percent(slice.value / total, digits: 0)
            if sweep * mid >= ChartText.width(text, size: ChartStyle.smallSize) + 8 {
                let at = point(start + sweep / 2, mid)
                labels.append(ChartCanvas.textElement(text, x: at.0, y: at.1, size: ChartStyle.smallSize, anchor: .middle, cls: "clt-on\(s) clt-title"))
            }
            start = end
        }
        canvas.add("<g class=\"clt-slices\" stroke-width=\"1.5\">" + marks.joined() + "</g>")
        canvas.add("<g class=\"clt-slice-labels\" pointer-events=\"none\">" + labels.joined() + "</g>")
        if let centerLabel {
            let shown = ChartText.truncate(centerLabel, to: inner * 1.7, size: 18, bold: true)
            canvas.text(shown, x: cx, y: cy - (centerCaption == nil ? 0 : 8), size: 18, anchor: .middle, cls: "clt-title")
        }
        if let centerCaption {
            let shown = ChartText.truncate(centerCaption, to: inner * 1.7, size: ChartStyle.smallSize)
            canvas.text(shown, x: cx, y: cy + (centerLabel == nil ? 0 : 12), size: ChartStyle.smallSize, anchor: .middle, cls: "clt-muted")
        }

        // Legend: swatch, name, then value and share right-aligned in two columns.
        let legendLeft = cx + outer + 32
        let legendRight = min(width - ChartCanvas.margin, legendLeft + 400)
        let rowHeight = min(24, available / Double(drawn.count))
        let shareWidth = 52.0
        let valueWidth = (drawn.map { ChartText.width(format($0.value), size: ChartStyle.labelSize) }.max() ?? 0) + 14
        let nameWidth = max(40, legendRight - legendLeft - 18 - valueWidth - shareWidth)
        var legend: [String] = []
        let legendTop = cy - rowHeight * Double(drawn.count) / 2
        for (k, slice) in drawn.enumerated() where rowHeight >= 12 {
            let y = legendTop + (Double(k) + 0.5) * rowHeight
            legend.append(ChartCanvas.rectElement(x: legendLeft, y: y - 5.5, width: 11, height: 11, cls: "clt-s\(ChartStyle.seriesClass(k))", rx: 2))
            let name = ChartText.truncate(slice.label, to: nameWidth, size: ChartStyle.labelSize)
            legend.append(ChartCanvas.textElement(name, x: legendLeft + 18, y: y, tooltip: name == slice.label ? nil : slice.label))
            legend.append(ChartCanvas.textElement(format(slice.value), x: legendRight - shareWidth, y: y, anchor: .end))
            legend.append(ChartCanvas.textElement(DisplayFormat.percent(slice.value / total), x: legendRight, y: y, anchor: .end, cls: "clt-muted"))
        }
        canvas.add("<g class=\"clt-legend\">" + legend.joined() + "</g>")
        return canvas.document(kind: "clt-donut", label: ariaLabel)
    }
}
