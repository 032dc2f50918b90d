import Foundation
import Testing
@testable import ClienteleRender
import ClienteleCore

// MARK: - Helpers

/// A poppler tool (`pdfinfo`, `pdftotext`, `pdftoppm`) if installed.
private func popplerTool(_ name: String) -> String? {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/bin", "/usr/local/bin"]
    for dir in dirs {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

private let popplerAvailable = ["pdfinfo", "pdftotext", "pdftoppm"].allSatisfy { popplerTool($0) != nil }
private let popplerMissing = "poppler-utils is not installed (apt-get install -y poppler-utils): PDF rendering checks skipped"

/// Runs a tool; returns its standard output.
@discardableResult
private func run(_ tool: String, _ args: [String]) throws -> Data {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: popplerTool(tool) ?? tool)
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    if p.terminationStatus != 0 {
        throw PDFTestFailure("\(tool) \(args.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
    }
    return data
}

private struct PDFTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A fresh directory for one test's files (kept for inspection).
private func outputDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clientele-pdf-tests/\(name)")
    try? FileManager.default.removeItem(at: dir)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// `data` written as `file` in a fresh directory for the test `name`; the directory is the URL's parent.
private func savedPDF(_ data: Data, test name: String, file: String) throws -> URL {
    let url = try outputDirectory(name).appendingPathComponent(file)
    try data.write(to: url)
    return url
}

/// `pdftotext` output with all runs of whitespace collapsed to one space.
private func extractedText(_ pdf: URL, page: Int? = nil) throws -> String {
    var args = ["-enc", "UTF-8"]
    if let page { args += ["-f", "\(page)", "-l", "\(page)"] }
    let text = String(decoding: try run("pdftotext", args + [pdf.path, "-"]), as: UTF8.self)
    return text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

/// `pdfinfo` as key -> value.
private func pdfInfo(_ pdf: URL) throws -> [String: String] {
    let text = String(decoding: try run("pdfinfo", [pdf.path]), as: UTF8.self)
    var out: [String: String] = [:]
    for line in text.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return out
}

/// A rendered page as RGB pixels (via `pdftoppm -ppm`), at `dpi` dots per inch.
private struct Raster {
    var width: Int, height: Int, pixels: [UInt8]
    let dpi: Double
    func color(_ x: Int, _ y: Int) -> (Int, Int, Int) {
        let i = (y * width + x) * 3
        return (Int(pixels[i]), Int(pixels[i + 1]), Int(pixels[i + 2]))
    }
    /// Pixels of a rectangle given in points.
    func pixels(in r: PDFRect) -> [(Int, Int, Int)] {
        let s = dpi / 72
        let x0 = max(0, Int(r.x * s)), x1 = min(width - 1, Int(r.maxX * s))
        let y0 = max(0, Int(r.y * s)), y1 = min(height - 1, Int(r.maxY * s))
        var out: [(Int, Int, Int)] = []
        guard x0 <= x1, y0 <= y1 else { return out }
        for y in y0...y1 { for x in x0...x1 { out.append(color(x, y)) } }
        return out
    }
    func count(of c: RGBColor, in r: PDFRect, tolerance: Int = 3) -> Int {
        pixels(in: r).filter { abs($0.0 - Int(c.r)) <= tolerance && abs($0.1 - Int(c.g)) <= tolerance && abs($0.2 - Int(c.b)) <= tolerance }.count
    }
}

private func render(_ pdf: URL, page: Int, dpi: Double = 72) throws -> Raster {
    let data = try run("pdftoppm", ["-r", "\(Int(dpi))", "-f", "\(page)", "-l", "\(page)", pdf.path])
    // P6 header: "P6\n<w> <h>\n255\n" then RGB bytes.
    let bytes = [UInt8](data)
    var fields: [String] = [], i = 0, current = ""
    while fields.count < 4 && i < bytes.count {
        let c = bytes[i]
        if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
            if !current.isEmpty { fields.append(current); current = "" }
        } else { current.append(Character(Unicode.Scalar(c))) }
        i += 1
    }
    guard fields.count == 4, fields[0] == "P6", let w = Int(fields[1]), let h = Int(fields[2]) else {
        throw PDFTestFailure("pdftoppm did not return a PPM image")
    }
    return Raster(width: w, height: h, pixels: Array(bytes[i..<(i + w * h * 3)]), dpi: dpi)
}

// MARK: - Sample charts (the real chart types)

private enum SampleCharts {
    static let months = ["2011-01", "2011-02", "2011-03", "2011-04", "2011-05", "2011-06",
                         "2011-07", "2011-08", "2011-09", "2011-10", "2011-11", "2011-12"]

    static var bar: String {
        BarChart(title: "Customers per segment", labels: ["Champions", "Loyal", "Potential", "At risk", "Hibernating"],
                 values: [412, 980, 655, 233, 1_204], categoryAxisTitle: "Segment", valueAxisTitle: "Customers",
                 showValueLabels: true, format: { DisplayFormat.integer(Int($0)) }).svg()
    }
    static var horizontalBar: String {
        BarChart(title: "Revenue by country", labels: ["United Kingdom", "Netherlands", "EIRE", "Germany", "France"],
                 values: [7_300_000, 285_000, 265_000, 228_000, 197_000], categoryAxisTitle: "Country",
                 valueAxisTitle: "Revenue", horizontal: true, showValueLabels: true).svg()
    }
    static var stacked: String {
        StackedBarChart(title: "Revenue by customer type", categories: Array(months.suffix(6)),
                        series: [ChartSeries(name: "New", values: [120_000, 98_000, 140_500, 88_000, 131_000, 40_500]),
                                 ChartSeries(name: "Returning", values: [610_000, 702_000, 650_000, 720_000, 810_000, 250_000])],
                        categoryAxisTitle: "Month", valueAxisTitle: "Revenue (GBP)", showTotals: true).svg()
    }
    static var line: String {
        LineChart(title: "Active customers", x: .categories(months),
                  series: [ChartSeries(name: "Active", values: [948, 1_020, 1_100, 1_050, 1_180, 1_240, 1_205, 1_300, 1_420, 1_510, 1_650, 1_200])],
                  xAxisTitle: "Month", yAxisTitle: "Customers", format: { DisplayFormat.integer(Int($0)) }, area: true).svg()
    }
    static var multiLine: String {
        LineChart(title: "Orders and returns", x: .categories(months),
                  series: [ChartSeries(name: "Orders", values: [300, 320, 340, 310, 360, 390, 400, 420, 450, 500, 560, 380]),
                           ChartSeries(name: "Returns", values: [20, 25, 22, nil, 30, 28, 35, 33, 31, 40, 45, 30])],
                  xAxisTitle: "Month", yAxisTitle: "Orders").svg()
    }
    static var treemap: String {
        Treemap(title: "Revenue by country", items: [
            .init(label: "United Kingdom", value: 7_300_000), .init(label: "Netherlands", value: 285_000),
            .init(label: "EIRE", value: 265_000), .init(label: "Germany", value: 228_000),
            .init(label: "France", value: 197_000), .init(label: "Australia", value: 137_000),
            .init(label: "Spain", value: 61_000), .init(label: "Switzerland", value: 56_000),
        ]).svg()
    }
    static var donut: String {
        DonutChart(title: "Revenue by segment", slices: [
            .init(label: "Champions", value: 4.1e6), .init(label: "Loyal", value: 2.2e6),
            .init(label: "At risk", value: 0.6e6), .init(label: "Other", value: 0.9e6),
        ], centerLabel: "7.8M", centerCaption: "Revenue").svg()
    }
    static var heatmap: String {
        var grid: [[Double?]] = []
        var texts: [[String?]] = []
        for r in 0..<5 {
            var row: [Double?] = [], textRow: [String?] = []
            for c in 0..<5 {
                let v: Double? = r == 4 && c == 4 ? nil : Double((r + 1) * (c + 2) * 7)
                row.append(v)
                textRow.append(v.map { DisplayFormat.integer(Int($0)) })
            }
            grid.append(row); texts.append(textRow)
        }
        return MatrixHeatmap(title: "Customers by R and F score", rowLabels: ["R5", "R4", "R3", "R2", "R1"],
                             columnLabels: ["F1", "F2", "F3", "F4", "F5"], values: grid,
                             xAxisTitle: "Frequency score", yAxisTitle: "Recency score",
                             cellText: texts,
                             format: { DisplayFormat.integer(Int($0)) }, legendTitle: "Customers").svg()
    }
    static var lorenz: String {
        LorenzChart(title: "Revenue concentration",
                    points: (0...20).map { p in (Double(p) / 20, pow(Double(p) / 20, 3)) },
                    xAxisTitle: "Share of customers (smallest first)", yAxisTitle: "Share of revenue",
                    annotations: ["Gini 0.62", "Top 10% of customers: 55% of revenue"]).svg()
    }

    static var all: [(String, String)] {
        [("bar", bar), ("hbar", horizontalBar), ("stacked", stacked), ("line", line), ("multiline", multiLine),
         ("treemap", treemap), ("donut", donut), ("heatmap", heatmap), ("lorenz", lorenz)]
    }
}

/// The sample report saved for the test `name`: the file, the texts it must contain and its page count.
private func savedSampleReport(_ size: PDFPageSize, test name: String) throws -> (url: URL, expected: [String], pages: Int) {
    let (flow, expected) = sampleReport(size)
    let url = try savedPDF(flow.finish(), test: name, file: "report.pdf")
    return (url, expected, flow.document.pages.count)
}

/// A sample executive report: KPI boxes, paragraphs, a long table, charts.
private func sampleReport(_ size: PDFPageSize, tableRows: Int = 60) -> (PDFFlow, [String]) {
    let doc = PDFDocument(info: PDFInfo(title: "Executive report – Q4", creationDate: Date(timeIntervalSince1970: 1_700_000_000)))
    let flow = PDFFlow(document: doc, pageSize: size)
    flow.headerText = "Clientele \u{00B7} Executive report"
    flow.footerText = "Confidential \u{2013} generated by Clientele"
    let paragraph: String = ["Revenue grew to \u{00A3}7.8M in the last twelve months (+12% year on year). Champions and Loyal customers",
        "bring 81% of it, while the At risk segment lost 230 customers \u{2014} \u{201C}win-back\u{201D} campaigns are the priority.",
        "Net change in churned revenue: \u{2212}4.2%."].joined(separator: " ")
    flow.heading("Executive report")
    flow.paragraph(paragraph)
    flow.kpis([
        PDFKPIBox(label: "Revenue", value: "\u{00A3}7.8M", caption: "+12.0% vs previous year", captionColor: RGBColor(hex: 0x047857)),
        PDFKPIBox(label: "Customers", value: "4,338", caption: "1,204 active in December"),
        PDFKPIBox(label: "Repeat rate", value: "65.6%", caption: "\u{2212}1.4 pts", captionColor: RGBColor(hex: 0xB91C1C)),
        PDFKPIBox(label: "Avg. order value", value: "\u{00A3}459", caption: "Median \u{00A3}303"),
        PDFKPIBox(label: "Gini", value: "0.62", caption: "Top 10%: 55% of revenue"),
        PDFKPIBox(label: "Churned", value: "230", caption: "At risk segment"),
    ], columns: 3)
    flow.heading("Highlights", level: 2)
    flow.bullets(["Caf\u{00E9} customers in the Netherlands spend 2\u{00D7} the average \u{2013} a segment worth targeting.",
                  "December orders fell 31% after the record November; the seasonal dip is larger than in 2010 and should be watched closely by the team.",
                  "Returns stayed under 3% \u{2022} no action needed."])
    flow.chart(svg: SampleCharts.bar, caption: "Figure 1. Customers per RFM segment.")
    flow.heading("Top customers", level: 2)
    let rows: [[String]] = (1...tableRows).map { (i: Int) -> [String] in
        let name: String = i % 7 == 0 ? "A customer with a rather long name that wraps, number \(i)" : "Customer \(i)"
        let country: String = i % 3 == 0 ? "United Kingdom" : "Netherlands"
        let revenue: String = "\u{00A3}" + DisplayFormat.integer(90_000 - 997 * i)
        return ["C\(10_000 + i)", name, country, DisplayFormat.integer(1_000 - i), revenue]
    }
    flow.table(PDFTable(columns: [.init("ID", weight: 0.8), .init("Customer", weight: 2.6), .init("Country", weight: 1.4),
                                  .init("Orders", weight: 0.9, align: .right), .init("Revenue", weight: 1.2, align: .right)],
                        rows: rows))
    flow.chart(svg: SampleCharts.donut, caption: "Figure 2. Revenue by segment.")
    flow.chart(svg: SampleCharts.line)
    flow.chart(svg: SampleCharts.treemap)
    flow.chart(svg: SampleCharts.lorenz)
    return (flow, [paragraph] + rows.flatMap { $0 })
}

// MARK: - Unit tests (no tools needed)

@Suite("PDF writer")
struct PDFWriterTests {
    @Test func helveticaWidthsComeFromTheAFM() {
        // H 722 + e 556 + l 222 + l 222 + o 556 = 2278 units.
        #expect(abs(PDFStandardFont.helvetica.width(of: "Hello", size: 10) - 22.78) < 1e-9)
        #expect(abs(PDFText.width("Hello", font: .helvetica, size: 10) - 22.78) < 1e-9)
        // Bold: H 722 + e 556 + l 278 + l 278 + o 611 = 2445.
        #expect(abs(PDFStandardFont.helveticaBold.width(of: "Hello", size: 10) - 24.45) < 1e-9)
        #expect(PDFStandardFont.helveticaOblique.width(of: "Hello", size: 10) == PDFStandardFont.helvetica.width(of: "Hello", size: 10))
        // Special characters: en dash 556, bullet 350, euro 556, minus 584, @ 1015.
        #expect(abs(PDFStandardFont.helvetica.width(of: "\u{2013}\u{2022}\u{20AC}\u{2212}@", size: 1) - 3.061) < 1e-9)
        #expect(PDFStandardFont.courier.width(of: "abc", size: 10) == 18)
    }

    @Test func wrapKeepsWordsAndWidth() {
        let text = "The quick brown fox jumps over the lazy dog, and then a supercalifragilisticexpialidocious word appears."
        let lines = PDFText.wrap(text, width: 100, font: .helvetica, size: 10)
        #expect(lines.count > 3)
        for line in lines { #expect(PDFText.width(line, size: 10) <= 100 + 1e-9, "\(line)") }
        #expect(lines.joined() .replacingOccurrences(of: " ", with: "") == text.replacingOccurrences(of: " ", with: ""))
        #expect(PDFText.wrap("a\n\nb", width: 100, size: 10) == ["a", "", "b"])
        #expect(PDFText.wrap("Short", width: 100, size: 10) == ["Short"])
    }

    @Test func escapingOfStringsAndUnrepresentableCharacters() {
        #expect(PDFString.literal(PDFTextEncoding.encode("a(b)c\\d")) == "(a\\(b\\)c\\\\d)")
        #expect(PDFString.literal(Array("x\ny".utf8)) == "(x\\ny)")
        // WinAnsi: é (composed or decomposed), en/em dash, bullet, curly quotes, ellipsis, euro, nbsp, minus.
        #expect(PDFTextEncoding.encode("\u{00E9}") == [0xE9])
        #expect(PDFTextEncoding.encode("e\u{0301}") == [0xE9])
        #expect(PDFTextEncoding.encode("\u{2013}\u{2014}\u{2022}\u{2018}\u{2019}\u{201C}\u{201D}\u{2026}\u{20AC}\u{00A0}")
                == [0x96, 0x97, 0x95, 0x91, 0x92, 0x93, 0x94, 0x85, 0x80, 0xA0])
        #expect(PDFTextEncoding.encode("\u{2212}") == [0x81])
        // Not in the encoding: one "?" per character.
        #expect(PDFTextEncoding.encode("日本 \u{1F600}") == [0x3F, 0x3F, 0x20, 0x3F])
        #expect(PDFTextEncoding.encode("\u{03B1}") == [0x3F])
        // In a content stream: the escaped string.
        let doc = PDFDocument(title: "t")
        let page = doc.addPage()
        page.text("(x) \\ 日", x: 10, y: 10)
        let content = String(decoding: page.contentBytes, as: UTF8.self)
        #expect(content.contains("(\\(x\\) \\\\ ?) Tj"))
    }

    @Test func drawingOperatorsAreWritten() {
        let doc = PDFDocument(title: "ops")
        let page = doc.addPage(.letter)
        page.withState {
            page.translate(x: 10, y: 20)
            page.scale(x: 2, y: 2)
            page.clip(x: 0, y: 0, width: 100, height: 50)
            page.line(x1: 0, y1: 0, x2: 10, y2: 10, color: .black, width: 0.5, dash: [3, 2])
            page.circle(cx: 5, cy: 5, r: 4, fill: RGBColor(hex: 0xFF0000))
            page.rect(x: 0, y: 0, width: 5, height: 5, fill: nil, stroke: RGBColor(hex: 0x0000FF), lineWidth: 2)
            var p = PDFPath()
            p.move(to: 0, 0); p.line(to: 1, 1); p.curve(to: 3, 0, control1: 1, 2, control2: 2, 2); p.close()
            page.draw(p, fill: .white, stroke: .black)
            page.setOpacity(fill: 0.5, stroke: 1)
        }
        let ops = String(decoding: page.contentBytes, as: UTF8.self)
        #expect(ops.hasPrefix("1 0 0 -1 0 792 cm\n"))
        for op in ["q\n", "1 0 0 1 10 20 cm", "2 0 0 2 0 0 cm", "0 0 100 50 re W n", "[3 2] 0 d", "0.5 w", "1 0 0 rg",
                   "0 0 1 RG", "2 w", "1 2 2 2 3 0 c", "h\nB\n", "/GS1 gs", "Q\n"] {
            #expect(ops.contains(op), "missing \(op)")
        }
        #expect(ops.components(separatedBy: "q\n").count == ops.components(separatedBy: "Q\n").count)
        // A circle is four Bézier arcs.
        #expect(ops.components(separatedBy: " c\n").count - 1 >= 5)
    }

    @Test func headingsAndTableHeadersAreNotOrphaned() {
        let flow = PDFFlow(title: "Flow", pageSize: .a4)
        flow.y = flow.bottom - 60
        flow.heading("Chart heading", level: 2)
        flow.chart(svg: SampleCharts.bar)
        #expect(flow.document.pages.count == 2)
        #expect(!String(decoding: flow.document.pages[0].contentBytes, as: UTF8.self).contains("(Chart heading)"))
        #expect(String(decoding: flow.document.pages[1].contentBytes, as: UTF8.self).contains("(Chart heading)"))
        // A table that starts near the bottom moves whole; a long one repeats its header.
        flow.y = flow.bottom - 40
        flow.table(PDFTable(columns: [.init("Name"), .init("Value", align: .right)], rows: (1...80).map { ["Row \($0)", "\($0)"] }))
        let pages = flow.document.pages.dropFirst(2).map { String(decoding: $0.contentBytes, as: UTF8.self) }
        #expect(pages.count >= 2)
        for p in pages { #expect(p.contains("(Name) Tj"), "header missing on a table page") }
        #expect(!String(decoding: flow.document.pages[1].contentBytes, as: UTF8.self).contains("(Name) Tj"))
    }

    @Test func numbersAreCompactPDFOperands() {
        #expect(PDFNumber.format(0) == "0")
        #expect(PDFNumber.format(595.28) == "595.28")
        #expect(PDFNumber.format(-0.5) == "-0.5")
        #expect(PDFNumber.format(1.23456) == "1.235")
        #expect(PDFNumber.format(0.0001) == "0")
        #expect(PDFNumber.format(.nan) == "0")
        #expect(PDFNumber.format(0.07) == "0.07")
    }

    @Test func crossReferenceTableMatchesObjectOffsets() throws {
        let (flow, _) = sampleReport(.a4, tableRows: 10)
        let bytes = [UInt8](flow.finish())
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("%PDF-1.4\n"))
        #expect(text.hasSuffix("%%EOF\n"))
        // startxref points at "xref".
        let tail = String(decoding: bytes.suffix(64), as: UTF8.self)
        let lines = tail.split(separator: "\n")
        let startxref = Int(lines[lines.count - 2])!
        #expect(String(decoding: bytes[startxref..<startxref + 4], as: UTF8.self) == "xref")
        // Every in-use entry is exactly 20 bytes and points at "N 0 obj".
        let header = String(decoding: bytes[startxref..<min(bytes.count, startxref + 40)], as: UTF8.self).split(separator: "\n")
        let count = Int(header[1].split(separator: " ")[1])!
        var p = startxref + header[0].utf8.count + 1 + header[1].utf8.count + 1
        for n in 0..<count {
            let entry = String(decoding: bytes[p..<p + 20], as: UTF8.self)
            #expect(entry.hasSuffix(" \n"))
            if n > 0 {
                let offset = Int(entry.prefix(10))!
                let obj = "\(n) 0 obj"
                #expect(String(decoding: bytes[offset..<offset + obj.utf8.count], as: UTF8.self) == obj)
            }
            p += 20
        }
        #expect(text.contains("/Author (Clientele)"))
        #expect(text.contains("/CreationDate (D:20231114221320Z)"))
        #expect(text.contains("/Filter /FlateDecode"))
    }

    @Test func svgPathsArcsAndStylesAreParsed() throws {
        // Arcs become curves ending exactly at the arc's end point.
        let path = SVGPathParser.parse("M10 10A5 5 0 0 1 20 10L20 20H30V40Z m1 1 l2 2")
        guard case .curve(_, _, _, _, let x, let y) = path.elements[2] else { Issue.record("expected a curve"); return }
        #expect(abs(x - 20) < 1e-9 && abs(y - 10) < 1e-9)
        #expect(path.elements.contains { if case .close = $0 { return true }; return false })
        // The stylesheet's plain colours win over var() declarations.
        var css = SVGStyleSheet()
        css.add(ChartStyle.css)
        let root = try SVGXMLReader.parse("<svg class=\"clt\"><g class=\"clt-bars\"><rect class=\"clt-mark clt-s1\"/></g><text class=\"clt-tick\">a &amp; b</text></svg>")
        let svg = root.children[0], g = svg.children[0], rect = g.children[0], text = svg.children[1]
        let renderer = SVGRenderer(page: PDFDocument(title: "t").addPage(), css: css)
        let style = renderer.computedStyle(rect, inherited: SVGComputedStyle(), ancestors: [svg, g])
        #expect(style.fill == .color(RGBColor(hex: 0x0072B2)))
        let textStyle = renderer.computedStyle(text, inherited: SVGComputedStyle(), ancestors: [svg])
        #expect(textStyle.fill == .color(RGBColor(hex: 0x5B6472)))
        #expect(text.text == "a & b")
        #expect(SVGTransform.parse("rotate(90 10 10)").map { $0.map { ($0 * 1e6).rounded() / 1e6 } } == [0, 1, -1, 0, 20, 0])
        #expect(throws: SVGChartToPDF.Error.self) { try SVGXMLReader.parse("<svg><g></svg>") }
    }

    @Test func everyChartTypeConverts() throws {
        for (name, svg) in SampleCharts.all {
            let doc = PDFDocument(title: name)
            let page = doc.addPage()
            let drawn = try SVGChartToPDF.draw(svg, on: page, in: PDFRect(x: 40, y: 40, width: 515, height: 400))
            #expect(drawn.width <= 515 + 1e-6 && drawn.height <= 400 + 1e-6, "\(name)")
            #expect(abs(drawn.height / drawn.width - SVGChartToPDF.aspectRatio(of: svg)!) < 1e-6, "\(name)")
            #expect(page.contentBytes.count > 1_000, "\(name)")
        }
    }
}

// MARK: - Checks with poppler (skipped without it)

@Suite("PDF rendering (poppler)", .enabled(if: popplerAvailable, Comment(rawValue: popplerMissing)))
struct PDFPopplerTests {
    @Test(arguments: [("A4", PDFPageSize.a4, "595.28 x 841.89"), ("Letter", PDFPageSize.letter, "612 x 792")])
    func pageCountAndSize(name: String, size: PDFPageSize, expected: String) throws {
        let (url, _, pages) = try savedSampleReport(size, test: "size-\(name)")
        let info = try pdfInfo(url)
        #expect(pages >= 4)
        #expect(info["Pages"] == "\(pages)")
        #expect(info["Page size"]?.hasPrefix(expected + " pts") == true, "\(info["Page size"] ?? "none")")
        #expect(info["Title"] == "Executive report \u{2013} Q4")
        #expect(info["Author"] == "Clientele")
        #expect(info["PDF version"] == "1.4")
        let text = try extractedText(url)
        #expect(text.contains("Page 1 of \(pages)"))
        #expect(text.contains("Page \(pages) of \(pages)"))
    }

    @Test func textIsExtractedExactly() throws {
        let (url, expected, _) = try savedSampleReport(.a4, test: "text")
        let text = try extractedText(url)
        // The wrapped paragraph (with £, em dash, curly quotes and the minus sign) and every table cell.
        for s in expected {
            let normalized = s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            #expect(text.contains(normalized), "missing: \(normalized)")
        }
        #expect(text.contains("Caf\u{00E9} customers in the Netherlands spend 2\u{00D7} the average \u{2013} a segment worth targeting."))
        #expect(text.contains("Returns stayed under 3% \u{2022} no action needed."))
        #expect(text.contains("\u{2212}4.2%"))
        #expect(text.contains("\u{00A3}7.8M"))
        // The table header is repeated on the page the table continues on.
        let headerCount = text.components(separatedBy: "ID Customer Country Orders Revenue").count - 1
        #expect(headerCount >= 2)
        // Chart text is text too (selectable).
        #expect(text.contains("Customers per segment"))
        #expect(text.contains("Hibernating"))
    }

    @Test func specialCharactersAndEscapes() throws {
        let doc = PDFDocument(info: PDFInfo(title: "Caf\u{00E9} (test)"))
        let page = doc.addPage(.letter)
        let lines = ["Parentheses (a) and a backslash \\ stay", "Caf\u{00E9} \u{2013} d\u{00E9}j\u{00E0} vu \u{2022} 3 \u{2212} 2 \u{2026} \u{20AC}5",
                     "\u{201C}Quoted\u{201D} \u{2018}single\u{2019} em\u{2014}dash", "Unsupported \u{65E5}\u{672C} \u{03B1} end"]
        for (i, line) in lines.enumerated() { page.text(line, x: 72, y: 100 + Double(i) * 20, size: 12) }
        let url = try savedPDF(doc.data(), test: "escapes", file: "escapes.pdf")
        let text = try extractedText(url)
        #expect(text.contains(lines[0]))
        #expect(text.contains(lines[1]))
        #expect(text.contains(lines[2]))
        #expect(text.contains("Unsupported ?? ? end"))
        #expect(try pdfInfo(url)["Title"] == "Caf\u{00E9} (test)")
    }

    @Test func chartsRenderAsVectorsInTheirRectangle() throws {
        let doc = PDFDocument(title: "Charts")
        var rects: [PDFRect] = []
        let target = PDFRect(x: 50, y: 60, width: 495, height: 330)
        for (_, svg) in SampleCharts.all {
            let page = doc.addPage(.a4)
            rects.append(try SVGChartToPDF.draw(svg, on: page, in: target))
            page.text("Below the chart", x: 50, y: 800, size: 9)
        }
        let url = try savedPDF(doc.data(), test: "charts", file: "charts.pdf")
        #expect(try pdfInfo(url)["Pages"] == "\(SampleCharts.all.count)")
        let blue = RGBColor(hex: 0x0072B2), orange = RGBColor(hex: 0xE69F00)
        for (k, (name, _)) in SampleCharts.all.enumerated() {
            let raster = try render(url, page: k + 1, dpi: 72)
            let inside = raster.pixels(in: rects[k].insetBy(2))
            let nonWhite = inside.filter { $0.0 < 245 || $0.1 < 245 || $0.2 < 245 }.count
            #expect(nonWhite > inside.count / 50, "\(name): chart area is blank")
            // Nothing is drawn outside the chart rectangle except the line of text at the bottom.
            let outside = raster.pixels(in: PDFRect(x: 0, y: rects[k].maxY + 4, width: 595, height: 780 - rects[k].maxY))
            #expect(outside.allSatisfy { $0.0 > 250 && $0.1 > 250 && $0.2 > 250 }, "\(name): ink outside the chart")
            switch name {
            case "bar", "hbar", "stacked", "treemap", "donut":
                #expect(raster.count(of: blue, in: rects[k]) > 200, "\(name): no #0072B2 marks")
            case "line":
                #expect(raster.count(of: blue, in: rects[k]) > 20, "line: no #0072B2 line")
            default: break
            }
            if name == "donut" || name == "stacked" || name == "treemap" {
                #expect(raster.count(of: orange, in: rects[k]) > 100, "\(name): no #E69F00 marks")
            }
        }
    }

    @Test func linksAreURIAnnotations() throws {
        let doc = PDFDocument(title: "Links")
        let page = doc.addPage()
        page.text("Open the dashboard", x: 72, y: 100, size: 12, color: RGBColor(hex: 0x0072B2))
        page.link(x: 72, y: 88, width: 120, height: 16, url: "https://example.com/dashboard?a=(1)")
        let url = try savedPDF(doc.data(), test: "links", file: "links.pdf")
        let out = String(decoding: try run("pdfinfo", ["-url", url.path]), as: UTF8.self)
        #expect(out.contains("https://example.com/dashboard?a=(1)"))
    }

    /// The usage example of the report: two pages with a heading, a paragraph, KPI boxes, a table and a chart.
    @Test func twoPageUsageExample() throws {
        let flow = PDFFlow(title: "Customer report", pageSize: .letter)
        flow.headerText = "Clientele \u{00B7} Customer report"
        flow.heading("Customer report")
        flow.paragraph("Revenue grew 12% year on year; Champions bring 53% of it.")
        flow.kpis([PDFKPIBox(label: "Revenue", value: "\u{00A3}7.8M", caption: "+12%"),
                   PDFKPIBox(label: "Customers", value: "4,338"),
                   PDFKPIBox(label: "Repeat rate", value: "65.6%")], columns: 3)
        flow.table(PDFTable(columns: [.init("Segment", weight: 2), .init("Customers", align: .right), .init("Revenue", align: .right)],
                            rows: [["Champions", "412", "\u{00A3}4.1M"], ["Loyal", "980", "\u{00A3}2.2M"], ["At risk", "233", "\u{00A3}0.6M"]]))
        flow.pageBreak()
        flow.heading("Revenue by segment", level: 2)
        flow.chart(svg: SampleCharts.donut, caption: "Share of revenue in the last 12 months.")
        let url = try savedPDF(flow.finish(), test: "usage", file: "usage.pdf")
        let info = try pdfInfo(url)
        #expect(info["Pages"] == "2")
        let text = try extractedText(url)
        #expect(text.contains("Page 2 of 2"))
        #expect(text.contains("Champions 412 \u{00A3}4.1M"))
    }

    @Test func reportPagesRender() throws {
        let (url, _, pages) = try savedSampleReport(.a4, test: "report")
        let dir = url.deletingLastPathComponent()
        _ = try run("pdftoppm", ["-r", "60", "-png", url.path, dir.appendingPathComponent("page").path])
        let pngs = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".png") }
        #expect(pngs.count == pages)
    }
}
