import Foundation
import Testing
@testable import ClienteleCore

/// Churn-risk foundations: MBG/NBD, P(no purchase in H) of the BTYD models, the logistic classifier, the metrics
/// and the selection on a time split. Reference values: mpmath (30 digits) by direct numerical integration over the
/// mixing distributions (not the closed forms), scipy/lifetimes for the CDNOW MBG/NBD fit, numpy Newton for the
/// logistic fixture; hand computations where stated.
@Suite struct ModifiedBetaGeoTests {
    /// (r, α, a, b, x, t_x, T, H) -> MBG log-likelihood, MBG P(alive), MBG P(no purchase in H), BG P(alive),
    /// BG P(no purchase in H). mpmath: L = E_p[(1-p)^(x+1)] E_λ[λ^x e^(-λT)] + E_p[p (1-p)^x] E_λ[λ^x e^(-λ t_x)],
    /// E_p by quadrature over the Beta density, E_λ[λ^x e^(-λy)] = Γ(r+x) α^r / (Γ(r) (α+y)^(r+x)).
    static let reference: [([Double], [Double])] = [
        ([0.525, 6.183, 0.891, 1.614, 0, 0, 38.86, 12.9], [-0.53983746353101457, 0.38973508091876291, 0.95173159211658929, 1.0, 0.87615072328202382]),
        ([0.525, 6.183, 0.891, 1.614, 2, 30.43, 38.86, 12.9], [-9.485551314533931, 0.70620226511848727, 0.66770214895352421, 0.63484908144580671, 0.70127682121229707]),
        ([0.243, 4.414, 0.793, 2.426, 5, 10.0, 35.0, 4.0], [-14.596288374939727, 0.045776587706565635, 0.98180034761389313, 0.039857919763296061, 0.98415346532215889]),
        ([1.3, 20.0, 2.5, 3.0, 1, 1.5, 2.0, 30.0], [-3.538048160652096, 0.60279573875762108, 0.48055983574640875, 0.53231630399860757, 0.54129325971383123]),
        ([0.7, 2.0, 0.4, 9.0, 12, 50.0, 52.0, 13.0], [-31.537862013663629, 0.97015709834013375, 0.092517682077896038, 0.9687116400296252, 0.093869759860272044]),
    ]

    @Test func likelihoodAliveAndNoPurchaseMatchNumericalIntegration() {
        for (p, v) in Self.reference {
            let m = ModifiedBetaGeoModel(r: p[0], alpha: p[1], a: p[2], b: p[3])
            let bg = BetaGeoModel(r: p[0], alpha: p[1], a: p[2], b: p[3])
            let (x, tx, T, H) = (p[4], p[5], p[6], p[7])
            #expect(abs(m.logLikelihood(x: x, tx: tx, T: T) - v[0]) < 1e-9 * max(1, abs(v[0])), "\(p)")
            #expect(abs(m.probabilityAlive(x: x, tx: tx, T: T) - v[1]) < 1e-9, "\(p)")
            #expect(abs(m.probabilityNoPurchase(in: H, x: x, tx: tx, T: T) - v[2]) < 1e-9, "\(p)")
            #expect(abs(bg.probabilityAlive(x: x, tx: tx, T: T) - v[3]) < 1e-9, "\(p)")
            #expect(abs(bg.probabilityNoPurchase(in: H, x: x, tx: tx, T: T) - v[4]) < 1e-9, "\(p)")
        }
    }

    /// mpmath: E[Y(t)] = P(alive) ∫ Beta(p; a, b+x+1) (1 - ((α+T)/(α+T+pt))^(r+x)) / p dp, and
    /// E[X(t)] = ∫ Beta(p; a, b) (1-p) (1 - (α/(α+pt))^r) / p dp.
    @Test func expectedPurchasesMatchNumericalIntegration() {
        let m = ModifiedBetaGeoModel(r: 0.525, alpha: 6.183, a: 0.891, b: 1.614)
        #expect(abs(m.expectedPurchases(in: 39, x: 0, tx: 0, T: 38.86) - 0.15401274667514669) < 1e-9)
        #expect(abs(m.expectedPurchases(in: 39, x: 2, tx: 30.43, T: 38.86) - 1.2629606232673656) < 1e-9)
        #expect(abs(m.expectedPurchasesNewCustomer(in: 39) - 1.1829536655971727) < 1e-9)
        let m2 = ModifiedBetaGeoModel(r: 1.3, alpha: 20, a: 2.5, b: 3)
        #expect(abs(m2.expectedPurchases(in: 30, x: 1, tx: 1.5, T: 2) - 1.0946544442157297) < 1e-9)
        #expect(abs(m2.expectedPurchasesNewCustomer(in: 30) - 0.65628255065729302) < 1e-9)
    }

