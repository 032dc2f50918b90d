import Foundation
import Synchronization

/// The data set in use and a cache of its filtered analyses and churn results, with the whole data set's model
/// comparison run in the background: the server's (and any long-running host's) source of snapshots. Thread-safe;
/// analyses are computed outside the lock (two requests for the same new filter may both compute it; the result is
/// the same).
public final class Workspace: Sendable {
    struct State {
        var dataset: Dataset
        var cache: [AnalysisFilter: FilteredAnalysis] = [:]
        /// Least recently used first.
        var order: [AnalysisFilter] = []
        /// Order lines held by the cached analyses that have their own (filtered) copy.
        var cachedLines = 0
        var nextGeneration = 1
        var churn: [AnalysisFilter: ChurnResult] = [:]
        var churnOrder: [AnalysisFilter] = []
        /// The whole data set's model comparison: not started, running in the background, or done.
        var models: ModelsState = .idle
        /// The display style of the data set of that generation.
        var style: (generation: Int, style: DisplayStyle)?
    }

    enum ModelsState { case idle, running, ready(ChurnResult) }

    private let state: Mutex<State>
    /// Filtered analyses kept (least recently used are dropped first), and the order lines their filtered copies
    /// may hold in all (about 25 bytes a line).
    let cacheSize: Int
    let cacheLines: Int

    /// Thresholds of the recommendations engine.
    public let rules: RecommendationConfig
    /// H of churn risk: the chance of no order in the next H days.
    public let horizonDays: Int
    /// When true, the whole data set's model comparison runs only in the background (``startModels()``) and pages
    /// say "comparing models..." until it is done; when false (tests, one-shot commands) the first page that needs
    /// it computes it.
    public let modelsInBackground: Bool

    /// Locale of numbers and dates in the text the workspace writes (churn reasons are written with the models, in
    /// the data set's currency); nil: the default style.
    public let locale: String?

    public init(dataset: Dataset, cacheSize: Int = 32, cacheLines: Int = 8_000_000, rules: RecommendationConfig = RecommendationConfig(),
                modelsInBackground: Bool = false, locale: String? = nil) {
        state = Mutex(State(dataset: dataset))
        self.locale = locale
        self.rules = rules
        self.horizonDays = rules.horizonDays
        self.modelsInBackground = modelsInBackground
        self.cacheSize = cacheSize
        self.cacheLines = cacheLines
    }

    public var dataset: Dataset { state.withLock { $0.dataset } }

    /// Replaces the data set (after an upload); the cache is cleared.
    public func replace(with dataset: Dataset) {
        state.withLock {
            var d = dataset
            d.generation = $0.nextGeneration
            $0.nextGeneration += 1
            $0.dataset = d
            $0.cache = [:]
            $0.order = []
            $0.cachedLines = 0
            $0.churn = [:]
            $0.churnOrder = []
            $0.models = .idle
        }
        if modelsInBackground { startModels() }
    }

    /// Starts the whole data set's model comparison on its own thread (once per data set).
    public func startModels() {
        let d: Dataset? = state.withLock { s in
            guard case .idle = s.models else { return nil }
            s.models = .running
            return s.dataset
        }
        guard let d else { return }
        Thread.detachNewThread { [self] in
            let result = DisplayFormat.$style.withValue(displayStyle(d)) {
                ChurnResult(analysis: d.base, lines: d.lines, horizonDays: horizonDays, generation: d.generation)
            }
            state.withLock { s in
                guard s.dataset.generation == d.generation else { return }
                s.models = .ready(result)
            }
        }
    }

    /// True while the whole data set's models are being compared in the background (pages say so).
    public var modelsPending: Bool {
        guard modelsInBackground else { return false }
        return state.withLock { s in if case .ready = s.models { return false } else { return true } }
    }

    /// The whole data set's churn result: nil while it is being computed in the background.
    public func baseChurn() -> ChurnResult? {
        let (d, models) = state.withLock { ($0.dataset, $0.models) }
        if case .ready(let r) = models { return r }
        if modelsInBackground { return nil }   // ``startModels()`` runs it (serve starts it once it listens)
        let result = DisplayFormat.$style.withValue(displayStyle(d)) {
            ChurnResult(analysis: d.base, lines: d.lines, horizonDays: horizonDays, generation: d.generation)
        }
        state.withLock { s in
            guard s.dataset.generation == d.generation else { return }
            if case .ready = s.models { return }
            s.models = .ready(result)
        }
        return result
    }

    /// The display style of `dataset`: its currency in this workspace's locale (cached per data set and locale).
    public func displayStyle(_ dataset: Dataset) -> DisplayStyle {
        if let hit = state.withLock({ s in s.style.flatMap { $0.generation == dataset.generation ? $0.style : nil } }) { return hit }
        let style = DisplayStyle(locale: locale, currency: dataset.currency)
        state.withLock { $0.style = (dataset.generation, style) }
        return style
    }

