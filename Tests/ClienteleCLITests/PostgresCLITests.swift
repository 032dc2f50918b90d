import Foundation
import Testing
@testable import ClienteleCLI
import ClienteleCore
@testable import ClientelePostgres

/// A real PostgreSQL server for the tests: `CLIENTELE_TEST_POSTGRES` holds its URL (`.ci/run` starts a throwaway one
/// with `scripts/pg-throwaway start` and sets it; without it these suites are skipped, and say so).
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["CLIENTELE_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    static var available: Bool { url != nil }

    /// Runs SQL (and psql meta-commands such as \copy) through psql; fails the test on an error.
    @discardableResult
    static func psql(_ script: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", url!, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", "-"]
        let input = Pipe(), output = Pipe(), error = Pipe()
        p.standardInput = input; p.standardOutput = output; p.standardError = error
        try! p.run()
        input.fileHandleForWriting.write(Data(script.utf8))
        try! input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "psql failed: \(String(decoding: err, as: UTF8.self))", sourceLocation: sourceLocation)
        return String(decoding: out, as: UTF8.self)
    }

    /// Functions that read text as a timestamp or a number the way the CSV path does (NULL when it cannot), so that a
    /// file's invalid values reach the table as NULLs and are counted under the same reasons.
    static let helpers = """
        CREATE OR REPLACE FUNCTION try_ts(text) RETURNS timestamp AS $$ BEGIN RETURN $1::timestamp; EXCEPTION WHEN others THEN RETURN NULL; END $$ LANGUAGE plpgsql IMMUTABLE;
        CREATE OR REPLACE FUNCTION try_num(text) RETURNS numeric AS $$ SELECT CASE WHEN $1 ~ '^\\s*[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)\\s*$' THEN $1::numeric END $$ LANGUAGE sql IMMUTABLE;
        """

    /// Copies an Online Retail II file into a typed table with the canonical column names.
    static func loadRetail(_ path: String, into table: String) {
        psql("""
            \(helpers)
            DROP TABLE IF EXISTS \(table)_raw, \(table);
            CREATE TABLE \(table)_raw (invoice text, stock_code text, description text, quantity text, ts text, price text, customer text, country text);
            \\copy \(table)_raw FROM '\(path)' CSV HEADER
            CREATE TABLE \(table) AS SELECT invoice, stock_code AS product_id, description, try_num(quantity) AS quantity,
              try_ts(ts) AS "timestamp", try_num(price) AS unit_price, customer AS customer_id, country FROM \(table)_raw;
            DROP TABLE \(table)_raw;
            """)
    }
}

@Suite("PostgreSQL source: the command line against a real server", .serialized, .enabled(if: TestPostgres.available, "set CLIENTELE_TEST_POSTGRES (scripts/pg-throwaway start)"))
struct PostgresCLITests {
    let url = TestPostgres.url ?? ""
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ClienteleCoreTests/Fixtures")