    @Test func analyticGradientMatchesFiniteDifferences() throws {
        let data = try PurchaseData(x: [0, 1, 3, 7, 0, 2], tx: [0, 2.5, 10, 30, 0, 5], T: [5, 20, 25, 31, 40, 6], weight: [3, 1, 2, 1, 5, 2])
        let phi = [log(0.6), log(4.0), log(0.8), log(2.2)]
        let g = ModifiedBetaGeoModel.evaluate(phi, data, gradient: true).grad
        let h = 1e-6
        for i in 0..<4 {
            var up = phi, down = phi
            up[i] += h; down[i] -= h
            let fd = (ModifiedBetaGeoModel.evaluate(up, data, gradient: false).ll - ModifiedBetaGeoModel.evaluate(down, data, gradient: false).ll) / (2 * h)
            #expect(abs(fd - g[i]) < 1e-6 * max(1, abs(fd)), "\(i): \(fd) vs \(g[i])")
        }
    }

    /// scipy BFGS + Nelder-Mead MLE on the same (x, t_x, T) (t_x and T exact days / 7): r = 0.524843,
    /// α = 6.183085, a = 0.891359, b = 1.614002, LL = -9582.1357. lifetimes 0.11.3's ModifiedBetaGeoFitter on the
    /// published summary (2-decimal weeks) gives 0.524838, 6.182988, 0.891356, 1.614000.
    @Test func cdnowFitMatchesReference() {
        let fit = ModifiedBetaGeoModel.fit(CDNOW.data)
        print("MBG/NBD", fit.r, fit.alpha, fit.a, fit.b, fit.logLikelihood, fit.standardErrors as Any, fit.failureReason as Any)
        #expect(fit.converged)
        #expect(abs(fit.r / 0.524843 - 1) < 1e-4)
        #expect(abs(fit.alpha / 6.183085 - 1) < 1e-4)
        #expect(abs(fit.a / 0.891359 - 1) < 1e-4)
        #expect(abs(fit.b / 1.614002 - 1) < 1e-4)
        #expect(abs(fit.logLikelihood - -9582.1357) < 1e-3)
        // lifetimes' standard errors (published summary): 0.0833, 0.696, 0.155, 0.537.
        if let se = fit.standardErrors {
            #expect(abs(se.r - 0.0833) < 0.003 && abs(se.alpha - 0.696) < 0.02 && abs(se.a - 0.155) < 0.005 && abs(se.b - 0.537) < 0.02)
        } else { Issue.record("no standard errors") }
    }

    @Test func recoversSimulatedParameters() throws {
        let truth = ModifiedBetaGeoModel(r: 0.5, alpha: 6, a: 0.9, b: 1.6)
        var rng = SplitMix64(seed: 7)
        let ages = (0..<30_000).map { _ in 26 + 78 * rng.uniform() }
        let sim = ModelSimulation.modifiedBetaGeo(truth, ages: ages, seed: 11, resolution: 1.0 / 7)
        let fit = ModifiedBetaGeoModel.fit(try PurchaseData(x: sim.x, tx: sim.tx, T: sim.T))
        print("MBG recovery", fit.model, fit.standardErrors as Any)
        #expect(fit.converged)
        let se = try #require(fit.standardErrors)
        for (est, s, t) in [(fit.r, se.r, truth.r), (fit.alpha, se.alpha, truth.alpha), (fit.a, se.a, truth.a), (fit.b, se.b, truth.b)] {
            #expect(abs(est - t) < 3.5 * s, "\(est) ± \(s) vs \(t)")
            #expect(s < 0.25 * t)
        }
    }
}

@Suite struct NoPurchaseProbabilityTests {
    /// (r, α, s, β, x, t_x, T, H) -> Pareto/NBD P(alive), P(no purchase in H). mpmath: P(alive) from the likelihood
    /// split into "alive at T" and "died at τ ∈ (t_x, T]" (1-D quadrature over τ); P(no purchase | alive) =
    /// E[μ/(λ+μ) + λ/(λ+μ) e^(-(λ+μ)H)] by 2-D quadrature over λ ~ Gamma(r+x, α+T), μ ~ Gamma(s, β+T).
    static let pareto: [([Double], Double, Double)] = [
        ([0.553, 10.578, 0.606, 11.669, 0, 0, 38.86, 12.9], 0.29528660461689408, 0.9667555126417901),
        ([0.553, 10.578, 0.606, 11.669, 3, 20.0, 38.0, 12.9], 0.54823396121266092, 0.70715768430309358),
        ([0.8, 3.0, 1.5, 20.0, 2, 5.0, 30.0, 4.0], 0.037888568997145691, 0.99015789472032609),
        ([2.0, 15.0, 0.5, 15.0, 1, 0.5, 1.0, 52.0], 0.98348731837246223, 0.16233760040216101),
        ([0.4, 30.0, 0.9, 4.0, 7, 25.0, 26.0, 8.0], 0.96790507464356284, 0.44423538283033492),
    ]

