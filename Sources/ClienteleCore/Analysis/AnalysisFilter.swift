import Foundation

/// A filter on a data set: a date range and countries select order lines; segments and tiers then select
/// customers of the analysis of those lines.
///
/// Semantics (documented in the README):
/// - `from`/`to` (inclusive calendar days) keep the lines dated in the range; the as-of date becomes the day
///   after `to` (so recency is measured from the end of the range), or stays the data set's as-of date when
///   there is no `to`.
/// - `countries` keeps the lines whose country is one of them (a market view: the revenue booked in France).
/// - `segments` and `tiers` keep the customers whose segment / tier, scored among all customers of the
///   line-filtered data, is one of them. Their scores are not recomputed within the subset, so a Champion stays
///   a Champion; totals, shares, medians, concentration and cohorts are computed over the selected customers.
public struct AnalysisFilter: Sendable, Hashable {
    public var from: Int?
    public var to: Int?
    public var countries: [String]
    public var segments: [Segment]
    public var tiers: [ValueTier]

    public init(from: Int? = nil, to: Int? = nil, countries: [String] = [], segments: [Segment] = [], tiers: [ValueTier] = []) {
        self.from = from
        self.to = to
        self.countries = Array(Set(countries)).sorted()
        self.segments = Segment.allCases.filter(Set(segments).contains)
        self.tiers = ValueTier.allCases.filter(Set(tiers).contains)
    }

    public static let none = AnalysisFilter()

    public var isEmpty: Bool { !hasLineFilter && !hasCustomerFilter }
    public var hasLineFilter: Bool { from != nil || to != nil || !countries.isEmpty }
    public var hasCustomerFilter: Bool { !segments.isEmpty || !tiers.isEmpty }

    /// The filter without its customer part.
    public var lineFilter: AnalysisFilter { AnalysisFilter(from: from, to: to, countries: countries) }

    /// Parses URL query items (`from`, `to`: `YYYY-MM-DD`; `country`, `segment`, `tier`: repeatable, or
    /// comma-separated for segments and tiers). Other names are ignored. Empty values mean "no filter".
    public init(queryItems: [(name: String, value: String)]) throws(FilterError) {
        var from: Int?, to: Int?
        var countries: [String] = [], segments: [Segment] = [], tiers: [ValueTier] = []
        for (name, raw) in queryItems {
            let value = raw.trimmingCharacters(in: .whitespaces)
            if value.isEmpty { continue }
            switch name {
            case "from", "to":
                guard let day = CivilDate.parseISODate(value) else {
                    throw FilterError("'\(name)' must be a date written YYYY-MM-DD, not '\(value)'.")
                }
                if name == "from" { from = day } else { to = day }
            case "country":
                countries.append(value)
            case "segment":
                for part in value.split(separator: ",") {
                    guard let s = Segment.parse(String(part)) else {
                        throw FilterError("Unknown segment '\(part)'. Segments: \(Segment.allCases.map(\.rawValue).joined(separator: ", ")).")
                    }
                    segments.append(s)
                }
            case "tier":
                for part in value.split(separator: ",") {
                    guard let t = ValueTier.parse(String(part)) else {
                        throw FilterError("Unknown tier '\(part)'. Tiers: \(ValueTier.allCases.map(\.rawValue).joined(separator: ", ")).")
                    }
                    tiers.append(t)
                }
            default:
                continue
            }
        }
        if let f = from, let t = to, f > t {
            throw FilterError("The date range is empty: 'from' (\(CivilDate.format(f))) is after 'to' (\(CivilDate.format(t))).")
        }
        self.init(from: from, to: to, countries: countries, segments: segments, tiers: tiers)
    }

    /// The query items that reproduce this filter, in a fixed order.
    public var queryItems: [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        if let from { items.append(("from", CivilDate.format(from))) }
        if let to { items.append(("to", CivilDate.format(to))) }
        for c in countries { items.append(("country", c)) }
        for s in segments { items.append(("segment", s.rawValue)) }
        for t in tiers { items.append(("tier", t.rawValue)) }
        return items
    }

