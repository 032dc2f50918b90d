/// Parses the date formats met in order exports to a day number (ANALYTICS.md section 1: only the calendar date is used).
///
/// Accepted (surrounding white space already trimmed):
/// - `2010-12-01`, `2010-12-01 08:26`, `2010-12-01 08:26:00`, ISO 8601 `2010-12-01T08:26:00`, with optional
///   fractional seconds and zone (`Z`, `+01:00`, `+0100`, or after a space as Shopify writes it: `2024-03-05 14:22:10 +0100`);
///   the zone is ignored: the date is the data's own local date, not converted to UTC.
/// - `2010/12/01` with the same optional time.
/// - `12/1/2010 8:26` (month first, as in the UCI Online Retail export; day first with `dayFirst`), optional
///   `:SS` and `AM`/`PM`.
/// - `20101201` (`yyyymmdd`, CDNOW).
public struct TimestampParser: Sendable {
    public var dayFirst: Bool

    public init(dayFirst: Bool = false) { self.dayFirst = dayFirst }

    @inline(__always)
    public func parseDay(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        if n < 8 { return nil }
        // yyyymmdd
        if n == 8 {
            guard let y = digits(p, 0, 4), let m = digits(p, 4, 2), let d = digits(p, 6, 2) else { return nil }
            return validDay(y, m, d)
        }
        if n >= 10, p[4] == UInt8(ascii: "-") || p[4] == UInt8(ascii: "/"), p[7] == p[4] {
            guard let y = digits(p, 0, 4), let m = digits(p, 5, 2), let d = digits(p, 8, 2) else { return nil }
            if n > 10 {
                let sep = p[10]
                guard sep == UInt8(ascii: " ") || sep == UInt8(ascii: "T") else { return nil }
                guard validTime(p + 11, n - 11, allowZone: true) else { return nil }
            }
            return validDay(y, m, d)
        }
        // m/d/yyyy [h:mm[:ss] [AM|PM]]
        var i = 0
        guard let a = number(p, n, &i, maxDigits: 2), i < n, p[i] == UInt8(ascii: "/") else { return nil }
        i += 1
        guard let b = number(p, n, &i, maxDigits: 2), i < n, p[i] == UInt8(ascii: "/") else { return nil }
        i += 1
        let yearStart = i
        guard let y = number(p, n, &i, maxDigits: 4), i - yearStart == 4 else { return nil }
        if i < n {
            guard p[i] == UInt8(ascii: " ") else { return nil }
            var j = i
            while j < n, p[j] == UInt8(ascii: " ") { j += 1 }
            guard validTime(p + j, n - j, allowZone: false) else { return nil }
        }
        return dayFirst ? validDay(y, b, a) : validDay(y, a, b)
    }

    @inline(__always)
    func validDay(_ y: Int, _ m: Int, _ d: Int) -> Int? {
        guard m >= 1, m <= 12, d >= 1, d <= CivilDate.daysInMonth(year: y, month: m) else { return nil }
        return CivilDate.dayNumber(year: y, month: m, day: d)
    }

    @inline(__always)
    func digits(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var v = 0
        for k in start..<(start + count) {
            let d = p[k] &- 48
            if d > 9 { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    @inline(__always)
    func number(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, maxDigits: Int) -> Int? {
        let start = i
        var v = 0
        while i < n, i - start < maxDigits, p[i] &- 48 < 10 { v = v * 10 + Int(p[i] &- 48); i += 1 }
        return i == start ? nil : v
    }

    /// `H:MM[:SS[.fff]]` then, for ISO, an optional zone, or for US dates an optional ` AM`/` PM`.
    func validTime(_ p: UnsafePointer<UInt8>, _ n: Int, allowZone: Bool) -> Bool {
        var i = 0
        guard let h = number(p, n, &i, maxDigits: 2), h < 24, i < n, p[i] == UInt8(ascii: ":") else { return false }
        i += 1
        let mStart = i
        guard let m = number(p, n, &i, maxDigits: 2), i - mStart == 2, m < 60 else { return false }
        if i < n, p[i] == UInt8(ascii: ":") {
            i += 1
            let sStart = i
            guard let s = number(p, n, &i, maxDigits: 2), i - sStart == 2, s <= 60 else { return false }
            if i < n, p[i] == UInt8(ascii: ".") {
                i += 1
                let fStart = i
                while i < n, p[i] &- 48 < 10 { i += 1 }
                if i == fStart { return false }
            }
        }
        if i == n { return true }
        if allowZone {
            if p[i] == UInt8(ascii: "Z") { return i + 1 == n }
            // Shopify writes the offset after a space: `2024-03-05 14:22:10 +0100`.
            if p[i] == UInt8(ascii: " "), i + 1 < n, p[i + 1] == UInt8(ascii: "+") || p[i + 1] == UInt8(ascii: "-") { i += 1 }
            guard p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") else { return false }
            let rest = n - i - 1
            guard rest == 2 || rest == 4 || rest == 5 else { return false }
            for k in (i + 1)..<n where !(p[k] &- 48 < 10 || (p[k] == UInt8(ascii: ":") && k == i + 3 && rest == 5)) {
                return false
            }
            return true
        }
        var j = i
        while j < n, p[j] == UInt8(ascii: " ") { j += 1 }
        guard n - j == 2 else { return false }
        let a = p[j] | 0x20, b = p[j + 1] | 0x20
        return (a == UInt8(ascii: "a") || a == UInt8(ascii: "p")) && b == UInt8(ascii: "m")
    }

    public func parseDay(_ text: String) -> Int? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return nil }
            let (s, c) = trimmedRange(UnsafePointer(base), buf.count)
            return parseDay(UnsafePointer(base) + s, c)
        }
    }
}
