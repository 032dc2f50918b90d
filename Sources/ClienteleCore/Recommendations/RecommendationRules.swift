// The rules of the recommendations engine. Each reads the analysis (and the thresholds in RecommendationConfig),
// fires only when its condition holds, and states the formula of the money it puts on the action.

private func money(_ v: Int64) -> String { DisplayFormat.money(v) }
private func count(_ n: Int, _ noun: String) -> String { "\(DisplayFormat.integer(n)) \(noun)\(n == 1 ? "" : "s")" }
private func pct(_ v: Double?) -> String { DisplayFormat.percent(v) }

/// Win back valuable customers who used to buy often but have gone quiet: At Risk and Can't Lose Them customers
/// of the configured minimum tier or above. Value = their revenue run-rate over the horizon (monetary x horizon /
/// max(tenure, horizon)): what is lost if they do not come back.
public struct WinBackRule: RecommendationRule {
    public let id = "win-back"
    public init() {}

    public func evaluate(_ input: RecommendationInput) -> Recommendation? {
        let a = input.analysis, c = input.config
        let tierOrder: [ValueTier] = [.bronze, .silver, .gold, .platinum]
        let minIndex = tierOrder.firstIndex(of: c.winBackMinimumTier) ?? 1
        let model = input.churnRisk
        // RFM's at-risk segments, and with a fitted model also Gold and Platinum customers whose churn risk (chance of
        // no order in the model's horizon) is 50% or more.
        let rows = (0..<a.table.count).filter { r in
            let tierOK = (tierOrder.firstIndex(of: a.tier[r]) ?? 0) >= minIndex
            let rfm = c.winBackSegments.contains(a.segment[r]) && tierOK
            // "Gone quiet": no order for more than H days; not yet Hibernating (too late for this action), and not
            // Champions or New Customers (their own actions: keep close, second order).
            let predicted = model.map { m in
                m.risk(r) >= 0.5 && (a.tier[r] == .gold || a.tier[r] == .platinum)
                    && a.table.recencyDays(r) > c.horizonDays && ![.hibernating, .champions, .newCustomers].contains(a.segment[r])
            } ?? false
            return rfm || predicted
        }.sorted { a.table.monetary[$0] > a.table.monetary[$1] }
        guard !rows.isEmpty else { return nil }
        // Expected incremental value: the response share of the expected value at risk, churn risk x the customer's
        // expected value over the horizon (a customer already gone responds to nothing; without a churn model, the
        // whole past pace: these customers are lapsing by RFM).
        let response = Double(c.winBackResponsePercent) / 100
        var atRisk: Int64 = 0
        let values = rows.map { r -> Int64 in
            let expected = input.expectedValue(r)
            let risky = model.map { Money.units(rounding: Double(expected) * $0.risk(r)) ?? 0 } ?? expected
            atRisk += risky
            return Money.units(rounding: Double(risky) * response) ?? 0
        }
        let value = values.reduce(Int64(0), +)
        let past = rows.reduce(Int64(0)) { $0 + a.table.monetary[$1] }
        let recency = lowerMedian(rows.map { a.table.recencyDays($0) }) ?? 0
        let freq = lowerMedian(rows.map { Int(a.table.frequency[$0]) }) ?? 0
        let segments = c.winBackSegments.map(\.rawValue).sorted().joined(separator: " and ")
        var why = ["\(count(rows.count, "customer")) are \(segments) customers of tier \(c.winBackMinimumTier.rawValue) or above\(model == nil ? "" : ", or Gold/Platinum customers without an order for more than \(c.horizonDays) days whose \(model!.riskWords) is 50% or more (\(model!.modelName))"): they have spent \(money(past)) (\(pct(ExactRatio.value(past, a.kpis.totalRevenue))) of revenue).",
                   "Their median customer placed \(count(freq, "order")) but has not ordered for \(DisplayFormat.days(recency))."]
        if let model {
            let meanRisk = rows.reduce(0.0) { $0 + model.risk($1) } / Double(rows.count)
            why.append("The churn model (\(model.modelName)) gives them a mean \(model.riskWords) of \(pct(meanRisk)).")
        }
        return Recommendation(
            id: id, title: "Win back \(count(rows.count, "high-value customer")) who have gone quiet",
            why: why,
            who: "\(segments) customers in tier \(c.winBackMinimumTier.rawValue) or above\(model == nil ? "" : ", and Gold/Platinum customers (not Hibernating, Champions or New Customers) with no order for more than \(c.horizonDays) days and a churn risk of 50% or more"), largest spenders first",
            rows: rows,
            reasons: rows.map { r in "\(a.segment[r].rawValue), \(a.tier[r].rawValue): \(count(Int(a.table.frequency[r]), "order")), last \(DisplayFormat.days(a.table.recencyDays(r))) ago" + (model.map { ", \($0.riskWords) \(pct($0.risk(r)))" } ?? "") },
            value: value,
            valueFormula: "\(c.winBackResponsePercent)% (assumed response) x " + (model == nil
                ? "\(input.expectedValueWords) (no churn model, so all of it is taken as at risk) = \(c.winBackResponsePercent)% x \(money(atRisk)) = \(money(value))"
                : "Σ churn risk (\(model!.riskWords), \(model!.modelName)) x \(input.expectedValueWords) = \(c.winBackResponsePercent)% x \(money(atRisk)) = \(money(value))"),
            priority: rows.count >= 10 || value >= a.kpis.totalRevenue / 20 ? .high : .medium,
            timing: "Now: a personal offer or call within 2 weeks, before they drift into Hibernating.",
            success: "Share of these customers with a new order within 60 days (compare with a held-out 10%), and their revenue.",
            customerValues: values)
    }
}

