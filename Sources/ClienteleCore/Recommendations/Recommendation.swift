import Foundation

/// An action computed from the data: what to do, for whom, why, and what is at stake.
public struct Recommendation: Sendable {
    public enum Priority: Int, Sendable, Comparable, CaseIterable {
        case high = 3, medium = 2, low = 1
        public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
        public var name: String { ["", "Low", "Medium", "High"][rawValue] }
    }

    /// Stable identifier of the rule that produced it (`win-back`, `protect-champions`, ...); also the URL slug.
    public var id: String
    public var title: String
    /// The numbers that triggered the action, as sentences.
    public var why: [String]
    /// Who: the selected customers (rows of the analysis) and a description of the selection.
    public var who: String
    public var rows: [Int]
    /// A short reason per selected customer (same order as `rows`), for the customer list.
    public var reasons: [String]
    /// Money at stake or the opportunity, in money units, and how it was computed.
    public var value: Int64
    public var valueFormula: String
    public var priority: Priority
    public var timing: String
    /// How to measure success.
    public var success: String
}

/// The engine's thresholds; every rule documents which ones it reads. Defaults are the values a retention team
/// would start from; all are settable (`--rec-...` flags are not exposed yet: the struct is the configuration).
public struct RecommendationConfig: Sendable {
    /// Win-back: segments considered at risk, and the lowest tier worth a personal win-back.
    public var winBackSegments: Set<Segment> = [.atRisk, .cantLose]
    public var winBackMinimumTier: ValueTier = .silver
    /// Months of revenue run-rate that a won-back or protected customer is worth (model-free value).
    public var valueHorizonMonths = 12
    /// First-to-second order: first-time buyers whose first order is at most this many days old.
    public var newBuyerWindowDays = 60
    /// First-to-second order: assumed lift in the share who place a second order (percentage points).
    public var secondOrderUpliftPercent = 10
    /// Tier upgrade: customers with at least this share (percent) of the next tier's entry revenue.
    public var tierNearSharePercent = 80
    /// Concentration risk fires when the top 1% hold at least this share (percent) or the Gini is at least this.
    public var concentrationTop1Percent = 15
    public var concentrationGini = 0.65
    /// Reactivation: cost of one contact (money units) and the share of contacted hibernating customers expected
    /// to order again (percent).
    public var contactCost: Int64 = 10_000          // 1.00
    public var reactivationRatePercent = 3
    /// Markets: minimum customers in a country, and the ratio to the rest that counts as "markedly" different.
    public var marketMinimumCustomers = 30
    public var marketRatio = 1.5
    /// Seasonality: a calendar month is a peak when it brings this many times the average month's new customers.
    public var seasonalityPeakRatio = 1.3
    /// H of churn risk (the chance of no order in the next H days) and of its holdout; `--horizon-days` overrides it.
    public var horizonDays = ChurnModel.defaultHorizonDays

    public init() {}
}

/// A rule: a small, testable unit that fires (returns an action) only when its condition holds.
public protocol RecommendationRule: Sendable {
    var id: String { get }
    func evaluate(_ input: RecommendationInput) -> Recommendation?
}

/// What the rules look at.
public struct RecommendationInput: Sendable {
    public var analysis: Analysis
    public var config: RecommendationConfig
    /// The churn prediction of the same analysis, when usable (rules then use its churn risk).
    public var churn: ChurnModel?

    public init(analysis: Analysis, config: RecommendationConfig = RecommendationConfig(), churn: ChurnModel? = nil) {
        self.analysis = analysis
        self.config = config
        self.churn = churn?.usable == true ? churn : nil
    }

    /// A customer's net revenue over the next `months` at its past pace: monetary x H / max(tenure, H), with H the
    /// horizon in days (months x 30.44). A customer known for less than the horizon is assumed to repeat what it has
    /// spent so far, never more. Money units, never negative.
    public func runRate(_ row: Int, months: Int) -> Int64 {
        let t = analysis.table
        let horizon = Double(months) * 30.436875
        let tenure = max(Double(t.tenureDays(row)), horizon)
        let m = max(t.monetary[row], 0)
        return Money.units(rounding: Double(m) * horizon / tenure) ?? 0
    }
}