    /// Expects Pareto/NBD P(alive) and P(no purchase in H) at each point within 1e-9 of the reference values.
    static func expectParetoMatches(_ points: [([Double], Double, Double)], sourceLocation: SourceLocation = #_sourceLocation) {
        for (p, alive, none) in points {
            let m = ParetoNBDModel(r: p[0], alpha: p[1], s: p[2], beta: p[3])
            #expect(abs(m.probabilityAlive(x: p[4], tx: p[5], T: p[6]) - alive) < 1e-9, "\(p)", sourceLocation: sourceLocation)
            #expect(abs(m.probabilityNoPurchase(in: p[7], x: p[4], tx: p[5], T: p[6]) - none) < 1e-9, "\(p)", sourceLocation: sourceLocation)
        }
    }

    @Test func paretoMatchesNumericalIntegration() { Self.expectParetoMatches(Self.pareto) }

    /// 24 random points (r, α, s, β, x, t_x, T, H), a quarter with s = 1 (c - a - b an integer in ₂F₁): the closed
    /// form evaluated by mpmath at 40 digits (its own ₂F₁), the form being checked against the integration above.
    static let paretoSweep: [([Double], Double, Double)] = [
        ([1.9064149151801357, 25.474758482477327, 1.0, 141.37438797190225, 60, 0.05765683953368081, 0.12382739325836369, 74.08332210444611], 0.99949283970369788, 0.0034581974494682917),
        ([1.9820262040970802, 59.16585311752926, 0.4282972974941186, 8.309588627418078, 2, 0.1686228799642358, 1.653580470877904, 1.8769843139584703], 0.929939885719108, 0.89782776561907187),
        ([2.22043277866033, 4.35258665762312, 0.6280194249555583, 90.23886933521482, 10, 0.2583877325657494, 0.32414063572119595, 1.0451173615337375], 0.99950224927597518, 0.087446893768066884),
        ([1.8906123093517384, 0.9804111344731359, 0.10514710038735048, 92.39582258757586, 2, 28.696476677631455, 29.88820612513779, 1.2063402473441343], 0.99888826987713681, 0.86166431994137987),
        ([0.5828049841447546, 2.6387493892136162, 0.6767790471296611, 95.04061248445504, 2, 0.36937272415969263, 0.3813640397200184, 1.421745299319991], 0.99991451188457751, 0.37170681024239283),
        ([2.898779533742747, 3.8142928133774787, 0.16255360430069865, 6.008380807944549, 1, 0.23181732977726538, 0.698551138237701, 38.020753122153884], 0.98552440761883858, 0.043395897322960133),
        ([1.7998096496597755, 11.769325828215239, 1.0, 0.7441463766067067, 5, 20.006576704486875, 41.61576082483606, 2.668849865130531], 0.07650227536688307, 0.97901532869090086),
        ([1.4955333200869052, 20.928543663941223, 0.26530269565379083, 171.89326633502603, 0, 0, 109.01983624312572, 3.331051518761786], 0.63975502231525479, 0.97627284255075934),
        ([1.2724528353839801, 9.180190125005733, 1.314598991438262, 4.770348115647732, 0, 0, 2.8121029180655, 21.27374701216177], 0.49456139116244047, 0.80806635537199157),
        ([1.9087677901239817, 78.54296556588221, 0.44515961551394756, 2.186883539262327, 25, 0.44874238876787476, 1.2647998393729873, 8.068897295222161], 0.87088361549064406, 0.34164676873734204),
        ([2.3492487426270863, 0.8882221493399447, 2.270354363805523, 59.26378180999384, 3, 0.12388549215154425, 0.13098484659951595, 0.8122948271927802], 0.99972351929295776, 0.050591743233978397),
        ([1.0881475529622444, 12.732196646842223, 2.762452838046605, 3.8361428341188697, 60, 0.13518770352754753, 0.19707643941793732, 2.5362581597738703], 0.95167481457532706, 0.16570121402362633),
        ([2.4164434896913844, 13.856491114487225, 1.0, 3.192929374923127, 25, 0.015962572161193123, 0.32877159316004695, 93.19829133082717], 0.88065178318677436, 0.22410538089676162),
        ([1.6472391499464196, 4.3007326781382185, 0.7882761511774332, 17.550786120531487, 3, 1.211130425621059, 2.8716289618798845, 0.6731729110147324], 0.88177876254073106, 0.70289994097635659),
        ([2.756601110481774, 0.5960172178948223, 1.5313361754204136, 75.84310961435403, 1, 77.88921383614186, 138.08978567803896, 1.012481442497877], 0.29359187314435653, 0.99211444521954354),
        ([2.699838454166261, 4.485300561309888, 0.5895804975942526, 4.675131512836203, 0, 0, 50.48338534800595, 2.388194700483105], 0.0015388280009416603, 0.99983510461635806),
        ([1.414149249149931, 99.62994270383233, 2.5715327455918544, 172.83021943098788, 25, 81.38381709655673, 118.1463471816293, 2.6959707760815115], 0.075937481300088916, 0.97916451323787113),
        ([0.8947030383643924, 6.042072040773306, 2.7153953606253, 0.9832340471880165, 60, 73.90164477306227, 117.87204739766153, 7.054100398465099], 1.613349393814022e-11, 0.9999999999850355),
        ([1.081588404792166, 0.8035558319806926, 1.0, 54.10648545047259, 60, 1.1263645347942675, 1.432992593315813, 30.357472611789884], 0.17347155392358116, 0.82664455675887014),
        ([2.114330573407594, 16.87494723090123, 2.302952335674519, 4.414917420880278, 3, 12.466879947845767, 47.06997329737997, 90.40661819832737], 0.0033753855153429727, 0.99781725050729887),
        ([2.1763573493970254, 79.58596410848577, 1.0862128286369683, 1.4604558098036244, 0, 0, 3.2943694820503224, 30.168182112293078], 0.26529584190408545, 0.95559310428501529),
        ([1.0451243061405753, 2.13538284672821, 0.9375968975452408, 10.02092294641521, 5, 0.8359086618871912, 1.2978677041752493, 24.946114492213812], 0.94042103529060646, 0.10643801197265325),
        ([2.501747137938143, 3.1996601194200935, 2.5443508028996864, 91.57338252629746, 25, 127.14036625122195, 132.92020504771332, 7.793287357471594], 0.88279607628515826, 0.33014467421944866),
        ([1.6350862342312484, 1.2083618923214383, 2.526198815926044, 137.1489215577047, 25, 0.06336870521524664, 0.8037967277144319, 17.497422886307145], 0.005299510428033768, 0.99470809100224786),

    ]