/// Protect the Champions: they bring a large share of revenue. Value = their revenue run-rate over the horizon.
/// Fires when there are Champions.
public struct ProtectChampionsRule: RecommendationRule {
    public let id = "protect-champions"
    public init() {}

    public func evaluate(_ input: RecommendationInput) -> Recommendation? {
        let a = input.analysis, c = input.config
        let rows = (0..<a.table.count).filter { a.segment[$0] == .champions }.sorted { a.table.monetary[$0] > a.table.monetary[$1] }
        // Without a churn model there is no estimate of what the Champions put at risk: no value, no action.
        guard !rows.isEmpty, let model = input.churnRisk else { return nil }
        let response = Double(c.protectResponsePercent) / 100
        var atRisk: Int64 = 0
        let values = rows.map { r -> Int64 in
            let risky = Money.units(rounding: Double(input.expectedValue(r)) * model.risk(r)) ?? 0
            atRisk += risky
            return Money.units(rounding: Double(risky) * response) ?? 0
        }
        let value = values.reduce(Int64(0), +)
        let meanRisk = rows.reduce(0.0) { $0 + model.risk($1) } / Double(rows.count)
        return Recommendation(
            id: id, title: "Keep the \(count(rows.count, "Champion")) close",
            why: ["Champions are \(pct(ExactRatio.value(rows.count, a.table.count))) of customers and bring \(DisplayFormat.percent((a.kpis.championsRevenueSharePct ?? 0) / 100)) of revenue (\(money(a.kpis.championsRevenue))).",
                  "Their median customer ordered \(DisplayFormat.days(lowerMedian(rows.map { a.table.recencyDays($0) }) ?? 0)) ago and has placed \(lowerMedian(rows.map { Int(a.table.frequency[$0]) }) ?? 0) orders; their mean \(model.riskWords) is \(pct(meanRisk)) (\(model.modelName))."],
            who: "all Champions, largest spenders first", rows: rows,
            reasons: rows.map { "Champion: \(count(Int(a.table.frequency[$0]), "order")), \(money(a.table.monetary[$0])), churn risk \(pct(model.risk($0)))" },
            value: value,
            valueFormula: "\(c.protectResponsePercent)% (assumed share saved by keeping them close) x Σ churn risk x \(input.expectedValueWords) = \(c.protectResponsePercent)% x \(money(atRisk)) = \(money(value))",
            priority: (a.kpis.championsRevenueSharePct ?? 0) >= 20 ? .high : .medium,
            timing: "Ongoing: early access, thank-you notes and service priority; review every quarter.",
            success: "Share of today's Champions still Champions next quarter; their order frequency.",
            customerValues: values)
    }
}

/// Convert recent first-time buyers into a second order before the drop-off: customers with one order whose first
/// order is at most `newBuyerWindowDays` old. Opportunity = customers x average order value x the assumed uplift in
/// the share who order again. Fires when the data shows a drop-off after the first month and there are such buyers.
public struct SecondOrderRule: RecommendationRule {
    public let id = "second-order"
    public init() {}

