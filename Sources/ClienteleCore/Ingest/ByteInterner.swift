/// Interns byte strings (customer ids, invoices, countries) to dense `Int32` codes, without creating Strings on the
/// hot path. Open addressing with linear probing; keys live in one contiguous arena.
public struct ByteInterner: Sendable {
    public private(set) var arena: [UInt8] = []
    public private(set) var offsets: [Int] = [0]
    var hashes: [UInt64] = []
    var table: [Int32]
    var mask: Int

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        table = Array(repeating: -1, count: size)
        mask = size - 1
    }

    public var count: Int { offsets.count - 1 }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
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
        return h ^ (h >> 29)
    }

    /// The code of a byte string, adding it if new.
    @inline(__always)
    public mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        let h = ByteInterner.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let code = table[slot]
            if code < 0 { break }
            if hashes[Int(code)] == h {
                let start = offsets[Int(code)]
                let len = offsets[Int(code) + 1] - start
                if len == n {
                    let equal = arena.withUnsafeBufferPointer { a in memcmp(a.baseAddress! + start, p, n) == 0 }
                    if equal { return code }
                }
            }
            slot = (slot + 1) & mask
        }
        let code = Int32(count)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        offsets.append(arena.count)
        hashes.append(h)
        table[slot] = code
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
        var bytes = Array(text.utf8)
        let n = bytes.count
        return bytes.withUnsafeMutableBufferPointer { buf -> Int32? in
            var zero: UInt8 = 0
            let p: UnsafePointer<UInt8> = n == 0 ? withUnsafePointer(to: &zero) { $0 } : UnsafePointer(buf.baseAddress!)
            let h = ByteInterner.hash(p, n)
            var slot = Int(truncatingIfNeeded: h) & mask
            while table[slot] >= 0 {
                let code = table[slot]
                if hashes[Int(code)] == h && bytesEqual(code, p, n) { return code }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    func bytesEqual(_ code: Int32, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let start = offsets[Int(code)]
        guard offsets[Int(code) + 1] - start == n else { return false }
        return arena.withUnsafeBufferPointer { a in n == 0 || memcmp(a.baseAddress! + start, p, n) == 0 }
    }

    mutating func grow() {
        let size = table.count * 2
        var newTable = [Int32](repeating: -1, count: size)
        let newMask = size - 1
        for code in 0..<count {
            var slot = Int(truncatingIfNeeded: hashes[code]) & newMask
            while newTable[slot] >= 0 { slot = (slot + 1) & newMask }
            newTable[slot] = Int32(code)
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