    @Test func paretoSweepMatchesMpmath() { Self.expectParetoMatches(Self.paretoSweep) }

    @Test func propertiesInHorizon() {
        let models: [any NoPurchaseProbabilityModel] = [
            BetaGeoModel(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426),
            ModifiedBetaGeoModel(r: 0.525, alpha: 6.183, a: 0.891, b: 1.614),
            ParetoNBDModel(r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669),
            ParetoNBDModel(r: 0.553, alpha: 3, s: 0.606, beta: 11.669),
        ]
        for m in models {
            for (x, tx, T) in [(0.0, 0.0, 30.0), (1, 3, 30), (4, 29, 30), (10, 12, 40), (0, 0, 0.5)] {
                var previous = 1.0
                #expect(m.probabilityNoPurchase(in: 0, x: x, tx: tx, T: T) == 1)
                for H in [0.5, 1, 4, 13, 52, 520, 1e5] {
                    let v = m.probabilityNoPurchase(in: H, x: x, tx: tx, T: T)
                    #expect(v >= 0 && v <= 1)
                    #expect(v <= previous + 1e-12, "\(m) \(x) \(H)")
                    previous = v
                }
                // H → ∞: 1 - P(alive) for BG/MBG; 1 - P(alive) E[λ/(λ+μ)] > 1 - P(alive) for Pareto/NBD.
                let alive = m.probabilityAlive(x: x, tx: tx, T: T)
                let limit = m.probabilityNoPurchase(in: 1e40, x: x, tx: tx, T: T)
                if let p = m as? ParetoNBDModel {
                    #expect(limit > 1 - alive)
                    #expect(abs(p.probabilityPurchaseIfAlive(in: 1e12, x: x, T: T) - p.probabilityPurchaseIfAlive(in: 1e14, x: x, T: T)) < 1e-6)
                } else {
                    #expect(abs(limit - (1 - alive)) < 1e-6)
                }
            }
        }
    }

