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
        let model = input.churn
        // RFM's at-risk segments, and with a fitted model also Gold and Platinum customers whose churn risk (chance of
        // no order in the model's horizon) is 50% or more.
        let rows = (0..<a.table.count).filter { r in
            let tierOK = (tierOrder.firstIndex(of: a.tier[r]) ?? 0) >= minIndex
            let rfm = c.winBackSegments.contains(a.segment[r]) && tierOK
            let predicted = model.map { m in m.churnRisk(r) >= 0.5 && (a.tier[r] == .gold || a.tier[r] == .platinum) } ?? false
            return rfm || predicted
        }.sorted { a.table.monetary[$0] > a.table.monetary[$1] }
        guard !rows.isEmpty else { return nil }
        // Without a model: the next 12 months at the past pace. With one: the same, weighted by the churn risk.
        let value = rows.reduce(Int64(0)) { sum, r in
            let pace = input.runRate(r, months: c.valueHorizonMonths)
            return sum + (model.map { Money.units(rounding: Double(pace) * $0.churnRisk(r)) ?? 0 } ?? pace)
        }
        let past = rows.reduce(Int64(0)) { $0 + a.table.monetary[$1] }
        let recency = lowerMedian(rows.map { a.table.recencyDays($0) }) ?? 0
        let freq = lowerMedian(rows.map { Int(a.table.frequency[$0]) }) ?? 0
        let segments = c.winBackSegments.map(\.rawValue).sorted().joined(separator: " and ")
        var why = ["\(count(rows.count, "customer")) are \(segments) customers of tier \(c.winBackMinimumTier.rawValue) or above\(model == nil ? "" : ", or Gold/Platinum customers whose \(model!.riskWords) is 50% or more (\(model!.riskModel?.rawValue ?? "churn model"))"): they have spent \(money(past)) (\(pct(ExactRatio.value(past, a.kpis.totalRevenue))) of revenue).",
                   "Their median customer placed \(count(freq, "order")) but has not ordered for \(DisplayFormat.days(recency))."]
        if let model {
            let meanRisk = rows.reduce(0.0) { $0 + model.churnRisk($1) } / Double(rows.count)
            why.append("The churn model (\(model.riskModel?.rawValue ?? "")) gives them a mean \(model.riskWords) of \(pct(meanRisk)).")
        }
        return Recommendation(
            id: id, title: "Win back \(count(rows.count, "high-value customer")) who have gone quiet",
            why: why,
            who: "\(segments) customers in tier \(c.winBackMinimumTier.rawValue) or above\(model == nil ? "" : ", and Gold/Platinum customers with a churn risk of 50% or more"), largest spenders first",
            rows: rows,
            reasons: rows.map { r in "\(a.segment[r].rawValue), \(a.tier[r].rawValue): \(count(Int(a.table.frequency[r]), "order")), last \(DisplayFormat.days(a.table.recencyDays(r))) ago" + (model.map { ", \($0.riskWords) \(pct($0.churnRisk(r)))" } ?? "") },
            value: value,
            valueFormula: model == nil
                ? "sum over these customers of net revenue x \(c.valueHorizonMonths) months / max(tenure, \(c.valueHorizonMonths) months): their next \(c.valueHorizonMonths) months of revenue at their past pace"
                : "sum over these customers of churn risk (\(model!.riskWords), \(model!.riskModel?.rawValue ?? "")) x their next \(c.valueHorizonMonths) months of revenue at their past pace (net revenue x \(c.valueHorizonMonths) months / max(tenure, \(c.valueHorizonMonths) months))",
            priority: rows.count >= 10 || value >= a.kpis.totalRevenue / 20 ? .high : .medium,
            timing: "Now: a personal offer or call within 2 weeks, before they drift into Hibernating.",
            success: "Share of these customers with a new order within 60 days (compare with a held-out 10%), and their revenue.")
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
        guard !rows.isEmpty else { return nil }
        let value = rows.reduce(Int64(0)) { $0 + input.runRate($1, months: c.valueHorizonMonths) }
        return Recommendation(
            id: id, title: "Keep the \(count(rows.count, "Champion")) close",
            why: ["Champions are \(pct(ExactRatio.value(rows.count, a.table.count))) of customers and bring \(DisplayFormat.percent((a.kpis.championsRevenueSharePct ?? 0) / 100)) of revenue (\(money(a.kpis.championsRevenue))).",
                  "Their median customer ordered \(DisplayFormat.days(lowerMedian(rows.map { a.table.recencyDays($0) }) ?? 0)) ago and has placed \(lowerMedian(rows.map { Int(a.table.frequency[$0]) }) ?? 0) orders."],
            who: "all Champions, largest spenders first", rows: rows,
            reasons: rows.map { "Champion: \(count(Int(a.table.frequency[$0]), "order")), \(money(a.table.monetary[$0]))" },
            value: value,
            valueFormula: "sum over Champions of net revenue x \(c.valueHorizonMonths) months / max(tenure, \(c.valueHorizonMonths) months): their next \(c.valueHorizonMonths) months at their past pace",
            priority: (a.kpis.championsRevenueSharePct ?? 0) >= 20 ? .high : .medium,
            timing: "Ongoing: early access, thank-you notes and service priority; review every quarter.",
            success: "Share of today's Champions still Champions next quarter; their order frequency.")
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
        guard let drop = m.biggestDropOff(asOf: a.asOf), let aov = a.kpis.averageOrderValue else { return nil }
        let rows = (0..<a.table.count).filter { a.table.frequency[$0] == 1 && a.table.tenureDays($0) <= c.newBuyerWindowDays }
            .sorted { a.table.firstPurchase[$0] > a.table.firstPurchase[$1] }
        guard !rows.isEmpty else { return nil }
        let value = Money.clamped(Int128(rows.count) * Int128(aov) * Int128(c.secondOrderUpliftPercent) / 100)
        let repeatRate = a.kpis.repeatCustomerRate
        return Recommendation(
            id: id, title: "Turn \(count(rows.count, "new buyer")) into repeat customers before month \(drop.offset)",
            why: ["Retention falls most between month \(drop.offset - 1) and month \(drop.offset) after the first order: from \(pct(drop.before)) to \(pct(drop.after)) of a cohort on average.",
                  "\(count(rows.count, "customer")) placed their first and only order in the last \(c.newBuyerWindowDays) days; overall \(pct(repeatRate)) of customers ever order twice."],
            who: "customers with exactly one order, placed in the last \(c.newBuyerWindowDays) days, newest first", rows: rows,
            reasons: rows.map { "first order \(DisplayFormat.days(a.table.tenureDays($0))) ago, \(money(a.table.monetary[$0]))" },
            value: value,
            valueFormula: "customers x average order value (\(money(aov))) x \(c.secondOrderUpliftPercent) points more of them placing a second order",
            priority: .high,
            timing: "Within \(max(1, drop.offset)) month\(drop.offset > 1 ? "s" : "") of the first order: a welcome series and a second-order incentive around week 3.",
            success: "Month-\(drop.offset) retention of the next cohorts against the average of \(pct(drop.after)).")
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
        var rows: [Int] = [], reasons: [String] = []
        for g in gaps {
            for r in g.nearRows.sorted(by: { a.table.monetary[$0] > a.table.monetary[$1] }) {
                rows.append(r)
                reasons.append("\(g.from.rawValue): \(money(g.threshold - a.table.monetary[r])) short of \(g.to.rawValue)")
            }
        }
        let value = Money.clamped(gaps.reduce(Int128(0)) { $0 + Int128($1.revenueToLift) })
        return Recommendation(
            id: id, title: "Move \(count(rows.count, "customer")) up a value tier",
            why: gaps.map { "\(count($0.nearRows.count, "\($0.from.rawValue) customer")) have at least \(c.tierNearSharePercent)% of \($0.to.rawValue)'s entry revenue (\(money($0.threshold))); a \($0.to.rawValue) customer spends \(money($0.averageGap)) more on average." },
            who: "customers within \(100 - c.tierNearSharePercent)% of the next tier's entry revenue", rows: rows, reasons: reasons,
            value: value, valueFormula: "sum over these customers of (next tier's entry revenue - their revenue)",
            priority: .medium,
            timing: "Next campaign: bundles or a threshold offer sized to each customer's gap.",
            success: "Customers who reach the next tier within 90 days, and the revenue gained.")
    }
}

