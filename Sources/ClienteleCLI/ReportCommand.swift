import ArgumentParser
import ClienteleCore
import ClienteleRender
import Foundation

struct ReportCommand: TerminalCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the executive report (PDF, HTML or Markdown) for order-line files.",
        discussion: "The report covers the selection given by --from, --to, --country, --segment and --tier (as the dashboard's filters) and compares it with the period of equal length before it and the same dates a year earlier. Without --from and --to it covers the last 90 days of the data (the dashboard's default period) when the data also holds the 90 days before them; --all-data covers every day.")

    @OptionGroup var input: InputOptions

    @Option(name: .long, help: "pdf, html or md (default: from the extension of --out, else pdf).")
    var format: Format?

    @Option(name: .long, help: "Paper size of the PDF: a4 or letter.")
    var paper: Paper = .a4

    @Option(name: .long, help: "Output file (written atomically).")
    var out: String

    @Option(name: .long, help: "First day of the period, YYYY-MM-DD.") var from: String?
    @Option(name: .long, help: "Last day of the period, YYYY-MM-DD (the as-of date is the day after).") var to: String?
    @Option(name: .long, help: "Only lines of this country (repeatable).") var country: [String] = []
    @Option(name: .long, help: "Only customers of this RFM segment (repeatable).") var segment: [String] = []
    @Option(name: .long, help: "Only customers of this value tier (repeatable).") var tier: [String] = []
    @Flag(name: .customLong("all-data"), help: "Cover every day of the data instead of the last 90 days when --from and --to are not given.") var allData = false
    @Option(name: .long, help: "JSON file of recommendation thresholds (see the README).") var rules: String?
    @Option(name: .customLong("horizon-days"), help: CommandInput.horizonDaysHelp) var horizonDays: Int?

    enum Format: String, ExpressibleByArgument { case pdf, html, md }

    /// The selection in words, without the dates (the report's period line gives them).
    func selectionWords(_ f: AnalysisFilter) -> String {
        var g = f
        (g.from, g.to) = (nil, nil)
        return g.isEmpty ? "All customers" : g.queryItems.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
    }
    enum Paper: String, ExpressibleByArgument { case a4, letter }

    func validate() throws {
        try input.requireInput()
        try CommandInput.validateHorizonDays(horizonDays)
    }

    func execute(_ terminal: Terminal) throws {
        var items: [(name: String, value: String)] = []
        if let from { items.append(("from", from)) }
        if let to { items.append(("to", to)) }
        items += country.map { ("country", $0) } + segment.map { ("segment", $0) } + tier.map { ("tier", $0) }
        var filter: AnalysisFilter
        do { filter = try AnalysisFilter(queryItems: items) } catch { throw InputError(error.message) }
        let config = try rules.map { try RecommendationConfig.load(path: $0) } ?? RecommendationConfig()
        let loaded = try input.load(rulesExclude: config.excludeProducts)
        guard let span = loaded.lines.daySpan, let dataAsOf = CustomerTable.defaultAsOf(loaded.lines) else { throw InputError("no valid order line.") }
        if !allData, let recent = filter.withDefaultPeriod(dataStart: span.lowerBound, dataAsOf: dataAsOf) { filter = recent }
        let current: FilteredAnalysis, previous: FilteredAnalysis?, yearEarlier: (filter: AnalysisFilter, analysis: Analysis)?, history: FilteredAnalysis?
        let previousFilter = filter.previousPeriod(dataStart: span.lowerBound, dataAsOf: dataAsOf)
        do {
            current = try FilteredAnalysis(lines: loaded.lines, filter: filter, dataAsOf: dataAsOf)
            previous = (previousFilter.to ?? Int.min) >= span.lowerBound ? try FilteredAnalysis(lines: loaded.lines, filter: previousFilter, dataAsOf: dataAsOf) : nil
            if let y = filter.yearEarlier(dataStart: span.lowerBound) {
                yearEarlier = (y, try FilteredAnalysis(lines: loaded.lines, filter: y, dataAsOf: dataAsOf).analysis)
            } else { yearEarlier = nil }
            // Findings, actions and churn risk describe the customer base as of the period's end (as the dashboard's).
            var sinceStart = filter
            sinceStart.from = nil
            if sinceStart.to == dataAsOf - 1 { sinceStart.to = nil }
            history = filter.from == nil ? nil : try FilteredAnalysis(lines: loaded.lines, filter: sinceStart, dataAsOf: dataAsOf)
        } catch { throw InputError(error.message) }
        guard current.analysis.table.count > 0 else {
            throw InputError("no customer in the selection (\(filter.queryItems.map { "\($0.name) \($0.value)" }.joined(separator: ", "))): the data runs from \(CivilDate.format(span.lowerBound)) to \(CivilDate.format(span.upperBound)). Widen the filters.")
        }
        // Money in the data set's currency, numbers and dates in --locale.
        try DisplayFormat.$style.withValue(DisplayStyle(locale: input.locale.map(DisplayStyle.canonicalLocale), currency: loaded.currency)) {
            let name = input.name
            let base = history ?? current
            let churn = ChurnResult.forFilter(base.filter, current: base, lines: loaded.lines,
                                              baseAnalysis: base.filter.isEmpty ? base.analysis : Analysis(lines: loaded.lines, asOf: dataAsOf),
                                              horizonDays: horizonDays ?? config.horizonDays)
            var rules = config
            rules.horizonDays = horizonDays ?? config.horizonDays
            let report = ExecutiveReport.build(
                analysis: current.analysis, previous: previous.map { (previousFilter, $0.analysis) }, yearEarlier: yearEarlier, history: history?.analysis, datasetName: name,
                periodStart: filter.from ?? span.lowerBound,
                selection: selectionWords(filter),
                rules: rules, churn: churn,
                movement: filter.segments.isEmpty && filter.tiers.isEmpty
                    ? SegmentMovement.recentWindow(end: current.analysis.asOf, dataStart: span.lowerBound).flatMap { w in
                        SegmentMovement.compute(start: w.start, end: w.end) { day in
                            try? FilteredAnalysis(lines: loaded.lines, filter: SegmentMovement.filter(asOf: day, dataAsOf: dataAsOf, countries: filter.countries),
                                                  dataAsOf: dataAsOf)
                        }
                    } : nil)
            let ext = URL(fileURLWithPath: out).pathExtension.lowercased()
            let inferred: Format? = ["pdf": .pdf, "html": .html, "htm": .html, "md": .md, "markdown": .md][ext]
            if let format, let inferred, format != inferred {
                terminal.err("warning: writing \(format.rawValue) to a file named .\(ext)\n")
            }
            let format = format ?? inferred ?? .pdf
            let bytes: [UInt8]
            switch format {
            case .pdf: bytes = report.pdf(letter: paper == .letter)
            case .html: bytes = Array(report.html().utf8)
            case .md: bytes = Array(report.markdown().utf8)
            }
            try AtomicFile.write(bytes, to: out)
            terminal.err("Wrote the executive report (\(format.rawValue), \(report.findings.count) findings, \(report.actions.count) actions) to \(out)\n")
        }
    }
}
