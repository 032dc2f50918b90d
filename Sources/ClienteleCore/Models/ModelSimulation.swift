import Foundation

/// Simulation of calibration summaries from known model parameters (parameter-recovery tests, benchmarks).
public enum ModelSimulation {
    /// Customers from the BG/NBD process (FHL 2005, section 3): λ ~ Gamma(r, α), p ~ Beta(a, b); purchases
    /// follow a Poisson process with rate λ, and after each repeat purchase the customer drops out with
    /// probability p. `ages` gives each customer's T. With `resolution`, t_x and T are rounded down to its
    /// multiples (e.g. 1/7 week: whole days), which makes many rows identical, as in real data.
    public static func betaGeo(_ model: BetaGeoModel, ages: [Double], seed: UInt64, resolution: Double? = nil)
        -> (x: [Double], tx: [Double], T: [Double]) {
        geometricDropout(r: model.r, alpha: model.alpha, a: model.a, b: model.b, dropAtStart: false,
                         ages: ages, seed: seed, resolution: resolution)
    }

    /// The BG/NBD process, and with `dropAtStart` the MBG/NBD one (a drop-out draw also right after the first
    /// purchase; without it no extra random number is drawn, so BG/NBD streams are unchanged).
    static func geometricDropout(r: Double, alpha: Double, a: Double, b: Double, dropAtStart: Bool, ages: [Double],
                                 seed: UInt64, resolution: Double?) -> (x: [Double], tx: [Double], T: [Double]) {
        var rng = SplitMix64(seed: seed)
        var xs = [Double](), txs = [Double](), ts = [Double]()
        xs.reserveCapacity(ages.count); txs.reserveCapacity(ages.count); ts.reserveCapacity(ages.count)
        for age in ages {
            let lambda = rng.gamma(shape: r, rate: alpha)
            let p = rng.beta(a, b)
            var t = 0.0, x = 0.0, tx = 0.0
            if !dropAtStart || rng.uniform() >= p {
                while true {
                    t += rng.exponential(rate: lambda)
                    if t > age { break }
                    x += 1; tx = t
                    if rng.uniform() < p { break }
                }
            }
            var T = age
            if let res = resolution { T = (T / res).rounded(.down) * res; tx = min(T, (tx / res).rounded(.down) * res) }
            xs.append(x); txs.append(tx); ts.append(T)
        }
        return (xs, txs, ts)
    }
}

extension ModelSimulation {
    /// Customers from the MBG/NBD process (Batislam et al. 2007): as ``betaGeo(_:ages:seed:resolution:)`` but the
    /// customer may also drop out at time 0, right after the first purchase, with probability p.
    public static func modifiedBetaGeo(_ model: ModifiedBetaGeoModel, ages: [Double], seed: UInt64, resolution: Double? = nil)
        -> (x: [Double], tx: [Double], T: [Double]) {
        geometricDropout(r: model.r, alpha: model.alpha, a: model.a, b: model.b, dropAtStart: true,
                         ages: ages, seed: seed, resolution: resolution)
    }

    /// Whole order histories in days from the BG/NBD (or, with `modified`, MBG/NBD) process with rates per day:
    /// customer i places a first order on `firstDays[i]`, then orders as the model says until `endDay`; orders
    /// falling on the same day count once. `oneOrderShare` of the customers (drawn at random) never order again
    /// (a "many stop for good after one order" population on top of the model). Amounts are log-normal around
    /// a per-customer mean.
    public static func betaGeoHistories(r: Double, alphaDays: Double, a: Double, b: Double, modified: Bool = false,
                                        firstDays: [Int], endDay: Int, oneOrderShare: Double = 0, seed: UInt64) -> [OrderHistory] {
        var rng = SplitMix64(seed: seed)
        return firstDays.map { first in
            let lambda = rng.gamma(shape: r, rate: alphaDays)
            let p = rng.beta(a, b)
            let meanAmount = exp(3.5 + 0.5 * rng.normal())
            var days = [first]
            let stopsAtOnce = rng.uniform() < oneOrderShare || (modified && rng.uniform() < p)
            if !stopsAtOnce {
                var t = Double(first)
                while true {
                    t += rng.exponential(rate: lambda)
                    let day = Int(t.rounded(.down))
                    if day > endDay { break }
                    days.append(day)
                    if rng.uniform() < p { break }
                }
            }
            let amounts = days.map { _ in meanAmount * exp(0.3 * rng.normal()) }
            return OrderHistory(days: days, amounts: amounts)
        }
    }
}

extension ModelSimulation {
    /// Whole order histories in days from the Pareto/NBD process with rates per day: λ ~ Gamma(r, α),
    /// μ ~ Gamma(s, β), lifetime ~ Exponential(μ) from the first order on `firstDays[i]`, Poisson orders at rate λ
    /// while alive, up to `endDay`; orders falling on the same day count once.
    public static func paretoHistories(r: Double, alphaDays: Double, s: Double, betaDays: Double,
                                       firstDays: [Int], endDay: Int, seed: UInt64) -> [OrderHistory] {
        var rng = SplitMix64(seed: seed)
        return firstDays.map { first in
            let lambda = rng.gamma(shape: r, rate: alphaDays)
            let mu = rng.gamma(shape: s, rate: betaDays)
            let death = Double(first) + rng.exponential(rate: mu)
            let meanAmount = exp(3.5 + 0.5 * rng.normal())
            var days = [first]
            var t = Double(first)
            while true {
                t += rng.exponential(rate: lambda)
                let day = Int(t.rounded(.down))
                if t > death || day > endDay { break }
                days.append(day)
            }
            let amounts = days.map { _ in meanAmount * exp(0.3 * rng.normal()) }
            return OrderHistory(days: days, amounts: amounts)
        }
    }
}

extension ModelSimulation {
    /// Simulated histories as an Online Retail II export (one line per order day: invoice, stock code, description,
    /// quantity 1, date at 10:00, price = the amount rounded to cents, customer "C<index>", country), keeping the
    /// orders on or before `through`. Day numbers are days since 1970-01-01.
    public static func retailCSV(_ histories: [OrderHistory], through: Int = .max, country: String = "United Kingdom") -> String {
        var out = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        var invoice = 100_000
        for (i, h) in histories.enumerated() {
            for (d, amount) in zip(h.days, h.amounts) where d <= through {
                invoice += 1
                let cents = max(1, Int((amount * 100).rounded()))
                out += "\(invoice),X1,Item,1,\(CivilDate.format(d)) 10:00,\(cents / 100).\(String(format: "%02d", cents % 100)),C\(i),\(country)\n"
            }
        }
        return out
    }
}
