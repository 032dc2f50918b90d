import Foundation

/// Result of a minimisation.
public struct OptimizationResult: Sendable {
    public var point: [Double]
    public var value: Double
    public var iterations: Int
    public var evaluations: Int
    public var converged: Bool
    /// Method that produced `point` ("BFGS", "Nelder-Mead + BFGS", ...).
    public var method: String
    /// Why it did not converge, in plain words (nil when converged).
    public var failureReason: String?
}

/// Unconstrained minimisers for the maximum-likelihood fits (parameters are optimised on the log scale, so
/// positivity is automatic).
///
/// The main method is BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithm 6.1) with a backtracking
/// line search on the Armijo condition; the inverse-Hessian update is skipped when the curvature condition
/// y·s > 0 fails. When BFGS fails (non-finite values, no progress, iteration limit), Nelder-Mead (Lagarias et al.
/// 1998 coefficients) with restarts around the best point is run and BFGS polishes its result.
public enum Optimizer {
    public typealias ValueAndGradient = ([Double]) -> (value: Double, gradient: [Double])

    public struct Options: Sendable {
        /// Converged when the largest gradient component is below this (objective per customer), or when the
        /// predicted decrease g·H·g falls below 1e-13 · max(1, |f|) (rounding in sums over a million rows is about that).
        public var gradientTolerance = 1e-9
        public var maxIterations = 500
        public init() {}
    }

    /// Central-difference gradient of `f` with step h (on the log-parameter scale).
    public static func numericGradient(_ f: @escaping ([Double]) -> Double, step h: Double = 1e-5) -> ValueAndGradient {
        { p in
            let v = f(p)
            var g = [Double](repeating: 0, count: p.count)
            var q = p
            for i in 0..<p.count {
                q[i] = p[i] + h; let up = f(q)
                q[i] = p[i] - h; let down = f(q)
                q[i] = p[i]
                g[i] = (up - down) / (2 * h)
            }
            return (v, g)
        }
    }

    /// BFGS, falling back to Nelder-Mead (then BFGS again) when it fails.
    /// `value`, when given, is the objective alone, for Nelder-Mead (a numeric gradient costs 2n + 1 evaluations).
    public static func minimize(_ fg: ValueAndGradient, value: (([Double]) -> Double)? = nil, start: [Double],
                                options: Options = Options()) -> OptimizationResult {
        let first = bfgs(fg, start: start, options: options)
        if first.converged { return first }
        func f(_ p: [Double]) -> Double { value?(p) ?? fg(p).value }
        var nm = nelderMead(f, start: first.value.isFinite ? first.point : start, options: options)
        // Restart Nelder-Mead from its own best point (a fresh simplex) up to twice.
        for _ in 0..<2 {
            let again = nelderMead(f, start: nm.point, options: options)
            let improved = again.value < nm.value - 1e-12 * abs(nm.value)
            let iterations = nm.iterations + again.iterations, evaluations = nm.evaluations + again.evaluations
            if again.value <= nm.value { nm = again }
            nm.iterations = iterations; nm.evaluations = evaluations
            if !improved { break }
        }
        var polished = bfgs(fg, start: nm.point, options: options)
        polished.iterations += first.iterations + nm.iterations
        polished.evaluations += first.evaluations + nm.evaluations
        polished.method = "Nelder-Mead + BFGS"
        if polished.converged { return polished }
        // Neither converged to the gradient tolerance: report the best point found.
        let best = polished.value <= nm.value ? polished : nm
        return OptimizationResult(point: best.point, value: best.value, iterations: polished.iterations,
                                  evaluations: polished.evaluations, converged: false, method: "BFGS, Nelder-Mead",
                                  failureReason: "BFGS failed (\(first.failureReason ?? "?")); after Nelder-Mead: \(polished.failureReason ?? "?")")
    }

