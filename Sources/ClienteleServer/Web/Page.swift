import ClienteleCore
import ClienteleRender

/// What a page shows, independent of the format: HTML renders it with the templates; `.json` and `.csv` give
/// its tables and figures as data. Every number on a page comes from a table, a KPI or a chart built here.
struct Page: Sendable {
    /// Route name: `overview` for `/overview`, `/overview.json`, `/overview.csv`.
    var id: String
    var title: String
    /// One paragraph: how to read the page.
    var howToRead: String
    /// Sentences generated from the numbers on the page.
    var insights: [String] = []
    var kpis: [KPI] = []
    var sections: [Section] = []
    /// Extra top-level JSON fields (already JSON values).
    var extraJSON: [(String, JSONValue)] = []

    /// All tables of the page, in order.
    var tables: [Table] { sections.flatMap { $0.blocks.compactMap { if case .table(let t) = $0 { return t } else { return nil } } } }
    var charts: [Chart] { sections.flatMap { $0.blocks.compactMap { if case .chart(let c) = $0 { return c } else { return nil } } } }
}

/// A headline figure with its change against the previous period.
struct KPI: Sendable {
    var key: String
    var label: String
    /// Formatted for display.
    var value: String
    /// The exact value for JSON.
    var raw: JSONValue
    /// Formatted change, e.g. "+12.3%" or "+2.1 pts"; nil when there is no comparison.
    var change: String? = nil
    /// Whether the change is good news (green), bad news (red) or neutral.
    var tone: Tone = .neutral
    /// The previous period's value for JSON.
    var previousRaw: JSONValue = .null
    var hint: String = ""

    enum Tone: String, Sendable { case good, bad, neutral }
}

/// A titled part of a page.
struct Section: Sendable {
    var id: String
    var title: String
    var intro: String = ""
    var blocks: [Block]
}

enum Block: Sendable {
    case chart(Chart)
    case table(Table)
    /// Trusted HTML built by the server (forms, notes); never user data without escaping.
    case html(String)
    /// A plain paragraph (escaped).
    case text(String)
}

struct Chart: Sendable {
    var id: String
    var title: String
    var svg: String
    /// Table holding the chart's data (for the CSV link), if any.
    var dataTable: String?
    /// Spans the full width of the page (heatmaps, long time series).
    var wide = false
}

/// A table with typed cells: HTML shows formatted values, CSV and JSON exact ones.
struct Table: Sendable {
    var id: String
    var title: String
    var columns: [Column]
    var rows: [[Cell]]
    var note: String = ""
    /// Rows shown in HTML (the data formats have all rows); nil = all.
    var htmlLimit: Int? = nil
    /// Pagination links for HTML (customers list).
    var pagination: Pagination? = nil

    struct Column: Sendable {
        var key: String
        var label: String
        var numeric: Bool = false
        /// Sort link for HTML (customers list).
        var sortHref: String? = nil
        var sortMark: String = ""
    }
}

struct Pagination: Sendable {
    var summary: String
    var previous: String?
    var next: String?
}

enum Cell: Sendable {
    case text(String)
    case link(String, href: String)
    case int(Int)
    case money(Int64)
    /// A fraction 0-1, shown as a percentage.
    case fraction(Double?)
    /// A percentage 0-100.
    case pct(Double?)
    case decimal(Double?, digits: Int)
    case date(Int)
    case days(Int)
    /// A number already formatted for people (report tables): shown as is, aligned as a number.
    case figure(String)
    case empty

    var display: String {
        switch self {
        case .text(let s), .link(let s, _), .figure(let s): return s
        case .int(let v): return DisplayFormat.integer(v)
        case .money(let v): return DisplayFormat.money(v)
        case .fraction(let v): return DisplayFormat.percent(v)
        case .pct(let v): return v.map { DisplayFormat.percent($0 / 100) } ?? "—"
        case .decimal(let v, let d): return v.map { DisplayFormat.decimal($0, digits: d) } ?? "—"
        case .date(let d): return DisplayFormat.date(d)
        case .days(let d): return DisplayFormat.days(d)
        case .empty: return ""
        }
    }

    /// Exact text for CSV (numbers as numbers; money exactly; ratios shortest round-trip).
    var csv: CSVCell {
        switch self {
        case .text(let s), .link(let s, _), .figure(let s): return .text(s)
        case .int(let v): return .number(String(v))
        case .money(let v): return .number(Money.format(v))
        case .fraction(let v), .pct(let v): return v.map { .number(formatShortest($0)) } ?? .number("")
        case .decimal(let v, _): return v.map { .number(formatShortest($0)) } ?? .number("")
        case .date(let d): return .text(CivilDate.format(d))
        case .days(let d): return .number(String(d))
        case .empty: return .number("")
        }
    }

    var json: JSONValue {
        switch self {
        case .text(let s), .link(let s, _), .figure(let s): return .string(s)
        case .int(let v): return .number(String(v))
        case .money(let v): return .number(Money.format(v))
        case .fraction(let v), .pct(let v), .decimal(let v, _): return v.map { .number(formatShortest($0)) } ?? .null
        case .date(let d): return .string(CivilDate.format(d))
        case .days(let d): return .number(String(d))
        case .empty: return .null
        }
    }

    var isNumeric: Bool {
        switch self {
        case .text, .link, .date: return false
        default: return true
        }
    }
}

/// A CSV cell: text is protected against formula injection, numbers are written as they are.
enum CSVCell { case text(String), number(String) }
