// The data of one named series in a multi-series chart.

/// One named series: a value per category (or per x value); nil = missing.
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var values: [Double?]

    public init(name: String, values: [Double?]) {
        self.name = name
        self.values = values
    }

    /// The value at `index` if present and finite.
    func value(_ index: Int) -> Double? {
        guard index >= 0, index < values.count, let v = values[index], v.isFinite else { return nil }
        return v
    }
}