    public func evaluate(_ input: RecommendationInput) -> Recommendation? {
        let a = input.analysis, c = input.config
        let m = a.monthlyCohorts
        // The same curve as the Retention page: without a first cohort inflated by data that starts mid-history,
        // and only offsets observed in enough cohorts.
        let inflated = a.midHistoryStart?.inflatedRows(m) ?? []
        guard let drop = m.biggestDropOff(asOf: a.asOf, minCohorts: CohortMatrix.minCohortsPerOffset, excluding: inflated),
              let aov = a.kpis.averageOrderValue else { return nil }
        let rows = (0..<a.table.count).filter { a.table.frequency[$0] == 1 && a.table.tenureDays($0) <= c.newBuyerWindowDays }
            .sorted { a.table.firstPurchase[$0] > a.table.firstPurchase[$1] }
        guard !rows.isEmpty else { return nil }
        let repeatRate = a.kpis.repeatCustomerRate
        // The assumed uplift in points, at most the share that orders twice today (at most doubling it).
        let uplift = min(Double(c.secondOrderUpliftPercent), (repeatRate ?? 0) * 100)
        let each = Money.units(rounding: Double(aov) * uplift / 100) ?? 0
        let values = rows.map { _ in each }
        let value = Money.clamped(Int128(rows.count) * Int128(each))
        return Recommendation(
            id: id, title: "Turn \(count(rows.count, "new buyer")) into repeat customers " + (drop.offset == 1 ? "within a month of their first order" : "before month \(drop.offset) after their first order"),
            why: ["Retention falls most between month \(drop.offset - 1) and month \(drop.offset) after the first order: from \(pct(drop.before)) to \(pct(drop.after)) of a cohort on average.",
                  "\(count(rows.count, "customer")) placed their first and only order in the last \(c.newBuyerWindowDays) days; overall \(pct(repeatRate)) of customers ever order twice."],
            who: "customers with exactly one order, placed in the last \(c.newBuyerWindowDays) days, newest first", rows: rows,
            reasons: rows.map { "first order \(DisplayFormat.days(a.table.tenureDays($0))) ago, \(money(a.table.monetary[$0]))" },
            value: value,
            valueFormula: "\(DisplayFormat.integer(rows.count)) customers x average order value \(money(aov)) x \(DisplayFormat.decimal(uplift, digits: uplift == uplift.rounded() ? 0 : 1)) points more of them placing a second order (assumed uplift\(uplift < Double(c.secondOrderUpliftPercent) ? ", at most today's repeat rate of \(pct(repeatRate))" : "")) = \(money(value))",
            priority: .high,
            timing: "Within \(max(1, drop.offset)) month\(drop.offset > 1 ? "s" : "") of the first order: a welcome series and a second-order incentive around week 3.",
            success: "Month-\(drop.offset) retention of the next cohorts against the average of \(pct(drop.after)).",
            customerValues: values)
    }
}

/// Tier upgrades: customers close to the next tier's entry revenue. Opportunity = the revenue it takes to lift them
/// to it (sum of entry revenue minus their revenue). Fires when any tier has such customers.
public struct TierUpgradeRule: RecommendationRule {
    public let id = "tier-upgrade"
    public init() {}

