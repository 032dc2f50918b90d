import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Synchronization

/// The one-time link that creates the first administrator when the library has no account (printed by
/// `clientele serve`, valid for one hour, usable once).
public final class SetupLink: Sendable {
    public let token: String
    public let expires: Date
    private let used = Mutex(false)

    public init(lifetime: TimeInterval = 3600, now: Date = Date()) {
        token = SecureToken.make()
        expires = now.addingTimeInterval(lifetime)
    }

    public var path: String { "/setup?token=" + token }

    func isValid(_ candidate: String?, now: Date = Date()) -> Bool {
        guard let candidate, now < expires, !used.withLock({ $0 }) else { return false }
        return SecureToken.equal(candidate, token)
    }

    /// Marks the link used; false when it already was (two forms sent at once: only the first creates an account).
    func consume() -> Bool { used.withLock { u in defer { u = true }; return !u } }
}

/// Signing in and out (`/login`, `/logout`), the first administrator (`/setup`), one's own account and API tokens
/// (`/account`), and the Admin page (`/admin`: accounts and the audit log). Every form carries the session's CSRF
/// token; these pages are rendered per request, never cached.
struct AccountsController: Sendable {
    let store: DataStore
    let renderer: PageRenderer
    let sessions: Sessions
    let library: DatasetLibrary
    let throttle: LoginThrottle
    let setup: SetupLink?
    var metrics: ServerMetrics? = nil
    /// The scheduled reports (nil: none can be scheduled, e.g. in tests that do not need them).
    var scheduler: ReportScheduler? = nil

