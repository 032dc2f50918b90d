/// What the valid lines of one product code hold (lines left out by ``LoadOptions/excludedProducts`` included).
public struct ProductCodeStats: Sendable, Equatable {
    public var lines = 0
    /// Lines of a cancellation or return (invoice starting with `C` or negative quantity).
    public var returnLines = 0
    /// Lines without a customer id.
    public var guestLines = 0
    /// Net amount, money units (returns negative).
    public var net: Int64 = 0
    /// Sum of |line amount|, money units.
    public var absolute: Int64 = 0
    /// Net amount of the lines with a customer id (guest lines are outside customer figures).
    public var customerNet: Int64 = 0
    /// Left out of the data set (the code is in ``LoadOptions/excludedProducts``).
    public var excluded = false

    public init() {}

    /// Sums saturate: a chunk parsed before the load's amount budget is applied may hold lines past it (the chunk is
    /// then parsed again with the budget, and the sums of the lines kept are exact).
    mutating func add(revenue: Int64, cancelled: Bool, guest: Bool) {
        lines += 1
        if cancelled { returnLines += 1 }
        if guest { guestLines += 1 }
        net = Self.saturating(net, revenue)
        if !guest { customerNet = Self.saturating(customerNet, revenue) }
        absolute = Self.saturating(absolute, revenue == .min ? .max : abs(revenue))
    }

    mutating func merge(_ o: ProductCodeStats) {
        lines += o.lines; returnLines += o.returnLines; guestLines += o.guestLines
        net = Self.saturating(net, o.net); absolute = Self.saturating(absolute, o.absolute)
        customerNet = Self.saturating(customerNet, o.customerNet)
        excluded = excluded || o.excluded
    }

    static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : s
    }
}

/// One product code of the data-quality report: a code that looks like a non-product line, or one left out.
public struct ProductCodeSummary: Sendable, Codable, Equatable {
    public var code: String
    /// Valid lines with this code (read, then left out when ``excluded``).
    public var lines: Int
    public var returnLines: Int
    public var guestLines: Int
    /// Net amount of the lines, money units.
    public var netUnits: Int64
    /// Net amount of the lines with a customer id (what reaches customer revenue), money units.
    public var customerNetUnits: Int64
    /// Mean |line amount|, money units.
    public var averageLineUnits: Int64
    /// Why the code looks like a non-product line ("" for a code only listed because it was left out).
    public var reason: String
    public var excluded: Bool
}

/// Finds the product codes that look like non-product lines (postage, fees, manual adjustments, bank charges): codes
/// whose name says so, or, when nearly every code of the store is shaped like a product code (3 or more digits in a
/// row, as `85123A` or `22423`), the codes that are not (`POST`, `M`, `BANK CHARGES`, `AMAZONFEE`).
public enum NonProductCodes {
    /// Words that name a non-product line, matched against the code's words (runs of letters, upper case): a word
    /// equal to one of these, or ending in `FEE` (`AMAZONFEE`). Whole words, so that `POSTCARD` is not postage.
    public static let keywords: Set<String> = ["POST", "POSTAGE", "SHIP", "SHIPPING", "CARRIAGE", "FREIGHT", "DELIVERY",
                                               "FEE", "FEES", "CHARGE", "CHARGES", "ADJUST", "ADJUSTMENT", "MANUAL",
                                               "DISCOUNT", "BANK", "SAMPLE", "SAMPLES", "VOUCHER", "COUPON", "GIFTCARD"]
    /// The shape rule applies when at least this share of the distinct codes, and at least ``minimumCodes`` codes,
    /// have 3 or more digits in a row.
    public static let productShapeShare = 0.9
    public static let minimumCodes = 20
    /// At most this many codes are listed (largest |net amount| first).
    public static let maximumListed = 50

    /// True when the code has a run of 3 or more ASCII digits.
    public static func productShaped(_ code: String) -> Bool {
        var run = 0
        for b in code.utf8 {
            if b >= 48 && b <= 57 { run += 1; if run >= 3 { return true } } else { run = 0 }
        }
        return false
    }

    /// The word of the code that names a non-product line, if any.
    public static func keyword(_ code: String) -> String? {
        let words = code.uppercased().split { !($0.isASCII && $0.isLetter) }.map(String.init)
        return words.first { keywords.contains($0) || ($0.hasSuffix("FEE") && $0.count > 3) }
    }

