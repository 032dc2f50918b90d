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
        m.validation?.result.predictedTotal = .infinity
        let e = ChurnExplanations(analysis: a, lines: loaded.lines, model: m)
        var report = ExecutiveReport(analysis: a, previous: nil, datasetName: "demo.csv", periodStart: a.asOf - 30, selection: "All customers",
                                     previousPeriod: nil, generatedOn: a.asOf,
                                     recommendations: RecommendationEngine.run(RecommendationInput(analysis: a, churn: m)))
        report.addChurn(m, explanations: e, analysis: a)
        let md = report.markdown()
        #expect(md.contains("The model expects — of discounted customer value over the next 12 months"))
        #expect(md.contains("the model predicted — repeat purchase days"))
        #expect(!report.pdf().isEmpty)
    }

    @Test func hugePDFNumbersDoNotTrap() {
        #expect(PDFNumber.format(1e300) == "999999999999999")
        #expect(PDFNumber.format(-1e300) == "-999999999999999")
        #expect(PDFNumber.format(2e15) == "2000000000000000")
    }
}
