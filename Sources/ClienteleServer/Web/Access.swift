import ClienteleCore
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Who is asking: the account behind the request's session or API token.
public struct Principal: Sendable, Equatable {
    public var accountID: Int
    public var name: String
    public var role: Role
    /// The countries the account's figures are computed on (empty: every country).
    public var countries: [String]
    public var via: Via

    public enum Via: String, Sendable { case session, token, open }

    public var isScoped: Bool { !countries.isEmpty }

    init(_ a: Account, via: Via) {
        accountID = a.id; name = a.name; role = a.role; countries = a.countries; self.via = via
    }

    init(accountID: Int, name: String, role: Role, countries: [String], via: Via) {
        self.accountID = accountID; self.name = name; self.role = role; self.countries = countries; self.via = via
    }

    /// The one user of a dashboard started with `--no-accounts` (on a loopback address only).
    static let local = Principal(accountID: 0, name: "local", role: .admin, countries: [], via: .open)

    /// The response cache keeps one copy of a page per account (the header names it; roles and scopes differ).
    var cacheKey: String { "\(accountID)|\(name)|\(role.rawValue)|\(countries.joined(separator: ","))" }
}

/// The request's principal and connection facts, for everything that answers it (pages, forms, the cache).
public enum Access {
    @TaskLocal public static var current: Principal?
    /// The request came over HTTPS (a trusted proxy's `X-Forwarded-Proto: https`): cookies get `Secure`.
    @TaskLocal static var secure = false
    /// The client's address (the proxy's `X-Forwarded-For` with `--trust-proxy`), for the audit log.
    @TaskLocal static var address: String?

    /// Applies the account's country scope to a filter: no country asked means the scope's countries. A country
    /// outside the scope never reaches here (``AccessMiddleware`` refuses the request).
    static func scoped(_ filter: AnalysisFilter) -> AnalysisFilter {
        guard let p = current, p.isScoped else { return filter }
        var f = filter
        f.countries = f.countries.isEmpty ? p.countries : f.countries.filter { p.countries.contains($0) }
        if f.countries.isEmpty { f.countries = p.countries }
        return f
    }
}

/// What a route needs.
enum Requirement: Equatable {
    /// Anyone (the login and set-up forms, the style sheet, health).
    case open
    /// A signed-in account of at least this role; `unscoped`: not restricted to countries (the route is about the
    /// whole data: quality, uploads, data sets).
    case role(Role, unscoped: Bool = false)
}

/// Which role each route needs (enforced for every format: the path's extension does not matter).
enum AccessPolicy {
    static func requirement(method: HTTPRequest.Method, path: String) -> Requirement {
        if path == "/login" || path == "/setup" || path.hasPrefix("/static/") || path == "/-/health" || path == "/-/version.json" || path == "/favicon.ico" {
            return .open
        }
        if path == "/-/metrics" || path == "/admin" || path.hasPrefix("/admin/") || path.hasPrefix("/admin.") { return .role(.admin) }
        let base = stem(path)
        switch base {
        case "/customers", "/customer":
            return .role(.marketing)
        case "/data-quality", "/datasets", "/upload":
            return .role(.analyst, unscoped: true)
        case "/views":
            return method == .get || method == .head ? .role(.executive) : .role(.analyst, unscoped: true)
        default:
            if path.hasPrefix("/datasets/") || path.hasPrefix("/upload/") || path.hasPrefix("/views/") { return .role(.analyst, unscoped: true) }
            return .role(.executive)
        }
    }

