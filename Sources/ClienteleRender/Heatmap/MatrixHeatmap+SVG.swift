// The heatmap as an SVG chart (the charts' stylesheet and classes, so it follows the page's theme; standalone
// as a file too): the layout of HeatmapLayout.swift, text truncated or thinned out where cells are small.

extension MatrixHeatmap {
    struct SVGFonts {
        var title = ChartStyle.titleSize
        var axisTitle = ChartStyle.axisTitleSize
        var label = ChartStyle.labelSize
        var cell = ChartStyle.smallSize
    }

    func svgFonts() -> SVGFonts {
        var fonts = SVGFonts()
        fonts.cell = columnCount <= 14 ? ChartStyle.labelSize : ChartStyle.smallSize
        return fonts
    }

    func svgLayout() -> HeatmapLayout {
        let fonts = svgFonts()
        let metrics = HeatmapMetrics(
            margin: 16, titleBox: 26, labelBox: 18, titleGap: 10, rowGap: 4, labelPad: 10,
            cellHeight: rowCount > 15 ? 26 : 30, cellGap: 2, cellPadding: 3,
            gridWidthBudget: 1000, cellWidthRange: 42...68,
            legendGap: 22, legendBarHeight: 12, legendWidthRange: 240...360, tickLength: 4,
            emptyHeight: 120, minEmptyWidth: 480, integral: false, cellTextHeight: fonts.cell,
            titleWidth: { ChartText.width($0, size: fonts.title, bold: true) },
            axisTitleWidth: { ChartText.width($0, size: fonts.axisTitle, bold: true) },
            labelWidth: { ChartText.width($0, size: fonts.label) },
            cellTextWidth: { ChartText.width($0, size: fonts.cell) })
        return HeatmapLayout.make(self, metrics)
    }

    /// Size of the SVG canvas in user units (pixels).
    public var svgSize: (width: Double, height: Double) {
        let layout = svgLayout()
        return (layout.width, layout.height)
    }

