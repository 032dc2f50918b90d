import Foundation

extension DemoDataGenerator {
    /// A few thousand products: StockCode and Description pre-rendered as CSV bytes (`22423,REGENCY CAKESTAND 3 TIER,`),
    /// a price, a pack size, and two popularity tables (the Christmas season from September, and the rest of the year).
    struct Catalogue: Sendable {
        static let productCount = 3_800

        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        var cents: [Int32] = []
        var bulkCents: [Int32] = []
        var pack: [Int32] = []
        var postage = 0
        var aliasProbability: [[UInt32]] = []
        var alias: [[Int32]] = []

        static let themes = [
            "RED", "BLUE", "PINK", "WHITE", "IVORY", "GREEN", "BLACK", "SILVER", "GOLD", "CREAM", "PURPLE", "ORANGE",
            "YELLOW", "RED RETROSPOT", "VINTAGE", "REGENCY", "SKULL", "POLKADOT", "STRAWBERRY", "PAISLEY", "SPACEBOY",
            "DOLLY GIRL", "WOODLAND", "PANTRY", "ENGLISH ROSE", "HEART", "STAR", "BIRD", "GINGHAM", "FLORAL", "LOVE",
            "CHRISTMAS", "ANTIQUE", "RETRO", "SWEETHEART", "FAIRY", "SCANDINAVIAN", "JUNGLE", "DINOSAUR",
            "CIRCUS PARADE", "BAROQUE", "LEOPARD", "BUTTERFLY", "ROSE", "CHERRY", "LAVENDER", "FRENCH", "PARISIENNE",
            "CHARLOTTE", "GARDEN", "ZINC", "WOODEN", "GLASS", "ENAMEL", "CERAMIC", "FELTCRAFT", "KNITTED",
            "TRADITIONAL", "VICTORIAN", "RETROSPOT", "PARTY", "BLOSSOM", "ORIGAMI", "MOROCCAN", "TEA TIME", "SPOTTY",
            "STRIPEY", "NATURAL", "SNOWFLAKE", "REINDEER", "ANGEL", "TOADSTOOL", "OWL", "CAT", "DOG", "UNION JACK",
            "LONDON", "HAPPY", "LUCKY", "50'S", "APPLE", "LEMON", "MINT", "COWBOY", "PIRATE", "BALLERINA", "ROBOT",
        ]
        static let items = [
            "T-LIGHT HOLDER", "LUNCH BAG", "JUMBO BAG", "CAKESTAND 3 TIER", "TEACUP AND SAUCER", "PAPER NAPKINS",
            "CAKE CASES", "HOT WATER BOTTLE", "DOORMAT", "PHOTO FRAME", "WALL CLOCK", "MUG", "FROSTED STAR",
            "CANDLE", "LANTERN", "BUNTING", "GIFT TAPE", "WRAPPING PAPER", "NOTEBOOK", "ALARM CLOCK BAKELIKE",
            "CHILDRENS APRON", "PICNIC BASKET", "CAKE TIN", "STORAGE JAR", "DRAWER KNOB", "HANGING DECORATION",
            "COAT RACK", "PLASTERS IN TIN", "SHOPPER BAG", "MINI CASES", "WATER BOTTLE", "CUSHION COVER", "TEA TOWEL",
            "OVEN GLOVE", "PEG BAG", "PURSE", "KEY RING", "FRIDGE MAGNET", "BIRTHDAY CARD", "GIFT BAG", "SWEETIE JAR",
            "MILK JUG", "TEAPOT", "BOWL", "PLATE", "PARTY CUPS", "DRINKING STRAWS", "SPOON", "TRINKET BOX",
            "JEWELLERY STAND", "MIRROR", "HOOK", "METAL SIGN", "PLANTER", "WATERING CAN", "BIRD FEEDER", "WREATH",
            "BAUBLE", "TREE DECORATION", "STOCKING", "ADVENT CALENDAR", "CRACKERS", "SNOW GLOBE", "NIGHT LIGHT",
            "TORCH", "PENCIL CASE", "ERASER", "STICKER SHEET", "COLOURING SET", "JIGSAW", "SKIPPING ROPE",
            "SPINNING TOP", "BEAKER", "EGG CUP", "TOAST RACK", "BREAD BIN", "RECIPE BOX", "HANDBAG", "UMBRELLA",
            "WASHBAG", "SOAP DISH", "LAMP", "DOORSTOP", "CHALKBOARD", "MEMO BOARD", "PHOTO ALBUM", "GARLAND",
            "PAPER CHAIN KIT", "BALLOONS", "VOTIVE HOLDER", "INCENSE", "CHOPPING BOARD", "BISCUIT TIN", "TRAY",
        ]
        static let prefixes = [
            "SET OF 3", "SET OF 4", "SET OF 6", "SET OF 12", "PACK OF 12", "PACK OF 20", "PACK OF 60", "SMALL",
            "LARGE", "JUMBO", "MINI", "HANGING", "ASSORTED", "SET 2", "BOX OF 24", "WHITE HANGING",
        ]
        static let suffixes = ["DESIGN", "IN BOX", "W LID", "WITH BELL", "ON STICK", "SMALL", "LARGE", "2 TIER", "S/4"]
        static let phrases = ["HOME SWEET HOME", "WELCOME", "KEEP CALM", "GONE SHOPPING", "TEA TIME", "LOVE", "HELLO"]
        static let christmasWords = ["CHRISTMAS", "SNOWFLAKE", "REINDEER", "ANGEL", "BAUBLE", "WREATH", "STOCKING",
                                     "ADVENT", "CRACKERS", "TREE DECORATION", "SNOW GLOBE"]

