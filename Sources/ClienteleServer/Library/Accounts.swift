import ClienteleCore
import Foundation
import HummingbirdBcrypt
import SQLiteNIO

/// What an account may see and do. Each role includes the one before it.
public enum Role: String, Sendable, CaseIterable, Comparable {
    /// Aggregates only: overview, value, retention, churn and movement as figures, actions as summaries, the report.
    case executive
    /// An executive's pages plus customer lists, profiles and their downloads (campaigns).
    case marketing
    /// Every page, data quality, uploads, data sets and database sources.
    case analyst
    /// An analyst who also manages accounts and reads the audit log.
    case admin

    var rank: Int { Role.allCases.firstIndex(of: self)! }
    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }

    /// Whether the role sees customer ids, customer lists and profiles.
    public var seesCustomers: Bool { self >= .marketing }
    /// Whether the role manages data (uploads, data sets, database sources) and reads data quality.
    public var managesData: Bool { self >= .analyst }

    /// The page an account of this role lands on after signing in.
    public var home: String {
        switch self {
        case .executive: return "/overview"
        case .marketing: return "/recommendations"
        case .analyst, .admin: return "/"
        }
    }

    public var label: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}

/// A person who signs in. The password is kept only as a bcrypt hash.
public struct Account: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var role: Role
    /// The countries the account's figures are computed on (empty: every country).
    public var countries: [String]
    public var created: Date
    public var lastLogin: Date?
    public var disabled: Bool
    /// When the password was last set: sessions signed in before it end.
    public var passwordChanged: Date
}

/// A personal API token (`Authorization: Bearer clt_...`): only its SHA-256 is stored; the token is shown once.
public struct APIToken: Sendable, Equatable {
    public var id: Int
    public var accountID: Int
    public var name: String
    /// The first characters of the token (`clt_1a2b3c`), to recognise it in the list.
    public var prefix: String
    public var created: Date
    public var lastUsed: Date?
}

/// One event of the audit log.
public struct AuditEvent: Sendable, Equatable {
    public var id: Int
    public var at: Date
    /// The account that acted (nil: nobody signed in, e.g. a failed login or the command line).
    public var account: String?
    public var kind: String
    public var detail: String
    /// The client's address (the proxy's `X-Forwarded-For` with `--trust-proxy`).
    public var address: String?
}

/// Why an account change was refused, in words.
public struct AccountError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

