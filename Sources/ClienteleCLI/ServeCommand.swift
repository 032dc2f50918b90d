import ArgumentParser
import ClienteleCore
import ClienteleServer
import ClientelePostgres
import Foundation
import Logging

struct ServeCommand: AsyncTerminalCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start the web dashboard on the built-in demo data or on order-line files.",
        discussion: """
        Without FILE, the dashboard opens on the built-in demo data. FILE accepts the same layouts as analyze \
        (and --map / --day-first for other CSVs). The server listens on 127.0.0.1 unless --host says otherwise. \
        Everyone signs in (accounts: clientele users, or the one-time set-up link printed on the first start); \
        --no-accounts runs it for yourself on this machine only. Stop it with Ctrl-C (graceful shutdown).
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

    @Option(name: .long, help: "With --postgres: refresh the snapshot every INTERVAL (30s, 15m, 1h; a number alone is minutes). Default: only from the Data sets page's button.")
    var refresh: String?

    @Option(name: .customLong("log-level"), help: "Request log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    @Option(name: .long, help: "A TOML file of settings: any option of serve under its long name with _ (max_upload_mb = 500); CLIENTELE_* environment variables override it, the command line overrides both.")
    var config: String?

    @Flag(name: .customLong("no-accounts"), help: "No sign-in: you are the administrator (listening on 127.0.0.1 or ::1 only).")
    var noAccounts = false

    @Flag(name: .customLong("trust-proxy"), help: "Behind a reverse proxy: trust its X-Forwarded-Proto (Secure cookies over HTTPS) and X-Forwarded-For (client addresses).")
    var trustProxy = false

    @Option(name: .customLong("reports-dir"), help: "Folder for the scheduled reports' PDFs (default: DATA-DIR/reports).")
    var reportsDir: String?

    @Option(name: .customLong("smtp-host"), help: "SMTP relay that mails the scheduled reports (no authentication: the host's mail server or a company relay).")
    var smtpHost: String?

    @Option(name: .customLong("smtp-port"), help: "Port of the SMTP relay.")
    var smtpPort = 25

    @Option(name: .customLong("smtp-from"), help: "Sender address of the scheduled reports' mail.")
    var smtpFrom = "clientele@localhost"

    @Option(name: .customLong("session-idle"), help: "A signed-in session ends after this long without a request (30m, 8h; a number alone is minutes).")
    var sessionIdle = "8h"

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
        if let refresh {
            guard input.postgres != nil else { throw ValidationError("--refresh goes with --postgres URL.") }
            guard LiveSource.parseInterval(refresh) != nil else { throw ValidationError("--refresh takes an interval such as 30s, 15m or 1h (10 seconds to a week), not '\(refresh)'.") }
        }
        if noAccounts && !{ var o = ServerOptions(); o.host = host; return o.isLoopbackOnly }() {
            throw ValidationError("--no-accounts is for this machine only: listen on 127.0.0.1 or ::1, or sign in with accounts.")
        }
        guard (1...65535).contains(smtpPort) else { throw ValidationError("--smtp-port must be between 1 and 65535.") }
        if smtpHost != nil, !ReportSchedule.validRecipient(smtpFrom) {
            throw ValidationError("--smtp-from takes an e-mail address such as reports@example.com, not '\(smtpFrom)'.")
        }
        guard let idle = LiveSource.parseInterval(sessionIdle), idle >= 60 else {
            throw ValidationError("--session-idle takes a duration such as 30m or 8h (at least a minute), not '\(sessionIdle)'.")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.") }
    }

    func execute(_ terminal: Terminal) async throws {
        let started = Date()
        var config = try rules.map { try RecommendationConfig.load(path: $0) } ?? RecommendationConfig()
        if let horizonDays { config.horizonDays = horizonDays }
        // The data-set library in the data folder: `serve` without FILE reopens the data set chosen last; `serve FILE`
        // registers FILE (by content hash) and opens it. A library that fails never stops the server.
        let validDays = try input.validDates.map { try LoadOptions.parseValidDates($0).get() }
        let opener = DatasetOpener(demoLines: input.demoLines, validDays: validDays, rulesExclude: config.excludeProducts)
        // Files are read before the data folder is touched: a missing file ends the command first.
        var given: LoadedData?
        if !input.files.isEmpty || input.demo { given = try input.load(rulesExclude: config.excludeProducts) }
        // A live PostgreSQL source: the first snapshot is read now; when the database cannot be read the server starts
        // anyway, says so on every page and in /-/health, and retries with backoff.
        var live: LiveSource?
        var liveDataset: Dataset?
        if let source = try input.postgresSource(rulesExclude: config.excludeProducts) {
            let l = LiveSource(source: source, interval: refresh.flatMap(LiveSource.parseInterval))
            switch await l.loadDataset() {
            case .success(let loaded):
                guard var d = loaded else { break }
                if let c = input.currency.flatMap(CurrencyCode.init) { d.currency = c.code }
                liveDataset = d
            case .failure(let e):
                terminal.err("Clientele: \(e.description)\nThe dashboard starts and retries with backoff; its pages say so until the database can be read.\n")
                l.recordStartFailure(e)
                var placeholder = Dataset(name: source.name, source: source.sourceText,
                                          loaded: LoadedData(lines: OrderLines.build([(customer: "-", invoice: "-", day: 0, revenueUnits: 0, country: nil, cancelled: false)]),
                                                             report: DataQualityReport()))
                placeholder.currency = input.currency.flatMap(CurrencyCode.init)?.code
                liveDataset = placeholder
            }
            live = l
        }
        let library = await DatasetLibrary.open(dataDirectory: dataDir)
        if let problem = library.problem { terminal.err("Clientele: \(problem)\n") }
        let currency = input.currency.flatMap(CurrencyCode.init)?.code
        var reopened: Dataset?
        // The data set chosen last is a database source: open it live (as --postgres would).
        if given == nil, live == nil, library.current != 0, let entry = library.entry(library.current), entry.kind == .postgres {
            do throws(PostgresSourceError) {
                let l = LiveSource(source: try opener.postgresSource(entry), interval: entry.database?.refreshSeconds)
                if case .success(let loaded?) = await l.loadDataset() {
                    var d = loaded
                    d.name = entry.name
                    if let c = entry.currency { d.currency = c }
                    liveDataset = d
                    live = l
                    library.setServing(entry.id)
                } else {
                    terminal.err("Clientele: \(entry.name) could not be read (\(l.status.lastError ?? "")); opening the built-in demo.\n")
                    library.setNotice("The data set chosen last, \(entry.name), could not be read when the server started: \(l.status.lastError ?? "") The dashboard opened the built-in demo.")
                }
            } catch {
                terminal.err("Clientele: \(entry.name) cannot be opened (\(error.description)); opening the built-in demo.\n")
            }
        } else if given == nil, live == nil, library.current != 0, var entry = library.entry(library.current) {
            if let currency { entry.currency = currency }
            switch opener.load(entry, library: library) {
            case .success(let d):
                reopened = d
                entry.summarise(d)
                entry.problem = nil
                library.setServing(entry.id)
            case .failure(let failure):
                entry.problem = failure.message
                library.setNotice("The data set chosen last, \(entry.name), could not be opened when the server started: \(failure.message) The dashboard opened the built-in demo.")
                terminal.err("Clientele: \(entry.name) could not be opened (\(failure.message)); opening the built-in demo.\n")
            }
            try? await library.update(entry)
        }
        var dataset: Dataset
        if let liveDataset {
            dataset = liveDataset
            if input.postgres != nil { library.setServing(nil) }   // --postgres: not a library entry
        } else if let reopened {
            dataset = reopened
        } else {
            let loaded = try given ?? input.load(rulesExclude: config.excludeProducts)
            let name = input.name
            let source = input.usesDemo ? opener.sourceText(opener.demoEntry)
                                       : "File\(input.files.count == 1 ? "" : "s") " + input.files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
            dataset = Dataset(name: name, source: source, loaded: loaded)
            dataset.loadSeconds = Date().timeIntervalSince(started)
            if input.usesDemo { library.setServing(0) }
        }
        if input.files.count == 1, input.files[0] != "-" {
            await register(input.files[0], dataset: &dataset, library: library, currency: currency, opener: opener, terminal: terminal)
        }
        let name = dataset.name
        let loaded = dataset.loaded
        let store = DataStore(dataset: dataset, rules: config, modelsInBackground: true, locale: input.locale.map(DisplayStyle.canonicalLocale))
        var server = ServerOptions()
        server.host = host
        server.port = port
        server.dataDirectory = dataDir
        server.maxUploadBytes = maxUploadMB << 20
        server.validDays = validDays
        server.uploadQuotaBytes = uploadsQuotaMB << 20
        server.allowedHosts = allowedHosts
        if let maxComputations { server.maxComputations = maxComputations }
        server.bodyTimeout = Int64(requestTimeout)
        server.version = ClienteleVersion.string
        server.accounts = !noAccounts
        server.trustProxy = trustProxy
        server.sessionIdleSeconds = TimeInterval(LiveSource.parseInterval(sessionIdle) ?? 8 * 3600)
        server.reportsDirectory = reportsDir
        server.smtp = smtpHost.map { SMTPRelay(host: $0, port: smtpPort, from: smtpFrom) }
        // No account yet: a one-time link (valid one hour) creates the first administrator, as Jupyter and Metabase do.
        let noAccountYet = library.isAvailable ? (try? await library.hasAccounts()) == false : false
        let setup: SetupLink? = server.accounts && noAccountYet ? SetupLink() : nil
        if server.accounts, !library.isAvailable {
            terminal.err("Clientele: accounts are kept in the library, which is unavailable: nobody can sign in until it is repaired.\n")
        }
        if live?.status.waiting == true {
            terminal.err("Clientele: waiting for the database (\(name)).\n")
        } else {
            terminal.err("Clientele: \(name): \(DisplayFormat.integer(loaded.report.validLines)) valid lines, \(DisplayFormat.integer(dataset.base.table.count)) customers, ready in \(String(format: "%.2f", dataset.loadSeconds)) s\n")
        }
        if !server.isLoopbackOnly && !trustProxy {
            terminal.err("""

            Note: listening on \(host), beyond this machine, over plain HTTP: passwords and pages cross the network \
            unencrypted. Put a reverse proxy with TLS in front (see deploy/ and the README's "Run it for your team") and \
            start with --trust-proxy. Clients must use an IP address or a name given with --allowed-host.

            """)
        }
        var logger = Logger(label: "clientele")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let shownHost = server.displayHost
        let liveSource = live
        let slot = LiveSlot(live)
        do {
            // Announced only once the port is bound.
            let app = try await buildApplication(store: store, options: server, logger: logger, sweepUploads: true, datasets: library, opener: opener,
                                                 liveSlot: slot, setup: setup) { bound in
                terminal.err("Dashboard at http://\(shownHost):\(bound)/ (Ctrl-C to stop)\n")
                if let setup {
                    let minutes = Int(setup.expires.timeIntervalSinceNow / 60)
                    terminal.err("No account yet. Create the first administrator within \(minutes) minutes (this link works once):\n  http://\(shownHost):\(bound)\(setup.path)\n")
                }
                // Compare the churn models of the whole data set in the background once the port is bound; pages
                // say "comparing models..." until it is done.
                if liveSource?.status.waiting != true { store.startModels() }
                if let liveSource { slot.set(liveSource, store: store) }
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

    /// Adds the file given on the command line to the library (one entry per content hash; `--currency` sets the
    /// entry's currency) and records it as the data set chosen. Failures are reported and change nothing else.
    func register(_ file: String, dataset: inout Dataset, library: DatasetLibrary, currency: String?, opener: DatasetOpener, terminal: Terminal) async {
        guard let (hash, size) = SHA256.file(atPath: file) else { return }
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        var entry: LibraryEntry
        if var existing = library.entry(hash: hash) {
            if existing.kind == .file { existing.path = absolute }
            existing.currency = currency ?? existing.currency
            existing.summarise(dataset)
            existing.problem = nil
            entry = existing
            try? await library.update(entry)
        } else {
            entry = LibraryEntry(name: dataset.name, kind: .file, path: absolute, layout: dataset.report.layout, mapping: input.map,
                                 dayFirst: input.dayFirst, currency: currency ?? dataset.loaded.currency,
                                 excludedProducts: ExcludedProducts(parsing: input.excludeProducts ?? "").codes, contentHash: hash, fileSize: size)
            entry.summarise(dataset)
            do {
                entry = try await library.add(entry)
            } catch {
                if library.problem == nil { terminal.err("Clientele: \("\(error)")\n") }
                return
            }
        }
        dataset.name = entry.name
        if let c = entry.currency { dataset.currency = c }
        library.setServing(entry.id)
        try? await library.choose(entry.id)
    }
}
