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
    /// Valid lines per value of the currency column (Shopify's `Currency`, or `currency=` in a mapping), as written;
    /// empty when the layout has no currency column.
    public var currencyLines: [String: Int] = [:]
    /// The data set's currency: the most frequent ISO 4217 code of the currency column (ties: the alphabetically
    /// first); nil when there is no currency column or no valid code in it.
    public var currency: String?
    /// Valid lines whose currency column is another value than ``currency`` (another code, blank or not a code):
    /// their amounts are summed with the others as they are (no conversion).
    public var otherCurrencyLines = 0
    /// Shopify: orders refunded, voided or cancelled as a whole (their lines are kept as cancellations netting to 0),
    /// their lines, and the amount of those lines (money units).
    public var reversedOrders = 0
    public var reversedLines = 0
    public var reversedUnits: Int64 = 0
    /// Shopify: partially refunded orders, each read as one negative adjustment line of the refunded amount on the
    /// order's date (not counted in ``validLines``), and the amount refunded (money units).
    public var refundAdjustments = 0
    public var refundAdjustmentUnits: Int64 = 0

    public init() {}

    private func plural(_ n: Int, _ word: String) -> String { "\(DisplayFormat.integer(n)) \(word)\(n == 1 ? "" : "s")" }

    /// Sentences on the currencies and the refunds of the load (empty when there is nothing to say).
    public var orderStatusSentences: [String] {
        var out: [String] = []
        if currencyLines.count > 1 || otherCurrencyLines > 0 {
            let list = currencyLines.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                .map { "\($0.key.isEmpty ? "(blank)" : $0.key): \(DisplayFormat.integer($0.value))" }.joined(separator: ", ")
            out.append("Several currencies: \(plural(otherCurrencyLines, "valid line")) \(otherCurrencyLines == 1 ? "is" : "are") not in \(currency ?? "the main currency") (\(list)); amounts are added as they are, without conversion")
        }
        if reversedOrders > 0 {
            out.append("\(plural(reversedOrders, "order")) refunded, voided or cancelled as a whole: \(plural(reversedLines, "line")) (\(Money.format(reversedUnits))) kept as cancellations that net to 0")
        }
        if refundAdjustments > 0 {
            out.append("\(plural(refundAdjustments, "partially refunded order")): \(Money.format(refundAdjustmentUnits)) refunded, read as one negative adjustment per order on its date")
        }
        return out
    }

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