    /// The path as the router matches it: empty segments dropped (`//admin/` → `/admin`), `/` for none.
    static func normalised(_ path: String) -> String {
        guard path.contains("//") || (path.count > 1 && path.hasSuffix("/")) else { return path }
        return "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// `/value.csv` → `/value`; `/report.pdf` → `/report`; `/index.json` → `/`.
    static func stem(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        let last = path[path.index(after: slash)...]
        guard let dot = last.firstIndex(of: ".") else { return path }
        let s = String(path[..<dot])
        return s == "/index" ? "/" : s
    }

    /// The format a response to `path` is in, to answer a refusal in kind.
    static func isData(_ path: String) -> Bool {
        let s = stem(path)
        return s != path || path.hasPrefix("/-/")
    }
}

/// Remembers failed logins and refuses further attempts for a while: 5 failures for a user name or 20 from one
/// address within 15 minutes lock that name or address for 15 minutes (a refused attempt does not check the password).
public final class LoginThrottle: Sendable {
    let window: TimeInterval
    let perName: Int
    let perAddress: Int
    private let failures = Mutex<[String: [Date]]>([:])

    public init(window: TimeInterval = 900, perName: Int = 5, perAddress: Int = 20) {
        self.window = window; self.perName = perName; self.perAddress = perAddress
    }

    /// A name that cannot be an account's (too long, odd characters) is not kept: only the address counts.
    private func keys(_ name: String, _ address: String?) -> [(String, Int)] {
        (DatasetLibrary.validName(name) ? [("n:" + name.lowercased(), perName)] : []) + (address.map { [("a:" + $0, perAddress)] } ?? [])
    }

    /// Takes an attempt: nil when allowed (and counted as a failure until ``succeed(name:address:)``), else the
    /// seconds to wait. Checking and counting under one lock: parallel attempts cannot all pass the limit.
    func attempt(name: String, address: String?, now: Date = Date()) -> Int? {
        failures.withLock { f in
            if let w = Self.wait(&f, keys(name, address), window: window, now: now) { return w }
            for (k, _) in keys(name, address) { f[k, default: []].append(now) }
            if f.count > 100_000 { f.removeAll() }
            return nil
        }
    }

    private static func wait(_ f: inout [String: [Date]], _ keys: [(String, Int)], window: TimeInterval, now: Date) -> Int? {
        var longest: TimeInterval?
        for (k, limit) in keys {
            let recent = (f[k] ?? []).filter { now.timeIntervalSince($0) < window }
            f[k] = recent.isEmpty ? nil : recent
            if recent.count >= limit, let first = recent.suffix(limit).first {
                longest = max(longest ?? 0, window - now.timeIntervalSince(first))
            }
        }
        return longest.map { max(1, Int($0.rounded(.up))) }
    }

    /// Seconds to wait before another attempt, or nil when one is allowed now (nothing is counted).
    func wait(name: String, address: String?, now: Date = Date()) -> Int? {
        failures.withLock { Self.wait(&$0, keys(name, address), window: window, now: now) }
    }

