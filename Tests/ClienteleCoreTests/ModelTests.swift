import Foundation
import Testing
@testable import ClienteleCore

/// The CDNOW 1/10 sample (2,357 customers who first bought in 1997-Q1), 39-week calibration ending 1997-09-30,
/// time in weeks, as in Fader, Hardie & Lee (2005).
enum CDNOW {
    struct Published { var id: Int; var x: Int; var tx: String; var T: String; var zbar: String }

    static let lines: OrderLines = try! OrderLineLoader.load(paths: [Fixture.path("CDNOW_sample.txt")]).lines

    /// Customer id -> sample index (the ID of the published summary).
    static let sampleIndex: [String: Int] = {
        var m: [String: Int] = [:]
        for line in Fixture.text("CDNOW_sample.txt").split(whereSeparator: \.isNewline) {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\r" })
            m[String(f[0])] = Int(f[1])!
        }
        return m
    }()

    static let summary = PurchaseSummary(lines: lines, calibrationEnd: Fixture.day("1997-09-30"), holdoutEnd: Fixture.day("1998-06-30"),
                                    timeUnit: .weeks)
    static let data = summary.modelData()

    /// `cdnow_customers_summary.csv` (x, t_x, T) joined with `cdnow_customers_summary_zbar.csv` (the same with z̄, as
    /// distributed with the lifetimes package's datasets).
    static let published: [Published] = {
        let rows = Fixture.text("cdnow_customers_summary.csv").split(whereSeparator: \.isNewline).dropFirst()
        let zrows = Fixture.text("cdnow_customers_summary_zbar.csv").split(whereSeparator: \.isNewline).dropFirst()
        return zip(rows, zrows).map { a, z in
            let f = a.split(separator: ","), g = z.split(separator: ",")
            precondition(f[0] == g[0])
            return Published(id: Int(f[0])!, x: Int(f[1])!, tx: String(f[2]), T: String(f[3]), zbar: String(g[4]))
        }
    }()
}

/// Decimal text with 2 places of a non-negative Double (no ties arise for days / 7).
func twoPlaces(_ v: Double) -> String {
    let cents = Int((v * 100).rounded())
    return "\(cents / 100)." + (cents % 100 < 10 ? "0" : "") + "\(cents % 100)"
}

/// Same number, ignoring trailing zeros ("0.0" == "0.00").
func sameDecimal(_ a: String, _ b: String) -> Bool { Double(a)! == Double(b)! }

@Suite struct ModelSummaryTests {
    @Test func cdnowSummaryMatchesThePublishedFileExactly() throws {
        let s = CDNOW.summary
        #expect(s.count == 2357)
        #expect(CDNOW.published.count == 2357)
        var byIndex: [Int: Int] = [:]
        for i in 0..<s.count { byIndex[CDNOW.sampleIndex[s.id(i)]!] = i }
        var mismatches: [String] = []
        var zbarMismatches: [String] = []
        var repeatBuyers = 0
        for p in CDNOW.published {
            let i = try #require(byIndex[p.id])
            if Int(s.repeatPurchases[i]) != p.x || !sameDecimal(twoPlaces(s.tx(i)), p.tx) || !sameDecimal(twoPlaces(s.age(i)), p.T) {
                mismatches.append("\(p.id): \(s.repeatPurchases[i]) \(twoPlaces(s.tx(i))) \(twoPlaces(s.age(i))) vs \(p.x) \(p.tx) \(p.T)")
            }
            // z̄ exactly: the exact mean in money units, rounded half-up to cents.
            let units = s.repeatSpendUnits[i], x = Int64(s.repeatPurchases[i])
            let cents = x == 0 ? 0 : (units * 2 + 100 * x) / (200 * x)
            let text = "\(cents / 100)." + (cents % 100 < 10 ? "0" : "") + "\(cents % 100)"
            if !sameDecimal(text, p.zbar) { zbarMismatches.append("\(p.id): \(text) vs \(p.zbar)") }
            if x > 0 { repeatBuyers += 1 }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(zbarMismatches.isEmpty, "\(zbarMismatches.prefix(5))")
        #expect(repeatBuyers == 946)
        #expect(s.spendData().count == 946)
        // No cancellations in CDNOW.
        #expect(s.unattributedCancellationUnits == 0)
        // Compression: identical (x, t_x, T) rows become one weighted row.
        let d = CDNOW.data
        #expect(d.count < 2357)
        #expect(d.totalWeight == 2357)
        #expect(d.inputRows == 2357)
    }
}

@Suite struct BetaGeoModelTests {
    @Test func cdnowFitMatchesPublishedEstimates() {
        let fit = BetaGeoModel.fit(CDNOW.data)
        expectPublished("BG/NBD", fit, [("r", fit.r, 0.243), ("alpha", fit.alpha, 4.414), ("a", fit.a, 0.793), ("b", fit.b, 2.426)],
                        within: 0.0005, logLikelihood: -9582.4)
    }
}

@Suite struct ParetoNBDModelTests {
    @Test func cdnowFitMatchesPublishedEstimates() {
        let fit = ParetoNBDModel.fit(CDNOW.data)
        expectPublished("Pareto/NBD", fit, [("r", fit.r, 0.553), ("alpha", fit.alpha, 10.578), ("s", fit.s, 0.606), ("beta", fit.beta, 11.669)],
                        within: 0.0005, logLikelihood: -9595.0)
    }
}

@Suite struct GammaGammaModelTests {
    @Test func cdnowFitMatchesPublishedEstimates() {
        let data = CDNOW.summary.spendData()
        #expect(data.count == 946)
        let fit = GammaGammaModel.fit(data)
        expectPublished("Gamma-Gamma", fit, [("p", fit.p, 6.25), ("q", fit.q, 3.74), ("gamma", fit.gamma, 15.44)], within: 0.005)
    }
}