    /// Pareto/NBD with α = β: P(purchase in H | alive) = (r+x)/(r+s+x) [1 - ((α+T)/(α+T+H))^(r+s+x)] (λ+μ is
    /// Gamma(r+s+x, α+T) independent of λ/(λ+μ) ~ Beta(r+x, s)): hand formula.
    @Test func paretoEqualRatesClosedForm() {
        let m = ParetoNBDModel(r: 0.7, alpha: 9, s: 1.3, beta: 9)
        let (x, T, H) = (2.0, 20.0, 13.0)
        let expected = 2.7 / 4.0 * (1 - pow(29.0 / 42.0, 4.0))
        #expect(abs(m.probabilityPurchaseIfAlive(in: H, x: x, T: T) - expected) < 1e-12)
    }
}

@Suite struct ChurnMetricsTests {
    @Test func handComputedScores() {
        let p = [0.1, 0.4, 0.35, 0.8], y = [false, false, true, true]
        let m = ChurnMetrics(predicted: p, outcome: y)
        #expect(m.auc == 0.75)   // pairs (pos, neg): 0.35 > 0.1, 0.35 < 0.4, 0.8 > both: 3 of 4
        #expect(abs(m.logLoss - -(log(0.9) + log(0.6) + log(0.35) + log(0.8)) / 4) < 1e-15)
        #expect(abs(m.brier - 0.158125) < 1e-15)   // (0.01 + 0.16 + 0.4225 + 0.04) / 4
        #expect(m.positiveRate == 0.5)
        // Ties count one half: positives {0.5, 0.5}, negatives {0.5, 0.2}: (0.5 + 1) · 2 / 4.
        #expect(ChurnMetrics.auc(score: [0.5, 0.5, 0.5, 0.2], outcome: [true, false, true, false]) == 0.75)
        #expect(ChurnMetrics.auc(score: [0.3, 0.3], outcome: [true, true]) == nil)
        // Clipping at 1e-15.
        #expect(abs(ChurnMetrics.logLoss(predicted: [0, 1], outcome: [true, true]) - 34.538776394910684 / 2) < 1e-9)
    }

    @Test func calibrationDeciles() {
        let p = (0..<20).map { Double($0) / 20 }
        let y = (0..<20).map { $0 % 2 == 1 }
        let table = ChurnMetrics.calibrationTable(predicted: p.reversed(), outcome: y.reversed())
        #expect(table.count == 10)
        for (k, bin) in table.enumerated() {
            #expect(bin.count == 2)
            #expect(abs(bin.meanPredicted - Double(4 * k + 1) / 40) < 1e-15)
            #expect(bin.observedRate == 0.5)
        }
        let small = ChurnMetrics.calibrationTable(predicted: [0.2, 0.1, 0.9], outcome: [true, false, true])
        #expect(small.map(\.count) == [1, 1, 1])
    }
}

