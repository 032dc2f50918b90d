// A heatmap rasterised in pure Swift: filled rectangles, the embedded bitmap font and the PNG encoder. The image
// is always sized to its content (`.content` sizing), whatever the heatmap's `sizing`.

extension MatrixHeatmap {
    /// Valid range of the `scale` argument of the PNG functions.
    public static let pngScaleRange = 1...8

    static let titleColor = RGBColor(hex: 0x111827)
    static let axisTitleColor = RGBColor(hex: 0x1F2937)
    static let labelColor = RGBColor(hex: 0x374151)
    static let secondaryColor = RGBColor(hex: 0x6B7280)
    static let legendBorderColor = RGBColor(hex: 0xD1D5DB)

    /// The heatmap as an 8-bit RGB PNG. `scale` multiplies every size (and the
    /// font's pixel size): 1 is compact, 2 (default) suits slides and screens.
    /// It is clamped to `pngScaleRange` (and lowered for gigantic matrices).
    public func png(scale: Int = 2) -> [UInt8] {
        PNGEncoder.encode(image(scale: scale))
    }

    /// Pixel size of the image `png(scale:)` produces.
    public func pngSize(scale: Int = 2) -> (width: Int, height: Int) {
        let layout = pngLayout(scale: scale)
        return (Int(layout.width), Int(layout.height))
    }

    /// The painted rectangle of a cell in the PNG, in pixels.
    public func pngCellRect(row: Int, column: Int, scale: Int = 2) -> (x: Int, y: Int, width: Int, height: Int) {
        let rect = pngLayout(scale: scale).cellRect(row: row, column: column)
        return (Int(rect.x), Int(rect.y), Int(rect.width), Int(rect.height))
    }

    struct PNGFonts {
        let scale: Int
        /// 1.5 times the body size, rounded up (title glyph pixels stay whole pixels).
        var title: Int { (3 * scale + 1) / 2 }
        var body: Int { scale }
    }

    /// Largest image produced (pixels); bigger requests get a smaller scale.
    static let maxPixelCount = 64_000_000

    /// `scale` clamped to `pngScaleRange` and lowered while the image would
    /// exceed `maxPixelCount` pixels.
    func effectivePNGScale(_ requested: Int) -> Int {
        var scale = min(max(requested, MatrixHeatmap.pngScaleRange.lowerBound), MatrixHeatmap.pngScaleRange.upperBound)
        while scale > 1 {
            let layout = pngLayout(exactScale: scale)
            if layout.width * layout.height <= Double(MatrixHeatmap.maxPixelCount) { break }
            scale -= 1
        }
        return scale
    }

    func pngLayout(scale: Int) -> HeatmapLayout {
        pngLayout(exactScale: effectivePNGScale(scale))
    }

    func pngLayout(exactScale scale: Int) -> HeatmapLayout {
        let s = Double(scale)
        let fonts = PNGFonts(scale: scale)
        let font = BitmapFont.standard
        let metrics = HeatmapMetrics(
            margin: 14 * s, titleBox: 16 * s, labelBox: 11 * s, titleGap: 6 * s, rowGap: 3 * s, labelPad: 6 * s,
            cellHeight: (rowCount > 15 ? 15 : 18) * s, cellGap: 1 * s, cellPadding: 2 * s,
            gridWidthBudget: 720 * s, cellWidthRange: (28 * s)...(42 * s),
            legendGap: 12 * s, legendBarHeight: 7 * s, legendWidthRange: (140 * s)...(210 * s), tickLength: 3 * s,
            emptyHeight: 60 * s, minEmptyWidth: 280 * s, integral: true, cellTextHeight: Double(font.capHeight * fonts.body),
            titleWidth: { Double(font.width(of: $0, scale: fonts.title, bold: true)) },
            axisTitleWidth: { Double(font.width(of: $0, scale: fonts.body, bold: true)) },
            labelWidth: { Double(font.width(of: $0, scale: fonts.body)) },
            cellTextWidth: { Double(font.width(of: $0, scale: fonts.body)) })
        var content = self
        content.sizing = .content
        return HeatmapLayout.make(content, metrics)
    }

