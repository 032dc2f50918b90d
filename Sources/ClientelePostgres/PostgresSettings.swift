import Foundation

/// Where and how to connect: parsed from a `postgres://` URL in the form libpq, psql, Metabase and Superset accept,
/// with libpq's environment defaults (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGSSLMODE`). The password is
/// never part of the URL: it comes from `PGPASSWORD`, a password file, or `~/.pgpass` (``resolvePassword(file:environment:home:)``).
public struct PostgresSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var sslMode: SSLMode
    /// A CA certificate file (PEM) for `verify-ca`/`verify-full` (`sslrootcert=` in the URL).
    public var sslRootCert: String?
    /// Seconds to wait for the connection (`connect_timeout=`, default 10).
    public var connectTimeout: Int
    /// The password, once resolved (never printed, never stored unless the user asks).
    public var password: String?

    /// libpq's `sslmode` values.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public init(host: String = "127.0.0.1", port: Int = 5432, user: String, database: String, sslMode: SSLMode = .prefer,
                sslRootCert: String? = nil, connectTimeout: Int = 10, password: String? = nil) {
        self.host = host; self.port = port; self.user = user; self.database = database; self.sslMode = sslMode
        self.sslRootCert = sslRootCert; self.connectTimeout = connectTimeout; self.password = password
    }

    /// Parses `postgres://[user@]host[:port][/database][?sslmode=...&sslrootcert=...&connect_timeout=...]`
    /// (`postgresql://` too). A password in the URL is refused: a command line is visible to every user of the machine.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(PostgresSourceError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://"),
              let components = URLComponents(string: trimmed) else {
            throw .settings("the database URL must look like postgres://USER@HOST:PORT/DATABASE?sslmode=prefer, not '\(PostgresSourceError.shorten(text))'.")
        }
        if components.password != nil || components.percentEncodedUser?.contains(":") == true {
            throw .settings("the database URL holds a password: remove it, and give it in the PGPASSWORD environment variable, a password file (--password-file) or ~/.pgpass, so that it never appears in the process list or the shell history.")
        }
        let env = { (k: String) in environment[k].flatMap { $0.isEmpty ? nil : $0 } }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? env("PGHOST") ?? "127.0.0.1"
        if host.hasPrefix("/") { throw .settings("Unix-socket hosts are not supported: give a host name or address (such as 127.0.0.1).") }
        if let p = components.port {
            port = p
        } else if let p = env("PGPORT") {
            guard let n = Int(p) else { throw .settings("PGPORT must be a port number, not '\(PostgresSourceError.shorten(p))'.") }
            port = n
        } else {
            port = 5432
        }
        guard (1...65535).contains(port) else { throw .settings("the port must be between 1 and 65535, not \(port).") }
        user = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? env("PGUSER") ?? ProcessInfo.processInfo.userName
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? (env("PGDATABASE") ?? user) : path
        if components.queryItems?.contains(where: { $0.name == "user" }) == true && path.isEmpty && env("PGDATABASE") == nil {
            database = components.queryItems?.last(where: { $0.name == "user" })?.value ?? database
        }
        // libpq also takes the connection's parts as parameters (host=, port=, user=, dbname=), as Metabase and
        // Superset may write them.
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "host":
                if value.hasPrefix("/") { throw .settings("Unix-socket hosts are not supported: give a host name or address (such as 127.0.0.1).") }
                host = value
            case "port":
                guard let n = Int(value), (1...65535).contains(n) else { throw .settings("port must be between 1 and 65535, not '\(PostgresSourceError.shorten(value))'.") }
                port = n
            case "user": user = value
            case "dbname": database = value
            default: continue
            }
        }
        var mode = env("PGSSLMODE") ?? "prefer"
        var rootCert: String? = env("PGSSLROOTCERT")
        var timeout = 10
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode": mode = value
            case "sslrootcert": rootCert = value
            case "connect_timeout":
                guard let n = Int(value), (1...600).contains(n) else {
                    throw .settings("connect_timeout must be a number of seconds between 1 and 600, not '\(PostgresSourceError.shorten(value))'.")
                }
                timeout = n
            case "application_name", "options", "host", "port", "user", "dbname": continue
            case "password":
                throw .settings("the database URL holds a password: remove it, and give it in PGPASSWORD, a password file (--password-file) or ~/.pgpass.")
            default:
                throw .settings("unknown URL parameter '\(PostgresSourceError.shorten(item.name))' (known: sslmode, sslrootcert, connect_timeout).")
            }
        }
        guard let m = SSLMode(rawValue: mode) else {
            throw .settings("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(PostgresSourceError.shorten(mode))'.")
        }
        sslMode = m
        sslRootCert = rootCert
        connectTimeout = timeout
        password = nil
    }

    /// The URL again, without a password: what pages, logs and the library show and keep.
    public var displayURL: String {
        var c = URLComponents()
        c.scheme = "postgres"
        c.user = user
        c.host = host
        c.port = port
        c.path = "/" + database
        c.queryItems = [URLQueryItem(name: "sslmode", value: sslMode.rawValue)]
        return c.string ?? "postgres://\(user)@\(host):\(port)/\(database)"
    }

    /// Fills ``password`` from, in order: `PGPASSWORD`, `file` (the first line of a password file), and the password
    /// file of libpq (`PGPASSFILE`, else `~/.pgpass`: `host:port:database:user:password` lines, `*` matching anything,
    /// `\:` and `\\` escaped). No password is not an error: the server may not ask for one.
    public mutating func resolvePassword(file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                                         home: String = NSHomeDirectory()) throws(PostgresSourceError) {
        if let p = environment["PGPASSWORD"], !p.isEmpty { password = p; return }
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw .settings("cannot read the password file \(URL(fileURLWithPath: file).lastPathComponent).")
            }
            let first = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            password = first.hasSuffix("\r") ? String(first.dropLast()) : first
            return
        }
        let passFile = environment["PGPASSFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? (home as NSString).appendingPathComponent(".pgpass")
        guard let data = FileManager.default.contents(atPath: passFile), let text = String(data: data, encoding: .utf8) else { return }
        password = PostgresSettings.pgpassLookup(text, host: host, port: port, database: database, user: user)
    }

    /// The password of the first matching line of a `.pgpass` text.
    static func pgpassLookup(_ text: String, host: String, port: Int, database: String, user: String) -> String? {
        for raw in text.split(separator: "\n") {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if line.hasPrefix("#") || line.isEmpty { continue }
            var fields: [String] = [], current = "", escaped = false
            for ch in line {
                if escaped { current.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == ":" && fields.count < 4 {
                    fields.append(current); current = ""
                } else { current.append(ch) }
            }
            fields.append(current)
            guard fields.count == 5 else { continue }
            let hosts = host == "127.0.0.1" || host == "::1" ? [host, "localhost"] : [host]
            func match(_ f: String, _ v: [String]) -> Bool { f == "*" || v.contains(f) }
            if match(fields[0], hosts) && match(fields[1], [String(port)]) && match(fields[2], [database]) && match(fields[3], [user]) {
                return fields[4]
            }
        }
        return nil
    }
}

/// What went wrong with a database source, in words for a data engineer (never a password, never a stack trace).
public enum PostgresSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL, password or options cannot be used.
    case settings(String)
    /// The server cannot be reached or refused the login.
    case connection(String)
    /// The table, query or columns cannot be used.
    case schema(String)
    /// A query failed (statement timeout, server gone, data the SQL cannot handle).
    case query(String)

    public var description: String {
        switch self {
        case .settings(let m): return "database settings: \(m)"
        case .connection(let m): return "cannot connect to the database: \(m)"
        case .schema(let m): return m
        case .query(let m): return "the database query failed: \(m)"
        }
    }

    static func shorten(_ s: String, _ n: Int = 80) -> String { s.count > n ? String(s.prefix(n)) + "…" : s }
}