/// Revenue concentration risk: fires when the top 1% of customers hold at least the configured share or the Gini
/// is at least the configured value. Value at stake = the revenue of the top 1%.
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
        let value = rows.reduce(Int64(0)) { $0 + max(0, a.table.monetary[$1]) }
        return Recommendation(
            id: id, title: "Reduce dependence on the top \(count(k, "customer"))",
            why: ["The top 1% of customers hold \(pct(top1)) of revenue and the top 20% hold \(pct(conc.top20)); the Gini coefficient is \(DisplayFormat.decimal(gini, digits: 2)) (thresholds: \(c.concentrationTop1Percent)% or \(DisplayFormat.decimal(c.concentrationGini, digits: 2)))."],
            who: "the top 1% of customers by revenue", rows: rows,
            reasons: rows.map { "\(money(a.table.monetary[$0])) (\(pct(ExactRatio.value(a.table.monetary[$0], a.kpis.totalRevenue))) of revenue)" },
            value: value, valueFormula: "revenue of the top 1% of customers: what a few departures would put at risk",
            priority: top1 >= 0.25 ? .high : .medium,
            timing: "This quarter: account management for these customers, and growth of the Gold and Silver tiers.",
            success: "Top-1% share of revenue falling while total revenue holds.")
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
        for r in 0..<t.count where a.segment[r] == .hibernating {
            let aov = t.monetary[r] / Int64(max(1, t.frequency[r]))
            let expected = aov * Int64(c.reactivationRatePercent) / 100
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
            why: ["\(count(all, "customer")) are Hibernating; for \(DisplayFormat.integer(rows.count)) of them the expected return of one contact (\(c.reactivationRatePercent)% reactivation x their average order value) exceeds the contact cost of \(money(c.contactCost)).",
                  "The others (\(DisplayFormat.integer(all - rows.count))) are not worth contacting at that cost."],
            who: "Hibernating customers whose expected return exceeds the contact cost, best first", rows: rows,
            reasons: zip(rows, net).map { "expected net return \(money($1)), last order \(DisplayFormat.days(t.recencyDays($0))) ago" },
            value: value,
            valueFormula: "sum over these customers of (\(c.reactivationRatePercent)% x average order value - contact cost \(money(c.contactCost)))",
            priority: .low,
            timing: "Next low-cost channel slot (email); one attempt, then suppress non-responders for 6 months.",
            success: "Orders from contacted vs held-out hibernating customers within 30 days, against the \(c.reactivationRatePercent)% assumed.")
    }
}

