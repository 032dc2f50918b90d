import ClienteleCore
import ClientelePostgres
import Foundation
import Logging
import Synchronization

/// A live PostgreSQL source behind the dashboard (`clientele serve --postgres`): loads snapshots, replaces the data
/// store's data set atomically when a load succeeds, keeps the last good snapshot serving when one fails, refreshes on
/// an interval and on request, and retries with backoff while no snapshot has ever loaded.
public final class LiveSource: Sendable {
    public let source: PostgresSource
    /// Seconds between refreshes (nil: only on request).
    public let interval: Int?
    let logger: Logger

    /// What the pages and `/-/health` say about the source.
    public struct Status: Sendable {
        /// When the snapshot being served was read (nil: none yet).
        public var dataAsOf: Date?
        /// The last attempt's failure (nil: it succeeded or none failed yet).
        public var lastError: String?
        public var lastAttempt: Date?
        public var refreshing = false
        /// Failures in a row (for the backoff).
        public var failures = 0
        public var nextAttempt: Date?
        /// Seconds the last successful load took, and the rows it received.
        public var loadSeconds: Double?
        public var rowsReceived: Int?
        /// The fingerprint of the snapshot being served.
        public var fingerprint: Int?
        /// Refreshes that found the same data as the snapshot served (kept, with its models).
        public var unchangedRefreshes = 0
        /// Loads that succeeded and failed since the server started (the metrics' counters).
        public var loads = 0
        public var failedLoads = 0
        /// No snapshot has loaded yet: pages wait (503) and say why.
        public var waiting: Bool { dataAsOf == nil }
    }

    private let state = Mutex(Status())
    private let storeRef = Mutex<DataStore?>(nil)

    public init(source: PostgresSource, interval: Int?, logger: Logger = Logger(label: "clientele.postgres")) {
        self.source = source
        self.interval = interval
        self.logger = logger
    }

    public var status: Status { state.withLock { $0 } }

    /// Loads a snapshot into a data set (the analysis runs on a thread of its own). Does not touch the store.
    public func loadDataset(generation: Int = 0, unlessFingerprint served: Int? = nil) async -> Result<Dataset?, PostgresSourceError> {
        state.withLock { $0.refreshing = true; $0.lastAttempt = Date() }
        let result: Result<Dataset?, PostgresSourceError>
        do throws(PostgresSourceError) {
            let load = try await source.load(logger: logger)
            let unchanged = served == load.fingerprint
            var d: Dataset?
            if !unchanged {
                let source = self.source
                d = await onOwnThread { Dataset(name: source.name, source: source.sourceText, loaded: load.loaded, loadSeconds: load.seconds, generation: generation) }
                d?.customerLineSource = source.customerLineReader()
            }
            state.withLock { s in
                s.dataAsOf = Date(); s.lastError = nil; s.failures = 0; s.refreshing = false
                s.loadSeconds = load.seconds; s.rowsReceived = load.rowsReceived; s.fingerprint = load.fingerprint
                if unchanged { s.unchangedRefreshes += 1 }
                s.loads += 1
            }
            result = .success(d)
        } catch {
            state.withLock { s in s.lastError = error.description; s.failures += 1; s.refreshing = false; s.failedLoads += 1 }
            result = .failure(error)
        }
        return result
    }

    /// Refreshes now: on success the store's data set is replaced (atomically: requests in flight finish on the old
    /// one) and the models are compared again; on failure the last snapshot keeps serving. False when a refresh is
    /// already running or it failed.
    @discardableResult
    public func refresh() async -> Bool {
        guard let store = storeRef.withLock({ $0 }) else { return false }
        // Another data set is served (an upload was confirmed, say): this source no longer replaces it.
        guard store.dataset.source == source.sourceText else { return false }
        if status.refreshing { return false }
        let result = await loadDataset(generation: store.nextGeneration, unlessFingerprint: status.fingerprint)
        switch result {
        case .success(nil):
            store.clearResponses()   // same data: the analyses and models stay; only the status line changes
            logger.info("refreshed \(source.name): no change")
        case .success(let d?):
            // Another data set was chosen meanwhile (this source's loop was cancelled): keep it.
            if Task.isCancelled || store.dataset.source != source.sourceText { return false }
            var d = d
            // The name and currency the served snapshot carries stay (a library entry's name, a currency given on the
            // command line or the Data sets page); the database only knows the table's name.
            d.name = store.dataset.name
            if let c = store.dataset.currency { d.currency = c }
            store.replace(with: d)
            store.startModels()
            logger.info("refreshed \(source.name): \(d.report.validLines) valid lines, \(d.base.table.count) customers")
        case .failure(let e):
            store.clearResponses()   // the pages' status line changed
            logger.warning("refresh of \(source.name) failed: \(e.description)")
        }
        if case .success = result { return true }
        return false
    }