/// Runs every rule and ranks the actions by money at stake (then priority).
public enum RecommendationEngine {
    public static let rules: [any RecommendationRule] = [
        WinBackRule(), ProtectChampionsRule(), SecondOrderRule(), TierUpgradeRule(), ConcentrationRiskRule(),
        ReactivationRule(), MarketsRule(), AcquisitionSeasonalityRule(),
    ]

    public static func run(_ input: RecommendationInput, rules: [any RecommendationRule] = rules) -> [Recommendation] {
        rules.compactMap { $0.evaluate(input) }.sorted {
            $0.value != $1.value ? $0.value > $1.value : ($0.priority != $1.priority ? $0.priority > $1.priority : $0.id < $1.id)
        }
    }
}

extension RecommendationConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case winBackSegments = "win_back_segments", winBackMinimumTier = "win_back_minimum_tier"
        case valueHorizonMonths = "value_horizon_months", newBuyerWindowDays = "new_buyer_window_days"
        case secondOrderUpliftPercent = "second_order_uplift_percent", tierNearSharePercent = "tier_near_share_percent"
        case concentrationTop1Percent = "concentration_top1_percent", concentrationGini = "concentration_gini"
        case contactCost = "contact_cost", reactivationRatePercent = "reactivation_rate_percent"
        case marketMinimumCustomers = "market_minimum_customers", marketRatio = "market_ratio"
        case seasonalityPeakRatio = "seasonality_peak_ratio"
        case horizonDays = "horizon_days"
    }

    /// Reads a JSON object; keys that are absent keep their defaults, unknown keys are an error. `contact_cost` is
    /// in currency units (e.g. 1.5).
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let known = Set(CodingKeys.allKeys.map(\.stringValue))
        if let any = try? decoder.container(keyedBy: AnyKey.self) {
            let unknown = any.allKeys.map(\.stringValue).filter { !known.contains($0) }
            if !unknown.isEmpty {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown setting\(unknown.count == 1 ? "" : "s") \(unknown.sorted().joined(separator: ", ")); known: \(known.sorted().joined(separator: ", "))"))
            }
        }
        if let v = try c.decodeIfPresent([String].self, forKey: .winBackSegments) {
            winBackSegments = Set(try v.map { s in
                guard let seg = Segment.parse(s) else {
                    throw DecodingError.dataCorruptedError(forKey: .winBackSegments, in: c, debugDescription: "unknown segment '\(s)'")
                }
                return seg
            })
        }
        if let v = try c.decodeIfPresent(String.self, forKey: .winBackMinimumTier) {
            guard let t = ValueTier.parse(v) else { throw DecodingError.dataCorruptedError(forKey: .winBackMinimumTier, in: c, debugDescription: "unknown tier '\(v)'") }
            winBackMinimumTier = t
        }
        valueHorizonMonths = try c.decodeIfPresent(Int.self, forKey: .valueHorizonMonths) ?? valueHorizonMonths
        newBuyerWindowDays = try c.decodeIfPresent(Int.self, forKey: .newBuyerWindowDays) ?? newBuyerWindowDays
        secondOrderUpliftPercent = try c.decodeIfPresent(Int.self, forKey: .secondOrderUpliftPercent) ?? secondOrderUpliftPercent
        tierNearSharePercent = try c.decodeIfPresent(Int.self, forKey: .tierNearSharePercent) ?? tierNearSharePercent
        concentrationTop1Percent = try c.decodeIfPresent(Int.self, forKey: .concentrationTop1Percent) ?? concentrationTop1Percent
        concentrationGini = try c.decodeIfPresent(Double.self, forKey: .concentrationGini) ?? concentrationGini
        if let v = try c.decodeIfPresent(Double.self, forKey: .contactCost) {
            guard let units = Money.units(fromCurrency: v), units <= Money.sumBudget else {
                throw DecodingError.dataCorruptedError(forKey: .contactCost, in: c, debugDescription: "contact cost \(v) is out of range")
            }
            contactCost = units
        }
        reactivationRatePercent = try c.decodeIfPresent(Int.self, forKey: .reactivationRatePercent) ?? reactivationRatePercent
        marketMinimumCustomers = try c.decodeIfPresent(Int.self, forKey: .marketMinimumCustomers) ?? marketMinimumCustomers
        marketRatio = try c.decodeIfPresent(Double.self, forKey: .marketRatio) ?? marketRatio
        seasonalityPeakRatio = try c.decodeIfPresent(Double.self, forKey: .seasonalityPeakRatio) ?? seasonalityPeakRatio
        horizonDays = try c.decodeIfPresent(Int.self, forKey: .horizonDays) ?? horizonDays
        guard horizonDays >= 1 && horizonDays <= 3660 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "horizon_days must be between 1 and 3660 days, got \(horizonDays)"))
        }
        guard (1...1200).contains(valueHorizonMonths), (0...100).contains(tierNearSharePercent), (0...100).contains(reactivationRatePercent),
              (0...100).contains(secondOrderUpliftPercent), (0...100).contains(concentrationTop1Percent),
              (0...36_600).contains(newBuyerWindowDays), marketMinimumCustomers >= 1,
              contactCost >= 0, marketRatio > 1, seasonalityPeakRatio > 1, marketRatio.isFinite, seasonalityPeakRatio.isFinite,
              concentrationGini.isFinite else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a setting is out of range (percentages 0-100, ratios above 1, horizon 1-1200 months, new-buyer window 0-36600 days, market minimum at least 1 customer, cost not negative)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(winBackSegments.map(\.rawValue).sorted(), forKey: .winBackSegments)
        try c.encode(winBackMinimumTier.rawValue, forKey: .winBackMinimumTier)
        try c.encode(valueHorizonMonths, forKey: .valueHorizonMonths)
        try c.encode(newBuyerWindowDays, forKey: .newBuyerWindowDays)
        try c.encode(secondOrderUpliftPercent, forKey: .secondOrderUpliftPercent)
        try c.encode(tierNearSharePercent, forKey: .tierNearSharePercent)
        try c.encode(concentrationTop1Percent, forKey: .concentrationTop1Percent)
        try c.encode(concentrationGini, forKey: .concentrationGini)
        try c.encode(Double(contactCost) / 10_000, forKey: .contactCost)
        try c.encode(reactivationRatePercent, forKey: .reactivationRatePercent)
        try c.encode(marketMinimumCustomers, forKey: .marketMinimumCustomers)
        try c.encode(marketRatio, forKey: .marketRatio)
        try c.encode(seasonalityPeakRatio, forKey: .seasonalityPeakRatio)
        try c.encode(horizonDays, forKey: .horizonDays)
    }

    /// Reads the settings from a JSON file, with a message that names the file and the problem.
    public static func load(path: String) throws(IngestError) -> RecommendationConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(file: path, reason: "no such file or not readable")
        }
        do { return try JSONDecoder().decode(RecommendationConfig.self, from: data) } catch let e as DecodingError {
            switch e {
            case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
                let key = c.codingPath.map(\.stringValue).joined(separator: ".")
                throw .invalidSettings("rules file \(path): \(key.isEmpty ? "" : "'\(key)': ")\(c.debugDescription)")
            @unknown default: throw .invalidSettings("rules file \(path): \(e)")
            }
        } catch {
            throw .invalidSettings("rules file \(path): \(error)")
        }
    }
}

extension RecommendationConfig.CodingKeys: CaseIterable {}
extension RecommendationConfig.CodingKeys {
    static var allKeys: [RecommendationConfig.CodingKeys] { allCases }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
