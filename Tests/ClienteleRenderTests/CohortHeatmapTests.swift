import CZlib
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import ClienteleRender

// MARK: - Fixtures

/// Hand-made 3 x 3 triangle.
private func triangle() -> CohortHeatmap {
    CohortHeatmap(
        title: "Monthly cohort retention (share of cohort active)",
        rowLabels: ["2010-12", "2011-01", "2011-02"],
        columnLabels: ["0", "1", "2"],
        rates: [[1.0, 0.375, 0.2], [1.0, 0.5, nil], [1.0, nil, nil]],
        counts: [[8, 3, 2], [4, 2, nil], [10, nil, nil]],
        rowSizes: [8, 4, 10])
}

/// `rows` cohorts in a triangle with decaying rates.
private func decaying(rows: Int, columns: Int) -> CohortHeatmap {
    var rates: [[Double?]] = [], counts: [[Int?]] = [], sizes: [Int] = []
    for r in 0..<rows {
        let size = 300 + 37 * r
        sizes.append(size)
        var rateRow: [Double?] = [], countRow: [Int?] = []
        for c in 0..<columns {
            guard c < rows - r else { rateRow.append(nil); countRow.append(nil); continue }
            let rate = c == 0 ? 1.0 : 0.1 + 0.3 * exp(-Double(c) / 5)
            let n = Int((rate * Double(size)).rounded())
            rateRow.append(Double(n) / Double(size)); countRow.append(n)
        }
        rates.append(rateRow); counts.append(countRow)
    }
    let labels: [String] = (0..<rows).map { (r: Int) -> String in
        let year: Int = 2010 + (11 + r) / 12
        let month: Int = (11 + r) % 12 + 1
        return "\(year)-" + (month < 10 ? "0\(month)" : "\(month)")
    }
    let columnLabels: [String] = (0..<columns).map { String($0) }
    return CohortHeatmap(
        title: "Monthly cohort retention (share of cohort active)",
        rowLabels: labels, columnLabels: columnLabels, rates: rates, counts: counts, rowSizes: sizes)
}

private func empty() -> CohortHeatmap {
    CohortHeatmap(title: "Monthly cohort retention", rowLabels: [], columnLabels: [], rates: [], counts: [], rowSizes: [])
}

// MARK: - SVG parsing helper

/// Collects elements, attributes and the text content of `<text>` and `<title>` elements.
private final class SVGCollector: NSObject, XMLParserDelegate {
    struct Element { var name: String; var attributes: [String: String] }
    var elements: [Element] = []
    var texts: [(attributes: [String: String], content: String)] = []
    var titles: [String] = []
    var rootAttributes: [String: String] = [:]
    private var textDepth = 0
    private var inTitle = false
    private var buffer = ""
    private var currentTextAttributes: [String: String] = [:]

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if elements.isEmpty { rootAttributes = attributes }
        elements.append(Element(name: name, attributes: attributes))
        if name == "text" { textDepth += 1; buffer = ""; currentTextAttributes = attributes }
        if name == "title" { inTitle = true; buffer = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if textDepth > 0 || inTitle { buffer += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { textDepth -= 1; texts.append((currentTextAttributes, buffer)) }
        if name == "title" { inTitle = false; titles.append(buffer) }
    }

    var cellRects: [Element] { elements.filter { $0.name == "rect" && $0.attributes["class"] == "clt-mark" } }
    var cellTexts: [String] { texts.filter { $0.attributes["class"]?.hasPrefix("clt-ink-") == true }.map(\.content) }
    var allText: [String] { texts.map(\.content) }
}

private func parse(_ svg: String) throws -> SVGCollector {
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = SVGCollector()
    parser.delegate = collector
    let ok = parser.parse()
    #expect(ok, "SVG is not well-formed XML: \(String(describing: parser.parserError))")
    try #require(ok)
    return collector
}

// MARK: - PNG decoding helpers (independent of the encoder)

private struct Chunk { var type: String; var data: [UInt8]; var storedCRC: UInt32 }

private func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}

/// Plain bitwise CRC-32 (ISO 3309), not zlib's, to check the encoder independently.
private func referenceCRC(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
}

