// A small embedded bitmap font for the PNG renderer: printable ASCII (32-126),
// 5 pixels wide, 7 pixels cap height with 2 extra rows for descenders.
//
// Letters are proportional (trimmed to their ink plus one column of spacing),
// digits are tabular (always 5 wide) so that numbers line up. Glyphs can be
// drawn at any integer scale; from scale 2 upwards the glyph outline is
// smoothed with the Scale2x (EPX) rule and anti-aliased by supersampling, so
// larger text does not look like a staircase.

/// One glyph: `rows[r]` holds the ink of row `r` (0 = top of the caps,
/// 6 = baseline row, 7 and 8 = descender), bit `width - 1 - c` = column `c`.
struct BitmapGlyph: Sendable {
    let width: Int
    let rows: [UInt8]

    func ink(column c: Int, row r: Int) -> Bool {
        guard c >= 0, c < width, r >= 0, r < rows.count else { return false }
        return rows[r] & (1 << UInt8(width - 1 - c)) != 0
    }
}

struct BitmapFont: Sendable {
    /// Rows from the top of the caps to the baseline (inclusive).
    let capHeight = 7
    /// Rows below the baseline.
    let descent = 2
    /// Blank columns between two glyphs.
    let spacing = 1
    /// Width of a space character.
    let spaceWidth = 3

    var lineHeight: Int { capHeight + descent }

    private let glyphs: [BitmapGlyph]   // index = scalar - 32

    static let standard = BitmapFont()

    private init() {
        var table: [BitmapGlyph] = []
        table.reserveCapacity(95)
        for (index, art) in BitmapFont.art.enumerated() {
            let scalar = 32 + index
            table.append(BitmapFont.parse(art, scalar: scalar))
        }
        glyphs = table
    }

    /// The glyph for a character; anything outside printable ASCII is drawn as `?`.
    func glyph(for character: Character) -> BitmapGlyph {
        glyph(forScalar: character.unicodeScalars.first.map { Int($0.value) } ?? 63)
    }

    func glyph(forScalar value: Int) -> BitmapGlyph {
        if value >= 32 && value <= 126 { return glyphs[value - 32] }
        return glyphs[63 - 32]
    }

    /// Glyphs for a string (one per Unicode scalar; combining marks are dropped).
    func glyphs(for text: String) -> [BitmapGlyph] {
        var result: [BitmapGlyph] = []
        for character in text {
            let value = character.unicodeScalars.first.map { Int($0.value) } ?? 63
            result.append(glyph(forScalar: BitmapFont.asciiFallback(value)))
        }
        return result
    }

    /// Width in pixels of `text` drawn with glyph pixels of `scale` x `scale`.
    func width(of text: String, scale: Int, bold: Bool = false) -> Int {
        let list = glyphs(for: text)
        guard !list.isEmpty else { return 0 }
        let columns = list.reduce(0) { $0 + $1.width } + spacing * (list.count - 1)
        return columns * scale + (bold ? BitmapFont.boldOffset(scale) : 0)
    }

    static func boldOffset(_ scale: Int) -> Int { max(1, (scale + 1) / 2) }

    /// Coverage mask (0...255) of one glyph at pixel scale `scale`:
    /// `(glyph.width * scale) x (lineHeight * scale)` values, row-major.
    func coverage(of glyph: BitmapGlyph, scale: Int) -> [UInt8] {
        let w = glyph.width * scale, h = lineHeight * scale
        var out = [UInt8](repeating: 0, count: w * h)
        guard w > 0 else { return out }
        if scale <= 1 {
            for r in 0..<lineHeight { for c in 0..<glyph.width where glyph.ink(column: c, row: r) {
                out[r * w + c] = 255
            } }
            return out
        }
        // Smooth the outline: two Scale2x passes give a 4x mask.
        var mask = GlyphMask(width: glyph.width, height: lineHeight) { glyph.ink(column: $0, row: $1) }
        mask = mask.scale2x().scale2x()
        let factor = 4
        // Supersample the 4x mask onto the target grid (4 x 4 samples per pixel).
        let samples = 4
        for y in 0..<h {
            for x in 0..<w {
                var hits = 0
                for sy in 0..<samples {
                    let my = ((Double(y) + (Double(sy) + 0.5) / Double(samples)) / Double(scale) * Double(factor))
                    for sx in 0..<samples {
                        let mx = ((Double(x) + (Double(sx) + 0.5) / Double(samples)) / Double(scale) * Double(factor))
                        if mask[Int(mx), Int(my)] { hits += 1 }
                    }
                }
                out[y * w + x] = UInt8((hits * 255 + samples * samples / 2) / (samples * samples))
            }
        }
        return out
    }

