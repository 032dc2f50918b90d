/// A small open-addressing hash map from `UInt64` keys to `Int32` values (order keys on the hot path).
struct UInt64Map {
    var keys: [UInt64]
    var values: [Int32]
    var mask: Int
    var count = 0
    static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: UInt64Map.empty, count: size)
        values = Array(repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always)
    static func hash(_ k: UInt64) -> Int {
        var h = k &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    /// Returns the existing value for `key`, or inserts `value` and returns nil.
    @inline(__always)
    mutating func getOrInsert(_ key: UInt64, _ value: Int32) -> Int32? {
        var slot = UInt64Map.hash(key) & mask
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == UInt64Map.empty { break }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = value
        count += 1
        if count * 2 > keys.count { grow() }
        return nil
    }

    mutating func grow() {
        let oldKeys = keys, oldValues = values
        let size = keys.count * 2
        keys = Array(repeating: UInt64Map.empty, count: size)
        values = Array(repeating: 0, count: size)
        mask = size - 1
        for i in 0..<oldKeys.count where oldKeys[i] != UInt64Map.empty {
            var slot = UInt64Map.hash(oldKeys[i]) & mask
            while keys[slot] != UInt64Map.empty { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[i]
            values[slot] = oldValues[i]
        }
    }
}