private func chunks(_ png: [UInt8]) throws -> [Chunk] {
    var result: [Chunk] = []
    var i = 8
    while i < png.count {
        try #require(i + 12 <= png.count, "truncated chunk header")
        let length = Int(be32(png, i))
        try #require(i + 12 + length <= png.count, "truncated chunk")
        let type = String(decoding: png[(i + 4)..<(i + 8)], as: UTF8.self)
        let data = Array(png[(i + 8)..<(i + 8 + length)])
        result.append(Chunk(type: type, data: data, storedCRC: be32(png, i + 8 + length)))
        i += 12 + length
    }
    return result
}

private func inflate(_ data: [UInt8], expected: Int) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: expected + 16) // room to notice extra bytes
    var outLength = uLongf(out.count)
    let status = data.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            uncompress(dst.baseAddress, &outLength, src.baseAddress, uLong(src.count))
        }
    }
    try #require(status == Z_OK, "zlib uncompress failed: \(status)")
    return Array(out[0..<Int(outLength)])
}

/// Undo PNG filtering for 8-bit RGB scanlines.
private func unfilter(_ raw: [UInt8], width: Int, height: Int) throws -> [UInt8] {
    let stride = width * 3
    var pixels = [UInt8](repeating: 0, count: stride * height)
    for y in 0..<height {
        let filter = raw[y * (stride + 1)]
        for i in 0..<stride {
            let x = Int(raw[y * (stride + 1) + 1 + i])
            let a = i >= 3 ? Int(pixels[y * stride + i - 3]) : 0
            let b = y > 0 ? Int(pixels[(y - 1) * stride + i]) : 0
            let c = (y > 0 && i >= 3) ? Int(pixels[(y - 1) * stride + i - 3]) : 0
            let predictor: Int
            switch filter {
            case 0: predictor = 0
            case 1: predictor = a
            case 2: predictor = b
            case 3: predictor = (a + b) / 2
            case 4:
                let p = a + b - c
                let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                predictor = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
            default:
                Issue.record("bad filter type \(filter) in row \(y)")
                throw CancellationError()
            }
            pixels[y * stride + i] = UInt8((x + predictor) & 0xFF)
        }
    }
    return pixels
}

private struct DecodedPNG { var width: Int; var height: Int; var pixels: [UInt8]
    func pixel(_ x: Int, _ y: Int) -> RGBColor {
        let i = (y * width + x) * 3
        return RGBColor(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2])
    }
}

/// Full structural validation; returns the decoded image.
private func decodePNG(_ png: [UInt8]) throws -> DecodedPNG {
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let list = try chunks(png)
    for chunk in list {
        let body = Array(chunk.type.utf8) + chunk.data
        #expect(referenceCRC(body) == chunk.storedCRC, "bad CRC in \(chunk.type)")
        let zlibCRC = body.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        #expect(zlibCRC == chunk.storedCRC)
    }
    try #require(list.first?.type == "IHDR")
    #expect(list.last?.type == "IEND")
    #expect(list.last?.data.isEmpty == true)
    let ihdr = list[0].data
    try #require(ihdr.count == 13)
    let width = Int(be32(ihdr, 0)), height = Int(be32(ihdr, 4))
    #expect(Array(ihdr[8...]) == [8, 2, 0, 0, 0], "8-bit RGB, deflate, no interlace")
    let idatIndices = list.indices.filter { list[$0].type == "IDAT" }
    try #require(!idatIndices.isEmpty)
    #expect(idatIndices == Array(idatIndices.first!...idatIndices.last!), "IDAT chunks must be consecutive")
    let stream = idatIndices.flatMap { list[$0].data }
    let raw = try inflate(stream, expected: height * (1 + width * 3))
    #expect(raw.count == height * (1 + width * 3))
    try #require(raw.count == height * (1 + width * 3))
    return DecodedPNG(width: width, height: height, pixels: try unfilter(raw, width: width, height: height))
}

// MARK: - SVG tests

