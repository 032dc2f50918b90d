import Foundation

/// The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987), "Counting your customers: who are they and
/// what will they do next?", Management Science 33(1), 1-24, with the likelihood as derived in Fader, Hardie &
/// Lee (2005), "A note on deriving the Pareto/NBD model and related expressions" (brucehardie.com/notes/009).
///
/// While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); her lifetime is exponential
/// with rate μ ~ Gamma(s, β).
public struct ParetoNBDModel: PurchaseModel, Equatable {
    public var r: Double
    public var alpha: Double
    public var s: Double
    public var beta: Double

    public init(r: Double, alpha: Double, s: Double, beta: Double) {
        self.r = r; self.alpha = alpha; self.s = s; self.beta = beta
    }

    /// The two log terms of the likelihood bracket, FHL note equation (22):
    ///
    ///     L = Γ(r+x) α^r β^s / Γ(r) · { 1/((α+T)^(r+x) (β+T)^s) + s/(r+s+x) · A₀ }
    ///
    /// where, for α >= β,
    ///
    ///     A₀ = ₂F₁(r+s+x, s+1; r+s+x+1; (α-β)/(α+t_x)) / (α+t_x)^(r+s+x)
    ///        - ₂F₁(r+s+x, s+1; r+s+x+1; (α-β)/(α+T)) / (α+T)^(r+s+x)
    ///
    /// and for α < β the same with ₂F₁(r+s+x, r+x; r+s+x+1; (β-α)/(β+y)) and β in place of α (equation 23).
    /// Returns (log of the first term, log of s/(r+s+x) A₀).
    func logTerms(x: Double, tx: Double, T: Double) -> (Double, Double) {
        let l1 = -(r + x) * log(alpha + T) - s * log(beta + T)
        guard tx < T else { return (l1, -.infinity) }
        let rsx = r + s + x
        let maxRate = max(alpha, beta)
        let diff = abs(alpha - beta)
        let second = alpha >= beta ? s + 1 : r + x
        let fTx = SpecialFunctions.hyp2f1(rsx, second, rsx + 1, diff / (maxRate + tx))
        let fT = SpecialFunctions.hyp2f1(rsx, second, rsx + 1, diff / (maxRate + T))
        let ratio = exp(-rsx * (log(maxRate + T) - log(maxRate + tx)))
        let bracket = fTx - fT * ratio
        guard bracket > 0 else { return (l1, -.infinity) }
        let l2 = log(s) - log(rsx) - rsx * log(maxRate + tx) + log(bracket)
        return (l1, l2)
    }

    /// Log-likelihood of one customer (FHL note equation 22).
    public func logLikelihood(x: Double, tx: Double, T: Double) -> Double {
        let (l1, l2) = logTerms(x: x, tx: tx, T: T)
        let head: Double = lgamma(r + x) - lgamma(r) + r * log(alpha) + s * log(beta)
        return head + SpecialFunctions.logAddExp(l1, l2)
    }

    /// Total (weighted) log-likelihood.
    public func logLikelihood(_ data: PurchaseData) -> Double {
        ParetoNBDModel.evaluate([log(r), log(alpha), log(s), log(beta)], data)
    }

    /// P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (α+T)^(r+x) (β+T)^s A₀), FHL note equation (24)
    /// (Schmittlein et al. 1987, equation 11).
    public func probabilityAlive(x: Double, tx: Double, T: Double) -> Double {
        let (l1, l2) = logTerms(x: x, tx: tx, T: T)
        return exp(l1 - SpecialFunctions.logAddExp(l1, l2))
    }

    /// E[Y(t) | x, t_x, T] = (r+x)(β+T) / ((α+T)(s-1)) · [1 - ((β+T)/(β+T+t))^(s-1)] · P(alive),
    /// FHL note equation (25) (Schmittlein et al. 1987, equation 22); the bracket over (s-1) is computed with
    /// expm1 and tends to log((β+T+t)/(β+T)) at s = 1.
    public func expectedPurchases(in t: Double, x: Double, tx: Double, T: Double) -> Double {
        guard t > 0 else { return 0 }
        return (r + x) / (alpha + T) * (beta + T) * ParetoNBDModel.powerTerm(s - 1, log1p(t / (beta + T)))
            * probabilityAlive(x: x, tx: tx, T: T)
    }

    /// E[X(t)] = rβ / (α(s-1)) · [1 - (β/(β+t))^(s-1)], FHL note equation (17) (Schmittlein et al. 1987, eq. 17).
    public func expectedPurchasesNewCustomer(in t: Double) -> Double {
        guard t > 0 else { return 0 }
        return r * beta / alpha * ParetoNBDModel.powerTerm(s - 1, log1p(t / beta))
    }

    /// (1 - exp(-k L)) / k, and L at k = 0.
    static func powerTerm(_ k: Double, _ l: Double) -> Double {
        abs(k) < 1e-12 ? l : -expm1(-k * l) / k
    }

    // MARK: fitting