    /// BFGS with a backtracking Armijo line search.
    public static func bfgs(_ fg: ValueAndGradient, start: [Double], options: Options = Options()) -> OptimizationResult {
        let n = start.count
        var x = start
        var (f, g) = fg(x)
        var evaluations = 1
        guard f.isFinite, g.allSatisfy(\.isFinite) else {
            return OptimizationResult(point: x, value: f, iterations: 0, evaluations: 1, converged: false, method: "BFGS",
                                      failureReason: "the log-likelihood is not finite at the starting point")
        }
        var h = identity(n)
        var stalled = 0
        for iteration in 1...options.maxIterations {
            if g.map(abs).max()! < options.gradientTolerance {
                return OptimizationResult(point: x, value: f, iterations: iteration - 1, evaluations: evaluations, converged: true,
                                          method: "BFGS", failureReason: nil)
            }
            var d = multiply(h, g).map { -$0 }
            var slope = dot(g, d)
            if !(slope < 0) {   // not a descent direction: reset to steepest descent
                h = identity(n); d = g.map { -$0 }; slope = dot(g, d)
            }
            // The predicted decrease (g·H·g, the quasi-Newton decrement) is below what f can resolve: converged
            // to machine precision (further line searches would only see rounding noise).
            if -slope < 1e-13 * max(1, abs(f)) {
                return OptimizationResult(point: x, value: f, iterations: iteration - 1, evaluations: evaluations, converged: true,
                                          method: "BFGS", failureReason: nil)
            }
            // Limit the step to 5 log-units per coordinate: parameters change by at most a factor e^5.
            let longest = d.map(abs).max()!
            var step = longest > 5 ? 5 / longest : 1.0
            var accepted = false
            var xNew = x, fNew = f, gNew = g
            while step > 1e-12 {
                xNew = zip(x, d).map { $0 + step * $1 }
                (fNew, gNew) = fg(xNew)
                evaluations += 1
                if fNew.isFinite, gNew.allSatisfy(\.isFinite), fNew <= f + 1e-4 * step * slope { accepted = true; break }
                step *= fNew.isFinite ? 0.5 : 0.1
            }
            if !accepted {
                // No decrease along the direction: at the optimum to machine precision, or a bad direction.
                if h != identity(n) { h = identity(n); continue }
                let small = g.map(abs).max()! < 1e-6
                return OptimizationResult(point: x, value: f, iterations: iteration, evaluations: evaluations, converged: small,
                                          method: "BFGS",
                                          failureReason: small ? nil : "the line search found no lower value (gradient \(g.map(abs).max()!))")
            }
            let s = zip(xNew, x).map { $0 - $1 }
            let y = zip(gNew, g).map { $0 - $1 }
            let sy = dot(s, y)
            if abs(f - fNew) <= 1e-15 * max(1, abs(f)) { stalled += 1 } else { stalled = 0 }
            x = xNew; f = fNew; g = gNew
            if stalled >= 4 {
                let small = g.map(abs).max()! < 1e-6
                return OptimizationResult(point: x, value: f, iterations: iteration, evaluations: evaluations, converged: small,
                                          method: "BFGS",
                                          failureReason: small ? nil : "no progress for 4 iterations (gradient \(g.map(abs).max()!))")
            }
            if sy > 1e-300 {
                if iteration == 1 {
                    // Scale the first inverse Hessian (Nocedal & Wright eq. 6.20).
                    let scale = sy / dot(y, y)
                    h = identity(n).map { $0.map { $0 * scale } }
                }
                let hy = multiply(h, y)
                let yhy = dot(y, hy)
                let rho = 1 / sy
                for i in 0..<n {
                    for j in 0..<n {
                        h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
                    }
                }
            }
        }
        return OptimizationResult(point: x, value: f, iterations: options.maxIterations, evaluations: evaluations,
                                  converged: false, method: "BFGS",
                                  failureReason: "iteration limit \(options.maxIterations) reached (gradient \(g.map(abs).max()!))")
    }

