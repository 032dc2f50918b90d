// The 14 standard PDF fonts (no embedding needed: every PDF reader has them),
// their text encoding (WinAnsiEncoding plus the minus sign) and text
// measurement from the Adobe AFM glyph widths.

import Foundation

/// One of the 14 standard Type 1 fonts every PDF reader provides.
public enum PDFStandardFont: String, CaseIterable, Sendable, Hashable {
    case helvetica = "Helvetica"
    case helveticaBold = "Helvetica-Bold"
    case helveticaOblique = "Helvetica-Oblique"
    case helveticaBoldOblique = "Helvetica-BoldOblique"
    case timesRoman = "Times-Roman"
    case timesBold = "Times-Bold"
    case timesItalic = "Times-Italic"
    case timesBoldItalic = "Times-BoldItalic"
    case courier = "Courier"
    case courierBold = "Courier-Bold"
    case courierOblique = "Courier-Oblique"
    case courierBoldOblique = "Courier-BoldOblique"
    case symbol = "Symbol"
    case zapfDingbats = "ZapfDingbats"

    /// The PostScript name (`/BaseFont`).
    public var postScriptName: String { rawValue }

    /// Symbol and ZapfDingbats have their own built-in encodings.
    var usesTextEncoding: Bool { self != .symbol && self != .zapfDingbats }

    /// Glyph widths in 1/1000 em, by encoded byte.
    var widths: [UInt16] {
        switch self {
        case .helvetica, .helveticaOblique: return PDFFontWidths.helvetica
        case .helveticaBold, .helveticaBoldOblique: return PDFFontWidths.helveticaBold
        case .timesRoman: return PDFFontWidths.timesRoman
        case .timesBold: return PDFFontWidths.timesBold
        case .timesItalic: return PDFFontWidths.timesItalic
        case .timesBoldItalic: return PDFFontWidths.timesBoldItalic
        case .courier, .courierBold, .courierOblique, .courierBoldOblique, .symbol, .zapfDingbats:
            return PDFFontWidths.monospace
        }
    }

    /// Width of the minus sign glyph (encoded as `PDFTextEncoding.minusCode`).
    var minusWidth: UInt16 {
        switch self {
        case .timesRoman: return 564
        case .timesBold: return 570
        case .timesItalic: return 675
        case .timesBoldItalic: return 606
        case .courier, .courierBold, .courierOblique, .courierBoldOblique, .symbol, .zapfDingbats: return 600
        default: return 584
        }
    }

    /// Width in points of `text` set at `size` points (no kerning).
    public func width(of text: String, size: Double) -> Double {
        width(ofEncoded: PDFTextEncoding.encode(text), size: size)
    }

    func width(ofEncoded bytes: [UInt8], size: Double) -> Double {
        let table = widths
        var units = 0
        for b in bytes { units += Int(b == PDFTextEncoding.minusCode ? minusWidth : table[Int(b)]) }
        return Double(units) * size / 1000
    }

    /// Typographic ascender and descender (fraction of the size), for layout.
    public var ascent: Double {
        switch self {
        case .timesRoman, .timesBold, .timesItalic, .timesBoldItalic: return 0.683
        case .courier, .courierBold, .courierOblique, .courierBoldOblique: return 0.629
        default: return 0.718
        }
    }
    public var descent: Double { 0.207 }
    /// Height of capital letters (fraction of the size).
    public var capHeight: Double {
        switch self {
        case .timesRoman, .timesBold, .timesItalic, .timesBoldItalic: return 0.662
        case .courier, .courierBold, .courierOblique, .courierBoldOblique: return 0.562
        default: return 0.718
        }
    }

    /// Breaks `text` into lines no wider than `width` points: at spaces,
    /// explicit newlines always break, and a word longer than the line is
    /// split between characters. Non-breaking spaces never break.
    public func wrap(_ text: String, width: Double, size: Double) -> [String] {
        var lines: [String] = []
        let space = self.width(of: " ", size: size)
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = "", lineWidth = 0.0
            func flush() { lines.append(line); line = ""; lineWidth = 0 }
            let words = paragraph.split(separator: " ", omittingEmptySubsequences: true)
            if words.isEmpty { lines.append(""); continue }
            for wordSub in words {
                var word = String(wordSub)
                var w = self.width(of: word, size: size)
                if !line.isEmpty && lineWidth + space + w <= width + 1e-9 {
                    line += " " + word; lineWidth += space + w
                    continue
                }
                if !line.isEmpty { flush() }
                // A word wider than the line: split it between characters.
                while w > width + 1e-9 {
                    var piece = "", pieceWidth = 0.0
                    for ch in word {
                        let cw = self.width(of: String(ch), size: size)
                        if pieceWidth + cw > width + 1e-9 && !piece.isEmpty { break }
                        piece.append(ch); pieceWidth += cw
                    }
                    lines.append(piece)
                    word = String(word.dropFirst(piece.count))
                    w = self.width(of: word, size: size)
                }
                line = word; lineWidth = w
            }
            if !line.isEmpty { flush() }
        }
        return lines
    }
}

