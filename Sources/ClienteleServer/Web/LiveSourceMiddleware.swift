import Hummingbird

/// While a live database source has never loaded, every data page answers 503 with the reason and the next attempt
/// (the placeholder data set behind it is never shown); health, static files and the Data sets page stay reachable.
struct LiveSourceMiddleware<Context: RequestContext>: RouterMiddleware {
    let slot: LiveSlot
    let store: DataStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let live = slot.active(for: store.dataset), live.status.waiting, !path.hasPrefix("/-/"), !path.hasPrefix("/static/"), !path.hasPrefix("/datasets") else {
            return try await next(request, context)
        }
        throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "10"], message: live.statusLine.text + " The dashboard shows the data as soon as a load succeeds.")
    }
}
