/// How the fields of an input line map to the canonical order-line fields of ANALYTICS.md section 1.
public struct ColumnMapping: Sendable, Equatable {
    public var invoice: Int?
    public var customer: Int
    public var timestamp: Int
    public var quantity: Int?
    public var unitPrice: Int?
    /// Line revenue given directly (CDNOW's dollar value, or `revenue=` in a mapping).
    public var revenue: Int?
    public var country: Int?
    /// Expected number of fields per line (a line with another count is invalid).
    public var fieldCount: Int
    /// Column names, for the data-quality examples.
    public var names: [String]
    /// Product code (stock code, SKU): read only to find and, on request, leave out non-product lines
    /// (``LoadOptions/excludedProducts``).
    public var product: Int? = nil
    /// Currency code column (Shopify's `Currency`, or `currency=` in a mapping): counted per valid line to find the
    /// data set's currency (``LoadedData/currency``).
    public var currency: Int? = nil
    /// Order-level columns of an export that writes them on an order's first line only (Shopify); nil otherwise.
    public var orderLevel: OrderLevelColumns? = nil
}

/// Columns of an export written once per order (on its first line), and the order's financial state.
///
/// The order is the `invoice` column; an order's lines are consecutive. On a line of the same order as the line
/// before it, a blank carried column takes the value of the order's first line (across the loader's chunks too).
public struct OrderLevelColumns: Sendable, Equatable {
    /// Columns filled from the order's first line when blank (customer, date, currency, country, status...).
    public var carried: [Int]
    /// Financial status (`paid`, `refunded`, `voided`, `partially_refunded`...).
    public var financialStatus: Int?
    /// Amount refunded on the order (read for `partially_refunded` orders).
    public var refundedAmount: Int?
    /// Date the order was cancelled (non-blank: the order is cancelled).
    public var cancelledAt: Int?
    /// Country column used when the country column is blank (Shopify: Shipping Country after Billing Country).
    public var countryFallback: Int?
}

/// A recognised input layout.
public enum LayoutKind: Sendable, Equatable {
    case onlineRetailII
    case uciOnlineRetail
    case cdnow(sampleIndex: Bool)
    case olistItems
    case shopifyOrders
    case generic

    public var displayName: String {
        switch self {
        case .onlineRetailII: return "Online Retail II"
        case .uciOnlineRetail: return "UCI Online Retail"
        case .cdnow(let sample): return sample ? "CDNOW 1/10 sample (with sample index)" : "CDNOW"
        case .olistItems: return "Olist (orders + customers + order items)"
        case .shopifyOrders: return "Shopify orders export"
        case .generic: return "custom column mapping"
        }
    }
}

/// Field separation of a file.
public enum Delimiter: Sendable, Equatable {
    case byte(UInt8)
    case whitespace

    public var displayName: String {
        switch self {
        case .byte(44): return ","
        case .byte(59): return ";"
        case .byte(9): return "tab"
        case .byte(let b): return String(UnicodeScalar(b))
        case .whitespace: return "white space"
        }
    }
}

public struct Layout: Sendable, Equatable {
    public var kind: LayoutKind
    public var delimiter: Delimiter
    public var hasHeader: Bool
    public var mapping: ColumnMapping
}

/// A user-given column mapping: canonical field name to column name (`--map customer=cust_id,timestamp=created_at`).
public struct UserMapping: Sendable, Equatable {
    public static let fields = ["customer", "timestamp", "quantity", "unit_price", "revenue", "invoice", "country", "product", "currency"]
    static let aliases = ["customer_id": "customer", "date": "timestamp", "price": "unit_price", "order": "invoice",
                          "order_id": "invoice", "amount": "revenue", "qty": "quantity", "sku": "product",
                          "stock_code": "product", "stockcode": "product", "product_code": "product", "product_id": "product"]
    public var columns: [String: String]

    /// Parses `field=column,field=column`.
    public init(parsing text: String) throws(IngestError) {
        var columns: [String: String] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else {
                throw .badMapping("'\(part)' is not of the form field=column (fields: \(UserMapping.fields.joined(separator: ", "))).")
            }
            var field = pieces[0].trimmingASCIISpaces().lowercased()
            field = UserMapping.aliases[field] ?? field
            let column = pieces[1].trimmingASCIISpaces()
            guard UserMapping.fields.contains(field) else {
                throw .badMapping("unknown field '\(field)' (fields: \(UserMapping.fields.joined(separator: ", "))).")
            }
            guard !column.isEmpty else { throw .badMapping("no column given for '\(field)'.") }
            columns[field] = column
        }
        try self.init(columns: columns)
    }

    /// A mapping from field names (see ``fields``) to column names, checked for the required fields.
    public init(columns: [String: String]) throws(IngestError) {
        guard columns["customer"] != nil, columns["timestamp"] != nil else {
            throw .badMapping("customer and timestamp are required (e.g. --map customer=cust_id,timestamp=created_at,quantity=qty,unit_price=price).")
        }
        guard columns["revenue"] != nil || (columns["quantity"] != nil && columns["unit_price"] != nil) else {
            throw .badMapping("give quantity and unit_price, or revenue (the line amount).")
        }
        self.columns = columns
    }
}

