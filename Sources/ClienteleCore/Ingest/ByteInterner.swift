/// Interns byte strings (customer ids, invoices, countries) to dense `Int32` codes, without creating Strings on the
/// hot path. Open addressing with linear probing; keys live in one contiguous arena.
public struct ByteInterner: Sendable {
    public private(set) var arena: [UInt8] = []
    public private(set) var offsets: [Int] = [0]
    /// Slots: 0 = empty, else (code + 1) << 32 | 32-bit hash. The hash in the slot lets a probe reject a
    /// non-matching key without touching the arena (one cache miss per probe instead of three).
    var table: [UInt64]
    var mask: Int

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        table = Array(repeating: 0, count: size)
        mask = size - 1
    }

    public var count: Int { offsets.count - 1 }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0x0000_0100_0000_01B3
            h ^= h >> 29
            i += 8
        }
        while i < n { h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01B3; i += 1 }
        h ^= h >> 32
        h = h &* 0x9E37_79B9_7F4A_7C15
        return UInt32(truncatingIfNeeded: h >> 32)
    }

    /// The code of a byte string, adding it if new.
    @inline(__always)
    public mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        let h = ByteInterner.hash(p, n)
        var slot = Int(h) & mask
        while true {
            let entry = table[slot]
            if entry == 0 { break }
            if UInt32(truncatingIfNeeded: entry) == h {
                let code = Int32(truncatingIfNeeded: entry >> 32) - 1
                if bytesEqual(code, p, n) { return code }
            }
            slot = (slot + 1) & mask
        }
        let code = Int32(count)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        offsets.append(arena.count)
        table[slot] = UInt64(UInt32(code) + 1) << 32 | UInt64(h)
        if count * 2 > table.count { grow() }
        return code
    }

    public mutating func intern(_ text: String) -> Int32 {
        var bytes = Array(text.utf8)
        let n = bytes.count
        return bytes.withUnsafeMutableBufferPointer { buf in
            if n == 0 {
                var zero: UInt8 = 0
                return intern(&zero, 0)
            }
            return intern(UnsafePointer(buf.baseAddress!), n)
        }
    }

    /// The code of a byte string if present.
    public func lookup(_ text: String) -> Int32? {
        var bytes = Array(text.utf8) + [0]
        let n = bytes.count - 1
        return bytes.withUnsafeMutableBufferPointer { buf -> Int32? in
            let p = UnsafePointer(buf.baseAddress!)
            let h = ByteInterner.hash(p, n)
            var slot = Int(h) & mask
            while table[slot] != 0 {
                let entry = table[slot]
                let code = Int32(truncatingIfNeeded: entry >> 32) - 1
                if UInt32(truncatingIfNeeded: entry) == h && bytesEqual(code, p, n) { return code }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    @inline(__always)
    func bytesEqual(_ code: Int32, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let start = offsets[Int(code)]
        guard offsets[Int(code) + 1] - start == n else { return false }
        return arena.withUnsafeBufferPointer { a in sameBytes(a.baseAddress! + start, p, n) }
    }

    mutating func grow() {
        let size = table.count * 2
        var newTable = [UInt64](repeating: 0, count: size)
        let newMask = size - 1
        for entry in table where entry != 0 {
            var slot = Int(UInt32(truncatingIfNeeded: entry)) & newMask
            while newTable[slot] != 0 { slot = (slot + 1) & newMask }
            newTable[slot] = entry
        }
        table = newTable
        mask = newMask
    }

    /// The bytes of a code.
    @inline(__always)
    public func bytes(_ code: Int32) -> ArraySlice<UInt8> {
        arena[offsets[Int(code)]..<offsets[Int(code) + 1]]
    }

    /// The text of a code (invalid UTF-8 is repaired with U+FFFD).
    public func string(_ code: Int32) -> String {
        String(decoding: bytes(code), as: UTF8.self)
    }

    /// The first 8 bytes of a code's text, big-endian, zero-padded: comparing prefixes orders texts in code-point
    /// order except when they are equal (then compare with ``precedes(_:_:)``).
    @inline(__always)
    public func prefix8(_ code: Int32) -> UInt64 {
        let s = offsets[Int(code)], n = min(8, offsets[Int(code) + 1] - s)
        return arena.withUnsafeBufferPointer { buf in
            var v: UInt64 = 0
            for k in 0..<8 { v = v << 8 | (k < n ? UInt64(buf[s + k]) : 0) }
            return v
        }
    }

    /// Code-point order of two codes' texts (UTF-8 byte order equals code-point order).
    @inline(__always)
    public func precedes(_ a: Int32, _ b: Int32) -> Bool {
        let sa = offsets[Int(a)], la = offsets[Int(a) + 1] - sa
        let sb = offsets[Int(b)], lb = offsets[Int(b) + 1] - sb
        return arena.withUnsafeBufferPointer { buf in
            let c = memcmp(buf.baseAddress! + sa, buf.baseAddress! + sb, min(la, lb))
            return c < 0 || (c == 0 && la < lb)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte equality for the short keys of order data (inline: cheaper than a `memcmp` call).
@inline(__always)
func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
