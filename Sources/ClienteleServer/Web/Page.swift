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
    /// The value and the compared value written in full ("£2,857,239.85", "1,234", "70.2%") for comparison tables;
    /// "—" when missing.
    var exact: String = "—"
    var previousExact: String = "—"
    /// What the change is against, after "vs" on the card.
    var against = "previous period"

    enum Tone: String, Sendable { case good, bad, neutral }
}

/// A titled part of a page.
struct Section: Sendable {
    var id: String
    var title: String
    var intro: String = ""
    var blocks: [Block]
}

/// One piece of a section. Swift builds the values; the templates (`Templates/block.mustache` and its partials)
/// write the markup, escaping every text.
enum Block: Sendable {
    case chart(Chart)
    case table(Table)
    /// A paragraph, optionally muted (a note) and ending with a link.
    case paragraph(Paragraph)
    /// Links: described items, a row of buttons, or an inline list after a label ("Image: PNG · SVG").
    case links(Links)
    /// Groups of chips that switch a page option (the cohort period and metric).
    case switcher([ChipGroup])
    /// Sentences as a bulleted list, with an optional note (and link) below.
    case bullets([String], after: Paragraph? = nil)
    /// Terms and their definitions (the report's method).
    case definitions([(term: String, detail: String)])
    /// A recommended action's priority, value and explanation.
    case action(ActionCard)
    case form(Form)
    /// Several small forms side by side under a legend (the actions on one data set).
    case formGroup(FormGroup)

    /// A plain paragraph.
    static func text(_ s: String) -> Block { .paragraph(Paragraph(text: s)) }
    /// A muted paragraph.
    static func note(_ s: String, link: Link? = nil) -> Block { .paragraph(Paragraph(text: s, note: true, link: link)) }
}

struct Link: Sendable {
    var label: String
    var href: String
    /// The current choice (a switcher's chip).
    var active = false
}

struct Paragraph: Sendable {
    var text: String
    var note = false
    /// A link after the text ("All churn explanations →").
    var link: Link? = nil
    /// Text after the link (" or widen them.").
    var trailing = ""
    /// Marks the "models are being compared" note (the page reloads itself while it is shown).
    var modelsPending = false

}

struct Links: Sendable {
    enum Style: Sendable {
        /// A bulleted list; each item's detail follows its link.
        case list
        /// Buttons in a row.
        case buttons
        /// "Label: A · B" on one line.
        case inline(label: String)
    }
    var style: Style
    var items: [Item]

    struct Item: Sendable {
        var label: String
        var href: String
        var detail: String = ""
    }
}

struct ChipGroup: Sendable {
    var label: String
    var chips: [Link]
}

struct ActionCard: Sendable {
    /// "High", "Medium" or "Low".
    var priority: String
    var value: String
    var horizonMonths: Int
    var customers: String
    var why: [String]
    var who: String
    var formula: String
    var timing: String
    var success: String
}

/// A form: the template writes the markup, the CSRF field and the escaping.
struct Form: Sendable {
    var action: String
    var method = "post"
    /// `multipart/form-data` (file uploads).
    var multipart = false
    /// The CSS class (`upload`, `mapping`, `exclude`, `confirm`, `search`).
    var style: String
    /// Hidden fields (filters, tokens); the CSRF token goes in `csrf`.
    var hidden: [(name: String, value: String)] = []
    var csrf: String? = nil
    /// Wraps the fields and the button in a fieldset with this legend.
    var legend: String? = nil
    var fields: [Field]
    var submit: String
    /// A link beside the button ("Upload another file").
    var secondary: Link? = nil
    /// A second submit button sending `name=value` ("Test the connection" beside "Add").
    var alternative: (name: String, value: String, label: String)? = nil

