import ClienteleCore
import ClienteleRender

/// What a page builder gets: the snapshot of the selection (data set, analysis, and on first use the previous period,
/// churn result and recommendations) and the request. Pages are functions of these two; none touches the store.
struct PageContext: Sendable {
    var snapshot: Snapshot
    var request: PageRequest

    var dataset: Dataset { snapshot.dataset }
    var current: FilteredAnalysis { snapshot.current }
    var analysis: Analysis { snapshot.analysis }
    var filter: AnalysisFilter { snapshot.filter }
    var lines: OrderLines { current.lines }

    /// The analysis of the period of equal length before the filter's range (same countries, segments, tiers).
    func previousPeriod() -> (filter: AnalysisFilter, analysis: Analysis)? { snapshot.previous }

    /// Words for the selection: "all customers" or "customers in France, Champions, 2011-01-01 to 2011-06-30".
    var selectionDescription: String {
        var parts: [String] = []
        if !filter.countries.isEmpty { parts.append("in " + filter.countries.joined(separator: " or ")) }
        if !filter.segments.isEmpty { parts.append("segment " + filter.segments.map(\.rawValue).joined(separator: " or ")) }
        if !filter.tiers.isEmpty { parts.append("tier " + filter.tiers.map(\.rawValue).joined(separator: " or ")) }
        let start = filter.from ?? dataset.span.lowerBound, end = analysis.asOf - 1
        let period = start <= end ? "\(DisplayFormat.date(start)) to \(DisplayFormat.date(end))" : "from \(DisplayFormat.date(start))"
        return (parts.isEmpty ? "all customers" : "customers " + parts.joined(separator: ", ")) + ", " + period
    }

    func customerLink(_ id: String) -> String { request.link("/customer", [("id", id)]) }
}

/// Small text helpers for generated sentences.
enum Words {
    static func plural(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(DisplayFormat.integer(n)) \(n == 1 ? singular : (plural ?? singular + "s"))"
    }

    /// The verb form for a count: `verb(1, "is", "are")` is "is", `verb(3, "is", "are")` is "are".
    static func verb(_ n: Int, _ singular: String, _ plural: String) -> String { n == 1 ? singular : plural }

    /// "1 customer is" / "3 customers are" (a count, its noun and the verb agreeing with it).
    static func pluralIs(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        self.plural(n, singular, plural) + (n == 1 ? " is" : " are")
    }

    static func pct(_ fraction: Double?) -> String { DisplayFormat.percent(fraction) }

    /// "1 in 5" style ratio for a fraction, or a percentage when that reads better.
    static func share(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0%" }
        return DisplayFormat.percent(Double(part) / Double(whole))
    }
}

extension KPI {
    /// A KPI with its relative change against `previous` (nil: no comparison; previous 0: no percentage).
    static func count(_ key: String, _ label: String, _ value: Int, previous: Int?, hint: String = "", higherIsBetter: Bool = true) -> KPI {
        var k = KPI(key: key, label: label, value: DisplayFormat.integer(value), raw: .int(value), hint: hint)
        k.exact = k.value
        if let previous {
            k.previousRaw = .int(previous)
            k.previousExact = DisplayFormat.integer(previous)
            k.change = DisplayFormat.signedPercentChange(Double(value), previous: Double(previous))
            k.tone = tone(Double(value) - Double(previous), higherIsBetter: higherIsBetter, hasChange: k.change != nil)
        }
        return k
    }

    static func money(_ key: String, _ label: String, _ value: Int64?, previous: Int64??, hint: String = "") -> KPI {
        // Millions and more read better compact on a card ("4.74M"); the exact amount goes to the hint.
        let big = value.map { abs($0) >= 100_000 * 10_000 } ?? false
        var k = KPI(key: key, label: label, value: value.map { big ? DisplayFormat.compactMoney($0) : DisplayFormat.money($0) } ?? "—",
                    raw: .money(value), hint: big ? [DisplayFormat.money(value!), hint].filter { !$0.isEmpty }.joined(separator: " · ") : hint)
        k.exact = DisplayFormat.money(value)
        if let previous, let p = previous, let v = value {
            k.previousRaw = .money(p)
            k.previousExact = DisplayFormat.money(p)
            k.change = DisplayFormat.signedPercentChange(Double(v), previous: Double(p))
            k.tone = tone(Double(v) - Double(p), higherIsBetter: true, hasChange: k.change != nil)
        } else if let previous {
            k.previousRaw = .money(previous ?? nil)
            k.previousExact = DisplayFormat.money(previous ?? nil)
        }
        return k
    }

    /// A rate (fraction 0-1); the change is in percentage points.
    static func rate(_ key: String, _ label: String, _ value: Double?, previous: Double??, hint: String = "") -> KPI {
        var k = KPI(key: key, label: label, value: DisplayFormat.percent(value), raw: .double(value), hint: hint)
        k.exact = k.value
        if let previous {
            k.previousRaw = .double(previous ?? nil)
            k.previousExact = DisplayFormat.percent(previous ?? nil)
            if let p = previous ?? nil, let v = value {
                k.change = DisplayFormat.signedPointsChange(v, previous: p)
                k.tone = tone((v - p) * 100, higherIsBetter: true, hasChange: true)
            }
        }
        return k
    }

    static func tone(_ delta: Double, higherIsBetter: Bool, hasChange: Bool) -> Tone {
        guard hasChange, abs(delta) > 1e-12 else { return .neutral }
        return (delta > 0) == higherIsBetter ? .good : .bad
    }
}
