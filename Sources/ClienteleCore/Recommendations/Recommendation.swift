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
    /// Expected incremental value over the horizon (money units): what the action can plausibly add or save, and
    /// how it was computed, with the numbers filled in.
    public var value: Int64
    public var valueFormula: String
    public var priority: Priority
    public var timing: String
    /// How to measure success.
    public var success: String
    /// Expected incremental value per customer (same order as `rows`; money units), each at most the customer's
    /// expected value over the horizon. Empty for an action whose value is not carried by today's customers
    /// (acquisition ahead of a seasonal peak).
    public var customerValues: [Int64] = []
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
    /// Response assumptions (percent): the share of the at-risk value a win-back saves, of the Champions' and the top
    /// accounts' at-risk value that keeping them close saves, of the gap to the next tier that an upgrade offer
    /// closes, of a market's gap to the reference that work on it closes, and the gain from preparing acquisition
    /// ahead of a seasonal peak.
    public var winBackResponsePercent = 15
    public var protectResponsePercent = 10
    public var tierUpgradeResponsePercent = 20
    public var marketResponsePercent = 10
    public var seasonalityGainPercent = 10
    /// H of churn risk (the chance of no order in the next H days) and of its holdout; `--horizon-days` overrides it.
    public var horizonDays = ChurnModel.defaultHorizonDays
    /// Product codes whose lines are left out of the load (`exclude_products`; postage, fees, adjustments). Read by
    /// the commands before loading, with `--exclude-products`.
    public var excludeProducts: [String] = []

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

    /// Churn risk per analysis row as the rules read it (from ``churn`` when usable).
    public struct RiskView: Sendable {
        public var risks: [Double]
        /// "chance of no order in the next 90 days".
        public var riskWords: String
        /// The model the risks come from ("BG/NBD").
        public var modelName: String
        public func risk(_ row: Int) -> Double { risks[row] }
        public init(risks: [Double], riskWords: String, modelName: String) {
            self.risks = risks; self.riskWords = riskWords; self.modelName = modelName
        }
    }
    public var churnRisk: RiskView?

    public init(analysis: Analysis, config: RecommendationConfig = RecommendationConfig(), churn: ChurnModel? = nil) {
        self.analysis = analysis
        self.config = config
        self.churn = churn?.usable == true ? churn : nil
        churnRisk = self.churn.map { RiskView(risks: $0.risk, riskWords: $0.riskWords, modelName: $0.riskModel?.rawValue ?? "") }
    }

    /// Rules on given risks (tests, or risks from elsewhere), without a value model.
    public init(analysis: Analysis, config: RecommendationConfig = RecommendationConfig(), risks: RiskView) {
        self.analysis = analysis
        self.config = config
        churn = nil
        churnRisk = risks
    }

    /// The customer's expected value over the horizon (`valueHorizonMonths`), the cap of every action's value for
    /// it: the churn model's discounted value when it has one over that horizon, otherwise its revenue at its past
    /// pace weighted by its chance of ordering again (1 - churn risk) when there is a churn risk, otherwise the past
    /// pace alone. Money units, never negative.
    public func expectedValue(_ row: Int) -> Int64 {
        if let m = churn, m.valueUsable, m.options.horizonMonths == config.valueHorizonMonths,
           let v = Money.units(fromCurrency: max(0, m.lifetimeValue[row].isFinite ? m.lifetimeValue[row] : 0)) {
            return v
        }
        let pace = runRate(row, months: config.valueHorizonMonths)
        return churnRisk.map { Money.units(rounding: Double(pace) * (1 - $0.risk(row))) ?? 0 } ?? pace
    }

    /// How ``expectedValue(_:)`` is computed, in words (for the formulas).
    public var expectedValueWords: String {
        if let m = churn, m.valueUsable, m.options.horizonMonths == config.valueHorizonMonths {
            return "their expected value over the next \(config.valueHorizonMonths) months (\(m.valueModel?.rawValue ?? "value model") x Gamma-Gamma, discounted)"
        }
        if churnRisk != nil {
            return "their expected value over the next \(config.valueHorizonMonths) months (past pace x (1 - churn risk))"
        }
        return "their next \(config.valueHorizonMonths) months of revenue at their past pace (net revenue x \(config.valueHorizonMonths) months / max(tenure, \(config.valueHorizonMonths) months))"
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

    /// Every rule's action, each customer's value capped at its expected value over the horizon, actions without
    /// customers or worth less than 0.1% of the customers' expected value left out, ranked by value (then priority).
    public static func run(_ input: RecommendationInput, rules: [any RecommendationRule] = rules) -> [Recommendation] {
        var actions = rules.compactMap { $0.evaluate(input) }
        for i in actions.indices where !actions[i].customerValues.isEmpty {
            let before = actions[i].customerValues.reduce(Int64(0), +)
            actions[i].customerValues = zip(actions[i].rows, actions[i].customerValues).map { min(max(0, $1), input.expectedValue($0)) }
            let after = actions[i].customerValues.reduce(Int64(0), +)
            actions[i].value = after
            if after < before {
                actions[i].valueFormula += "; capped at each customer's expected value over the next \(input.config.valueHorizonMonths) months: \(DisplayFormat.money(after))"
            }
        }
        // An immaterial action (under 0.1% of what the customers are expected to bring) is not worth a campaign.
        let expectedAll = (0..<input.analysis.table.count).reduce(Int64(0)) { $0 + input.expectedValue($1) }
        let floor = max(1, expectedAll / 1000)
        var ranked = actions.filter { !$0.rows.isEmpty && $0.value >= floor }.sorted {
            $0.value != $1.value ? $0.value > $1.value : ($0.priority != $1.priority ? $0.priority > $1.priority : $0.id < $1.id)
        }
        // Priority follows the value, so that rank and priority never disagree: High from 20% of the actions' summed
        // value, Medium from 5%, Low below.
        let sum = ranked.reduce(0.0) { $0 + Double($1.value) }
        for i in ranked.indices {
            let share = sum > 0 ? Double(ranked[i].value) / sum : 0
            ranked[i].priority = share >= highPriorityShare ? .high : (share >= mediumPriorityShare ? .medium : .low)
        }
        return ranked
    }

    public static let highPriorityShare = 0.2
    public static let mediumPriorityShare = 0.05

    /// The page total: each customer counted once, under its highest-ranked action (`actions` in rank order), plus
    /// the actions not carried by today's customers; and the part carried by today's customers.
    public static func total(_ actions: [Recommendation]) -> (total: Int64, customers: Int64, customerCount: Int) {
        var seen = Set<Int>(), fromCustomers: Int64 = 0, other: Int64 = 0
        for a in actions {
            if a.customerValues.isEmpty { other += a.value; continue }
            for (r, v) in zip(a.rows, a.customerValues) where seen.insert(r).inserted { fromCustomers += v }
        }
        return (fromCustomers + other, fromCustomers, seen.count)
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
        case winBackResponsePercent = "win_back_response_percent", protectResponsePercent = "protect_response_percent"
        case tierUpgradeResponsePercent = "tier_upgrade_response_percent", marketResponsePercent = "market_response_percent"
        case seasonalityGainPercent = "seasonality_gain_percent"
        case excludeProducts = "exclude_products"
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
        for (key, setting) in Self.settings {
            switch setting {
            case .int(let path): self[keyPath: path] = try c.decodeIfPresent(Int.self, forKey: key) ?? self[keyPath: path]
            case .double(let path): self[keyPath: path] = try c.decodeIfPresent(Double.self, forKey: key) ?? self[keyPath: path]
            case .strings(let path): self[keyPath: path] = try c.decodeIfPresent([String].self, forKey: key) ?? self[keyPath: path]
            case .currency(let path):
                guard let v = try c.decodeIfPresent(Double.self, forKey: key) else { continue }
                guard let units = Money.units(fromCurrency: v), units <= Money.sumBudget else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "contact cost \(v) is out of range")
                }
                self[keyPath: path] = units
            }
        }
        for (name, v) in [("win_back_response_percent", winBackResponsePercent), ("protect_response_percent", protectResponsePercent),
                          ("tier_upgrade_response_percent", tierUpgradeResponsePercent), ("market_response_percent", marketResponsePercent),
                          ("seasonality_gain_percent", seasonalityGainPercent)] where !(0...100).contains(v) {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(name) must be between 0 and 100, got \(v)"))
        }
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
        for (key, setting) in Self.settings {
            switch setting {
            case .int(let path): try c.encode(self[keyPath: path], forKey: key)
            case .double(let path): try c.encode(self[keyPath: path], forKey: key)
            case .strings(let path): try c.encode(self[keyPath: path], forKey: key)
            case .currency(let path): try c.encode(Double(self[keyPath: path]) / 10_000, forKey: key)
            }
        }
    }

    /// How a setting is stored: as it is read, or money units read as a currency amount (`contact_cost`: 1.5).
    enum Setting {
        case int(WritableKeyPath<RecommendationConfig, Int>)
        case double(WritableKeyPath<RecommendationConfig, Double>)
        case currency(WritableKeyPath<RecommendationConfig, Int64>)
        case strings(WritableKeyPath<RecommendationConfig, [String]>)
    }

    /// The settings after the win-back segments and tier, in the order they are read and written.
    static var settings: [(CodingKeys, Setting)] { [
        (.valueHorizonMonths, .int(\.valueHorizonMonths)), (.newBuyerWindowDays, .int(\.newBuyerWindowDays)),
        (.secondOrderUpliftPercent, .int(\.secondOrderUpliftPercent)), (.tierNearSharePercent, .int(\.tierNearSharePercent)),
        (.concentrationTop1Percent, .int(\.concentrationTop1Percent)), (.concentrationGini, .double(\.concentrationGini)),
        (.contactCost, .currency(\.contactCost)), (.reactivationRatePercent, .int(\.reactivationRatePercent)),
        (.marketMinimumCustomers, .int(\.marketMinimumCustomers)), (.marketRatio, .double(\.marketRatio)),
        (.seasonalityPeakRatio, .double(\.seasonalityPeakRatio)), (.horizonDays, .int(\.horizonDays)),
        (.winBackResponsePercent, .int(\.winBackResponsePercent)), (.protectResponsePercent, .int(\.protectResponsePercent)),
        (.tierUpgradeResponsePercent, .int(\.tierUpgradeResponsePercent)), (.marketResponsePercent, .int(\.marketResponsePercent)),
        (.seasonalityGainPercent, .int(\.seasonalityGainPercent)), (.excludeProducts, .strings(\.excludeProducts)),
    ] }

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
