/// Escapes text for HTML element content and attribute values (the dashboard and the HTML report).
public func escapeHTML(_ s: String) -> String { escapeMarkup(s, apostrophe: "&#39;") }

/// The one escaper of markup (HTML pages and reports, SVG charts): `&`, `<`, `>`, `"` and `'` as entities (the
/// apostrophe as given: `&#39;` in HTML, `&apos;` in XML), and characters that XML 1.0 does not allow replaced by
/// U+FFFD (tab, newline and carriage return are kept).
func escapeMarkup(_ text: String, apostrophe: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += apostrophe
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            let v = scalar.value
            if v < 0x20 || v == 0xFFFE || v == 0xFFFF { out += "\u{FFFD}" } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}
