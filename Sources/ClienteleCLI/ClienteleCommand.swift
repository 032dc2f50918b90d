import ArgumentParser
import ClienteleCore
import Foundation

/// Where a command writes: standard output and standard error, replaceable in tests.
public struct Terminal: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void
    /// Whether standard error is an interactive terminal (progress is shown only then).
    public var interactive: Bool

    public static let standard = Terminal(
        out: { s in FileHandle.standardOutput.write(Data(s.utf8)) },
        err: { s in FileHandle.standardError.write(Data(s.utf8)) },
        interactive: isatty(2) != 0)

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void, interactive: Bool) {
        self.out = out; self.err = err; self.interactive = interactive
    }
}

/// A subcommand that writes through a ``Terminal``.
protocol TerminalCommand: ParsableCommand {
    func execute(_ terminal: Terminal) throws
}

extension TerminalCommand {
    public func run() throws { try execute(.standard) }
}

/// A subcommand that runs asynchronously (the server) and writes through a ``Terminal``.
protocol AsyncTerminalCommand: AsyncParsableCommand {
    func execute(_ terminal: Terminal) async throws
}

extension AsyncTerminalCommand {
    public func run() async throws { try await execute(.standard) }
}

/// A failure caused by the user's input (exit status 2), with a message for the user.
public struct InputError: Error, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = message }
}

public struct ClienteleCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "clientele",
        abstract: "Customer intelligence for e-commerce order lines: KPIs, RFM segments, value tiers, concentration, cohorts.",
        discussion: "Exit status: 0 ok, 2 bad input (unreadable file, unknown layout, missing column, no valid line, bad option), 1 internal error.",
        version: ClienteleVersion.string,
        subcommands: [AnalyzeCommand.self, ServeCommand.self, ReportCommand.self, PredictCommand.self, GenerateCommand.self, UsersCommand.self])
    public init() {}

    /// Parses and runs a command line; returns the process exit status (0 ok, 2 bad input, 1 internal error).
    public static func run(arguments: [String], terminal: Terminal = .standard, environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        let command: ParsableCommand
        let expanded: [String]
        do throws(ConfigFile.Problem) {
            expanded = try ConfigFile.expand(arguments, environment: environment)
        } catch {
            terminal.err("Error: \(error.description)\n")
            return 2
        }
        do {
            command = try parseAsRoot(expanded)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                terminal.out(message + "\n")
                return 0
            }
            terminal.err(message + "\n")
            return 2
        }
        do {
            if let c = command as? any TerminalCommand {
                try c.execute(terminal)
            } else if let c = command as? any AsyncTerminalCommand {
                try await c.execute(terminal)
            } else {
                var c = command
                try c.run()
            }
            return 0
        } catch let e as IngestError {
            terminal.err("error: \(e.description)\n")
            if let hint = Self.mappingHint(e) { terminal.err(hint + "\n") }
            return 2
        } catch let e as InputError {
            terminal.err("error: \(e.description)\n")
            return 2
        } catch let e as ExitCode {
            return e.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success { terminal.out(fullMessage(for: error) + "\n"); return 0 }
            if code == .validationFailure {
                terminal.err(fullMessage(for: error) + "\n")
                return 2
            }
            terminal.err("internal error: \(error)\n")
            return 1
        }
    }

    /// For an unknown layout: the column mapping guessed from the file's header and first rows, as `--map` text.
    static func mappingHint(_ error: IngestError) -> String? {
        guard case .unknownLayout(let file, let found) = error, !found.isEmpty, file != "-",
              let sample = try? ColumnGuesser.sample(path: file) else { return nil }
        let guess = ColumnGuesser.guess(header: sample.header, rows: sample.rows)
        guard !guess.choices.isEmpty else { return nil }
        var s = guess.mapping != nil ? "Guessed from the header and the first rows (check it):" : "Partly guessed from the header and the first rows (complete it):"
        for c in guess.choices { s += "\n  \(c.reason)" }
        let text = guess.mapText
        let quoted = text.contains(where: { " '\"$`\\".contains($0) }) ? "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" : text
        s += "\nTry: --map \(quoted)"
        return s
    }

    public static func runMain() async -> Never {
        Foundation.exit(await run(arguments: Array(CommandLine.arguments.dropFirst())))
    }
}

public enum ClienteleVersion {
    public static let string = "0.1.0"
}