/// Markets whose repeat rate or revenue per customer differs markedly (by the configured ratio) from the rest of
/// the customers. For an under-performing market, value = customers x (the rest's revenue per customer - the
/// market's); for an out-performing one, the same gap is what the rest would gain at its level (not summed).
public struct MarketsRule: RecommendationRule {
    public let id = "markets"
    public init() {}

    public func evaluate(_ input: RecommendationInput) -> Recommendation? {
        let a = input.analysis, c = input.config
        let t = a.table
        guard t.count > 0 else { return nil }
        var customers = [Int32: Int](), repeaters = [Int32: Int](), revenue = [Int32: Int64]()
        for r in 0..<t.count {
            let k = t.country[r]
            guard k >= 0 else { continue }
            customers[k, default: 0] += 1
            if t.frequency[r] >= 2 { repeaters[k, default: 0] += 1 }
            revenue[k, default: 0] += t.monetary[r]
        }
        let totalCustomers = customers.values.reduce(0, +), totalRepeat = repeaters.values.reduce(0, +)
        let totalRevenue = revenue.values.reduce(0, +)
        var findings: [(country: Int32, text: String, value: Int64, under: Bool)] = []
        for (k, n) in customers where n >= c.marketMinimumCustomers && totalCustomers - n >= c.marketMinimumCustomers {
            let restN = totalCustomers - n
            let rpc = Double(revenue[k, default: 0]) / Double(n)
            let restRpc = Double(totalRevenue - revenue[k, default: 0]) / Double(restN)
            let rr = Double(repeaters[k, default: 0]) / Double(n)
            let restRr = Double(totalRepeat - repeaters[k, default: 0]) / Double(restN)
            let name = t.countries.string(k)
            if restRpc > 0, rpc > 0, rpc / restRpc >= c.marketRatio || restRpc / rpc >= c.marketRatio {
                let under = rpc < restRpc
                findings.append((k, "\(name): revenue per customer \(DisplayFormat.money(Money.units(rounding: rpc))) vs \(DisplayFormat.money(Money.units(rounding: restRpc))) elsewhere (\(DisplayFormat.integer(n)) customers).",
                                 Money.units(rounding: abs(restRpc - rpc) * Double(n)) ?? 0, under))
            } else if restRr > 0, rr > 0, rr / restRr >= c.marketRatio || restRr / rr >= c.marketRatio {
                let under = rr < restRr
                let gapValue = Money.units(rounding: abs(restRr - rr) * Double(n) * restRpc) ?? 0
                findings.append((k, "\(name): \(pct(rr)) of customers order again vs \(pct(restRr)) elsewhere (\(DisplayFormat.integer(n)) customers).", gapValue, under))
            }
        }
        guard !findings.isEmpty else { return nil }
        findings.sort { $0.value > $1.value }
        let flagged = Set(findings.map(\.country))
        let rows = (0..<t.count).filter { flagged.contains(t.country[$0]) }.sorted { t.monetary[$0] > t.monetary[$1] }
        let value = findings.filter(\.under).reduce(Int64(0)) { $0 + $1.value }
        let underNames = findings.filter(\.under).map { t.countries.string($0.country) }
        let overNames = findings.filter { !$0.under }.map { t.countries.string($0.country) }
        var title = "Act on \(count(findings.count, "market")) that behave differently"
        if !underNames.isEmpty && overNames.isEmpty { title = "Lift under-performing markets: \(underNames.prefix(3).joined(separator: ", "))" }
        if underNames.isEmpty && !overNames.isEmpty { title = "Learn from strong markets: \(overNames.prefix(3).joined(separator: ", "))" }
        return Recommendation(
            id: id, title: title, why: findings.map(\.text),
            who: "customers of the markets listed (countries with at least \(c.marketMinimumCustomers) customers whose figures differ by \(DisplayFormat.decimal(c.marketRatio, digits: 1))x or more from the rest)",
            rows: rows, reasons: rows.map { "\(t.countryName($0)): \(count(Int(t.frequency[$0]), "order")), \(money(t.monetary[$0]))" },
            value: value,
            valueFormula: "for each under-performing market: customers x (rest's revenue per customer - the market's), or customers x repeat-rate gap x rest's revenue per customer",
            priority: value > 0 ? .medium : .low,
            timing: "Next planning cycle: check delivery, pricing and assortment in these markets; copy what works in the strong ones.",
            success: "The gap in revenue per customer or repeat rate against the rest, quarter on quarter.")
    }
}