    func canonical(_ v: Any?) -> String {
        guard let v else { return "missing" }
        return (try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed])).map { String(decoding: $0, as: UTF8.self) } ?? "\(v)"
    }

    /// Analyses a file and a table and compares every output file byte for byte, and the data-quality counts.
    func expectParity(file: [String], table: [String], sourceLocation: SourceLocation = #_sourceLocation) async {
        let dir = temporaryFolder()
        let a = await run(["analyze"] + file + ["--out", dir.appendingPathComponent("csv").path, "--quiet"])
        let b = await run(["analyze", "--postgres", url] + table + ["--out", dir.appendingPathComponent("pg").path, "--quiet"])
        #expect(a.status == 0, "\(a.err)", sourceLocation: sourceLocation)
        #expect(b.status == 0, "\(b.err)", sourceLocation: sourceLocation)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("csv").path)) ?? []
        #expect(names.count >= 10, sourceLocation: sourceLocation)
        for name in names.sorted() {
            let x = FileManager.default.contents(atPath: dir.appendingPathComponent("csv/\(name)").path)
            let y = FileManager.default.contents(atPath: dir.appendingPathComponent("pg/\(name)").path)
            if name == "data_quality.json" {
                // The counts are the same; the file name, layout, delimiter and line-numbered examples are the file's own.
                guard let x, let y, let jx = (try? JSONSerialization.jsonObject(with: x)) as? [String: Any],
                      let jy = (try? JSONSerialization.jsonObject(with: y)) as? [String: Any] else {
                    Issue.record("data_quality.json missing", sourceLocation: sourceLocation); continue
                }
                for key in ["lines_read", "valid_lines", "cancelled_lines", "guest_lines", "invalid_lines", "invalid_by_reason",
                            "excluded_customers", "excluded_customer_revenue", "lines_after_as_of", "excluded_product_lines", "net_units"]
                    where jx[key] != nil {
                    #expect(canonical(jx[key]) == canonical(jy[key]), "\(key) differs", sourceLocation: sourceLocation)
                }
                #expect(canonical(jx["product_codes"]) == canonical(jy["product_codes"]), sourceLocation: sourceLocation)
            } else {
                #expect(x != nil && x == y, "\(name) differs between the file and the table", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("seed exports are byte-identical from a file and from a table: fixture and each generator profile")
    func parityWithTheCSVPath() async throws {
        let dir = temporaryFolder()
        // The fixture without its line of 7 fields: a table has no such line (every other invalid line is kept).
        let fixture = try String(contentsOfFile: Self.fixtures.appendingPathComponent("small_retail.csv").path, encoding: .utf8)
        let small = write(fixture.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("1017,") }.joined(separator: "\n"), "small.csv", in: dir)
        TestPostgres.loadRetail(small, into: "par_small")
        await expectParity(file: [small], table: ["--table", "par_small"])
        for profile in ["retail", "wholesale", "high-churn"] {
            let path = dir.appendingPathComponent("\(profile).csv").path
            let g = await run(["generate", "--profile", profile, "--lines", "20000", "--seed", "7", "--out", path])
            #expect(g.status == 0, "\(g.err)")
            let table = "par_" + profile.replacingOccurrences(of: "-", with: "_")
            TestPostgres.loadRetail(path, into: table)
            await expectParity(file: [path], table: ["--table", table])
            // An as-of date inside the data: lines after it are counted from the database's lines, not its rows.
            await expectParity(file: [path, "--as-of", "2011-06-01"], table: ["--table", table, "--as-of", "2011-06-01"])
        }
        // A product code left out: the same lines leave both paths.
        let retail = dir.appendingPathComponent("retail.csv").path
        await expectParity(file: [retail, "--exclude-products", "POST,M"], table: ["--table", "par_retail", "--exclude-products", "post,M"])
    }

    @Test("CDNOW's sample (line amounts, no invoice) as a table with a revenue column")
    func cdnowRevenueColumn() async throws {
        let dir = temporaryFolder()
        let source = Self.fixtures.appendingPathComponent("CDNOW_sample.txt").path
        let text = try String(contentsOfFile: source, encoding: .utf8)
        let csv = text.split(whereSeparator: \.isNewline).map { $0.split(whereSeparator: \.isWhitespace).joined(separator: ",") }.joined(separator: "\n")
        let path = write("customer_id,sample_index,day,quantity,revenue\n" + csv + "\n", "cdnow.csv", in: dir)
        TestPostgres.psql("""
            DROP TABLE IF EXISTS cdnow;
            CREATE TABLE cdnow (customer_id text, sample_index int, "timestamp" date, quantity int, revenue numeric);
            \\copy cdnow FROM '\(path)' CSV HEADER
            """)
        await expectParity(file: [source], table: ["--table", "cdnow"])
    }

    @Test("other column names with --map, a query instead of a table, timestamptz and integer ids")
    func mappingAndQuery() async throws {
        let dir = temporaryFolder()
        let path = dir.appendingPathComponent("retail.csv").path
        _ = await run(["generate", "--profile", "retail", "--lines", "5000", "--seed", "3", "--out", path])
        TestPostgres.loadRetail(path, into: "map_src")
        TestPostgres.psql("""
            DROP TABLE IF EXISTS shop_orders;
            CREATE TABLE shop_orders AS SELECT invoice AS order_no, quantity::numeric(12,3) AS qty, "timestamp"::timestamptz AS created_at,
              unit_price AS price, customer_id AS buyer, country AS market, product_id AS sku FROM map_src;
            """)
        let map = "customer=buyer,timestamp=created_at,quantity=qty,unit_price=price,invoice=order_no,country=market,product=sku"
        await expectParity(file: [path], table: ["--table", "public.shop_orders", "--map", map])
        await expectParity(file: [path], table: ["--query", "SELECT * FROM shop_orders;", "--map", map])
        // A mapped column that is not there is named, with the columns found.
        let r = await run(["analyze", "--postgres", url, "--table", "shop_orders", "--map", "customer=client,timestamp=created_at,revenue=price", "--quiet", "--out", dir.path])
        #expect(r.status == 2)
        #expect(r.err.contains("column client (customer in --map) is not in the table"))
        #expect(r.err.contains("'buyer'"))
    }

    @Test("wrong column types, a missing table, missing columns: exit 2 naming the column and its type")
    func schemaProblems() async throws {
        let dir = temporaryFolder().path
        TestPostgres.psql("""
            DROP TABLE IF EXISTS bad_text_ts, bad_float, odd_cols;
            CREATE TABLE bad_text_ts (invoice text, customer_id text, "timestamp" text, quantity int, unit_price numeric, country text);
            CREATE TABLE bad_float (invoice text, customer_id text, "timestamp" timestamp, quantity int, unit_price double precision);
            CREATE TABLE odd_cols (a text, b text);
            """)
        var r = await run(["analyze", "--postgres", url, "--table", "bad_text_ts", "--out", dir])
        #expect(r.status == 2)
        #expect(r.err.contains("column timestamp (timestamp) is of type text, which cannot be used"))
        r = await run(["analyze", "--postgres", url, "--table", "bad_float", "--out", dir])
        #expect(r.status == 2)
        #expect(r.err.contains("column unit_price (unit_price) is of type double precision"))
        #expect(r.err.contains("unit_price::numeric"))
        r = await run(["analyze", "--postgres", url, "--table", "no_such_table", "--out", dir])
        #expect(r.status == 2)
        #expect(r.err.contains("table no_such_table was not found in database postgres"))
        r = await run(["analyze", "--postgres", url, "--table", "odd_cols", "--out", dir])
        #expect(r.status == 2)
        #expect(r.err.contains("the columns customer_id, timestamp, quantity and unit_price (or revenue) are missing (found 'a', 'b')"))
        r = await run(["analyze", "--postgres", url, "--query", "SELECT FROM nowhere", "--out", dir])
        #expect(r.status == 2)
        #expect(r.err.contains("the query cannot be read: relation \"nowhere\" does not exist"))
        // A table name that tries SQL is a name that is not found.
        r = await run(["analyze", "--postgres", url, "--table", "lines; DROP TABLE odd_cols", "--out", dir])
        #expect(r.status == 2)
        #expect(TestPostgres.psql("SELECT count(*) FROM odd_cols").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        // An empty table: no valid line, said so.
        TestPostgres.psql("DROP TABLE IF EXISTS empty_lines; CREATE TABLE empty_lines (invoice text, customer_id text, \"timestamp\" timestamp, quantity int, unit_price numeric);")
        r = await run(["analyze", "--postgres", url, "--table", "empty_lines", "--out", dir])
        #expect(r.status == 2)
        #expect(r.err.contains("empty_lines: no valid order line among 0 rows"))
    }

    @Test("credentials: a password in the URL is refused; wrong, missing and right passwords; a server that is down")
    func credentials() async throws {
        let dir = temporaryFolder()
        TestPostgres.psql("""
            DROP TABLE IF EXISTS cred_lines;
            CREATE TABLE cred_lines (invoice text, customer_id text, "timestamp" timestamp, quantity int, unit_price numeric);
            INSERT INTO cred_lines VALUES ('1', 'A', '2024-01-02 10:00', 2, 5.25), ('2', 'A', '2024-02-03 11:00', 1, 3), ('3', 'B', '2024-02-04 09:00', 1, 7.5);
            DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'clientele_pw') THEN CREATE ROLE clientele_pw LOGIN PASSWORD 'right horse'; END IF; END $$;
            GRANT SELECT ON cred_lines TO clientele_pw;
            """)
        let settings = try PostgresSettings(url: url, environment: [:])
        let pwURL = "postgres://clientele_pw@\(settings.host):\(settings.port)/\(settings.database)?sslmode=disable"
        var r = await run(["analyze", "--postgres", "postgres://clientele_pw:secret@\(settings.host):\(settings.port)/postgres", "--table", "cred_lines"])
        #expect(r.status == 2)
        #expect(r.err.contains("the database URL holds a password"))
        #expect(!r.err.contains("secret"))
        let wrong = write("wrong horse\n", "wrong", in: dir), right = write("right horse\n", "right", in: dir)
        r = await run(["analyze", "--postgres", pwURL, "--table", "cred_lines", "--password-file", wrong, "--quiet", "--out", dir.path])
        #expect(r.status == 2)
        #expect(r.err.contains("refused the login of clientele_pw"))
        #expect(!r.err.contains("wrong horse"))
        if ProcessInfo.processInfo.environment["PGPASSWORD"] == nil {
            r = await run(["analyze", "--postgres", pwURL, "--table", "cred_lines", "--quiet", "--out", dir.path])
            #expect(r.status == 2)
            #expect(r.err.contains("asks for a password for clientele_pw and none was given") || r.err.contains("refused the login"))
        }
        r = await run(["analyze", "--postgres", pwURL, "--table", "cred_lines", "--password-file", right, "--out", dir.appendingPathComponent("ok").path, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        let summary = try String(contentsOfFile: dir.appendingPathComponent("ok/executive_metrics_summary.csv").path, encoding: .utf8)
        // A: 10.5 + 3 = 13.5 over 2 orders; B: 7.5 over 1 order. 21 in all, 3 orders, 10.5 per customer.
        #expect(summary.split(separator: "\n")[1].hasPrefix("2,21,10.5,"))
        // Nothing listens on this port: exit 2 with the reason.
        r = await run(["analyze", "--postgres", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=3", "--table", "x", "--out", dir.path])
        #expect(r.status == 2)
        #expect(r.err.contains("cannot connect to the database: 127.0.0.1:1"))
        // TLS: the throwaway server has a self-signed certificate when CLIENTELE_TEST_POSTGRES_CA names it.
        let base = "postgres://postgres@\(settings.host):\(settings.port)/postgres"
        if let ca = ProcessInfo.processInfo.environment["CLIENTELE_TEST_POSTGRES_CA"], !ca.isEmpty {
            // require: encrypted, the certificate not checked; verify-ca with the certificate as root: checked and accepted.
            r = await run(["analyze", "--postgres", base + "?sslmode=require", "--table", "cred_lines", "--quiet", "--out", dir.appendingPathComponent("tls1").path])
            #expect(r.status == 0, "\(r.err)")
            r = await run(["analyze", "--postgres", base + "?sslmode=verify-ca&sslrootcert=\(ca)", "--table", "cred_lines", "--quiet", "--out", dir.appendingPathComponent("tls2").path])
            #expect(r.status == 0, "\(r.err)")
            // verify-full against the system's trust store: a self-signed certificate is refused, and said so.
            r = await run(["analyze", "--postgres", base + "?sslmode=verify-full", "--table", "cred_lines", "--out", dir.path])
            #expect(r.status == 2)
            #expect(r.err.contains("certificate"), "\(r.err)")
        } else {
            r = await run(["analyze", "--postgres", base + "?sslmode=require", "--table", "cred_lines", "--out", dir.path])
            #expect(r.status == 2)
            #expect(r.err.contains("does not support TLS"))
        }
    }

    @Test("a statement that runs past --statement-timeout is cancelled and said so")
    func statementTimeout() async throws {
        TestPostgres.psql("""
            DROP TABLE IF EXISTS slow_lines;
            CREATE TABLE slow_lines (invoice text, customer_id text, "timestamp" timestamp, quantity int, unit_price numeric);
            INSERT INTO slow_lines VALUES ('1', 'A', '2024-01-02 10:00', 2, 5.25);
            """)
        let started = Date()
        let r = await run(["analyze", "--postgres", url, "--query", "SELECT s.* FROM slow_lines s, LATERAL (SELECT pg_sleep(3)) z", "--statement-timeout", "1", "--out", temporaryFolder().path])
        #expect(r.status == 2)
        #expect(r.err.contains("ran longer than the statement timeout (1 s) and was cancelled"))
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test("report and predict read a table too")
    func reportAndPredict() async throws {
        let dir = temporaryFolder()
        let path = dir.appendingPathComponent("w.csv").path
        _ = await run(["generate", "--profile", "wholesale", "--lines", "20000", "--seed", "7", "--out", path])
        TestPostgres.loadRetail(path, into: "rp_lines")
        let a = await run(["report", path, "--format", "md", "--out", dir.appendingPathComponent("a.md").path])
        let b = await run(["report", "--postgres", url, "--table", "rp_lines", "--format", "md", "--out", dir.appendingPathComponent("b.md").path])
        #expect(a.status == 0, "\(a.err)")
        #expect(b.status == 0, "\(b.err)")
        let ta = try String(contentsOfFile: dir.appendingPathComponent("a.md").path, encoding: .utf8)
        let tb = try String(contentsOfFile: dir.appendingPathComponent("b.md").path, encoding: .utf8)
        // The same report but for the source's name, and for model sums in floating point, whose customers are added
        // in another order (the file's order of first appearance, the table's id order): at most a cent apart.
        let la = ta.replacingOccurrences(of: "w.csv", with: "rp_lines").split(separator: "\n"), lb = tb.split(separator: "\n")
        #expect(la.count == lb.count)
        let number = /-?[0-9][0-9,]*\.?[0-9]*/
        var differing = 0
        for (x, y) in zip(la, lb) where x != y {
            differing += 1
            #expect(x.replacing(number, with: "#") == y.replacing(number, with: "#"), "\(x)")
            let nx = x.matches(of: number).map { Double($0.output.replacingOccurrences(of: ",", with: "")) ?? .nan }
            let ny = y.matches(of: number).map { Double($0.output.replacingOccurrences(of: ",", with: "")) ?? .nan }
            #expect(nx.count == ny.count && zip(nx, ny).allSatisfy { abs($0 - $1) <= 0.0100001 }, "\(x) | \(y)")
        }
        #expect(differing <= 5)
        let p = await run(["predict", "--postgres", url, "--table", "rp_lines", "--out", dir.appendingPathComponent("pred.csv").path])
        #expect(p.status == 0, "\(p.err)")
    }
}

@Suite("PostgreSQL settings")
struct PostgresSettingsTests {
    @Test("URL, environment defaults, .pgpass lines with wildcards and escapes")
    func urlAndPasswords() throws {
        let s = try PostgresSettings(url: "postgresql://shop@db.internal:6432/sales?sslmode=verify-full&connect_timeout=4", environment: [:])
        #expect(s.host == "db.internal" && s.port == 6432 && s.user == "shop" && s.database == "sales")
        #expect(s.sslMode == .verifyFull && s.connectTimeout == 4 && s.password == nil)
        #expect(s.displayURL == "postgres://shop@db.internal:6432/sales?sslmode=verify-full")
        let e = try PostgresSettings(url: "postgres://", environment: ["PGHOST": "h", "PGPORT": "7000", "PGUSER": "u", "PGDATABASE": "d"])
        #expect(e.host == "h" && e.port == 7000 && e.user == "u" && e.database == "d" && e.sslMode == .prefer)
        #expect(throws: PostgresSourceError.self) { try PostgresSettings(url: "postgres://u:p@h/d", environment: [:]) }
        #expect(throws: PostgresSourceError.self) { try PostgresSettings(url: "mysql://u@h/d", environment: [:]) }
        #expect(throws: PostgresSourceError.self) { try PostgresSettings(url: "postgres://u@h/d?sslmode=maybe", environment: [:]) }
        let pgpass = "# comment\nother:5432:*:shop:nope\ndb.internal:6432:sales:shop:pa\\:ss\\\\word\n*:*:*:*:fallback\n"
        #expect(PostgresSettings.pgpassLookup(pgpass, host: "db.internal", port: 6432, database: "sales", user: "shop") == "pa:ss\\word")
        #expect(PostgresSettings.pgpassLookup(pgpass, host: "x", port: 1, database: "y", user: "z") == "fallback")
        var withEnv = s
        try withEnv.resolvePassword(environment: ["PGPASSWORD": "from-env"], home: "/nonexistent")
        #expect(withEnv.password == "from-env")
    }

    @Test("the push-down SQL uses plain GROUP BY, binds excluded codes and never a cursor")
    func sqlShape() {
        let sql = PushDownSQL(relation: "public.lines", columns: ["customer": "\"customer_id\"", "timestamp": "\"timestamp\"", "quantity": "\"quantity\"", "unit_price": "\"unit_price\""],
                              validDays: 0...20_000, hasExcludedProducts: true)
        for q in [sql.quality, sql.activity, sql.currencies] {
            #expect(q.contains("GROUP BY"))
            #expect(!q.uppercased().contains("OVER ("))
            #expect(!q.uppercased().contains("CURSOR"))
        }
        #expect(sql.lines.contains("= ANY($1)"))
        #expect(sql.customerLines.hasSuffix("c = $2"))
        #expect(PushDownSQL.quoteIdentifier("we\"ird") == "\"we\"\"ird\"")
    }
}