    /// Maximum-likelihood fit over φ = log(r, α, s, β): BFGS on a central-difference gradient (step 1e-5 on the
    /// log scale), Nelder-Mead fallback; standard errors from the Hessian of -LL by second differences.
    /// Likelihood evaluations one fit may use (a fit on the CDNOW sample takes a few hundred).
    public static let maxEvaluationsPerFit = 4_000
    /// Evaluations after which a search outside e^±14 is stopped as running off (see ``fit(_:options:)``).
    public static let runawayEvaluations = 400

    public static func fit(_ data: PurchaseData, options: Optimizer.Options = Optimizer.Options(),
                           maxEvaluations: Int = maxEvaluationsPerFit) -> ParetoNBDFit {
        let w = data.totalWeight
        var sumX = 0.0, sumT = 0.0
        for i in 0..<data.count { sumX += data.weight[i] * data.x[i]; sumT += data.weight[i] * data.T[i] }
        guard sumX > 0 else {
            return FitSupport.unfitted(ParetoNBDModel(r: .nan, alpha: .nan, s: .nan, beta: .nan),
                                       reason: "no customer made a repeat purchase: the model cannot be fitted", customers: w, rows: data.count)
        }
        let meanT = sumT / w
        let start = [0, log(sumT / sumX), 0, log(meanT)]
        // A deterministic budget of likelihood evaluations: far from the optimum (parameters running away on
        // unusual data) each evaluation can cost thousands of hypergeometric terms per customer, and an unbounded
        // search ran for minutes. Past the budget the objective answers +inf at once and the fit is reported as
        // not converged.
        // A search still far outside the range where a parameter is identified (beyond e^±14, about 1e-6 … 1e6)
        // after `runawayEvaluations` evaluations is running off to a bound (the likelihood is flat that way, e.g. β → ∞
        // when nobody seems to drop out): it is stopped there instead of spending the whole budget.
        let budget = EvaluationBudget(maxEvaluations)
        var ranOff = false
        let f: ([Double]) -> Double = { p in
            if budget.used >= runawayEvaluations, p.contains(where: { abs($0) > 14 }) { ranOff = true; budget.stop() }
            return budget.spend() ? -evaluate(p, data) / w : .infinity
        }
        var result = Optimizer.minimize(Optimizer.numericGradient(f), value: f, start: start, options: options)
        if ranOff {
            result.converged = false
            result.failureReason = "stopped after \(budget.used) likelihood evaluations: a parameter is running off to the edge (not identified)"
        } else if budget.exhausted {
            result.converged = false
            result.failureReason = "stopped after \(maxEvaluations) likelihood evaluations without converging (computation budget)"
        }
        let hessian = Optimizer.hessian(value: { q in -evaluate(q, data) }, at: result.point)
        return FitSupport.fitted(result, hessian: hessian, weight: w, rows: data.count,
                                 model: { ParetoNBDModel(r: $0[0], alpha: $0[1], s: $0[2], beta: $0[3]) })
    }

    /// Weighted log-likelihood at φ = log(r, α, s, β); -inf when not finite.
    static func evaluate(_ phi: [Double], _ data: PurchaseData) -> Double {
        let model = ParetoNBDModel(r: exp(phi[0]), alpha: exp(phi[1]), s: exp(phi[2]), beta: exp(phi[3]))
        guard model.r.isFinite, model.alpha.isFinite, model.s.isFinite, model.beta.isFinite,
              model.r > 0, model.alpha > 0, model.s > 0, model.beta > 0 else { return -.infinity }
        let constant = -lgamma(model.r) + model.r * log(model.alpha) + model.s * log(model.beta)
        var ll = 0.0
        for k in 0..<data.xValues.count {
            ll += data.weightOfX[k] * (lgamma(model.r + data.xValues[k]) + constant)
        }
        let parts = FitSupport.chunked(data.count, minimumPerChunk: 4096) { range in
            var sum = 0.0
            for i in range {
                let (l1, l2) = model.logTerms(x: data.x[i], tx: data.tx[i], T: data.T[i])
                sum += data.weight[i] * SpecialFunctions.logAddExp(l1, l2)
            }
            return sum
        }
        ll += parts.reduce(0, +)
        return ll.isFinite ? ll : -.infinity
    }
}

/// Result of ``ParetoNBDModel/fit(_:options:)``.
public typealias ParetoNBDFit = ModelFit<ParetoNBDModel>

/// Counts evaluations against a fixed budget (used from one fit at a time).
final class EvaluationBudget: @unchecked Sendable {
    private var left: Int
    private(set) var used = 0
    private(set) var exhausted = false

    init(_ n: Int) { left = n }

    /// Uses up the rest of the budget: every later evaluation answers at once.
    func stop() { left = 0 }

    /// Takes one evaluation; false once the budget is used up.
    func spend() -> Bool {
        guard left > 0 else { exhausted = true; return false }
        left -= 1
        used += 1
        return true
    }
}
