import Foundation

/// A seeded, reproducible stream of 64-bit random numbers and the distributions drawn from it: the one
/// implementation of random numbers, used by the demo data generator, the model simulations, the seeded samples and
/// the bootstrap. Two engines: ``SplitMix64`` (one word of state: seeding, hashing, short and simulation streams) and
/// ``Xoshiro256`` (the demo generator's long streams). The same seed always gives the same numbers; the demo data
/// depend on every draw below, so a change here changes the demo data.
public protocol SeededRandom: RandomNumberGenerator {}

extension SeededRandom {
    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in (0, 1).
    @inline(__always)
    public mutating func uniformOpen() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// Uniform integer in 0 ..< n (multiply-shift; the bias is below 2^-32 for the sizes used here).
    @inline(__always)
    public mutating func below(_ n: Int) -> Int {
        Int((UInt64(UInt32(truncatingIfNeeded: next() >> 32)) &* UInt64(n)) >> 32)
    }

    /// Exponential with rate 1.
    public mutating func exponential() -> Double { -Foundation.log(uniformOpen()) }

    /// Exponential with rate `rate` (mean 1 / rate).
    public mutating func exponential(rate: Double) -> Double { exponential() / rate }

    /// Standard normal (Box-Muller, one of the pair).
    public mutating func normal() -> Double {
        Foundation.sqrt(-2 * Foundation.log(uniformOpen())) * Foundation.cos(2 * Double.pi * uniform())
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 by the boost Gamma(a) = Gamma(a + 1) U^(1/a).
    public mutating func gamma(_ shape: Double) -> Double {
        if shape < 1 {
            return gamma(shape + 1) * Foundation.pow(uniformOpen(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / Foundation.sqrt(9 * d)
        while true {
            var x = 0.0, v = 0.0
            repeat { x = normal(); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = uniformOpen()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }

    /// Gamma(shape, rate) (mean shape / rate).
    public mutating func gamma(shape: Double, rate: Double) -> Double { gamma(shape) / rate }

    /// Beta(a, b), as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(a), y = gamma(b)
        return x / (x + y)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): one word of state; for seeding, hashing and the simulations.
public struct SplitMix64: SeededRandom, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The output function: a 64-bit hash of `x`.
    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman & Vigna 2018), seeded by SplitMix64: the demo generator's long streams.
struct Xoshiro256: SeededRandom, Sendable {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }
}
