import ClienteleCore
import ClienteleRender

/// Recommendations: the engine's actions, ranked by expected incremental value, each with its reasoning and customer list.
enum RecommendationsPage {
    static func build(_ ctx: PageContext) -> Page {
        let a = ctx.analysis
        let t = a.table
        let churn = ctx.snapshot.churn
        let actions = ctx.snapshot.recommendations
        var page = Page(id: "recommendations", title: "Recommendations",
                        howToRead: "Actions computed from this selection's data by a set of rules (win-back, protecting Champions, second orders before the drop-off month, tier upgrades, concentration risk, reactivation, markets, acquisition seasonality). A rule appears only when its condition holds in the data. Each action says why (the numbers that triggered it), who (a customer list you can download), its expected incremental value over the value horizon (what it can plausibly add or save: the churn model's risk and value with a stated response assumption from the rules file, never a group's total revenue, and at most each customer's expected value) with the formula and its numbers, when to act and how to measure success. Actions are ranked by that value; the page total counts each customer once, under its highest-ranked action.")
        let total = RecommendationEngine.total(actions)
        let input = ctx.snapshot.recommendationInput
        let expectedAll = (0..<t.count).reduce(Int64(0)) { $0 + input.expectedValue($1) }
        let months = ctx.snapshot.rules.valueHorizonMonths
        page.kpis = [
            KPI(key: "actions", label: "Actions", value: DisplayFormat.integer(actions.count), raw: .int(actions.count)),
            KPI(key: "value_at_stake", label: "Expected incremental value, \(months) months", value: DisplayFormat.compactMoney(total.total),
                raw: .money(total.total), hint: "each customer once, under its top action"),
            KPI(key: "expected_value", label: "Customers' expected value, \(months) months", value: DisplayFormat.compactMoney(expectedAll),
                raw: .money(expectedAll), hint: churn?.model.valueUsable == true ? "\(churn!.model.valueModel?.rawValue ?? "value model") × Gamma-Gamma" : "past pace"),
            KPI(key: "high_priority", label: "High priority", value: DisplayFormat.integer(actions.filter { $0.priority == .high }.count),
                raw: .int(actions.filter { $0.priority == .high }.count)),
        ]
        page.insights = actions.prefix(3).enumerated().map { i, r in
            "#\(i + 1): \(r.title) — \(DisplayFormat.money(r.value)) of expected incremental value over \(months) months (\(Words.plural(r.rows.count, "customer"))). \(r.why.first ?? "")"
        }
        if !actions.isEmpty {
            page.insights.append("Together the actions can plausibly add or save \(DisplayFormat.money(total.total)) over \(months) months, counting each of the \(DisplayFormat.integer(total.customerCount)) customers once (under its highest-ranked action)\(total.total > total.customers ? ", \(DisplayFormat.money(total.total - total.customers)) of it from customers not yet acquired" : ""); today's customers are expected to bring \(DisplayFormat.money(expectedAll)) in that time.")
        }
        if actions.isEmpty { page.insights = ["No rule's condition holds for this selection; widen the filters."] }
        let summary = Table(id: "actions", title: "All actions", columns: [
            .init(key: "rank", label: "#", numeric: true), .init(key: "id", label: "Rule"), .init(key: "title", label: "Action"),
            .init(key: "priority", label: "Priority"), .init(key: "customers", label: "Customers", numeric: true),
            .init(key: "value", label: "Expected value", numeric: true), .init(key: "timing", label: "When"),
        ], rows: actions.enumerated().map { i, r in
            [.int(i + 1), .text(r.id), .link(r.title, href: "#\(r.id)"), .text(r.priority.name), .int(r.rows.count), .money(r.value), .text(r.timing)]
        })
        page.sections = [Section(id: "summary", title: "Ranked by expected incremental value", blocks: [.table(summary)])]
        for (i, r) in actions.enumerated() {
            let card = ActionCard(priority: r.priority.name, value: DisplayFormat.money(r.value), horizonMonths: months,
                                  customers: Words.plural(r.rows.count, "customer"), why: r.why, who: r.who,
                                  formula: r.valueFormula, timing: r.timing, success: r.success)
            let customers = Table(id: r.id, title: "Customers (\(DisplayFormat.integer(r.rows.count)))", columns: [
                .init(key: "customer_id", label: "Customer"), .init(key: "country", label: "Country"), .init(key: "segment", label: "Segment"),
                .init(key: "tier", label: "Tier"), .init(key: "monetary", label: "Revenue", numeric: true),
                .init(key: "recency_days", label: "Days since last order", numeric: true),
                .init(key: "churn_risk", label: "Churn risk, \(churn?.model.horizonDays ?? ctx.snapshot.horizonDays) days", numeric: true), .init(key: "clv_12m", label: "Value, 12 months", numeric: true),
                .init(key: "reason", label: "Reason"),
            ], rows: zip(r.rows, r.reasons).map { row, reason in
                let m = churn?.model
                let alive: Cell = m.map { $0.usable ? .fraction($0.churnRisk(row)) : .empty } ?? .empty
                let clv: Cell = m.map { $0.valueUsable ? PredictiveSections.moneyCell($0.lifetimeValue[row]) : .empty } ?? .empty
                return [.link(t.id(row), href: ctx.customerLink(t.id(row))), .text(t.countryName(row)), .text(a.segment[row].rawValue),
                        .text(a.tier[row].rawValue), .money(t.monetary[row]), .int(t.recencyDays(row)), alive, clv, .text(reason)]
            }, htmlLimit: 10)
            page.sections.append(Section(id: r.id, title: "#\(i + 1) \(r.title)", blocks: [.action(card), .table(customers)]))
        }
        let r = ctx.snapshot.rules
        let settings = Table(id: "settings", title: "Engine settings (thresholds)", columns: [
            .init(key: "setting", label: "Setting"), .init(key: "value", label: "Value", numeric: true), .init(key: "used_by", label: "Used by"),
        ], rows: [
            [.text("win_back_segments"), .figure(r.winBackSegments.map(\.rawValue).sorted().joined(separator: ", ")), .text("win-back")],
            [.text("win_back_minimum_tier"), .figure(r.winBackMinimumTier.rawValue), .text("win-back")],
            [.text("value_horizon_months"), .int(r.valueHorizonMonths), .text("every action's value")],
            [.text("new_buyer_window_days"), .int(r.newBuyerWindowDays), .text("second-order")],
            [.text("second_order_uplift_percent"), .int(r.secondOrderUpliftPercent), .text("second-order")],
            [.text("tier_near_share_percent"), .int(r.tierNearSharePercent), .text("tier-upgrade")],
            [.text("concentration_top1_percent"), .int(r.concentrationTop1Percent), .text("concentration-risk")],
            [.text("concentration_gini"), .decimal(r.concentrationGini, digits: 2), .text("concentration-risk")],
            [.text("contact_cost"), .money(r.contactCost), .text("reactivate-hibernating")],
            [.text("reactivation_rate_percent"), .int(r.reactivationRatePercent), .text("reactivate-hibernating")],
            [.text("market_minimum_customers"), .int(r.marketMinimumCustomers), .text("markets")],
            [.text("market_ratio"), .decimal(r.marketRatio, digits: 2), .text("markets")],
            [.text("seasonality_peak_ratio"), .decimal(r.seasonalityPeakRatio, digits: 2), .text("acquisition-seasonality")],
            [.text("win_back_response_percent"), .int(r.winBackResponsePercent), .text("win-back")],
            [.text("protect_response_percent"), .int(r.protectResponsePercent), .text("protect-champions, concentration-risk")],
            [.text("tier_upgrade_response_percent"), .int(r.tierUpgradeResponsePercent), .text("tier-upgrade")],
            [.text("market_response_percent"), .int(r.marketResponsePercent), .text("markets")],
            [.text("seasonality_gain_percent"), .int(r.seasonalityGainPercent), .text("acquisition-seasonality")],
            [.text("horizon_days"), .int(r.horizonDays), .text("churn risk")],
        ], note: "Change them with a JSON file of these keys: clientele serve --rules rules.json (or report --rules).")
        page.sections.append(Section(id: "settings", title: "Settings", blocks: [.table(settings)]))
        page.extraJSON = [("actions", .array(actions.map { r in
            .object([("id", .string(r.id)), ("title", .string(r.title)), ("priority", .string(r.priority.name.lowercased())),
                     ("value", .money(r.value)), ("value_formula", .string(r.valueFormula)), ("customers", .int(r.rows.count)),
                     ("why", .array(r.why.map { .string($0) })), ("who", .string(r.who)), ("timing", .string(r.timing)),
                     ("success", .string(r.success))])
        }))]
        return page
    }
}
