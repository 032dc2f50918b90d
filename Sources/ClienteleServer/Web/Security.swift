import ClienteleCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Random tokens from the system's cryptographically secure generator (`getrandom` on Linux).
enum SecureToken {
    /// `bytes` random bytes as lowercase hex (64 characters for the default 32 bytes).
    static func make(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes * 2)
        for _ in 0..<bytes {
            let b = UInt8.random(in: 0...255, using: &generator)
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares two tokens in time that does not depend on where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Whether `s` has the shape of a token made by ``make(bytes:)`` (hex, `2 * bytes` characters).
    static func isWellFormed(_ s: String, bytes: Int = 32) -> Bool {
        s.utf8.count == bytes * 2 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

/// The host names the dashboard answers for (protection against DNS rebinding): localhost names, the listening
/// address, and `--allowed-host` values. When it listens on every interface, IP literals are accepted too (a page
/// reached by an IP address cannot be rebound to another site).
struct HostPolicy: Sendable {
    let allowed: Set<String>
    /// The `--allowed-host` names (public names behind a reverse proxy): forms from these origins are accepted.
    let extraNames: Set<String>
    let acceptIPLiterals: Bool

    static func isWildcard(_ host: String) -> Bool { host == "0.0.0.0" || host == "::" || host == "[::]" }

    /// Whether the listening address reaches this machine only: `localhost`, an address in 127.0.0.0/8, or ::1.
    static func isLoopback(_ host: String) -> Bool {
        let h = normalise(host)
        if h == "localhost" { return true }
        if let v4 = ipv4(h) { return v4 >> 24 == 127 }
        if h.hasPrefix("[") && h.hasSuffix("]") {
            var a = in6_addr()
            guard inet_pton(AF_INET6, String(h.dropFirst().dropLast()), &a) == 1 else { return false }
            return withUnsafeBytes(of: &a) { b in b.prefix(15).allSatisfy { $0 == 0 } && b[15] == 1 }
        }
        return false
    }

    /// An IPv4 address written as four decimal numbers, as a 32-bit value.
    static func ipv4(_ h: String) -> UInt32? {
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt32(p), n <= 255 else { return nil }
            value = value << 8 | n
        }
        return value
    }

    init(listenHost: String, extra: [String]) {
        var names: Set<String> = ["localhost", "127.0.0.1", "[::1]"]
        if !Self.isWildcard(listenHost) { names.insert(Self.normalise(listenHost)) }
        extraNames = Set(extra.map(Self.normalise))
        allowed = names.union(extraNames)
        acceptIPLiterals = Self.isWildcard(listenHost)
    }

    /// Lower-cased host without port or trailing dot; IPv6 addresses in brackets.
    static func normalise(_ authority: String) -> String {
        var s = authority.trimmingCharacters(in: .whitespaces).lowercased()
        if s.hasPrefix("[") {
            if let close = s.firstIndex(of: "]") { s = String(s[...close]) }
        } else if s.filter({ $0 == ":" }).count == 1, let colon = s.lastIndex(of: ":") {
            s = String(s[..<colon])
        } else if s.contains(":") {
            s = "[" + s + "]"   // a bare IPv6 address
        }
        while s.hasSuffix(".") { s.removeLast() }
        return s
    }

    static func isIPLiteral(_ host: String) -> Bool {
        if host.hasPrefix("[") && host.hasSuffix("]") {
            var a = in6_addr()
            return inet_pton(AF_INET6, String(host.dropFirst().dropLast()), &a) == 1
        }
        return ipv4(host) != nil
    }

    /// Host and port of a `Host` header or URL authority (port nil when absent).
    static func split(_ authority: String) -> (host: String, port: Int?) {
        let a = authority.trimmingCharacters(in: .whitespaces)
        var port: Int?
        if a.hasPrefix("[") {
            if let close = a.firstIndex(of: "]"), a[a.index(after: close)...].hasPrefix(":") { port = Int(a[a.index(close, offsetBy: 2)...]) }
        } else if a.filter({ $0 == ":" }).count == 1, let colon = a.lastIndex(of: ":") {
            port = Int(a[a.index(after: colon)...])
        }
        return (normalise(a), port)
    }

    func allows(_ authority: String?) -> Bool {
        // HTTP/1.0 clients may send no Host; browsers always do, so DNS rebinding cannot use that.
        guard let authority, !authority.isEmpty else { return true }
        let host = Self.normalise(authority)
        return allowed.contains(host) || (acceptIPLiterals && Self.isIPLiteral(host))
    }
}

/// Limits of the web server against slow, large or abusive requests (flags of `clientele serve`).
struct RequestLimits: Sendable {
    /// Longest request target (path and query) accepted; longer ones get 414.
    var maxURIBytes = 4096
}

/// First middleware of every route: refuses foreign Host headers, over-long URLs and cross-site state changes, and
/// adds the security headers to every response, errors included. Errors that escape the routes become a plain
/// message without any server detail.
struct SecurityMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let hosts: HostPolicy
    let limits: RequestLimits

    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if !hosts.allows(request.head.authority) {
            response = .text("This dashboard does not answer for the host name in this request. If you reach it under that name on purpose, start it with --allowed-host NAME.\n",
                             status: .misdirectedRequest, contentType: "text/plain; charset=utf-8")
        } else if (request.head.path?.utf8.count ?? 0) > limits.maxURIBytes {
            response = .text("The address is too long (more than \(limits.maxURIBytes) bytes). Remove some filters or options.\n",
                             status: .uriTooLong, contentType: "text/plain; charset=utf-8")
        } else if let refusal = Self.crossSiteRefusal(request, hosts: hosts) {
            response = .text(refusal + "\n", status: .forbidden, contentType: "text/plain; charset=utf-8")
        } else {
            do {
                response = try await next(request, context)
            } catch let error as HTTPError {
                response = .text((error.body ?? error.status.reasonPhrase) + "\n", status: error.status, contentType: "text/plain; charset=utf-8")
            } catch {
                context.logger.error("\(request.method) \(request.uri.path): \(error)")
                response = .text(ErrorPageMiddleware.unexpected + "\n",
                                 status: .internalServerError, contentType: "text/plain; charset=utf-8")
            }
        }
        Self.addHeaders(&response, path: request.uri.path)
        return response
    }

