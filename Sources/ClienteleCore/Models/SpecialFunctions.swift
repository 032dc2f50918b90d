import Foundation

/// Special functions used by the buy-till-you-die models: log-gamma with sign, digamma, log-sum-exp and the Gauss
/// hypergeometric function 2F1.
public enum SpecialFunctions {
    /// log|Γ(x)| and the sign of Γ(x). For x a non-positive integer Γ has a pole: returns (+inf, 0), so that
    /// 1/Γ(x) = sign * exp(-log) = 0.
    public static func logGammaWithSign(_ x: Double) -> (log: Double, sign: Double) {
        if x > 0 { return (lgamma(x), 1) }
        if x == x.rounded() { return (.infinity, 0) }
        // Reflection: Γ(x) Γ(1 - x) = π / sin(π x).
        let s = sinPi(x)
        return (log(Double.pi) - log(abs(s)) - lgamma(1 - x), s < 0 ? -1 : 1)
    }

    /// sin(π x) accurate near integers: with k = round(x), x - k is exact and sin(π x) = (-1)^k sin(π (x - k))
    /// (a plain sin(Double.pi * x) loses the relative accuracy there, which the 1 - z connection formula of
    /// ``hyp2f1(_:_:_:_:)`` amplifies near integer c - a - b).
    public static func sinPi(_ x: Double) -> Double {
        let k = x.rounded()
        let v = sin(Double.pi * (x - k))
        return k.truncatingRemainder(dividingBy: 2) == 0 ? v : -v
    }

    /// Digamma ψ(x) = Γ'(x)/Γ(x) for x > 0: recurrence up to x >= 10, then the asymptotic series
    /// (Abramowitz & Stegun 6.3.18, through the x^-14 term).
    @inline(__always)
    public static func digamma(_ x0: Double) -> Double {
        var x = x0
        var acc = 0.0
        if x <= 0 {
            // Reflection ψ(1 - x) - ψ(x) = π cot(π x).
            if x == x.rounded() { return .nan }
            return digamma(1 - x) - Double.pi * cos(Double.pi * x) / sinPi(x)
        }
        while x < 10 { acc -= 1 / x; x += 1 }
        let inv = 1 / x, inv2 = inv * inv
        let tail = 1.0 / 132 - inv2 * (691.0 / 32760 - inv2 / 12)
        let series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * tail))))
        return acc + log(x) - 0.5 * inv - series
    }

    /// log(exp(a) + exp(b)) without overflow.
    @inline(__always)
    public static func logAddExp(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
    }

    /// log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b), a, b > 0.
    public static func logBeta(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }

    /// Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z < 1 (DLMF 15.2.1).
    ///
    /// - |z| small (0 <= z <= 0.9): the defining power series, summed until the terms stop mattering.
    /// - z < 0: Pfaff's transformation ₂F₁(a, b; c; z) = (1 - z)^(-a) ₂F₁(a, c - b; c; z / (z - 1)) (DLMF 15.8.1),
    ///   which maps z into [0, 1).
    /// - 0.9 < z < 1: the 1 - z connection formula (DLMF 15.8.4, Abramowitz & Stegun 15.3.6), whose two series
    ///   converge fast. When c - a - b is within 1e-5 of an integer that formula is singular; the value is then
    ///   interpolated linearly in c between the two points where c - a - b = n ± 1e-5 (relative error about 1e-9).
    /// A terminating series (a or b a non-positive integer) is summed directly for any z. Returns NaN when c is a
    /// non-positive integer (and the series does not terminate first) or z >= 1.
    public static func hyp2f1(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        guard a.isFinite, b.isFinite, c.isFinite, z.isFinite, z < 1 else { return .nan }
        if z == 0 || a == 0 || b == 0 { return 1 }
        if isNonPositiveInteger(a) || isNonPositiveInteger(b) { return series(a, b, c, z, maxTerms: 1_000_000) ?? .nan }
        if isNonPositiveInteger(c) { return .nan }
        if z < 0 {
            let w = z / (z - 1)
            // Either parameter may be used; keep the smaller power.
            return pow(1 - z, -a) * hyp2f1(a, c - b, c, w)
        }
        if z <= 0.9, let s = series(a, b, c, z, maxTerms: 20_000) { return s }
        return oneMinusZ(a, b, c, z)
    }

    @inline(__always)
    static func isNonPositiveInteger(_ v: Double) -> Bool { v <= 0 && v == v.rounded() }

    /// Power series Σ (a)_n (b)_n / ((c)_n n!) z^n; nil when it has not converged within `maxTerms`.
    static func series(_ a: Double, _ b: Double, _ c: Double, _ z: Double, maxTerms: Int) -> Double? {
        var term = 1.0, sum = 1.0, comp = 0.0
        var n = 0.0
        var small = 0
        let allPositive = a > 0 && b > 0 && c > 0
        for _ in 0..<maxTerms {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            if term == 0 { return sum }
            // Kahan summation: long alternating tails stay accurate.
            let y = term - comp
            let t = sum + y
            comp = (t - sum) - y
            sum = t
            n += 1
            if !sum.isFinite { return nil }
            // Converged once terms are negligible and shrinking, and no parameter can still change sign
            // (n beyond |a| + |b| + |c|, or all parameters positive).
            if abs(term) <= 1e-17 * abs(sum), abs((a + n) * (b + n) * z) < abs((c + n) * (n + 1)),
               allPositive || n > abs(a) + abs(b) + abs(c) {
                small += 1
                if small >= 2 { return sum }
            } else { small = 0 }
        }
        return nil
    }

    /// The 1 - z connection formula (A&S 15.3.6), for 0 < z < 1.
    static func oneMinusZ(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        let m = c - a - b
        let n = m.rounded()
        let delta = 1e-5
        if abs(m - n) < delta {
            // Degenerate case: interpolate in c between c - a - b = n - delta and n + delta.
            let lo = connection(a, b, a + b + n - delta, z)
            let hi = connection(a, b, a + b + n + delta, z)
            return lo + (hi - lo) * (m - (n - delta)) / (2 * delta)
        }
        return connection(a, b, c, z)
    }

    static func connection(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        let m = c - a - b
        let w = 1 - z
        let gc = logGammaWithSign(c)
        var total = 0.0
        // Γ(c)Γ(m)/(Γ(c-a)Γ(c-b)) F(a, b; 1 - m; 1 - z)
        let gm = logGammaWithSign(m), gca = logGammaWithSign(c - a), gcb = logGammaWithSign(c - b)
        if gca.sign != 0 && gcb.sign != 0 {
            let f1 = series(a, b, 1 - m, w, maxTerms: 100_000) ?? .nan
            total += gc.sign * gm.sign * gca.sign * gcb.sign * exp(gc.log + gm.log - gca.log - gcb.log) * f1
        }
        // (1 - z)^m Γ(c)Γ(-m)/(Γ(a)Γ(b)) F(c - a, c - b; m + 1; 1 - z)
        let gmm = logGammaWithSign(-m), ga = logGammaWithSign(a), gb = logGammaWithSign(b)
        if ga.sign != 0 && gb.sign != 0 {
            let f2 = series(c - a, c - b, m + 1, w, maxTerms: 100_000) ?? .nan
            total += gc.sign * gmm.sign * ga.sign * gb.sign * exp(m * log(w) + gc.log + gmm.log - ga.log - gb.log) * f2
        }
        return total
    }
}
