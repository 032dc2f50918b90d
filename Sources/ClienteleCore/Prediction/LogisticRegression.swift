import Foundation

/// L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares), with
/// standardised features. Pure Swift, small dense linear algebra.
///
/// Model: P(y = 1 | x) = σ(β₀ + Σ βⱼ zⱼ), zⱼ = (xⱼ - mⱼ)/sⱼ with mⱼ, sⱼ the (weighted) training mean and standard
/// deviation of feature j (sⱼ = 1 when the feature is constant). The fit minimises
///
///     -Σ wᵢ [yᵢ log pᵢ + (1-yᵢ) log(1-pᵢ)] + (λ/2) Σ_{j>=1} βⱼ²    (the intercept is not penalised)
///
/// by Newton steps Δ = (Zᵀ W Z + λ I')⁻¹ g, W = diag(wᵢ pᵢ (1-pᵢ)) (Hastie, Tibshirani & Friedman, The Elements of
/// Statistical Learning, 2nd ed., section 4.4.1), halving the step while the objective does not decrease. The
/// linear system is solved by Cholesky factorisation; when the matrix is not positive definite (λ = 0 with
/// collinear features or separated data) a ridge of growing size is added to the diagonal. With λ > 0 the
/// objective is strictly convex and the coefficients stay finite on separable data.
public struct LogisticRegression: Sendable, Equatable {
    /// Intercept and coefficients on the standardised scale.
    public var intercept: Double
    public var coefficients: [Double]
    /// Training means and standard deviations used to standardise.
    public var means: [Double]
    public var scales: [Double]
    public var lambda: Double
    public var iterations: Int
    public var converged: Bool
    /// Covariance of (intercept, coefficients) on the standardised scale: the inverse of the penalised Hessian at the
    /// optimum (the Laplace approximation of the posterior under the L2 penalty); nil when it is not positive definite.
    public var covariance: [[Double]]? = nil

    /// Intercept and coefficients on the original feature scale: β₀ - Σ βⱼ mⱼ/sⱼ and βⱼ/sⱼ.
    public var rawIntercept: Double {
        var b = intercept
        for j in 0..<coefficients.count { b -= coefficients[j] * means[j] / scales[j] }
        return b
    }
    public var rawCoefficients: [Double] { (0..<coefficients.count).map { coefficients[$0] / scales[$0] } }

    /// P(y = 1 | features).
    public func probability(_ features: [Double]) -> Double {
        var eta = intercept
        for j in 0..<coefficients.count { eta += coefficients[j] * (features[j] - means[j]) / scales[j] }
        return LogisticRegression.sigmoid(eta)
    }

    public func probabilities(_ rows: [[Double]]) -> [Double] { rows.map(probability) }

    /// Standard error of the linear predictor η for `features` (from ``covariance``), nil without one.
    public func logitStandardError(_ features: [Double]) -> Double? {
        guard let c = covariance, c.count == coefficients.count + 1 else { return nil }
        let z = [1] + (0..<coefficients.count).map { (features[$0] - means[$0]) / scales[$0] }
        var v = 0.0
        for a in 0..<z.count { for b in 0..<z.count { v += z[a] * c[a][b] * z[b] } }
        return v >= 0 && v.isFinite ? v.squareRoot() : nil
    }

    @inline(__always)
    static func sigmoid(_ eta: Double) -> Double { eta >= 0 ? 1 / (1 + exp(-eta)) : exp(eta) / (1 + exp(eta)) }

