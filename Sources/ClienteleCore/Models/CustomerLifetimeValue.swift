import Foundation

/// Churn risk (the chance of no order in the next H days, ``ChurnModel``) in four bands of equal width.
///
/// Thresholds: low < 0.25 <= medium < 0.5 <= high < 0.75 <= very high. Fixed probability cut-offs rather than
/// data quantiles, so that a band means the same on every data set and as-of date (a quantile band would call
/// a quarter of any base "very high" even if everyone is active). 0.5 is the natural decision point (more likely than
/// not to place no order in the horizon); the quarter points split each side into a "watch" band and a clear band.
public enum ChurnRiskBand: String, Sendable, CaseIterable, Codable, Comparable {
    case low, medium, high, veryHigh = "very_high"

    public static let thresholds: [Double] = [0.25, 0.5, 0.75]

    public init(risk: Double) {
        if risk < 0.25 { self = .low } else if risk < 0.5 { self = .medium } else if risk < 0.75 { self = .high } else { self = .veryHigh }
    }

    public static func < (a: ChurnRiskBand, b: ChurnRiskBand) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Options of the customer lifetime value.
public struct CLVOptions: Sendable {
    /// Horizon in months.
    public var horizonMonths = 12
    /// Monthly discount rate d: month m is discounted by (1 + d)^m.
    public var monthlyDiscountRate = 0.01
    /// Share of revenue that is profit (1 = revenue-based CLV).
    public var margin = 1.0
    public init(horizonMonths: Int = 12, monthlyDiscountRate: Double = 0.01, margin: Double = 1) {
        self.horizonMonths = horizonMonths; self.monthlyDiscountRate = monthlyDiscountRate; self.margin = margin
    }
}

/// Customer lifetime value from a transaction model and the Gamma-Gamma spend model, after Fader, Hardie & Lee
/// (2005, JMR) section 4, with a discrete monthly sum instead of their continuous discounted expected
/// transactions:
///
///     CLV = margin · E(M | x, z̄) · Σ_{m=1..H} (E[Y(m·L) | x, t_x, T] - E[Y((m-1)·L) | x, t_x, T]) / (1 + d)^m
///
/// where L is one month (365.25/12 days) in the model's time unit and E(M) is the Gamma-Gamma expected order
/// value (the population mean for customers without repeat purchases).
public enum CustomerLifetimeValue {
    /// Length of a month in days.
    public static let daysPerMonth = 365.25 / 12

    /// Expected purchases in each month of the horizon (differences of cumulative expected purchases).
    public static func monthlyPurchases(model: any PurchaseModel, x: Double, tx: Double, T: Double, timeUnit: ModelTimeUnit,
                                        months: Int) -> [Double] {
        let month = daysPerMonth / timeUnit.days
        var previous = 0.0
        return (0..<max(0, months)).map { m in
            let cumulative = model.expectedPurchases(in: Double(m + 1) * month, x: x, tx: tx, T: T)
            defer { previous = max(previous, cumulative) }
            return max(0, cumulative - previous)
        }
    }

    /// The discount factor of each month of the horizon: 1 / (1 + d)^m, m = 1 ... H.
    public static func discountFactors(_ options: CLVOptions) -> [Double] {
        (0..<max(0, options.horizonMonths)).map { 1 / pow(1 + options.monthlyDiscountRate, Double($0 + 1)) }
    }

    /// Σ over the months of the horizon of expected purchases in month m × discount factor m (`discount` from
    /// ``discountFactors(_:)``, one per month).
    public static func discountedPurchases(model: any PurchaseModel, x: Double, tx: Double, T: Double, timeUnit: ModelTimeUnit,
                                           discount: [Double]) -> Double {
        var total = 0.0
        for (m, purchases) in monthlyPurchases(model: model, x: x, tx: tx, T: T, timeUnit: timeUnit,
                                               months: discount.count).enumerated() {
            total += purchases * discount[m]
        }
        return total
    }

    /// Discounted value over the horizon of one customer.
    public static func value(model: any PurchaseModel, spend: GammaGammaModel, x: Double, tx: Double, T: Double,
                             meanSpend: Double, timeUnit: ModelTimeUnit, options: CLVOptions = CLVOptions()) -> Double {
        let orderValue = x > 0 && meanSpend > 0 ? spend.expectedOrderValue(x: x, meanSpend: meanSpend) : spend.populationMeanOrderValue
        return options.margin * orderValue * discountedPurchases(model: model, x: x, tx: tx, T: T, timeUnit: timeUnit,
                                                                 discount: discountFactors(options))
    }

    /// Per-customer predictions for every row of a summary (rows in the summary's order), in parallel.
    public static func predictions(summary: PurchaseSummary, model: any PurchaseModel, spend: GammaGammaModel,
                                   options: CLVOptions = CLVOptions()) -> CustomerPredictions {
        let n = summary.count
        let horizon = Double(options.horizonMonths) * daysPerMonth / summary.timeUnit.days
        let chunks = FitSupport.chunked(n, minimumPerChunk: 2048) { range -> [(Double, Double, Double, Double)] in
            range.map { i in
                let x = summary.x(i), tx = summary.tx(i), T = summary.age(i), z = summary.meanRepeatSpend(i)
                let alive = model.probabilityAlive(x: x, tx: tx, T: T)
                let purchases = model.expectedPurchases(in: horizon, x: x, tx: tx, T: T)
                let orderValue = x > 0 && z > 0 ? spend.expectedOrderValue(x: x, meanSpend: z) : spend.populationMeanOrderValue
                let clv = value(model: model, spend: spend, x: x, tx: tx, T: T, meanSpend: z, timeUnit: summary.timeUnit, options: options)
                return (alive, purchases, orderValue, clv)
            }
        }
        var p = CustomerPredictions(options: options)
        p.probabilityAlive.reserveCapacity(n)
        for chunk in chunks {
            for (alive, purchases, orderValue, clv) in chunk {
                p.probabilityAlive.append(alive)
                p.expectedPurchases.append(purchases)
                p.expectedOrderValue.append(orderValue)
                p.lifetimeValue.append(clv)
            }
        }
        return p
    }
}

/// Per-customer predictions (rows of an ``PurchaseSummary``).
public struct CustomerPredictions: Sendable {
    public var options: CLVOptions
    public var probabilityAlive: [Double] = []
    /// Expected purchases over the CLV horizon.
    public var expectedPurchases: [Double] = []
    /// Gamma-Gamma expected order value (currency units).
    public var expectedOrderValue: [Double] = []
    /// Discounted CLV over the horizon (currency units).
    public var lifetimeValue: [Double] = []

    public var count: Int { probabilityAlive.count }
    public func churnRisk(_ i: Int) -> Double { 1 - probabilityAlive[i] }
    public func riskBand(_ i: Int) -> ChurnRiskBand { ChurnRiskBand(risk: churnRisk(i)) }
}