    /// A successful sign-in: the name's failures are forgotten, and the attempt no longer counts against the address.
    func succeed(name: String, address: String? = nil) {
        failures.withLock { f in
            f["n:" + name.lowercased()] = nil
            if let address, var list = f["a:" + address], !list.isEmpty { list.removeLast(); f["a:" + address] = list.isEmpty ? nil : list }
        }
    }
}

/// Decides who is asking (session cookie or `Authorization: Bearer` token) and whether the route is allowed for
/// them: not signed in → the login page (HTML) or 401 (data); a role that does not include the route, or a
/// country outside the account's scope → 403 in the route's format.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let library: DatasetLibrary
    let sessions: Sessions
    /// `--no-accounts`: everyone is the local administrator (loopback addresses only).
    let open: Bool
    let trustProxy: Bool
    let renderer: PageRenderer
    let store: DataStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let secure = trustProxy && request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased().hasPrefix("https") == true
        let address = trustProxy
            // The right-most address: the one our proxy added (those before it are whatever the client sent).
            ? request.headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
            : nil
        return try await Access.$secure.withValue(secure) {
            try await Access.$address.withValue(address) {
                try await authorise(request, context: context, next: next)
            }
        }
    }

    func authorise(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The policy reads the path as the router matches it: empty segments dropped (`//admin/` is `/admin`).
        let path = AccessPolicy.normalised(request.uri.path)
        let requirement = AccessPolicy.requirement(method: request.method, path: path)
        var principal: Principal?
        if open {
            principal = .local
        } else if let auth = request.headers[.authorization], auth.count > 7, auth.prefix(7).lowercased() == "bearer " {
            // A bearer token is checked (other schemes, such as a proxy's Basic authentication, are not ours).
            if let a = try? await library.account(token: String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)) {
                principal = Principal(a, via: .token)
            } else if requirement != .open {
                var r = refusal(path, status: .unauthorized, "The API token is unknown, revoked, or its account is disabled. Create a token on your Account page.")
                r.headers[.wwwAuthenticate] = "Bearer"
                return r
            }
        } else {
            principal = await sessions.principal(for: request, library: library)
        }
        // A scope is the account's countries that the data set in use has.
        if var p = principal, p.isScoped {
            let known = Set(store.dataset.countries)
            p.countries = p.countries.filter(known.contains)
            if p.countries.isEmpty, requirement != .open {
                return Access.$current.withValue(principal) {
                    refusal(path, status: .forbidden, "None of your account's countries (\(principal!.countries.joined(separator: ", "))) is in the data set in use: ask an administrator.")
                }
            }
            if !p.countries.isEmpty { principal = p }
        }
        switch requirement {
        case .open:
            break
        case .role(let role, let unscoped):
            guard let p = principal else {
                if request.method == .get, !AccessPolicy.isData(path) {
                    let target = path + (request.uri.query.map { "?" + $0 } ?? "")
                    return Response(status: .seeOther, headers: [.location: path == "/" ? "/login" : "/login?next=" + PageRequest.encode(target)])
                }
                var r = refusal(path, status: .unauthorized, "Sign in first: open /login in a browser, or send an API token (Authorization: Bearer …).")
                r.headers[.wwwAuthenticate] = "Bearer"
                return r
            }
            if let refused = Access.$current.withValue(p, operation: { check(p, role: role, unscoped: unscoped, request: request, path: path) }) {
                return refused
            }
        }
        return try await Access.$current.withValue(principal) { try await next(request, context) }
    }

    /// Why a signed-in account may not have this route, as a response; nil when it may.
    func check(_ p: Principal, role: Role, unscoped: Bool, request: Request, path: String) -> Response? {
        if p.role < role {
            let needs = role == .marketing ? "marketing, analyst or admin" : role == .analyst ? "analyst or admin" : "admin"
            return refusal(path, status: .forbidden, "Your role (\(p.role.rawValue)) does not include this page: it needs \(needs).")
        }
        if unscoped && p.isScoped {
            return refusal(path, status: .forbidden, "This page is about the whole data set; your account sees only \(p.countries.joined(separator: ", ")).")
        }
        if p.isScoped {
            let asked = PageRequest.parse(request.uri.query ?? "").filter { $0.name == "country" }
                .map { $0.value.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let outside = asked.first(where: { !p.countries.contains($0) }) {
                return refusal(path, status: .forbidden, "Your account sees only \(p.countries.joined(separator: ", ")); '\(outside.prefix(60))' is outside it.")
            }
        }
        return nil
    }

    /// A refusal in the route's format: JSON for `.json` and `/-/` routes, plain text for other data formats, the
    /// dashboard's layout with the message for HTML.
    func refusal(_ path: String, status: HTTPResponse.Status, _ message: String) -> Response {
        if path.hasSuffix(".json") || path.hasPrefix("/-/") { return .jsonError(message, status: status) }
        if AccessPolicy.isData(path) { return .text(message + "\n", status: status, contentType: "text/plain; charset=utf-8") }
        let page = Page(id: "error", title: status == .forbidden ? "Not part of your role" : "Sign in", howToRead: "")
        return .html(renderer.html(page, path: path, request: PageRequest(filter: .none), dataset: store.dataset, showFilters: false,
                                   message: ("error", message), downloads: false), status: status)
    }
}
