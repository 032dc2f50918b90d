import ArgumentParser
import ClienteleCore
import ClienteleServer
import Foundation

/// `clientele users ...`: the dashboard's accounts, kept in the library of the data folder (the server sees a change
/// at the account's next request: a disabled account or a new password ends its sessions).
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage the dashboard's accounts (in the data folder's library).",
        discussion: """
        Roles: executive (aggregates and the report, no customer ids), marketing (plus customer lists and profiles), \
        analyst (plus data quality, uploads, data sets), admin (plus accounts and the audit log). --countries limits an \
        account's figures to those countries. Passwords are read from standard input (one line), never from the command line. \
        The data folder is --data-dir, else data_dir of --config FILE (or CLIENTELE_CONFIG), else CLIENTELE_DATA_DIR: the \
        server's own settings.
        """,
        subcommands: [Add.self, List.self, Disable.self, Enable.self, SetPassword.self, SetRole.self])

    struct Common: ParsableArguments {
        @Option(name: .customLong("data-dir"), help: "The data folder of clientele serve.")
        var dataDir = "clientele-data"
    }

    struct PasswordInput: ParsableArguments {
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (its first line).")
        var passwordStdin = false

        @Option(name: .customLong("password-file"), help: "Read the password from the first line of this file.")
        var passwordFile: String?

        func validate() throws {
            guard passwordStdin != (passwordFile != nil) else { throw ValidationError("Give the password with --password-stdin or --password-file FILE (one of them).") }
        }

        func read() throws -> String {
            let data: Data
            if let passwordFile {
                guard let d = FileManager.default.contents(atPath: passwordFile) else { throw InputError("cannot read the password file \(passwordFile)") }
                data = d
            } else {
                data = FileHandle.standardInput.readDataToEndOfFile()
            }
            let text = String(decoding: data, as: UTF8.self)
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            return line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
    }

    /// Opens the library, runs `body`, and closes it whatever happens.
    static func using(_ common: Common, _ body: (DatasetLibrary) async throws -> Void) async throws {
        let library = await DatasetLibrary.open(dataDirectory: common.dataDir)
        if let problem = library.problem {
            await library.close()
            throw InputError(problem)
        }
        do {
            try await body(library)
            await library.close()
        } catch {
            await library.close()
            throw error
        }
    }

    static func roleHelp() -> ArgumentHelp { "executive, marketing, analyst or admin." }

    static func parseCountries(_ s: String?) -> [String] {
        (s ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Runs an account change, turning refusals into input errors (exit status 2).
    static func change(_ work: () async throws -> Void) async throws {
        do { try await work() } catch let e as AccountError { throw InputError(e.description) } catch let e as DatasetLibrary.Unavailable { throw InputError(e.description) }
    }

    struct Add: AsyncTerminalCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account.")
        @Argument(help: "User name (letters, digits, . _ - @).") var name: String
        @Option(help: UsersCommand.roleHelp()) var role: String
        @Option(help: "Comma-separated countries the account's figures are limited to (default: all).") var countries: String?
        @OptionGroup var password: PasswordInput
        @OptionGroup var common: Common

        func execute(_ terminal: Terminal) async throws {
            guard let r = Role(rawValue: role) else { throw InputError("unknown role '\(role)': executive, marketing, analyst or admin") }
            let pw = try password.read()
            try await UsersCommand.using(common) { library in try await UsersCommand.change {
                let a = try await library.addAccount(name: name, role: r, countries: UsersCommand.parseCountries(countries), password: pw)
                await library.audit("account_added", account: nil, detail: "\(a.name): \(a.role.rawValue)\(a.countries.isEmpty ? "" : ", " + a.countries.joined(separator: ", ")) (command line)")
                terminal.out("Added \(a.name) (\(a.role.rawValue)\(a.countries.isEmpty ? "" : ", " + a.countries.joined(separator: ", "))).\n")
            } }
        }
    }

    struct List: AsyncTerminalCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts (tab-separated: name, role, countries, created, last sign-in, status).")
        @OptionGroup var common: Common

        func execute(_ terminal: Terminal) async throws {
            try await UsersCommand.using(common) { library in
                let iso = ISO8601DateFormatter()
                var out = "name\trole\tcountries\tcreated\tlast_login\tstatus\n"
                do {
                    for a in try await library.accounts() {
                        out += [a.name, a.role.rawValue, a.countries.isEmpty ? "all" : a.countries.joined(separator: ","), iso.string(from: a.created),
                                a.lastLogin.map { iso.string(from: $0) } ?? "never", a.disabled ? "disabled" : "active"].joined(separator: "\t") + "\n"
                    }
                } catch { throw InputError("\(error)") }
                terminal.out(out)
            }
        }
    }

    /// Disables or enables an account, with its audit entry.
    static func setDisabled(_ name: String, _ disabled: Bool, _ common: Common, _ terminal: Terminal) async throws {
        try await using(common) { library in try await change {
            try await library.setDisabled(name, disabled)
            await library.audit(disabled ? "account_disabled" : "account_enabled", account: nil, detail: "\(name) (command line)")
            terminal.out("\(disabled ? "Disabled" : "Enabled") \(name).\n")
        } }
    }

    struct Disable: AsyncTerminalCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account: it can no longer sign in; its sessions and API tokens stop working.")
        @Argument var name: String
        @OptionGroup var common: Common

        func execute(_ terminal: Terminal) async throws { try await UsersCommand.setDisabled(name, true, common, terminal) }
    }

    struct Enable: AsyncTerminalCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @Argument var name: String
        @OptionGroup var common: Common

        func execute(_ terminal: Terminal) async throws { try await UsersCommand.setDisabled(name, false, common, terminal) }
    }

    struct SetPassword: AsyncTerminalCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set an account's password (its sessions end).")
        @Argument var name: String
        @OptionGroup var password: PasswordInput
        @OptionGroup var common: Common

        func execute(_ terminal: Terminal) async throws {
            let pw = try password.read()
            try await UsersCommand.using(common) { library in try await UsersCommand.change {
                try await library.setPassword(name, pw)
                await library.audit("password_changed", account: nil, detail: "\(name) (command line)")
                terminal.out("New password set for \(name).\n")
            } }
        }
    }

    struct SetRole: AsyncTerminalCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Change an account's role and countries.")
        @Argument var name: String
        @Option(help: UsersCommand.roleHelp()) var role: String
        @Option(help: "Comma-separated countries (default: all).") var countries: String?
        @OptionGroup var common: Common

        func execute(_ terminal: Terminal) async throws {
            guard let r = Role(rawValue: role) else { throw InputError("unknown role '\(role)': executive, marketing, analyst or admin") }
            try await UsersCommand.using(common) { library in try await UsersCommand.change {
                try await library.setRole(name, role: r, countries: UsersCommand.parseCountries(countries))
                await library.audit("account_changed", account: nil, detail: "\(name): \(r.rawValue) (command line)")
                terminal.out("\(name) is now \(r.rawValue).\n")
            } }
        }
    }
}