    /// Map a few common non-ASCII characters to ASCII look-alikes.
    static func asciiFallback(_ value: Int) -> Int {
        switch value {
        case 32...126: return value
        case 0x2010...0x2015, 0x2212: return 45          // dashes, minus
        case 0x2018, 0x2019, 0x201A: return 39            // single quotes
        case 0x201C, 0x201D, 0x201E: return 34            // double quotes
        case 0x00A0, 0x2002...0x200A, 0x202F: return 32   // spaces
        case 0x2026: return 46                            // ellipsis -> .
        case 0x00D7: return 120                           // multiplication sign
        case 0x00C0...0x00C5: return 65
        case 0x00C8...0x00CB: return 69
        case 0x00CC...0x00CF: return 73
        case 0x00D2...0x00D6, 0x00D8: return 79
        case 0x00D9...0x00DC: return 85
        case 0x00E0...0x00E5: return 97
        case 0x00E7: return 99
        case 0x00C7: return 67
        case 0x00E8...0x00EB: return 101
        case 0x00EC...0x00EF: return 105
        case 0x00F1: return 110
        case 0x00D1: return 78
        case 0x00F2...0x00F6, 0x00F8: return 111
        case 0x00F9...0x00FC: return 117
        case 0x00DF: return 115
        default: return 63
        }
    }

    // MARK: - Glyph art

    private static func parse(_ art: String, scalar: Int) -> BitmapGlyph {
        let lines = art.split(separator: "/", omittingEmptySubsequences: false).map(Array.init)
        var grid = [[Bool]](repeating: [Bool](repeating: false, count: 5), count: 9)
        for (r, line) in lines.enumerated() where r < 9 {
            for (c, ch) in line.enumerated() where c < 5 { grid[r][c] = ch == "#" }
        }
        if scalar == 32 {
            return BitmapGlyph(width: 3, rows: [UInt8](repeating: 0, count: 9))
        }
        var first = 0, last = 4
        let isDigit = scalar >= 48 && scalar <= 57
        if !isDigit {
            let inked = (0..<5).filter { c in (0..<9).contains { grid[$0][c] } }
            if let lo = inked.first, let hi = inked.last { first = lo; last = hi }
        }
        let width = last - first + 1
        var rows = [UInt8](repeating: 0, count: 9)
        for r in 0..<9 {
            var bits: UInt8 = 0
            for c in first...last { bits = (bits << 1) | (grid[r][c] ? 1 : 0) }
            rows[r] = bits
        }
        return BitmapGlyph(width: width, rows: rows)
    }