    /// The as-of date of the filtered analysis.
    public func asOf(default dataAsOf: Int) -> Int { to.map { $0 + 1 } ?? dataAsOf }

    /// Days of the default period of the overview and the report (the latest complete period of the data).
    public static let defaultPeriodDays = 90

    /// The overview's and the report's default range when none is chosen: the last 90 days of the data (its last
    /// day included), when the data also holds the 90 days before them; nil for shorter data (all of it is shown).
    public static func defaultPeriod(dataStart: Int, dataAsOf: Int) -> ClosedRange<Int>? {
        let last = dataAsOf - 1, first = last - defaultPeriodDays + 1
        guard first - defaultPeriodDays >= dataStart else { return nil }
        return first...last
    }

    /// This filter with the default period (``defaultPeriod(dataStart:dataAsOf:)``) when it has no date range; nil when
    /// it has one or the data is too short.
    public func withDefaultPeriod(dataStart: Int, dataAsOf: Int) -> AnalysisFilter? {
        guard from == nil, to == nil, let p = AnalysisFilter.defaultPeriod(dataStart: dataStart, dataAsOf: dataAsOf) else { return nil }
        var f = self
        f.from = p.lowerBound
        f.to = p.upperBound
        return f
    }

    /// The same dates one year earlier (29 February becomes 28 February), with the same countries, segments and tiers;
    /// nil without a complete date range or when that range starts before `dataStart`.
    public func yearEarlier(dataStart: Int) -> AnalysisFilter? {
        guard let from, let to else { return nil }
        func back(_ day: Int) -> Int {
            let (y, m, d) = CivilDate.civil(day)
            return CivilDate.dayNumber(year: y - 1, month: m, day: min(d, CivilDate.daysInMonth(year: y - 1, month: m)))
        }
        var f = self
        f.from = back(from)
        f.to = back(to)
        guard f.from! >= dataStart else { return nil }
        return f
    }

    /// The period of equal length just before this filter's range, with the same countries, segments and tiers.
    /// The range is [from, to] with `from` defaulting to `dataStart` and `to` to `dataAsOf - 1`.
    public func previousPeriod(dataStart: Int, dataAsOf: Int) -> AnalysisFilter {
        let start = from ?? dataStart
        let end = to ?? (dataAsOf - 1)
        let length = end - start + 1
        var previous = self
        previous.from = start - length
        previous.to = start - 1
        return previous
    }
}

/// A filter value that cannot be used; the message says which and why.
public struct FilterError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Segment {
    /// Parses a segment name, ignoring case, spaces, hyphens, underscores and apostrophes
    /// (`At Risk`, `at-risk`, `cant_lose_them`).
    public static func parse(_ text: String) -> Segment? {
        let key = Segment.normalised(text)
        return allCases.first { Segment.normalised($0.rawValue) == key }
    }

