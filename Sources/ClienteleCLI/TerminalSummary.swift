import ClienteleCore
import Foundation

/// The short, readable summary `clientele analyze` prints: data quality, KPIs and the segment table.
enum TerminalSummary {
    static func grouped(_ n: Int) -> String { DisplayFormat.groupedASCII(n) }

    /// Money for people: thousands separators and 2 decimals (rounded half-to-even).
    static func money(_ units: Int64?) -> String {
        guard let units else { return "–" }
        let cents = Money.divideRoundingHalfEven(units, by: 100)
        let whole = Int(cents / 100), frac = Int((cents % 100).magnitude)
        return (cents < 0 && whole == 0 ? "-" : "") + grouped(whole) + "." + (frac < 10 ? "0" : "") + String(frac)
    }

    static func percent(_ fraction: Double?) -> String {
        guard let fraction else { return "–" }
        return String(format: "%.1f%%", fraction * 100)
    }

    static func pad(_ s: String, _ width: Int, right: Bool = true) -> String {
        let n = s.count
        if n >= width { return s }
        let spaces = String(repeating: " ", count: width - n)
        return right ? spaces + s : s + spaces
    }

    static func render(analysis a: Analysis, report r: DataQualityReport, seconds: Double, outDir: String?, written: [String],
                       currency: String? = nil) -> String {
        let k = a.kpis, c = a.concentration
        var s = ""
        s += "Clientele: \(r.files.joined(separator: ", ")) (\(r.layout)), as of \(CivilDate.format(a.asOf))\(currency.map { ", money in \($0)" } ?? "")\n\n"
        s += "Data quality: \(grouped(r.linesRead)) lines read, \(grouped(r.validLines)) valid "
        s += "(\(grouped(r.cancelledLines)) cancelled, \(grouped(r.guestLines)) guest), \(grouped(r.invalidLines)) invalid"
        if r.linesAfterAsOf > 0 { s += ", \(grouped(r.linesAfterAsOf)) after the as-of date (ignored)" }
        if r.excludedProductLines > 0 { s += ", \(grouped(r.excludedProductLines)) left out (--exclude-products)" }
        s += "\n"
        for line in r.invalidSummaryLines { s += "  - \(line)\n" }
        for line in r.orderStatusSentences { s += "  - \(line)\n" }
        for p in r.productCodes where p.excluded && p.lines == 0 {
            s += "  - no line has the product code \"\(p.code)\" given to --exclude-products (column \(r.productColumn ?? "product"))\n"
        }
        let flagged = r.productCodes.filter { !$0.excluded && !$0.reason.isEmpty }
        if !flagged.isEmpty {
            s += "  - \(grouped(flagged.count)) product code\(flagged.count == 1 ? " looks" : "s look") like non-product lines (postage, fees, adjustments): "
            s += flagged.prefix(8).map(\.code).joined(separator: ", ") + (flagged.count > 8 ? ", ..." : "")
            s += "; see data_quality.json, leave them out with --exclude-products\n"
        }
        if r.excludedCustomers > 0 {
            s += "  - \(grouped(r.excludedCustomers)) customer\(r.excludedCustomers == 1 ? "" : "s") excluded: only cancellations or returns (net \(money(a.table.excludedCustomerRevenue)))\n"
        }
        s += "\n"
        let rows: [(String, String, String, String)] = [
            ("Customers", grouped(k.totalCustomers), "Revenue", money(k.totalRevenue)),
            ("Orders", grouped(k.orders), "Average order value", money(k.averageOrderValue)),
            ("Revenue per customer", money(k.avgRevenuePerCustomer), "Repeat customer rate", percent(k.repeatCustomerRate)),
            ("Champions", grouped(k.championsCount), "Champions' revenue share", k.championsRevenueSharePct.map { String(format: "%.1f%%", $0) } ?? "–"),
            ("Guest revenue", money(k.guestRevenue), "Gini (revenue)", c.gini.map { String(format: "%.3f", $0) } ?? "–"),
        ]
        for row in rows {
            s += pad(row.0, 22, right: false) + pad(row.1, 16) + "    " + pad(row.2, 26, right: false) + pad(row.3, 16) + "\n"
        }
        s += "Top 1% / 5% / 10% / 20% of customers hold \(percent(c.top1)) / \(percent(c.top5)) / \(percent(c.top10)) / \(percent(c.top20)) of revenue\n\n"
        s += pad("Segment", 22, right: false) + pad("Customers", 11) + pad("Share", 8) + pad("Revenue", 18) + pad("Share", 8) + pad("Med. recency", 14) + "\n"
        for seg in a.segments.sorted(by: { $0.revenue > $1.revenue }) where seg.customers > 0 {
            s += pad(seg.segment.rawValue, 22, right: false) + pad(grouped(seg.customers), 11) + pad(percent(seg.customerShare), 8)
            s += pad(money(seg.revenue), 18) + pad(percent(seg.revenueShare), 8)
            s += pad(seg.medianRecencyDays.map { $0 == 1 ? "1 day" : "\($0) days" } ?? "–", 14) + "\n"
        }
        s += "\n"
        if let outDir {
            s += "Wrote \(written.count) files to \(outDir)/ in \(String(format: "%.2f", seconds)) s.\n"
        }
        return s
    }
}
