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

enum FitSupport {
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