extension Substring {
    func trimmingASCIISpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    func trimmingASCIISpaces() -> String { self[...].trimmingASCIISpaces() }
}

/// Layout detection from a file's first line.
enum LayoutDetector {
    static func normalize(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { $0 != " " && $0 != "_" && $0 != "-" })
    }

    struct Known: Sendable {
        let kind: LayoutKind
        let expected: [String]          // display names
        let signature: [String]         // normalised names that identify the layout
        let required: [String]          // normalised, required
        let build: @Sendable ([String: Int], Int, [String]) -> ColumnMapping
    }

    /// An Online Retail export: both versions have the same columns under other names. `columns` are the display
    /// names of invoice, stock code, description, quantity, date, price, customer and country.
    static func onlineRetail(_ kind: LayoutKind, _ columns: [String]) -> Known {
        let n = columns.map(normalize)
        let (invoice, product, quantity, date, price, customer, country) = (n[0], n[1], n[3], n[4], n[5], n[6], n[7])
        return Known(kind: kind, expected: columns,
                     signature: [invoice, date, price, customer],
                     required: [invoice, quantity, date, price, customer],
                     build: { idx, count, names in
                         ColumnMapping(invoice: idx[invoice], customer: idx[customer]!, timestamp: idx[date]!,
                                       quantity: idx[quantity], unitPrice: idx[price], revenue: nil, country: idx[country],
                                       fieldCount: count, names: names, product: idx[product])
                     })
    }

    /// Shopify's orders export (Admin → Orders → Export): one line per line item; order-level columns (Email,
    /// Financial Status, Currency, Created at, addresses...) may be blank on an order's lines after the first.
    static let shopifyColumns = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
        "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount",
        "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
        "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Billing Name",
        "Billing Street", "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
        "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street", "Shipping Address1",
        "Shipping Address2", "Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country",
        "Shipping Phone", "Notes", "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference",
        "Refunded Amount", "Vendor", "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags",
        "Risk Level", "Source", "Lineitem discount"]

    static let shopify: Known = {
        Known(kind: .shopifyOrders, expected: ["Name", "Email", "Financial Status", "Currency", "Created at",
                                                      "Lineitem quantity", "Lineitem price", "Lineitem sku",
                                                      "Billing Country", "Shipping Country", "Cancelled at", "Refunded Amount"],
                     signature: ["name", "financialstatus", "lineitemquantity", "lineitemprice", "createdat"],
                     required: ["name", "email", "createdat", "lineitemquantity", "lineitemprice"],
                     build: { idx, count, names in
                         let carried = ["email", "financialstatus", "currency", "createdat", "billingcountry",
                                        "shippingcountry", "cancelledat", "refundedamount"].compactMap { idx[$0] }
                         let country = idx["billingcountry"] ?? idx["shippingcountry"]
                         return ColumnMapping(invoice: idx["name"], customer: idx["email"]!, timestamp: idx["createdat"]!,
                                              quantity: idx["lineitemquantity"], unitPrice: idx["lineitemprice"], revenue: nil,
                                              country: country, fieldCount: count, names: names, product: idx["lineitemsku"],
                                              currency: idx["currency"],
                                              orderLevel: OrderLevelColumns(carried: carried, financialStatus: idx["financialstatus"],
                                                                            refundedAmount: idx["refundedamount"],
                                                                            cancelledAt: idx["cancelledat"],
                                                                            countryFallback: country == idx["billingcountry"] ? idx["shippingcountry"] : nil))
                     })
    }()

    static let known: [Known] = [
        onlineRetail(.onlineRetailII, ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]),
        onlineRetail(.uciOnlineRetail, ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]),
        shopify,
    ]

    /// Detects the layout of a delimited file from its header fields.
    static func detect(header: [String], delimiter: Delimiter, file: String, mapping: UserMapping?) throws(IngestError) -> Layout {
        let names = header.map { $0.trimmingASCIISpaces() }
        if let mapping {
            var index: [String: Int] = [:]
            for (i, n) in names.enumerated() where index[n.lowercased()] == nil { index[n.lowercased()] = i }
            var resolved: [String: Int] = [:]
            var missing: [String] = []
            for (field, column) in mapping.columns.sorted(by: { $0.key < $1.key }) {
                if let i = index[column.lowercased()] { resolved[field] = i } else { missing.append(column) }
            }
            if !missing.isEmpty {
                throw .missingColumns(file: file, layout: "the --map column mapping", missing: missing, found: names,
                                      expected: mapping.columns.sorted(by: { $0.key < $1.key }).map(\.value))
            }
            return Layout(kind: .generic, delimiter: delimiter, hasHeader: true,
                          mapping: ColumnMapping(invoice: resolved["invoice"], customer: resolved["customer"]!,
                                                 timestamp: resolved["timestamp"]!, quantity: resolved["quantity"],
                                                 unitPrice: resolved["unit_price"], revenue: resolved["revenue"],
                                                 country: resolved["country"], fieldCount: names.count, names: names,
                                                 product: resolved["product"], currency: resolved["currency"]))
        }
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() where index[normalize(n)] == nil { index[normalize(n)] = i }
        // Best match by signature columns present.
        var best: (Known, Int)?
        for k in known {
            let hits = k.signature.filter { index[$0] != nil }.count
            if hits > (best?.1 ?? 0) { best = (k, hits) }
        }
        if let (k, hits) = best, hits >= 2 {
            let missing = k.required.filter { index[$0] == nil }
            if missing.isEmpty {
                return Layout(kind: k.kind, delimiter: delimiter, hasHeader: true, mapping: k.build(index, names.count, names))
            }
            let display = missing.map { m in k.expected.first { normalize($0) == m } ?? m }
            throw .missingColumns(file: file, layout: k.kind.displayName, missing: display, found: names, expected: k.expected)
        }
        throw .unknownLayout(file: file, found: names)
    }

    /// CDNOW: no header, whitespace-separated `customer_id [sample_index] yyyymmdd number_of_cds dollar_value`.
    static func detectCDNOW(firstLine: [UInt8]) -> Layout? {
        let tokens = firstLine.split(whereSeparator: { $0 == 32 || $0 == 9 || $0 == 13 })
        guard tokens.count == 4 || tokens.count == 5 else { return nil }
        let dateIndex = tokens.count - 3
        guard tokens[dateIndex].count == 8, tokens[dateIndex].allSatisfy({ $0 &- 48 < 10 }),
              tokens[0].allSatisfy({ $0 &- 48 < 10 }) else { return nil }
        return cdnowLayout(columns: tokens.count)
    }

    /// The names of a CDNOW header line, normalised (as some libraries ship the file:
    /// `customer_id  date number_of_cds  dollar_value`, optionally with `sample_index` after the customer).
    static let cdnowHeaders: [[String]] = [
        ["customerid", "date", "numberofcds", "dollarvalue"],
        ["customerid", "sampleindex", "date", "numberofcds", "dollarvalue"],
    ]

    /// CDNOW with a header line: the number of columns when `line` is a whitespace-separated CDNOW header, else nil.
    static func cdnowHeaderColumns(line: [UInt8]) -> Int? {
        let tokens = line.split(whereSeparator: { $0 == 32 || $0 == 9 || $0 == 13 })
        guard tokens.count == 4 || tokens.count == 5 else { return nil }
        let names = tokens.map { normalize(String(decoding: $0, as: UTF8.self)) }
        return cdnowHeaders.contains(names) ? names.count : nil
    }

    /// The CDNOW layout with 4 columns, or 5 with the 1/10 sample's sample index.
    static func cdnowLayout(columns: Int) -> Layout {
        let dateIndex = columns - 3
        let sample = columns == 5
        let names = sample ? ["customer_id", "sample_index", "date", "number_of_cds", "dollar_value"]
                           : ["customer_id", "date", "number_of_cds", "dollar_value"]
        return Layout(kind: .cdnow(sampleIndex: sample), delimiter: .whitespace, hasHeader: false,
                      mapping: ColumnMapping(invoice: nil, customer: 0, timestamp: dateIndex, quantity: dateIndex + 1,
                                             unitPrice: nil, revenue: dateIndex + 2, country: nil,
                                             fieldCount: columns, names: names))
    }

    /// Chooses the delimiter from the header line: the most frequent of `,`, `;` and tab outside quotes.
    static func detectDelimiter(headerLine: [UInt8]) -> Delimiter {
        var counts: [UInt8: Int] = [44: 0, 59: 0, 9: 0]
        var inQuotes = false
        for b in headerLine {
            if b == 34 { inQuotes.toggle() } else if !inQuotes, counts[b] != nil { counts[b]! += 1 }
        }
        let best = counts.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }!
        return best.value == 0 ? .byte(44) : .byte(best.key)
    }
}
