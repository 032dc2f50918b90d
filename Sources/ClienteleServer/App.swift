import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Logging
import Mustache

/// Settings of the web server (flags of `clientele serve`, documented in the README).
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Uploads are stored in `<dataDirectory>/uploads`; nothing is written anywhere else.
    public var dataDirectory = "clientele-data"
    /// Largest accepted upload, in bytes.
    public var maxUploadBytes = 200 << 20
    public var version = "dev"

    public init() {}
}

/// Builds the dashboard application around a data store.
public func buildApplication(store: DataStore, options: ServerOptions, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(store: store, options: options)
    var log = logger ?? Logger(label: "clientele")
    if logger == nil { log.logLevel = .info }
    return Application(router: router,
                       configuration: .init(address: .hostname(options.host, port: options.port), serverName: "Clientele"),
                       logger: log)
}

/// The router with every route; used by the application and by in-process tests.
public func buildRouter(store: DataStore, options: ServerOptions) async throws -> Router<BasicRequestContext> {
    guard let templates = Bundle.module.resourceURL?.appendingPathComponent("Templates").path,
          let staticDir = Bundle.module.resourceURL?.appendingPathComponent("Static") else {
        throw ServerSetupError("The dashboard's templates are missing from the installation.")
    }
    let library = try await MustacheLibrary(directory: templates)
    let css = try Data(contentsOf: staticDir.appendingPathComponent("app.css"))
    let renderer = PageRenderer(library: library, version: options.version)
    let router = Router()
    router.middlewares.add(AccessLogMiddleware())
    router.middlewares.add(ErrorPageMiddleware(renderer: renderer, store: store))
    let pages = PagesController(store: store, renderer: renderer)
    pages.addRoutes(to: router)
    UploadController(store: store, renderer: renderer, options: options).addRoutes(to: router)

    router.get("/static/app.css") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                 body: .init(byteBuffer: ByteBuffer(bytes: css)))
    }
    router.get("/-/health") { _, _ in
        let d = store.dataset
        let body = JSONValue.object([("ok", .bool(true)), ("dataset", .string(d.name)), ("lines", .int(d.report.validLines)),
                                     ("customers", .int(d.base.table.count))]).text
        return Response.text(body, contentType: "application/json")
    }
    router.get("/-/version.json") { _, _ in
        Response.text(JSONValue.object([("ok", .bool(true)), ("version", .string(options.version))]).text, contentType: "application/json")
    }
    return router
}

struct ServerSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension Response {
    static func text(_ s: String, status: HTTPResponse.Status = .ok, contentType: String) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    static func html(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        text(s, status: status, contentType: "text/html; charset=utf-8")
    }

    /// `{"ok": false, "error": message}` with the status.
    static func jsonError(_ message: String, status: HTTPResponse.Status) -> Response {
        text(JSONValue.object([("ok", .bool(false)), ("error", .string(message))]).text, status: status, contentType: "application/json")
    }
}

/// Turns errors that escape a route (unknown paths, oversized bodies) into a readable page or JSON.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let renderer: PageRenderer
    let store: DataStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let path = request.uri.path
            let message = error.body ?? (error.status == .notFound ? "There is no page at \(path)." : error.status.reasonPhrase)
            if path.hasSuffix(".json") || path.hasPrefix("/-/") {
                return Response.jsonError(message, status: error.status)
            }
            let page = Page(id: "error", title: error.status == .notFound ? "Page not found" : "Something went wrong", howToRead: "")
            let html = renderer.html(page, path: path, request: PageRequest(filter: .none), dataset: store.dataset,
                                     showFilters: false, message: ("error", message), downloads: false)
            return Response.html(html, status: error.status)
        }
    }
}

/// One log line per request with method, path, status and duration (at info level; errors at warning).
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, response.status.code, start)
            return response
        } catch let error as HTTPError {
            log(request, context, error.status.code, start)
            throw error
        }
    }

    func log(_ request: Request, _ context: Context, _ status: Int, _ start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let line: Logger.Message = "\(request.method) \(request.uri.path)\(request.uri.query.map { "?" + $0 } ?? "") \(status) \(String(format: "%.1f", ms)) ms"
        if status >= 500 { context.logger.warning(line) } else { context.logger.info(line) }
    }
}
