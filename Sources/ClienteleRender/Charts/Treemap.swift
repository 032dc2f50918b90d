import ClienteleCore
// A squarified treemap: rectangle areas proportional to the values.

/// Parts of a whole as rectangles (Bruls, Huizing & van Wijk's squarified
/// layout: large items first, aspect ratios close to 1). Items with a value
/// that is not positive and finite are left out.
///
/// ```swift
/// let chart = Treemap(title: "Revenue by country",
///                     items: [.init(label: "United Kingdom", value: 7_300_000),
///                             .init(label: "Netherlands", value: 285_000),
///                             .init(label: "EIRE", value: 265_000)],
///                     format: DisplayFormat.compact)
/// let svg = chart.svg()
/// ```
public struct Treemap: Sendable {
    public struct Item: Sendable, Equatable {
        public var label: String
        public var value: Double
        /// Tooltip; default "label: value (share)".
        public var tooltip: String?
        public init(label: String, value: Double, tooltip: String? = nil) {
            self.label = label
            self.value = value
            self.tooltip = tooltip
        }
    }

    public var title: String
    public var items: [Item]
    public var format: ChartValueFormatter
    public var width: Double
    public var height: Double

    public init(title: String = "", items: [Item], format: @escaping ChartValueFormatter = DisplayFormat.compact,
                width: Double = 720, height: Double = 420) {
        self.title = title
        self.items = items
        self.format = format
        self.width = width
        self.height = height
    }

    var ariaLabel: String { (title.isEmpty ? "Treemap" : title) + ", \(drawnItems.count) items" }

    /// The items that get a rectangle, largest first (ties keep input order).
    var drawnItems: [(index: Int, item: Item)] {
        items.enumerated().filter { $0.element.value.isFinite && $0.element.value > 0 }
            .sorted { $0.element.value != $1.element.value ? $0.element.value > $1.element.value : $0.offset < $1.offset }
            .map { ($0.offset, $0.element) }
    }

    /// Squarified layout of `values` (sorted descending) in `rect`.
    static func squarify(_ values: [Double], in rect: HeatmapRect) -> [HeatmapRect] {
        let total = values.reduce(0, +)
        guard total > 0, rect.width > 0, rect.height > 0 else { return values.map { _ in HeatmapRect(x: rect.x, y: rect.y, width: 0, height: 0) } }
        let scale = rect.width * rect.height / total
        let areas = values.map { $0 * scale }
        var result: [HeatmapRect] = []
        var free = rect
        var i = 0
        func worst(_ row: [Double], _ side: Double) -> Double {
            let sum = row.reduce(0, +)
            guard sum > 0, side > 0 else { return .infinity }
            let maxA = row.max()!, minA = row.min()!
            return max(side * side * maxA / (sum * sum), sum * sum / (side * side * minA))
        }
        while i < areas.count {
            let side = min(free.width, free.height)
            var row = [areas[i]]
            var j = i + 1
            while j < areas.count {
                let candidate = row + [areas[j]]
                if worst(candidate, side) <= worst(row, side) { row = candidate; j += 1 } else { break }
            }
            // Lay the row along the shorter side.
            let sum = row.reduce(0, +)
            let last = j == areas.count
            if free.width >= free.height {
                let w = last ? free.width : sum / free.height
                var y = free.y
                for (k, a) in row.enumerated() {
                    let h = k == row.count - 1 ? free.y + free.height - y : a / w
                    result.append(HeatmapRect(x: free.x, y: y, width: w, height: h))
                    y += h
                }
                free = HeatmapRect(x: free.x + w, y: free.y, width: free.width - w, height: free.height)
            } else {
                let h = last ? free.height : sum / free.width
                var x = free.x
                for (k, a) in row.enumerated() {
                    let w = k == row.count - 1 ? free.x + free.width - x : a / h
                    result.append(HeatmapRect(x: x, y: free.y, width: w, height: h))
                    x += w
                }
                free = HeatmapRect(x: free.x, y: free.y + h, width: free.width, height: free.height - h)
            }
            i = j
        }
        return result
    }

    public func svg() -> String {
        let drawn = drawnItems
        guard !drawn.isEmpty else {
            return ChartCanvas.empty(kind: "clt-treemap", title: title, label: ariaLabel, width: width, height: height)
        }
        var canvas = ChartCanvas(width: width, height: height)
        let top = canvas.title(title, top: ChartCanvas.margin)
        let area = HeatmapRect(x: ChartCanvas.margin, y: top + 4, width: width - 2 * ChartCanvas.margin,
                               height: height - top - 4 - ChartCanvas.margin)
        let total = drawn.reduce(0) { $0 + $1.item.value }
        let rects = Treemap.squarify(drawn.map(\.item.value), in: area)
        var tiles: [String] = [], labels: [String] = []
        for (k, entry) in drawn.enumerated() {
            let r = rects[k]
            let s = ChartStyle.seriesClass(k)
            let share = DisplayFormat.percent(entry.item.value / total)
            let tip = entry.item.tooltip ?? "\(entry.item.label): \(format(entry.item.value)) (\(share))"
            tiles.append(ChartCanvas.rectElement(x: r.x, y: r.y, width: r.width, height: r.height,
                                                 cls: "clt-mark clt-gap clt-s\(s)", tooltip: tip))
            // Labels only where they fit: name, then value and share on a second line.
            let pad = 6.0
            let size = r.width > 140 && r.height > 60 ? 13.0 : ChartStyle.smallSize
            guard r.width >= 44, r.height >= size + 2 * pad else { continue }
            let name = ChartText.truncate(entry.item.label, to: r.width - 2 * pad, size: size, bold: true)
            // A stub like "Hib…" says nothing: then the tooltip alone names the tile.
            guard name == entry.item.label || name.count >= 6 else { continue }
            let ink = "clt-on\(s)"
            labels.append(ChartCanvas.textElement(name, x: r.x + pad, y: r.y + pad + size / 2 + 1, size: size, cls: "\(ink) clt-title"))
            let detail = "\(format(entry.item.value)) \u{00B7} \(share)"
            if r.height >= 2 * size + 2 * pad + 4, ChartText.width(detail, size: ChartStyle.smallSize) <= r.width - 2 * pad {
                labels.append(ChartCanvas.textElement(detail, x: r.x + pad, y: r.y + pad + size + 4 + ChartStyle.smallSize / 2 + 1,
                                                      size: ChartStyle.smallSize, cls: ink))
            }
        }
        canvas.add("<g class=\"clt-tiles\" stroke-width=\"2\">" + tiles.joined() + "</g>")
        canvas.add("<g class=\"clt-tile-labels\" pointer-events=\"none\">" + labels.joined() + "</g>")
        return canvas.document(kind: "clt-treemap", label: ariaLabel)
    }
}
