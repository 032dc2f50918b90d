/// Calendar arithmetic on day numbers (days since 1970-01-01), after Howard Hinnant's `days_from_civil` and
/// `civil_from_days` algorithms (proleptic Gregorian calendar).
public enum CivilDate {
    /// Day number of a calendar date.
    @inline(__always)
    public static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Calendar date of a day number.
    @inline(__always)
    public static func civil(_ dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Monday = 1 ... Sunday = 7 (1970-01-01 was a Thursday).
    public static func isoWeekday(_ dayNumber: Int) -> Int {
        let w = (dayNumber + 3) % 7
        return (w < 0 ? w + 7 : w) + 1
    }

    /// ISO 8601 week-numbering year and week of a day.
    public static func isoWeek(_ dayNumber: Int) -> (year: Int, week: Int) {
        let thursday = dayNumber - isoWeekday(dayNumber) + 4
        let year = civil(thursday).year
        let firstDay = self.dayNumber(year: year, month: 1, day: 1)
        return (year, (thursday - firstDay) / 7 + 1)
    }

    /// `YYYY-MM-DD`.
    public static func format(_ dayNumber: Int) -> String {
        let c = civil(dayNumber)
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
    }

    /// Parses `YYYY-MM-DD` (used for command-line options).
    public static func parseISODate(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m) else { return nil }
        return dayNumber(year: y, month: m, day: d)
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// A calendar period used for cohorts: month, ISO week or quarter, as a consecutive integer index.
public enum CohortPeriod: String, Sendable, CaseIterable, Codable {
    case month, week, quarter

    /// Consecutive index of the period containing `day` (consecutive periods differ by 1).
    @inline(__always)
    public func index(ofDay day: Int) -> Int {
        switch self {
        case .month:
            let c = CivilDate.civil(day)
            return c.year * 12 + (c.month - 1)
        case .quarter:
            let c = CivilDate.civil(day)
            return c.year * 4 + (c.month - 1) / 3
        case .week:
            // Monday of the ISO week, in weeks since the Monday 1969-12-29 (day -3).
            let monday = day - (CivilDate.isoWeekday(day) - 1)
            return (monday + 3) / 7
        }
    }

    /// "months", "weeks", "quarters".
    public var pluralName: String { rawValue + "s" }

    /// "monthly", "weekly", "quarterly".
    public var adjective: String {
        switch self {
        case .month: return "monthly"
        case .week: return "weekly"
        case .quarter: return "quarterly"
        }
    }

    /// What to choose instead when this period's cohorts span too many periods (longer periods, or a date range).
    var remedy: String {
        switch self {
        case .week: return "choose monthly or quarterly cohorts, or a date range"
        case .month: return "choose quarterly cohorts, or a date range"
        case .quarter: return "choose a date range"
        }
    }

    /// Label of a period index: `YYYY-MM`, `YYYY-Www` or `YYYY-Qn`.
    public func label(ofIndex index: Int) -> String {
        switch self {
        case .month:
            return CivilDate.pad(index / 12, 4) + "-" + CivilDate.pad(index % 12 + 1, 2)
        case .quarter:
            return CivilDate.pad(index / 4, 4) + "-Q" + String(index % 4 + 1)
        case .week:
            let monday = index * 7 - 3
            let w = CivilDate.isoWeek(monday)
            return CivilDate.pad(w.year, 4) + "-W" + CivilDate.pad(w.week, 2)
        }
    }
}
