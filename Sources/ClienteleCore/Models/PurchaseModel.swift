import Foundation

/// A fitted buy-till-you-die transaction model (BG/NBD or Pareto/NBD): per-customer predictions from the
/// calibration summary (x, t_x, T), all in the model's time unit.
public protocol PurchaseModel: Sendable {
    /// P(alive at T | x, t_x, T).
    func probabilityAlive(x: Double, tx: Double, T: Double) -> Double
    /// E[Y(t) | x, t_x, T]: expected purchases in (T, T + t].
    func expectedPurchases(in t: Double, x: Double, tx: Double, T: Double) -> Double
    /// E[X(t)]: expected purchases in (0, t] of a customer who made a first purchase at 0 (repeat purchases only).
    func expectedPurchasesNewCustomer(in t: Double) -> Double
}

/// Shared pieces of the fit results.
public struct FitDiagnostics: Sendable {
    /// Maximised log-likelihood.
    public var logLikelihood: Double
    /// Optimiser iterations (all methods together).
    public var iterations: Int
    /// Log-likelihood evaluations.
    public var evaluations: Int
    /// True when the optimiser met its gradient tolerance.
    public var converged: Bool
    /// Optimiser used ("BFGS", or "Nelder-Mead + BFGS" after a fallback).
    public var method: String
    /// Why the fit did not converge or why standard errors are missing, in plain words; nil when all is well.
    public var failureReason: String?
    /// Number of customers (sum of the weights) and of distinct rows.
    public var customers: Double
    public var rows: Int
    /// Covariance of the log-parameters (the inverse observed information on the log scale, in the fit's parameter
    /// order); nil when the information matrix is not positive definite. Intervals of predictions come from it.
    public var logCovariance: [[Double]]? = nil
}

/// Result of a maximum-likelihood fit (``BetaGeoFit``, ``ModifiedBetaGeoFit``, ``ParetoNBDFit``, ``GammaGammaFit``):
/// the fitted model (NaN parameters when the data cannot be fitted), the standard errors of its parameters as a model
/// of the same type (nil when the information matrix is not positive definite) and the diagnostics. The model's
/// parameters read through: `fit.r`, `fit.alpha`.
@dynamicMemberLookup
public struct ModelFit<Model: Sendable>: Sendable {
    public var model: Model
    public var standardErrors: Model?
    public var diagnostics: FitDiagnostics

    public subscript<Value>(dynamicMember parameter: KeyPath<Model, Value>) -> Value { model[keyPath: parameter] }
    public var logLikelihood: Double { diagnostics.logLikelihood }
    public var iterations: Int { diagnostics.iterations }
    public var converged: Bool { diagnostics.converged }
    public var failureReason: String? { diagnostics.failureReason }
}

enum FitSupport {
    /// The answer to data that cannot be fitted: `model` (NaN parameters), no standard errors, the reason.
    static func unfitted<Model>(_ model: Model, reason: String, customers: Double, rows: Int) -> ModelFit<Model> {
        ModelFit(model: model, standardErrors: nil,
                 diagnostics: FitDiagnostics(logLikelihood: .nan, iterations: 0, evaluations: 0, converged: false, method: "none",
                                             failureReason: reason, customers: customers, rows: rows))
    }

    /// Maximum-likelihood fit over log-parameters with an analytic gradient: `evaluate` gives the log-likelihood and
    /// its gradient at φ; -LL / `weight` is minimised from `start` (BFGS; Nelder-Mead fallback), and the Hessian of -LL
    /// comes from central differences of the gradient.
    static func fit<Model>(start: [Double], weight w: Double, rows: Int, options: Optimizer.Options,
                           evaluate: ([Double]) -> (ll: Double, grad: [Double]), model: ([Double]) -> Model) -> ModelFit<Model> {
        let result = Optimizer.minimize({ p in
            let e = evaluate(p)
            return (-e.ll / w, e.grad.map { -$0 / w })
        }, start: start, options: options)
        let hessian = Optimizer.hessian(gradient: { q in
            let e = evaluate(q)
            return (-e.ll, e.grad.map { -$0 })
        }, at: result.point)
        return fitted(result, hessian: hessian, weight: w, rows: rows, model: model)
    }

    /// The fit at the optimiser's result (its value is -LL / `weight`): parameters exp(φ), standard errors from the
    /// Hessian of -LL on the log scale (``standardErrors(_:_:)``) and the diagnostics.
    static func fitted<Model>(_ result: OptimizationResult, hessian: [[Double]], weight w: Double, rows: Int,
                              model: ([Double]) -> Model) -> ModelFit<Model> {
        let p = result.point.map { exp($0) }
        let (se, seReason, covariance) = standardErrors(hessian, p)
        let diagnostics = FitDiagnostics(logLikelihood: -result.value * w, iterations: result.iterations,
                                         evaluations: result.evaluations, converged: result.converged, method: result.method,
                                         failureReason: result.failureReason ?? seReason, customers: w, rows: rows, logCovariance: covariance)
        return ModelFit(model: model(p), standardErrors: se.map(model), diagnostics: diagnostics)
    }

    /// Runs `body` over row ranges, in parallel for large inputs, and returns the per-chunk results.
    static func chunked<T>(_ rows: Int, minimumPerChunk: Int = 65_536, _ body: (Range<Int>) -> T) -> [T] {
        let workers = ProcessInfo.processInfo.activeProcessorCount
        let chunks = max(1, min(workers * 2, rows / minimumPerChunk))
        if chunks == 1 { return [body(0..<rows)] }
        let size = (rows + chunks - 1) / chunks
        return parallelMap(chunks) { c in body(c * size..<min(rows, (c + 1) * size)) }
    }

    /// Standard errors from the Hessian of the negative log-likelihood on the log-parameter scale; the failure
    /// reason when it is not positive definite.
    static func standardErrors(_ hessian: [[Double]], _ parameters: [Double]) -> ([Double]?, String?, [[Double]]?) {
        if let inv = Optimizer.inverseSPD(hessian) {
            let se = (0..<parameters.count).map { parameters[$0] * inv[$0][$0].squareRoot() }
            if se.allSatisfy(\.isFinite) { return (se, nil, inv) }
        }
        return (nil, "the observed information matrix is not positive definite (parameters not identified, or the optimum is on a boundary): no standard errors", nil)
    }
}