        init(seed: UInt64) {
            var rng = Xoshiro256(seed: seed ^ 0x2545_F491_4F6C_DD1D)
            var usedCodes = Set<String>()
            var usedDescriptions = Set<String>()
            var descriptions: [String] = []
            var codes: [String] = []

            func baseCode(_ rng: inout Xoshiro256) -> Int {
                let u = rng.uniform()
                if u < 0.62 { return 20_000 + rng.below(4_000) }
                if u < 0.80 { return 84_000 + rng.below(1_300) }
                if u < 0.87 { return 35_000 + rng.below(2_500) }
                if u < 0.93 { return 47_000 + rng.below(1_200) }
                return 71_000 + rng.below(2_000)
            }
            func describe(_ rng: inout Xoshiro256, item: String) -> String {
                let theme = Self.themes[rng.below(Self.themes.count)]
                let u = rng.uniform()
                if u < 0.006 {
                    // Needs quoting: a comma.
                    let p = Self.prefixes[rng.below(Self.prefixes.count)]
                    return "\(p) \(item), \(theme) DESIGN"
                }
                if u < 0.01 {
                    // Needs quoting: double quotes.
                    return "\(theme) \(item) \"\(Self.phrases[rng.below(Self.phrases.count)])\""
                }
                var parts: [String] = []
                if rng.uniform() < 0.3 { parts.append(Self.prefixes[rng.below(Self.prefixes.count)]) }
                if rng.uniform() < 0.22 { parts.append(item); parts.append(theme) } else { parts.append(theme); parts.append(item) }
                if rng.uniform() < 0.12 { parts.append(Self.suffixes[rng.below(Self.suffixes.count)]) }
                return parts.joined(separator: " ")
            }

            // POSTAGE is a real catalogue line of Online Retail; it is used for invoices abroad.
            codes.append("POST"); descriptions.append("POSTAGE"); usedCodes.insert("POST"); usedDescriptions.insert("POSTAGE")
            var prices: [Int] = [1800]
            while codes.count < Self.productCount {
                let code = baseCode(&rng)
                if usedCodes.contains(String(code)) { continue }
                let item = Self.items[rng.below(Self.items.count)]
                let variants = rng.uniform() < 0.12 ? 2 + rng.below(4) : 1
                let price = Self.snapPrice(Foundation.exp(Foundation.log(2.1) + 0.85 * rng.normal()))
                for v in 0..<variants where codes.count < Self.productCount {
                    let c = variants == 1 ? String(code) : String(code) + String(UnicodeScalar(UInt8(65 + v)))
                    var d = describe(&rng, item: item)
                    var tries = 0
                    while usedDescriptions.contains(d) && tries < 20 { d = describe(&rng, item: item); tries += 1 }
                    if usedDescriptions.contains(d) || usedCodes.contains(c) { continue }
                    usedCodes.insert(c); usedDescriptions.insert(d)
                    codes.append(c); descriptions.append(d); prices.append(price)
                }
            }

            var regular: [Double] = []
            var season: [Double] = []
            var order = Array(0..<Self.productCount)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
            var rank = [Int](repeating: 0, count: Self.productCount)
            for (r, p) in order.enumerated() { rank[p] = r }
            for p in 0..<Self.productCount {
                Self.appendCSVField(codes[p], to: &bytes); bytes.append(UInt8(ascii: ","))
                Self.appendCSVField(descriptions[p], to: &bytes); bytes.append(UInt8(ascii: ","))
                offsets.append(Int32(bytes.count))
                precondition(Int(offsets[p + 1] - offsets[p]) < 512)
                let c = prices[p]
                cents.append(Int32(c))
                bulkCents.append(Int32(c >= 100 ? Self.snapPrice(Double(c) * 0.0085) : c))
                let packs: [Int32]
                switch c {
                case ..<50: packs = [24, 12, 25, 48]
                case ..<150: packs = [12, 6, 24, 10]
                case ..<300: packs = [6, 12, 4, 3]
                case ..<600: packs = [4, 2, 3, 6, 1]
                default: packs = [1, 2, 1, 1]
                }
                pack.append(p == 0 ? 1 : packs[rng.below(packs.count)])
                let w = p == 0 ? 0 : Foundation.pow(Double(rank[p] + 20), -0.9)
                let christmas = Self.christmasWords.contains { descriptions[p].contains($0) }
                regular.append(christmas ? w * 0.25 : w)
                season.append(christmas ? w * 6 : w)
            }
            for weights in [regular, season] {
                let (prob, al) = Self.aliasTable(weights)
                aliasProbability.append(prob)
                alias.append(al)
            }
            // Non-product codes after the products (never drawn as a product; see `Special`).
            for special in Special.allCases {
                let (code, description) = special.codeAndDescription
                Self.appendCSVField(code, to: &bytes); bytes.append(UInt8(ascii: ","))
                Self.appendCSVField(description, to: &bytes); bytes.append(UInt8(ascii: ","))
                offsets.append(Int32(bytes.count))
            }
        }

