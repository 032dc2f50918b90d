import ArgumentParser
import ClienteleCore
import ClienteleRender
import Foundation

struct AnalyzeCommand: TerminalCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse order-line files and write the seed-compatible outputs.",
        discussion: """
        FILE may be a CSV (.csv or .csv.gz, detected by content) in a built-in layout (Online Retail II, UCI Online \
        Retail, CDNOW, or Olist's orders + customers + order_items files together), or any CSV with --map. Use - for \
        standard input.
        Writes to --out: executive_metrics_summary.csv, customer_rfm_segments.csv, customer_value_tiers.csv, \
        customer_cohort_retention.csv (+ _rates, _revenue, _weekly, _quarterly), customer_cohort_heatmap.svg and .png, \
        data_quality.json.
        """)

    @OptionGroup var input: InputOptions

    @Option(name: .long, help: "Output folder (default: outputs; with --format json, files are written only when --out is given).")
    var out: String?

    @Option(name: .customLong("as-of"), help: "As-of date YYYY-MM-DD (default: the day after the latest line). Lines dated on or after it are ignored.")
    var asOf: String?

    @Option(name: .long, help: "Terminal output: text (summary) or json (the whole analysis).")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet = false

    @Option(name: .long, help: "Parse threads (default: all cores).")
    var workers: Int?

    @Flag(name: .long, help: "Print the time of each phase (load, analyse, write) to standard error.")
    var timings = false

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        if let asOf, CivilDate.parseISODate(asOf) == nil {
            throw ValidationError("--as-of must be a date YYYY-MM-DD, got '\(asOf)'.")
        }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1.") }
        try input.requireInput()
    }

    func execute(_ terminal: Terminal) throws {
        let showProgress = terminal.interactive && !quiet
        let started = Date()
        let loaded = try input.load { options in
            if let workers { options.workers = workers }
            if showProgress {
                let err = terminal.err
                options.progress = { done, total in
                    guard let total, total > 8 << 20 else { return }
                    let pct = Int(Double(done) / Double(total) * 100)
                    err("\rReading… \(pct)% (\(done >> 20) of \(total >> 20) MB)")
                }
            }
        }
        if showProgress { terminal.err("\r\u{1B}[K") }
        let loadedAt = Date()
        let asOfDay = asOf.flatMap(CivilDate.parseISODate)
        if let asOfDay, let last = loaded.lines.daySpan?.upperBound, asOfDay > last + 366, !quiet {
            terminal.err("warning: --as-of \(CivilDate.format(asOfDay)) is \(DisplayFormat.integer(asOfDay - last - 1)) days after the last order line (\(CivilDate.format(last))): every customer's recency includes that gap.\n")
        }
        let analysis = Analysis(lines: loaded.lines, asOf: asOfDay)
        let analysedAt = Date()
        var report = loaded.report
        // A database's compact lines stand for several lines each: count the lines themselves.
        report.linesAfterAsOf = loaded.linesByDay.map { days in days.reduce(0) { $0 + (Int($1.key) >= analysis.asOf ? $1.value : 0) } }
            ?? analysis.table.linesAfterAsOf
        report.excludedCustomers = analysis.table.excludedCustomers
        report.excludedCustomerRevenue = Money.format(analysis.table.excludedCustomerRevenue)
        if analysis.table.count == 0 {
            throw InputError("no customer with an order before the as-of date \(CivilDate.format(analysis.asOf)) (\(DisplayFormat.integer(report.validLines)) valid lines, \(DisplayFormat.integer(report.guestLines)) of them guest lines).")
        }
        let outDir = out ?? (format == .json ? nil : "outputs")
        var written: [String] = []
        if let outDir {
            written = try OutputFolder.write(analysis: analysis, report: report, to: outDir)
        }
        var refusedFiles: [(names: [String], reason: String)] = []
        for (name, reason) in OutputFolder.refused(analysis) {
            if refusedFiles.last?.reason == reason { refusedFiles[refusedFiles.count - 1].names.append(name) } else { refusedFiles.append(([name], reason)) }
        }
        for (names, reason) in refusedFiles where !quiet {
            terminal.err("warning: \(outDir == nil ? "no" : "not written:") \(names.joined(separator: ", ")): \(reason) (narrow --valid-dates or set --as-of).\n")
        }
        if timings {
            let f = { (x: Double) in String(format: "%.3f s", x) }
            terminal.err("timings: load \(f(loadedAt.timeIntervalSince(started))), analyse \(f(analysedAt.timeIntervalSince(loadedAt))), write \(f(Date().timeIntervalSince(analysedAt)))\n")
            if !loaded.loadPhases.isEmpty {
                terminal.err("database: " + loaded.loadPhases.map { "\($0.0) \(f($0.1))" }.joined(separator: ", ") + "\n")
            }
        }
        switch format {
        case .json:
            terminal.out(String(decoding: AnalysisJSON.render(analysis, report: report), as: UTF8.self))
        case .text:
            if !quiet {
                terminal.out(TerminalSummary.render(analysis: analysis, report: report,
                                                    seconds: Date().timeIntervalSince(started),
                                                    outDir: outDir, written: written, currency: loaded.currency))
            }
        }
    }
}

