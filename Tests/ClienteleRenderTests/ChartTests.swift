import Foundation
import Testing
@testable import ClienteleRender
import ClienteleCore

// MARK: - Helpers

/// Number of non-overlapping occurrences of `needle`.
private func occurrences(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

/// Number of elements whose class list contains `clt-mark` (what the browser test counts).
private func markCount(_ svg: String) -> Int {
    let re = try! NSRegularExpression(pattern: "class=\"([^\"]* )?clt-mark[ \"]")
    return re.numberOfMatches(in: svg, range: NSRange(location: 0, length: (svg as NSString).length))
}

/// Elements (opening tags) whose class attribute contains `cls`, as attribute dictionaries.
private func elements(_ name: String, withClass cls: String, in svg: String) -> [[String: String]] {
    let tag = try! NSRegularExpression(pattern: "<\(name) ([^>]*?)/?>")
    let attr = try! NSRegularExpression(pattern: "([a-zA-Z0-9:-]+)=\"([^\"]*)\"")
    let ns = svg as NSString
    var out: [[String: String]] = []
    for m in tag.matches(in: svg, range: NSRange(location: 0, length: ns.length)) {
        let body = ns.substring(with: m.range(at: 1))
        var attrs: [String: String] = [:]
        let bns = body as NSString
        for a in attr.matches(in: body, range: NSRange(location: 0, length: bns.length)) {
            attrs[bns.substring(with: a.range(at: 1))] = bns.substring(with: a.range(at: 2))
        }
        if let c = attrs["class"], c.split(separator: " ").contains(Substring(cls)) { out.append(attrs) }
    }
    return out
}

private func number(_ attrs: [String: String], _ key: String) -> Double { Double(attrs[key] ?? "") ?? .nan }

/// Every SVG is well-formed XML.
private func parses(_ svg: String) -> Bool {
    #if canImport(FoundationXML) || os(macOS)
    let parser = XMLParser(data: Data(svg.utf8))
    return parser.parse()
    #else
    return true
    #endif
}

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Common checks for every chart.
private func checkDocument(_ svg: String) {
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "))
    #expect(svg.contains("width=\"100%\""))
    #expect(svg.contains("role=\"img\" aria-label=\""))
    #expect(svg.contains("<style>"))
    #expect(svg.contains("var(--clt-s1,#0072B2)"))
    #expect(!svg.contains("height=\"100%\""))
    #expect(parses(svg))
    // At most two decimals in every number attribute.
    let longDecimals = try! NSRegularExpression(pattern: "\"-?\\d+\\.\\d{3,}")
    #expect(longDecimals.numberOfMatches(in: svg, range: NSRange(location: 0, length: (svg as NSString).length)) == 0)
}

/// "2010-12", "2011-01", ...
private func monthLabels(_ count: Int) -> [String] {
    (0..<count).map { (i: Int) -> String in
        let year = 2010 + (i + 11) / 12, month = (i + 11) % 12 + 1
        return "\(year)-" + (month < 10 ? "0" : "") + "\(month)"
    }
}

private let hostile = "<script>alert(1)</script>\"&'"

// MARK: - Display formatting

@Test func displayIntegerAndMoney() {
    #expect(DisplayFormat.integer(0) == "0")
    #expect(DisplayFormat.integer(999) == "999")
    #expect(DisplayFormat.integer(1_000) == "1,000")
    #expect(DisplayFormat.integer(1_234_567) == "1,234,567")
    #expect(DisplayFormat.integer(-1_234) == "\u{2212}1,234")
    #expect(DisplayFormat.money(0) == "0.00")
    #expect(DisplayFormat.money(1_250) == "0.12")          // 0.125 -> half-even down
    #expect(DisplayFormat.money(1_350) == "0.14")          // 0.135 -> half-even up
    #expect(DisplayFormat.money(1_251) == "0.13")
    #expect(DisplayFormat.money(1_249) == "0.12")
    #expect(DisplayFormat.money(12_345_678_950) == "1,234,567.90")
    #expect(DisplayFormat.money(12_345_678_900) == "1,234,567.89")
    #expect(DisplayFormat.money(-5_000) == "\u{2212}0.50")
    #expect(DisplayFormat.money(-49) == "0.00")            // rounds to zero: no sign
    #expect(DisplayFormat.money(9_999_950) == "1,000.00")  // 999.995 -> carries
    #expect(DisplayFormat.money(Int64.min) == "\u{2212}922,337,203,685,477.58")
}

@Test func displayCompact() {
    #expect(DisplayFormat.compact(980) == "980")
    #expect(DisplayFormat.compact(45_600) == "45.6K")
    #expect(DisplayFormat.compact(1_234_567) == "1.23M")
    #expect(DisplayFormat.compact(1_200_000) == "1.2M")
    #expect(DisplayFormat.compact(999_999) == "1M")
    #expect(DisplayFormat.compact(999.4) == "999")
    #expect(DisplayFormat.compact(999.6) == "1K")
    #expect(DisplayFormat.compact(0) == "0")
    #expect(DisplayFormat.compact(0.5) == "0.5")
    #expect(DisplayFormat.compact(12.345) == "12.3")
    #expect(DisplayFormat.compact(-2_500) == "\u{2212}2.5K")
    #expect(DisplayFormat.compact(3.2e9) == "3.2B")
    #expect(DisplayFormat.compact(.nan) == "\u{2014}")
    #expect(DisplayFormat.compactMoney(12_345_678_900) == "1.23M")
    #expect(DisplayFormat.compactMoney(456_000_000) == "45.6K")
    #expect(DisplayFormat.compactMoney(9_800_000) == "980")
}

@Test func displayPercentDaysDates() {
    #expect(DisplayFormat.percent(0.123) == "12.3%")
    #expect(DisplayFormat.percent(0.1234, digits: 2) == "12.34%")
    #expect(DisplayFormat.percent(1) == "100.0%")
    #expect(DisplayFormat.percent(0.5, digits: 0) == "50%")
    #expect(DisplayFormat.percent(-0.04) == "\u{2212}4.0%")
    #expect(DisplayFormat.percent(-0.0001) == "0.0%")
    #expect(DisplayFormat.percent(nil) == "\u{2014}")
    #expect(DisplayFormat.percent(.infinity) == "\u{2014}")
    #expect(DisplayFormat.signedPercentChange(112.3, previous: 100) == "+12.3%")
    #expect(DisplayFormat.signedPercentChange(96, previous: 100) == "\u{2212}4.0%")
    #expect(DisplayFormat.signedPercentChange(100, previous: 100) == "0.0%")
    #expect(DisplayFormat.signedPercentChange(-50, previous: -100) == "+50.0%")
    #expect(DisplayFormat.signedPercentChange(5, previous: 0) == nil)
    #expect(DisplayFormat.days(1) == "1 day")
    #expect(DisplayFormat.days(214) == "214 days")
    #expect(DisplayFormat.days(0) == "0 days")
    #expect(DisplayFormat.days(1_234) == "1,234 days")
    #expect(DisplayFormat.date(0) == "1970-01-01")
    #expect(DisplayFormat.date(15_317) == "2011-12-09")
    #expect(DisplayFormat.date(-1) == "1969-12-31")
    #expect(DisplayFormat.month(15_317) == "2011-12")
    #expect(DisplayFormat.decimal(1_234.5, digits: 2) == "1,234.50")
}

// MARK: - Scales

@Test func niceTicks() {
    #expect(NiceScale(min: 0, max: 87).ticks == [0, 20, 40, 60, 80, 100])
    #expect(NiceScale(min: 0, max: 100).ticks == [0, 20, 40, 60, 80, 100])
    #expect(NiceScale(min: 0, max: 1).ticks == [0, 0.2, 0.4, 0.6, 0.8, 1])
    #expect(NiceScale(min: 0, max: 5).ticks == [0, 1, 2, 3, 4, 5])
    #expect(NiceScale(min: 3, max: 87, includeZero: true).ticks == [0, 20, 40, 60, 80, 100])
    #expect(NiceScale(min: -30, max: 87, includeZero: true).ticks == [-50, 0, 50, 100])
    #expect(NiceScale(min: -12, max: -3, includeZero: true).ticks == [-12, -10, -8, -6, -4, -2, 0])
    #expect(NiceScale(min: 0.6, max: 1.2).ticks == [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2])
    #expect(NiceScale(min: 1_234, max: 98_765).ticks == [0, 20_000, 40_000, 60_000, 80_000, 100_000])
    #expect(NiceScale(min: 0, max: 0).ticks == [0, 0.2, 0.4, 0.6, 0.8, 1])
    #expect(NiceScale(min: 50, max: 50, includeZero: true).ticks == [0, 10, 20, 30, 40, 50])
    for (lo, hi) in [(0.0, 3.0), (0.0, 7.3), (-1e6, 2.5e6), (0.001, 0.0093), (17.0, 23.0), (0.0, 12_345_678.0)] {
        let s = NiceScale(min: lo, max: hi)
        #expect((4...7).contains(s.ticks.count), "\(lo)...\(hi): \(s.ticks)")
        #expect(s.lower <= lo && s.upper >= hi)
    }
}

// MARK: - Bar charts

private let tenThousands: ChartValueFormatter = { DisplayFormat.integer(Int($0)) }

@Test func barChartMarksTicksAndEmpty() {
    let chart = BarChart(title: "Orders", labels: ["Jan", "Feb", "Mar", "Apr"], values: [10, 87, 45, 0],
                         categoryAxisTitle: "Month", valueAxisTitle: "Orders", showValueLabels: true, format: tenThousands)
    let svg = chart.svg()
    checkDocument(svg)
    #expect(markCount(svg) == 4)
    #expect(!svg.contains("data-empty"))
    // Tick labels 0...100 step 20 on the y axis.
    for tick in ["0", "20", "40", "60", "80", "100"] { #expect(svg.contains(">\(tick)</text>")) }
    #expect(svg.contains("<title>Feb: 87</title>"))
    #expect(svg.contains(">Orders</text>") && svg.contains(">Month</text>"))
    // The 87 bar is 0.87 of the plot height tall compared with the 100 gridline.
    let bars = elements("rect", withClass: "clt-mark", in: svg)
    let tallest = bars.map { number($0, "height") }.max()!
    let lowest = bars.map { number($0, "height") }.filter { $0 > 0 }.min()!
    #expect(abs(tallest / lowest - 8.7) < 0.01)

    let empty = BarChart(labels: [], values: [], categoryAxisTitle: "Month", valueAxisTitle: "Orders").svg()
    checkDocument(empty)
    #expect(empty.contains("data-empty=\"true\""))
    #expect(empty.contains("No data for this selection"))
    #expect(markCount(empty) == 0)
}

@Test func barChartNegativeAndHorizontal() {
    let chart = BarChart(labels: ["A", "B"], values: [-30, 87], categoryAxisTitle: "c", valueAxisTitle: "v")
    let svg = chart.svg()
    let bars = elements("rect", withClass: "clt-mark", in: svg)
    #expect(bars.count == 2)
    // The negative bar starts where the positive one ends (the zero line).
    #expect(abs(number(bars[0], "y") - (number(bars[1], "y") + number(bars[1], "height"))) < 0.02)
    for tick in ["\u{2212}50", "0", "50", "100"] { #expect(svg.contains(">\(tick)</text>")) }

    let long = "Customers who bought once a long time ago and never came back"
    let h = BarChart(labels: ["Champions", long, "Loyal"], values: [412, 980, 233], categoryAxisTitle: "Segment",
                     valueAxisTitle: "Customers", horizontal: true, showValueLabels: true).svg()
    checkDocument(h)
    #expect(markCount(h) == 3)
    #expect(h.contains("\u{2026}</text>"))               // truncated label...
    #expect(h.contains("<title>\(long)</title>"))         // ...full text in its tooltip
    let hb = elements("rect", withClass: "clt-mark", in: h)
    #expect(abs(number(hb[1], "width") / number(hb[0], "width") - 980.0 / 412) < 0.01)
}

@Test func stackedBarTopIsSumOfSeries() {
    let chart = StackedBarChart(categories: ["Oct", "Nov", "Dec"],
                                series: [ChartSeries(name: "New", values: [20, 35, nil]),
                                         ChartSeries(name: "Returning", values: [50, 52, 40])],
                                categoryAxisTitle: "Month", valueAxisTitle: "Revenue", showTotals: true)
    let svg = chart.svg()
    checkDocument(svg)
    #expect(markCount(svg) == 5)
    #expect(svg.contains(">New</text>") && svg.contains(">Returning</text>"))   // legend
    let marks = elements("rect", withClass: "clt-mark", in: svg)
    // Scale 0...100; Nov: New 35 then Returning 52 on top -> top at 87.
    let nov = marks.filter { abs(number($0, "x") - number(marks[2], "x")) < 0.01 }
    #expect(nov.count == 2)
    let bottom = nov.map { number($0, "y") + number($0, "height") }.max()!
    let top = nov.map { number($0, "y") }.min()!
    let perUnit = nov.map { number($0, "height") }.reduce(0, +) / 87
    #expect(abs((bottom - top) - 87 * perUnit) < 0.05)
    #expect(abs(number(nov[0], "height") / number(nov[1], "height") - 35.0 / 52) < 0.005)
    #expect(svg.contains("<title>Nov \u{00B7} New: 35 (total 87)</title>"))
    #expect(svg.contains(">87</text>"))                    // total label

    let grouped = StackedBarChart(categories: ["Oct", "Nov"], series: chart.series, categoryAxisTitle: "Month",
                                  valueAxisTitle: "Revenue", mode: .grouped).svg()
    checkDocument(grouped)
    #expect(markCount(grouped) == 4)
    for tick in ["0", "10", "20", "30", "40", "50", "60"] { #expect(grouped.contains(">\(tick)</text>")) }
}

// MARK: - Lines

@Test func lineChartPointsGapsAndThinnedLabels() {
    let months = monthLabels(25)
    var values: [Double?] = (0..<25).map { Double(100 + $0 * 3) }
    values[10] = nil
    let chart = LineChart(x: .categories(months), series: [ChartSeries(name: "Active", values: values)],
                          xAxisTitle: "Month", yAxisTitle: "Customers", area: true)
    let svg = chart.svg()
    checkDocument(svg)
    #expect(markCount(svg) == 24)
    // The nil breaks the line into two subpaths.
    let line = elements("path", withClass: "clt-line", in: svg)
    #expect(line.count == 1)
    #expect(occurrences("M", in: line[0]["d"] ?? "") == 2)
    #expect(elements("path", withClass: "clt-area", in: svg).count == 1)
    // 25 month labels do not fit in 720 units: only some are shown, none overlap.
    let labels = months.filter { svg.contains(">\($0)</text>") }
    #expect(labels.count < 25 && labels.count >= 5)
    #expect(labels.first == "2010-12")

    let two = LineChart(x: .numeric([1, 2, 3, 4], format: { "\(Int($0))" }),
                        series: [ChartSeries(name: "A", values: [1, 2, 3, 4]), ChartSeries(name: "B", values: [4, nil, nil, 1])],
                        xAxisTitle: "x", yAxisTitle: "y").svg()
    checkDocument(two)
    #expect(markCount(two) == 6)
    #expect(two.contains("<title>B \u{00B7} 4: 1</title>"))

    let empty = LineChart(x: .categories(["a"]), series: [ChartSeries(name: "A", values: [nil])], xAxisTitle: "x", yAxisTitle: "y").svg()
    #expect(empty.contains("data-empty=\"true\""))
}

// MARK: - Treemap and donut

@Test func treemapAreasAreProportional() {
    let values: [Double] = [500, 250, 120, 60, 40, 20, 6, 3, 1]
    let chart = Treemap(items: values.enumerated().map { Treemap.Item(label: "Item \($0.offset)", value: $0.element) }
                        + [Treemap.Item(label: "Zero", value: 0)], width: 720, height: 420)
    let svg = chart.svg()
    checkDocument(svg)
    let tiles = elements("rect", withClass: "clt-mark", in: svg)
    #expect(tiles.count == values.count)
    let areas = tiles.map { number($0, "width") * number($0, "height") }
    let plotArea = (720 - 2 * ChartCanvas.margin) * (420 - 2 * ChartCanvas.margin - 4)
    #expect(abs(areas.reduce(0, +) - plotArea) / plotArea < 0.005)
    let total = values.reduce(0, +)
    for (area, value) in zip(areas, values) {
        #expect(abs(area / plotArea - value / total) < 0.005 * max(value / total, 0.01))
    }
    #expect(svg.contains(">Item 0</text>"))      // the big tile is labelled
    #expect(!svg.contains(">Item 8</text>"))     // the tiny one is not (tooltip only)
    #expect(svg.contains("<title>Item 8: 1 (0.1%)</title>"))
    // Tiles stay inside the plot and do not overlap.
    for (i, a) in tiles.enumerated() {
        for b in tiles[(i + 1)...] {
            let ox = min(number(a, "x") + number(a, "width"), number(b, "x") + number(b, "width")) - max(number(a, "x"), number(b, "x"))
            let oy = min(number(a, "y") + number(a, "height"), number(b, "y") + number(b, "height")) - max(number(a, "y"), number(b, "y"))
            #expect(ox <= 0.02 || oy <= 0.02)
        }
    }
    #expect(Treemap(items: [.init(label: "x", value: -1)]).svg().contains("data-empty=\"true\""))
}

@Test func donutSlicesAndLegend() {
    let chart = DonutChart(slices: [.init(label: "Champions", value: 60), .init(label: "Loyal", value: 30),
                                    .init(label: "At risk", value: 10), .init(label: "Lost", value: 0)],
                           centerLabel: "100", centerCaption: "Customers")
    let svg = chart.svg()
    checkDocument(svg)
    #expect(markCount(svg) == 3)
    #expect(svg.contains(">60%</text>") && svg.contains(">30%</text>"))
    #expect(svg.contains("<title>At risk: 10 (10.0%)</title>"))
    #expect(svg.contains(">Champions</text>"))
    let one = DonutChart(slices: [.init(label: "All", value: 5)]).svg()
    #expect(markCount(one) == 1)
    #expect(DonutChart(slices: []).svg().contains("No data for this selection"))
}

// MARK: - Matrix heatmap

@Test func matrixHeatmapNilCellsAndText() {
    let values: [[Double?]] = [[1, 0.5, 0.25], [1, 0.4, nil], [1, nil, nil]]
    let text = values.map { $0.map { $0.map { DisplayFormat.percent($0, digits: 0) } } }
    let chart = MatrixHeatmap(rowLabels: ["2011-01", "2011-02", "2011-03"], columnLabels: ["0", "1", "2"], values: values,
                              xAxisTitle: "Months since first purchase", yAxisTitle: "Cohort", domain: 0...1, cellText: text,
                              format: { DisplayFormat.percent($0, digits: 0) }, legendTitle: "Retention")
    let svg = chart.svg()
    checkDocument(svg)
    let cells = elements("rect", withClass: "clt-mark", in: svg)
    #expect(cells.count == 6)
    let empties = elements("rect", withClass: "clt-nil", in: svg)
    #expect(empties.count == 3)
    #expect(empties.allSatisfy { $0["fill"] == nil })           // not coloured (CSS: fill none)
    #expect(Set(cells.compactMap { $0["fill"] }).count == 4)     // 1, 0.5, 0.25, 0.4
    #expect(cells[0]["fill"] == HeatmapPalette.blues.color(at: 1).hexString)
    #expect(svg.contains(">25%</text>") && svg.contains(">100%</text>") && svg.contains(">0%</text>"))
    // Dark cell (100%) -> light text; light cell (25%) -> dark text.
    #expect(svg.contains("class=\"clt-ink-l\">100%</text>"))
    #expect(svg.contains("class=\"clt-ink-d\">25%</text>"))
    #expect(svg.contains("<title>2011-02 \u{00B7} 1: 40%</title>"))

    // 25 x 25 keeps text if it fits; 120 weekly columns never show cell text.
    let big = (0..<25).map { r in (0..<25).map { c -> Double? in c < 25 - r ? Double(c + r) / 48 : nil } }
    let bigText = big.map { $0.map { $0.map { DisplayFormat.percent($0, digits: 0) } } }
    let svg25 = MatrixHeatmap(rowLabels: (0..<25).map { "R\($0)" }, columnLabels: (0..<25).map(String.init), values: big,
                              xAxisTitle: "x", yAxisTitle: "y", cellText: bigText).svg()
    checkDocument(svg25)
    #expect(markCount(svg25) == 325)
    #expect(svg25.contains("clt-cell-text") && svg25.contains(">50%</text>"))   // widened so "100%" fits
    let narrow = MatrixHeatmap(rowLabels: (0..<25).map { "R\($0)" }, columnLabels: (0..<25).map(String.init), values: big,
                               xAxisTitle: "x", yAxisTitle: "y", cellText: bigText, width: 400).svg()
    #expect(narrow.contains("viewBox=\"0 0 400 "))
    #expect(!narrow.contains("clt-cell-text"))                                  // too small: no text
    let weekly = (0..<120).map { r in (0..<120).map { c -> Double? in c < 120 - r ? 1 / Double(c + 1) : nil } }
    let svg120 = MatrixHeatmap(rowLabels: (0..<120).map { "W\($0)" }, columnLabels: (0..<120).map(String.init), values: weekly,
                               xAxisTitle: "x", yAxisTitle: "y", cellText: weekly.map { $0.map { $0.map { _ in "1%" } } }).svg()
    checkDocument(svg120)
    #expect(markCount(svg120) == 7_260)
    #expect(!svg120.contains("clt-cell-text"))
    #expect(MatrixHeatmap(rowLabels: ["a"], columnLabels: ["b"], values: [[nil]], xAxisTitle: "x", yAxisTitle: "y")
        .svg().contains("data-empty=\"true\""))
    // Every text is at least 11 px, however small the cells.
    let fontSize = try! NSRegularExpression(pattern: "font-size=\"([0-9.]+)\"")
    for s in [svg, svg25, narrow, svg120] {
        let ns = s as NSString
        let sizes = fontSize.matches(in: s, range: NSRange(location: 0, length: ns.length)).compactMap { Double(ns.substring(with: $0.range(at: 1))) }
        #expect(!sizes.isEmpty && sizes.allSatisfy { $0 >= 11 })
    }
}

// MARK: - Lorenz

@Test func lorenzCurveEndsAtTopRight() {
    let points = (0...100).map { (population: Double($0) / 100, share: pow(Double($0) / 100, 3)) }
    let chart = LorenzChart(points: points, xAxisTitle: "Share of customers (smallest first)", yAxisTitle: "Share of revenue",
                            annotations: ["Gini 0.50"])
    let svg = chart.svg()
    checkDocument(svg)
    #expect(markCount(svg) == 101)
    #expect(svg.contains(">Gini 0.50</text>") && svg.contains(">Share of revenue</text>"))
    #expect(elements("line", withClass: "clt-ref", in: svg).count == 1)
    let curve = elements("path", withClass: "clt-lorenz-curve", in: svg)[0]["d"]!
    let coords = curve.split(whereSeparator: { $0 == "M" || $0 == "L" }).map { $0.split(separator: " ").map { Double($0)! } }
    let diagonal = elements("line", withClass: "clt-ref", in: svg)[0]
    #expect(coords.first! == [number(diagonal, "x1"), number(diagonal, "y1")])   // (0%, 0%)
    #expect(coords.last! == [number(diagonal, "x2"), number(diagonal, "y2")])    // (100%, 100%)
    #expect(svg.contains(">100%</text>"))

    // Points without the ends still get them.
    let partial = LorenzChart(points: [(0.5, 0.2)], xAxisTitle: "x", yAxisTitle: "y").svg()
    let d = elements("path", withClass: "clt-lorenz-curve", in: partial)[0]["d"]!
    #expect(occurrences("L", in: d) == 2)
    #expect(LorenzChart(points: [], xAxisTitle: "x", yAxisTitle: "y").svg().contains("data-empty=\"true\""))
}

// MARK: - Escaping

@Test func callerTextIsEscapedEverywhere() {
    let svgs = [
        BarChart(title: hostile, labels: [hostile, "b"], values: [1, 2], categoryAxisTitle: hostile, valueAxisTitle: hostile,
                 showValueLabels: true, format: { _ in hostile }).svg(),
        BarChart(title: hostile, labels: [hostile], values: [1], categoryAxisTitle: hostile, valueAxisTitle: hostile,
                 horizontal: true, showValueLabels: true, tooltips: [hostile]).svg(),
        StackedBarChart(title: hostile, categories: [hostile], series: [ChartSeries(name: hostile, values: [1]), ChartSeries(name: "x", values: [2])],
                        categoryAxisTitle: hostile, valueAxisTitle: hostile, showTotals: true, format: { _ in hostile }).svg(),
        LineChart(title: hostile, x: .categories([hostile, hostile]), series: [ChartSeries(name: hostile, values: [1, 2]), ChartSeries(name: hostile, values: [2, 1])],
                  xAxisTitle: hostile, yAxisTitle: hostile, format: { _ in hostile }).svg(),
        Treemap(title: hostile, items: [.init(label: hostile, value: 1), .init(label: "b", value: 1, tooltip: hostile)], format: { _ in hostile }).svg(),
        DonutChart(title: hostile, slices: [.init(label: hostile, value: 1)], format: { _ in hostile }, centerLabel: hostile, centerCaption: hostile).svg(),
        MatrixHeatmap(title: hostile, rowLabels: [hostile], columnLabels: [hostile], values: [[1, 2]], xAxisTitle: hostile, yAxisTitle: hostile,
                      cellText: [[hostile, "2"]], tooltips: [[hostile, nil]], format: { _ in hostile }, legendTitle: hostile).svg(),
        LorenzChart(title: hostile, points: [(0.5, 0.2)], xAxisTitle: hostile, yAxisTitle: hostile, annotations: [hostile]).svg(),
        BarChart(title: hostile, labels: [], values: [], categoryAxisTitle: hostile, valueAxisTitle: hostile).svg(),
    ]
    for svg in svgs {
        #expect(!svg.contains("<script"))
        #expect(!svg.contains("\"&'"))
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(svg.contains("&quot;&amp;&apos;"))
        #expect(parses(svg))
    }
}

// MARK: - Samples

/// Writes sample charts when CLT_CHART_SAMPLES names a directory (for looking at them).
@Test func writeSamplesWhenAsked() throws {
    guard let dir = ProcessInfo.processInfo.environment["CLT_CHART_SAMPLES"] else { return }
    let months = monthLabels(13)
    let money: ChartValueFormatter = { DisplayFormat.compact($0) }
    var samples: [String: String] = [:]
    samples["bar"] = BarChart(title: "Revenue per month", labels: months, values: (0..<13).map { 400_000 + Double(($0 * 7919) % 13) * 61_000 },
                              categoryAxisTitle: "Month", valueAxisTitle: "Revenue (GBP)", showValueLabels: true, format: money).svg()
    samples["hbar"] = BarChart(title: "Customers per segment",
                               labels: ["Champions", "Loyal customers", "Potential loyalists", "New customers",
                                        "Customers needing attention and a very long name", "At risk", "Hibernating", "Lost"],
                               values: [412, 980, 233, 150, 301, 522, 700, 1_050], categoryAxisTitle: "Segment",
                               valueAxisTitle: "Customers", horizontal: true, showValueLabels: true,
                               format: { DisplayFormat.integer(Int($0)) }).svg()
    samples["stacked"] = StackedBarChart(title: "Revenue: new vs returning customers", categories: months,
                                         series: [ChartSeries(name: "New customers", values: months.indices.map { 90_000 + Double($0 % 5) * 20_000 }),
                                                  ChartSeries(name: "Returning customers", values: months.indices.map { 300_000 + Double($0) * 30_000 })],
                                         categoryAxisTitle: "Month", valueAxisTitle: "Revenue (GBP)", showTotals: true, format: money).svg()
    samples["grouped"] = StackedBarChart(title: "Orders per channel", categories: ["Q1", "Q2", "Q3", "Q4"],
                                         series: ["Web", "App", "Store"].enumerated().map { i, n in ChartSeries(name: n, values: [10, 14, -3, 18].map { $0 * Double(i + 1) }) },
                                         categoryAxisTitle: "Quarter", valueAxisTitle: "Orders change", mode: .grouped).svg()
    let weeks = (0..<60).map { "W\($0 + 1)" }
    samples["line"] = LineChart(title: "Active customers", x: .categories(weeks),
                                series: [ChartSeries(name: "Active", values: weeks.indices.map { $0 == 20 ? nil : 800 + 300 * sin(Double($0) / 6) })],
                                xAxisTitle: "Week", yAxisTitle: "Customers", area: true).svg()
    var channelSeries: [ChartSeries] = []
    for (i, name) in ["Organic", "Paid search", "Email"].enumerated() {
        var v: [Double?] = []
        for k in months.indices { v.append(k > 10 - i ? nil : 0.6 / Double(k + 1) + Double(i) * 0.05) }
        channelSeries.append(ChartSeries(name: name, values: v))
    }
    samples["lines"] = LineChart(title: "Retention by acquisition channel", x: .categories(months), series: channelSeries,
                                 xAxisTitle: "Month", yAxisTitle: "Share of cohort active", format: { DisplayFormat.percent($0, digits: 0) }).svg()
    let countries: [(String, Double)] = [("United Kingdom", 7_300_000), ("Netherlands", 285_000), ("EIRE", 265_000), ("Germany", 228_000),
                                         ("France", 209_000), ("Australia", 138_000), ("Switzerland", 57_000), ("Spain", 55_000),
                                         ("Belgium", 41_000), ("Sweden", 38_000), ("Japan", 37_000), ("Norway", 36_000)]
    samples["treemap"] = Treemap(title: "Revenue by country", items: countries.map { .init(label: $0.0, value: $0.1) }).svg()
    samples["treemap2"] = Treemap(title: "Revenue by segment", items: [("Champions", 4.1e6), ("Loyal", 2.2e6), ("Potential", 0.9e6),
                                                                       ("New", 0.5e6), ("At risk", 0.45e6), ("Hibernating", 0.2e6), ("Lost", 0.1e6)]
        .map { .init(label: $0.0, value: $0.1) }).svg()
    samples["donut"] = DonutChart(title: "Revenue by segment", slices: [("Champions", 4.1e6), ("Loyal", 2.2e6), ("Potential loyalists", 0.9e6),
                                                                        ("New", 0.5e6), ("At risk", 0.45e6), ("Lost", 0.1e6)]
        .map { .init(label: $0.0, value: $0.1) }, centerLabel: "8.25M", centerCaption: "Revenue").svg()
    var cohort: [[Double?]] = []
    for r in 0..<25 {
        var row: [Double?] = []
        for c in 0..<25 {
            if c >= 25 - r { row.append(nil) } else if c == 0 { row.append(1) } else {
                let base: Double = 0.35 / (1 + Double(c) * 0.15)
                row.append(base + Double(r % 3) * 0.02)
            }
        }
        cohort.append(row)
    }
    samples["cohort"] = MatrixHeatmap(title: "Monthly cohort retention", rowLabels: monthLabels(25),
                                      columnLabels: (0..<25).map(String.init), values: cohort, xAxisTitle: "Months since first purchase",
                                      yAxisTitle: "Cohort (first purchase month)", domain: 0...1,
                                      cellText: cohort.map { $0.map { $0.map { DisplayFormat.percent($0, digits: 0) } } },
                                      format: { DisplayFormat.percent($0, digits: 0) }, legendTitle: "Share of cohort active").svg()
    var rf: [[Double?]] = []
    for r in 0..<5 {
        var row: [Double?] = []
        for c in 0..<5 { row.append(r == 4 && c == 4 ? nil : Double((5 - r) * (c + 1) * 37 % 400)) }
        rf.append(row)
    }
    samples["rf"] = MatrixHeatmap(title: "Customers by recency and frequency", rowLabels: ["R5 (recent)", "R4", "R3", "R2", "R1 (long ago)"],
                                  columnLabels: ["F1", "F2", "F3", "F4", "F5"], values: rf, xAxisTitle: "Frequency score",
                                  yAxisTitle: "Recency score", palette: .viridis,
                                  cellText: rf.map { $0.map { $0.map { DisplayFormat.integer(Int($0)) } } },
                                  format: { DisplayFormat.integer(Int($0)) }, legendTitle: "Customers").svg()
    let weekly = (0..<110).map { r in (0..<110).map { c -> Double? in c < 110 - r ? (c == 0 ? 1 : 0.3 / (1 + Double(c) * 0.05)) : nil } }
    samples["weekly"] = MatrixHeatmap(title: "Weekly cohorts", rowLabels: (0..<110).map { "W\($0)" }, columnLabels: (0..<110).map(String.init),
                                      values: weekly, xAxisTitle: "Weeks since first purchase", yAxisTitle: "Cohort",
                                      format: { DisplayFormat.percent($0, digits: 0) }, legendTitle: "Active").svg()
    samples["lorenz"] = LorenzChart(title: "Revenue concentration", points: (0...100).map { (Double($0) / 100, pow(Double($0) / 100, 3.2)) },
                                    xAxisTitle: "Share of customers (smallest first)", yAxisTitle: "Share of revenue",
                                    annotations: ["Gini 0.52", "Top 10% of customers: 29% of revenue"]).svg()
    samples["empty"] = BarChart(title: "Revenue per month", labels: [], values: [], categoryAxisTitle: "Month", valueAxisTitle: "Revenue").svg()
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, svg) in samples {
        try svg.write(toFile: "\(dir)/\(name).svg", atomically: true, encoding: .utf8)
    }
}