        /// Snaps a price to shop-like cents: multiples of 5 cents, sometimes ending in 9 below one unit.
        static func snapPrice(_ x: Double) -> Int {
            var c = Int((x * 100).rounded())
            c = min(max(c, 10), 6_000)
            c = (c + 2) / 5 * 5
            if c < 100 && c % 10 == 0 && c > 10 { c -= 1 }
            return c
        }

        /// RFC 4180: quote a field that contains a comma, a double quote or a line break; double inner quotes.
        static func appendCSVField(_ s: String, to out: inout [UInt8]) {
            let needsQuotes = s.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
            if !needsQuotes { out.append(contentsOf: s.utf8); return }
            out.append(UInt8(ascii: "\""))
            for b in s.utf8 {
                out.append(b)
                if b == UInt8(ascii: "\"") { out.append(b) }
            }
            out.append(UInt8(ascii: "\""))
        }

        /// Vose's alias method: O(1) sampling from a discrete distribution.
        static func aliasTable(_ weights: [Double]) -> ([UInt32], [Int32]) {
            let n = weights.count
            let total = weights.reduce(0, +)
            var scaled = weights.map { $0 * Double(n) / total }
            var prob = [UInt32](repeating: UInt32.max, count: n)
            var alias = [Int32](repeating: 0, count: n)
            var small: [Int] = [], large: [Int] = []
            for i in 0..<n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
            while let s = small.popLast() {
                guard let l = large.popLast() else { break }
                prob[s] = UInt32(min(scaled[s] * 4_294_967_296.0, 4_294_967_295.0))
                alias[s] = Int32(l)
                scaled[l] = (scaled[l] + scaled[s]) - 1
                if scaled[l] < 1 { small.append(l) } else { large.append(l) }
            }
            for i in 0..<n where alias[i] == 0 && prob[i] == UInt32.max { alias[i] = Int32(i) }
            return (prob, alias)
        }

        static let multiples: [Int] = {
            var t: [Int] = []
            for (m, w) in [(1, 30), (2, 12), (3, 5), (4, 5), (5, 2), (6, 2), (8, 2), (10, 2), (12, 2), (16, 1), (20, 1)] {
                t.append(contentsOf: repeatElement(m, count: w))
            }
            return t
        }()
        static let guestQuantities: [Int] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 6]
        /// Quantity multiplier per customer level; level 3 is the large accounts abroad of `wholesale`.
        static let levelFactor: [Int] = [1, 2, 4, 6]

        /// The product, quantity and price of line `line` of an invoice: a pure function of its arguments, so that a
        /// cancellation can find the products of the invoice it cancels.
        @inline(__always)
        func item(invoiceSeed: UInt64, line: Int, table: Int, postage: Bool, guest: Bool, level: Int)
            -> LineItem {
            var r = SplitMix64(seed: invoiceSeed &+ UInt64(line) &* 0xD1B5_4A32_D192_ED03)
            let x = r.next()
            if postage && line == 0 {
                return LineItem(product: self.postage, quantity: 1 + Int(x % 3), cents: 1800)
            }
            let n = UInt64(Self.productCount)
            var p = Int((UInt64(UInt32(truncatingIfNeeded: x)) &* n) >> 32)
            if UInt32(truncatingIfNeeded: x >> 32) >= aliasProbability[table][p] { p = Int(alias[table][p]) }
            let y = r.next()
            if guest {
                return LineItem(product: p, quantity: Self.guestQuantities[Int(y & 15)], cents: Int(cents[p]))
            }
            let m = Self.multiples[Int(y % 64)] * Self.levelFactor[level]
            return LineItem(product: p, quantity: Int(pack[p]) * m, cents: Int(m >= 4 ? bulkCents[p] : cents[p]))
        }
    }
}