@Suite struct LogisticRegressionTests {
    /// 8 rows, 2 features, λ = 1: reference by numpy Newton iterations to a gradient of 1e-16.
    @Test func smallFixtureMatchesReference() {
        let rows: [[Double]] = [[0.5, 1], [1.5, 0], [2, 1], [3, 0], [3.5, 1], [4, 0], [5.5, 1], [6, 1]]
        let y = [false, false, true, false, true, true, false, true]
        let m = LogisticRegression.fit(rows: rows, outcome: y, lambda: 1)
        #expect(m.converged)
        let coef = [0.005678632013944275, 0.44707350054818773, 0.3021621090314999]
        #expect(abs(m.intercept - coef[0]) < 1e-8)
        #expect(abs(m.coefficients[0] - coef[1]) < 1e-8)
        #expect(abs(m.coefficients[1] - coef[2]) < 1e-8)
        #expect(abs(m.rawIntercept - -1.198247527952632) < 1e-8)
        #expect(abs(m.means[0] - 3.25) < 1e-15 && abs(m.scales[1] - 0.48412291827592713) < 1e-12)
        let probs = [0.38962268098104874, 0.30520553001995404, 0.4816877782404702, 0.39007099949053115, 0.5750132781248593,
                     0.4510070725062533, 0.6906495387441146, 0.7167431218927685]
        for i in 0..<8 { #expect(abs(m.probability(rows[i]) - probs[i]) < 1e-8) }
    }

    /// One binary feature, no penalty: the MLE reproduces the two group rates (by hand: 1/4 and 3/4), so
    /// intercept = logit(1/4) = -log 3 and slope = logit(3/4) - logit(1/4) = 2 log 3 on the raw scale.
    @Test func binaryFeatureByHand() {
        let rows: [[Double]] = [[0], [0], [0], [0], [1], [1], [1], [1]]
        let y = [true, false, false, false, true, true, true, false]
        let m = LogisticRegression.fit(rows: rows, outcome: y, lambda: 0)
        #expect(m.converged)
        #expect(abs(m.rawIntercept + log(3)) < 1e-10)
        #expect(abs(m.rawCoefficients[0] - 2 * log(3)) < 1e-10)
        #expect(abs(m.probability([0]) - 0.25) < 1e-12)
        #expect(abs(m.probability([1]) - 0.75) < 1e-12)
    }

    @Test func separableDataStaysFinite() {
        let rows: [[Double]] = [[0], [1], [2], [3], [4], [5]]
        let y = [false, false, false, true, true, true]
        let m = LogisticRegression.fit(rows: rows, outcome: y, lambda: 1)
        #expect(m.converged)
        #expect(m.coefficients.allSatisfy { $0.isFinite && abs($0) < 20 })
        #expect(m.probability([0]) < 0.2 && m.probability([5]) > 0.8)
        // Collinear duplicate feature and no penalty: the Hessian is singular; the ridge fallback still gives a fit.
        let collinear = LogisticRegression.fit(rows: rows.map { [$0[0], $0[0]] }, outcome: [false, true, false, true, true, false], lambda: 0)
        let finite = collinear.coefficients.allSatisfy { $0.isFinite }
        #expect(finite)
    }
}

@Suite struct ChurnFeatureTests {
    @Test func featuresByHand() {
        let h = OrderHistory(days: [100, 110, 110, 130, 160], amounts: [10, 5, 5, 30, 50])
        #expect(h.days == [100, 110, 130, 160] && h.amounts == [10, 10, 30, 50])
        let s = ChurnFeatures.state(h, asOf: 200)!
        #expect(s.orders == 4 && s.recencyDays == 40 && s.tenureDays == 100 && s.meanAmount == 25)
        #expect(s.usualGapDays == 20)   // gaps 10, 20, 30
        #expect(s.ordersLast90 == 2 && s.ordersPrevious90 == 2)   // (110, 200]: 130, 160; (20, 110]: 100, 110
        let f = ChurnFeatures.features(h, asOf: 200)!
        let expected: [Double] = [log1p(40), log(4), log1p(25), log1p(100), log(20), log(41.0 / 21), 0, 0, 0]
        #expect(f == expected)
        let sm = h.summary(asOf: 150)!
        #expect(sm.x == 2 && sm.tx == 30 && sm.T == 50)
        #expect(ChurnFeatures.features(h, asOf: 99) == nil)
        let one = ChurnFeatures.features(OrderHistory(days: [10], amounts: [7]), asOf: 30)!
        let expectedOne: [Double] = [log1p(20), 0, log1p(7), log1p(20), 0, 0, log(2), 1, log1p(20)]
        #expect(one == expectedOne)
        #expect(h.ordered(after: 130, through: 160) && !h.ordered(after: 160, through: 300))
    }
}

/// Runs CPU-heavy work on a thread of its own and awaits it, so that the selection tests (seconds each) leave the
/// threads of Swift concurrency's cooperative pool (one per core) to the other tests of the process.
func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

@Suite struct ChurnSelectionTests {
    static func firstDays(_ n: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in Int(365 * rng.uniform()) }
    }

    static func describe(_ s: ChurnSelection) -> String {
        s.results.map { r in
            "\(r.candidate.rawValue) (\(Int(r.seconds * 1000)) ms): identified \(r.identified) \(r.reason ?? "") LL \(r.metrics?.logLoss ?? .nan) AUC \(r.metrics?.auc ?? .nan) Brier \(r.metrics?.brier ?? .nan) "
                + r.parameters.map { "\($0.name)=\($0.value)" + ($0.standardError.map { "±\($0)" } ?? "") }.joined(separator: " ")
        }.joined(separator: "\n") + "\nchosen: \(s.chosen.rawValue), customers \(s.customers), no-order rate \(s.noOrderRate)"
    }

