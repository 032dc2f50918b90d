import ClienteleCore

/// Approximate advance widths of a sans-serif font (DejaVu Sans, the widest
/// of the usual fallbacks), in ems, so that labels never collide.
enum HeatmapTextMetrics {
    static func width(of text: String, fontSize: Double, bold: Bool) -> Double {
        var ems = 0.0
        for ch in text {
            ems += advance(ch)
        }
        return ems * fontSize * (bold ? 1.1 : 1.0)
    }

    static func advance(_ ch: Character) -> Double {
        switch ch {
        case "0"..."9": return 0.64
        case " ": return 0.32
        case ".", ",", ":", ";", "'", "|", "!": return 0.34
        case "(", ")", "[", "]", "{", "}", "-", "/", "\\": return 0.40
        case "%": return 0.95
        case "=", "+", "<", ">", "~", "#", "^", "*", "\"": return 0.84
        case "@": return 1.0
        case "&": return 0.78
        case "_", "?": return 0.54
        case "i", "j", "l": return 0.28
        case "f", "t", "r": return 0.41
        case "m": return 0.98
        case "w": return 0.82
        case "M", "W": return 0.99
        case "I": return 0.30
        case "J": return 0.30
        case "a"..."z": return 0.62
        case "A"..."Z": return 0.76
        default: return 1.0
        }
    }
}