    /// 95 glyphs, ASCII 32...126, rows separated by "/" (missing rows are blank).
    private static let art: [String] = [
        "",                                                     // space
        "..#../..#../..#../..#../..#../...../..#..",            // !
        ".#.#./.#.#./.#.#.",                                    // "
        ".#.#./.#.#./#####/.#.#./#####/.#.#./.#.#.",            // #
        "..#../.####/#.#../.###./..#.#/####./..#..",            // $
        "##.../##..#/...#./..#../.#.../#..##/...##",            // %
        ".##../#..#./#.#../.#.../#.#.#/#..#./.##.#",            // &
        "..#../..#../.....",                                    // '
        "...#./..#../.#.../.#.../.#.../..#../...#.",            // (
        ".#.../..#../...#./...#./...#./..#../.#...",            // )
        "...../..#../#.#.#/.###./#.#.#/..#../.....",            // *
        "...../..#../..#../#####/..#../..#../.....",            // +
        "...../...../...../...../...../.##../.##../..#../.#...", // ,
        "...../...../...../.###./...../...../.....",            // -
        "...../...../...../...../...../.##../.##..",            // .
        "....#/....#/...#./..#../.#.../#..../#....",            // /
        ".###./#...#/#..##/#.#.#/##..#/#...#/.###.",            // 0
        "..#../.##../..#../..#../..#../..#../.###.",            // 1
        ".###./#...#/....#/...#./..#../.#.../#####",            // 2
        "#####/...#./..#../...#./....#/#...#/.###.",            // 3
        "...#./..##./.#.#./#..#./#####/...#./...#.",            // 4
        "#####/#..../####./....#/....#/#...#/.###.",            // 5
        "..##./.#.../#..../####./#...#/#...#/.###.",            // 6
        "#####/....#/...#./..#../.#.../.#.../.#...",            // 7
        ".###./#...#/#...#/.###./#...#/#...#/.###.",            // 8
        ".###./#...#/#...#/.####/....#/...#./.##..",            // 9
        "...../.##../.##../...../.##../.##../.....",            // :
        "...../.##../.##../...../.##../.##../..#../.#...",      // ;
        "...#./..#../.#.../#..../.#.../..#../...#.",            // <
        "...../...../#####/...../#####/...../.....",            // =
        ".#.../..#../...#./....#/...#./..#../.#...",            // >
        ".###./#...#/....#/...#./..#../...../..#..",            // ?
        ".###./#...#/#.###/#.#.#/#.###/#..../.####",            // @
        ".###./#...#/#...#/#####/#...#/#...#/#...#",            // A
        "####./#...#/#...#/####./#...#/#...#/####.",            // B
        ".###./#...#/#..../#..../#..../#...#/.###.",            // C
        "####./#...#/#...#/#...#/#...#/#...#/####.",            // D
        "#####/#..../#..../####./#..../#..../#####",            // E
        "#####/#..../#..../####./#..../#..../#....",            // F
        ".###./#...#/#..../#.###/#...#/#...#/.####",            // G
        "#...#/#...#/#...#/#####/#...#/#...#/#...#",            // H
        ".###./..#../..#../..#../..#../..#../.###.",            // I
        "..###/...#./...#./...#./...#./#..#./.##..",            // J
        "#...#/#..#./#.#../##.../#.#../#..#./#...#",            // K
        "#..../#..../#..../#..../#..../#..../#####",            // L
        "#...#/##.##/#.#.#/#.#.#/#...#/#...#/#...#",            // M
        "#...#/#...#/##..#/#.#.#/#..##/#...#/#...#",            // N
        ".###./#...#/#...#/#...#/#...#/#...#/.###.",            // O
        "####./#...#/#...#/####./#..../#..../#....",            // P
        ".###./#...#/#...#/#...#/#.#.#/#..#./.##.#",            // Q
        "####./#...#/#...#/####./#.#../#..#./#...#",            // R
        ".####/#..../#..../.###./....#/....#/####.",            // S
        "#####/..#../..#../..#../..#../..#../..#..",            // T
        "#...#/#...#/#...#/#...#/#...#/#...#/.###.",            // U
        "#...#/#...#/#...#/#...#/#...#/.#.#./..#..",            // V
        "#...#/#...#/#...#/#.#.#/#.#.#/#.#.#/.#.#.",            // W
        "#...#/#...#/.#.#./..#../.#.#./#...#/#...#",            // X
        "#...#/#...#/.#.#./..#../..#../..#../..#..",            // Y
        "#####/....#/...#./..#../.#.../#..../#####",            // Z
        ".###./.#.../.#.../.#.../.#.../.#.../.###.",            // [
        "#..../#..../.#.../..#../...#./....#/....#",            // backslash
        ".###./...#./...#./...#./...#./...#./.###.",            // ]
        "..#../.#.#./#...#",                                    // ^
        "...../...../...../...../...../...../...../#####",      // _
        ".#.../..#..",                                          // `
        "...../...../.###./....#/.####/#...#/.####",            // a
        "#..../#..../#.##./##..#/#...#/#...#/####.",            // b
        "...../...../.###./#..../#..../#...#/.###.",            // c
        "....#/....#/.##.#/#..##/#...#/#...#/.####",            // d
        "...../...../.###./#...#/#####/#..../.###.",            // e
        "..##./.#..#/.#.../###../.#.../.#.../.#...",            // f
        "...../...../.####/#...#/#...#/#...#/.####/....#/.###.", // g
        "#..../#..../#.##./##..#/#...#/#...#/#...#",            // h
        "..#../...../.##../..#../..#../..#../.###.",            // i
        "...#./...../..##./...#./...#./...#./...#./#..#./.##..", // j
        "#..../#..../#..#./#.#../##.../#.#../#..#.",            // k
        ".##../..#../..#../..#../..#../..#../.###.",            // l
        "...../...../##.#./#.#.#/#.#.#/#.#.#/#.#.#",            // m
        "...../...../#.##./##..#/#...#/#...#/#...#",            // n
        "...../...../.###./#...#/#...#/#...#/.###.",            // o
        "...../...../####./#...#/#...#/#...#/####./#..../#....", // p
        "...../...../.####/#...#/#...#/#...#/.####/....#/....#", // q
        "...../...../#.##./##..#/#..../#..../#....",            // r
        "...../...../.####/#..../.###./....#/####.",            // s
        ".#.../.#.../###../.#.../.#.../.#..#/..##.",            // t
        "...../...../#...#/#...#/#...#/#..##/.##.#",            // u
        "...../...../#...#/#...#/#...#/.#.#./..#..",            // v
        "...../...../#...#/#...#/#.#.#/#.#.#/.#.#.",            // w
        "...../...../#...#/.#.#./..#../.#.#./#...#",            // x
        "...../...../#...#/#...#/#...#/#...#/.####/....#/.###.", // y
        "...../...../#####/...#./..#../.#.../#####",            // z
        "...#./..#../..#../.#.../..#../..#../...#.",            // {
        "..#../..#../..#../..#../..#../..#../..#..",            // |
        ".#.../..#../..#../...#./..#../..#../.#...",            // }
        "...../...../.#.../#.#.#/...#./...../.....",            // ~
    ]
}

