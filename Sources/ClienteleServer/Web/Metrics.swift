import Foundation
import Hummingbird
import Prometheus
import Synchronization

/// The server's metrics in Prometheus format at `/-/metrics` (administrators, or a script with an administrator's
/// API token): requests by route, format and status class, their latencies, the data set's size, and the live
/// source's refreshes. Routes are the dashboard's own (an unknown path counts as `other`), so that the labels stay few.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// What was already counted, for the live source it was counted from (another source starts from its own zero).
    private let reported = Mutex<(source: ObjectIdentifier?, loads: Int, failed: Int, unchanged: Int)>((nil, 0, 0, 0))

    public init() {}

    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30)]

    static let knownRoutes: Set<String> = Set(navigation.map(\.path)).union(["/customer", "/login", "/logout", "/setup", "/account", "/admin", "/upload",
                                                                            "/views", "/datasets", "/-/health", "/-/metrics", "/-/version"])

    /// The route label of a path: `/value.csv` → `/value`, `/static/app.css` → `/static`, anything unknown → `other`.
    static func route(_ path: String) -> String {
        for prefix in ["/static/", "/datasets/", "/upload/", "/admin/", "/account/", "/views/"] where path.hasPrefix(prefix) { return String(prefix.dropLast()) }
        let stem = AccessPolicy.stem(path)
        return knownRoutes.contains(stem) ? stem : "other"
    }

    static func format(_ path: String) -> String {
        guard !path.hasPrefix("/static/"), let dot = path.split(separator: "/").last?.lastIndex(of: ".") else { return path.hasPrefix("/static/") ? "static" : "html" }
        let ext = String(path.split(separator: "/").last![dot...].dropFirst())
        return ["json", "csv", "svg", "png", "pdf", "md", "html"].contains(ext) ? ext : "other"
    }

    func record(path: String, status: Int, elapsed: Duration) {
        let route = Self.route(path)
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "clientele", metricName: "http_requests", unitName: "total",
                                                             helpText: "Requests answered, by route, format and status class."),
                             labels: [("route", route), ("format", Self.format(path)), ("status", "\(status / 100)xx")]).increment()
        registry.makeDurationHistogram(descriptor: MetricNameDescriptor(namespace: "clientele", metricName: "http_request_duration", unitName: "seconds",
                                                                       helpText: "Time to answer a request, by route."),
                                       labels: [("route", route)], buckets: Self.buckets).record(elapsed)
    }

    func recordLogin(_ outcome: String) {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "clientele", metricName: "logins", unitName: "total",
                                                             helpText: "Sign-in attempts by outcome (ok, failed, throttled)."),
                             labels: [("outcome", outcome)]).increment()
    }

    /// The exposition text, with the data set's size and the live source's refreshes read now.
    func text(store: DataStore, live: LiveSource?) -> String {
        let d = store.dataset
        func gauge(_ name: String, _ help: String, _ value: Double) {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "clientele", metricName: name, helpText: help)).set(to: value)
        }
        gauge("dataset_valid_lines", "Valid order lines of the data set served.", Double(d.report.validLines))
        gauge("dataset_invalid_lines", "Invalid order lines of the data set served.", Double(d.report.invalidLines))
        gauge("dataset_customers", "Customers of the data set served.", Double(d.base.table.count))
        gauge("dataset_generation", "Data sets served since the start (uploads, switches and refreshes that changed the data).", Double(d.generation))
        gauge("models_pending", "1 while the churn models of the data set are being compared.", store.modelsPending ? 1 : 0)
        if let live {
            let s = live.status
            // Counters only go up: add what happened since the last scrape.
            let id = ObjectIdentifier(live)
            let (loads, failed, unchanged) = reported.withLock { r -> (Int, Int, Int) in
                if r.source != id { r = (id, 0, 0, 0) }
                defer { r = (id, s.loads, s.failedLoads, s.unchangedRefreshes) }
                return (max(0, s.loads - r.loads), max(0, s.failedLoads - r.failed), max(0, s.unchangedRefreshes - r.unchanged))
            }
            func counter(_ outcome: String) -> Counter {
                registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "clientele", metricName: "source_refreshes", unitName: "total",
                                                                     helpText: "Snapshot loads of the live PostgreSQL source, by outcome (unchanged: same rows, kept)."),
                                     labels: [("outcome", outcome)])
            }
            counter("changed").increment(by: Int64(max(0, loads - unchanged)))
            counter("unchanged").increment(by: Int64(unchanged))
            counter("failed").increment(by: Int64(failed))
            gauge("source_data_age_seconds", "Seconds since the snapshot served was read from the database.", s.dataAsOf.map { Date().timeIntervalSince($0) } ?? -1)
            gauge("source_last_load_seconds", "Seconds the last successful load took.", s.loadSeconds ?? 0)
        }
        return registry.emitToString()
    }
}