    public func evaluate(_ input: RecommendationInput) -> Recommendation? {
        let a = input.analysis, c = input.config
        let gaps = a.tierGaps(nearSharePercent: c.tierNearSharePercent).filter { !$0.nearRows.isEmpty }
        guard !gaps.isEmpty else { return nil }
        var rows: [Int] = [], reasons: [String] = [], values: [Int64] = []
        var gapTotal: Int64 = 0
        // With a churn model, only a customer who keeps ordering can close its gap: each gap is weighted by
        // 1 - churn risk.
        let model = input.churnRisk
        for g in gaps {
            for r in g.nearRows.sorted(by: { a.table.monetary[$0] > a.table.monetary[$1] }) {
                rows.append(r)
                let gap = max(0, g.threshold - a.table.monetary[r])
                let weighted = model.map { Money.units(rounding: Double(gap) * (1 - $0.risk(r))) ?? 0 } ?? gap
                gapTotal += weighted
                values.append(weighted * Int64(c.tierUpgradeResponsePercent) / 100)
                reasons.append("\(g.from.rawValue): \(money(gap)) short of \(g.to.rawValue)" + (model.map { ", \($0.riskWords) \(pct($0.risk(r)))" } ?? ""))
            }
        }
        let value = values.reduce(Int64(0), +)
        return Recommendation(
            id: id, title: "Move \(count(rows.count, "customer")) up a value tier",
            why: gaps.map { "\(count($0.nearRows.count, "\($0.from.rawValue) customer")) have at least \(c.tierNearSharePercent)% of \($0.to.rawValue)'s entry revenue (\(money($0.threshold))); a \($0.to.rawValue) customer spends \(money($0.averageGap)) more on average." },
            who: "customers within \(100 - c.tierNearSharePercent)% of the next tier's entry revenue", rows: rows, reasons: reasons,
            value: value, valueFormula: "\(c.tierUpgradeResponsePercent)% (assumed share who close their gap) x Σ (next tier's entry revenue - their revenue)\(model == nil ? "" : " x (1 - churn risk)") = \(c.tierUpgradeResponsePercent)% x \(money(gapTotal)) = \(money(value))",
            priority: .medium,
            timing: "Next campaign: bundles or a threshold offer sized to each customer's gap.",
            success: "Customers who reach the next tier within 90 days, and the revenue gained.",
            customerValues: values)
    }
}

/// Revenue concentration risk: fires when the top 1% of customers hold at least the configured share or the Gini
/// is at least the configured value. Value = a share of their revenue at risk (churn risk x pace) that account
/// management saves; needs a churn model.
public struct ConcentrationRiskRule: RecommendationRule {
    public let id = "concentration-risk"
    public init() {}

    public func evaluate(_ input: RecommendationInput) -> Recommendation? {
        let a = input.analysis, c = input.config
        let conc = a.concentration
        guard let top1 = conc.top1, let gini = conc.gini, a.table.count >= 20 else { return nil }
        guard top1 * 100 >= Double(c.concentrationTop1Percent) || gini >= c.concentrationGini else { return nil }
        let k = Int((Double(a.table.count) * 0.01).rounded(.up))
        let rows = Array((0..<a.table.count).sorted { a.table.monetary[$0] > a.table.monetary[$1] }.prefix(k))
        // What account management can save: a share of the top accounts' revenue at risk (needs a churn model).
        guard let model = input.churnRisk else { return nil }
        var atRisk: Int64 = 0
        let values = rows.map { r -> Int64 in
            let risky = Money.units(rounding: Double(input.expectedValue(r)) * model.risk(r)) ?? 0
            atRisk += risky
            return risky * Int64(c.protectResponsePercent) / 100
        }
        let value = values.reduce(Int64(0), +)
        return Recommendation(
            id: id, title: "Reduce dependence on the top \(count(k, "customer"))",
            why: ["The top 1% of customers hold \(pct(top1)) of revenue and the top 20% hold \(pct(conc.top20)); the Gini coefficient is \(DisplayFormat.decimal(gini, digits: 2)) (thresholds: \(c.concentrationTop1Percent)% or \(DisplayFormat.decimal(c.concentrationGini, digits: 2)))."],
            who: "the top 1% of customers by revenue", rows: rows,
            reasons: rows.map { "\(money(a.table.monetary[$0])) (\(pct(ExactRatio.value(a.table.monetary[$0], a.kpis.totalRevenue))) of revenue)" },
            value: value, valueFormula: "\(c.protectResponsePercent)% (assumed share saved by account management) x Σ churn risk x \(input.expectedValueWords) = \(c.protectResponsePercent)% x \(money(atRisk)) = \(money(value))",
            priority: top1 >= 0.25 ? .high : .medium,
            timing: "This quarter: account management for these customers, and growth of the Gold and Silver tiers.",
            success: "Top-1% share of revenue falling while total revenue holds.",
            customerValues: values)
    }
}

/// Reactivate Hibernating customers where the expected return beats the contact cost: expected return of a contact
/// = reactivation rate x the customer's average order value. Fires when at least one customer clears the cost;
/// value = sum over them of (expected return - contact cost).
public struct ReactivationRule: RecommendationRule {
    public let id = "reactivate-hibernating"
    public init() {}

