import ClienteleCore
import Foundation
import Synchronization

/// One loaded data set: its lines, data-quality report and unfiltered analysis.
public struct Dataset: Sendable {
    /// A short name for the page header ("demo.csv", "online_retail_II.csv").
    public var name: String
    /// Where it came from, in words.
    public var source: String
    public var loaded: LoadedData
    /// The analysis without filters.
    public var base: Analysis
    /// First and last day of the valid lines.
    public var span: ClosedRange<Int>
    /// Countries of the lines, alphabetical.
    public var countries: [String]
    /// Seconds the load and analysis took.
    public var loadSeconds: Double
    /// Distinguishes cache entries of successive data sets.
    public var generation: Int

    public init(name: String, source: String, loaded: LoadedData, loadSeconds: Double = 0, generation: Int = 0) {
        self.name = name
        self.source = source
        self.loaded = loaded
        self.loadSeconds = loadSeconds
        self.generation = generation
        base = Analysis(lines: loaded.lines)
        span = loaded.lines.daySpan ?? 0...0
        let c = loaded.lines.countries
        countries = (0..<Int32(c.count)).map { c.string($0) }.filter { !$0.isEmpty }.sorted()
    }

    public var lines: OrderLines { loaded.lines }
    public var report: DataQualityReport { loaded.report }
    public var asOf: Int { base.asOf }
}

/// The data set the dashboard shows and a cache of its filtered analyses. Thread-safe; analyses are computed
/// outside the lock (two requests for the same new filter may both compute it; the result is the same).
public final class DataStore: Sendable {
    struct State {
        var dataset: Dataset
        var cache: [AnalysisFilter: FilteredAnalysis] = [:]
        var order: [AnalysisFilter] = []
        var nextGeneration = 1
    }

    private let state: Mutex<State>
    /// Filtered analyses kept (least recently computed are dropped first).
    let cacheSize: Int

    public init(dataset: Dataset, cacheSize: Int = 48) {
        state = Mutex(State(dataset: dataset))
        self.cacheSize = cacheSize
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
        }
    }

    public var nextGeneration: Int { state.withLock { $0.nextGeneration } }

    /// The analysis of `filter` on the current data set (cached).
    public func analysis(_ filter: AnalysisFilter) throws(FilterError) -> (Dataset, FilteredAnalysis) {
        let (dataset, cached) = state.withLock { s in (s.dataset, s.cache[filter]) }
        if let cached { return (dataset, cached) }
        let result: FilteredAnalysis
        if filter.isEmpty {
            result = try FilteredAnalysis(lines: dataset.lines, filter: filter, dataAsOf: dataset.asOf, base: dataset.base)
        } else {
            result = try FilteredAnalysis(lines: dataset.lines, filter: filter, dataAsOf: dataset.asOf)
        }
        state.withLock { s in
            guard s.dataset.generation == dataset.generation, s.cache[filter] == nil else { return }
            s.cache[filter] = result
            s.order.append(filter)
            if s.order.count > cacheSize { s.cache[s.order.removeFirst()] = nil }
        }
        return (dataset, result)
    }
}