    /// The heatmap as an SVG document (`<svg class="clt clt-heatmap">`, usable inline and as a file).
    public func svg() -> String {
        let layout = svgLayout()
        let fonts = svgFonts()
        var canvas = ChartCanvas(width: layout.width, height: layout.height)

        /// `s` truncated to `width` (the full text as tooltip) at `spot`.
        func put(_ s: String, _ spot: HeatmapTextSpot, width: Double, size: Double, bold: Bool = false, cls: String? = nil) {
            let shown = ChartText.truncate(s, to: width, size: size, bold: bold)
            canvas.text(shown, x: spot.x, y: spot.centerY, size: size, anchor: ChartAnchor(spot.anchor), cls: cls,
                        tooltip: shown == s ? nil : s)
        }

        let m = layout.margin
        if let spot = layout.title {
            put(title, spot, width: layout.width - 2 * m, size: fonts.title, bold: true, cls: "clt-title")
        }
        if let spot = layout.emptyMessage {
            canvas.text(emptyText, x: spot.x, y: spot.centerY, size: 14, anchor: .middle, cls: "clt-empty")
            return canvas.document(kind: "clt-heatmap", label: ariaLabel, empty: true)
        }

        // Axis titles; column labels thinned out and truncated when the cells are narrow.
        put(xAxisTitle, layout.xAxisTitle, width: max(layout.gridWidth, layout.width - layout.gridLeft - m),
             size: fonts.axisTitle, bold: true, cls: "clt-axis-title")
        // Left-aligned on the x-axis title's line (fitted to a page): up to where the centred x-axis title starts.
        let xTitleLeft = layout.gridLeft + (layout.gridWidth - ChartText.width(xAxisTitle, size: fonts.axisTitle, bold: true)) / 2
        put(yAxisTitle, layout.yAxisTitle, width: layout.yAxisTitle.anchor == .start ? max(layout.leftWidth, xTitleLeft - m - 12) : layout.leftWidth,
            size: fonts.axisTitle, bold: true, cls: "clt-axis-title")
        let plan = ChartAxes.categoryLabelPlan((0..<layout.columns).map(columnLabel), spacing: layout.cellWidth, minimumWidth: 40)
        var labels: [String] = []
        for c in 0..<layout.columns where plan.shows(c) {
            let label = columnLabel(c)
            let shown = ChartText.truncate(label, to: plan.maxWidth, size: fonts.label)
            labels.append(ChartCanvas.textElement(shown, x: layout.columnCenterX(c), y: layout.columnLabelCenterY, size: fonts.label,
                                                  anchor: .middle, tooltip: shown == label ? nil : label))
        }
        // Row labels (every one while rows are at least 14 high), the note in a lighter tone.
        let rowEvery = max(Int((14 / layout.cellHeight).rounded(.up)), 1)
        for r in 0..<layout.rows where r % rowEvery == 0 {
            let label = rowLabel(r), note = rowNote(r)
            let x = ChartCanvas.n(layout.rowLabelRight), y = ChartCanvas.n(layout.rowCenterY(r) + 0.36 * fonts.label)
            if ChartText.width(label + note, size: fonts.label) <= layout.leftWidth {
                let noteElement = note.isEmpty ? "" : "<tspan class=\"clt-muted\">\(ChartCanvas.esc(note))</tspan>"
                labels.append("<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(ChartCanvas.n(fonts.label))\" text-anchor=\"end\">"
                              + ChartCanvas.esc(label) + noteElement + "</text>")
            } else {
                let shown = ChartText.truncate(label, to: layout.leftWidth, size: fonts.label)
                labels.append(ChartCanvas.textElement(shown, x: layout.rowLabelRight, y: layout.rowCenterY(r), size: fonts.label,
                                                      anchor: .end, tooltip: shown == label ? (note.isEmpty ? nil : label + note) : label + note))
            }
        }
        canvas.add("<g class=\"clt-tick\">" + labels.joined() + "</g>")

        // Cells: coloured ones with their tooltip and (when it fits) text; empty ones as an outline.
        var cells: [String] = [], empties: [String] = [], texts: [String] = []
        let domain = effectiveDomain ?? 0...1
        for r in 0..<layout.rows {
            for c in 0..<layout.columns {
                let rect = layout.cellRect(row: r, column: c)
                guard let v = value(row: r, column: c) else {
                    empties.append(ChartCanvas.rectElement(x: rect.x + 0.5, y: rect.y + 0.5, width: rect.width - 1,
                                                           height: rect.height - 1, cls: "clt-nil"))
                    continue
                }
                let fill = palette.color(at: rampPosition(of: v, in: domain))
                cells.append(ChartCanvas.rectElement(x: rect.x, y: rect.y, width: rect.width, height: rect.height, cls: "clt-mark",
                                                     fill: fill, tooltip: tooltip(row: r, column: c)))
                if let t = text(row: r, column: c, layout.cellText) {
                    let ink = ChartStyle.ink(on: fill) == .white ? "clt-ink-l" : "clt-ink-d"
                    texts.append(ChartCanvas.textElement(t, x: rect.x + rect.width / 2, y: rect.y + rect.height / 2, size: fonts.cell,
                                                         anchor: .middle, cls: ink))
                }
            }
        }
        if !empties.isEmpty { canvas.add("<g class=\"clt-empty-cells\">" + empties.joined() + "</g>") }
        canvas.add("<g class=\"clt-cells\">" + cells.joined() + "</g>")
        if !texts.isEmpty { canvas.add("<g class=\"clt-cell-text\" pointer-events=\"none\">" + texts.joined() + "</g>") }

        // Legend: the ramp in 48 steps (PDF has no gradients), the caption, ticks with their values.
        let bar = layout.legendBar
        let steps = 48
        var legend: [String] = []
        for i in 0..<steps {
            legend.append(ChartCanvas.rectElement(x: bar.x + Double(i) * bar.width / Double(steps), y: bar.y, width: bar.width / Double(steps) + 0.6,
                                                  height: bar.height, cls: "clt-ramp", fill: palette.color(at: Double(i) / Double(steps - 1))))
        }
        if !legendTitle.isEmpty {
            let shown = ChartText.truncate(legendTitle, to: layout.leftWidth, size: fonts.label)
            legend.append(ChartCanvas.textElement(shown, x: layout.legendCaption.x, y: layout.legendCaption.centerY, size: fonts.label,
                                                  anchor: .end, tooltip: shown == legendTitle ? nil : legendTitle))
        }
        for tick in legendTicks(in: domain) {
            let x = bar.x + tick.position * bar.width
            let n = ChartCanvas.n
            legend.append("<line x1=\"\(n(x))\" y1=\"\(n(bar.y + bar.height))\" x2=\"\(n(x))\" y2=\"\(n(bar.y + bar.height + layout.tickLength))\" class=\"clt-axis\"/>")
            legend.append(ChartCanvas.textElement(format(tick.value), x: x, y: layout.legendTickLabelCenterY, size: ChartStyle.smallSize,
                                                  anchor: .middle, cls: "clt-muted"))
        }
        canvas.add("<g class=\"clt-legend\" shape-rendering=\"crispEdges\">" + legend.joined() + "</g>")
        return canvas.document(kind: "clt-heatmap", label: ariaLabel)
    }
}

extension ChartAnchor {
    init(_ anchor: HeatmapTextAnchor) {
        switch anchor {
        case .start: self = .start
        case .middle: self = .middle
        case .end: self = .end
        }
    }
}
