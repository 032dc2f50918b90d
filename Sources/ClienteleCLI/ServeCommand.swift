import ArgumentParser
import ClienteleCore
import ClienteleServer
import Foundation
import Logging

struct ServeCommand: TerminalCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start the web dashboard on the built-in demo data or on order-line files.",
        discussion: """
        Without FILE, the dashboard opens on the built-in demo data. FILE accepts the same layouts as analyze \
        (and --map / --day-first for other CSVs). The server listens on 127.0.0.1 unless --host says otherwise; it \
        has no login yet, so do not expose it to an untrusted network. Stop it with Ctrl-C (graceful shutdown).
        """)

    @Argument(help: "Order-line files (default: the built-in demo data).")
    var files: [String] = []

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port = 8080

    @Option(name: .customLong("demo-lines"), help: "Lines of demo data when no file is given.")
    var demoLines: Int = DemoData.defaultLines

    @Option(name: .long, help: "Column mapping for other layouts (as for analyze).")
    var map: String?

    @Flag(name: .customLong("day-first"), help: "Read slash dates as day/month/year.")
    var dayFirst = false

    @Option(name: .customLong("data-dir"), help: "Folder for uploaded files (created when needed).")
    var dataDir = "clientele-data"

    @Option(name: .customLong("max-upload-mb"), help: "Largest accepted upload, in MB.")
    var maxUploadMB = 200

    @Option(name: .long, help: "JSON file of recommendation thresholds (see the README).")
    var rules: String?

    @Option(name: .customLong("log-level"), help: "Request log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535.") }
        guard maxUploadMB >= 1 else { throw ValidationError("--max-upload-mb must be at least 1.") }
        guard demoLines >= 1 else { throw ValidationError("--demo-lines must be at least 1.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.") }
    }

    func execute(_ terminal: Terminal) throws {
        let started = Date()
        let config = try rules.map { try RecommendationConfig.load(path: $0) } ?? RecommendationConfig()
        let loaded = try CommandInput.load(files: files, demo: files.isEmpty, demoLines: demoLines, map: map, dayFirst: dayFirst)
        let name = CommandInput.name(files: files, demo: files.isEmpty)
        let source = files.isEmpty ? "Built-in demo data: \(DisplayFormat.integer(demoLines)) generated order lines of a fictional gift shop (Online Retail II layout, seed 42)"
                                   : "File\(files.count == 1 ? "" : "s") " + files.joined(separator: ", ")
        var dataset = Dataset(name: name, source: source, loaded: loaded)
        dataset.loadSeconds = Date().timeIntervalSince(started)
        let store = DataStore(dataset: dataset, rules: config)
        var server = ServerOptions()
        server.host = host
        server.port = port
        server.dataDirectory = dataDir
        server.maxUploadBytes = maxUploadMB << 20
        server.version = ClienteleVersion.string
        terminal.err("Clientele: \(name): \(loaded.report.validLines) valid lines, \(dataset.base.table.count) customers, ready in \(String(format: "%.2f", dataset.loadSeconds)) s\n")
        terminal.err("Dashboard at http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)/ (Ctrl-C to stop)\n")
        var logger = Logger(label: "clientele")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        // Fit the churn model of the whole data set in the background, so that the first churn page is quick.
        Thread.detachNewThread { _ = try? store.churn(.none) }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                let app = try await buildApplication(store: store, options: server, logger: logger)
                try await app.runService()
            } catch {
                outcome.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            throw InputError("the server stopped: \(error)")
        }
    }
}

/// The error a background task ended with.
final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var error: Error? { lock.withLock { stored } }
    func set(_ e: Error) { lock.withLock { stored = e } }
}
