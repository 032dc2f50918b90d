import ClienteleCore
@testable import ClienteleServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Accounts, roles, country scope, sessions, tokens, the first-admin link and the audit log, in-process.
/// The data: 6,000 generated lines whose customer ids are rewritten to `zq…` (no figure, date or count can look like
/// one), so that a scan for customer ids cannot be fooled by numbers.
@Suite(.serialized) struct AccessTests {
    static let password = "a-long-enough-pass"

    /// Generated lines with distinctive customer ids.
    static let fixture: (loaded: LoadedData, ids: Set<String>) = {
        DatasetLibrary.bcryptCost = 4
        let text = String(decoding: DemoDataGenerator(seed: 11).bytes(lines: 6_000), as: UTF8.self)
        var out: [String] = []
        var ids = Set<String>()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard i > 0, !line.isEmpty else { out.append(String(line)); continue }
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if fields.count == 8, !fields[6].isEmpty {
                fields[6] = "zq" + fields[6]
                ids.insert(fields[6])
            }
            out.append(fields.joined(separator: ","))
        }
        return (try! OrderLineLoader.load(text: out.joined(separator: "\n"), name: "zq.csv"), ids)
    }()

    static var loaded: LoadedData { fixture.loaded }
    static var ids: Set<String> { fixture.ids }

    struct Setup {
        var store: DataStore
        var library: DatasetLibrary
        /// A bearer token per account name.
        var tokens: [String: String]
        var country: String
        var otherCountry: String
    }

    /// One account per role, a marketing account scoped to the largest country but one, and an analyst scoped to it.
    static func setup() async throws -> Setup {
        let store = DataStore(dataset: Dataset(name: "zq.csv", source: "test", loaded: loaded))
        let library = await DatasetLibrary.open(dataDirectory: "/nonexistent", inMemory: true)
        let countries = store.dataset.countries
        let country = try #require(countries.first { $0 != "United Kingdom" })
        let other = try #require(countries.first { $0 != country })
        var tokens: [String: String] = [:]
        for (name, role, scope) in [("exec", Role.executive, [String]()), ("mark", .marketing, []), ("ana", .analyst, []), ("boss", .admin, []),
                                    ("market", .marketing, [country]), ("scopedana", .analyst, [country])] {
            let a = try await library.addAccount(name: name, role: role, countries: scope, password: password)
            tokens[name] = try await library.addToken(accountID: a.id, name: "test").token
        }
        return Setup(store: store, library: library, tokens: tokens, country: country, otherCountry: other)
    }

    static func app(_ s: Setup, options: ServerOptions = ServerOptions(), sessions: Sessions? = nil, setup: SetupLink? = nil,
                    throttle: LoginThrottle = LoginThrottle()) async throws -> some ApplicationProtocol {
        let router = try await buildRouter(store: s.store, options: options, datasets: s.library, setup: setup, sessions: sessions, throttle: throttle)
        return Application(router: router)
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, token: String? = nil, cookie: String? = nil,
                    headers extra: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, body: String, headers: HTTPFields) {
        var headers = extra
        if let token { headers[.authorization] = "Bearer " + token }
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers) { ($0.status, String(buffer: $0.body), $0.headers) }
    }

    static func csrf(_ page: String) throws -> String {
        try #require(page.range(of: "name=\"_csrf\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
    }

    static func cookie(_ headers: HTTPFields) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix(Sessions.cookieName + "=") }.flatMap { $0.split(separator: ";").first.map(String.init) }
    }

    /// POSTs a urlencoded form from this site.
    static func post(_ client: some TestClientProtocol, _ uri: String, _ form: String, cookie: String?,
                     extra: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, body: String, headers: HTTPFields) {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        if headers[.origin] == nil { headers[.origin] = "http://localhost" }
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form)) { ($0.status, String(buffer: $0.body), $0.headers) }
    }

    /// Signs in through the form; returns the session cookie and the response.
    static func signIn(_ client: some TestClientProtocol, _ name: String, _ password: String = password,
                       extra: HTTPFields = [:]) async throws -> (cookie: String?, status: HTTPResponse.Status, headers: HTTPFields, body: String) {
        let page = try await get(client, "/login", headers: extra)
        let first = try #require(cookie(page.headers))
        let token = try csrf(page.body)
        let r = try await post(client, "/login", "_csrf=\(token)&username=\(name)&password=\(PageRequest.encode(password))", cookie: first, extra: extra)
        return (cookie(r.headers), r.status, r.headers, r.body)
    }

    // MARK: Roles × routes × formats

    /// The least role of each route, written out by hand (not read from AccessPolicy).
    static func routes(customer: String) -> [(String, Role)] {
        var r: [(String, Role)] = []
        for page in ["/overview", "/value", "/retention", "/churn", "/movement", "/explain", "/recommendations", "/report"] {
            r += [(page, .executive), (page + ".json", .executive), (page + ".csv", .executive)]
        }
        r += [("/", .executive), ("/index.json", .executive), ("/index.csv", .executive), ("/overview.svg", .executive), ("/value.svg", .executive),
              ("/retention.svg", .executive), ("/retention.png", .executive), ("/report.pdf", .executive), ("/report.html", .executive),
              ("/report.md", .executive), ("/account", .executive), ("/views.json", .executive),
              ("/customers", .marketing), ("/customers.json", .marketing), ("/customers.csv", .marketing),
              ("/customer?id=\(customer)", .marketing), ("/customer.json?id=\(customer)", .marketing), ("/customer.csv?id=\(customer)", .marketing),
              ("/data-quality", .analyst), ("/data-quality.json", .analyst), ("/data-quality.csv", .analyst), ("/datasets", .analyst),
              ("/datasets.json", .analyst), ("/datasets.csv", .analyst), ("/datasets/postgres", .analyst), ("/upload", .analyst), ("/views", .executive),
              ("/admin", .admin), ("/admin.json", .admin), ("/admin.csv", .admin), ("/-/metrics", .admin)]
        return r
    }

    @Test func everyRouteAndFormatForEveryRole() async throws {
        let s = try await Self.setup()
        let customer = try #require(Self.ids.sorted().first)
        let app = try await Self.app(s)
        try await app.test(.router) { client in
            for (route, least) in Self.routes(customer: customer) {
                for (name, role) in [("exec", Role.executive), ("mark", .marketing), ("ana", .analyst), ("boss", .admin)] {
                    let r = try await Self.get(client, route, token: s.tokens[name])
                    if role >= least {
                        #expect(r.status == .ok, "\(name) \(route): \(r.status) \(r.body.prefix(300))")
                    } else {
                        #expect(r.status == .forbidden, "\(name) \(route): \(r.status)")
                        if route.contains(".json") { #expect(r.body.contains("\"ok\":false")) }
                        if (!route.contains(".") && !route.contains("?") && !route.hasPrefix("/-/")) || route.hasPrefix("/customer?") { #expect(r.body.contains("Not part of your role"), "\(route)") }
                    }
                }
                // Not signed in: a page sends to the login form (and back), data answers 401.
                let anonymous = try await Self.get(client, route)
                let isData = route.split(separator: "?")[0].contains(".") || route.hasPrefix("/-/")
                if isData {
                    #expect(anonymous.status == .unauthorized, "\(route)")
                    #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
                } else {
                    #expect(anonymous.status == .seeOther, "\(route)")
                    #expect(anonymous.headers[.location]?.hasPrefix("/login") == true)
                    if route != "/" { #expect(anonymous.headers[.location] == "/login?next=" + PageRequest.encode(route)) }
                }
            }
            // State-changing routes refuse roles below them before looking at the form.
            for (route, least) in [("/upload", Role.analyst), ("/datasets/use", .analyst), ("/views", .analyst), ("/admin/accounts", .admin)] {
                for (name, role) in [("exec", Role.executive), ("mark", .marketing), ("ana", .analyst)] where role < least {
                    var h: HTTPFields = [.authorization: "Bearer " + s.tokens[name]!]
                    h[.origin] = "http://localhost"
                    let r = try await client.execute(uri: route, method: .post, headers: h, body: ByteBuffer(string: "id=0")) { $0.status }
                    #expect(r == .forbidden, "\(name) POST \(route)")
                }
            }
            // The path as the router reads it: extra or trailing slashes reach the same route and the same refusal.
            for route in ["//admin", "/admin/", "//customers.json", "/customer/?id=x", "/-/metrics/", "//data-quality/"] {
                #expect(try await Self.get(client, route, token: s.tokens["exec"]).status == .forbidden, "\(route)")
            }
            var post: HTTPFields = [.authorization: "Bearer " + s.tokens["exec"]!]
            post[.origin] = "http://localhost"
            #expect(try await client.execute(uri: "//admin/accounts/role", method: .post, headers: post, body: ByteBuffer(string: "name=exec&role=admin")) { $0.status } == .forbidden)
            #expect(try await client.execute(uri: "//datasets/use", method: .post, headers: post, body: ByteBuffer(string: "id=0")) { $0.status } == .forbidden)
            // Another authorisation scheme (a proxy's Basic) is not ours; a bad token on an open route is ignored.
            #expect(try await Self.get(client, "/login", headers: [.authorization: "Basic dXNlcjpwYXNz"]).status == .ok)
            #expect(try await Self.get(client, "/-/health", token: "clt_nonsense").status == .ok)
            // The menu lists only what the role may open.
            let execNav = try await Self.get(client, "/overview", token: s.tokens["exec"]).body
            let nav = String(execNav[execNav.range(of: "<nav")!.lowerBound..<execNav.range(of: "</nav>")!.upperBound])
            #expect(nav.contains("href=\"/overview") && nav.contains("href=\"/report"))
            #expect(!nav.contains("/customers") && !nav.contains("/datasets") && !nav.contains("/data-quality"))
            let anaNav = try await Self.get(client, "/overview", token: s.tokens["ana"]).body
            #expect(anaNav.contains("href=\"/datasets\"") && anaNav.contains("href=\"/customers") && !anaNav.contains("href=\"/admin\""))
            #expect(try await Self.get(client, "/overview", token: s.tokens["boss"]).body.contains("href=\"/admin\""))
        }
    }

    /// Every response an executive can get, scanned for customer ids; the same scan finds them in a marketer's
    /// responses (so it can fail).
    @Test func noCustomerIdInAnyExecutiveResponse() async throws {
        let s = try await Self.setup()
        let app = try await Self.app(s)
        try await app.test(.router) { client in
            var scanned = 0
            for (route, least) in Self.routes(customer: "x") where least == .executive && route != "/report.pdf" && route != "/retention.png" {
                for extra in route.contains("?") ? [""] : ["", "?segment=At+Risk", "?from=2010-06-01&to=2010-12-31"] {
                    let r = try await Self.get(client, route + extra, token: s.tokens["exec"])
                    #expect(r.status == .ok || r.status == .badRequest, "\(route)\(extra)")
                    #expect(Self.leaked(r.body).isEmpty, "\(route)\(extra): \(Self.leaked(r.body).prefix(3)) \(Self.context(r.body))")
                    #expect(!r.body.contains("href=\"/customer"), "\(route)\(extra)")
                    scanned += 1
                }
            }
            // Every table and chart of every page, one by one, as the data formats offer them.
            for page in ["/value", "/churn", "/movement", "/explain", "/recommendations", "/retention", "/overview", "/report"] {
                let json = try RouteTests.json(try await Self.get(client, page + ".json", token: s.tokens["mark"]).body)
                let tables = (json["tables"] as? [String: Any])?.keys.sorted() ?? []
                for t in tables {
                    let r = try await Self.get(client, page + ".csv?_table=" + t, token: s.tokens["exec"])
                    #expect(Self.leaked(r.body).isEmpty, "\(page) \(t)")
                    // A table that lists customers is refused to the executive, in words, and given to marketing.
                    let m = try await Self.get(client, page + ".csv?_table=" + t, token: s.tokens["mark"])
                    if !Self.leaked(m.body).isEmpty {
                        #expect(r.status == .forbidden, "\(page) \(t)")
                        #expect(r.body.contains("your role (executive) sees aggregates only"))
                    }
                    scanned += 1
                }
            }
            #expect(scanned > 100)
            // The scan finds ids where they are allowed: marketing's high-impact customers and the customer list.
            #expect(Self.leaked(try await Self.get(client, "/value.csv?_table=top_customers", token: s.tokens["mark"]).body).count >= 10)
            #expect(Self.leaked(try await Self.get(client, "/value", token: s.tokens["mark"]).body).count >= 10)
            #expect(try await Self.get(client, "/value.csv?_table=top_customers", token: s.tokens["exec"]).status == .forbidden)
            // The executive's value page keeps the aggregates (tiers, concentration) without the customer table.
            let value = try await Self.get(client, "/value", token: s.tokens["exec"]).body
            #expect(value.contains("Value tiers") && value.contains("Revenue concentration") && !value.contains("High-impact customers"))
        }
    }

    /// The customer ids of the fixture found in a response.
    static func leaked(_ body: String) -> [String] {
        var found: [String] = []
        var rest = body[...]
        while let r = rest.range(of: "zq") {
            let id = "zq" + rest[r.upperBound...].prefix { $0.isNumber }
            if ids.contains(id) { found.append(id) }
            rest = rest[r.upperBound...]
        }
        return found
    }

    static func context(_ body: String) -> String {
        guard let r = body.range(of: "zq") else { return "" }
        let start = body.index(r.lowerBound, offsetBy: -150, limitedBy: body.startIndex) ?? body.startIndex
        let end = body.index(r.lowerBound, offsetBy: 60, limitedBy: body.endIndex) ?? body.endIndex
        return String(body[start..<end])
    }

    /// Prometheus text: the requests counted by route, format and status class, latencies, sign-ins, the data set's size.
    @Test func metricsCountRequests() async throws {
        let s = try await Self.setup()
        let app = try await Self.app(s)
        try await app.test(.router) { client in
            for _ in 0..<3 { _ = try await Self.get(client, "/value.csv", token: s.tokens["ana"]) }
            _ = try await Self.get(client, "/customers", token: s.tokens["exec"])
            _ = try await Self.get(client, "/no/such/page?x=1", token: s.tokens["ana"])
            _ = try await Self.signIn(client, "ana", "wrong-password-here")
            let text = try await Self.get(client, "/-/metrics", token: s.tokens["boss"])
            #expect(text.status == .ok && text.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = text.body.split(separator: "\n").map(String.init)
            func value(_ prefix: String) -> Double? { lines.first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last!) } }
            #expect(value(#"clientele_http_requests_total{route="/value",format="csv",status="2xx"}"#) == 3)
            #expect(value(#"clientele_http_requests_total{route="/customers",format="html",status="4xx"}"#) == 1)
            #expect(value(#"clientele_http_requests_total{route="other",format="html",status="4xx"}"#) == 1)
            #expect(value(#"clientele_http_request_duration_seconds_count{route="/value"}"#) == 3)
            #expect(value(#"clientele_logins_total{outcome="failed"}"#) == 1)
            #expect(value("clientele_dataset_customers") == Double(s.store.dataset.base.table.count))
            #expect(value("clientele_dataset_valid_lines") == Double(s.store.dataset.report.validLines))
            #expect(!text.body.contains("no/such"))   // unknown paths do not become labels
        }
    }

    // MARK: Country scope

    @Test func scopedFiguresEqualFilteredFigures() async throws {
        let s = try await Self.setup()
        let app = try await Self.app(s)
        try await app.test(.router) { client in
            let c = PageRequest.encode(s.country)
            for page in ["/overview", "/value", "/retention", "/churn", "/movement", "/explain", "/recommendations", "/report", "/customers"] {
                for format in [".json", ".csv"] {
                    let scoped = try await Self.get(client, page + format, token: s.tokens["market"])
                    let filtered = try await Self.get(client, page + format + "?country=" + c, token: s.tokens["mark"])
                    #expect(scoped.status == .ok)
                    #expect(scoped.body == filtered.body, "\(page)\(format)")
                    // The same page unscoped differs (the scope does something).
                    let all = try await Self.get(client, page + format, token: s.tokens["mark"])
                    if page != "/explain" { #expect(all.body != scoped.body, "\(page)\(format)") }
                }
            }
            for format in [".md", ".html"] {
                let scoped = try await Self.get(client, "/report" + format, token: s.tokens["market"]).body
                let filtered = try await Self.get(client, "/report" + format + "?country=" + c, token: s.tokens["mark"]).body
                #expect(scoped == filtered)
            }
            // Its own country again, a segment filter within it: allowed; another country, alone or added: refused.
            #expect(try await Self.get(client, "/overview.json?country=" + c + "&segment=Champions", token: s.tokens["market"]).status == .ok)
            for q in ["?country=" + PageRequest.encode(s.otherCountry), "?country=" + c + "&country=" + PageRequest.encode(s.otherCountry),
                      "?country=+" + PageRequest.encode(s.otherCountry) + "+"] {
                let r = try await Self.get(client, "/overview.json" + q, token: s.tokens["market"])
                #expect(r.status == .forbidden, "\(q)")
                #expect(r.body.contains("Your account sees only \(s.country)"))
            }
            // A profile of a customer of another country is not found; whole-data pages are refused to a scoped analyst.
            let customers = try RouteTests.json(try await Self.get(client, "/customers.json?country=" + PageRequest.encode(s.otherCountry), token: s.tokens["mark"]).body)
            let foreign = try #require(RouteTests.rows(customers, "customers").first?["customer_id"] as? String)
            #expect(try await Self.get(client, "/customer.json?id=" + foreign, token: s.tokens["market"]).status == .notFound)
            for route in ["/data-quality", "/datasets", "/upload", "/data-quality.csv"] {
                #expect(try await Self.get(client, route, token: s.tokens["scopedana"]).status == .forbidden, "\(route)")
            }
            // The filter offers only the account's countries; health says nothing about the data to it.
            let page = try await Self.get(client, "/overview", token: s.tokens["market"]).body
            #expect(page.contains("value=\"\(s.country)\"") && !page.contains("value=\"\(s.otherCountry)\""))
            let health = try await Self.get(client, "/-/health", token: s.tokens["market"]).body
            #expect(health == "{\"ok\":true,\"status\":\"ok\"}")
            #expect(try await Self.get(client, "/-/health", token: s.tokens["ana"]).body.contains("\"customers\":"))
        }
    }

    // MARK: Sessions, CSRF, throttle, expiry

    @Test func signInSessionsAndExpiry() async throws {
        let s = try await Self.setup()
        let clock = Mutex(Date())
        let sessions = Sessions(idleTimeout: 600, now: { clock.withLock { $0 } })
        let app = try await Self.app(s, sessions: sessions)
        try await app.test(.router) { client in
            // The form's cookie, then a new session id once signed in (a known id before signing in is worthless).
            let page = try await Self.get(client, "/login?next=%2Fchurn")
            let before = try #require(Self.cookie(page.headers))
            #expect(page.headers[values: .setCookie].first?.contains("HttpOnly; SameSite=Lax") == true)
            #expect(page.headers[values: .setCookie].first?.contains("Secure") == false)
            let token = try Self.csrf(page.body)
            // No CSRF token: refused.
            let noToken = try await Self.post(client, "/login", "username=exec&password=\(Self.password)", cookie: before)
            #expect(noToken.status == .forbidden)
            let ok = try await Self.post(client, "/login", "_csrf=\(token)&username=exec&password=\(Self.password)&next=%2Fchurn", cookie: before)
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/churn")
            let session = try #require(Self.cookie(ok.headers))
            #expect(session != before)
            #expect(try await Self.get(client, "/overview", cookie: before).status == .seeOther)
            #expect(try await Self.get(client, "/overview", cookie: session).status == .ok)
            // Each role's home, and an outside `next` is ignored.
            for (name, home) in [("mark", "/recommendations"), ("ana", "/"), ("boss", "/")] {
                #expect(try await Self.signIn(client, name).headers[.location] == home)
            }
            let page2 = try await Self.get(client, "/login")
            let c2 = try #require(Self.cookie(page2.headers))
            let evil = try await Self.post(client, "/login", "_csrf=\(try Self.csrf(page2.body))&username=exec&password=\(Self.password)&next=%2F%2Fevil.example", cookie: c2)
            #expect(evil.headers[.location] == "/overview")
            // A tab (browsers drop it: "/\t/evil" is "//evil") or a backslash in `next` is refused too.
            let signedIn = try #require(Self.cookie(evil.headers))
            for next in ["/%09/evil.example", "/%5Cevil.example", "/%0D%0ASet-Cookie:x"] {
                #expect(try await Self.get(client, "/login?next=" + next, cookie: signedIn).headers[.location] == "/overview", "\(next)")
            }
            // Idle for less than the limit: still signed in (each request renews it); past it: back to the login form.
            clock.withLock { $0 += 590 }
            #expect(try await Self.get(client, "/overview", cookie: session).status == .ok)
            clock.withLock { $0 += 590 }
            #expect(try await Self.get(client, "/overview", cookie: session).status == .ok)
            clock.withLock { $0 += 601 }
            let expired = try await Self.get(client, "/overview", cookie: session)
            #expect(expired.status == .seeOther && expired.headers[.location] == "/login?next=%2Foverview")
            // Signing out ends the session.
            let again = try #require(try await Self.signIn(client, "ana").cookie)
            #expect(try await Self.get(client, "/datasets", cookie: again).status == .ok)
            let out = try await Self.post(client, "/logout", "", cookie: again)
            #expect(out.status == .seeOther && out.headers[values: .setCookie].first?.contains("Max-Age=0") == true)
            #expect(try await Self.get(client, "/datasets", cookie: again).status == .seeOther)
            // A disabled account and a changed password (from the command line, another process) end its sessions.
            clock.withLock { $0 = Date() }
            let mark = try #require(try await Self.signIn(client, "mark").cookie)
            try await s.library.setDisabled("mark", true)
            #expect(try await Self.get(client, "/customers", cookie: mark).status == .seeOther)
            #expect(try await Self.signIn(client, "mark").status == .unauthorized)
            let boss = try #require(try await Self.signIn(client, "boss").cookie)
            try await Task.sleep(for: .milliseconds(1100))
            try await s.library.setPassword("boss", "another-long-pass")
            #expect(try await Self.get(client, "/admin", cookie: boss).status == .seeOther)
            #expect(try await Self.signIn(client, "boss", "another-long-pass").status == .seeOther)
            // Behind a proxy that says HTTPS (with --trust-proxy): Secure cookies. Without --trust-proxy the header is ignored.
            let proxied = try await Self.get(client, "/login", headers: [.init("X-Forwarded-Proto")!: "https"])
            #expect(proxied.headers[values: .setCookie].first?.contains("Secure") == false)
        }
        var trusted = ServerOptions()
        trusted.trustProxy = true
        let proxyApp = try await Self.app(s, options: trusted)
        try await proxyApp.test(.router) { client in
            let proxied = try await Self.get(client, "/login", headers: [.init("X-Forwarded-Proto")!: "https", .init("X-Forwarded-For")!: "203.0.113.9, 10.0.0.1"])
            #expect(proxied.headers[values: .setCookie].first?.hasSuffix("SameSite=Lax; Secure") == true)
            _ = try await Self.signIn(client, "ana", "wrong-password-here", extra: [.init("X-Forwarded-For")!: "203.0.113.9"])
            let failed = try await s.library.auditLog(kind: "login_failed")
            #expect(failed.first?.address == "203.0.113.9")
        }
    }

    /// Anonymous visits (each GET /login makes a session for its form) never push signed-in sessions out.
    @Test func anonymousSessionsNeverEvictSignedInOnes() async throws {
        let s = try await Self.setup()
        let app = try await Self.app(s, sessions: Sessions(capacity: 6))
        try await app.test(.router) { client in
            let a = try #require(try await Self.signIn(client, "exec").cookie)
            let b = try #require(try await Self.signIn(client, "ana").cookie)
            for _ in 0..<30 { _ = try await Self.get(client, "/login") }
            #expect(try await Self.get(client, "/overview", cookie: a).status == .ok)
            #expect(try await Self.get(client, "/datasets", cookie: b).status == .ok)
        }
    }

    /// An account whose countries are partly or wholly absent from the data set in use.
    @Test func scopeOutsideTheData() async throws {
        let s = try await Self.setup()
        _ = try await s.library.addAccount(name: "half", role: .marketing, countries: [s.country, "Atlantis"], password: Self.password)
        _ = try await s.library.addAccount(name: "none", role: .marketing, countries: ["Atlantis"], password: Self.password)
        let app = try await Self.app(s)
        try await app.test(.router) { client in
            let half = try #require(try await Self.signIn(client, "half").cookie)
            let mark = try await Self.get(client, "/overview.json?country=" + PageRequest.encode(s.country), token: s.tokens["mark"]).body
            #expect(try await Self.get(client, "/overview.json", cookie: half).body == mark)
            let none = try #require(try await Self.signIn(client, "none").cookie)
            let refused = try await Self.get(client, "/overview.json", cookie: none)
            #expect(refused.status == .forbidden && refused.body.contains("None of your account's countries (Atlantis) is in the data set in use"))
            #expect(!refused.body.contains(s.otherCountry))
        }
    }

    @Test func failedLoginsAreThrottled() async throws {
        let s = try await Self.setup()
        let app = try await Self.app(s)
        try await app.test(.router) { client in
            for _ in 0..<5 {
                let r = try await Self.signIn(client, "exec", "not-the-password")
                #expect(r.status == .unauthorized)
                #expect(r.body.contains("Wrong user name or password"))
            }
            // The sixth attempt is refused without checking the password, even the right one.
            let refused = try await Self.signIn(client, "exec")
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 800)
            #expect(refused.body.contains("Too many failed attempts"))
            #expect(refused.cookie == nil || refused.headers[.location] == nil)
            // Another account is not locked by them.
            #expect(try await Self.signIn(client, "mark").status == .seeOther)
            let kinds = try await s.library.auditLog().map(\.kind)
            #expect(kinds.filter { $0 == "login_failed" }.count == 5)
            #expect(kinds.contains("login_refused") && kinds.contains("login"))
        }
        // The lock ends after the window.
        let throttle = LoginThrottle(window: 900)
        let t0 = Date()
        for i in 0..<5 { #expect(throttle.attempt(name: "x", address: nil, now: t0 + Double(i)) == nil) }   // each counts until it succeeds
        #expect(throttle.wait(name: "x", address: nil, now: t0 + 10) == 890)
        #expect(throttle.wait(name: "x", address: nil, now: t0 + 901) == nil)
    }

    // MARK: Tokens, first admin, audit, headers

    @Test func personalTokensCreatedUsedAndRevoked() async throws {
        let s = try await Self.setup()
        let app = try await Self.app(s)
        try await app.test(.router) { client in
            let cookie = try #require(try await Self.signIn(client, "mark").cookie)
            let account = try await Self.get(client, "/account", cookie: cookie)
            let created = try await Self.post(client, "/account/tokens", "_csrf=\(try Self.csrf(account.body))&name=campaigns", cookie: cookie)
            #expect(created.status == .ok)
            let token = try #require(created.body.range(of: "clt_[0-9a-f]{48}", options: .regularExpression).map { String(created.body[$0]) })
            #expect(try await Self.get(client, "/customers.csv", token: token).status == .ok)
            #expect(try await Self.get(client, "/data-quality.json", token: token).status == .forbidden)   // the account's role
            // Only the hash is stored; the list shows the prefix.
            let again = try await Self.get(client, "/account", cookie: cookie).body
            #expect(!again.contains(token) && again.contains(String(token.prefix(10)) + "…"))
            let tokens = try await s.library.tokens(accountID: try #require(try await s.library.account(named: "mark")).id)
            let mine = try #require(tokens.first { $0.name == "campaigns" })
            #expect(mine.lastUsed != nil)
            // Without the form's token, revoking is refused; with it, the token stops working.
            #expect(try await Self.post(client, "/account/tokens/revoke", "id=\(mine.id)", cookie: cookie).status == .forbidden)
            let revoked = try await Self.post(client, "/account/tokens/revoke", "_csrf=\(try Self.csrf(again))&id=\(mine.id)", cookie: cookie)
            #expect(revoked.status == .ok)
            let after = try await Self.get(client, "/customers.csv", token: token)
            #expect(after.status == .unauthorized && after.body.contains("unknown, revoked"))
            #expect(try await Self.get(client, "/overview.json", token: "clt_" + String(repeating: "0", count: 48)).status == .unauthorized)
            #expect(try await Self.get(client, "/overview.json", token: "nonsense").status == .unauthorized)
            // Another account's token id cannot be revoked by this one.
            let other = try #require(try await s.library.account(named: "exec"))
            let otherToken = try #require(try await s.library.tokens(accountID: other.id).first)
            let refused = try await Self.post(client, "/account/tokens/revoke", "_csrf=\(try Self.csrf(again))&id=\(otherToken.id)", cookie: cookie)
            #expect(refused.status == .notFound)
            #expect(try await Self.get(client, "/overview.json", token: s.tokens["exec"]).status == .ok)
        }
    }

    @Test func firstAdministratorLinkWorksOnce() async throws {
        DatasetLibrary.bcryptCost = 4
        let store = DataStore(dataset: Dataset(name: "zq.csv", source: "test", loaded: Self.loaded))
        let library = await DatasetLibrary.open(dataDirectory: "/nonexistent", inMemory: true)
        let link = SetupLink()
        let s = Setup(store: store, library: library, tokens: [:], country: "", otherCountry: "")
        let app = try await Self.app(s, setup: link)
        try await app.test(.router) { client in
            #expect(try await Self.get(client, "/setup?token=" + String(repeating: "0", count: 64)).status == .forbidden)
            #expect(try await Self.get(client, "/setup").status == .forbidden)
            let form = try await Self.get(client, link.path)
            #expect(form.status == .ok && form.body.contains("Create the first administrator"))
            let cookie = try #require(Self.cookie(form.headers))
            let csrf = try Self.csrf(form.body)
            // Mismatched passwords and a short one are refused without using the link.
            #expect(try await Self.post(client, "/setup", "_csrf=\(csrf)&token=\(link.token)&username=root&password=a-long-enough-pass&password2=other", cookie: cookie).status == .badRequest)
            #expect(try await Self.post(client, "/setup", "_csrf=\(csrf)&token=\(link.token)&username=root&password=short&password2=short", cookie: cookie).status == .badRequest)
            let created = try await Self.post(client, "/setup", "_csrf=\(csrf)&token=\(link.token)&username=root&password=a-long-enough-pass&password2=a-long-enough-pass", cookie: cookie)
            #expect(created.status == .seeOther && created.headers[.location] == "/admin")
            let session = try #require(Self.cookie(created.headers))
            #expect(try await Self.get(client, "/admin", cookie: session).status == .ok)
            #expect(try await library.account(named: "root")?.role == .admin)
            // Used: the link no longer works, for a GET or a second POST.
            #expect(try await Self.get(client, link.path).status == .forbidden)
            #expect(try await Self.post(client, "/setup", "_csrf=\(csrf)&token=\(link.token)&username=root2&password=a-long-enough-pass&password2=a-long-enough-pass", cookie: cookie).status == .forbidden)
            #expect(try await library.accounts().count == 1)
        }
        // An expired link does not work either.
        let old = SetupLink(lifetime: 3600, now: Date().addingTimeInterval(-3601))
        let fresh = await DatasetLibrary.open(dataDirectory: "/nonexistent", inMemory: true)
        let app2 = try await Self.app(Setup(store: store, library: fresh, tokens: [:], country: "", otherCountry: ""), setup: old)
        try await app2.test(.router) { client in
            let r = try await Self.get(client, old.path)
            #expect(r.status == .forbidden)
        }
    }

    @Test func adminManagesAccountsAndTheAuditLogRecordsEachKind() async throws {
        let s = try await Self.setup()
        let dir = HardeningTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ServerOptions()
        options.dataDirectory = dir.path
        let app = try await Self.app(s, options: options)
        try await app.test(.router) { client in
            _ = try await Self.signIn(client, "nobody", "wrong-password-x")
            let boss = try #require(try await Self.signIn(client, "boss").cookie)
            let admin = try await Self.get(client, "/admin", cookie: boss)
            let csrf = try Self.csrf(admin.body)
            // Adding an account: refused without the form's token, then added; a duplicate and a bad name are refused.
            #expect(try await Self.post(client, "/admin/accounts", "username=newbie&role=marketing&password=a-long-enough-pass", cookie: boss).status == .forbidden)
            let added = try await Self.post(client, "/admin/accounts", "_csrf=\(csrf)&username=newbie&role=marketing&countries=\(PageRequest.encode(s.country))&password=a-long-enough-pass", cookie: boss)
            #expect(added.status == .ok && added.body.contains("Account newbie added"))
            #expect(try await s.library.account(named: "newbie")?.countries == [s.country])
            #expect(try await Self.post(client, "/admin/accounts", "_csrf=\(csrf)&username=newbie&role=analyst&password=a-long-enough-pass", cookie: boss).status == .badRequest)
            #expect(try await Self.post(client, "/admin/accounts", "_csrf=\(csrf)&username=%3Cscript%3E&role=analyst&password=a-long-enough-pass", cookie: boss).status == .badRequest)
            let role = try await Self.post(client, "/admin/accounts/role", "_csrf=\(csrf)&name=newbie&role=analyst&countries=", cookie: boss)
            #expect(role.status == .ok)
            #expect(try await s.library.account(named: "newbie")?.role == .analyst)
            #expect(try await Self.post(client, "/admin/accounts/password", "_csrf=\(csrf)&name=newbie&password=yet-another-pass", cookie: boss).status == .ok)
            #expect(try await Self.post(client, "/admin/accounts/disable", "_csrf=\(csrf)&name=newbie", cookie: boss).status == .ok)
            #expect(try await Self.post(client, "/admin/accounts/enable", "_csrf=\(csrf)&name=newbie", cookie: boss).status == .ok)
            // The last active administrator cannot be disabled or demoted.
            let last = try await Self.post(client, "/admin/accounts/disable", "_csrf=\(csrf)&name=boss", cookie: boss)
            #expect(last.status == .badRequest && last.body.contains("last active administrator"))
            // A data-set change, a token, a download of a customer list, an upload, a sign-out.
            let ana = try #require(try await Self.signIn(client, "ana").cookie)
            let datasets = try await Self.get(client, "/datasets", cookie: ana)
            #expect(try await Self.post(client, "/datasets/use", "_csrf=\(try Self.csrf(datasets.body))&id=0", cookie: ana).status == .ok)
            let account = try await Self.get(client, "/account", cookie: ana)
            _ = try await Self.post(client, "/account/tokens", "_csrf=\(try Self.csrf(account.body))&name=x", cookie: ana)
            #expect(try await Self.get(client, "/customers.csv?segment=Champions", cookie: ana).status == .ok)
            #expect(try await Self.get(client, "/overview.csv", cookie: ana).status == .ok)   // not a customer list
            let upload = try await Self.get(client, "/upload", cookie: ana)
            var (headers, body) = RouteTests.multipart("mine.csv", "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n1,A,X,1,2011-01-01,2,C1,UK\n2,A,X,1,2011-02-01,3,C2,UK\n",
                                                       csrf: try Self.csrf(upload.body))
            headers[.cookie] = ana
            headers[.origin] = "http://localhost"
            let review = try await client.execute(uri: "/upload", method: .post, headers: headers, body: body) { String(buffer: $0.body) }
            let pending = try RouteTests.token(review)
            let used = try await Self.post(client, "/upload/use", "_csrf=\(try Self.csrf(review))&token=\(pending)&name=Mine", cookie: ana)
            #expect(used.status == .seeOther)
            _ = try await Self.post(client, "/logout", "", cookie: ana)
            let events = try await s.library.auditLog()
            let kinds = Set(events.map(\.kind))
            for kind in ["login", "login_failed", "logout", "account_added", "account_changed", "password_changed", "account_disabled",
                         "account_enabled", "token_created", "dataset_changed", "download", "upload"] {
                #expect(kinds.contains(kind), "\(kind)")
            }
            let download = try #require(events.first { $0.kind == "download" })
            #expect(download.account == "ana" && download.detail == "/customers.csv?segment=Champions")
            #expect(events.filter { $0.kind == "download" }.count == 1)
            #expect(events.first { $0.kind == "upload" }?.detail.hasPrefix("Mine: 2 valid lines") == true)
            // Nothing secret in the log: no password, no token.
            #expect(!events.contains { $0.detail.contains("a-long-enough-pass") || $0.detail.contains("yet-another-pass") || $0.detail.range(of: "clt_[0-9a-f]{20}", options: .regularExpression) != nil })
            // The log and the accounts as data, one table at a time; an unknown table is refused; the account page offers no
            // download of its own tables (there is no /account.csv).
            let auditCSV = try await Self.get(client, "/admin.csv?_table=audit", cookie: boss)
            #expect(auditCSV.body.contains("login_failed") && !auditCSV.body.contains("newbie,analyst"))
            #expect(try await Self.get(client, "/admin.csv?_table=accounts", cookie: boss).body.contains("newbie,analyst"))
            #expect(try await Self.get(client, "/admin.json?_table=nope", cookie: boss).status == .badRequest)
            let own = try await Self.get(client, "/account", cookie: boss).body
            #expect(!own.contains("/account.csv") && !own.contains("/account.json"))
            #expect(own.contains("autocomplete=\"current-password\"") && own.contains("autocomplete=\"new-password\""))
            // The Admin page shows the log; its filter by kind works.
            let page = try await Self.get(client, "/admin?kind=download", cookie: boss).body
            #expect(page.contains("/customers.csv?segment=Champions") && !page.contains("token_created</td>"))
        }
    }

    @Test func securityHeadersOnEveryKindOfResponse() async throws {
        let s = try await Self.setup()
        let app = try await Self.app(s)
        try await app.test(.router) { client in
            for (route, token) in [("/login", nil), ("/overview", nil), ("/overview.json", nil), ("/overview", s.tokens["exec"]), ("/customers", s.tokens["exec"]),
                                   ("/customers.csv", s.tokens["exec"]), ("/no-such-page", s.tokens["exec"]), ("/static/app.css", nil), ("/-/health", nil),
                                   ("/setup", nil), ("/admin", s.tokens["boss"]), ("/overview.json", "clt_bad")] {
                let r = try await Self.get(client, route, token: token)
                let csp = r.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("script-src 'self';") && !csp.contains("script-src 'self' 'unsafe-inline'"), "\(route)")
                #expect(csp.contains("frame-ancestors 'none'"), "\(route)")
                #expect(r.headers[.xContentTypeOptions] == "nosniff", "\(route)")
                #expect(r.headers[.init("Referrer-Policy")!] == "same-origin", "\(route)")
                // No page carries inline script.
                if r.headers[.contentType]?.hasPrefix("text/html") == true {
                    #expect(!r.body.contains("<script>") && !r.body.contains("onclick="), "\(route)")
                    #expect(!r.body.contains("/work/") && !r.body.contains("/tmp/"), "\(route)")
                }
            }
        }
    }
}