    /// Data from BG/NBD (rates per day r = 0.8, α = 40, a = 1, b = 4): a BG-family model is chosen, with a
    /// log-loss close to that of the true model's P(no purchase in H).
    @Test func picksTheGeneratingFamilyOnBetaGeoData() async {
        let asOf = 730, H = 90
        let histories = ModelSimulation.betaGeoHistories(r: 0.8, alphaDays: 40, a: 1, b: 4, firstDays: Self.firstDays(8000, seed: 3),
                                                         endDay: asOf, seed: 5)
        let s = await offPool { ChurnModelSelection.select(histories, asOf: asOf, horizon: H) }
        print(Self.describe(s))
        #expect(s.chosen == .betaGeo || s.chosen == .modifiedBetaGeo)
        let truth = BetaGeoModel(r: 0.8, alpha: 40.0 / 7, a: 1, b: 4)
        let cal = asOf - H
        var p: [Double] = [], y: [Bool] = []
        for h in histories {
            guard let x = h.summary(asOf: cal) else { continue }
            p.append(truth.probabilityNoPurchase(in: Double(H) / 7, x: Double(x.x), tx: Double(x.tx) / 7, T: Double(x.T) / 7))
            y.append(!h.ordered(after: cal, through: asOf))
        }
        let truthLoss = ChurnMetrics.logLoss(predicted: p, outcome: y)
        let chosenLoss = s.result(s.chosen)!.metrics!.logLoss
        print("truth log-loss", truthLoss, "chosen", chosenLoss)
        #expect(abs(chosenLoss - truthLoss) < 0.01)
        #expect(s.result(.betaGeo)!.identified)
        let prediction = await offPool { ChurnModelSelection.predict(histories, asOf: asOf, horizon: H, candidate: s.chosen) }
        #expect(prediction.identified)
        #expect(prediction.probabilityNoOrder.count == histories.count)
        // Refitted on everything up to the as-of day: the BG/NBD parameters (per week) are near the truth.
        let refit = await offPool { BetaGeoModel.fit(ChurnModelSelection.btydData(histories, cutoff: asOf)!) }
        #expect(abs(refit.r / 0.8 - 1) < 0.1 && abs(refit.alpha / (40.0 / 7) - 1) < 0.1 && abs(refit.b / 4 - 1) < 0.2)
        #expect(prediction.probabilityNoOrder.allSatisfy { $0.map { $0 >= 0 && $0 <= 1 } ?? false })
    }

    /// Data from MBG/NBD (per day r = 1, α = 30, a = 2, b = 3: 40 % on average drop out right after the first
    /// order) and from Pareto/NBD (per day r = 1, α = 30, s = 1.5, β = 300): the generating model is chosen.
    @Test func picksTheGeneratingModelOnModifiedBetaGeoAndParetoData() async {
        let asOf = 730, H = 90
        let mbg = ModelSimulation.betaGeoHistories(r: 1, alphaDays: 30, a: 2, b: 3, modified: true,
                                                   firstDays: Self.firstDays(8000, seed: 23), endDay: asOf, seed: 29)
        let s1 = await offPool { ChurnModelSelection.select(mbg, asOf: asOf, horizon: H) }
        print("MBG data\n" + Self.describe(s1))
        #expect(s1.chosen == .modifiedBetaGeo)
        let pareto = ModelSimulation.paretoHistories(r: 1, alphaDays: 30, s: 1.5, betaDays: 300,
                                                     firstDays: Self.firstDays(8000, seed: 31), endDay: asOf, seed: 37)
        let s2 = await offPool { ChurnModelSelection.select(pareto, asOf: asOf, horizon: H) }
        print("Pareto data\n" + Self.describe(s2))
        #expect(s2.chosen == .paretoNBD)
    }

