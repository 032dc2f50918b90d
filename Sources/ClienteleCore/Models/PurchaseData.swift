/// Why model input was rejected.
public struct ModelDataError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ text: String) { description = text }
}

/// Input of the BG/NBD and Pareto/NBD models: rows (x, t_x, T) with weights, identical rows compressed into one
/// row whose weight is the number of customers (the log-likelihood is a weighted sum over rows).
///
/// Besides the rows, the distinct values of x, t_x and T are kept with an index per row, so that the fits compute
/// the terms that depend on one value only (log-gamma, log(α + T), ...) once per distinct value.
public struct PurchaseData: Sendable {
    /// Per row.
    public private(set) var x: [Double] = []
    public private(set) var tx: [Double] = []
    public private(set) var T: [Double] = []
    public private(set) var weight: [Double] = []
    /// Sum of the weights (number of customers).
    public private(set) var totalWeight = 0.0
    /// Number of input rows before compression.
    public private(set) var inputRows = 0

    // Distinct values and per-row indices into them.
    var xValues: [Double] = [], xIndex: [Int32] = []
    var txValues: [Double] = [], txIndex: [Int32] = []
    var TValues: [Double] = [], TIndex: [Int32] = []
    /// Total weight of the rows with each distinct x.
    var weightOfX: [Double] = []

    public var count: Int { weight.count }

    /// Validates and (optionally) compresses the rows. Requirements: x a non-negative whole number, 0 <= t_x <= T,
    /// T > 0 or (T = 0 and x = 0), weights > 0, all finite. t_x is ignored (taken as 0) when x = 0.
    public init(x: [Double], tx: [Double], T: [Double], weight: [Double]? = nil, compress: Bool = true) throws(ModelDataError) {
        let n = x.count
        guard tx.count == n, T.count == n, weight.map({ $0.count == n }) ?? true else {
            throw ModelDataError("x, t_x, T and weight must have the same length")
        }
        guard n > 0 else { throw ModelDataError("no customers") }
        inputRows = n
        var xMap = UInt64Map(capacity: 64), tMap = UInt64Map(capacity: 1024), bigTMap = UInt64Map(capacity: 1024)
        var rowMap = UInt64Map(capacity: compress ? min(n, 1 << 16) : 16)
        self.x.reserveCapacity(compress ? 1024 : n)
        for i in 0..<n {
            let xi = x[i], ti = xi == 0 ? 0 : tx[i], Ti = T[i], wi = weight?[i] ?? 1
            guard xi.isFinite, ti.isFinite, Ti.isFinite, wi.isFinite else { throw ModelDataError("row \(i): not a finite number") }
            guard xi >= 0, xi == xi.rounded() else { throw ModelDataError("row \(i): x = \(xi) is not a whole number >= 0") }
            guard ti >= 0, ti <= Ti else { throw ModelDataError("row \(i): t_x = \(ti) is not within [0, T = \(Ti)]") }
            guard Ti > 0 || xi == 0 else { throw ModelDataError("row \(i): T = 0 with repeat purchases") }
            guard wi > 0 else { throw ModelDataError("row \(i): weight \(wi) is not positive") }
            let a = PurchaseData.code(xi, &xMap, &xValues)
            let b = PurchaseData.code(ti + 0, &tMap, &txValues)
            let c = PurchaseData.code(Ti + 0, &bigTMap, &TValues)
            guard xValues.count < 1 << 21, txValues.count < 1 << 21, TValues.count < 1 << 21 else {
                throw ModelDataError("too many distinct values")
            }
            if compress {
                let key = UInt64(a) << 42 | UInt64(b) << 21 | UInt64(c)
                if let row = rowMap.getOrInsert(key, Int32(self.weight.count)) {
                    self.weight[Int(row)] += wi
                    totalWeight += wi
                    continue
                }
            }
            self.x.append(xi); self.tx.append(ti); self.T.append(Ti); self.weight.append(wi)
            xIndex.append(a); txIndex.append(b); TIndex.append(c)
            totalWeight += wi
        }
        weightOfX = [Double](repeating: 0, count: xValues.count)
        for i in 0..<self.weight.count { weightOfX[Int(xIndex[i])] += self.weight[i] }
    }

    @inline(__always)
    static func code(_ v: Double, _ map: inout UInt64Map, _ values: inout [Double]) -> Int32 {
        if let found = map.getOrInsert(v.bitPattern, Int32(values.count)) { return found }
        values.append(v)
        return Int32(values.count - 1)
    }

    /// The same rows with time rescaled (t_x and T multiplied by `factor`), e.g. 1/7 for days to weeks.
    public func rescaled(by factor: Double) -> PurchaseData {
        try! PurchaseData(x: x, tx: tx.map { $0 * factor }, T: T.map { $0 * factor }, weight: weight, compress: false)
    }
}

/// Input of the Gamma-Gamma spend model: customers with x > 0 repeat purchases and their mean repeat-order value
/// z̄ > 0, with weights.
public struct SpendData: Sendable {
    public private(set) var x: [Double]
    public private(set) var meanSpend: [Double]
    public private(set) var weight: [Double]
    public var count: Int { x.count }
    public var totalWeight: Double { weight.reduce(0, +) }

    public init(x: [Double], meanSpend: [Double], weight: [Double]? = nil) throws(ModelDataError) {
        guard meanSpend.count == x.count, weight.map({ $0.count == x.count }) ?? true else {
            throw ModelDataError("x, mean spend and weight must have the same length")
        }
        for i in 0..<x.count {
            guard x[i].isFinite, x[i] > 0 else { throw ModelDataError("row \(i): x = \(x[i]) must be > 0") }
            guard meanSpend[i].isFinite, meanSpend[i] > 0 else { throw ModelDataError("row \(i): mean spend \(meanSpend[i]) must be > 0") }
            if let w = weight?[i], !(w.isFinite && w > 0) { throw ModelDataError("row \(i): weight \(w) is not positive") }
        }
        self.x = x
        self.meanSpend = meanSpend
        self.weight = weight ?? [Double](repeating: 1, count: x.count)
    }
}
