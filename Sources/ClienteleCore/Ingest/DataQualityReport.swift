/// Why a line was not used (ANALYTICS.md section 1). A line is counted under the first reason that applies, in
/// this order.
public enum InvalidReason: String, CaseIterable, Sendable, Codable {
    case wrongFieldCount = "wrong_field_count"
    case unterminatedQuote = "unterminated_quoted_field"
    case badTimestamp = "missing_or_unparseable_timestamp"
    case timestampOutOfRange = "timestamp_out_of_range"
    case badQuantity = "unparseable_quantity"
    case zeroQuantity = "quantity_zero"
    case badUnitPrice = "unparseable_unit_price"
    case nonPositiveUnitPrice = "unit_price_not_positive"
    case amountTooLarge = "amount_too_large"
    case unknownOrder = "order_not_in_orders_file"

    public var explanation: String {
        switch self {
        case .wrongFieldCount: return "wrong number of fields"
        case .unterminatedQuote: return "a quoted field is never closed (the line was read up to its end of line)"
        case .badTimestamp: return "missing or unparseable timestamp"
        case .timestampOutOfRange: return "timestamp out of range (default: before 1970-01-01 or more than one day after the load; settable)"
        case .badQuantity: return "unparseable quantity"
        case .zeroQuantity: return "quantity is 0"
        case .badUnitPrice: return "unparseable unit price (or line amount)"
        case .nonPositiveUnitPrice: return "unit price is 0 or negative (bad-debt adjustments, free items)"
        case .amountTooLarge: return "line amount too large to represent exactly (alone, or added to the lines before it: the total of all line amounts, returns counted positive, is limited to \(Money.format(Money.sumBudget)))"
        case .unknownOrder: return "order id not found in the orders file"
        }
    }
}

/// One example of a bad line, for the data-quality report.
public struct BadLineExample: Sendable, Codable, Equatable {
    public var file: String
    public var line: Int
    public var field: String
    public var value: String
}

/// What a load read, kept and rejected, and why (issue: "data-quality report").
public struct DataQualityReport: Sendable, Codable {
    public static let examplesPerReason = 5

    public var files: [String] = []
    public var layout: String = ""
    public var delimiter: String = ""
    public var linesRead = 0
    public var blankLines = 0
    public var validLines = 0
    public var cancelledLines = 0
    public var guestLines = 0
    public var invalidLines = 0
    public var invalidByReason: [String: Int] = [:]
    public var examples: [String: [BadLineExample]] = [:]
    /// Olist orders with status canceled/unavailable: their item lines are skipped and counted as cancelled.
    public var skippedCancelledOrders = 0
    /// Set by the analysis: lines dated on or after the as-of date (ignored), customers excluded.
    public var linesAfterAsOf = 0
    public var excludedCustomers = 0
    public var excludedCustomerRevenue = "0"
    public var excludedCustomersReason = "customers whose only lines are cancellations or returns (no order)"
    /// The product-code column read (nil: the layout has none, and non-product lines cannot be told apart).
    public var productColumn: String?
    /// Product codes that look like non-product lines (postage, fees, adjustments), and the codes left out
    /// (`--exclude-products`), largest |net amount| first.
    public var productCodes: [ProductCodeSummary] = []
    /// Codes that look like non-product lines, in all (``productCodes`` lists at most 50 of them).
    public var nonProductCodeCount = 0
    /// Valid lines left out because their product code was excluded (not in `validLines`).
    public var excludedProductLines = 0
    /// Net amount of the valid lines kept, money units.
    public var netUnits: Int64 = 0
    /// Mean |line amount| of the lines with a product code (those left out included), money units.
    public var averageLineUnits: Int64 = 0

    public init() {}

    mutating func addInvalid(_ reason: InvalidReason, count: Int = 1) {
        invalidLines += count
        invalidByReason[reason.rawValue, default: 0] += count
    }

    mutating func addExample(_ reason: InvalidReason, _ example: BadLineExample) {
        var list = examples[reason.rawValue, default: []]
        if list.count < DataQualityReport.examplesPerReason { list.append(example) }
        examples[reason.rawValue] = list
    }

    /// One readable sentence per invalid reason, most frequent first.
    public var invalidSummaryLines: [String] {
        InvalidReason.allCases.compactMap { reason -> (Int, String)? in
            guard let n = invalidByReason[reason.rawValue], n > 0 else { return nil }
            var text = "\(DisplayFormat.integer(n)) line\(n == 1 ? "" : "s"): \(reason.explanation)"
            if let first = examples[reason.rawValue]?.first {
                text += " (first: \(first.file) line \(first.line), \(first.field) = \"\(first.value)\")"
            }
            return (n, text)
        }.sorted { $0.0 > $1.0 }.map(\.1)
    }
}
