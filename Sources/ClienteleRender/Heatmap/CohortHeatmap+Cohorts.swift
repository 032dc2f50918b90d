import ClienteleCore

extension CohortHeatmap {
    /// The most cohorts (rows) and offsets (columns) drawn: an image of every cell of a long matrix would take
    /// gigabytes (600 monthly cohorts are 25,000 x 16,000 pixels). Beyond, the latest cohorts and the first offsets
    /// are drawn and the title says so; the matrix itself is in the CSV and JSON.
    public static let maxCohorts = 120
    public static let maxOffsets = 120

    /// The retention-rate heatmap of a cohort matrix (the seed's `customer_cohort_heatmap`).
    public static func retention(_ full: CohortMatrix) -> CohortHeatmap {
        var m = full
        var note = ""
        if m.counts.count > maxCohorts || m.maxOffset + 1 > maxOffsets {
            let keep = max(0, m.counts.count - maxCohorts)
            m.cohortIndex = Array(m.cohortIndex.dropFirst(keep))
            m.counts = m.counts.dropFirst(keep).map { Array($0.prefix(maxOffsets)) }
            m.revenue = m.revenue.dropFirst(keep).map { Array($0.prefix(maxOffsets)) }
            note = " (latest \(m.counts.count) of \(full.counts.count) cohorts, first \(min(maxOffsets, full.maxOffset + 1)) offsets)"
        }
        let width = m.maxOffset + 1
        let unit: String, plural: String, singular: String
        switch m.period {
        case .month: (unit, plural, singular) = ("Monthly", "Months", "month")
        case .week: (unit, plural, singular) = ("Weekly", "Weeks", "ISO week")
        case .quarter: (unit, plural, singular) = ("Quarterly", "Quarters", "quarter")
        }
        return CohortHeatmap(
            title: "\(unit) cohort retention (share of each cohort active)" + note,
            rowLabels: m.labels,
            columnLabels: (0..<max(width, 0)).map(String.init),
            rates: m.counts.indices.map { row in (0..<width).map { k in k < m.counts[row].count ? m.rate(row, k) : nil } },
            counts: m.counts.map { row in (0..<width).map { k in k < row.count ? row[k] : nil } },
            rowSizes: m.sizes,
            xAxisTitle: "\(plural) since first purchase",
            yAxisTitle: "Cohort (first purchase \(singular))")
    }

    public static func monthlyRetention(_ m: CohortMatrix) -> CohortHeatmap { retention(m) }
}
