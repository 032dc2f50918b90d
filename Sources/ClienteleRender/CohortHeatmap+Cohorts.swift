import ClienteleCore

extension CohortHeatmap {
    /// The retention-rate heatmap of a cohort matrix (the seed's `customer_cohort_heatmap`).
    public static func retention(_ m: CohortMatrix) -> CohortHeatmap {
        let width = m.maxOffset + 1
        let unit: String, plural: String, singular: String
        switch m.period {
        case .month: (unit, plural, singular) = ("Monthly", "Months", "month")
        case .week: (unit, plural, singular) = ("Weekly", "Weeks", "ISO week")
        case .quarter: (unit, plural, singular) = ("Quarterly", "Quarters", "quarter")
        }
        return CohortHeatmap(
            title: "\(unit) cohort retention (share of each cohort active)",
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
