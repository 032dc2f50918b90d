@testable import ClienteleCLI
import ClienteleServer
import Foundation
import Testing

/// `clientele users` on a data folder, and `serve --config` / `CLIENTELE_*` settings.
@Suite struct UsersCLITests {
    @Test func addListDisableAndSetPassword() async throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let pw = write("first-password-1\nignored second line\n", "pw.txt", in: dir)
        let short = write("short\n", "short.txt", in: dir)
        let added = await run(["users", "add", "dana", "--role", "executive", "--password-file", pw, "--data-dir", data])
        #expect(added.status == 0 && added.out == "Added dana (executive).\n")
        #expect(await run(["users", "add", "marc", "--role", "marketing", "--countries", "France, Germany", "--password-file", pw, "--data-dir", data]).status == 0)
        // Refusals, each with its reason and exit status 2: a duplicate, a short password, an unknown role, no password
        // source, a scoped administrator, a bad name.
        let dup = await run(["users", "add", "DANA", "--role", "analyst", "--password-file", pw, "--data-dir", data])
        #expect(dup.status == 2 && dup.err.contains("There is already an account named 'DANA'"))
        #expect(await run(["users", "add", "x", "--role", "analyst", "--password-file", short, "--data-dir", data]).err.contains("at least 10 characters"))
        #expect(await run(["users", "add", "x", "--role", "boss", "--password-file", pw, "--data-dir", data]).err.contains("unknown role 'boss'"))
        #expect(await run(["users", "add", "x", "--role", "analyst", "--data-dir", data]).status == 2)
        #expect(await run(["users", "add", "x", "--role", "admin", "--countries", "France", "--password-file", pw, "--data-dir", data]).err.contains("An administrator sees every country"))
        #expect(await run(["users", "add", "a b", "--role", "analyst", "--password-file", pw, "--data-dir", data]).err.contains("A user name has 1 to 64"))
        let list = await run(["users", "list", "--data-dir", data])
        let rows = list.out.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.first == ["name", "role", "countries", "created", "last_login", "status"])
        #expect(rows.dropFirst().map { [$0[0], $0[1], $0[2], $0[4], $0[5]] } == [["dana", "executive", "all", "never", "active"], ["marc", "marketing", "France,Germany", "never", "active"]])
        // The stored password is a bcrypt hash that verifies (the first line of the file, not the second).
        let library = await DatasetLibrary.open(dataDirectory: data)
        #expect(try await library.authenticate("dana", "first-password-1") != nil)
        #expect(try await library.authenticate("dana", "ignored second line") == nil)
        await library.close()
        let pw2 = write("second-password-2\n", "pw2.txt", in: dir)
        #expect(await run(["users", "set-password", "dana", "--password-file", pw2, "--data-dir", data]).status == 0)
        #expect(await run(["users", "set-role", "marc", "--role", "analyst", "--data-dir", data]).out == "marc is now analyst.\n")
        #expect(await run(["users", "disable", "marc", "--data-dir", data]).status == 0)
        #expect(await run(["users", "disable", "nobody", "--data-dir", data]).err.contains("There is no account named 'nobody'"))
        let again = await DatasetLibrary.open(dataDirectory: data)
        #expect(try await again.authenticate("dana", "first-password-1") == nil)
        #expect(try await again.authenticate("dana", "second-password-2")?.role == .executive)
        let marc = try await again.account(named: "marc")
        #expect(marc?.disabled == true && marc?.countries == [])
        #expect(try await again.authenticate("marc", "first-password-1") == nil)
        // Each change from the command line is in the audit log, without the password.
        let log = try await again.auditLog()
        #expect(Set(log.map(\.kind)) == ["account_added", "password_changed", "account_changed", "account_disabled"])
        #expect(log.allSatisfy { $0.detail.hasSuffix("(command line)") && !$0.detail.contains("password-") })
        await again.close()
    }

    @Test func configurationFileAndEnvironment() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = write("""
            # Clientele settings
            port = 9090
            host = "0.0.0.0"   # every interface
            allowed_host = ["dash.example.com", 'other.example.com']
            trust_proxy = true
            no_accounts = false
            data_dir = "/var/lib/clientele"
            files = ["orders.csv"]
            smtp_from = "reports@example.com"

            """, "clientele.toml", in: dir)
        let expanded = try ConfigFile.expand(["serve", "--config", file, "--port", "8081"], environment: ["CLIENTELE_DATA_DIR": "/srv/data", "CLIENTELE_SESSION_IDLE": "30m", "HOME": "/root"])
        // The command line wins (port), then the environment (data dir), then the file; false flags add nothing.
        #expect(expanded.starts(with: ["serve", "--port", "8081"]))
        #expect(!expanded.contains("9090") && !expanded.contains("--no-accounts") && !expanded.contains("/var/lib/clientele"))
        func value(_ option: String) -> [String] { expanded.indices.filter { expanded[$0] == option }.map { expanded[$0 + 1] } }
        #expect(value("--host") == ["0.0.0.0"])
        #expect(value("--allowed-host") == ["dash.example.com", "other.example.com"])
        #expect(value("--data-dir") == ["/srv/data"])
        #expect(value("--session-idle") == ["30m"])
        #expect(value("--smtp-from") == ["reports@example.com"])
        #expect(expanded.contains("--trust-proxy") && expanded.contains("orders.csv"))
        // A file on the command line replaces the file's list; environment variables of the tests are not settings.
        let withFile = try ConfigFile.expand(["serve", "mine.csv", "--config", file], environment: ["CLIENTELE_TEST_POSTGRES": "x", "CLIENTELE_ALLOWED_HOST": "a.example, b.example"])
        #expect(!withFile.contains("orders.csv") && withFile.contains("mine.csv"))
        #expect(withFile.indices.filter { withFile[$0] == "--allowed-host" }.map { withFile[$0 + 1] } == ["a.example", "b.example"])
        // Mistakes are said with the file and line, or the variable.
        for (text, message) in [("port = \"80\" extra", "line 1: unexpected text"), ("[server]\nport = 1", "line 1: tables"), ("port = 1\nport = 2", "line 2: 'port' is set twice"),
                                ("porty = 1", "'porty' is not a setting of clientele serve"), ("trust_proxy = 1", "trust_proxy is true or false"),
                                ("host = localhost", "'localhost' is not a string"), ("host = \"x", "the string is not closed")] {
            let bad = write(text, "bad.toml", in: dir)
            #expect(throws: ConfigFile.Problem.self) { try ConfigFile.expand(["serve", "--config", bad], environment: [:]) }
            do { _ = try ConfigFile.expand(["serve", "--config", bad], environment: [:]) } catch { #expect(error.description.contains(message), "\(text): \(error.description)") }
        }
        do { _ = try ConfigFile.expand(["serve"], environment: ["CLIENTELE_TRUST_PROXY": "maybe"]) } catch { #expect(error.description.contains("CLIENTELE_TRUST_PROXY") && error.description.contains("true or false")) }
        #expect(try ConfigFile.expand(["analyze", "x.csv"], environment: ["CLIENTELE_PORT": "1"]) == ["analyze", "x.csv"])
        // Unrelated CLIENTELE_ variables are left alone; `users` takes the server's data folder.
        #expect(try ConfigFile.expand(["serve"], environment: ["CLIENTELE_SOMETHING_ELSE": "x"]) == ["serve"])
        #expect(try ConfigFile.expand(["users", "list", "--config", file], environment: [:]) == ["users", "list", "--data-dir", "/var/lib/clientele"])
        #expect(try ConfigFile.expand(["users", "list"], environment: ["CLIENTELE_DATA_DIR": "/srv/d"]) == ["users", "list", "--data-dir", "/srv/d"])
        #expect(try ConfigFile.expand(["users", "list", "--data-dir", "x"], environment: ["CLIENTELE_DATA_DIR": "/srv/d"]) == ["users", "list", "--data-dir", "x"])
        // The example shipped in deploy/ is valid.
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/clientele.toml.example").standardized.path
        let shipped = try ConfigFile.expand(["serve", "--config", example], environment: [:])
        #expect(shipped.contains("--trust-proxy") && shipped.contains("/var/lib/clientele") && shipped.contains("dashboard.example.com"))
    }

    @Test func serveReadsItsConfiguration() async {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = write("port = 0\n", "c.toml", in: dir)
        // The file's value reaches the option's validation (port 0 is refused with serve's own message).
        let r = await run(["serve", "--config", file])
        #expect(r.status == 2 && r.err.contains("--port must be between 1 and 65535."))
        #expect(await run(["serve", "--config", dir.appendingPathComponent("missing.toml").path]).err.contains("cannot read the configuration file"))
    }
}
