import Synchronization

/// Everything a page, the report or a command needs for one data set and one filter: the selection's analysis, and,
/// computed once on first use, the previous period's and the year-earlier analyses, the churn result and the
/// recommendations. Immutable from the outside; the workspace that made it supplies how to compute the lazy parts
/// (and caches them across snapshots).
public final class Snapshot: Sendable {
    public let dataset: Dataset
    public let current: FilteredAnalysis
    public let rules: RecommendationConfig
    /// True while the whole data set's churn models are still being compared (``churn`` is then nil).
    public let modelsPending: Bool

    /// How the lazy parts are computed: another filter's analysis (nil when it has no customer or is invalid) and the
    /// churn result of this snapshot's filter (nil while the models are compared).
    public struct Providers: Sendable {
        public var analysis: @Sendable (AnalysisFilter) -> FilteredAnalysis?
        public var churn: @Sendable () -> ChurnResult?
        /// Another filter's churn result (the history's, for the report); nil while the models are compared.
        public var churnOf: @Sendable (AnalysisFilter) -> ChurnResult?
        public init(analysis: @escaping @Sendable (AnalysisFilter) -> FilteredAnalysis?, churn: @escaping @Sendable () -> ChurnResult?,
                    churnOf: @escaping @Sendable (AnalysisFilter) -> ChurnResult? = { _ in nil }) {
            self.analysis = analysis; self.churn = churn; self.churnOf = churnOf
        }
    }
    private let providers: Providers

    private struct Memo {
        var previous: ((filter: AnalysisFilter, analysis: Analysis)?)?
        var yearEarlier: ((filter: AnalysisFilter, analysis: Analysis)?)?
        var churn: (ChurnResult?)?
        var recommendations: [Recommendation]?
        /// Segment movements by [start, end] (the churn page and the report share the recent one).
        var movements: [[Int]: SegmentMovement?] = [:]
    }
    private let memo = Mutex(Memo())

    public init(dataset: Dataset, current: FilteredAnalysis, rules: RecommendationConfig, modelsPending: Bool, providers: Providers) {
        self.dataset = dataset
        self.current = current
        self.rules = rules
        self.modelsPending = modelsPending
        self.providers = providers
    }

    public var analysis: Analysis { current.analysis }
    public var filter: AnalysisFilter { current.filter }
    public var horizonDays: Int { rules.horizonDays }

    /// The period of equal length before the filter's range (same countries, segments, tiers) and its analysis; nil
    /// when the data has no such period.
    public var previous: (filter: AnalysisFilter, analysis: Analysis)? {
        if let hit = memo.withLock({ $0.previous }) { return hit }
        let p = filter.previousPeriod(dataStart: dataset.span.lowerBound, dataAsOf: dataset.asOf)
        var value: (filter: AnalysisFilter, analysis: Analysis)?
        if let to = p.to, to >= dataset.span.lowerBound, let prev = providers.analysis(p) { value = (p, prev.analysis) }
        memo.withLock { $0.previous = .some(value) }
        return value
    }

    /// The same dates a year earlier (same countries, segments, tiers) and their analysis; nil without a date range,
    /// when the data does not reach back that far, or when that period has no customer.
    public var yearEarlier: (filter: AnalysisFilter, analysis: Analysis)? {
        if let hit = memo.withLock({ $0.yearEarlier }) { return hit }
        var value: (filter: AnalysisFilter, analysis: Analysis)?
        if let y = filter.yearEarlier(dataStart: dataset.span.lowerBound), let a = providers.analysis(y), a.analysis.table.count > 0 {
            value = (y, a.analysis)
        }
        memo.withLock { $0.yearEarlier = .some(value) }
        return value
    }

    /// The selection from the data's first day to the end of its range (same countries, segments, tiers; no `to` when
    /// the range ends on the data's last day): the customer base as of the period's end, which the report's findings,
    /// actions and churn risk describe. Nil without a start date (the selection is its own history).
    public var historyFilter: AnalysisFilter? {
        guard filter.from != nil else { return nil }
        var f = filter
        f.from = nil
        if f.to == dataset.asOf - 1 { f.to = nil }
        return f
    }

    /// The analysis of ``historyFilter``.
    public var history: Analysis? { historyFilter.flatMap { providers.analysis($0)?.analysis } }

    /// The churn result of ``historyFilter`` (nil while the models are compared); this snapshot's own without a start date.
    public var historyChurn: ChurnResult? {
        guard let f = historyFilter else { return churn }
        return modelsPending ? nil : providers.churnOf(f)
    }

    /// Customers moving between segments from the as-of date `start` to `end` on this filter's countries (the date
    /// range, segment and tier filters do not apply: the dates are the movement's own, and the segments are what it
    /// shows); nil when no customer has an order before `end`.
    public func movement(start: Int, end: Int) -> SegmentMovement? {
        let key = [start, end]
        if let hit = memo.withLock({ $0.movements[key] }) { return hit }
        let value = SegmentMovement.compute(start: start, end: end) { day in
            providers.analysis(SegmentMovement.filter(asOf: day, dataAsOf: dataset.asOf, countries: filter.countries))
        }
        memo.withLock { $0.movements[key] = .some(value) }
        return value
    }

    /// The churn model and reasons of this selection; nil while the models are compared in the background.
    public var churn: ChurnResult? {
        if let hit = memo.withLock({ $0.churn }) { return hit }
        let value = modelsPending ? nil : providers.churn()
        memo.withLock { $0.churn = .some(value) }
        return value
    }

    /// The inputs of the recommendations engine for this selection.
    public var recommendationInput: RecommendationInput {
        RecommendationInput(analysis: analysis, config: rules, churn: churn?.model)
    }

    /// The ranked actions of this selection.
    public var recommendations: [Recommendation] {
        if let hit = memo.withLock({ $0.recommendations }) { return hit }
        let value = RecommendationEngine.run(recommendationInput)
        memo.withLock { $0.recommendations = value }
        return value
    }
}
