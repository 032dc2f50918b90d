import Foundation

extension DemoDataGenerator {
    protocol RandomSource {
        mutating func next() -> UInt64
    }

    /// SplitMix64 (Steele, Lea & Flood 2014), for seeding and hashing.
    struct SplitMix64: RandomSource {
        var state: UInt64

        @inline(__always)
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            return Self.mix(state)
        }

        @inline(__always)
        static func mix(_ x: UInt64) -> UInt64 {
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// xoshiro256** (Blackman & Vigna 2018).
    struct Xoshiro256: RandomSource {
        var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

        init(seed: UInt64) {
            var sm = SplitMix64(state: seed)
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
}

extension DemoDataGenerator.RandomSource {
    /// Uniform in [0, 1).
    @inline(__always)
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in (0, 1).
    @inline(__always)
    mutating func uniformOpen() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// Uniform integer in 0 ..< n (multiply-shift; the bias is below 2^-32 for the sizes used here).
    @inline(__always)
    mutating func below(_ n: Int) -> Int {
        Int((UInt64(UInt32(truncatingIfNeeded: next() >> 32)) &* UInt64(n)) >> 32)
    }

    mutating func exponential() -> Double { -Foundation.log(uniformOpen()) }

    mutating func normal() -> Double {
        Foundation.sqrt(-2 * Foundation.log(uniformOpen())) * Foundation.cos(2 * Double.pi * uniform())
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 by the boost Gamma(a) = Gamma(a + 1) U^(1/a).
    mutating func gamma(_ shape: Double) -> Double {
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

    mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(a), y = gamma(b)
        return x / (x + y)
    }
}

// MARK: - Catalogue