    static func normalised(_ text: String) -> String {
        String(text.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// A URL- and file-name-friendly form: `at-risk`, `cant-lose-them`.
    public var slug: String {
        rawValue.lowercased().replacingOccurrences(of: "'", with: "").split(separator: " ").joined(separator: "-")
    }
}

extension ValueTier {
    public static func parse(_ text: String) -> ValueTier? {
        let key = text.trimmingCharacters(in: .whitespaces).lowercased()
        return allCases.first { $0.rawValue.lowercased() == key }
    }
}

extension OrderLines {
    /// The lines dated in [from, to] (either bound optional) whose country code is in `countryCodes` (nil: any).
    /// The interners are shared, so codes keep their meaning.
    public func filtered(from: Int?, to: Int?, countryCodes: Set<Int32>?) -> OrderLines {
        let lo = Int32(clamping: from ?? Int(Int32.min))
        let hi = Int32(clamping: to ?? Int(Int32.max))
        var mask: [Bool]?
        if let countryCodes {
            var m = [Bool](repeating: false, count: countries.count + 1)   // index 0 = no country (code -1)
            for c in countryCodes where c >= -1 && Int(c) < countries.count { m[Int(c) + 1] = true }
            mask = m
        }
        var out = self
        // Segments are independent blocks of lines: filter them in parallel.
        out.chunks = parallelMap(chunks.count) { i in
            let seg = chunks[i]
            var keep: [Int] = []
            keep.reserveCapacity(seg.count)
            seg.day.withUnsafeBufferPointer { day in
                seg.country.withUnsafeBufferPointer { country in
                    for j in 0..<seg.count {
                        let d = day[j]
                        if d < lo || d > hi { continue }
                        if let mask, !mask[Int(country[j]) + 1] { continue }
                        keep.append(j)
                    }
                }
            }
            if keep.count == seg.count { return seg }
            var s = LineChunk()
            s.customer = keep.map { seg.customer[$0] }
            s.day = keep.map { seg.day[$0] }
            s.invoice = keep.map { seg.invoice[$0] }
            s.revenue = keep.map { seg.revenue[$0] }
            s.country = keep.map { seg.country[$0] }
            s.cancelled = keep.map { seg.cancelled[$0] }
            return s
        }
        return out
    }

    /// The lines `filter`'s date range and countries select (all of them when it has neither); its segments and tiers
    /// are not applied. Unknown countries are an error (the message lists a few known ones).
    public func selected(by filter: AnalysisFilter) throws(FilterError) -> OrderLines {
        guard filter.hasLineFilter else { return self }
        var countryCodes: Set<Int32>?
        if !filter.countries.isEmpty {
            var codes = Set<Int32>()
            for name in filter.countries {
                guard let code = countries.lookup(name) else {
                    let known = (0..<Int32(countries.count)).map { countries.string($0) }.sorted()
                    let list = known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", ..." : "")
                    throw FilterError("Unknown country '\(name)'. Countries in this data set: \(list.isEmpty ? "none" : list).")
                }
                codes.insert(code)
            }
            countryCodes = codes
        }
        return filtered(from: filter.from, to: filter.to, countryCodes: countryCodes)
    }

    /// First and last day of the lines, nil when there are none.
    public var daySpan: ClosedRange<Int>? {
        var lo = Int32.max, hi = Int32.min
        for seg in chunks { for d in seg.day { lo = min(lo, d); hi = max(hi, d) } }
        return lo > hi ? nil : Int(lo)...Int(hi)
    }
}

/// A data set's lines with the analysis of a filter applied to them.
public struct FilteredAnalysis: Sendable {
    public var filter: AnalysisFilter
    /// The lines the analysis is based on (after the date and country filters).
    public var lines: OrderLines
    public var analysis: Analysis

    /// Applies `filter` to `lines`. `dataAsOf` is the data set's as-of date, used when the filter has no end date.
    /// Unknown countries are an error (the message lists a few known ones).
    /// `base`, when given, is the analysis of `all` at `dataAsOf` (reused instead of recomputed when the filter has
    /// no date or country part).
    public init(lines all: OrderLines, filter: AnalysisFilter, dataAsOf: Int, base given: Analysis? = nil) throws(FilterError) {
        self.filter = filter
        let asOf = filter.asOf(default: dataAsOf)
        lines = try all.selected(by: filter)
        let base = (!filter.hasLineFilter ? given : nil) ?? Analysis(lines: lines, asOf: asOf)
        if filter.hasCustomerFilter {
            let segments = Set(filter.segments), tiers = Set(filter.tiers)
            let rows = (0..<base.table.count).filter {
                (segments.isEmpty || segments.contains(base.segment[$0])) && (tiers.isEmpty || tiers.contains(base.tier[$0]))
            }
            analysis = Analysis(restricting: base, toRows: rows, lines: lines)
        } else {
            analysis = base
        }
    }
}
