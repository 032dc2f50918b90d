import ClienteleCore
import Foundation

/// A page request, independent of Hummingbird: the query items, the filter they describe, and the options
/// (names starting with `_`, plus `id` on the customer page).
struct PageRequest: Sendable {
    var items: [(name: String, value: String)]
    var filter: AnalysisFilter
    /// True when the filter's date range is the default period of the overview and the report (no range was asked).
    var defaultPeriod = false

    /// Gives the filter the default period (``AnalysisFilter/withDefaultPeriod(dataStart:dataAsOf:)``) when it has no
    /// date range and the data is long enough, unless the URL asks for all of the data (`_range=all`).
    mutating func applyDefaultPeriod(_ dataset: Dataset) {
        guard option("_range") != "all", let f = filter.withDefaultPeriod(dataStart: dataset.span.lowerBound, dataAsOf: dataset.asOf) else { return }
        filter = f
        defaultPeriod = true
    }

    /// The page options a URL may carry (each page reads the ones it knows). Any other name starting with `_` is
    /// refused, so that a URL cannot carry arbitrary text into a page or the response cache.
    static let knownOptions: Set<String> = ["_chart", "_compare", "_desc", "_end", "_from", "_metric", "_page", "_paper", "_period", "_q", "_range", "_sort", "_start", "_table", "_to"]

    init(query: String?) throws(FilterError) {
        items = PageRequest.parse(query ?? "")
        if let unknown = items.first(where: { $0.name.hasPrefix("_") && !PageRequest.knownOptions.contains($0.name) }) {
            let shown = unknown.name.count > 40 ? String(unknown.name.prefix(40)) + "…" : unknown.name
            throw FilterError("Unknown option '\(shown)'. Options: \(PageRequest.knownOptions.sorted().joined(separator: ", ")).")
        }
        // An account limited to countries: its countries, whatever the URL says (a wider one was refused already).
        filter = Access.scoped(try AnalysisFilter(queryItems: items))
    }

    init(filter: AnalysisFilter, options: [(String, String)] = []) {
        self.filter = filter
        items = filter.queryItems + options.map { (name: $0.0, value: $0.1) }
    }

    func option(_ name: String) -> String? {
        items.last { $0.name == name }.map { $0.value.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A link to `path` with this request's filter and the given options (nil values are dropped).
    func link(_ path: String, _ options: [(String, String?)] = [], filter: AnalysisFilter? = nil) -> String {
        var items = (filter ?? self.filter).queryItems
        for (k, v) in options { if let v { items.append((name: k, value: v)) } }
        return PageRequest.url(path, items)
    }

    /// The filter as a query string (with a leading `?`, or empty).
    var filterQuery: String { PageRequest.url("", filter.queryItems) }

    static func url(_ path: String, _ items: [(name: String, value: String)]) -> String {
        guard !items.isEmpty else { return path }
        return path + "?" + items.map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&")
    }

    /// Splits a query string; `+` is a space and percent escapes are decoded (invalid escapes are kept as text).
    static func parse(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(String(pieces[0]))
            let value = pieces.count > 1 ? decode(String(pieces[1])) : ""
            return (name: name, value: value)
        }
    }

    static func decode(_ s: String) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Percent-encodes every UTF-8 byte except the unreserved ASCII characters (letters, digits, `-._~`), as
    /// RFC 3986 section 2.3 says; a byte loop (Foundation's version was a tenth of a churn page's time).
    static func encode(_ s: String) -> String {
        var needs = false
        for b in s.utf8 where !isUnreserved(b) { needs = true; break }
        if !needs { return s }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count * 3)
        for b in s.utf8 {
            if isUnreserved(b) { out.append(b) } else { out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]] }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
    }
}
