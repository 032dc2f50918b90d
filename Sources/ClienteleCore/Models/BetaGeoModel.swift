import Foundation

/// The BG/NBD model of Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
/// Pareto/NBD model", Marketing Science 24(2), 275-284.
///
/// While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each purchase she becomes
/// inactive with probability p ~ Beta(a, b). Time is in the unit of the data it was fitted on (α scales with it).
public struct BetaGeoModel: PurchaseModel, Equatable {
    public var r: Double
    public var alpha: Double
    public var a: Double
    public var b: Double

    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r; self.alpha = alpha; self.a = a; self.b = b
    }

    /// Log-likelihood of one customer, FHL (2005) equation (6), in log space:
    ///
    ///     L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
    ///       + δ(x>0) B(a+1, b+x-1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
    ///
    /// with B(a+1, b+x-1)/B(a, b+x) = a/(b+x-1).
    public func logLikelihood(x: Double, tx: Double, T: Double) -> Double {
        let gammaPart: Double = lgamma(r + x) - lgamma(r) + r * log(alpha)
        let betaPart: Double = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x)
        let common = gammaPart + betaPart
        let a3 = -(r + x) * log(alpha + T)
        let a4 = x > 0 ? log(a) - log(b + x - 1) - (r + x) * log(alpha + tx) : -Double.infinity
        return common + SpecialFunctions.logAddExp(a3, a4)
    }

    /// Total (weighted) log-likelihood of the data.
    public func logLikelihood(_ data: PurchaseData) -> Double {
        BetaGeoModel.evaluate([log(r), log(alpha), log(a), log(b)], data, gradient: false).ll
    }

    /// P(alive | x, t_x, T), FHL (2005) equation (12):
    /// 1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x)).
    public func probabilityAlive(x: Double, tx: Double, T: Double) -> Double {
        guard x > 0 else { return 1 }
        let logRatio = log(a) - log(b + x - 1) + (r + x) * (log(alpha + T) - log(alpha + tx))
        return 1 / (1 + exp(logRatio))
    }

    /// E[Y(t) | x, t_x, T], FHL (2005) equation (10):
    ///
    ///     (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x-1; t/(α+T+t))]
    ///     / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))
    ///
    /// At a = 1 exactly the first factor is 0/0; a is then moved by 1e-9 (the expression is continuous in a).
    public func expectedPurchases(in t: Double, x: Double, tx: Double, T: Double) -> Double {
        guard t > 0 else { return 0 }
        let aa = abs(a - 1) < 1e-9 ? 1 + 1e-9 : a
        let z = t / (alpha + T + t)
        let f = SpecialFunctions.hyp2f1(r + x, b + x, aa + b + x - 1, z)
        let power = exp((r + x) * (log(alpha + T) - log(alpha + T + t)))
        let value = (aa + b + x - 1) / (aa - 1) * (1 - power * f) * probabilityAlive(x: x, tx: tx, T: T)
        return max(0, value)
    }

    /// E[X(t)], FHL (2005) equation (9): (a+b-1)/(a-1) · [1 - (α/(α+t))^r ₂F₁(r, b; a+b-1; t/(α+t))].
    public func expectedPurchasesNewCustomer(in t: Double) -> Double {
        guard t > 0 else { return 0 }
        let aa = abs(a - 1) < 1e-9 ? 1 + 1e-9 : a
        let f = SpecialFunctions.hyp2f1(r, b, aa + b - 1, t / (alpha + t))
        return max(0, (aa + b - 1) / (aa - 1) * (1 - exp(r * (log(alpha) - log(alpha + t))) * f))
    }

    // MARK: fitting

    /// Maximum-likelihood fit over φ = log(r, α, a, b) with the analytic gradient (BFGS; Nelder-Mead fallback).
    /// Standard errors come from the observed information: the Hessian of -LL (central differences of the
    /// analytic gradient) at the optimum, inverted, mapped to the natural scale by the delta method.
    public static func fit(_ data: PurchaseData, options: Optimizer.Options = Optimizer.Options()) -> BetaGeoFit {
        let w = data.totalWeight
        var sumX = 0.0, sumT = 0.0
        for i in 0..<data.count { sumX += data.weight[i] * data.x[i]; sumT += data.weight[i] * data.T[i] }
        guard sumX > 0 else {
            return FitSupport.unfitted(BetaGeoModel(r: .nan, alpha: .nan, a: .nan, b: .nan),
                                       reason: "no customer made a repeat purchase: the model cannot be fitted", customers: w, rows: data.count)
        }
        // Start: r = a = b = 1 and α matching the mean purchase rate (r/α = Σx / ΣT).
        return FitSupport.fit(start: [0, log(sumT / sumX), 0, 0], weight: w, rows: data.count, options: options,
                              evaluate: { evaluate($0, data, gradient: true) },
                              model: { BetaGeoModel(r: $0[0], alpha: $0[1], a: $0[2], b: $0[3]) })
    }

    /// Weighted log-likelihood and its gradient with respect to φ = log(r, α, a, b).
    ///
    /// Terms depending on x only (log-gamma, digamma) are computed once per distinct x, log(α + T) and
    /// log(α + t_x) once per distinct value; the per-row work is one log-sum-exp.
    static func evaluate(_ phi: [Double], _ data: PurchaseData, gradient: Bool) -> (ll: Double, grad: [Double]) {
        let r = exp(phi[0]), alpha = exp(phi[1]), a = exp(phi[2]), b = exp(phi[3])
        let nx = data.xValues.count
        var base = [Double](repeating: 0, count: nx)
        var c4 = [Double](repeating: 0, count: nx)
        var rx = [Double](repeating: 0, count: nx)
        let logAlpha = log(alpha)
        let constant = -lgamma(r) + r * logAlpha + lgamma(a + b) - lgamma(b)
        for k in 0..<nx {
            let x = data.xValues[k]
            rx[k] = r + x
            base[k] = constant + lgamma(r + x) + lgamma(b + x) - lgamma(a + b + x)
            c4[k] = x > 0 ? log(a) - log(b + x - 1) : -.infinity
        }
        let logT = data.TValues.map { log(alpha + $0) }
        let logTx = data.txValues.map { log(alpha + $0) }
        let invT = gradient ? data.TValues.map { 1 / (alpha + $0) } : []
        let invTx = gradient ? data.txValues.map { 1 / (alpha + $0) } : []

        struct Partial { var ll = 0.0, dr = 0.0, dalpha = 0.0, s4: [Double] }
        let partials: [Partial] = data.weight.withUnsafeBufferPointer { wt in
            data.xIndex.withUnsafeBufferPointer { xi in
            data.txIndex.withUnsafeBufferPointer { ti in
            data.TIndex.withUnsafeBufferPointer { bi in
                FitSupport.chunked(data.count) { range in
                    var p = Partial(s4: [Double](repeating: 0, count: gradient ? nx : 0))
                    var ll = 0.0, dr = 0.0, dalpha = 0.0
                    for i in range {
                        let k = Int(xi[i]), j = Int(bi[i]), m = Int(ti[i])
                        let w = wt[i]
                        let a3 = -rx[k] * logT[j]
                        let a4 = c4[k] - rx[k] * logTx[m]
                        let hi = max(a3, a4), lo = min(a3, a4)
                        let e = exp(lo - hi)          // 0 when x = 0 (a4 = -inf)
                        ll += w * (hi + log1p(e))
                        if gradient {
                            let pLo = e / (1 + e), pHi = 1 - pLo
                            let (p3, p4) = a3 >= a4 ? (pHi, pLo) : (pLo, pHi)
                            if p4 > 0 {
                                dr -= w * (p3 * logT[j] + p4 * logTx[m])
                                dalpha -= w * rx[k] * (p3 * invT[j] + p4 * invTx[m])
                                p.s4[k] += w * p4
                            } else {
                                dr -= w * logT[j]
                                dalpha -= w * rx[k] * invT[j]
                            }
                        }
                    }
                    p.ll = ll; p.dr = dr; p.dalpha = dalpha
                    return p
                }
            }}}
        }
        var ll = 0.0, dr = 0.0, dalpha = 0.0
        var s4 = [Double](repeating: 0, count: gradient ? nx : 0)
        for p in partials {
            ll += p.ll; dr += p.dr; dalpha += p.dalpha
            if gradient { for k in 0..<nx { s4[k] += p.s4[k] } }
        }
        for k in 0..<nx { ll += data.weightOfX[k] * base[k] }
        guard gradient else { return (ll, []) }
        let psiR = SpecialFunctions.digamma(r), psiAB = SpecialFunctions.digamma(a + b), psiB = SpecialFunctions.digamma(b)
        var da = 0.0, db = 0.0
        for k in 0..<nx {
            let x = data.xValues[k], wk = data.weightOfX[k]
            let psiABX = SpecialFunctions.digamma(a + b + x)
            dr += wk * (SpecialFunctions.digamma(r + x) - psiR + logAlpha)
            da += wk * (psiAB - psiABX)
            db += wk * (psiAB + SpecialFunctions.digamma(b + x) - psiB - psiABX)
            if x > 0 {
                da += s4[k] / a
                db -= s4[k] / (b + x - 1)
            }
        }
        dalpha += data.totalWeight * r / alpha
        // Chain rule to the log scale.
        return (ll, [dr * r, dalpha * alpha, da * a, db * b])
    }
}

/// Result of ``BetaGeoModel/fit(_:options:)``.
public typealias BetaGeoFit = ModelFit<BetaGeoModel>