    public func evaluate(_ input: RecommendationInput) -> Recommendation? {
        let a = input.analysis, c = input.config
        let t = a.table
        var rows: [Int] = []
        var net: [Int64] = []
        // With a churn model, a reactivated customer brings one order, but at most what the model expects of it over
        // the horizon (most hibernating customers are gone; their expected value is small).
        let withModel = input.churnRisk != nil
        for r in 0..<t.count where a.segment[r] == .hibernating {
            let aov = t.monetary[r] / Int64(max(1, t.frequency[r]))
            let base = withModel ? min(aov, input.expectedValue(r)) : aov
            let expected = base * Int64(c.reactivationRatePercent) / 100
            if expected > c.contactCost { rows.append(r); net.append(expected - c.contactCost) }
        }
        let all = (0..<t.count).filter { a.segment[$0] == .hibernating }.count
        guard !rows.isEmpty else { return nil }
        let order = rows.indices.sorted { net[$0] > net[$1] }
        rows = order.map { rows[$0] }
        net = order.map { net[$0] }
        let value = net.reduce(0, +)
        return Recommendation(
            id: id, title: "Reactivate \(count(rows.count, "hibernating customer")) worth a contact",
            why: ["\(count(all, "customer")) are Hibernating; for \(DisplayFormat.integer(rows.count)) of them the expected return of one contact (\(c.reactivationRatePercent)% reactivation x their average order value\(withModel ? ", at most their expected value" : "")) exceeds the contact cost of \(money(c.contactCost)).",
                  "The others (\(DisplayFormat.integer(all - rows.count))) are not worth contacting at that cost."],
            who: "Hibernating customers whose expected return exceeds the contact cost, best first", rows: rows,
            reasons: zip(rows, net).map { "expected net return \(money($1)), last order \(DisplayFormat.days(t.recencyDays($0))) ago" },
            value: value,
            valueFormula: "Σ over these \(DisplayFormat.integer(rows.count)) customers of (\(c.reactivationRatePercent)% assumed reactivation x their average order value\(withModel ? " (at most their expected value over the next \(c.valueHorizonMonths) months)" : "") - contact cost \(money(c.contactCost))) = \(money(value))",
            priority: .low,
            timing: "Next low-cost channel slot (email); one attempt, then suppress non-responders for 6 months.",
            success: "Orders from contacted vs held-out hibernating customers within 30 days, against the \(c.reactivationRatePercent)% assumed.",
            customerValues: net)
    }
}

/// Markets that lag their reference, like with like. The figure compared is each customer's revenue over the value
/// horizon at its past pace, by **median** (a few large accounts do not make a market problem), and the repeat rate.
/// A market holding at least half of the customers (the home market) is the reference for every other market and is
/// never itself a laggard; without one, each market is compared with all other customers. Both sides need
/// `marketMinimumCustomers`; a gap counts when the ratio is at least `marketRatio` and it is larger than noise: for
/// medians, the sign of the median difference holds in at least 97.5% of 400 bootstrap resamples (seeded); for the
/// repeat rate, a two-proportion z-test at |z| ≥ 1.96. Value for a lagging market = `marketResponsePercent` x its
/// customers x the gap per customer (median pace gap, or repeat-rate gap x the reference's median pace).
/// Out-performing markets are mentioned but carry no value.
public struct MarketsRule: RecommendationRule {
    public let id = "markets"
    public init() {}

