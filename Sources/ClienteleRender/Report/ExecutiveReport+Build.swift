import ClienteleCore
import Foundation

extension ExecutiveReport {
    /// Words for a wait on the background model comparison (the dashboard's report while models are compared).
    public static let modelsPendingNote = "Comparing churn models on the holdout… churn risk appears here as soon as the comparison is done."

    /// The one way a report is built, for the dashboard and `clientele report`: the selection's analysis, its
    /// previous period (nil when the data has none), the actions from the engine with the churn result, and the churn
    /// finding with its validation (or a note while the models are still being compared).
    public static func build(analysis: Analysis, previous: (filter: AnalysisFilter, analysis: Analysis)?, datasetName: String,
                             periodStart: Int, selection: String, rules: RecommendationConfig, churn: ChurnResult?,
                             modelsPending: Bool = false, today: Int = LoadOptions.today()) -> ExecutiveReport {
        var report = ExecutiveReport(
            analysis: analysis, previous: previous?.analysis, datasetName: datasetName, periodStart: periodStart,
            selection: selection,
            previousPeriod: previous.flatMap { p in p.filter.from.flatMap { f in p.filter.to.map { (f, $0) } } },
            generatedOn: today,
            recommendations: RecommendationEngine.run(RecommendationInput(analysis: analysis, config: rules, churn: churn?.model)))
        if let churn {
            report.addChurn(churn.model, explanations: churn.explanations, analysis: analysis)
        } else if modelsPending {
            report.validation = [modelsPendingNote]
        }
        return report
    }
}
