import ClienteleCore
import Foundation

extension ExecutiveReport {
    /// Words for a wait on the background model comparison (the dashboard's report while models are compared).
    public static let modelsPendingNote = "Comparing churn models on the holdout… churn risk appears here as soon as the comparison is done."

    /// With `history` (the selection from the data's first day to the period's end; for a period that starts after
    /// the data does), the key metrics and their comparisons are the period's, and the findings, the actions and churn
    /// risk are about the customer base as of the period's end (`churn` must then be `history`'s): a 90-day window
    /// alone has no trend, no cohorts, no lapsed customers and too little history for a churn model.
    /// The one way a report is built, for the dashboard and `clientele report`: the selection's analysis, its
    /// previous period (nil when the data has none), the actions from the engine with the churn result, and the churn
    /// finding with its validation (or a note while the models are still being compared), and the segment movement of
    /// the recent days (`SegmentMovement.recentWindow`) when given.
    public static func build(analysis: Analysis, previous: (filter: AnalysisFilter, analysis: Analysis)?,
                             yearEarlier: (filter: AnalysisFilter, analysis: Analysis)? = nil, history: Analysis? = nil, datasetName: String,
                             periodStart: Int, selection: String, rules: RecommendationConfig, churn: ChurnResult?,
                             modelsPending: Bool = false, movement: SegmentMovement? = nil,
                             today: Int = LoadOptions.today()) -> ExecutiveReport {
        var report = ExecutiveReport(
            analysis: analysis, previous: previous?.analysis, datasetName: datasetName, periodStart: periodStart,
            selection: selection,
            previousPeriod: previous.flatMap { p in p.filter.from.flatMap { f in p.filter.to.map { (f, $0) } } },
            generatedOn: today,
            recommendations: RecommendationEngine.run(RecommendationInput(analysis: history ?? analysis, config: rules, churn: churn?.model)),
            history: history)
        if let y = yearEarlier, let from = y.filter.from, let to = y.filter.to { report.addYearEarlier(analysis, y.analysis, from: from, to: to) }
        if let movement { report.addMovement(movement) }
        if let churn {
            report.addChurn(churn.model, explanations: churn.explanations, analysis: history ?? analysis)
        } else if modelsPending {
            report.validation = [modelsPendingNote]
        }
        return report
    }
}

extension ExecutiveReport {
    /// The segment movement finding: who stayed, the largest flows and their revenue.
    public mutating func addMovement(_ m: SegmentMovement) {
        let sentences = m.sentences
        let moves = m.moves.prefix(8)
        guard let headline = sentences.first, !moves.isEmpty else { return }
        let chart = BarChart(title: "Largest flows between segments", labels: moves.map { "\(SegmentMovement.name($0.from)) → \($0.to.rawValue)" },
                             values: moves.map { Double($0.customers) }, categoryAxisTitle: "From → to", valueAxisTitle: "Customers",
                             horizontal: true, showValueLabels: true, format: { DisplayFormat.integer(Int($0)) }, height: 340)
        findings.append(Finding(
            id: "movement", headline: headline, details: Array(sentences.dropFirst()), chartTitle: chart.title, chartSVG: chart.svg(),
            table: (["From", "To", "Customers", "Revenue last 12 months"],
                    moves.map { [SegmentMovement.name($0.from), $0.to.rawValue, DisplayFormat.integer($0.customers), DisplayFormat.money($0.revenue)] })))
    }
}
