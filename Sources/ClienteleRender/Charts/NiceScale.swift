// "Nice" axis ticks: steps of 1, 2 or 5 times a power of ten.

import Foundation

/// A linear axis whose ends and ticks are multiples of a 1-2-5 step, covering
/// the data: `NiceScale(min: 0, max: 87).ticks == [0, 20, 40, 60, 80, 100]`.
public struct NiceScale: Sendable, Equatable {
    public let lower: Double
    public let upper: Double
    public let step: Double
    /// From `lower` to `upper` inclusive; 4-7 values for ordinary ranges.
    public let ticks: [Double]

    /// - Parameters:
    ///   - includeZero: widen the range to contain 0 (bar charts).
    ///   - maxTicks: the most ticks allowed (at least 3).
    public init(min dataMin: Double, max dataMax: Double, includeZero: Bool = false, maxTicks: Int = 7) {
        var lo = dataMin.isFinite ? dataMin : 0
        var hi = dataMax.isFinite ? dataMax : 0
        if lo > hi { swap(&lo, &hi) }
        if includeZero { lo = Swift.min(lo, 0); hi = Swift.max(hi, 0) }
        if lo == hi {
            // A single value: a range around it (or 0...1 for zero).
            if lo == 0 { hi = 1 } else if includeZero { lo < 0 ? (hi = 0) : (lo = 0) } else {
                let pad = abs(lo) * 0.1
                lo -= pad; hi += pad
            }
        }
        let maxTicks = Swift.max(3, maxTicks)
        // Candidate steps from a tenth of the range upwards: the smallest with few enough ticks.
        // (A range too wide or too narrow for a Double's exponent starts the search at the edge instead of trapping.)
        let magnitude = Foundation.log10((hi - lo) / Double(maxTicks)).rounded(.down)
        var exponent = magnitude.isFinite ? Int(Swift.max(-330, Swift.min(330, magnitude))) - 1 : (magnitude > 0 ? 307 : -330)
        var chosen: (step: Double, first: Int, last: Int, mantissa: Double, exponent: Int)?
        search: while exponent < 308 {
            for mantissa in [1.0, 2.0, 5.0] {
                let step = NiceScale.step(mantissa, exponent)
                let firstTick = (lo / step + 1e-9).rounded(.down), lastTick = (hi / step - 1e-9).rounded(.up)
                guard abs(firstTick) < 1e15, abs(lastTick) < 1e15 else { continue }   // step too small for this range
                let first = Int(firstTick), last = Int(lastTick)
                if last - first + 1 <= maxTicks {
                    chosen = (step, first, last, mantissa, exponent)
                    break search
                }
            }
            exponent += 1
        }
        let c = chosen ?? (hi - lo, 0, 1, 1, 0)
        step = c.step
        ticks = (c.first...c.last).map { NiceScale.value(Double($0) * c.mantissa, c.exponent) }
        lower = ticks.first ?? lo
        upper = ticks.last ?? hi
    }

    /// `mantissa * 10^exponent`, computed so that decimal steps are exact-ish (0.2, not 0.20000000000000001).
    private static func value(_ mantissa: Double, _ exponent: Int) -> Double {
        exponent >= 0 ? mantissa * pow10(exponent) : mantissa / pow10(-exponent)
    }

    private static func step(_ mantissa: Double, _ exponent: Int) -> Double { value(mantissa, exponent) }

    private static func pow10(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<e { r *= 10 }
        return r
    }

    /// Position of `value` in 0...1 along the axis.
    public func fraction(_ value: Double) -> Double {
        upper == lower ? 0 : (value - lower) / (upper - lower)
    }
}
