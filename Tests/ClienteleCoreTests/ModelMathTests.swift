import Foundation
import Testing
@testable import ClienteleCore

@Suite struct SpecialFunctionTests {
    /// ₂F₁(a, b; c; z) reference values from mpmath 1.3 (`mp.hyp2f1`, 40 digits): series range, the 1 - z
    /// transformation (z > 0.9) with integer c - a - b (degenerate case: 1.5,2.5,3 / 1.5,2.5,5 / 2,3,5 /
    /// 0.8,1.6,2.4 / 8.2,3,9.2), negative c, Pfaff (z < 0) and a terminating series.
    static let references: [(Double, Double, Double, Double, Double)] = [
        (1, 1, 2, 0.5, 1.3862943611198906188),
        (0.2425, 2.4259, 2.2188, 0.3, 1.1003077342733567316),
        (0.5, 2.4, 2.2, 0.95, 5.8992944936123229943),
        (0.243, 2.426, 2.219, 0.9216, 2.1065164335034230798),
        (3.5, 4.2, 6.8, 0.99, 1016.3427222017408093),
        (10.3, 12.4, 21.7, 0.6, 129.6687940527627803),
        (30.2, 30.4, 32.5, 0.8, 49698450486243680734.0),
        (0.8, 1.6, 2.4, 0.999, 7.8821160769338244197),
        (1.5, 2.5, 3.0, 0.97, 53.033545887740864656),
        (1.5, 2.5, 5.0, 0.93, 3.6013293731057601944),
        (2.0, 3.0, 5.0, 0.95, 13.208819466901175634),
        (1.6, 2.6, 1.2, 0.5, 9.8128230710470388088),
        (0.553, 1.606, 1.159, 0.2, 1.1889349723410745338),
        (8.2, 1.6, 9.2, 0.95, 37.090784873750937358),
        (8.2, 3.0, 9.2, 0.95, 1329.5625750361735881),
        (0.3, 0.7, -0.4, 0.6, -0.4839247865984657196),
        (0.3, 0.7, -0.4, 0.97, -108.39541863705201763),
        (1.2, 2.3, 3.4, -0.7, 0.63829161666194294436),
        (1.2, 2.3, 3.4, -5.0, 0.19204290059323209882),
        (-3, 2.5, 1.7, 0.98, -0.013194665253488783196),
    ]

    @Test func hyp2f1MatchesMpmath() {
        for (a, b, c, z, expected) in Self.references {
            let v = SpecialFunctions.hyp2f1(a, b, c, z)
            let degenerate = z > 0.9 && abs((c - a - b) - (c - a - b).rounded()) < 1e-5
            let tolerance = degenerate ? 1e-8 : 1e-12
            #expect(abs(v - expected) <= tolerance * abs(expected), "2F1(\(a), \(b); \(c); \(z)) = \(v), expected \(expected)")
        }
        #expect(SpecialFunctions.hyp2f1(1, 1, 2, 1).isNaN)
        #expect(SpecialFunctions.hyp2f1(1, 1, -2, 0.5).isNaN)
        #expect(SpecialFunctions.hyp2f1(0, 1, 2, 0.99) == 1)
    }

    @Test func digammaAndLogGamma() {
        // ψ(1) = -γ (Euler-Mascheroni), ψ(0.5) = -γ - 2 log 2, ψ(n+1) = ψ(n) + 1/n.
        let euler = 0.57721566490153286061
        #expect(abs(SpecialFunctions.digamma(1) + euler) < 2e-15)
        #expect(abs(SpecialFunctions.digamma(0.5) - (-euler - 2 * log(2.0))) < 4e-15)
        #expect(abs(SpecialFunctions.digamma(0.013) - (-77.4791092441047)) < 1e-10)   // mpmath digamma(0.013)
        for x in [0.1, 1.7, 9.99, 25.0] {
            #expect(abs(SpecialFunctions.digamma(x + 1) - SpecialFunctions.digamma(x) - 1 / x) < 1e-13)
        }
        // Γ(-0.5) = -2 sqrt(π).
        let g = SpecialFunctions.logGammaWithSign(-0.5)
        #expect(g.sign == -1 && abs(exp(g.log) - 2 * Double.pi.squareRoot()) < 1e-13)
        #expect(SpecialFunctions.logGammaWithSign(-2).sign == 0)
    }