/// Seasonality of acquisition: calendar months that bring markedly more new customers than the average month (over
/// all years). Opportunity = the peak months' new customers x first-year revenue per new customer x 10% (the
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
        // The first month of the data is left out: every customer seen in it counts as new, whenever they started.
        let first = m.cohortIndex.first! + 1
        guard first <= m.lastIndex else { return nil }
        for idx in first...m.lastIndex where !m.isIncomplete(index: idx, asOf: a.asOf) {
            let month = ((idx % 12) + 12) % 12
            monthsSeen[month] += 1
            if let row = m.cohortIndex.firstIndex(of: idx) { newByMonth[month] += m.counts[row][0] }
        }
        // Acquisition must be ongoing (new customers in at least 9 calendar months): a data set that is one intake
        // of customers (like CDNOW's) has no seasonality to speak of.
        guard (0..<12).filter({ newByMonth[$0] > 0 }).count >= 9 else { return nil }
        let perMonth = (0..<12).map { monthsSeen[$0] > 0 ? Double(newByMonth[$0]) / Double(monthsSeen[$0]) : 0 }
        let seen = perMonth.enumerated().filter { monthsSeen[$0.offset] > 0 }
        guard !seen.isEmpty else { return nil }
        let average = seen.reduce(0) { $0 + $1.element } / Double(seen.count)
        let peaks = seen.filter { $0.element >= average * c.seasonalityPeakRatio }.map(\.offset)
        guard !peaks.isEmpty, average > 0 else { return nil }
        // First-year revenue per new customer: cohort revenue of offsets 0...11 over cohort size, complete cohorts.
        var rev: Int64 = 0, size = 0
        for (row, idx) in m.cohortIndex.enumerated() where m.lastIndex - idx >= 12 {
            rev += m.revenue[row].prefix(12).reduce(0, +); size += m.counts[row][0]
        }
        let firstYear = size > 0 ? rev / Int64(size) : (a.kpis.avgRevenuePerCustomer ?? 0)
        let peakNew = peaks.reduce(0.0) { $0 + perMonth[$1] }
        let value = Money.units(rounding: peakNew * Double(firstYear) * 0.10) ?? 0
        let peakSet = Set(peaks)
        let recent = (0..<t.count).filter { peakSet.contains(CivilDate.civil(Int(t.firstPurchase[$0])).month - 1) }
            .sorted { t.firstPurchase[$0] > t.firstPurchase[$1] }
        let names = peaks.map { Self.monthNames[$0] }
        return Recommendation(
            id: id, title: "Prepare acquisition ahead of \(names.joined(separator: ", "))",
            why: peaks.map { "\(Self.monthNames[$0]) brings \(DisplayFormat.decimal(perMonth[$0], digits: 0)) new customers on average, \(DisplayFormat.decimal(perMonth[$0] / average, digits: 1))x the average month (\(DisplayFormat.decimal(average, digits: 0)))." }
                + ["A new customer brings \(money(firstYear)) in its first year."],
            who: "customers acquired in the peak months (to study what brought them), newest first", rows: recent,
            reasons: recent.map { "first order \(DisplayFormat.date(Int(t.firstPurchase[$0])))" },
            value: value,
            valueFormula: "new customers in the peak months per year x first-year revenue per new customer (\(money(firstYear))) x 10% (assumed gain from preparing early)",
            priority: .low,
            timing: "Set budgets and stock 4-6 weeks before \(names.first!); follow up each peak cohort in its second month.",
            success: "New customers and their month-1 retention in the next peak against this year's.")
    }
}