    public func evaluate(_ input: RecommendationInput) -> Recommendation? {
        let a = input.analysis, c = input.config
        let t = a.table
        guard t.count > 0 else { return nil }
        var byCountry = [Int32: [Int]]()
        for r in 0..<t.count where t.country[r] >= 0 { byCountry[t.country[r], default: []].append(r) }
        let total = byCountry.values.reduce(0) { $0 + $1.count }
        guard total > 0, byCountry.count >= 2 else { return nil }
        let pace = (0..<t.count).map { Double(input.runRate($0, months: c.valueHorizonMonths)) }
        let keys = byCountry.keys.sorted()
        let largest = keys.max { byCountry[$0]!.count < byCountry[$1]!.count }!
        let home: Int32? = 2 * byCountry[largest]!.count >= total ? largest : nil
        let response = Double(c.marketResponsePercent) / 100
        var rng = SplitMix64(seed: 7)
        struct Finding { var country: Int32; var text: String; var under: Bool; var perCustomer: Double; var gapTotal: Double }
        var findings: [Finding] = []
        for k in keys where k != home && byCountry[k]!.count >= c.marketMinimumCustomers {
            let rows = byCountry[k]!
            let ref: [Int] = home.map { byCountry[$0]! } ?? keys.filter { $0 != k }.flatMap { byCountry[$0]! }
            guard ref.count >= c.marketMinimumCustomers else { continue }
            let name = t.countries.string(k)
            let refName = home.map { "\(t.countries.string($0)), the home market" } ?? "all other markets"
            let m = Self.median(rows.map { pace[$0] }), mr = Self.median(ref.map { pace[$0] })
            if m > 0, mr > 0, m / mr >= c.marketRatio || mr / m >= c.marketRatio,
               Self.medianGapHolds(rows.map { pace[$0] }, ref.map { pace[$0] }, rng: &rng) {
                let under = m < mr
                findings.append(Finding(country: k, text: "\(name): the median customer brings \(money(Money.units(rounding: m) ?? 0)) over \(c.valueHorizonMonths) months at its pace, against \(money(Money.units(rounding: mr) ?? 0)) in \(refName) (\(DisplayFormat.integer(rows.count)) vs \(DisplayFormat.integer(ref.count)) customers; the gap holds in at least 97.5% of bootstrap resamples).",
                                        under: under, perCustomer: under ? response * (mr - m) : 0, gapTotal: under ? (mr - m) * Double(rows.count) : 0))
                continue
            }
            let rep = rows.filter { t.frequency[$0] >= 2 }.count, refRep = ref.filter { t.frequency[$0] >= 2 }.count
            let rr = Double(rep) / Double(rows.count), rrRef = Double(refRep) / Double(ref.count)
            let pooled = Double(rep + refRep) / Double(rows.count + ref.count)
            let se = (pooled * (1 - pooled) * (1 / Double(rows.count) + 1 / Double(ref.count))).squareRoot()
            if rr > 0, rrRef > 0, rr / rrRef >= c.marketRatio || rrRef / rr >= c.marketRatio, se > 0, abs(rr - rrRef) / se >= 1.96, mr > 0 {
                let under = rr < rrRef
                findings.append(Finding(country: k, text: "\(name): \(pct(rr)) of customers order again against \(pct(rrRef)) in \(refName) (\(DisplayFormat.integer(rows.count)) vs \(DisplayFormat.integer(ref.count)) customers; z = \(DisplayFormat.decimal(abs(rr - rrRef) / se, digits: 1))).",
                                        under: under, perCustomer: under ? response * (rrRef - rr) * mr : 0, gapTotal: under ? (rrRef - rr) * mr * Double(rows.count) : 0))
            }
        }
        let lagging = findings.filter(\.under).sorted { $0.gapTotal > $1.gapTotal }
        guard !lagging.isEmpty else { return nil }
        var rows: [Int] = [], values: [Int64] = []
        for f in lagging {
            let each = Money.units(rounding: f.perCustomer) ?? 0
            for r in byCountry[f.country]!.sorted(by: { t.monetary[$0] > t.monetary[$1] }) { rows.append(r); values.append(each) }
        }
        let value = values.reduce(Int64(0), +)
        let gapTotal = Money.units(rounding: lagging.reduce(0.0) { $0 + $1.gapTotal }) ?? 0
        let names = lagging.map { t.countries.string($0.country) }
        let strong = findings.filter { !$0.under }
        return Recommendation(
            id: id, title: "Lift lagging markets: \(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? " and \(names.count - 3) more" : "")",
            why: lagging.map(\.text) + (strong.isEmpty ? [] : ["Stronger than their reference: " + strong.map { t.countries.string($0.country) }.joined(separator: ", ") + " (no value is put on them)."]),
            who: "customers of the lagging markets (at least \(c.marketMinimumCustomers) customers each, compared with \(home.map { t.countries.string($0) } ?? "all other markets"))",
            rows: rows, reasons: rows.map { "\(t.countryName($0)): \(count(Int(t.frequency[$0]), "order")), \(money(t.monetary[$0]))" },
            value: value,
            valueFormula: "\(c.marketResponsePercent)% (assumed share of the gap closed) x Σ over the lagging markets of customers x the gap per customer (median \(c.valueHorizonMonths)-month pace, or repeat-rate gap x the reference's median pace) = \(c.marketResponsePercent)% x \(money(gapTotal)) = \(money(value))",
            priority: .medium,
            timing: "Next planning cycle: compare delivery times, prices and assortment with the reference market for these customers.",
            success: "The median pace or repeat rate of these markets against the reference, quarter on quarter.",
            customerValues: values)
    }

    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return 0 }
        let s = v.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// Whether the sign of median(a) - median(b) holds in at least 97.5% of 400 bootstrap resamples (groups larger
    /// than 1,000 are first subsampled to 1,000, seeded).
    static func medianGapHolds(_ a: [Double], _ b: [Double], rng: inout SplitMix64) -> Bool {
        func cap(_ v: [Double]) -> [Double] {
            guard v.count > 1_000 else { return v }
            var idx = Array(v.indices)
            for i in 0..<1_000 { idx.swapAt(i, i + Int(rng.next() % UInt64(v.count - i))) }
            return idx.prefix(1_000).map { v[$0] }
        }
        let x = cap(a), y = cap(b)
        let sign = median(a) < median(b)
        var agree = 0
        let rounds = 400
        for _ in 0..<rounds {
            let rx = (0..<x.count).map { _ in x[Int(rng.next() % UInt64(x.count))] }
            let ry = (0..<y.count).map { _ in y[Int(rng.next() % UInt64(y.count))] }
            let mx = median(rx), my = median(ry)
            if mx != my && (mx < my) == sign { agree += 1 }
        }
        return Double(agree) >= 0.975 * Double(rounds)
    }
}