    /// Starts the refresh loop for `store`: while no snapshot has loaded, retries after 2, 4, 8 … seconds (at most 5
    /// minutes); then refreshes every ``interval`` seconds (a failed refresh retries with the same backoff, never more
    /// often than the interval would).
    public func start(store: DataStore) -> Task<Void, Never> {
        storeRef.withLock { $0 = store }
        return Task.detached { [self] in
            while !Task.isCancelled {
                if store.dataset.source != self.source.sourceText { return }   // another data set is served
                let s = self.status
                let backoff = min(300, 2 << min(s.failures, 8))
                let wait: Int
                if s.waiting { wait = backoff } else if let interval = self.interval { wait = s.lastError == nil ? interval : min(interval, backoff) } else { return }
                self.state.withLock { $0.nextAttempt = Date().addingTimeInterval(Double(wait)) }
                store.clearResponses()
                try? await Task.sleep(for: .seconds(wait))
                if Task.isCancelled { return }
                await self.refresh()
            }
        }
    }

    /// Records a failure of the first load (the server then starts waiting).
    public func recordStartFailure(_ error: PostgresSourceError) {
        state.withLock { s in s.lastError = error.description; s.failures = max(1, s.failures); s.lastAttempt = Date() }
    }

    /// Sets the store without starting the loop (tests drive refreshes themselves).
    public func attach(_ store: DataStore) { storeRef.withLock { $0 = store } }

    static func clock(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "HH:mm"
        return f.string(from: date) + " UTC"
    }

    /// The line every page shows under its title.
    public var statusLine: (text: String, failed: Bool) {
        let s = status
        guard let asOf = s.dataAsOf else {
            let next = s.nextAttempt.map { " Next try at \(LiveSource.clock($0)) (attempt \(s.failures + 1))." } ?? ""
            let reason = (s.lastError ?? "connecting…").trimmingCharacters(in: CharacterSet(charactersIn: "."))
            return ("No data yet: the database \(source.name) could not be read: \(reason).\(next)", true)
        }
        if let e = s.lastError {
            return ("Data as of \(LiveSource.clock(asOf)), refresh failed: \(e)", true)
        }
        let every = interval.map { " · refreshed every \(LiveSource.duration($0))" } ?? " · refreshed on request (Data sets page)"
        return ("Data as of \(LiveSource.clock(asOf)) from PostgreSQL\(every)", false)
    }

    static func duration(_ seconds: Int) -> String {
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }

    /// Parses `--refresh`: `30s`, `15m`, `1h` (a bare number is minutes); at least 10 seconds, at most a week.
    public static func parseInterval(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        var unit = 60
        var digits = t
        if let last = t.last, "smh".contains(last) {
            unit = last == "s" ? 1 : last == "m" ? 60 : 3600
            digits = String(t.dropLast())
        }
        guard let n = Int(digits), n > 0, n <= 7 * 86_400 / unit, n * unit >= 10 else { return nil }
        return n * unit
    }
}

extension PostgresSource {
    /// Reads one customer's lines with a blocking wait (page builders run on threads of their own), at most 30 s.
    public func customerLineReader() -> @Sendable (String) -> Result<[SourceLine], SourceLineError> {
        let source = self
        return { id in
            let result = PostgresSource.waitBlocking(timeout: 30) { () async -> Result<[SourceLine], SourceLineError> in
                do throws(PostgresSourceError) {
                    return .success(try await source.customerLines(id))
                } catch {
                    return .failure(SourceLineError(error.description))
                }
            }
            return result ?? .failure(SourceLineError("the database did not answer within 30 seconds"))
        }
    }
}

/// The live source the dashboard shows now, if any: set by `serve --postgres` or when a database entry of the library
/// is used, cleared when another data set is used (its refresh loop stops).
public final class LiveSlot: Sendable {
    private let state = Mutex<(live: LiveSource?, task: Task<Void, Never>?)>((nil, nil))

    public init(_ live: LiveSource? = nil) { state.withLock { $0.live = live } }

    public var current: LiveSource? { state.withLock { $0.live } }

    /// The live source when `dataset` is its snapshot (an upload confirmed meanwhile, say, is not: then pages say
    /// nothing of the database and its refreshes stop).
    public func active(for dataset: Dataset) -> LiveSource? {
        guard let live = current, dataset.source == live.source.sourceText else { return nil }
        return live
    }

    /// Shows `live` (nil: none); the previous source's refresh loop stops. `store` starts the new one's loop.
    public func set(_ live: LiveSource?, store: DataStore?) {
        let old = state.withLock { s -> Task<Void, Never>? in
            let t = s.task
            s.live = live
            s.task = nil
            return t
        }
        old?.cancel()
        if let live, let store {
            let task = live.start(store: store)
            state.withLock { $0.task = task }
        }
    }
}