    /// Customers who never drop out (Pareto/NBD with μ ≈ 0 for everyone): the dropout process is not identified,
    /// the optimiser (unbounded on the log scale) drives the dropout parameters to 0 or ∞ and the rule flags them.
    @Test func noDropoutData() async {
        let asOf = 730, H = 90
        let histories = ModelSimulation.paretoHistories(r: 2, alphaDays: 60, s: 1, betaDays: 1e9,
                                                        firstDays: Self.firstDays(6000, seed: 41), endDay: asOf, seed: 43)
        let s = await offPool { ChurnModelSelection.select(histories, asOf: asOf, horizon: H) }
        print("No-dropout data\n" + Self.describe(s))
        for r in s.results where !r.identified { #expect(r.reason != nil) }
        // BG/NBD and MBG/NBD: a → 0 with b large (p ≈ 0); Pareto/NBD: β → ∞ (μ ≈ 0). None can be chosen.
        #expect(s.result(.betaGeo)!.reason?.contains("ran off") == true)
        #expect(s.result(.modifiedBetaGeo)!.identified == false)
        #expect(s.result(.paretoNBD)!.identified == false)
        #expect(s.chosen == .logistic || s.chosen == .baseline)
    }

    @Test func identificationRule() {
        let ok = FitDiagnostics(logLikelihood: -1, iterations: 10, evaluations: 20, converged: true, method: "BFGS", failureReason: nil,
                                customers: 100, rows: 100)
        let names = ["r", "α", "a", "b"]
        #expect(ChurnModelSelection.identificationProblem(names: names, values: [0.5, 5, 1, 2], standardErrors: [0.1, 1, 0.3, 0.9], diagnostics: ok) == nil)
        #expect(ChurnModelSelection.identificationProblem(names: names, values: [0.5, 5, 1e-7, 2], standardErrors: [0.1, 1, 0.3, 0.9], diagnostics: ok)!.contains("a ran off to zero"))
        #expect(ChurnModelSelection.identificationProblem(names: names, values: [0.5, 5, 1, 3e6], standardErrors: [0.1, 1, 0.3, 0.9], diagnostics: ok)!.contains("b ran off to infinity"))
        #expect(ChurnModelSelection.identificationProblem(names: names, values: [0.5, 5, 1, 2], standardErrors: nil, diagnostics: ok)!.contains("standard errors are undefined"))
        #expect(ChurnModelSelection.identificationProblem(names: names, values: [0.5, 5, 1, 2], standardErrors: [0.1, 1, 0.3, .nan], diagnostics: ok)!.contains("standard errors are undefined"))
        #expect(ChurnModelSelection.identificationProblem(names: names, values: [0.5, 5, 1, 2], standardErrors: [0.1, 1, 0.3, 25], diagnostics: ok)!.contains("standard error of b is 13 times"))
        var failed = ok
        failed.converged = false; failed.failureReason = "iteration limit 500 reached"
        #expect(ChurnModelSelection.identificationProblem(names: names, values: [0.5, 5, 1, 2], standardErrors: [0.1, 1, 0.3, 0.9], diagnostics: failed)!.contains("did not settle on an optimum"))
    }

    /// 60 % of the customers never order again after the first order: BG/NBD (for which a customer without
    /// repeat orders is certainly alive) must not be the one chosen.
    @Test func oneOrderDropoutsAreNotTreatedAsAlive() async {
        let asOf = 730, H = 90
        let histories = ModelSimulation.betaGeoHistories(r: 1.5, alphaDays: 40, a: 1, b: 6, firstDays: Self.firstDays(8000, seed: 13),
                                                         endDay: asOf, oneOrderShare: 0.6, seed: 17)
        let s = await offPool { ChurnModelSelection.select(histories, asOf: asOf, horizon: H) }
        print(Self.describe(s))
        #expect(s.chosen != .betaGeo)
        #expect(s.chosen != .baseline)
    }

    /// The CDNOW 1/10 sample: calibration day 1997-09-30 (the end of the 39-week calibration), H = 90 days, so
    /// as-of 1997-12-29. Prints each candidate's scores (reported in the commit/brief).
    @Test func cdnowCandidates() async throws {
        var byCustomer: [String: (days: [Int], amounts: [Double])] = [:]
        for line in Fixture.text("CDNOW_sample.txt").split(whereSeparator: \.isNewline) {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\r" })
            let d = String(f[2])
            let day = Fixture.day(String(d.prefix(4)) + "-" + String(d.dropFirst(4).prefix(2)) + "-" + String(d.suffix(2)))
            byCustomer[String(f[0]), default: ([], [])].days.append(day)
            byCustomer[String(f[0]), default: ([], [])].amounts.append(Double(f[4])!)
        }
        let histories = byCustomer.keys.sorted().map { OrderHistory(days: byCustomer[$0]!.days, amounts: byCustomer[$0]!.amounts) }
        #expect(histories.count == 2357)
        let cal = Fixture.day("1997-09-30")
        let s = await offPool { ChurnModelSelection.select(histories, asOf: cal + 90, horizon: 90) }
        print("CDNOW churn candidates\n" + Self.describe(s))
        for r in s.results { print(r.candidate.rawValue, r.metrics?.calibration.map { "\($0.meanPredicted)/\($0.observedRate)/\($0.count)" } ?? []) }
        #expect(s.customers == 2357)
        let allScored = s.results.allSatisfy { $0.metrics != nil }
        #expect(allScored)
        #expect((s.result(s.chosen)?.metrics?.auc ?? 0) > 0.7)
        // BG/NBD fitted on the 90-day split equals the 39-week calibration fit (same (x, t_x, T)).
        let bg = s.result(.betaGeo)!.parameters
        #expect(abs(bg[0].value - 0.243) < 0.0005 && abs(bg[3].value - 2.426) < 0.0005)
    }
}