    static func addHeaders(_ response: inout Response, path: String) {
        response.headers[.contentSecurityPolicy] = contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("Cross-Origin-Resource-Policy")!] = "same-origin"
        // Every page but the style sheet and script may carry customer data: never stored by browsers or proxies.
        if !path.hasPrefix("/static/") { response.headers[.cacheControl] = "no-store" }
    }

    /// Why a state-changing request is refused, or nil: its `Origin` (or, without one, its `Referer`) must be the
    /// scheme-less origin the request was sent to (same host and port, default ports by scheme), or an
    /// `--allowed-host` name (a public name in front of a reverse proxy that rewrites the Host header).
    static func crossSiteRefusal(_ request: Request, hosts: HostPolicy) -> String? {
        switch request.method {
        case .get, .head, .options: return nil
        default: break
        }
        let target = request.head.authority.map(HostPolicy.split)
        func sameOrigin(_ url: String) -> Bool {
            guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let rawHost = u.host, u.user == nil else { return false }
            let host = HostPolicy.normalise(rawHost.contains(":") && !rawHost.hasPrefix("[") ? "[\(rawHost)]" : rawHost)
            let defaultPort = scheme == "https" ? 443 : 80
            if let target, host == target.host, (u.port ?? defaultPort) == (target.port ?? defaultPort) { return true }
            return hosts.extraNames.contains(host)
        }
        if let origin = request.headers[.origin] {
            return sameOrigin(origin) ? nil : "Cross-site request refused: this form was sent from another site (Origin \(origin.prefix(100)))."
        }
        if let referer = request.headers[.referer] {
            return sameOrigin(referer) ? nil : "Cross-site request refused: this form was sent from another site."
        }
        return "Cross-site request refused: a form sent to this dashboard must come from one of its own pages (the request has neither an Origin nor a Referer header)."
    }
}

/// Browser sessions: a random session id in an HttpOnly, SameSite=Lax cookie (Secure over HTTPS), a random CSRF
/// token per session for every form, and, once signed in, the account. Kept in memory (at most `capacity` sessions,
/// the least recently used dropped first; a restart signs everyone out and the forms ask to reload). A signed-in
/// session ends after `idleTimeout` without a request, when its account is disabled, or when its password changes.
public final class Sessions: Sendable {
    static let cookieName = "clientele_session"
    struct Entry {
        var csrf: String
        var lastUsed: UInt64
        var lastSeen: Date
        var accountID: Int?
        var signedIn: Date?
    }
    private let state = Mutex<(entries: [String: Entry], clock: UInt64)>(([:], 0))
    let capacity: Int
    /// Seconds a signed-in session may stay unused.
    let idleTimeout: TimeInterval
    /// The clock (tests move it forward).
    let now: @Sendable () -> Date