/// Seasonality of acquisition: calendar months that bring markedly more new customers than the average month (over
/// all years), observed at least twice, above the average in every year and by at least 3 Poisson standard
/// deviations in total (not noise). Opportunity = the peak months' new customers x first-year revenue per new customer x 10% (the
/// assumed gain of preparing acquisition ahead of the peak). Fires when the data spans at least 12 months, customers
/// are acquired in at least 9 calendar months, and some month is a peak. The first month of the data is left out
/// (everyone in it looks new).
public struct AcquisitionSeasonalityRule: RecommendationRule {
    public let id = "acquisition-seasonality"
    public init() {}
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    public func evaluate(_ input: RecommendationInput) -> Recommendation? {
        let a = input.analysis, c = input.config
        let t = a.table
        guard t.count > 0 else { return nil }
        let m = a.monthlyCohorts
        guard m.lastIndex - (m.cohortIndex.first ?? m.lastIndex) >= 11 else { return nil }
        // New customers per calendar month, averaged over the years each month appears in (complete months only).
        var newByMonth = [Int](repeating: 0, count: 12), monthsSeen = [Int](repeating: 0, count: 12)
        var observations = [[Int]](repeating: [], count: 12)
        // The first month of the data is left out: every customer seen in it counts as new, whenever they started.
        let first = m.cohortIndex.first! + 1
        guard first <= m.lastIndex else { return nil }
        for idx in first...m.lastIndex where !m.isIncomplete(index: idx, asOf: a.asOf) {
            let month = ((idx % 12) + 12) % 12
            monthsSeen[month] += 1
            let n = m.cohortIndex.firstIndex(of: idx).map { m.counts[$0][0] } ?? 0
            newByMonth[month] += n
            observations[month].append(n)
        }
        // Acquisition must be ongoing (new customers in at least 9 calendar months): a data set that is one intake
        // of customers (like CDNOW's) has no seasonality to speak of.
        guard (0..<12).filter({ newByMonth[$0] > 0 }).count >= 9 else { return nil }
        // A calendar month observed once is not a season: at least two complete observations of it are needed.
        let perMonth = (0..<12).map { monthsSeen[$0] > 0 ? Double(newByMonth[$0]) / Double(monthsSeen[$0]) : 0 }
        let seen = perMonth.enumerated().filter { monthsSeen[$0.offset] >= 2 }
        guard seen.count >= 9 else { return nil }
        guard !seen.isEmpty else { return nil }
        // The typical month is the median month (robust to months where acquisition paused or spiked).
        let sortedSeen = seen.map(\.element).sorted()
        let average = sortedSeen.count % 2 == 1 ? sortedSeen[sortedSeen.count / 2] : (sortedSeen[sortedSeen.count / 2 - 1] + sortedSeen[sortedSeen.count / 2]) / 2
        // A peak must be larger than noise: every year's observation of the month above the average month, and the
        // month's total at least 3 Poisson standard deviations above what the average month would give.
        let peaks = seen.filter { month in
            let expected = average * Double(monthsSeen[month.offset])
            return month.element >= average * c.seasonalityPeakRatio
                && observations[month.offset].allSatisfy { Double($0) > average }
                && (Double(newByMonth[month.offset]) - expected) / expected.squareRoot() >= 3
        }.map(\.offset)
        guard !peaks.isEmpty, average > 0 else { return nil }
        // First-year revenue per new customer: cohort revenue of offsets 0...11 over cohort size, complete cohorts.
        // A new customer's revenue by month since its first order (offsets 0...11), from cohorts with a full year
        // observed (and not the data's first month).
        var byOffset = [Int64](repeating: 0, count: 12), size = 0
        for (row, idx) in m.cohortIndex.enumerated() where m.lastIndex - idx >= 12 && idx >= first {
            for k in 0..<12 { byOffset[k] += k < m.revenue[row].count ? m.revenue[row][k] : 0 }
            size += m.counts[row][0]
        }
        guard size > 0 else { return nil }
        let firstYear = byOffset.reduce(0, +) / Int64(size)
        // Within the value horizon a peak cohort brings only the months left after it starts: the next October seen
        // from a November as-of date is 11 months away and brings one month of revenue within 12 months.
        let asOfMonth = CivilDate.civil(a.asOf).month - 1
        let horizon = c.valueHorizonMonths
        var withinHorizon: [Int: Double] = [:]   // per peak month: revenue per new customer within the horizon
        for p in peaks {
            var start = (p - asOfMonth + 12) % 12, total = 0.0
            while start < horizon {
                let months = min(12, horizon - start)
                total += Double(byOffset.prefix(months).reduce(0, +)) / Double(size)
                start += 12
            }
            withinHorizon[p] = total
        }
        let peakNew = peaks.reduce(0.0) { $0 + perMonth[$1] }
        let gross = peaks.reduce(0.0) { $0 + perMonth[$1] * withinHorizon[$1]! }
        let value = Money.units(rounding: gross * Double(c.seasonalityGainPercent) / 100) ?? 0
        let peakSet = Set(peaks)
        let recent = (0..<t.count).filter { peakSet.contains(CivilDate.civil(Int(t.firstPurchase[$0])).month - 1) }
            .sorted { t.firstPurchase[$0] > t.firstPurchase[$1] }
        let names = peaks.map { Self.monthNames[$0] }
        return Recommendation(
            id: id, title: "Prepare acquisition ahead of \(names.joined(separator: ", "))",
            why: [peaks.map { "\(Self.monthNames[$0]) brings \(DisplayFormat.decimal(perMonth[$0], digits: 0)) new customers on average (\(DisplayFormat.decimal(perMonth[$0] / average, digits: 1))x)" }.joined(separator: "; ")
                  + " against \(DisplayFormat.decimal(average, digits: 0)) in the typical (median) month.",
                  "A new customer brings \(money(firstYear)) in its first year."],
            who: "customers acquired in the peak months (to study what brought them), newest first", rows: recent,
            reasons: recent.map { "first order \(DisplayFormat.date(Int(t.firstPurchase[$0])))" },
            value: value,
            valueFormula: "Σ over the peak months of their new customers x what a new customer brings within the next \(horizon) months (" + peaks.map { "\(Self.monthNames[$0]): \(DisplayFormat.decimal(perMonth[$0], digits: 0)) x \(money(Money.units(rounding: withinHorizon[$0]!) ?? 0))" }.joined(separator: "; ") + "; \(DisplayFormat.decimal(peakNew, digits: 0)) new customers in all, from the revenue by month since the first order of full-year cohorts) x \(c.seasonalityGainPercent)% (assumed gain from preparing early) = \(money(value))",
            priority: .low,
            timing: "Set budgets and stock 4-6 weeks before \(names.first!); follow up each peak cohort in its second month.",
            success: "New customers and their month-1 retention in the next peak against this year's.")
    }
}