    /// log(1 + e^η) without overflow.
    @inline(__always)
    static func softplus(_ eta: Double) -> Double { eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta)) }

    /// Fits the model. `rows[i]` holds the features of observation i (all rows the same length), `outcome[i]` its
    /// label, `weight` optional observation weights (default 1).
    public static func fit(rows: [[Double]], outcome: [Bool], weight: [Double]? = nil, lambda: Double = 1,
                           maxIterations: Int = 100) -> LogisticRegression {
        let n = rows.count, p = rows.first?.count ?? 0
        let w = weight ?? [Double](repeating: 1, count: n)
        let totalW = w.reduce(0, +)
        var means = [Double](repeating: 0, count: p), scales = [Double](repeating: 1, count: p)
        if totalW > 0 {
            for j in 0..<p {
                var m = 0.0
                for i in 0..<n { m += w[i] * rows[i][j] }
                m /= totalW
                var v = 0.0
                for i in 0..<n { let d = rows[i][j] - m; v += w[i] * d * d }
                v /= totalW
                means[j] = m
                scales[j] = v > 1e-24 ? v.squareRoot() : 1
            }
        }
        // Design matrix with the intercept column first.
        let z: [[Double]] = rows.map { row in [1] + (0..<p).map { (row[$0] - means[$0]) / scales[$0] } }
        let y = outcome.map { $0 ? 1.0 : 0.0 }
        let k = p + 1
        func objective(_ beta: [Double]) -> Double {
            var f = 0.0
            for i in 0..<n {
                let eta = Optimizer.dot(z[i], beta)
                f += w[i] * (softplus(eta) - y[i] * eta)
            }
            for j in 1..<k { f += lambda / 2 * beta[j] * beta[j] }
            return f
        }
        var beta = [Double](repeating: 0, count: k)
        // Start the intercept at the logit of the mean outcome.
        let ybar = totalW > 0 ? zip(y, w).map { $0 * $1 }.reduce(0, +) / totalW : 0.5
        beta[0] = log(max(1e-6, ybar) / max(1e-6, 1 - ybar))
        var f = objective(beta)
        var converged = false
        var iterations = 0
        for _ in 0..<maxIterations {
            iterations += 1
            var g = [Double](repeating: 0, count: k)
            var h = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            for i in 0..<n {
                let pr = sigmoid(Optimizer.dot(z[i], beta))
                let r = w[i] * (pr - y[i]), v = w[i] * pr * (1 - pr)
                for a in 0..<k {
                    g[a] += r * z[i][a]
                    let va = v * z[i][a]
                    for b in 0...a { h[a][b] += va * z[i][b] }
                }
            }
            for a in 0..<k { for b in 0..<a { h[b][a] = h[a][b] } }
            for j in 1..<k { g[j] += lambda * beta[j]; h[j][j] += lambda }
            if g.map(abs).max()! < 1e-10 * max(1, totalW) { converged = true; break }
            let step = LinearAlgebra.solveSymmetric(h, g)
            var t = 1.0
            var accepted = false
            while t > 1e-10 {
                let candidate = (0..<k).map { beta[$0] - t * step[$0] }
                let fc = objective(candidate)
                if fc.isFinite && fc <= f + 1e-12 * abs(f) {
                    let change = (0..<k).map { abs(candidate[$0] - beta[$0]) }.max()!
                    beta = candidate
                    let decrease = f - fc
                    f = fc
                    accepted = true
                    if change < 1e-11 || decrease <= 1e-15 * max(1, abs(f)) { converged = true }
                    break
                }
                t /= 2
            }
            if !accepted { converged = g.map(abs).max()! < 1e-6 * max(1, totalW); break }
            if converged { break }
        }
        // The penalised Hessian at the optimum, for the covariance.
        var h = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for i in 0..<n {
            let pr = sigmoid(Optimizer.dot(z[i], beta))
            let v = w[i] * pr * (1 - pr)
            for a in 0..<k { let va = v * z[i][a]; for b in 0...a { h[a][b] += va * z[i][b] } }
        }
        for a in 0..<k { for b in 0..<a { h[b][a] = h[a][b] } }
        for j in 1..<k { h[j][j] += lambda }
        return LogisticRegression(intercept: beta[0], coefficients: Array(beta.dropFirst()), means: means, scales: scales,
                                  lambda: lambda, iterations: iterations, converged: converged && beta.allSatisfy(\.isFinite),
                                  covariance: Optimizer.inverseSPD(h))
    }
}

/// Small dense linear algebra for the Newton steps.
enum LinearAlgebra {
    /// Cholesky factor L (A = L Lᵀ); nil when A is not positive definite.
    static func cholesky(_ a: [[Double]]) -> [[Double]]? {
        let n = a.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i][j]
                for k in 0..<j { s -= l[i][k] * l[j][k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i][i] = s.squareRoot()
                } else {
                    l[i][j] = s / l[j][j]
                }
            }
        }
        return l
    }

    static func choleskySolve(_ l: [[Double]], _ b: [Double]) -> [Double] {
        let n = b.count
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s = b[i]
            for k in 0..<i { s -= l[i][k] * y[k] }
            y[i] = s / l[i][i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<n { s -= l[k][i] * x[k] }
            x[i] = s / l[i][i]
        }
        return x
    }

    /// Solves A x = b for symmetric A: Cholesky, and when A is not positive definite, Cholesky of A + τ I with τ
    /// growing from 1e-10 · max|Aᵢᵢ| by factors of 10 (a Levenberg-style fallback: a shorter step along a descent
    /// direction).
    static func solveSymmetric(_ a: [[Double]], _ b: [Double]) -> [Double] {
        if let l = cholesky(a) { return choleskySolve(l, b) }
        let scale = max(1e-300, a.indices.map { abs(a[$0][$0]) }.max() ?? 1)
        var tau = 1e-10 * scale
        while tau < 1e30 {
            var m = a
            for i in m.indices { m[i][i] += tau }
            if let l = cholesky(m) { return choleskySolve(l, b) }
            tau *= 10
        }
        return b.map { $0 / scale }
    }
}