    public init(capacity: Int = 10_000, idleTimeout: TimeInterval = 8 * 3600, now: @escaping @Sendable () -> Date = { Date() }) {
        self.capacity = capacity
        self.idleTimeout = idleTimeout
        self.now = now
    }

    private func insert(_ entry: Entry) -> String {
        let id = SecureToken.make()
        state.withLock { s in
            s.clock += 1
            var e = entry
            e.lastUsed = s.clock
            s.entries[id] = e
            // Full: the least recently used session without an account goes first (a flood of anonymous visits to
            // /login never signs anyone out); a signed-in one only when every session is signed in.
            if s.entries.count > capacity {
                let anonymous = s.entries.filter { $0.value.accountID == nil }
                let pool = anonymous.isEmpty ? s.entries : anonymous
                if let oldest = pool.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key { s.entries[oldest] = nil }
            }
        }
        return id
    }

    /// The session of `request`, or a new one (`isNew`: the response must set the cookie).
    func session(for request: Request) -> (id: String, csrf: String, isNew: Bool) {
        if let id = request.cookies[Self.cookieName]?.value, let csrf = csrfToken(id) { return (id, csrf, false) }
        let csrf = SecureToken.make()
        let id = insert(Entry(csrf: csrf, lastUsed: 0, lastSeen: now()))
        return (id, csrf, true)
    }

    /// The CSRF token of a known session id (a signed-in session past its idle time is gone).
    func csrfToken(_ id: String) -> String? {
        guard SecureToken.isWellFormed(id) else { return nil }
        let t = now()
        return state.withLock { s in
            guard var e = s.entries[id] else { return nil }
            if e.accountID != nil, t.timeIntervalSince(e.lastSeen) > idleTimeout {
                s.entries[id] = nil
                return nil
            }
            s.clock += 1
            e.lastUsed = s.clock
            e.lastSeen = t
            s.entries[id] = e
            return e.csrf
        }
    }

    /// The session id of `request` when `token` is its CSRF token.
    func verify(_ request: Request, token: String?) -> String? {
        guard let id = request.cookies[Self.cookieName]?.value, let token, verify(sessionID: id, token: token) else { return nil }
        return id
    }

    /// Whether `token` is the CSRF token of session `id`.
    func verify(sessionID id: String, token: String) -> Bool {
        guard let expected = csrfToken(id) else { return false }
        return SecureToken.equal(expected, token)
    }

    /// A new signed-in session for an account (a new id, so that a session id known before signing in is worthless).
    func signIn(accountID: Int, replacing old: String?) -> (id: String, csrf: String) {
        if let old { state.withLock { _ = $0.entries.removeValue(forKey: old) } }
        let csrf = SecureToken.make()
        let t = now()
        return (insert(Entry(csrf: csrf, lastUsed: 0, lastSeen: t, accountID: accountID, signedIn: t)), csrf)
    }

    func signOut(_ id: String) { state.withLock { _ = $0.entries.removeValue(forKey: id) } }

    /// Ends every session of an account (disabled, password changed).
    func signOutEverywhere(accountID: Int) { state.withLock { s in s.entries = s.entries.filter { $0.value.accountID != accountID } } }

    /// The account signed in on the request's session, if still allowed (not idle too long, not disabled, password
    /// unchanged since signing in: `clientele users` may change it from another process).
    func principal(for request: Request, library: DatasetLibrary) async -> Principal? {
        guard let id = request.cookies[Self.cookieName]?.value, csrfToken(id) != nil,
              let entry = state.withLock({ $0.entries[id] }), let accountID = entry.accountID, let signedIn = entry.signedIn else { return nil }
        guard let a = try? await library.account(id: accountID), !a.disabled, a.passwordChanged <= signedIn else {
            signOut(id)
            return nil
        }
        return Principal(a, via: .session)
    }

    static func setCookie(_ response: inout Response, id: String) {
        response.headers[values: .setCookie].append("\(cookieName)=\(id); Path=/; HttpOnly; SameSite=Lax\(Access.secure ? "; Secure" : "")")
    }

    /// A page that carries the request's session CSRF token; a request without a session gets a new one (and its
    /// cookie with the page).
    func page(_ request: Request, _ build: (String) -> Response) -> Response {
        let s = session(for: request)
        var r = build(s.csrf)
        if s.isNew { Sessions.setCookie(&r, id: s.id) }
        return r
    }

    /// ``page(_:_:)`` for a page built asynchronously (it reads the library).
    func pageAsync(_ request: Request, _ build: (String) async -> Response) async -> Response {
        let s = session(for: request)
        var r = await build(s.csrf)
        if s.isNew { Sessions.setCookie(&r, id: s.id) }
        return r
    }