    /// Rasterise the heatmap.
    public func image(scale rawScale: Int = 2) -> RGBImage {
        let scale = effectivePNGScale(rawScale)
        let layout = pngLayout(exactScale: scale)
        let fonts = PNGFonts(scale: scale)
        var canvas = RGBImage(width: Int(layout.width), height: Int(layout.height), background: .white)
        var pen = TextPen(font: .standard)

        if let spot = layout.title {
            pen.draw(title, at: spot, scale: fonts.title, color: MatrixHeatmap.titleColor, bold: true, on: &canvas)
        }
        if let spot = layout.emptyMessage {
            pen.draw(emptyText, at: spot, scale: fonts.title, color: MatrixHeatmap.secondaryColor, on: &canvas)
            return canvas
        }

        pen.draw(xAxisTitle, at: layout.xAxisTitle, scale: fonts.body, color: MatrixHeatmap.axisTitleColor, bold: true, on: &canvas)
        pen.draw(yAxisTitle, at: layout.yAxisTitle, scale: fonts.body, color: MatrixHeatmap.axisTitleColor, bold: true, on: &canvas)
        for c in 0..<layout.columns {
            pen.draw(columnLabel(c), at: HeatmapTextSpot(x: layout.columnCenterX(c), centerY: layout.columnLabelCenterY, anchor: .middle),
                     scale: fonts.body, color: MatrixHeatmap.labelColor, on: &canvas)
        }
        for r in 0..<layout.rows {
            let label = rowLabel(r), note = rowNote(r)
            let noteWidth = Double(pen.font.width(of: note, scale: fonts.body))
            let gap = note.isEmpty || label.isEmpty ? 0.0 : Double(pen.font.spacing * fonts.body)
            let cy = layout.rowCenterY(r)
            pen.draw(note, at: HeatmapTextSpot(x: layout.rowLabelRight, centerY: cy, anchor: .end),
                     scale: fonts.body, color: MatrixHeatmap.secondaryColor, on: &canvas)
            pen.draw(label, at: HeatmapTextSpot(x: layout.rowLabelRight - noteWidth - gap, centerY: cy, anchor: .end),
                     scale: fonts.body, color: MatrixHeatmap.labelColor, on: &canvas)
        }

        // Cells (empty ones stay white).
        let domain = effectiveDomain ?? 0...1
        for r in 0..<layout.rows {
            for c in 0..<layout.columns {
                guard let v = value(row: r, column: c) else { continue }
                let rect = layout.cellRect(row: r, column: c)
                let fill = palette.color(at: rampPosition(of: v, in: domain))
                canvas.fill(x: Int(rect.x), y: Int(rect.y), width: Int(rect.width), height: Int(rect.height), color: fill)
                if let t = text(row: r, column: c, layout.cellText) {
                    pen.draw(t, at: HeatmapTextSpot(x: rect.x + rect.width / 2, centerY: rect.y + rect.height / 2, anchor: .middle),
                             scale: fonts.body, color: ChartStyle.ink(on: fill), on: &canvas)
                }
            }
        }

        // Legend.
        let bar = layout.legendBar
        let bx = Int(bar.x), by = Int(bar.y), bw = Int(bar.width), bh = Int(bar.height)
        if !legendTitle.isEmpty {
            pen.draw(legendTitle, at: layout.legendCaption, scale: fonts.body, color: MatrixHeatmap.labelColor, on: &canvas)
        }
        for i in 0..<bw {
            let t = bw > 1 ? Double(i) / Double(bw - 1) : 0
            canvas.fill(x: bx + i, y: by, width: 1, height: bh, color: palette.color(at: t))
        }
        canvas.stroke(x: bx - 1, y: by - 1, width: bw + 2, height: bh + 2, thickness: 1, color: MatrixHeatmap.legendBorderColor)
        let tickWidth = max(1, scale)
        for tick in legendTicks(in: domain) {
            let x = bx + Int((tick.position * Double(bw - 1)).rounded())
            let tx = min(max(x - tickWidth / 2, bx), bx + bw - tickWidth)
            canvas.fill(x: tx, y: by + bh + 1, width: tickWidth, height: Int(layout.tickLength), color: MatrixHeatmap.secondaryColor)
            pen.draw(format(tick.value),
                     at: HeatmapTextSpot(x: Double(tx) + Double(tickWidth) / 2, centerY: layout.legendTickLabelCenterY, anchor: .middle),
                     scale: fonts.body, color: MatrixHeatmap.secondaryColor, on: &canvas)
        }
        return canvas
    }
}

/// Draws bitmap-font text, caching glyph coverage masks per scale.
struct TextPen {
    let font: BitmapFont
    private var cache: [Int: [UInt8]] = [:]

    init(font: BitmapFont) { self.font = font }

    /// Draw `text` anchored at `spot` (capital letters vertically centred on `spot.centerY`).
    mutating func draw(_ text: String, at spot: HeatmapTextSpot, scale: Int, color: RGBColor,
                       bold: Bool = false, on canvas: inout RGBImage) {
        guard !text.isEmpty else { return }
        let width = Double(font.width(of: text, scale: scale, bold: bold))
        var x: Double
        switch spot.anchor {
        case .start: x = spot.x
        case .middle: x = spot.x - width / 2
        case .end: x = spot.x - width
        }
        var penX = Int(x.rounded())
        let top = Int((spot.centerY - Double(font.capHeight * scale) / 2).rounded())
        let boldOffset = bold ? BitmapFont.boldOffset(scale) : 0
        for character in text {
            let value = BitmapFont.asciiFallback(character.unicodeScalars.first.map { Int($0.value) } ?? 63)
            let glyph = font.glyph(forScalar: value)
            let mask = coverage(value, glyph, scale, boldOffset)
            let gw = glyph.width * scale + boldOffset, gh = font.lineHeight * scale
            for gy in 0..<gh {
                for gx in 0..<gw {
                    let a = mask[gy * gw + gx]
                    if a > 0 { canvas.blend(x: penX + gx, y: top + gy, color: color, alpha: a) }
                }
            }
            penX += glyph.width * scale + font.spacing * scale
        }
    }

    /// Coverage of one glyph; with `boldOffset > 0` the glyph is widened by
    /// that many pixels, taking the maximum of the plain and the shifted mask.
    private mutating func coverage(_ value: Int, _ glyph: BitmapGlyph, _ scale: Int, _ boldOffset: Int) -> [UInt8] {
        let key = (value * 64 + scale) * 16 + boldOffset
        if let hit = cache[key] { return hit }
        var mask = font.coverage(of: glyph, scale: scale)
        if boldOffset > 0 {
            let w = glyph.width * scale, h = font.lineHeight * scale, bw = w + boldOffset
            var bold = [UInt8](repeating: 0, count: bw * h)
            for y in 0..<h {
                for x in 0..<bw {
                    let plain = x < w ? mask[y * w + x] : 0
                    let shifted = x >= boldOffset ? mask[y * w + x - boldOffset] : 0
                    bold[y * bw + x] = max(plain, shifted)
                }
            }
            mask = bold
        }
        cache[key] = mask
        return mask
    }
}