/// A binary bitmap used while smoothing glyphs; reads outside the bounds are blank.
struct GlyphMask {
    let width: Int
    let height: Int
    var bits: [Bool]

    init(width: Int, height: Int, bits: [Bool]) {
        self.width = width; self.height = height; self.bits = bits
    }

    init(width: Int, height: Int, _ ink: (Int, Int) -> Bool) {
        self.width = width; self.height = height
        var bits = [Bool](repeating: false, count: width * height)
        for y in 0..<height { for x in 0..<width { bits[y * width + x] = ink(x, y) } }
        self.bits = bits
    }

    subscript(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < width, y < height else { return false }
        return bits[y * width + x]
    }

    /// The Scale2x / EPX pixel-art magnification: doubles the size and
    /// rounds off staircase corners without blurring.
    func scale2x() -> GlyphMask {
        let w2 = width * 2
        var out = [Bool](repeating: false, count: w2 * height * 2)
        for y in 0..<height {
            for x in 0..<width {
                let p = self[x, y]
                let a = self[x, y - 1], b = self[x + 1, y], c = self[x - 1, y], d = self[x, y + 1]
                var e0 = p, e1 = p, e2 = p, e3 = p
                if c == a && c != d && a != b { e0 = a }
                if a == b && a != c && b != d { e1 = b }
                if d == c && d != b && c != a { e2 = c }
                if b == d && b != a && d != c { e3 = d }
                out[(2 * y) * w2 + 2 * x] = e0
                out[(2 * y) * w2 + 2 * x + 1] = e1
                out[(2 * y + 1) * w2 + 2 * x] = e2
                out[(2 * y + 1) * w2 + 2 * x + 1] = e3
            }
        }
        return GlyphMask(width: w2, height: height * 2, bits: out)
    }
}
