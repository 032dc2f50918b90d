import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Logging
import Mustache
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Settings of the web server (flags of `clientele serve`, documented in the README).
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Uploads are stored in `<dataDirectory>/uploads`; nothing is written anywhere else.
    public var dataDirectory = "clientele-data"
    /// Largest accepted upload, in bytes (a compressed upload's decompressed size counts).
    public var maxUploadBytes = 200 << 20
    /// Bytes the uploads folder may hold; the oldest unconfirmed upload is removed first to make room.
    public var uploadQuotaBytes = 2048 << 20
    /// Seconds an unconfirmed upload waits before it is deleted.
    public var pendingUploadSeconds: TimeInterval = 3600
    /// Host names (besides localhost and the listening address) the dashboard answers for.
    public var allowedHosts: [String] = []
    /// Pages computed at the same time at most (beyond: 503 with Retry-After).
    public var maxComputations = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// Seconds a client has to send a request's head after connecting, and its body after the head.
    public var headerTimeout: Int64 = 10
    public var bodyTimeout: Int64 = 120
    /// Seconds an idle keep-alive connection stays open.
    public var idleTimeout: Int64 = 30
    /// Longest request target (path and query), in bytes.
    public var maxURIBytes = 4096
    /// Days an uploaded line's date may take (nil: 1970-01-01 to one day after the upload, as for files).
    public var validDays: ClosedRange<Int>?
    public var version = "dev"
    /// Accounts and roles (the default). False (`--no-accounts`, loopback addresses only): everyone is the local
    /// administrator, as before accounts existed.
    public var accounts = true
    /// Behind a reverse proxy: `X-Forwarded-Proto: https` makes cookies Secure, `X-Forwarded-For` is the client's
    /// address in the audit log and the login throttle.
    public var trustProxy = false
    /// Seconds a signed-in session may stay unused.
    public var sessionIdleSeconds: TimeInterval = 8 * 3600
    /// Where scheduled reports are written (nil: `<dataDirectory>/reports`) and the SMTP relay that mails them.
    public var reportsDirectory: String?
    public var smtp: SMTPRelay?

    public init() {}

    /// Whether the listening address is reachable only from this machine.
    public var isLoopbackOnly: Bool { HostPolicy.isLoopback(host) }

    /// The host to show in the dashboard's address (127.0.0.1 for a wildcard address).
    public var displayHost: String { HostPolicy.isWildcard(host) ? "127.0.0.1" : (host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host) }
}

/// Builds the dashboard application around a data store.
/// `onRunning` is called with the bound port once the server listens (so that nothing is announced before the
/// port is really ours).
/// `datasets` is the data-set library (nil: one in memory, forgotten when the server stops); `opener` loads its data
/// sets.
public func buildApplication(store: DataStore, options: ServerOptions, logger: Logger? = nil, slots: ComputeSlots? = nil, sweepUploads: Bool = false,
                             datasets: DatasetLibrary? = nil, opener: DatasetOpener = DatasetOpener(),
                             liveSlot: LiveSlot? = nil, setup: SetupLink? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(store: store, options: options, slots: slots, sweepUploads: sweepUploads, datasets: datasets, opener: opener,
                                       liveSlot: liveSlot, setup: setup)
    var log = logger ?? Logger(label: "clientele")
    if logger == nil { log.logLevel = .info }
    let header = TimeAmount.seconds(options.headerTimeout), body = TimeAmount.seconds(options.bodyTimeout)
    let http = HTTP1Channel.Configuration(additionalChannelHandlers: [RequestReadTimeoutHandler(headerTimeout: header, bodyTimeout: body)],
                                          idleTimeout: .seconds(options.idleTimeout))
    return Application(router: router, server: .http1(configuration: http),
                       configuration: .init(address: .hostname(options.host, port: options.port), serverName: "Clientele"),
                       onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
                       logger: log)
}

extension PageRenderer {
    static func templates(_ directory: String? = nil) async throws -> MustacheLibrary {
        guard let dir = directory ?? Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw ServerSetupError("The dashboard's templates are missing from the installation.")
        }
        return try await MustacheLibrary(directory: dir)
    }
}

