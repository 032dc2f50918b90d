import Foundation

/// The Gamma-Gamma spend model of Fader, Hardie & Lee (2005), "RFM and CLV: Using iso-value curves for customer
/// base analysis", Journal of Marketing Research 42(4), 415-430, section 3 (after Colombo & Jiang 1999).
///
/// A customer's order values are Gamma(p, ν) with mean p/ν; ν ~ Gamma(q, γ) across customers. It is fitted on
/// the mean repeat-order value z̄ of customers with x > 0 repeat purchases.
public struct GammaGammaModel: Sendable, Equatable {
    public var p: Double
    public var q: Double
    public var gamma: Double

    public init(p: Double, q: Double, gamma: Double) { self.p = p; self.q = q; self.gamma = gamma }

    /// log f(z̄ | p, q, γ; x), FHL (2005, JMR) equation (3):
    ///
    ///     f(z̄) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q x^(px) z̄^(px-1) / (γ + x z̄)^(px+q)
    public func logLikelihood(x: Double, meanSpend z: Double) -> Double {
        let px = p * x
        let gammas: Double = lgamma(px + q) - lgamma(px) - lgamma(q)
        let powers: Double = q * log(gamma) + px * log(x) + (px - 1) * log(z) - (px + q) * log(gamma + x * z)
        return gammas + powers
    }

    /// Total (weighted) log-likelihood.
    public func logLikelihood(_ data: SpendData) -> Double {
        GammaGammaModel.evaluate([log(p), log(q), log(gamma)], data, gradient: false).ll
    }

    /// E(M | p, q, γ, x, z̄) = p (γ + x z̄) / (px + q - 1), FHL (2005, JMR) equation (5): a weighted average of the
    /// population mean pγ/(q-1) and the customer's z̄ (weight px/(px+q-1)). With x = 0 it is the population mean.
    /// Infinite when q <= 1 (the population mean does not exist).
    public func expectedOrderValue(x: Double, meanSpend z: Double) -> Double {
        let denominator = p * x + q - 1
        return denominator > 0 ? p * (gamma + x * z) / denominator : .infinity
    }

    /// pγ/(q-1): the expected order value of a customer with no repeat purchase yet.
    public var populationMeanOrderValue: Double { q > 1 ? p * gamma / (q - 1) : .infinity }

    /// Maximum-likelihood fit over φ = log(p, q, γ) with the analytic gradient; standard errors from the
    /// Hessian of -LL at the optimum (central differences of the gradient), by the delta method.
    public static func fit(_ data: SpendData, options: Optimizer.Options = Optimizer.Options()) -> GammaGammaFit {
        let w = data.totalWeight
        guard data.count > 0 else {
            return FitSupport.unfitted(GammaGammaModel(p: .nan, q: .nan, gamma: .nan),
                                       reason: "no customer with a repeat purchase and a positive spend", customers: 0, rows: 0)
        }
        var mean = 0.0
        for i in 0..<data.count { mean += data.weight[i] * data.meanSpend[i] }
        mean /= w
        // Start: p = 1, q = 2, γ so that the population mean pγ/(q-1) equals the mean z̄.
        return FitSupport.fit(start: [0, log(2.0), log(mean)], weight: w, rows: data.count, options: options,
                              evaluate: { evaluate($0, data, gradient: true) },
                              model: { GammaGammaModel(p: $0[0], q: $0[1], gamma: $0[2]) })
    }

    /// Weighted log-likelihood and gradient with respect to φ = log(p, q, γ):
    ///
    ///     ∂/∂p = x [ψ(px+q) - ψ(px) + log x + log z̄ - log(γ + x z̄)]
    ///     ∂/∂q = ψ(px+q) - ψ(q) + log γ - log(γ + x z̄)
    ///     ∂/∂γ = q/γ - (px+q)/(γ + x z̄)
    static func evaluate(_ phi: [Double], _ data: SpendData, gradient: Bool) -> (ll: Double, grad: [Double]) {
        let p = exp(phi[0]), q = exp(phi[1]), g = exp(phi[2])
        guard p.isFinite, q.isFinite, g.isFinite, p > 0, q > 0, g > 0 else { return (-.infinity, [.nan, .nan, .nan]) }
        let psiQ = SpecialFunctions.digamma(q), logG = log(g)
        let lgQ: Double = lgamma(q)
        // x is a whole number of repeat purchases: the gamma-function terms are computed once per distinct x.
        var maxX = 0
        for x in data.x where Int(x) > maxX { maxX = Int(x) }
        var lgTerm = [Double](repeating: .nan, count: maxX + 1)
        var psiPXQ = lgTerm, psiPX = lgTerm, logX = lgTerm
        var ll = 0.0, dp = 0.0, dq = 0.0, dg = 0.0
        for i in 0..<data.count {
            let x = data.x[i], z = data.meanSpend[i], w = data.weight[i]
            let k = Int(x)
            let px = p * x
            if lgTerm[k].isNaN {
                let a: Double = lgamma(px + q), b: Double = lgamma(px)
                lgTerm[k] = a - b - lgQ
                logX[k] = log(x)
                if gradient { psiPXQ[k] = SpecialFunctions.digamma(px + q); psiPX[k] = SpecialFunctions.digamma(px) }
            }
            let logZ = log(z), logGXZ = log(g + x * z)
            // log f(z̄) of ``logLikelihood(x:meanSpend:)``, with the cached terms.
            ll += w * (lgTerm[k] + q * logG + px * logX[k] + (px - 1) * logZ - (px + q) * logGXZ)
            if gradient {
                dp += w * x * (psiPXQ[k] - psiPX[k] + logX[k] + logZ - logGXZ)
                dq += w * (psiPXQ[k] - psiQ + logG - logGXZ)
                dg += w * (q / g - (px + q) / (g + x * z))
            }
        }
        return (ll, gradient ? [dp * p, dq * q, dg * g] : [])
    }
}

/// Result of ``GammaGammaModel/fit(_:options:)``.
public typealias GammaGammaFit = ModelFit<GammaGammaModel>
