import Foundation
import Testing
@testable import ClienteleCore

/// Prints a fit of the CDNOW data and expects it converged, every estimate within `tolerance` of its published value
/// and, when given, the log-likelihood within 0.05 of the published one.
func expectPublished<Model>(_ name: String, _ fit: ModelFit<Model>, _ estimates: [(name: String, value: Double, published: Double)],
                            within tolerance: Double, logLikelihood: Double? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    print(name, estimates.map(\.value), fit.logLikelihood, fit.iterations, fit.diagnostics.method, fit.standardErrors as Any, fit.failureReason as Any)
    #expect(fit.converged, sourceLocation: sourceLocation)
    for e in estimates {
        #expect(abs(e.value - e.published) < tolerance, "\(e.name) = \(e.value), published \(e.published)", sourceLocation: sourceLocation)
    }
    if let logLikelihood {
        #expect(abs(fit.logLikelihood - logLikelihood) < 0.05, sourceLocation: sourceLocation)
    }
}

enum Fixture {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")!.path
    }

    static func text(_ name: String) -> String {
        try! String(contentsOfFile: path(name), encoding: .utf8)
    }

    static func day(_ iso: String) -> Int { CivilDate.parseISODate(iso)! }

    /// Money units of a decimal literal, e.g. "25.5" -> 255000.
    static func units(_ s: String) -> Int64 { ParsedDecimal.parse(s)!.moneyUnits! }
}

extension Analysis {
    func row(_ id: String) -> Int? {
        guard let code = table.ids.lookup(id) else { return nil }
        let r = table.rowOfCode[Int(code)]
        return r < 0 ? nil : Int(r)
    }
}
