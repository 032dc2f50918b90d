/// Why a load could not produce order lines. Each case reads as a full sentence for the user (exit status 2).
public enum IngestError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case emptyFile(file: String)
    case unknownLayout(file: String, found: [String])
    case missingColumns(file: String, layout: String, missing: [String], found: [String], expected: [String])
    case badMapping(String)
    case noValidLines(file: String, linesRead: Int, summary: String)
    case olistIncomplete(found: [String])
    /// A settings file (recommendation rules) that cannot be used.
    case invalidSettings(String)
    /// A database source that cannot be read (the message names the table, column or reason).
    case database(String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the file: \(reason)."
        case let .emptyFile(file):
            return "\(file): the file is empty: there are no order lines to analyse."
        case let .unknownLayout(file, found):
            return """
            \(file): unrecognised layout. Columns found: \(found.map { "'\($0)'" }.joined(separator: ", ")).
            Expected one of the built-in layouts: Online Retail II (Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country), \
            UCI Online Retail (InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country), \
            CDNOW (whitespace-separated: customer_id [sample_index] yyyymmdd number_of_cds dollar_value), \
            Olist (orders, customers and order_items files together), \
            or give a column mapping: --map customer=COL,timestamp=COL,quantity=COL,unit_price=COL[,invoice=COL,country=COL] \
            (or revenue=COL, the line amount, instead of quantity and unit_price).
            """
        case let .missingColumns(file, layout, missing, found, expected):
            return """
            \(file): looks like \(layout) but the required column\(missing.count == 1 ? "" : "s") \
            \(missing.map { "'\($0)'" }.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") missing.
            Columns found: \(found.map { "'\($0)'" }.joined(separator: ", ")).
            Columns expected: \(expected.map { "'\($0)'" }.joined(separator: ", ")).
            """
        case let .badMapping(message):
            return "Invalid --map: \(message)"
        case let .noValidLines(file, linesRead, summary):
            return "\(file): no valid order line among \(linesRead) line\(linesRead == 1 ? "" : "s") read. \(summary)"
        case let .invalidSettings(message):
            return message
        case let .database(message):
            return message
        case let .olistIncomplete(found):
            return "Olist data needs three files: olist_orders_dataset.csv, olist_customers_dataset.csv and olist_order_items_dataset.csv; got: \(found.joined(separator: ", "))."
        }
    }
}
