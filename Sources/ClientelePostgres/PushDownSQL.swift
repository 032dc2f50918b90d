import ClienteleCore

/// The SQL that computes, inside PostgreSQL, what Clientele needs of a table of order lines (ANALYTICS.md section 1
/// applied line by line, then grouped): only rows per customer order (invoice) and day, per product code, and counts
/// travel; never the lines.
///
/// Every statement is a plain `GROUP BY` over the lines (no cursor over every line, no window function, no
/// temporary object), so PostgreSQL can run it with parallel workers and a distributed PostgreSQL (Citus) can run it
/// on its shards. Money is exact: line amounts are `numeric`, rounded half-to-even to 1/10,000 as in the CSV path,
/// and summed as `numeric`.
public struct PushDownSQL: Sendable {
    /// `FROM` target: a quoted, schema-qualified table name, or `(user query)`.
    public var relation: String
    /// Quoted column of each mapped field (keys of ``UserMapping/fields``).
    public var columns: [String: String]
    /// Days a line's date may take (others are `timestamp_out_of_range`).
    public var validDays: ClosedRange<Int>
    /// Whether excluded product codes are bound as `$1` (a `text[]` of upper-case codes).
    public var hasExcludedProducts: Bool

    public init(relation: String, columns: [String: String], validDays: ClosedRange<Int>, hasExcludedProducts: Bool) {
        self.relation = relation
        self.columns = columns
        self.validDays = validDays
        self.hasExcludedProducts = hasExcludedProducts
    }

    static let space = "E' \\t\\r\\n'"

    /// A text column trimmed of ASCII white space as the CSV parser trims fields, NULL when blank.
    func text(_ field: String) -> String {
        guard let col = columns[field] else { return "NULL::text" }
        return "NULLIF(btrim(CAST(t.\(col) AS text), \(PushDownSQL.space)), '')"
    }

    /// Each line with its reason for being invalid (NULL: valid, the reasons of ``InvalidReason`` in their order),
    /// cancelled flag, amount in 1/10,000 (`units`, NULL when invalid) and excluded flag. Columns: c (customer), i
    /// (invoice, `#YYYYMMDD` when blank), d (day number), k (country), s (product), cur (currency), reason, cancelled,
    /// units, ex.
    public var lines: String {
        let ts = columns["timestamp"]!
        let revenueMode = columns["unit_price"] == nil
        let amount = revenueMode ? columns["revenue"]! : columns["unit_price"]!
        let quantity = columns["quantity"].map { "CAST(t.\($0) AS numeric)" } ?? "NULL::numeric"
        let l1 = """
            SELECT \(text("customer")) AS c, \(text("invoice")) AS i0,
              CASE WHEN isfinite(t.\(ts)) THEN CAST(t.\(ts) AS date) - DATE '1970-01-01' END AS d,
              \(quantity) AS q, CAST(t.\(amount) AS numeric) AS a,
              \(text("country")) AS k, \(text("product")) AS s, \(text("currency")) AS cur
            FROM \(relation) AS t
            """
        // Signed quantity (a refund line without a quantity column is -1) and the amount in money units, unrounded.
        let qq: String, x: String
        if revenueMode {
            qq = columns["quantity"] != nil ? "q" : "CASE WHEN a < 0 THEN -1 ELSE 1 END"
            x = "a * 10000"
        } else {
            qq = "q"
            x = "q * a * 10000"
        }
        var reasons = [
            "WHEN d IS NULL THEN 'missing_or_unparseable_timestamp'",
            "WHEN d < \(validDays.lowerBound) OR d > \(validDays.upperBound) THEN 'timestamp_out_of_range'",
        ]
        if columns["quantity"] != nil {
            reasons += ["WHEN q IS NULL THEN 'unparseable_quantity'", "WHEN q = 0 THEN 'quantity_zero'"]
        }
        reasons.append("WHEN a IS NULL THEN 'unparseable_unit_price'")
        reasons.append(revenueMode ? "WHEN a <> 0 AND (a < 0) <> (qq < 0) THEN 'unit_price_not_positive'"
                                   : "WHEN a <= 0 THEN 'unit_price_not_positive'")
        reasons.append("WHEN abs(x) >= 9223372036854775807 THEN 'amount_too_large'")
        let ex = hasExcludedProducts
            ? "COALESCE(translate(s, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') = ANY($1), false)" : "false"
        // Half-to-even rounding of x to an integer (PostgreSQL's round() rounds halves away from zero).
        let units = "CASE WHEN abs(x - trunc(x)) = 0.5 THEN trunc(x) + CASE WHEN mod(trunc(x), 2) = 0 THEN 0 ELSE sign(x) END ELSE round(x) END"
        return """
            SELECT c, COALESCE(i0, '#' || to_char(DATE '1970-01-01' + d, 'YYYYMMDD')) AS i, d, k, s, cur, reason,
              COALESCE(qq < 0 OR left(i0, 1) = 'C', false) AS cancelled,
              CASE WHEN reason IS NULL THEN CAST(\(units) AS int8) END AS units, \(ex) AS ex
            FROM (
              SELECT l2.*, CASE \(reasons.joined(separator: " ")) END AS reason
              FROM (SELECT l1.*, \(qq) AS qq, \(x) AS x FROM (\(l1)) AS l1) AS l2
            ) AS l3
            """
    }

    /// Lines read by reason, cancelled, guest and excluded flag, with their net amount: the data-quality counts.
    /// With a product column, also per product code of the valid lines (the Data quality page's non-product codes:
    /// lines, return lines, guest lines, net, absolute and customers' net amounts are sums of these rows), in the same
    /// pass over the table.
    public var quality: String {
        let s = columns["product"] != nil ? "CASE WHEN reason IS NULL THEN s END" : "NULL::text"
        return "SELECT reason, cancelled, c IS NULL AS guest, ex, \(s) AS s, count(*) AS n, CAST(COALESCE(sum(units), 0) AS text) AS net, CAST(COALESCE(sum(abs(units)), 0) AS text) AS abs FROM (\(lines)) AS x GROUP BY reason, cancelled, c IS NULL, ex, \(s)"
    }

    /// The activity rows: net amount and lines of the valid lines per customer, order (invoice), day, country and
    /// cancelled flag; guests' lines per day and country only (their orders are not customer figures). About one row
    /// per order: what cohorts, segments over time, the models and the churn reasons need, never one row per line.
    public var activity: String {
        """
        SELECT c, CASE WHEN c IS NULL THEN NULL ELSE i END AS o, d, k, cancelled, CAST(sum(units) AS text) AS net, count(*) AS n
        FROM (\(lines)) AS x WHERE reason IS NULL AND NOT ex
        GROUP BY c, CASE WHEN c IS NULL THEN NULL ELSE i END, d, k, cancelled
        """
    }

    /// Valid lines per currency value (blank: '').
    public var currencies: String {
        "SELECT COALESCE(cur, '') AS cur, count(*) AS n FROM (\(lines)) AS x WHERE reason IS NULL AND NOT ex GROUP BY COALESCE(cur, '')"
    }

    /// One customer's valid lines (bound `$2`, or `$1` without excluded products): the profile's order history.
    public var customerLines: String {
        let p = hasExcludedProducts ? "$2" : "$1"
        return "SELECT i, d, k, CAST(units AS text), cancelled FROM (\(lines)) AS x WHERE reason IS NULL AND NOT ex AND c = \(p)"
    }

    /// Quotes an identifier for SQL.
    public static func quoteIdentifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
