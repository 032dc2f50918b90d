import Foundation

/// The MBG/NBD model of Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for
/// customer base analysis", International Journal of Research in Marketing 24(3), 201-209 (the same model as the
/// `ModifiedBetaGeoFitter` of the Python package lifetimes).
///
/// As BG/NBD (``BetaGeoModel``): while active a customer buys as a Poisson process with rate λ ~ Gamma(r, α), and
/// drops out with probability p ~ Beta(a, b) after each repeat purchase; in addition she may drop out at time 0,
/// right after her first purchase. So a customer without repeat purchases is not certainly alive (under BG/NBD
/// she is).
///
/// Formulas (Batislam et al. 2007, appendix; lifetimes 0.11):
///
///     L(r, α, a, b | x, t_x, T) = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
///                               + B(a+1, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
///     P(alive | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))
///     E[Y(t) | x, t_x, T] = (a+b+x)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))] · P(alive)
///     E[X(t)] = b/(a-1) · [1 - (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]
///
/// (given alive, p ~ Beta(a, b+x+1) and λ ~ Gamma(r+x, α+T), and E[Y(t) | λ, p, alive] = (1 - e^(-λpt))/p).
/// Checked against a direct numerical integration over p (mpmath) and lifetimes' fit of the CDNOW sample.
public struct ModifiedBetaGeoModel: PurchaseModel, Equatable {
    public var r: Double
    public var alpha: Double
    public var a: Double
    public var b: Double

    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r; self.alpha = alpha; self.a = a; self.b = b
    }

    /// Log-likelihood of one customer (the formula above, in log space).
    public func logLikelihood(x: Double, tx: Double, T: Double) -> Double {
        let gammaPart: Double = lgamma(r + x) - lgamma(r) + r * log(alpha)
        let betaPart: Double = lgamma(a + b) + lgamma(b + x + 1) - lgamma(b) - lgamma(a + b + x + 1)
        let a3 = -(r + x) * log(alpha + T)
        let a4 = log(a) - log(b + x) - (r + x) * log(alpha + tx)
        return gammaPart + betaPart + SpecialFunctions.logAddExp(a3, a4)
    }

    /// Total (weighted) log-likelihood of the data.
    public func logLikelihood(_ data: PurchaseData) -> Double {
        ModifiedBetaGeoModel.evaluate([log(r), log(alpha), log(a), log(b)], data, gradient: false).ll
    }

    /// P(alive | x, t_x, T) = 1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x)), for every x including 0.
    public func probabilityAlive(x: Double, tx: Double, T: Double) -> Double {
        let logRatio = log(a) - log(b + x) + (r + x) * (log(alpha + T) - log(alpha + tx))
        return 1 / (1 + exp(logRatio))
    }

    /// E[Y(t) | x, t_x, T] (see the type's comment). At a = 1 exactly the first factor is 0/0; a is then moved by
    /// 1e-9 (the expression is continuous in a).
    public func expectedPurchases(in t: Double, x: Double, tx: Double, T: Double) -> Double {
        guard t > 0 else { return 0 }
        let aa = abs(a - 1) < 1e-9 ? 1 + 1e-9 : a
        let z = t / (alpha + T + t)
        let f = SpecialFunctions.hyp2f1(r + x, b + x + 1, aa + b + x, z)
        let power = exp((r + x) * (log(alpha + T) - log(alpha + T + t)))
        let value = (aa + b + x) / (aa - 1) * (1 - power * f) * probabilityAlive(x: x, tx: tx, T: T)
        return max(0, value)
    }

    /// E[X(t)] = b/(a-1) · [1 - (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))].
    public func expectedPurchasesNewCustomer(in t: Double) -> Double {
        guard t > 0 else { return 0 }
        let aa = abs(a - 1) < 1e-9 ? 1 + 1e-9 : a
        let f = SpecialFunctions.hyp2f1(r, b + 1, aa + b, t / (alpha + t))
        return max(0, b / (aa - 1) * (1 - exp(r * (log(alpha) - log(alpha + t))) * f))
    }

    // MARK: fitting

    /// Maximum-likelihood fit over φ = log(r, α, a, b) with the analytic gradient (BFGS; Nelder-Mead fallback),
    /// as ``BetaGeoModel/fit(_:options:)``; standard errors from the observed information (delta method).
    /// Unlike BG/NBD the model can be fitted without any repeat purchase in principle, but the purchase rate is
    /// then not identified: such data are refused the same way.
    public static func fit(_ data: PurchaseData, options: Optimizer.Options = Optimizer.Options()) -> ModifiedBetaGeoFit {
        let w = data.totalWeight
        var sumX = 0.0, sumT = 0.0
        for i in 0..<data.count { sumX += data.weight[i] * data.x[i]; sumT += data.weight[i] * data.T[i] }
        guard sumX > 0, sumT > 0 else {
            return FitSupport.unfitted(ModifiedBetaGeoModel(r: .nan, alpha: .nan, a: .nan, b: .nan),
                                       reason: "no customer made a repeat purchase: the model cannot be fitted", customers: w, rows: data.count)
        }
        return FitSupport.fit(start: [0, log(sumT / sumX), 0, 0], weight: w, rows: data.count, options: options,
                              evaluate: { evaluate($0, data, gradient: true) },
                              model: { ModifiedBetaGeoModel(r: $0[0], alpha: $0[1], a: $0[2], b: $0[3]) })
    }

    /// Weighted log-likelihood and its gradient with respect to φ = log(r, α, a, b). With
    /// A3 = -(r+x) log(α+T), A4 = log a - log(b+x) - (r+x) log(α+t_x) and π3, π4 their softmax weights:
    ///
    ///     ∂/∂r = ψ(r+x) - ψ(r) + log α - π3 log(α+T) - π4 log(α+t_x)
    ///     ∂/∂α = r/α - (r+x) (π3/(α+T) + π4/(α+t_x))
    ///     ∂/∂a = ψ(a+b) - ψ(a+b+x+1) + π4/a
    ///     ∂/∂b = ψ(a+b) - ψ(b) + ψ(b+x+1) - ψ(a+b+x+1) - π4/(b+x)
    static func evaluate(_ phi: [Double], _ data: PurchaseData, gradient: Bool) -> (ll: Double, grad: [Double]) {
        let r = exp(phi[0]), alpha = exp(phi[1]), a = exp(phi[2]), b = exp(phi[3])
        guard r.isFinite, alpha.isFinite, a.isFinite, b.isFinite, r > 0, alpha > 0, a > 0, b > 0 else {
            return (-.infinity, [Double](repeating: .nan, count: 4))
        }
        let nx = data.xValues.count
        var base = [Double](repeating: 0, count: nx), c4 = [Double](repeating: 0, count: nx), rx = [Double](repeating: 0, count: nx)
        let logAlpha = log(alpha), logA = log(a)
        let constant = -lgamma(r) + r * logAlpha + lgamma(a + b) - lgamma(b)
        for k in 0..<nx {
            let x = data.xValues[k]
            rx[k] = r + x
            base[k] = constant + lgamma(r + x) + lgamma(b + x + 1) - lgamma(a + b + x + 1)
            c4[k] = logA - log(b + x)
        }
        let logT = data.TValues.map { log(alpha + $0) }
        let logTx = data.txValues.map { log(alpha + $0) }
        var ll = 0.0, dr = 0.0, dalpha = 0.0
        var s4 = [Double](repeating: 0, count: nx)
        for i in 0..<data.count {
            let k = Int(data.xIndex[i]), j = Int(data.TIndex[i]), m = Int(data.txIndex[i])
            let w = data.weight[i]
            let a3 = -rx[k] * logT[j]
            let a4 = c4[k] - rx[k] * logTx[m]
            let hi = max(a3, a4), lo = min(a3, a4)
            let e = exp(lo - hi)
            ll += w * (hi + log1p(e))
            if gradient {
                let pLo = e / (1 + e), pHi = 1 - pLo
                let (p3, p4) = a3 >= a4 ? (pHi, pLo) : (pLo, pHi)
                dr -= w * (p3 * logT[j] + p4 * logTx[m])
                dalpha -= w * rx[k] * (p3 / (alpha + data.TValues[j]) + p4 / (alpha + data.txValues[m]))
                s4[k] += w * p4
            }
        }
        for k in 0..<nx { ll += data.weightOfX[k] * base[k] }
        guard gradient else { return (ll, []) }
        let psiR = SpecialFunctions.digamma(r), psiAB = SpecialFunctions.digamma(a + b), psiB = SpecialFunctions.digamma(b)
        var da = 0.0, db = 0.0
        for k in 0..<nx {
            let x = data.xValues[k], wk = data.weightOfX[k]
            let psiABX = SpecialFunctions.digamma(a + b + x + 1)
            dr += wk * (SpecialFunctions.digamma(r + x) - psiR + logAlpha)
            da += wk * (psiAB - psiABX) + s4[k] / a
            db += wk * (psiAB + SpecialFunctions.digamma(b + x + 1) - psiB - psiABX) - s4[k] / (b + x)
        }
        dalpha += data.totalWeight * r / alpha
        return (ll, [dr * r, dalpha * alpha, da * a, db * b])
    }
}

/// Result of ``ModifiedBetaGeoModel/fit(_:options:)``.
public typealias ModifiedBetaGeoFit = ModelFit<ModifiedBetaGeoModel>
