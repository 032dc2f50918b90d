/// Data that starts mid-history: when an export begins after the store opened, every customer who was already buying
/// shows up as "new" in the data's first month, so the first cohort is several times the size of the later ones.
///
/// Rule (README, "Choices where the contract leaves room"): the first calendar month of first orders is flagged when
/// it holds at least ``minFirstCohort`` new customers and at least ``ratio`` times the lower median of the new
/// customers of the following complete months (up to ``comparedMonths`` calendar months after it, a month without a
/// new customer counting 0, the month of the as-of date left out while it is not over; at least
/// ``minComparedMonths`` of them). Only that first month is flagged.
public struct MidHistoryStart: Sendable, Equatable {
    /// The flagged month, `YYYY-MM`.
    public var month: String
    /// Its month index (``CohortPeriod/month``).
    public var monthIndex: Int
    /// Day number of the flagged month's last day.
    public var lastDay: Int
    /// First orders (new customers) in the flagged month.
    public var newCustomers: Int
    /// Lower median of the new customers of the months compared.
    public var laterMedian: Int
    /// Number of months compared.
    public var laterMonths: Int

    public static let ratio = 3
    public static let minFirstCohort = 20
    public static let comparedMonths = 6
    public static let minComparedMonths = 2

    /// The flag for a monthly cohort matrix, or nil when the first month is not out of line (or there is too little
    /// data to tell).
    public static func detect(_ monthly: CohortMatrix, asOf: Int) -> MidHistoryStart? {
        guard monthly.period == .month, let first = monthly.cohortIndex.first else { return nil }
        var sizeOf: [Int: Int] = [:]
        for (row, c) in monthly.cohortIndex.enumerated() { sizeOf[c] = monthly.counts[row][0] }
        let firstSize = monthly.counts[0][0]
        let end = min(first + comparedMonths, monthly.lastIndex)
        guard end > first else { return nil }
        let later = (first + 1...end).filter { !monthly.isIncomplete(index: $0, asOf: asOf) }.map { sizeOf[$0] ?? 0 }.sorted()
        guard later.count >= minComparedMonths else { return nil }
        let median = later[(later.count - 1) / 2]
        guard firstSize >= minFirstCohort, firstSize >= ratio * median else { return nil }
        let y = first / 12, m = first % 12 + 1
        return MidHistoryStart(month: monthly.period.label(ofIndex: first), monthIndex: first,
                               lastDay: CivilDate.dayNumber(year: y, month: m, day: CivilDate.daysInMonth(year: y, month: m)),
                               newCustomers: firstSize, laterMedian: median, laterMonths: later.count)
    }

    /// Rows of `m` (any period) whose cohort period starts on or before the flagged month's last day: the cohorts that
    /// hold customers who were active before the data begins.
    public func inflatedRows(_ m: CohortMatrix) -> Set<Int> {
        let last = m.period.index(ofDay: lastDay)
        return Set(m.cohortIndex.indices.filter { m.cohortIndex[$0] <= last })
    }

    /// "7.4 times" or "more than 20 times" (median 0).
    public var timesText: String {
        laterMedian > 0 ? DisplayFormat.decimal(Double(newCustomers) / Double(laterMedian), digits: 1) + " times"
            : "far more than"
    }

    /// The statement for the pages, with the numbers.
    public var sentence: String {
        let median = laterMedian == 1 ? "1 new customer" : "\(DisplayFormat.integer(laterMedian)) new customers"
        let compared = laterMedian > 0 ? "\(timesText) the median of the \(laterMonths) months after it (\(median) a month)"
            : "far more than the \(laterMonths) months after it (median \(median) a month)"
        return "The data starts mid-history: its first month, \(month), holds \(DisplayFormat.integer(newCustomers)) first orders, \(compared), so most of those customers were already buying before the data begins. That cohort is left out of acquisition figures, the largest cohort, the best next-month retention and the average retention curve."
    }
}

extension Analysis {
    /// The mid-history flag of this analysis (see ``MidHistoryStart``).
    public var midHistoryStart: MidHistoryStart? { MidHistoryStart.detect(monthlyCohorts, asOf: asOf) }
}

extension Analysis {
    /// Under this many days of data, recency cannot separate segments well (README, "Choices where the contract
    /// leaves room"): every customer's days since its last order fall within the span, so "long gone" segments
    /// (Hibernating, At Risk) may have ordered days ago.
    public static let shortSpanDays = 90

    /// Days from the earliest first order to the as-of date (0 without customers).
    public var observedDays: Int {
        guard let first = table.firstPurchase.min() else { return 0 }
        return asOf - Int(first)
    }

    /// The short-span warning with the numbers, or nil when the data covers at least ``shortSpanDays`` days.
    public var shortSpanWarning: String? {
        guard table.count > 0, observedDays < Analysis.shortSpanDays else { return nil }
        var text = "The data covers only \(DisplayFormat.days(observedDays)) (under \(Analysis.shortSpanDays)), so recency cannot separate segments well: every customer last ordered within that span"
        let sleepy = segments.filter { ($0.segment == .hibernating || $0.segment == .atRisk) && $0.customers > 0 }
            .sorted { $0.customers > $1.customers }
        if let s = sleepy.first, let med = s.medianRecencyDays {
            text += ", and even the \(s.segment.rawValue) customers last ordered a median of \(DisplayFormat.days(med)) ago"
        }
        return text + ". Read the segments as a ranking within these days, not as customers who have left."
    }
}