/// The router with every route; used by the application and by in-process tests.
/// `slots` bounds the pages computed at the same time (default: `options.maxComputations`; tests pass their own).
/// `sweepUploads` starts the periodic removal of expired uploads (the server; tests call the sweep themselves).
/// `datasets` is the data-set library (nil: one in memory).
public func buildRouter(store: DataStore, options: ServerOptions, slots: ComputeSlots? = nil, sweepUploads: Bool = false,
                        datasets: DatasetLibrary? = nil, opener: DatasetOpener = DatasetOpener(),
                        liveSlot: LiveSlot? = nil, setup: SetupLink? = nil, sessions: Sessions? = nil,
                        throttle: LoginThrottle = LoginThrottle(), metrics: ServerMetrics? = nil) async throws -> Router<BasicRequestContext> {
    // The live database source shown now (serve --postgres, or a database entry of the library used later).
    let slot = liveSlot ?? LiveSlot()
    guard let templates = Bundle.module.resourceURL?.appendingPathComponent("Templates").path,
          let staticDir = Bundle.module.resourceURL?.appendingPathComponent("Static") else {
        throw ServerSetupError("The dashboard's templates are missing from the installation.")
    }
    if !options.accounts && !options.isLoopbackOnly {
        throw ServerSetupError("Without accounts (--no-accounts) the dashboard listens on this machine only (127.0.0.1 or ::1), not on \(options.host).")
    }
    let library = try await PageRenderer.templates(templates)
    let css = try Data(contentsOf: staticDir.appendingPathComponent("app.css"))
    let script = try Data(contentsOf: staticDir.appendingPathComponent("app.js"))
    var given = datasets
    if given == nil { given = await DatasetLibrary.open(dataDirectory: options.dataDirectory, inMemory: true) }
    guard let datasets = given else { throw ServerSetupError("The data-set library could not be opened.") }
    let renderer = PageRenderer(library: library, version: options.version, datasets: datasets, live: slot)
    // HEAD is answered on every GET route (headers only).
    let router = Router(options: .autoGenerateHeadEndpoints)
    let metrics = metrics ?? ServerMetrics()
    router.middlewares.add(AccessLogMiddleware(metrics: metrics))   // first, so that refused requests are logged and counted too
    router.middlewares.add(SecurityMiddleware(hosts: HostPolicy(listenHost: options.host, extra: options.allowedHosts),
                                              limits: RequestLimits(maxURIBytes: options.maxURIBytes)))
    router.middlewares.add(DisplayStyleMiddleware(store: store))
    let sessions = sessions ?? Sessions(idleTimeout: options.sessionIdleSeconds)
    router.middlewares.add(AccessMiddleware(library: datasets, sessions: sessions, open: !options.accounts, trustProxy: options.trustProxy,
                                            renderer: renderer, store: store))
    router.middlewares.add(ErrorPageMiddleware(renderer: renderer, store: store))
    router.middlewares.add(LiveSourceMiddleware(slot: slot, store: store))
    let slots = slots ?? ComputeSlots(limit: options.maxComputations)
    let pages = PagesController(store: store, renderer: renderer, slots: slots, library: datasets)
    pages.addRoutes(to: router)
    let scheduler = ReportScheduler(library: datasets, pages: pages,
                                    delivery: ReportDelivery(folder: options.reportsDirectory ?? URL(fileURLWithPath: options.dataDirectory).appendingPathComponent("reports").path,
                                                             smtp: options.smtp))
    // The server runs the schedules (tests run them themselves).
    if sweepUploads { scheduler.start() }
    AccountsController(store: store, renderer: renderer, sessions: sessions, library: datasets, throttle: throttle, setup: setup,
                       metrics: metrics, scheduler: scheduler).addRoutes(to: router)
    let uploads = UploadController(store: store, renderer: renderer, options: options, sessions: sessions, slots: slots, library: datasets, opener: opener)
    uploads.addRoutes(to: router)
    DatasetsController(store: store, renderer: renderer, sessions: sessions, slots: slots, library: datasets, opener: opener,
                       pagePaths: Set(pages.routes.map { $0.path }), live: slot).addRoutes(to: router)
    if sweepUploads { _ = uploads.startSweeping() }

    router.get("/static/app.css") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                 body: .init(byteBuffer: ByteBuffer(bytes: css)))
    }
    router.get("/static/app.js") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"],
                 body: .init(byteBuffer: ByteBuffer(bytes: script)))
    }
    router.get("/-/health") { _, _ in
        let d = store.dataset
        // A failed refresh keeps the last snapshot serving: degraded, not down. No snapshot yet: waiting (503), and no
        // figures of the placeholder behind the pages.
        let live = slot.active(for: d)
        let waiting = live?.status.waiting == true
        let word = waiting ? "waiting" : (live?.status.lastError == nil ? "ok" : "degraded")
        var fields: [(String, JSONValue)] = [("ok", .bool(!waiting)), ("status", .string(word))]
        // The data set and the source are for analysts (signed in, every country); anyone else sees the status only.
        guard let p = Access.current, p.role.managesData, !p.isScoped else {
            return Response.text(JSONValue.object(fields).text, status: waiting ? .serviceUnavailable : .ok, contentType: "application/json")
        }
        if !waiting {
            fields += [("dataset", .string(d.name)), ("lines", .int(d.report.validLines)), ("customers", .int(d.base.table.count)),
                       ("models", .string(store.modelsPending ? "comparing" : "ready"))]
        }
        if let live {
            let s = live.status
            let iso = ISO8601DateFormatter()
            var src: [(String, JSONValue)] = [("kind", .string("postgres")), ("name", .string(live.source.name)),
                                              ("data_as_of", s.dataAsOf.map { .string(iso.string(from: $0)) } ?? .null),
                                              ("last_attempt", s.lastAttempt.map { .string(iso.string(from: $0)) } ?? .null),
                                              ("refresh_failed", s.lastError.map { .string($0) } ?? .null),
                                              ("next_attempt", s.nextAttempt.map { .string(iso.string(from: $0)) } ?? .null),
                                              ("refresh_seconds", live.interval.map { .int($0) } ?? .null)]
            if let rows = s.rowsReceived { src.append(("rows_received", .int(rows))) }
            fields.append(("source", .object(src)))
        }
        return Response.text(JSONValue.object(fields).text, status: waiting ? .serviceUnavailable : .ok, contentType: "application/json")
    }
    // Prometheus text format (administrators and their API tokens: AccessPolicy).
    router.get("/-/metrics") { _, _ in
        Response.text(metrics.text(store: store, live: slot.active(for: store.dataset)), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
    router.get("/-/version.json") { _, _ in
        Response.text(JSONValue.object([("ok", .bool(true)), ("version", .string(options.version))]).text, contentType: "application/json")
    }
    return router
}