    static func clearCookie(_ response: inout Response) {
        response.headers[values: .setCookie].append("\(cookieName)=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0\(Access.secure ? "; Secure" : "")")
    }
}

/// The fields of a urlencoded form POST.
enum FormFields {
    typealias List = [(name: String, value: String)]

    /// The form's fields; none when the body is larger than `limit` bytes or cannot be read.
    static func read(_ request: Request, limit: Int = 16 * 1024) async -> List {
        var request = request
        return (try? await request.collectBody(upTo: limit)).map { PageRequest.parse(String(buffer: $0)) } ?? []
    }

    /// A field's last value, trimmed.
    static func value(_ fields: List, _ name: String) -> String? {
        fields.last { $0.name == name }.map { $0.value.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// A field's last value as sent (passwords keep their spaces; tokens are compared exactly).
    static func raw(_ fields: List, _ name: String) -> String? { fields.last { $0.name == name }?.value }
}

/// Runs blocking `work` on a thread of its own, so that the threads answering requests stay free. The display
/// style in effect (currency, locale) goes with it.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    let style = DisplayFormat.style
    let principal = Access.current
    return await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        let thread = Thread {
            continuation.resume(returning: DisplayFormat.$style.withValue(style) { Access.$current.withValue(principal) { work() } })
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// Bounds the number of pages computed at the same time. A computation runs on its own thread (not on the threads
/// that answer requests), so cached pages keep answering while the slots are busy. A request that finds every slot
/// busy waits for one (without holding a thread) at most `maxWait`, and only if fewer than `maxWaiting` requests
/// already wait; otherwise it is refused at once (503 with Retry-After) instead of queueing without bound.
public final class ComputeSlots: Sendable {
    let limit: Int
    let maxWaiting: Int
    let maxWait: Duration
    private struct State {
        var inUse = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())

    public init(limit: Int, maxWaiting: Int? = nil, maxWait: Duration = .seconds(2)) {
        self.limit = max(1, limit)
        self.maxWaiting = maxWaiting ?? 4 * max(1, limit)
        self.maxWait = maxWait
    }

    struct Busy: Error {}

    var busy: Int { state.withLock { $0.inUse } }

    /// Runs `work` on a new thread once a slot is free; throws ``Busy`` when none frees in time.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws(Busy) -> T {
        guard await acquire() else { throw Busy() }
        return await onOwnThread {
            defer { self.release() }
            return work()
        }
    }

    /// Takes a slot, waiting for one if allowed; false when refused. The decision and the registration as a waiter
    /// happen under one lock, so a slot freed in between is never missed.
    func acquire() async -> Bool {
        if state.withLock({ s -> Bool in
            guard s.inUse < limit else { return false }
            s.inUse += 1
            return true
        }) { return true }
        let id = state.withLock { s -> UInt64 in s.nextID += 1; return s.nextID }
        let maxWait = self.maxWait
        let timeout = Task {
            try? await Task.sleep(for: maxWait)
            let expired = self.state.withLock { s -> CheckedContinuation<Bool, Never>? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i).continuation
            }
            expired?.resume(returning: false)
        }
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            enum Now { case granted, refused, waiting }
            let now = state.withLock { s -> Now in
                if s.inUse < limit { s.inUse += 1; return .granted }
                if s.waiters.count >= maxWaiting { return .refused }
                s.waiters.append((id, continuation))
                return .waiting
            }
            switch now {
            case .granted: continuation.resume(returning: true)
            case .refused: continuation.resume(returning: false)
            case .waiting: break
            }
        }
        timeout.cancel()
        return granted
    }

    /// Frees a slot, handing it to the longest waiter if any.
    func release() {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            if !s.waiters.isEmpty { return s.waiters.removeFirst().continuation }
            s.inUse -= 1
            return nil
        }
        next?.resume(returning: true)
    }

    /// Occupies a slot without waiting (tests: to fill the slots).
    func occupy() -> Bool {
        state.withLock { s in
            guard s.inUse < limit else { return false }
            s.inUse += 1
            return true
        }
    }

    /// Seconds a refused client is asked to wait.
    static let retryAfter = "5"

    static func busyResponse(json: Bool) -> Response {
        let message = "The server is busy computing other selections; try again in a few seconds."
        var r: Response = json ? .jsonError(message, status: .serviceUnavailable)
                               : .text(message + "\n", status: .serviceUnavailable, contentType: "text/plain; charset=utf-8")
        r.headers[.retryAfter] = retryAfter
        return r
    }
}