extension DatasetLibrary {
    static let accountsSchema = [
        """
        CREATE TABLE IF NOT EXISTS accounts (
          id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT NOT NULL,
          role TEXT NOT NULL, countries TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, last_login TEXT,
          disabled INTEGER NOT NULL DEFAULT 0, password_changed TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS api_tokens (
          id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
          name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, created TEXT NOT NULL, last_used TEXT)
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_log (
          id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, account TEXT, kind TEXT NOT NULL, detail TEXT NOT NULL,
          address TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at)",
    ]

    /// Times to the millisecond (a password change must fall after the sign-ins it ends).
    static let preciseFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// bcrypt's work factor for new passwords (tests lower it to stay fast; 12 takes about a quarter second).
    nonisolated(unsafe) static var bcryptCost: UInt8 = 12

    // MARK: Accounts

    /// A user name: 1 to 64 letters, digits, `.`, `_`, `-` or `@` (an e-mail address works).
    public static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)) }
    }

    /// At least 10 characters, at most 200 (bcrypt reads 72 bytes; longer pass phrases are fine, the rest is ignored).
    public static func passwordProblem(_ password: String) -> String? {
        if password.count < 10 { return "The password must have at least 10 characters." }
        if password.utf8.count > 200 { return "The password must have at most 200 bytes." }
        return nil
    }

    static func countriesText(_ c: [String]) -> String { c.joined(separator: "\n") }

    private static func account(_ row: SQLiteRow) -> Account? {
        guard let id = row.column("id")?.integer, let name = row.column("name")?.string,
              let role = row.column("role")?.string.flatMap(Role.init(rawValue:)) else { return nil }
        func date(_ k: String) -> Date? { row.column(k)?.string.flatMap { (try? preciseFormat.parse($0)) ?? (try? dateFormat.parse($0)) } }
        let countries = row.column("countries")?.string ?? ""
        return Account(id: Int(id), name: name, role: role, countries: countries.isEmpty ? [] : countries.components(separatedBy: "\n"),
                       created: date("created") ?? Date(timeIntervalSince1970: 0), lastLogin: date("last_login"),
                       disabled: (row.column("disabled")?.integer ?? 0) != 0, passwordChanged: date("password_changed") ?? Date(timeIntervalSince1970: 0))
    }

    /// Every account, by name.
    public func accounts() async throws(Unavailable) -> [Account] {
        try await write("SELECT * FROM accounts ORDER BY name COLLATE NOCASE").compactMap(Self.account)
    }

    public func account(named name: String) async throws(Unavailable) -> Account? {
        try await write("SELECT * FROM accounts WHERE name = ? COLLATE NOCASE", [.text(name)]).first.flatMap(Self.account)
    }

    public func account(id: Int) async throws(Unavailable) -> Account? {
        try await write("SELECT * FROM accounts WHERE id = ?", [.integer(id)]).first.flatMap(Self.account)
    }

    public func hasAccounts() async throws(Unavailable) -> Bool {
        try await write("SELECT COUNT(*) AS n FROM accounts").first?.column("n")?.integer ?? 0 > 0
    }

    /// Creates an account; the password is hashed with bcrypt.
    @discardableResult
    public func addAccount(name: String, role: Role, countries: [String] = [], password: String) async throws -> Account {
        guard Self.validName(name) else {
            throw AccountError("A user name has 1 to 64 letters, digits, '.', '_', '-' or '@' ('\(String(name.prefix(64)))' does not).")
        }
        if let p = Self.passwordProblem(password) { throw AccountError(p) }
        if role == .admin && !countries.isEmpty { throw AccountError("An administrator sees every country: --countries is for the other roles.") }
        if try await account(named: name) != nil { throw AccountError("There is already an account named '\(name)'.") }
        let hash = await Self.hash(password)
        let now = Self.preciseFormat.format(Date())
        _ = try await write("INSERT INTO accounts (name, password_hash, role, countries, created, password_changed) VALUES (?, ?, ?, ?, ?, ?)",
                            [.text(name), .text(hash), .text(role.rawValue), .text(Self.countriesText(Self.cleanCountries(countries))), .text(now), .text(now)])
        guard let a = try await account(named: name) else { throw AccountError("The account was not stored.") }
        return a
    }

    static func cleanCountries(_ c: [String]) -> [String] {
        var seen = Set<String>()
        return c.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// bcrypt on a thread of its own (a quarter second of work must not hold a request thread).
    static func hash(_ password: String) async -> String {
        let cost = bcryptCost
        return await onOwnThread { Bcrypt.hash(password, cost: cost) }
    }

    public func setPassword(_ name: String, _ password: String) async throws {
        if let p = Self.passwordProblem(password) { throw AccountError(p) }
        guard try await account(named: name) != nil else { throw AccountError("There is no account named '\(name)'.") }
        let hash = await Self.hash(password)
        _ = try await write("UPDATE accounts SET password_hash = ?, password_changed = ? WHERE name = ? COLLATE NOCASE",
                            [.text(hash), .text(Self.preciseFormat.format(Date())), .text(name)])
    }

    public func setDisabled(_ name: String, _ disabled: Bool) async throws {
        guard let a = try await account(named: name) else { throw AccountError("There is no account named '\(name)'.") }
        if disabled, a.role == .admin, !a.disabled {
            let admins = try await accounts().filter { $0.role == .admin && !$0.disabled }
            if admins.count <= 1 { throw AccountError("'\(a.name)' is the last active administrator: add another one first.") }
        }
        _ = try await write("UPDATE accounts SET disabled = ? WHERE id = ?", [.integer(disabled ? 1 : 0), .integer(a.id)])
        if disabled { _ = try await write("DELETE FROM api_tokens WHERE account_id = ?", [.integer(a.id)]) }
    }

    public func setRole(_ name: String, role: Role, countries: [String]) async throws {
        guard let a = try await account(named: name) else { throw AccountError("There is no account named '\(name)'.") }
        if role == .admin && !countries.isEmpty { throw AccountError("An administrator sees every country: leave the countries empty.") }
        if a.role == .admin, role != .admin, !a.disabled {
            let admins = try await accounts().filter { $0.role == .admin && !$0.disabled }
            if admins.count <= 1 { throw AccountError("'\(a.name)' is the last active administrator: make another one first.") }
        }
        _ = try await write("UPDATE accounts SET role = ?, countries = ? WHERE id = ?",
                            [.text(role.rawValue), .text(Self.countriesText(Self.cleanCountries(countries))), .integer(a.id)])
    }

    /// The account when `password` is its password and it is not disabled (bcrypt runs even for an unknown name, so
    /// the answer takes as long either way).
    public func authenticate(_ name: String, _ password: String) async throws(Unavailable) -> Account? {
        let row = try await write("SELECT * FROM accounts WHERE name = ? COLLATE NOCASE", [.text(name)]).first
        let hash = row?.column("password_hash")?.string ?? Self.decoyHash
        let ok = await onOwnThread { Bcrypt.verify(password, hash: hash) }
        guard ok, let row, let a = Self.account(row), !a.disabled else { return nil }
        _ = try await write("UPDATE accounts SET last_login = ? WHERE id = ?", [.text(Self.dateFormat.format(Date())), .integer(a.id)])
        return a
    }

    /// A hash of a random password, verified against when the name is unknown.
    static let decoyHash = Bcrypt.hash(SecureToken.make(), cost: 12)

    // MARK: API tokens

    /// Creates a token for an account; returns the token (shown once) and its record.
    public func addToken(accountID: Int, name: String) async throws(Unavailable) -> (token: String, record: APIToken) {
        let token = "clt_" + SecureToken.make(bytes: 24)
        let prefix = String(token.prefix(10))
        let now = Date()
        let rows = try await write("INSERT INTO api_tokens (account_id, name, token_hash, prefix, created) VALUES (?, ?, ?, ?, ?) RETURNING id",
                                   [.integer(accountID), .text(String(name.prefix(80))), .text(SHA256.hex(token.utf8)), .text(prefix), .text(Self.dateFormat.format(now))])
        let id = Int(rows.first?.column("id")?.integer ?? 0)
        return (token, APIToken(id: id, accountID: accountID, name: String(name.prefix(80)), prefix: prefix, created: now, lastUsed: nil))
    }

    public func tokens(accountID: Int) async throws(Unavailable) -> [APIToken] {
        try await write("SELECT * FROM api_tokens WHERE account_id = ? ORDER BY id", [.integer(accountID)]).compactMap { row in
            guard let id = row.column("id")?.integer else { return nil }
            func date(_ k: String) -> Date? { row.column(k)?.string.flatMap { try? Self.dateFormat.parse($0) } }
            return APIToken(id: Int(id), accountID: accountID, name: row.column("name")?.string ?? "", prefix: row.column("prefix")?.string ?? "",
                            created: date("created") ?? Date(timeIntervalSince1970: 0), lastUsed: date("last_used"))
        }
    }

    /// Revokes one of an account's tokens; false when it has no such token.
    public func revokeToken(accountID: Int, tokenID: Int) async throws(Unavailable) -> Bool {
        let rows = try await write("DELETE FROM api_tokens WHERE account_id = ? AND id = ? RETURNING id", [.integer(accountID), .integer(tokenID)])
        return !rows.isEmpty
    }

    /// The account of a token (nil: unknown, revoked, or its account disabled).
    public func account(token: String) async throws(Unavailable) -> Account? {
        guard token.hasPrefix("clt_"), token.utf8.count == 52 else { return nil }
        let hash = SHA256.hex(token.utf8)
        guard let row = try await write("SELECT id, account_id FROM api_tokens WHERE token_hash = ?", [.text(hash)]).first,
              let tid = row.column("id")?.integer, let aid = row.column("account_id")?.integer,
              let a = try await account(id: Int(aid)), !a.disabled else { return nil }
        _ = try await write("UPDATE api_tokens SET last_used = ? WHERE id = ?", [.text(Self.dateFormat.format(Date())), .integer(Int(tid))])
        return a
    }

    // MARK: Audit log

    /// Records an event. The log never stops the action it records: a failed write is dropped.
    public func audit(_ kind: String, account: String?, detail: String = "", address: String? = nil) async {
        _ = try? await write("INSERT INTO audit_log (at, account, kind, detail, address) VALUES (?, ?, ?, ?, ?)",
                             [.text(Self.dateFormat.format(Date())), Self.text(account), .text(kind), .text(String(detail.prefix(500))),
                              Self.text(address.map { String($0.prefix(100)) })])
    }

    /// The latest events, newest first (`kind`: only that kind).
    public func auditLog(limit: Int = 200, kind: String? = nil) async throws(Unavailable) -> [AuditEvent] {
        let rows = try await write(kind == nil ? "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?" : "SELECT * FROM audit_log WHERE kind = ? ORDER BY id DESC LIMIT ?",
                                   (kind.map { [SQLiteData.text($0)] } ?? []) + [.integer(limit)])
        return rows.compactMap { row in
            guard let id = row.column("id")?.integer else { return nil }
            return AuditEvent(id: Int(id), at: row.column("at")?.string.flatMap { try? Self.dateFormat.parse($0) } ?? Date(timeIntervalSince1970: 0),
                              account: row.column("account")?.string, kind: row.column("kind")?.string ?? "",
                              detail: row.column("detail")?.string ?? "", address: row.column("address")?.string)
        }
    }
}