    enum Field: Sendable {
        case file(id: String, label: String, name: String, accept: String)
        case select(label: String, name: String, required: Bool, options: [Option])
        /// A check box; `code` is shown in bold before the label.
        case checkbox(name: String, value: String, checked: Bool, code: String = "", label: String)
        case date(id: String, label: String, name: String, value: String)
        /// A search box whose label is for screen readers only.
        case search(id: String, label: String, name: String, value: String, placeholder: String)
        /// A one-line text box (a name, a currency code).
        case text(id: String, label: String, name: String, value: String, maxLength: Int)
        /// A password box (never prefilled).
        case password(id: String, label: String, name: String)
        /// A text area (an SQL query).
        case textarea(id: String, label: String, name: String, value: String, maxLength: Int)
    }

    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
    }
}

/// Small forms acting on one thing (a data set, a saved view), under its name.
struct FormGroup: Sendable {
    var legend: String
    /// A sentence under the legend (what the actions do, or why the thing cannot be opened).
    var detail: String = ""
    var forms: [Form]
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
    /// Rows made one at a time when the table is written (the customer list's JSON and CSV, which hold every
    /// matching customer): written in pieces, never held as one text. `rows` is then empty.
    var lazyRows: LazyRows? = nil
    /// Offers CSV and JSON links (false: a table of a form page with no data address, e.g. one's API tokens).
    var downloadable = true

    /// How many rows the data formats hold.
    var rowCount: Int { lazyRows?.count ?? rows.count }

    /// Indices of the columns that hold money (in any row; a lazy table's first row).
    var moneyColumns: Set<Int> {
        let sample = lazyRows.map { $0.count > 0 ? [$0.row(0)] : [] } ?? rows
        var out = Set<Int>()
        for row in sample { for (i, cell) in row.enumerated() { if case .money = cell { out.insert(i) } } }
        return out
    }

    struct Column: Sendable {
        var key: String
        var label: String
        var numeric: Bool = false
        /// Sort link for HTML (customers list).
        var sortHref: String? = nil
        var sortMark: String = ""
    }

    /// A group's customers, revenue and their shares (segment and tier tables).
    static let sizeAndShareColumns: [Column] = [
        .init(key: "customers", label: "Customers", numeric: true),
        .init(key: "customer_share", label: "Share of customers", numeric: true),
        .init(key: "revenue", label: "Revenue", numeric: true), .init(key: "revenue_share", label: "Share of revenue", numeric: true),
    ]
}

/// `count` rows, each made on demand.
struct LazyRows: Sendable {
    var count: Int
    var row: @Sendable (Int) -> [Cell]
}

struct Pagination: Sendable {
    var summary: String
    var previous: String?
    var next: String?
}

enum Cell: Sendable {
    case text(String)
    case link(String, href: String)
    /// A count that links to its rows (a cell of a transition matrix).
    case count(Int, href: String)
    case int(Int)
    case money(Int64)
    /// A fraction 0-1, shown as a percentage.
    case fraction(Double?)
    /// A difference of two fractions, shown in percentage points ("12.0 pts"); the data formats keep the fraction.
    case points(Double?)
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
        case .int(let v), .count(let v, _): return DisplayFormat.integer(v)
        case .money(let v): return DisplayFormat.money(v)
        case .fraction(let v): return DisplayFormat.percent(v)
        case .points(let v): return v.map { DisplayFormat.decimal($0 * 100, digits: 1) + " pts" } ?? "—"
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
        case .int(let v), .count(let v, _): return .number(String(v))
        case .money(let v): return .number(Money.format(v))
        case .fraction(let v), .pct(let v), .points(let v): return v.map { .number(formatShortest($0)) } ?? .number("")
        case .decimal(let v, _): return v.map { .number(formatShortest($0)) } ?? .number("")
        case .date(let d): return .text(CivilDate.format(d))
        case .days(let d): return .number(String(d))
        case .empty: return .number("")
        }
    }

    var json: JSONValue {
        switch self {
        case .text(let s), .link(let s, _), .figure(let s): return .string(s)
        case .int(let v), .count(let v, _): return .number(String(v))
        case .money(let v): return .number(Money.format(v))
        case .fraction(let v), .pct(let v), .points(let v), .decimal(let v, _): return v.map { .number(formatShortest($0)) } ?? .null
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