    /// The codes that look like non-product lines, and the codes left out (with the reason when they also look like
    /// non-product lines), largest |net amount| first; `requested` are the codes asked to be left out (a code that
    /// matches no line is listed with 0 lines, so that a misspelt code shows).
    public static func summarize(_ stats: [String: ProductCodeStats], requested: [String]) -> (codes: [ProductCodeSummary], flagged: Int) {
        let codes = stats.filter { $0.value.lines > 0 }
        let shaped = codes.keys.filter(productShaped).count
        let shapeRule = codes.count >= minimumCodes && Double(shaped) >= productShapeShare * Double(codes.count)
        var out: [ProductCodeSummary] = []
        for (code, s) in codes {
            var reason = ""
            if let k = keyword(code) {
                reason = "the code reads like a fee, postage or adjustment (“\(k.lowercased())”)"
            } else if shapeRule && !productShaped(code) {
                reason = "not shaped like the store's product codes (\(DisplayFormat.integer(shaped)) of \(DisplayFormat.integer(codes.count)) codes have 3 or more digits in a row)"
            }
            guard !reason.isEmpty || s.excluded else { continue }
            out.append(ProductCodeSummary(code: code, lines: s.lines, returnLines: s.returnLines, guestLines: s.guestLines,
                                          netUnits: s.net, customerNetUnits: s.customerNet, averageLineUnits: s.absolute / Int64(max(1, s.lines)),
                                          reason: reason, excluded: s.excluded))
        }
        out.sort { ($0.netUnits.magnitude, $0.lines, $1.code) > ($1.netUnits.magnitude, $1.lines, $0.code) }
        // Every code left out is listed; the others up to the limit.
        let flagged = out.filter { !$0.reason.isEmpty }.count
        var listed = 0
        out = out.filter { $0.excluded || { listed += 1; return listed <= maximumListed }() }
        let seen = Set(codes.keys.map(ExcludedProducts.normalized))
        for r in requested where !seen.contains(ExcludedProducts.normalized(r)) {
            out.append(ProductCodeSummary(code: r, lines: 0, returnLines: 0, guestLines: 0, netUnits: 0, customerNetUnits: 0, averageLineUnits: 0,
                                          reason: "", excluded: true))
        }
        return (out, flagged)
    }
}

/// The product codes to leave out of a load (`--exclude-products`, `exclude_products` of the rules file, the upload
/// review), matched without regard to case or surrounding spaces.
public struct ExcludedProducts: Sendable, Equatable {
    public private(set) var codes: [String] = []
    let keys: Set<[UInt8]>

    public init(_ codes: [String] = []) {
        var seen = Set<String>()
        self.codes = codes.map { $0.trimmingASCIISpaces() }.filter { !$0.isEmpty && seen.insert(Self.normalized($0)).inserted }
        keys = Set(self.codes.map { Array(Self.normalized($0).utf8) })
    }

    /// Parses `CODE,CODE` (as given to `--exclude-products`).
    public init(parsing text: String) {
        self.init(text.split(separator: ",").map(String.init))
    }

    public var isEmpty: Bool { codes.isEmpty }

    /// Trimmed, ASCII letters in upper case (the form compared).
    static func normalized(_ code: String) -> String {
        String(decoding: upper(code.trimmingASCIISpaces().utf8), as: UTF8.self)
    }

    /// The bytes with ASCII letters in upper case.
    static func upper(_ bytes: some Sequence<UInt8>) -> [UInt8] { bytes.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 } }

    /// Whether the code's bytes (already trimmed) name an excluded code.
    func contains(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard !keys.isEmpty else { return false }
        return keys.contains(Self.upper(UnsafeBufferPointer(start: p, count: n)))
    }

    /// Whether `code` (trimmed) names an excluded code.
    public func contains(_ code: String) -> Bool {
        guard !keys.isEmpty else { return false }
        return keys.contains(Self.upper(code.trimmingASCIISpaces().utf8))
    }

    /// A code in the form compared (trimmed, ASCII letters in upper case).
    public static func normalizedCode(_ code: String) -> String { normalized(code) }

    /// The union of two lists (the command line's and the rules file's), in order.
    public func adding(_ other: [String]) -> ExcludedProducts { ExcludedProducts(codes + other) }
}
