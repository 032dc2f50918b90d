import ClienteleCore
import Foundation
import Hummingbird
import Synchronization

/// The dashboard's data: the workspace (data set, cached analyses, churn results, snapshots) and the cache of rendered
/// responses of its current data set.
public final class DataStore: Sendable {
    public let workspace: Workspace
    private let responses = Mutex(ResponseCache(generation: 0))

    public init(dataset: Dataset, cacheSize: Int = 32, cacheLines: Int = 8_000_000, rules: RecommendationConfig = RecommendationConfig(),
                modelsInBackground: Bool = false, locale: String? = nil) {
        workspace = Workspace(dataset: dataset, cacheSize: cacheSize, cacheLines: cacheLines, rules: rules, modelsInBackground: modelsInBackground,
                              locale: locale)
        responses.withLock { $0.generation = dataset.generation }
    }

    public var dataset: Dataset { workspace.dataset }
    public var rules: RecommendationConfig { workspace.rules }
    public var horizonDays: Int { workspace.horizonDays }
    public var modelsInBackground: Bool { workspace.modelsInBackground }
    public var modelsPending: Bool { workspace.modelsPending }
    public var nextGeneration: Int { workspace.nextGeneration }

    /// Replaces the data set (after an upload); every cache is cleared.
    public func replace(with dataset: Dataset) {
        workspace.replace(with: dataset)
        let generation = workspace.dataset.generation
        responses.withLock { $0 = ResponseCache(generation: generation) }
    }

    /// The display style of the current data set: its currency in the workspace's locale.
    public var displayStyle: DisplayStyle { workspace.displayStyle }

    /// Forgets the rendered responses (the nav's saved views changed); the analyses stay.
    public func clearResponses() {
        responses.withLock { $0 = ResponseCache(generation: $0.generation) }
    }

    public func startModels() { workspace.startModels() }
    public func churn(_ filter: AnalysisFilter) throws(FilterError) -> ChurnResult? { try workspace.churn(filter) }
    public func analysis(_ filter: AnalysisFilter) throws(FilterError) -> (Dataset, FilteredAnalysis) { try workspace.analysis(filter) }
    public func snapshot(_ filter: AnalysisFilter, prefetchPrevious: Bool = false) throws(FilterError) -> Snapshot {
        try workspace.snapshot(filter, prefetchPrevious: prefetchPrevious)
    }

    /// A rendered response for `key` on the current data set, if cached.
    func cachedResponse(_ key: String) -> CachedResponse? { responses.withLock { $0.get(key) } }

    /// Keeps a response rendered on data set `generation` (dropped when the data set has changed since).
    func storeResponse(_ key: String, _ response: CachedResponse, generation: Int) {
        responses.withLock { cache in
            guard cache.generation == generation else { return }
            cache.put(key, response)
        }
    }
}

/// A rendered page (status 200) kept for identical requests.
struct CachedResponse: Sendable {
    var body: ByteBuffer
    var contentType: String
    var disposition: String?
    /// The response lists customers one by one (a download of it is written to the audit log).
    var customerList = false
}

/// Rendered responses by URL, least recently used dropped first, bounded in bytes.
struct ResponseCache {
    /// The data set generation the responses were rendered on.
    var generation: Int
    var entries: [String: (CachedResponse, Int)] = [:]
    var order: [String] = []
    var bytes = 0
    static let maxBytes = 96 << 20
    static let maxEntry = 8 << 20

    mutating func get(_ key: String) -> CachedResponse? {
        guard let (r, _) = entries[key] else { return nil }
        if let i = order.firstIndex(of: key), i != order.count - 1 { order.remove(at: i); order.append(key) }
        return r
    }

    mutating func put(_ key: String, _ r: CachedResponse) {
        let size = r.body.readableBytes + key.utf8.count
        guard size <= Self.maxEntry, entries[key] == nil else { return }
        entries[key] = (r, size)
        order.append(key)
        bytes += size
        while bytes > Self.maxBytes, !order.isEmpty {
            let old = order.removeFirst()
            if let (_, n) = entries.removeValue(forKey: old) { bytes -= n }
        }
    }
}
