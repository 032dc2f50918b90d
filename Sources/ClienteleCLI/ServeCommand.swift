import ArgumentParser
import ClienteleCore
import ClienteleServer
import Foundation
import Logging

struct ServeCommand: AsyncTerminalCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start the web dashboard on the built-in demo data or on order-line files.",
        discussion: """
        Without FILE, the dashboard opens on the built-in demo data. FILE accepts the same layouts as analyze \
        (and --map / --day-first for other CSVs). The server listens on 127.0.0.1 unless --host says otherwise; it \
        has no login yet, so do not expose it to an untrusted network. Stop it with Ctrl-C (graceful shutdown).
        """)

    @OptionGroup var input: InputOptions

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port = 8080

    @Option(name: .customLong("data-dir"), help: "Folder for uploaded files (created when needed).")
    var dataDir = "clientele-data"

    @Option(name: .customLong("max-upload-mb"), help: "Largest accepted upload, in MB (a compressed file's decompressed size counts).")
    var maxUploadMB = 200

    @Option(name: .customLong("uploads-quota-mb"), help: "Most the uploads folder may hold, in MB (the oldest unconfirmed upload is removed first).")
    var uploadsQuotaMB = 2048

    @Option(name: .customLong("allowed-host"), help: "A host name clients use to reach the dashboard, besides localhost and the listening address (repeatable).")
    var allowedHosts: [String] = []

    @Option(name: .customLong("max-computations"), help: "Pages computed at the same time at most; further requests get 503 (default: the number of cores, at least 2).")
    var maxComputations: Int?

    @Option(name: .customLong("request-timeout"), help: "Seconds a client has to send a request body (uploads included).")
    var requestTimeout = 120

    @Option(name: .long, help: "JSON file of recommendation thresholds (see the README).")
    var rules: String?

    @Option(name: .customLong("horizon-days"), help: CommandInput.horizonDaysHelp)
    var horizonDays: Int?

    @Option(name: .customLong("log-level"), help: "Request log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535.") }
        guard (1...1_048_576).contains(maxUploadMB) else { throw ValidationError("--max-upload-mb must be between 1 and 1048576.") }
        guard (1...1_048_576).contains(uploadsQuotaMB) else { throw ValidationError("--uploads-quota-mb must be between 1 and 1048576.") }
        guard uploadsQuotaMB >= maxUploadMB else { throw ValidationError("--uploads-quota-mb must be at least --max-upload-mb (\(maxUploadMB)).") }
        if let m = maxComputations, !(1...64).contains(m) { throw ValidationError("--max-computations must be between 1 and 64.") }
        guard (5...86_400).contains(requestTimeout) else { throw ValidationError("--request-timeout must be between 5 and 86400 seconds.") }
        for h in allowedHosts where h.isEmpty || h.contains("/") || h.contains(" ") {
            throw ValidationError("--allowed-host takes a host name such as dashboard.example.com, not '\(h)'.")
        }
        try CommandInput.validateHorizonDays(horizonDays)
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.") }
    }

    func execute(_ terminal: Terminal) async throws {
        let started = Date()
        var config = try rules.map { try RecommendationConfig.load(path: $0) } ?? RecommendationConfig()
        if let horizonDays { config.horizonDays = horizonDays }
        let loaded = try input.load(rulesExclude: config.excludeProducts)
        let name = input.name
        let source = input.usesDemo ? "Built-in demo data: \(DisplayFormat.integer(input.demoLines)) generated order lines of a fictional gift shop (Online Retail II layout, seed 42)"
                                   : "File\(input.files.count == 1 ? "" : "s") " + input.files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
        var dataset = Dataset(name: name, source: source, loaded: loaded)
        dataset.loadSeconds = Date().timeIntervalSince(started)
        let store = DataStore(dataset: dataset, rules: config, modelsInBackground: true, locale: input.locale.map(DisplayStyle.canonicalLocale))
        var server = ServerOptions()
        server.host = host
        server.port = port
        server.dataDirectory = dataDir
        server.maxUploadBytes = maxUploadMB << 20
        server.validDays = try input.validDates.map { try LoadOptions.parseValidDates($0).get() }
        server.uploadQuotaBytes = uploadsQuotaMB << 20
        server.allowedHosts = allowedHosts
        if let maxComputations { server.maxComputations = maxComputations }
        server.bodyTimeout = Int64(requestTimeout)
        server.version = ClienteleVersion.string
        terminal.err("Clientele: \(name): \(DisplayFormat.integer(loaded.report.validLines)) valid lines, \(DisplayFormat.integer(dataset.base.table.count)) customers, ready in \(String(format: "%.2f", dataset.loadSeconds)) s\n")
        if !server.isLoopbackOnly {
            terminal.err("""

            WARNING: listening on \(host), beyond this machine, and Clientele has no accounts yet: anyone who can reach \
            port \(port) sees every customer's orders and can replace the data. Keep it on 127.0.0.1, or put it behind a \
            reverse proxy that authenticates users. Clients must use an IP address or a name given with --allowed-host.

            """)
        }
        var logger = Logger(label: "clientele")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let shownHost = server.displayHost
        do {
            // Announced only once the port is bound.
            let app = try await buildApplication(store: store, options: server, logger: logger, sweepUploads: true) { bound in
                terminal.err("Dashboard at http://\(shownHost):\(bound)/ (Ctrl-C to stop)\n")
                // Compare the churn models of the whole data set in the background once the port is bound; pages
                // say "comparing models..." until it is done.
                store.startModels()
            }
            try await app.runService()
        } catch {
            if "\(error)".contains("Address already in use") {
                throw InputError("port \(port) on \(host) is already in use by another program: stop it or choose another port with --port")
            }
            if "\(error)".contains("Cannot assign requested address") || "\(error)".contains("resolve") {
                throw InputError("cannot listen on \(host): it is not an address of this machine (use 127.0.0.1, or 0.0.0.0 for every interface)")
            }
            throw InputError("the server stopped: \(error)")
        }
    }
}