    typealias Fields = [(name: String, value: String)]

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/login") { request, _ in
            let next = PageRequest.parse(request.uri.query ?? "").last { $0.name == "next" }?.value
            if let p = Access.current { return Response(status: .seeOther, headers: [.location: Self.safeNext(next) ?? p.role.home]) }
            return self.sessions.page(request) { csrf in self.loginPage(csrf: csrf, next: next) }
        }
        router.post("/login") { request, _ in await self.login(request) }
        router.post("/logout") { request, _ in
            if let id = request.cookies[Sessions.cookieName]?.value { self.sessions.signOut(id) }
            if let p = Access.current, p.via == .session { await library.audit("logout", account: p.name, address: Access.address) }
            var r = Response(status: .seeOther, headers: [.location: "/login"])
            Sessions.clearCookie(&r)
            return r
        }
        router.get("/setup") { request, _ in
            let token = PageRequest.parse(request.uri.query ?? "").last { $0.name == "token" }?.value
            guard let setup = self.setup, setup.isValid(token), (try? await library.hasAccounts()) == false else { return self.setupGone() }
            return self.sessions.page(request) { csrf in self.setupPage(csrf: csrf, token: setup.token) }
        }
        router.post("/setup") { request, _ in await self.createFirstAdmin(request) }
        router.get("/account") { request, _ in
            await self.sessions.pageAsync(request) { csrf in await self.accountPage(csrf: csrf) }
        }
        router.post("/account/password") { request, _ in await self.act(request, page: .account) { f, csrf in await self.changeOwnPassword(f, csrf: csrf) } }
        router.post("/account/tokens") { request, _ in await self.act(request, page: .account) { f, csrf in await self.createToken(f, csrf: csrf) } }
        router.post("/account/tokens/revoke") { request, _ in await self.act(request, page: .account) { f, csrf in await self.revokeToken(f, csrf: csrf) } }
        router.get("/admin") { request, _ in
            let kind = PageRequest.parse(request.uri.query ?? "").last { $0.name == "kind" }?.value
            return await self.sessions.pageAsync(request) { csrf in await self.adminPage(csrf: csrf, kind: kind) }
        }
        router.get("/admin.json") { request, _ in await self.adminData(json: true, table: PageRequest.parse(request.uri.query ?? "").last { $0.name == "_table" }?.value) }
        router.get("/admin.csv") { request, _ in await self.adminData(json: false, table: PageRequest.parse(request.uri.query ?? "").last { $0.name == "_table" }?.value) }
        router.post("/admin/accounts") { request, _ in await self.act(request, page: .admin) { f, csrf in await self.addAccount(f, csrf: csrf) } }
        router.post("/admin/accounts/role") { request, _ in await self.act(request, page: .admin) { f, csrf in await self.changeRole(f, csrf: csrf) } }
        router.post("/admin/accounts/password") { request, _ in await self.act(request, page: .admin) { f, csrf in await self.resetPassword(f, csrf: csrf) } }
        router.post("/admin/accounts/disable") { request, _ in await self.act(request, page: .admin) { f, csrf in await self.setDisabled(f, csrf: csrf, true) } }
        router.post("/admin/accounts/enable") { request, _ in await self.act(request, page: .admin) { f, csrf in await self.setDisabled(f, csrf: csrf, false) } }
        router.post("/admin/schedules") { request, _ in await self.act(request, page: .admin) { f, csrf in await self.addSchedule(f, csrf: csrf) } }
        router.post("/admin/schedules/run") { request, _ in await self.act(request, page: .admin) { f, csrf in await self.runSchedule(f, csrf: csrf) } }
        router.post("/admin/schedules/delete") { request, _ in await self.act(request, page: .admin) { f, csrf in await self.deleteSchedule(f, csrf: csrf) } }
    }

    /// A `next` target that stays on this dashboard (a path, not `//host` or a scheme).
    static func safeNext(_ next: String?) -> String? {
        // No control character, space or backslash anywhere (browsers drop tabs: "/\t/evil" would become "//evil").
        guard let n = next, n.hasPrefix("/"), !n.hasPrefix("//"), n.count < 2000,
              !n.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || $0 == "\\" }),
              !n.hasPrefix("/login"), !n.hasPrefix("/logout"), !n.hasPrefix("/setup") else { return nil }
        return n
    }

    func render(_ page: Page, path: String, message: (String, String)? = nil, status: HTTPResponse.Status = .ok) -> Response {
        .html(renderer.html(page, path: path, request: PageRequest(filter: .none), dataset: store.dataset, showFilters: false,
                            message: message, downloads: false), status: status)
    }

    enum Which { case account, admin }

    /// Checks the CSRF token of a urlencoded POST and runs `action` with its fields; 403 without a valid token.
    func act(_ request: Request, page: Which, _ action: @Sendable (Fields, String) async -> Response) async -> Response {
        let fields = await FormFields.read(request)
        guard let csrf = FormFields.value(fields, "_csrf"), sessions.verify(request, token: csrf) != nil else {
            let message = ("error", "This form has expired or was not sent from this dashboard (the server may have restarted). Try again from this page.")
            return await sessions.pageAsync(request) { csrf in
                page == .account ? await accountPage(csrf: csrf, message: message, status: .forbidden)
                                 : await adminPage(csrf: csrf, kind: nil, message: message, status: .forbidden)
            }
        }
        return await action(fields, csrf)
    }

    // MARK: Signing in

    func loginPage(csrf: String, next: String?, message: (String, String)? = nil, status: HTTPResponse.Status = .ok, name: String = "") -> Response {
        var p = Page(id: "login", title: "Sign in", howToRead: "")
        let form = Form(action: "/login", style: "login", hidden: Self.safeNext(next).map { [("next", $0)] } ?? [], csrf: csrf, fields: [
            .text(id: "username", label: "User name", name: "username", value: name, maxLength: 64),
            .password(id: "password", label: "Password", name: "password"),
        ], submit: "Sign in")
        p.sections = [Section(id: "login", title: "Your account", blocks: [
            .form(form),
            .note("No account yet? An administrator adds one on the Admin page or with clientele users add. Forgotten password: ask an administrator to set a new one."),
        ])]
        return render(p, path: "/login", message: message, status: status)
    }

    func login(_ request: Request) async -> Response {
        let fields = await FormFields.read(request)
        let name = FormFields.value(fields, "username") ?? ""
        let next = FormFields.value(fields, "next")
        let address = Access.address
        guard let csrf = FormFields.value(fields, "_csrf"), let old = sessions.verify(request, token: csrf) else {
            return sessions.page(request) { csrf in
                loginPage(csrf: csrf, next: next, message: ("error", "This form has expired (the server may have restarted). Sign in again."), status: .forbidden, name: name)
            }
        }
        if let wait = throttle.attempt(name: name, address: address) {
            metrics?.recordLogin("throttled")
            await library.audit("login_refused", account: nil, detail: "'\(name.prefix(64))': too many failed attempts", address: address)
            var r = loginPage(csrf: csrf, next: next, message: ("error", "Too many failed attempts for this account or from this address. Try again in \(wait >= 60 ? "\((wait + 59) / 60) minutes" : "\(wait) seconds")."),
                              status: .tooManyRequests, name: name)
            r.headers[.retryAfter] = String(wait)
            return r
        }
        let account: Account?
        do {
            account = try await library.authenticate(name, FormFields.raw(fields, "password") ?? "")
        } catch {
            return loginPage(csrf: csrf, next: next, message: ("error", "Accounts are unavailable: \(error.description)"), status: .serviceUnavailable, name: name)
        }
        guard let account else {
            metrics?.recordLogin("failed")   // the attempt was counted as a failure when it was taken
            await library.audit("login_failed", account: nil, detail: "user name '\(name.prefix(64))'", address: address)
            return loginPage(csrf: csrf, next: next, message: ("error", "Wrong user name or password, or the account is disabled."), status: .unauthorized, name: name)
        }
        throttle.succeed(name: name, address: address)
        metrics?.recordLogin("ok")
        await library.audit("login", account: account.name, detail: account.role.rawValue, address: address)
        let session = sessions.signIn(accountID: account.id, replacing: old)
        var r = Response(status: .seeOther, headers: [.location: Self.safeNext(next) ?? account.role.home])
        Sessions.setCookie(&r, id: session.id)
        return r
    }

    // MARK: The first administrator

    func setupGone() -> Response {
        var p = Page(id: "setup", title: "Set-up link not valid", howToRead: "")
        p.sections = [Section(id: "setup", title: "This link cannot be used", blocks: [
            .text("A set-up link works once, for one hour after the server printed it, and only while no account exists. Sign in, or restart the server with no account to get a new link; on the command line, clientele users add NAME --role admin --password-stdin creates an account."),
            .links(Links(style: .buttons, items: [.init(label: "Sign in", href: "/login")])),
        ])]
        return render(p, path: "/setup", status: .forbidden)
    }

    func setupPage(csrf: String, token: String, message: (String, String)? = nil, status: HTTPResponse.Status = .ok, name: String = "") -> Response {
        var p = Page(id: "setup", title: "Create the first administrator", howToRead: "")
        p.sections = [Section(id: "setup", title: "The first account", blocks: [
            .text("This dashboard has no account yet. The administrator you create here manages the other accounts on the Admin page; this link then stops working."),
            .form(Form(action: "/setup", style: "login", hidden: [("token", token)], csrf: csrf, fields: [
                .text(id: "username", label: "User name", name: "username", value: name, maxLength: 64),
                .password(id: "password", label: "Password (10 characters or more)", name: "password"),
                .password(id: "password2", label: "Password again", name: "password2"),
            ], submit: "Create and sign in")),
        ])]
        return render(p, path: "/setup", message: message, status: status)
    }

    func createFirstAdmin(_ request: Request) async -> Response {
        let fields = await FormFields.read(request)
        guard let setup, setup.isValid(FormFields.value(fields, "token")), (try? await library.hasAccounts()) == false else { return setupGone() }
        let name = FormFields.value(fields, "username") ?? ""
        guard let csrf = FormFields.value(fields, "_csrf"), let old = sessions.verify(request, token: csrf) else {
            return sessions.page(request) { csrf in setupPage(csrf: csrf, token: setup.token, message: ("error", "This form has expired. Try again."), status: .forbidden, name: name) }
        }
        let password = FormFields.raw(fields, "password") ?? ""
        guard password == FormFields.raw(fields, "password2") else {
            return setupPage(csrf: csrf, token: setup.token, message: ("error", "The two passwords differ."), status: .badRequest, name: name)
        }
        if !DatasetLibrary.validName(name) {
            return setupPage(csrf: csrf, token: setup.token, message: ("error", "A user name has 1 to 64 letters, digits, '.', '_', '-' or '@'."), status: .badRequest, name: "")
        }
        if let problem = DatasetLibrary.passwordProblem(password) {
            return setupPage(csrf: csrf, token: setup.token, message: ("error", problem), status: .badRequest, name: name)
        }
        guard setup.consume() else { return setupGone() }
        do {
            let a = try await library.addAccount(name: name, role: .admin, password: password)
            await library.audit("account_added", account: a.name, detail: "first administrator (set-up link)", address: Access.address)
            let session = sessions.signIn(accountID: a.id, replacing: old)
            var r = Response(status: .seeOther, headers: [.location: "/admin"])
            Sessions.setCookie(&r, id: session.id)
            return r
        } catch {
            return setupPage(csrf: csrf, token: setup.token, message: ("error", "\(error)"), status: .badRequest, name: name)
        }
    }

    // MARK: One's own account

    func accountPage(csrf: String, message: (String, String)? = nil, status: HTTPResponse.Status = .ok, newToken: String? = nil) async -> Response {
        guard let me = Access.current else { return Response(status: .seeOther, headers: [.location: "/login"]) }
        var p = Page(id: "account", title: "Your account", howToRead: "")
        let scope = me.countries.isEmpty ? "every country" : me.countries.joined(separator: ", ")
        var blocks: [Block] = [.text("Signed in as \(me.name), role \(me.role.rawValue): \(Self.roleSentence(me.role)) Figures are computed on \(scope).")]
        if me.via == .open {
            blocks.append(.note("This dashboard runs without accounts (--no-accounts, on this machine only): there is no password or token to manage."))
            p.sections = [Section(id: "you", title: "You", blocks: blocks)]
            return render(p, path: "/account", message: message, status: status)
        }
        var sections = [Section(id: "you", title: "You", blocks: blocks)]
        sections.append(Section(id: "password", title: "Change your password", blocks: [.form(Form(action: "/account/password", style: "login", csrf: csrf, fields: [
            .password(id: "current", label: "Current password", name: "current"),
            .password(id: "password", label: "New password (10 characters or more)", name: "password"),
            .password(id: "password2", label: "New password again", name: "password2"),
        ], submit: "Change the password"))]))
        var tokenBlocks: [Block] = [.text("A token lets a script read every JSON and CSV address your role allows: send it as Authorization: Bearer TOKEN. It is shown once; revoke it when the script no longer needs it.")]
        if let newToken {
            tokenBlocks.append(.table(Table(id: "new_token", title: "Your new token (copy it now: it is not shown again)", columns: [.init(key: "token", label: "Token")], rows: [[.text(newToken)]], downloadable: false)))
        }
        let tokens = (try? await library.tokens(accountID: me.accountID)) ?? []
        tokenBlocks.append(.table(Table(id: "tokens", title: "Your tokens", columns: [
            .init(key: "name", label: "Name"), .init(key: "prefix", label: "Starts with"), .init(key: "created", label: "Created"), .init(key: "last_used", label: "Last used"),
        ], rows: tokens.map { [.text($0.name), .text($0.prefix + "…"), .text(Self.time($0.created)), .text($0.lastUsed.map(Self.time) ?? "never")] },
            note: tokens.isEmpty ? "No token yet." : "", downloadable: false)))
        tokenBlocks.append(.form(Form(action: "/account/tokens", style: "login", csrf: csrf, fields: [
            .text(id: "token-name", label: "Name (what uses it)", name: "name", value: "", maxLength: 80),
        ], submit: "Create a token")))
        for t in tokens {
            tokenBlocks.append(.formGroup(FormGroup(legend: "\(t.name) (\(t.prefix)…)", forms: [
                Form(action: "/account/tokens/revoke", style: "delete", hidden: [("id", String(t.id))], csrf: csrf, fields: [], submit: "Revoke"),
            ])))
        }
        sections.append(Section(id: "tokens", title: "API tokens", blocks: tokenBlocks))
        p.sections = sections
        return render(p, path: "/account", message: message, status: status)
    }

    static func roleSentence(_ role: Role) -> String {
        switch role {
        case .executive: return "the overview, value, retention, churn, movement and actions as aggregates, and the report; no customer ids or lists."
        case .marketing: return "every executive page plus customer lists, profiles and their downloads for campaigns."
        case .analyst: return "every page, data quality, uploads, data sets and database sources."
        case .admin: return "an analyst who also manages accounts and reads the audit log."
        }
    }

    /// "2 Dec 2026 14:52 UTC" (one formatter for every row of the tables).
    static func time(_ d: Date) -> String { timeFormat.string(from: d) }

    static let timeFormat: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "d MMM yyyy HH:mm 'UTC'"
        return f
    }()

    func changeOwnPassword(_ fields: Fields, csrf: String) async -> Response {
        guard let me = Access.current, me.via == .session else { return await accountPage(csrf: csrf, message: ("error", "Sign in with your password to change it."), status: .forbidden) }
        let new = FormFields.raw(fields, "password") ?? ""
        guard new == FormFields.raw(fields, "password2") else { return await accountPage(csrf: csrf, message: ("error", "The two new passwords differ."), status: .badRequest) }
        guard (try? await library.authenticate(me.name, FormFields.raw(fields, "current") ?? "")) != nil else {
            await library.audit("password_change_failed", account: me.name, detail: "wrong current password", address: Access.address)
            return await accountPage(csrf: csrf, message: ("error", "The current password is wrong."), status: .forbidden)
        }
        do {
            try await library.setPassword(me.name, new)
        } catch {
            return await accountPage(csrf: csrf, message: ("error", "\(error)"), status: .badRequest)
        }
        sessions.signOutEverywhere(accountID: me.accountID)
        await library.audit("password_changed", account: me.name, detail: "own password; every session ended", address: Access.address)
        var r = Response(status: .seeOther, headers: [.location: "/login"])
        Sessions.clearCookie(&r)
        return r
    }

    func createToken(_ fields: Fields, csrf: String) async -> Response {
        guard let me = Access.current, me.via == .session else { return await accountPage(csrf: csrf, message: ("error", "Sign in to manage tokens."), status: .forbidden) }
        let name = FormFields.value(fields, "name").flatMap { $0.isEmpty ? nil : $0 } ?? "token"
        do {
            let (token, record) = try await library.addToken(accountID: me.accountID, name: name)
            await library.audit("token_created", account: me.name, detail: "\(record.name) (\(record.prefix)…)", address: Access.address)
            return await accountPage(csrf: csrf, message: ("info", "Token created. Copy it now: it is not shown again."), newToken: token)
        } catch {
            return await accountPage(csrf: csrf, message: ("error", error.description), status: .serviceUnavailable)
        }
    }

    func revokeToken(_ fields: Fields, csrf: String) async -> Response {
        guard let me = Access.current, me.via == .session else { return await accountPage(csrf: csrf, message: ("error", "Sign in to manage tokens."), status: .forbidden) }
        guard let id = FormFields.value(fields, "id").flatMap(Int.init), (try? await library.revokeToken(accountID: me.accountID, tokenID: id)) == true else {
            return await accountPage(csrf: csrf, message: ("error", "That token is not one of yours or was already revoked."), status: .notFound)
        }
        await library.audit("token_revoked", account: me.name, detail: "token \(id)", address: Access.address)
        return await accountPage(csrf: csrf, message: ("info", "Token revoked: scripts using it are refused from now on."))
    }

    // MARK: Admin

    func adminTables(kind: String?) async -> [Table] {
        let accounts = (try? await library.accounts()) ?? []
        let known = Set(store.dataset.countries)
        let accountsTable = Table(id: "accounts", title: "Accounts", columns: [
            .init(key: "name", label: "User name"), .init(key: "role", label: "Role"), .init(key: "countries", label: "Countries"),
            .init(key: "created", label: "Created"), .init(key: "last_login", label: "Last sign-in"), .init(key: "status", label: "Status"),
        ], rows: accounts.map { a in
            let unknown = a.countries.filter { !known.contains($0) }
            return [.text(a.name), .text(a.role.rawValue), .text(a.countries.isEmpty ? "all" : a.countries.joined(separator: ", ") + (unknown.isEmpty ? "" : " (not in the data: \(unknown.joined(separator: ", ")))")),
                    .text(Self.time(a.created)), .text(a.lastLogin.map(Self.time) ?? "never"), .text(a.disabled ? "disabled" : "active")]
        })
        let events = (try? await library.auditLog(limit: 200, kind: kind.flatMap { $0.isEmpty ? nil : $0 })) ?? []
        let audit = Table(id: "audit", title: "Audit log (latest 200\(kind.map { $0.isEmpty ? "" : ", \($0) only" } ?? ""))", columns: [
            .init(key: "at", label: "When (UTC)"), .init(key: "account", label: "Account"), .init(key: "event", label: "Event"),
            .init(key: "detail", label: "Detail"), .init(key: "address", label: "Address"),
        ], rows: events.map { e in
            [.text(Self.dateFormat.string(from: e.at)), .text(e.account ?? "—"), .text(e.kind), .text(e.detail), .text(e.address ?? "—")]
        }, note: events.isEmpty ? "No event yet." : "")
        return [accountsTable, audit]
    }

    static let dateFormat: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f
    }()

    static let auditKinds = ["login", "login_failed", "login_refused", "logout", "account_added", "account_changed", "password_changed",
                             "account_disabled", "account_enabled", "token_created", "token_revoked", "upload", "dataset_changed", "view_changed", "download",
                             "schedule_changed", "report_sent", "report_failed"]

    func adminPage(csrf: String, kind: String?, message: (String, String)? = nil, status: HTTPResponse.Status = .ok) async -> Response {
        let tables = await adminTables(kind: kind)
        let accounts = (try? await library.accounts()) ?? []
        var p = Page(id: "admin", title: "Admin", howToRead: "Accounts and what they may see: executives see aggregates only, marketing adds customer lists and profiles, analysts add data quality, uploads and data sets, administrators add this page. An account limited to countries sees every figure computed on those countries only. The audit log records sign-ins, failed sign-ins, uploads, data-set changes, account changes and downloads of customer lists.")
        let roleOptions = { (selected: Role?) in Role.allCases.map { Form.Option(value: $0.rawValue, label: $0.label, selected: $0 == selected) } }
        var manage: [Block] = []
        let me = Access.current?.accountID
        for a in accounts {
            manage.append(.formGroup(FormGroup(legend: "\(a.name) (\(a.role.rawValue)\(a.disabled ? ", disabled" : ""))", forms: [
                Form(action: "/admin/accounts/role", style: "account", hidden: [("name", a.name)], csrf: csrf, fields: [
                    .select(label: "Role", name: "role", required: false, options: roleOptions(a.role)),
                    .text(id: "countries-\(a.id)", label: "Countries (comma-separated; empty: all)", name: "countries", value: a.countries.joined(separator: ", "), maxLength: 400),
                ], submit: "Save role"),
                Form(action: "/admin/accounts/password", style: "account", hidden: [("name", a.name)], csrf: csrf, fields: [
                    .password(id: "password-\(a.id)", label: "New password", name: "password"),
                ], submit: "Set password"),
            ] + (a.id == me ? [] : [
                a.disabled ? Form(action: "/admin/accounts/enable", style: "use", hidden: [("name", a.name)], csrf: csrf, fields: [], submit: "Enable")
                           : Form(action: "/admin/accounts/disable", style: "delete", hidden: [("name", a.name)], csrf: csrf, fields: [], submit: "Disable"),
            ]))))
        }
        p.sections = [
            Section(id: "accounts", title: "Accounts", blocks: [.table(tables[0])]),
            Section(id: "add", title: "Add an account", blocks: [.form(Form(action: "/admin/accounts", style: "login", csrf: csrf, fields: [
                .text(id: "new-name", label: "User name", name: "username", value: "", maxLength: 64),
                .select(label: "Role", name: "role", required: false, options: roleOptions(nil)),
                .text(id: "new-countries", label: "Countries (comma-separated; empty: all)", name: "countries", value: "", maxLength: 400),
                .password(id: "new-password", label: "Initial password (10 characters or more)", name: "password"),
            ], submit: "Add the account"))]),
            Section(id: "manage", title: "Change an account", blocks: manage.isEmpty ? [.text("No account.")] : manage),
            Section(id: "schedules", title: "Scheduled reports", blocks: await scheduleBlocks(csrf: csrf, roleOptions: roleOptions)),
            Section(id: "audit", title: "Audit log", blocks: [
                .links(Links(style: .inline(label: "Show"), items: [.init(label: "all", href: "/admin#audit")] + Self.auditKinds.map { .init(label: $0, href: "/admin?kind=\($0)#audit") })),
                .table(tables[1]),
            ]),
        ]
        return render(p, path: "/admin", message: message, status: status)
    }

    func adminData(json: Bool, table: String?) async -> Response {
        var p = Page(id: "admin", title: "Admin", howToRead: "")
        var tables = await adminTables(kind: nil)
        if scheduler != nil { tables.append(scheduleTable((try? await library.schedules()) ?? [])) }
        p.sections = [Section(id: "admin", title: "Admin", blocks: tables.map { .table($0) })]
        let dataset = store.dataset
        if let table, !tables.contains(where: { $0.id == table }) {
            let message = "Unknown table '\(table.prefix(40))'. Tables: \(tables.map(\.id).joined(separator: ", "))."
            return json ? .jsonError(message, status: .badRequest) : .text(message + "\n", status: .badRequest, contentType: "text/plain; charset=utf-8")
        }
        if json {
            let text = (try? renderer.json(p, request: PageRequest(filter: .none), dataset: dataset, asOf: dataset.asOf, onlyTable: table).text) ?? "{}"
            return .text(text, contentType: "application/json")
        }
        var r = Response.text((try? renderer.csv(p, table: table).text) ?? "", contentType: "text/csv; charset=utf-8")
        r.headers[.contentDisposition] = "attachment; filename=\"clientele-\(table ?? "admin").csv\""
        return r
    }

    // MARK: Scheduled reports

    func scheduleBlocks(csrf: String, roleOptions: (Role?) -> [Form.Option]) async -> [Block] {
        guard let scheduler else { return [.text("Scheduled reports are not available on this server.")] }
        let schedules = (try? await library.schedules()) ?? []
        let d = scheduler.delivery
        var blocks: [Block] = [.text("The executive report as PDF, weekly (Mondays) or monthly (the 1st), at 07:00 UTC, as an account of the chosen role and countries would download it: written to the server's reports folder and mailed to the recipients \(d.smtp.map { "through the SMTP relay \($0.host):\($0.port)" } ?? "once an SMTP relay is configured (--smtp-host; until then the reports are only written to the folder)").")]
        blocks.append(.table(scheduleTable(schedules)))
        blocks.append(.form(Form(action: "/admin/schedules", style: "login", csrf: csrf, fields: [
            .text(id: "schedule-name", label: "Name", name: "name", value: "", maxLength: 80),
            .select(label: "Every", name: "cadence", required: false, options: [.init(value: "weekly", label: "Week (Monday)", selected: true), .init(value: "monthly", label: "Month (the 1st)", selected: false)]),
            .select(label: "As role", name: "role", required: false, options: roleOptions(.executive)),
            .text(id: "schedule-countries", label: "Countries (comma-separated; empty: all)", name: "countries", value: "", maxLength: 400),
            .text(id: "schedule-recipients", label: "Recipients (comma-separated e-mail addresses)", name: "recipients", value: "", maxLength: 1000),
        ], submit: "Schedule the report")))
        for s in schedules {
            blocks.append(.formGroup(FormGroup(legend: s.name, forms: [
                Form(action: "/admin/schedules/run", style: "use", hidden: [("id", String(s.id))], csrf: csrf, fields: [], submit: "Run now"),
                Form(action: "/admin/schedules/delete", style: "delete", hidden: [("id", String(s.id))], csrf: csrf, fields: [], submit: "Delete"),
            ])))
        }
        return blocks
    }

    func scheduleTable(_ schedules: [ReportSchedule]) -> Table {
        Table(id: "schedules", title: "Schedules", columns: [
            .init(key: "name", label: "Name"), .init(key: "cadence", label: "Every"), .init(key: "role", label: "As role"), .init(key: "countries", label: "Countries"),
            .init(key: "recipients", label: "Recipients"), .init(key: "next_run", label: "Next run"), .init(key: "last_run", label: "Last run"), .init(key: "last_status", label: "Last result"),
        ], rows: schedules.map { s in
            [.text(s.name), .text(s.cadence == .weekly ? "week" : "month"), .text(s.role.rawValue), .text(s.countries.isEmpty ? "all" : s.countries.joined(separator: ", ")),
             .text(s.recipients.isEmpty ? "—" : s.recipients.joined(separator: ", ")), .text(Self.time(s.nextRun)), .text(s.lastRun.map(Self.time) ?? "never"), .text(s.lastStatus ?? "—")]
        }, note: schedules.isEmpty ? "No report is scheduled." : "")
    }

    func addSchedule(_ fields: Fields, csrf: String) async -> Response {
        guard let cadence = FormFields.value(fields, "cadence").flatMap(ReportSchedule.Cadence.init(rawValue:)),
              let role = FormFields.value(fields, "role").flatMap(Role.init(rawValue:)) else {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "Choose how often and as which role."), status: .badRequest)
        }
        let recipients = (FormFields.value(fields, "recipients") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        do {
            let s = try await library.addSchedule(name: FormFields.value(fields, "name") ?? "", cadence: cadence, role: role, countries: Self.countries(fields), recipients: recipients)
            await library.audit("schedule_changed", account: Access.current?.name, detail: "added \(s.name): \(s.cadence.rawValue), \(s.role.rawValue), \(s.recipients.count) recipients", address: Access.address)
            return await adminPage(csrf: csrf, kind: nil, message: ("info", "\(s.name) is scheduled; the first run is \(Self.time(s.nextRun))."))
        } catch {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "\(error)"), status: .badRequest)
        }
    }

    func runSchedule(_ fields: Fields, csrf: String) async -> Response {
        guard let scheduler, let id = FormFields.value(fields, "id").flatMap(Int.init),
              let s = ((try? await library.schedules()) ?? []).first(where: { $0.id == id }) else {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "That schedule no longer exists."), status: .notFound)
        }
        let status = await scheduler.run(s, by: Access.current?.name)
        return await adminPage(csrf: csrf, kind: nil, message: (status.hasPrefix("Written") && !status.contains("not mailed") ? "info" : "error", "\(s.name): \(status)."))
    }

    func deleteSchedule(_ fields: Fields, csrf: String) async -> Response {
        guard let id = FormFields.value(fields, "id").flatMap(Int.init), (try? await library.removeSchedule(id)) == true else {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "That schedule no longer exists."), status: .notFound)
        }
        await library.audit("schedule_changed", account: Access.current?.name, detail: "deleted schedule \(id)", address: Access.address)
        return await adminPage(csrf: csrf, kind: nil, message: ("info", "The schedule was deleted; reports already written stay in the folder."))
    }

    static func countries(_ fields: Fields) -> [String] {
        (FormFields.value(fields, "countries") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func addAccount(_ fields: Fields, csrf: String) async -> Response {
        let me = Access.current?.name
        guard let role = FormFields.value(fields, "role").flatMap(Role.init(rawValue:)) else {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "Choose a role."), status: .badRequest)
        }
        do {
            let a = try await library.addAccount(name: FormFields.value(fields, "username") ?? "", role: role, countries: Self.countries(fields), password: FormFields.raw(fields, "password") ?? "")
            await library.audit("account_added", account: me, detail: "\(a.name): \(a.role.rawValue)\(a.countries.isEmpty ? "" : ", " + a.countries.joined(separator: ", "))", address: Access.address)
            return await adminPage(csrf: csrf, kind: nil, message: ("info", "Account \(a.name) added (\(a.role.rawValue)). Give them the password in person; they can change it on their Account page."))
        } catch {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "\(error)"), status: .badRequest)
        }
    }

    func changeRole(_ fields: Fields, csrf: String) async -> Response {
        let name = FormFields.value(fields, "name") ?? ""
        guard let role = FormFields.value(fields, "role").flatMap(Role.init(rawValue:)) else {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "Choose a role."), status: .badRequest)
        }
        do {
            try await library.setRole(name, role: role, countries: Self.countries(fields))
            let c = Self.countries(fields)
            await library.audit("account_changed", account: Access.current?.name, detail: "\(name): \(role.rawValue)\(c.isEmpty ? "" : ", " + c.joined(separator: ", "))", address: Access.address)
            return await adminPage(csrf: csrf, kind: nil, message: ("info", "\(name) is now \(role.rawValue)\(c.isEmpty ? " on every country" : " on " + c.joined(separator: ", ")); it applies from their next request."))
        } catch {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "\(error)"), status: .badRequest)
        }
    }

    func resetPassword(_ fields: Fields, csrf: String) async -> Response {
        let name = FormFields.value(fields, "name") ?? ""
        do {
            try await library.setPassword(name, FormFields.raw(fields, "password") ?? "")
            if let a = try? await library.account(named: name) { sessions.signOutEverywhere(accountID: a.id) }
            await library.audit("password_changed", account: Access.current?.name, detail: "\(name): set by an administrator; their sessions ended", address: Access.address)
            return await adminPage(csrf: csrf, kind: nil, message: ("info", "New password set for \(name); their sessions were ended."))
        } catch {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "\(error)"), status: .badRequest)
        }
    }

    func setDisabled(_ fields: Fields, csrf: String, _ disabled: Bool) async -> Response {
        let name = FormFields.value(fields, "name") ?? ""
        do {
            try await library.setDisabled(name, disabled)
            if disabled, let a = try? await library.account(named: name) { sessions.signOutEverywhere(accountID: a.id) }
            await library.audit(disabled ? "account_disabled" : "account_enabled", account: Access.current?.name, detail: name, address: Access.address)
            return await adminPage(csrf: csrf, kind: nil, message: ("info", disabled ? "\(name) is disabled: their sessions and API tokens no longer work." : "\(name) can sign in again."))
        } catch {
            return await adminPage(csrf: csrf, kind: nil, message: ("error", "\(error)"), status: .badRequest)
        }
    }
}