    /// Nelder-Mead simplex search with adaptive coefficients (Gao & Han 2012) around `start`.
    public static func nelderMead(_ f: ([Double]) -> Double, start: [Double], options: Options = Options()) -> OptimizationResult {
        let n = start.count
        let dn = Double(n)
        let alpha = 1.0, beta = 1 + 2 / dn, gamma = 0.75 - 1 / (2 * dn), delta = 1 - 1 / dn
        var simplex = [start]
        for i in 0..<n { var p = start; p[i] += 0.5; simplex.append(p) }
        var values = simplex.map { v -> Double in let y = f(v); return y.isFinite ? y : .infinity }
        var evaluations = n + 1
        let limit = options.maxIterations * 20
        var iterations = 0
        while iterations < limit {
            iterations += 1
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }; values = order.map { values[$0] }
            let spread = abs(values[n] - values[0])
            let size = (1...n).map { i in zip(simplex[i], simplex[0]).map { abs($0 - $1) }.max()! }.max()!
            if spread <= 1e-13 * max(1, abs(values[0])) && size < 1e-8 { break }
            var centroid = [Double](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<n { centroid[j] += simplex[i][j] / dn } }
            let worst = simplex[n]
            let reflected = zip(centroid, worst).map { $0 + alpha * ($0 - $1) }
            let fr = f(reflected); evaluations += 1
            if fr < values[0] {
                let expanded = zip(centroid, worst).map { $0 + beta * ($0 - $1) }
                let fe = f(expanded); evaluations += 1
                if fe < fr { simplex[n] = expanded; values[n] = fe } else { simplex[n] = reflected; values[n] = fr }
            } else if fr < values[n - 1] {
                simplex[n] = reflected; values[n] = fr
            } else {
                let outside = fr < values[n]
                let contracted = outside ? zip(centroid, worst).map { $0 + gamma * alpha * ($0 - $1) }
                                         : zip(centroid, worst).map { $0 - gamma * ($0 - $1) }
                let fc = f(contracted); evaluations += 1
                if fc.isFinite && fc < (outside ? fr : values[n]) {
                    simplex[n] = contracted; values[n] = fc
                } else {
                    for i in 1...n {
                        simplex[i] = zip(simplex[0], simplex[i]).map { $0 + delta * ($1 - $0) }
                        let y = f(simplex[i]); values[i] = y.isFinite ? y : .infinity
                    }
                    evaluations += n
                }
            }
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        let converged = iterations < limit && values[best].isFinite
        return OptimizationResult(point: simplex[best], value: values[best], iterations: iterations, evaluations: evaluations,
                                  converged: converged, method: "Nelder-Mead",
                                  failureReason: converged ? nil : "Nelder-Mead iteration limit reached")
    }

    // MARK: small dense linear algebra

    static func identity(_ n: Int) -> [[Double]] {
        (0..<n).map { i in (0..<n).map { $0 == i ? 1 : 0 } }
    }

    @inline(__always)
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }

    static func multiply(_ m: [[Double]], _ v: [Double]) -> [Double] { m.map { dot($0, v) } }

    /// Inverse of a symmetric positive-definite matrix by Cholesky factorisation; nil when not positive definite.
    public static func inverseSPD(_ a: [[Double]]) -> [[Double]]? {
        guard let l = LinearAlgebra.cholesky(a) else { return nil }
        let n = a.count
        // inverse = L^-T L^-1, column by column
        var inv = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for col in 0..<n {
            let x = LinearAlgebra.choleskySolve(l, (0..<n).map { $0 == col ? 1.0 : 0.0 })
            for i in 0..<n { inv[i][col] = x[i] }
        }
        return inv
    }

    /// Hessian of a function with a gradient, by central differences of the gradient (symmetrised).
    public static func hessian(gradient: ValueAndGradient, at p: [Double], step h: Double = 1e-4) -> [[Double]] {
        let n = p.count
        var m = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var q = p
        for j in 0..<n {
            q[j] = p[j] + h; let up = gradient(q).gradient
            q[j] = p[j] - h; let down = gradient(q).gradient
            q[j] = p[j]
            for i in 0..<n { m[i][j] = (up[i] - down[i]) / (2 * h) }
        }
        for i in 0..<n { for j in 0..<i { let v = (m[i][j] + m[j][i]) / 2; m[i][j] = v; m[j][i] = v } }
        return m
    }

    /// Hessian from function values only (second central differences).
    public static func hessian(value f: ([Double]) -> Double, at p: [Double], step h: Double = 1e-4) -> [[Double]] {
        let n = p.count
        var m = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        let f0 = f(p)
        var q = p
        for i in 0..<n {
            q[i] = p[i] + h; let up = f(q)
            q[i] = p[i] - h; let down = f(q)
            q[i] = p[i]
            m[i][i] = (up - 2 * f0 + down) / (h * h)
            for j in 0..<i {
                q[i] = p[i] + h; q[j] = p[j] + h; let pp = f(q)
                q[j] = p[j] - h; let pm = f(q)
                q[i] = p[i] - h; let mm = f(q)
                q[j] = p[j] + h; let mp = f(q)
                q[i] = p[i]; q[j] = p[j]
                let v = (pp - pm - mp + mm) / (4 * h * h)
                m[i][j] = v; m[j][i] = v
            }
        }
        return m
    }

    /// Standard errors of positive parameters θ = exp(φ) from the Hessian of the negative log-likelihood in φ at
    /// the optimum: Cov(θ) ≈ diag(θ) H_φ^-1 diag(θ) (the delta method; the gradient term vanishes at the optimum).
    /// Nil when the Hessian is not positive definite.
    public static func standardErrors(logHessian: [[Double]], parameters: [Double]) -> [Double]? {
        guard let inv = inverseSPD(logHessian) else { return nil }
        return (0..<parameters.count).map { parameters[$0] * inv[$0][$0].squareRoot() }
    }
}
