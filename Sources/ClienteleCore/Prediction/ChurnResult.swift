/// The prediction of an analysis with its plain-words reasons: what the churn pages, the report, `predict` and the
/// recommendations read.
public struct ChurnResult: Sendable {
    public var model: ChurnModel
    public var explanations: ChurnExplanations
    /// The data set generation it was computed on (the server drops results of replaced data sets).
    public var generation: Int

    public init(model: ChurnModel, analysis: Analysis, lines: OrderLines, generation: Int = 0) {
        self.model = model
        explanations = ChurnExplanations(analysis: analysis, lines: lines, model: model)
        self.generation = generation
    }

    /// Validates every candidate on the holdout and predicts (see ``ChurnModel``).
    public init(analysis: Analysis, lines: OrderLines, options: CLVOptions = CLVOptions(),
                horizonDays: Int = ChurnModel.defaultHorizonDays, generation: Int = 0) {
        self.init(model: ChurnModel(analysis: analysis, lines: lines, options: options, horizonDays: horizonDays),
                  analysis: analysis, lines: lines, generation: generation)
    }
}

extension ChurnResult {
    /// The prediction of a filtered analysis, the one way every surface gets it: the whole data set's result
    /// (`base`, computed from `baseAnalysis` and `lines` when not given) for no filter; for a date or country
    /// selection, the whole data set's chosen candidates refitted on the selection's lines (validation: the whole
    /// data set's); for a segment or tier selection, the whole data set's predictions of its customers.
    public static func forFilter(_ filter: AnalysisFilter, current: FilteredAnalysis, lines: OrderLines, baseAnalysis: Analysis,
                                 horizonDays: Int = ChurnModel.defaultHorizonDays, base: ChurnResult? = nil,
                                 generation: Int = 0) -> ChurnResult {
        let whole = base ?? ChurnResult(analysis: baseAnalysis, lines: lines, horizonDays: horizonDays, generation: generation)
        if filter.isEmpty { return whole }
        let model = filter.hasLineFilter
            ? ChurnModel(analysis: current.analysis, lines: current.lines, horizonDays: horizonDays, reusing: whole.model)
            : ChurnModel(restricting: whole.model, from: baseAnalysis, to: current.analysis)
        return ChurnResult(model: model, analysis: current.analysis, lines: current.lines, generation: generation)
    }
}