/// Writes every output file of an analysis into a folder, each atomically.
public enum OutputFolder {
    public static func write(analysis a: Analysis, report: DataQualityReport, to dir: String) throws -> [String] {
        try AtomicFile.makeDirectory(dir)
        let rows = a.rowsByCustomerID()
        let heatmap = CohortHeatmap.monthlyRetention(a.monthlyCohorts)
        let skipped = Set(refused(a).map(\.file))
        let allMakers: [(String, () -> [UInt8])] = [
            ("executive_metrics_summary.csv", { SeedExports.executiveSummary(a) }),
            ("customer_rfm_segments.csv", { SeedExports.rfmSegments(a, rows: rows) }),
            ("customer_value_tiers.csv", { SeedExports.valueTiers(a, rows: rows) }),
            ("customer_cohort_retention.csv", { SeedExports.cohortMatrix(a.monthlyCohorts, value: .counts) }),
            ("customer_cohort_retention_rates.csv", { SeedExports.cohortMatrix(a.monthlyCohorts, value: .rates) }),
            ("customer_cohort_revenue.csv", { SeedExports.cohortMatrix(a.monthlyCohorts, value: .revenue) }),
            ("customer_cohort_retention_weekly.csv", { SeedExports.cohortMatrix(a.weeklyCohorts, value: .counts) }),
            ("customer_cohort_retention_quarterly.csv", { SeedExports.cohortMatrix(a.quarterlyCohorts, value: .counts) }),
            ("data_quality.json", { AnalysisJSON.dataQuality(report) }),
            ("customer_cohort_heatmap.svg", { Array(heatmap.svg().utf8) }),
            ("customer_cohort_heatmap.png", { heatmap.png() }),
        ]
        let makers = allMakers.filter { !skipped.contains($0.0) }
        // Render in parallel (the PNG is the slowest), then write each file atomically.
        let files = zip(makers.map(\.0), parallelMap(makers.count) { makers[$0].1() }).map { ($0, $1) }
        for (name, bytes) in files {
            try AtomicFile.write(bytes, to: dir + "/" + name)
        }
        return files.map(\.0)
    }

    /// The cohort files that cannot be written because their matrix spans too many periods, with the reason.
    public static func refused(_ a: Analysis) -> [(file: String, reason: String)] {
        var out: [(file: String, reason: String)] = []
        if let r = a.monthlyCohorts.refusal {
            out += ["customer_cohort_retention.csv", "customer_cohort_retention_rates.csv", "customer_cohort_revenue.csv",
                    "customer_cohort_heatmap.svg", "customer_cohort_heatmap.png"].map { ($0, r) }
        }
        if let r = a.weeklyCohorts.refusal { out.append(("customer_cohort_retention_weekly.csv", r)) }
        if let r = a.quarterlyCohorts.refusal { out.append(("customer_cohort_retention_quarterly.csv", r)) }
        return out
    }
}
