import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Logging
import Mustache
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Turns errors that escape a route (unknown paths, oversized bodies) into a readable page or JSON.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    /// What a reader sees of an unexpected error (no server detail; the log has it).
    static let unexpected = "Something went wrong while answering this request; the server's log has the details."
    let renderer: PageRenderer
    let store: DataStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let path = request.uri.path
            let status: HTTPResponse.Status, message: String
            if let error = error as? HTTPError {
                status = error.status
                message = error.body ?? (error.status == .notFound ? "There is no page at \(path.count > 200 ? String(path.prefix(200)) + "…" : path)." : error.status.reasonPhrase)
            } else {
                // No server detail in the page; the log has it.
                context.logger.error("\(request.method) \(path): \(error)")
                status = .internalServerError
                message = ErrorPageMiddleware.unexpected
            }
            if path.hasSuffix(".json") || path.hasPrefix("/-/") {
                return Response.jsonError(message, status: status)
            }
            let title = status == .notFound ? "Page not found" : status == .serviceUnavailable ? "Not available yet" : "Something went wrong"
            let page = Page(id: "error", title: title, howToRead: "")
            let html = renderer.html(page, path: path, request: PageRequest(filter: .none), dataset: store.dataset,
                                     showFilters: false, message: ("error", message), downloads: false)
            return Response.html(html, status: status)
        }
    }
}

/// Sets the display style of the request (the current data set's currency and the server's locale) for
/// everything that formats numbers, money and dates while answering it.
struct DisplayStyleMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let store: DataStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await DisplayFormat.$style.withValue(store.displayStyle) {
            try await next(request, context)
        }
    }
}

/// One log line per request with method, path, status and duration (at info level; errors at warning).
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    var metrics: ServerMetrics? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, response.status.code, start)
            return response
        } catch {
            log(request, context, (error as? HTTPError)?.status.code ?? 500, start)
            throw error
        }
    }

    func log(_ request: Request, _ context: Context, _ status: Int, _ start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        metrics?.record(path: request.uri.path, status: status, elapsed: elapsed)
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let line: Logger.Message = "\(request.method) \(request.uri.path)\(request.uri.query.map { "?" + $0 } ?? "") \(status) \(String(format: "%.1f", ms)) ms"
        if status >= 500 { context.logger.warning(line) } else { context.logger.info(line) }
    }
}

/// Closes a connection whose client is too slow: the first request's head must arrive within `headerTimeout` of
/// connecting, and a request's body within `bodyTimeout` of its head (slow or trickling clients are not held
/// indefinitely). Between requests, the server's idle time-out applies.
final class RequestReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var sawHead = false

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive, !sawHead { arm(context, headerTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancel() }

    func channelActive(context: ChannelHandlerContext) {
        if !sawHead { arm(context, headerTimeout) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            sawHead = true
            arm(context, bodyTimeout)
        case .end:
            cancel()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext, _ delay: TimeAmount) {
        cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            context.close(promise: nil)
        }
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }
}