/// Measurement and wrapping with a standard font, as free functions.
public enum PDFText {
    /// Width in points of `text` in `font` at `size` points.
    public static func width(_ text: String, font: PDFStandardFont = .helvetica, size: Double) -> Double {
        font.width(of: text, size: size)
    }

    /// `text` broken into lines that fit in `width` points.
    public static func wrap(_ text: String, width: Double, font: PDFStandardFont = .helvetica, size: Double) -> [String] {
        font.wrap(text, width: width, size: size)
    }

    /// The longest prefix of `text` that fits in `width`, followed by "…" when shortened.
    public static func truncate(_ text: String, width: Double, font: PDFStandardFont = .helvetica, size: Double) -> String {
        if font.width(of: text, size: size) <= width { return text }
        let ellipsis = "\u{2026}"
        var budget = width - font.width(of: ellipsis, size: size)
        var kept = ""
        for ch in text {
            let w = font.width(of: String(ch), size: size)
            if w > budget { break }
            budget -= w
            kept.append(ch)
        }
        while kept.last == " " { kept.removeLast() }
        return kept + ellipsis
    }
}

/// Unicode to the single-byte font encoding used for text: WinAnsiEncoding
/// (Windows-1252), plus the minus sign U+2212 on the unused code 0x81 (the
/// fonts' `/Encoding` maps it to the glyph `minus`, so copy and paste gives
/// back U+2212). Characters outside the encoding become `?`.
public enum PDFTextEncoding {
    static let minusCode: UInt8 = 0x81
    public static let replacement: UInt8 = 0x3F // "?"

    /// The code for one scalar, or nil when the encoding has no such character.
    public static func code(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        switch v {
        case 0x20...0x7E, 0xA0...0xFF: return UInt8(v)
        case 0x09, 0x0A, 0x0D: return 0x20
        default: break
        }
        switch v {
        case 0x20AC: return 0x80 // €
        case 0x201A: return 0x82 // ‚
        case 0x0192: return 0x83 // ƒ
        case 0x201E: return 0x84 // „
        case 0x2026: return 0x85 // …
        case 0x2020: return 0x86 // †
        case 0x2021: return 0x87 // ‡
        case 0x02C6: return 0x88 // ˆ
        case 0x2030: return 0x89 // ‰
        case 0x0160: return 0x8A // Š
        case 0x2039: return 0x8B // ‹
        case 0x0152: return 0x8C // Œ
        case 0x017D: return 0x8E // Ž
        case 0x2018, 0x201B, 0x2032: return 0x91 // ‘ (and reversed quote, prime)
        case 0x2019: return 0x92 // ’
        case 0x201C, 0x201F, 0x2033: return 0x93 // “ (and double prime)
        case 0x201D: return 0x94 // ”
        case 0x2022, 0x2023, 0x2043, 0x25CF, 0x2219: return 0x95 // • (and similar bullets)
        case 0x2013: return 0x96 // –
        case 0x2014, 0x2015: return 0x97 // —
        case 0x02DC: return 0x98 // ˜
        case 0x2122: return 0x99 // ™
        case 0x0161: return 0x9A // š
        case 0x203A: return 0x9B // ›
        case 0x0153: return 0x9C // œ
        case 0x017E: return 0x9E // ž
        case 0x0178: return 0x9F // Ÿ
        case 0x2212: return minusCode // −
        case 0x2010, 0x2011: return 0x2D // hyphens
        case 0x2012: return 0x96 // figure dash
        case 0x2000...0x200A, 0x202F, 0x205F: return 0xA0 // fixed-width spaces: no-break space
        default: return nil
        }
    }

    /// The encoded bytes of `text` (composed to NFC first; zero-width
    /// characters dropped; anything unrepresentable becomes `?`).
    public static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var ascii = true
        for b in text.utf8 where b >= 0x80 { ascii = false; break }
        let source = ascii ? text : text.precomposedStringWithCanonicalMapping
        for s in source.unicodeScalars {
            if let c = code(for: s) { out.append(c); continue }
            switch s.value {
            case 0x200B...0x200D, 0x2060, 0xFEFF, 0xFE00...0xFE0F: continue // invisible
            case 0x0300...0x036F: continue // combining mark left after NFC: drop
            default: out.append(replacement)
            }
        }
        return out
    }

    /// The PDF `/Differences` array giving 0x81 the minus glyph.
    static let differences = "[\(minusCode) /minus]"
}
