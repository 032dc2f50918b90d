import Foundation
import Testing
@testable import ClienteleRender
import ClienteleCore

/// A model's output converted to money or counts never traps: absurd or non-finite values are shown as "—".
@Suite struct ModelOutputTests {
    @Test func absurdPredictionsRenderAsMissingNotATrap() throws {
        let loaded = try DemoData.load(lines: 20_000)
        let a = Analysis(lines: loaded.lines)
        var m = ChurnModel(analysis: a, lines: loaded.lines)
        #expect(m.usable)
        // What a fit at the optimiser's edge produces: values no Int64 of money units can hold.
        m.lifetimeValue = m.lifetimeValue.map { _ in 1e300 }
        m.expected90 = m.expected90.map { _ in 1e300 }
        let e = ChurnExplanations(analysis: a, lines: loaded.lines, model: m)
        var report = ExecutiveReport(analysis: a, previous: nil, datasetName: "demo.csv", periodStart: a.asOf - 30, selection: "All customers",
                                     previousPeriod: nil, generatedOn: a.asOf,
                                     recommendations: RecommendationEngine.run(RecommendationInput(analysis: a, churn: m)))
        report.addChurn(m, explanations: e, analysis: a)
        let md = report.markdown()
        #expect(md.contains("Expected customer value over the next 12 months: — ("))
        #expect(!report.pdf().isEmpty)
    }

    @Test func hugePDFNumbersDoNotTrap() {
        #expect(PDFNumber.format(1e300) == "999999999999999")
        #expect(PDFNumber.format(-1e300) == "-999999999999999")
        #expect(PDFNumber.format(2e15) == "2000000000000000")
    }
}

@Suite struct ExtremeRenderInputTests {
    @Test func niceScaleOfExtremeRangesDoesNotTrap() {
        let wide = NiceScale(min: -1e308, max: 1e308)
        #expect(wide.lower <= -1e308 || !wide.lower.isFinite || wide.lower < 0)
        let narrow = NiceScale(min: 1e18, max: 1e18 + 4096)   // a step small enough for the range overflows Int
        #expect(narrow.lower <= 1e18 && narrow.upper >= 1e18 + 4096)
        let tiny = NiceScale(min: 5e-324, max: 5e-324)
        #expect(tiny.upper >= tiny.lower)
        #expect(NiceScale(min: 0, max: 87).ticks == [0, 20, 40, 60, 80, 100])
    }

    @Test func colourMixOfNaNDoesNotTrap() {
        #expect(RGBColor.white.mixed(with: RGBColor(r: 0, g: 0, b: 0), .nan) == .white)
    }

    /// 300 monthly cohorts: the heatmap draws the latest 120 and the first 120 offsets, and says so.
    @Test func longCohortMatricesAreDrawnInPart() throws {
        var text = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        for m in 0..<300 {
            let day = CivilDate.dayNumber(year: 1990 + m / 12, month: m % 12 + 1, day: 3)
            text += "\(m),A,X,1,\(CivilDate.format(day)) 10:00,2,C\(m),France\n"
            text += "\(m)b,A,X,1,\(CivilDate.format(day + 40)) 10:00,2,C\(m),France\n"
        }
        let a = Analysis(lines: try OrderLineLoader.load(text: text).lines)
        #expect(a.monthlyCohorts.counts.count == 300)
        let heatmap = CohortHeatmap.retention(a.monthlyCohorts)
        #expect(heatmap.rowCount == 120)
        #expect(heatmap.columnCount == 120)
        #expect(heatmap.title == "Monthly cohort retention (share of each cohort active) (latest 120 of 300 cohorts, first 120 offsets)")
        #expect(heatmap.rowLabels.first == "2005-01")
        #expect(heatmap.png().count > 1000)
    }

    /// A refused matrix (too many periods) renders as an empty heatmap, not a trap or a huge image.
    @Test func refusedMatrixRendersEmpty() throws {
        let text = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
            + "1,A,X,1,1800-01-01 10:00,2,C1,France\n2,A,X,1,2300-12-31 10:00,2,C1,France\n"
        var options = LoadOptions()
        options.validDays = try LoadOptions.parseValidDates("0001-01-01..9999-12-31").get()
        let a = Analysis(lines: try OrderLineLoader.load(text: text, options: options).lines)
        #expect(a.weeklyCohorts.refusal != nil)
        let heatmap = CohortHeatmap.retention(a.weeklyCohorts)
        #expect(heatmap.rowCount == 0)
        #expect(!heatmap.png().isEmpty)
    }
}