@Suite("CohortHeatmap")
struct CohortHeatmapTests {
    @Test func svgIsWellFormedStandaloneDocument() throws {
        for heatmap in [triangle(), decaying(rows: 24, columns: 24), decaying(rows: 25, columns: 25),
                        decaying(rows: 1, columns: 1), empty()] {
            let svg = heatmap.svg()
            #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            let doc = try parse(svg)
            #expect(doc.elements.first?.name == "svg")
            #expect(doc.rootAttributes["xmlns"] == "http://www.w3.org/2000/svg")
            let size = heatmap.svgSize
            #expect(doc.rootAttributes["viewBox"] == "0 0 \(svgNumber(size.width)) \(svgNumber(size.height))")
            #expect(doc.rootAttributes["role"] == "img")
            // The charts' stylesheet, with a white background where CSS variables are not supported.
            #expect(doc.elements.contains { $0.name == "rect" && $0.attributes["class"] == "clt-bg" })
            #expect(svg.contains(".clt .clt-bg{fill:#ffffff;"))
            // Every text is at least 11 px.
            for element in doc.elements { if let size = element.attributes["font-size"].flatMap(Double.init) { #expect(size >= 11) } }
        }
    }

    @Test func oneRectPerNonNilCell() throws {
        for heatmap in [triangle(), decaying(rows: 24, columns: 24), decaying(rows: 1, columns: 1), empty()] {
            let expected = heatmap.rates.joined().compactMap { $0 }.count
            let doc = try parse(heatmap.svg())
            #expect(doc.cellRects.count == expected)
            #expect(heatmap.filledCellCount == expected)
        }
        // Non-finite rates and ragged rows are left blank too.
        let odd = CohortHeatmap(title: "t", rowLabels: ["a", "b"], columnLabels: ["0", "1", "2"],
                                rates: [[1, .nan, 0.5], [1]], counts: [], rowSizes: [])
        #expect(try parse(odd.svg()).cellRects.count == 3)
    }

    @Test func triangleShowsExpectedPercentagesAndTooltips() throws {
        let heatmap = triangle()
        let doc = try parse(heatmap.svg())
        #expect(doc.cellTexts == ["100%", "37.5%", "20.0%", "100%", "50.0%", "100%"])
        #expect(doc.titles.contains("Cohort 2010-12, month 1: 37.5% (3 of 8 customers)"))
        #expect(doc.titles.contains("Cohort 2011-01, month 1: 50.0% (2 of 4 customers)"))
        #expect(doc.titles.count == 6, "one per cell")
        #expect(doc.rootAttributes["aria-label"]?.hasPrefix("Monthly cohort retention (share of cohort active): ") == true)
        let texts = doc.allText
        for expected in ["Monthly cohort retention (share of cohort active)", "Months since first purchase",
                         "Cohort (first purchase month)", "2010-12 (n=8)", "2011-02 (n=10)", "0", "1", "2",
                         "0%", "100%"] {
            #expect(texts.contains(expected), "missing text \(expected)")
        }
        // Cell colours follow the colour scale.
        let fills = doc.cellRects.compactMap { $0.attributes["fill"] }
        #expect(fills[1] == heatmap.color(forRate: 0.375).hexString)
        #expect(fills[0] == heatmap.color(forRate: 1).hexString)
    }

    @Test func axisTitlesAreParameters() throws {
        var heatmap = triangle()
        heatmap.xAxisTitle = "Weeks since signup"
        heatmap.yAxisTitle = "Signup week"
        let texts = try parse(heatmap.svg()).allText
        #expect(texts.contains("Weeks since signup"))
        #expect(texts.contains("Signup week"))
        #expect(!texts.contains(CohortHeatmap.defaultXAxisTitle))
    }

    @Test func hostileTextIsEscaped() throws {
        let hostile = "<script>&\"'"
        var heatmap = triangle()
        heatmap.rowLabels[0] = hostile
        heatmap.columnLabels[1] = hostile
        heatmap.title = hostile + " title"
        heatmap.xAxisTitle = hostile
        let svg = heatmap.svg()
        #expect(!svg.contains("<script"))
        #expect(svg.contains("&lt;script&gt;&amp;&quot;&apos;"))
        let doc = try parse(svg)
        #expect(!doc.elements.contains { $0.name == "script" })
        #expect(doc.allText.contains(hostile + " (n=8)"))
        #expect(doc.allText.contains(hostile + " title"))
        #expect(doc.titles.contains("Cohort \(hostile), month \(hostile): 37.5% (3 of 8 customers)"))
        #expect(ChartCanvas.esc("a\u{1}b") == "a\u{FFFD}b")
    }

    @Test func noCohortsStillRenders() throws {
        let doc = try parse(empty().svg())
        #expect(doc.allText.contains("No cohorts"))
        #expect(doc.cellRects.isEmpty)
        // Rows but no columns is also "nothing to show".
        let noColumns = CohortHeatmap(title: "", rowLabels: ["2010-12"], columnLabels: [], rates: [[]], counts: [[]], rowSizes: [5])
        #expect(try parse(noColumns.svg()).allText.contains("No cohorts"))
        let decoded = try decodePNG(empty().png())
        #expect(decoded.width == empty().pngSize().width)
    }

    @Test func sizeAdaptsToShape() {
        let small = decaying(rows: 1, columns: 1).svgSize
        let large = decaying(rows: 25, columns: 25).svgSize
        #expect(small.width < large.width && small.height < large.height)
        #expect(large.width < 1800 && large.height < 1100, "25 x 25 stays on one screen")
        // Percentages are printed in every cell of a 25 x 25 grid.
        let layout = decaying(rows: 25, columns: 25).svgLayout()
        #expect(layout.showCellText)
        #expect(decaying(rows: 25, columns: 25).pngLayout(scale: 2).showCellText)
        #expect(triangle().svgLayout().cellText == .full)
    }

    /// Whether cell texts carry a decimal depends on the cell size only, not on which rates happen to be present.
    @Test func cellTextChoiceIgnoresTheRatesPresent() {
        func flat(_ rate: Double) -> CohortHeatmap {
            CohortHeatmap(title: "t", rowLabels: ["a", "b"], columnLabels: (0..<30).map(String.init),
                          rates: [[1] + Array(repeating: rate, count: 29), [1] + Array(repeating: rate, count: 29)],
                          counts: [], rowSizes: [])
        }
        for scale in [1, 2, 3] {
            #expect(flat(0.05).pngLayout(scale: scale).cellText == flat(0.375).pngLayout(scale: scale).cellText)
        }
        #expect(flat(0.05).svgLayout().cellText == flat(0.375).svgLayout().cellText)
    }

    @Test func layoutKeepsTextApart() {
        for heatmap in [triangle(), decaying(rows: 25, columns: 25), decaying(rows: 1, columns: 1)] {
            for layout in [heatmap.svgLayout(), heatmap.pngLayout(scale: 1), heatmap.pngLayout(scale: 3)] {
                // Headers above the grid, legend below it, everything inside the canvas.
                #expect(layout.columnLabelCenterY < layout.gridTop)
                #expect(layout.xAxisTitle.centerY < layout.columnLabelCenterY)
                #expect(layout.legendBar.y > layout.gridTop + layout.gridHeight)
                #expect(layout.legendTickLabelCenterY < layout.height)
                #expect(layout.gridLeft + layout.gridWidth <= layout.width)
                #expect(layout.legendBar.x + layout.legendBar.width <= layout.width)
                #expect(layout.rowLabelRight < layout.gridLeft)
            }
        }
    }

    // MARK: - Colour

    @Test(arguments: HeatmapPalette.allCases)
    func rampIsMonotoneInLuminance(palette: HeatmapPalette) {
        let samples = (0...400).map { palette.color(at: Double($0) / 400).relativeLuminance }
        let increasing = samples.last! > samples.first!
        for (a, b) in zip(samples, samples.dropFirst()) {
            #expect(increasing ? b >= a : b <= a)
        }
        #expect(abs(samples.last! - samples.first!) > 0.5, "ramp spans a wide luminance range")
        // The stops themselves are strictly monotone.
        let stops = palette.stops.map(\.relativeLuminance)
        for (a, b) in zip(stops, stops.dropFirst()) { #expect(increasing ? b > a : b < a) }
    }

    @Test(arguments: HeatmapColorScale.allCases)
    func colorScaleIsMonotone(scale: HeatmapColorScale) {
        let positions = (0...100).map { scale.position(of: Double($0) / 100) }
        #expect(positions.first == 0 && positions.last == 1)
        for (a, b) in zip(positions, positions.dropFirst()) { #expect(b > a) }
        #expect(scale.position(of: 2) == 1 && scale.position(of: -1) == 0 && scale.position(of: .nan) == 0)
    }

    @Test(arguments: HeatmapPalette.allCases)
    func cellTextHasContrast(palette: HeatmapPalette) {
        for i in 0...100 {
            let fill = palette.color(at: Double(i) / 100)
            #expect(fill.contrastRatio(with: ChartStyle.ink(on: fill)) >= 4.0)
        }
    }

    @Test func percentFormatting() {
        #expect(CohortHeatmap.percentText(0.375, decimals: true) == "37.5%")
        #expect(CohortHeatmap.percentText(0.375, decimals: false) == "38%")
        #expect(CohortHeatmap.percentText(1, decimals: true) == "100%")
        #expect(CohortHeatmap.percentText(0.2, decimals: true) == "20.0%")
        #expect(CohortHeatmap.percentText(0.0004, decimals: true) == "0.0%")
        #expect(CohortHeatmap.percentText(0.9996, decimals: true) == "100%")
        #expect(CohortHeatmap.grouped(1234567) == "1,234,567")
        #expect(CohortHeatmap.grouped(948) == "948")
    }

    // MARK: - PNG

    @Test(arguments: [1, 2, 3])
    func pngIsValidAndMatchesTheRaster(scale: Int) throws {
        let heatmap = triangle()
        let png = heatmap.png(scale: scale)
        let decoded = try decodePNG(png)
        let size = heatmap.pngSize(scale: scale)
        #expect(decoded.width == size.width && decoded.height == size.height)
        // The decoded pixels are exactly the rasterised image.
        let image = heatmap.image(scale: scale)
        #expect(decoded.pixels == image.pixels)

        // A pixel inside cell (0, 1) near its corner (away from the text) has the cell colour.
        let cell = heatmap.pngCellRect(row: 0, column: 1, scale: scale)
        #expect(cell.width > 4 && cell.height > 4)
        #expect(decoded.pixel(cell.x + 1, cell.y + 1) == heatmap.color(forRate: 0.375))
        #expect(decoded.pixel(cell.x + cell.width - 2, cell.y + cell.height - 2) == heatmap.color(forRate: 0.375))
        let first = heatmap.pngCellRect(row: 2, column: 0, scale: scale)
        #expect(decoded.pixel(first.x + 1, first.y + 1) == heatmap.color(forRate: 1))
        // An empty cell stays white.
        let blank = heatmap.pngCellRect(row: 2, column: 2, scale: scale)
        #expect(decoded.pixel(blank.x + blank.width / 2, blank.y + blank.height / 2) == .white)
        // Text is drawn in the cell (some pixels differ from the fill).
        var differing = 0
        for y in cell.y..<(cell.y + cell.height) {
            for x in cell.x..<(cell.x + cell.width) where decoded.pixel(x, y) != heatmap.color(forRate: 0.375) {
                differing += 1
            }
        }
        #expect(differing > 10)
    }

    @Test func largePNGDecodes() throws {
        let heatmap = decaying(rows: 25, columns: 25)
        let decoded = try decodePNG(heatmap.png())
        let size = heatmap.pngSize()
        #expect(decoded.width == size.width && decoded.height == size.height)
        #expect(size.width > 1000 && size.width < 2400)
        let cell = heatmap.pngCellRect(row: 24, column: 0)
        #expect(decoded.pixel(cell.x + 1, cell.y + 1) == heatmap.color(forRate: 1))
    }

    @Test func pngEncoderRoundTripsNoisyImage() throws {
        // Noise exercises every filter type.
        var image = RGBImage(width: 37, height: 23)
        var seed: UInt32 = 12345
        for y in 0..<image.height {
            for x in 0..<image.width {
                seed = seed &* 1_103_515_245 &+ 12345
                image[x, y] = (x + y) % 3 == 0
                    ? RGBColor(r: UInt8(truncatingIfNeeded: seed >> 16), g: UInt8(truncatingIfNeeded: seed >> 8), b: UInt8(truncatingIfNeeded: seed))
                    : RGBColor(r: UInt8(x * 6), g: UInt8(y * 10), b: 77)
            }
        }
        let decoded = try decodePNG(PNGEncoder.encode(image))
        #expect(decoded.width == 37 && decoded.height == 23)
        #expect(decoded.pixels == image.pixels)
    }

    @Test func bitmapFontCoversPrintableASCII() {
        let font = BitmapFont.standard
        for value in 33...126 {
            let glyph = font.glyph(forScalar: value)
            #expect((0..<font.lineHeight).contains { r in (0..<glyph.width).contains { glyph.ink(column: $0, row: r) } },
                    "glyph \(value) has no ink")
        }
        #expect(font.width(of: "0", scale: 1) == 5)
        #expect(font.width(of: "00", scale: 2) == 22)
        #expect(font.width(of: "", scale: 2) == 0)
        // Unknown characters fall back instead of crashing.
        #expect(font.width(of: "\u{1F600}", scale: 1) == font.width(of: "?", scale: 1))
    }
}