    /// The display style of the current data set.
    public var displayStyle: DisplayStyle { displayStyle(dataset) }

    public var nextGeneration: Int { state.withLock { $0.nextGeneration } }

    /// The predictive model and churn reasons of `filter`'s analysis (cached, 16 filters at most); nil while the whole
    /// data set's models are still being compared in the background. A date or country selection refits the whole
    /// data set's chosen candidates on its lines (its validation is the whole data set's); a segment or tier
    /// selection reads the whole data set's predictions of its customers.
    public func churn(_ filter: AnalysisFilter) throws(FilterError) -> ChurnResult? {
        guard let base = baseChurn() else { return nil }
        if filter.isEmpty { return base }
        if let hit = state.withLock({ $0.churn[filter] }), hit.generation == base.generation { return hit }
        let (dataset, current) = try analysis(filter)
        guard dataset.generation == base.generation else { return nil }
        let result = DisplayFormat.$style.withValue(displayStyle(dataset)) {
            ChurnResult.forFilter(filter, current: current, lines: dataset.lines, baseAnalysis: dataset.base,
                                  horizonDays: horizonDays, base: base, generation: dataset.generation)
        }
        state.withLock { s in
            guard s.dataset.generation == dataset.generation, s.churn[filter] == nil else { return }
            s.churn[filter] = result
            s.churnOrder.append(filter)
            if s.churnOrder.count > 16 { s.churn[s.churnOrder.removeFirst()] = nil }
        }
        return result
    }

    /// The snapshot of `filter` on the current data set: its analysis now, the rest on first use (through this
    /// store's caches). With `prefetchPrevious` (pages that compare periods), the analyses of the filter and of its
    /// previous period are computed at the same time.
    public func snapshot(_ filter: AnalysisFilter, prefetchPrevious: Bool = false) throws(FilterError) -> Snapshot {
        let pending = modelsPending
        if prefetchPrevious { prefetchWithPreviousPeriod(filter) }
        let (dataset, current) = try analysis(filter)
        let providers = Snapshot.Providers(
            analysis: { [self] f in
                guard let (d, a) = try? self.analysis(f), d.generation == dataset.generation else { return nil }
                return a
            },
            churn: { [self] in try? self.churn(filter) ?? nil },
            churnOf: { [self] f in try? self.churn(f) ?? nil })
        return Snapshot(dataset: dataset, current: current, rules: rules, modelsPending: pending, providers: providers)
    }

    /// Computes the analyses of `filter`, of its previous period and of the same dates a year earlier (the overview
    /// and the report compare them) at the same time.
    public func prefetchWithPreviousPeriod(_ filter: AnalysisFilter) {
        let d = dataset
        let previous = filter.previousPeriod(dataStart: d.span.lowerBound, dataAsOf: d.asOf)
        var wanted = [filter]
        if let to = previous.to, to >= d.span.lowerBound { wanted.append(previous) }
        if let year = filter.yearEarlier(dataStart: d.span.lowerBound) { wanted.append(year) }
        let missing = state.withLock { s in wanted.filter { s.cache[$0] == nil } }
        guard missing.count >= 2 else { return }
        _ = parallelMap(missing.count) { i in try? self.analysis(missing[i]) }
    }

    /// The analysis of `filter` on the current data set (cached).
    public func analysis(_ filter: AnalysisFilter) throws(FilterError) -> (Dataset, FilteredAnalysis) {
        let (dataset, cached) = state.withLock { s -> (Dataset, FilteredAnalysis?) in
            let hit = s.cache[filter]
            if hit != nil, let i = s.order.firstIndex(of: filter) { s.order.remove(at: i); s.order.append(filter) }
            return (s.dataset, hit)
        }
        if let cached { return (dataset, cached) }
        let result: FilteredAnalysis
        if filter.isEmpty {
            result = try FilteredAnalysis(lines: dataset.lines, filter: filter, dataAsOf: dataset.asOf, base: dataset.base)
        } else {
            result = try FilteredAnalysis(lines: dataset.lines, filter: filter, dataAsOf: dataset.asOf)
        }
        let cost = filter.hasLineFilter ? result.lines.count : 0
        state.withLock { s in
            guard s.dataset.generation == dataset.generation, s.cache[filter] == nil else { return }
            s.cache[filter] = result
            s.order.append(filter)
            s.cachedLines += cost
            while s.order.count > 1 && (s.order.count > cacheSize || s.cachedLines > cacheLines) {
                let old = s.order.removeFirst()
                if let gone = s.cache.removeValue(forKey: old), old.hasLineFilter { s.cachedLines -= gone.lines.count }
            }
        }
        return (dataset, result)
    }
}