    @Test func optimiserFindsRosenbrockMinimumAndFallsBack() {
        let rosen: Optimizer.ValueAndGradient = { p in
            let (x, y) = (p[0], p[1])
            return ((1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x), [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
        }
        let r = Optimizer.minimize(rosen, start: [-1.2, 1])
        #expect(r.converged)
        #expect(abs(r.point[0] - 1) < 1e-6 && abs(r.point[1] - 1) < 1e-6)
        let nm = Optimizer.nelderMead({ rosen($0).value }, start: [-1.2, 1])
        #expect(abs(nm.point[0] - 1) < 1e-4 && abs(nm.point[1] - 1) < 1e-4)
        // A function that is not finite at the start: BFGS fails, the failure is reported in words.
        let bad = Optimizer.bfgs({ _ in (.nan, [0]) }, start: [0])
        #expect(!bad.converged && bad.failureReason != nil)
    }
}

@Suite struct ModelPredictionReferenceTests {
    // BG/NBD at the CDNOW estimates (full precision from the fit); references from mpmath (40 digits) with the
    // same parameters. FHL (2005) report 1.226 for the first customer (x = 2, t_x = 30.43, T = 38.86, t = 39).
    static let bg = BetaGeoModel(r: 0.2425945225141968, alpha: 4.413602023162471, a: 0.7929220164226154, b: 2.425906771850111)

    @Test func betaGeoPredictions() {
        let cases: [(t: Double, x: Double, tx: Double, T: Double, expected: Double)] = [
            (39, 2, 30.43, 38.86, 1.2259068352383327),
            (39, 0, 0, 38.86, 0.19478203657611423),
            (52, 7, 29.43, 38.86, 4.1990477231729497),
            (1, 1, 1.71, 38.86, 0.0060647785850606732),
            (200, 29, 37.71, 38.0, 61.17566331998731),
            (39, 5, 5.14, 37.29, 0.013985052022257531),
        ]
        for c in cases {
            let v = Self.bg.expectedPurchases(in: c.t, x: c.x, tx: c.tx, T: c.T)
            #expect(abs(v - c.expected) <= 1e-10 * c.expected, "E[Y(\(c.t))|\(c.x),\(c.tx),\(c.T)] = \(v)")
        }
        #expect(abs(Self.bg.probabilityAlive(x: 2, tx: 30.43, T: 38.86) - 0.72660916255905946) < 1e-13)
        #expect(abs(Self.bg.probabilityAlive(x: 7, tx: 29.43, T: 38.86) - 0.64179505727355756) < 1e-13)
        #expect(abs(Self.bg.probabilityAlive(x: 5, tx: 5.14, T: 37.29) - 0.0035633581290987828) < 1e-15)
        for (t, e) in [(39.0, 1.1950100400710503), (78, 1.8579583893532415), (0.5, 0.027022449060204878), (520, 4.9686411383733685)] {
            #expect(abs(Self.bg.expectedPurchasesNewCustomer(in: t) - e) <= 1e-10 * e, "E[X(\(t))]")
        }
    }

    /// Pareto/NBD at the CDNOW estimates, against an independent form: the likelihood bracket written as
    /// (α+T)^-(r+x) (β+T)^-s + s ∫_{t_x}^T (α+u)^-(r+x) (β+u)^-(s+1) du, integrated by mpmath.quad.
    @Test func paretoPredictionsAgainstTheIntegralForm() {
        let m = ParetoNBDModel(r: 0.553277080343604, alpha: 10.57768372025057, s: 0.6062397531676216, beta: 11.668727011366276)
        let cases: [(x: Double, tx: Double, T: Double, ll: Double, alive: Double, ey39: Double)] = [
            (2, 30.43, 38.86, -9.5543339807180096, 0.86911568596194055, 1.4550988756272325),
            (0, 0, 38.86, -0.52120244095517268, 0.29509579562290106, 0.10705887413144385),
            (7, 29.43, 38.86, -21.594262316191841, 0.7494116281589567, 3.7116995481811129),
            (5, 5.14, 37.29, -13.005210054702532, 0.011423372468506733, 0.042756888643064328),
            (29, 37.71, 38.0, -45.055253655541921, 0.99612448854421491, 19.594621512939202),
        ]
        for c in cases {
            #expect(abs(m.logLikelihood(x: c.x, tx: c.tx, T: c.T) - c.ll) < 1e-11, "LL \(c)")
            #expect(abs(m.probabilityAlive(x: c.x, tx: c.tx, T: c.T) - c.alive) < 1e-12, "P(alive) \(c)")
            #expect(abs(m.expectedPurchases(in: 39, x: c.x, tx: c.tx, T: c.T) - c.ey39) <= 1e-11 * c.ey39, "E[Y] \(c)")
        }
        #expect(abs(m.expectedPurchasesNewCustomer(in: 39) - 1.213404025787608) < 1e-12)
        // s = 1 exactly: the limit log((β+t)/β).
        let one = ParetoNBDModel(r: 0.5, alpha: 10, s: 1, beta: 12)
        #expect(abs(one.expectedPurchasesNewCustomer(in: 39) - 0.5 * 12 / 10 * log(51.0 / 12)) < 1e-12)
    }

    @Test func gammaGammaExpectedOrderValueIsAShrinkageAverage() {
        let g = GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.44)
        let population = 6.25 * 15.44 / 2.74
        #expect(abs(g.populationMeanOrderValue - population) < 1e-12)
        // E(M) = (q-1)/(px+q-1) · pγ/(q-1) + px/(px+q-1) · z̄.
        for (x, z) in [(1.0, 11.77), (2, 22.35), (29, 26.26)] {
            let w = 6.25 * x / (6.25 * x + 2.74)
            #expect(abs(g.expectedOrderValue(x: x, meanSpend: z) - ((1 - w) * population + w * z)) < 1e-12)
        }
    }
}
