// The CSS of an SVG's <style> elements: class / type / descendant selectors and their declarations.

import Foundation

struct SVGStyleSheet {
    struct Compound { var tag: Substring?; var classes: [Substring] }
    struct Rule {
        var selector: [Compound]  // outermost first
        var specificity: Int
        var order: Int
        var declarations: [(String, String)]
    }
    private(set) var rules: [Rule] = []

    mutating func add(_ css: String) {
        var text = css
        while let start = text.range(of: "/*"), let end = text.range(of: "*/", range: start.upperBound..<text.endIndex) {
            text.removeSubrange(start.lowerBound..<end.upperBound)
        }
        for block in text.split(separator: "}") {
            let parts = block.split(separator: "{", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let head = parts[0].trimmingCharacters(in: .whitespacesAndNewlines)
            if head.hasPrefix("@") { continue }
            let decls = SVGStyleSheet.declarations(parts[1])
            guard !decls.isEmpty else { continue }
            for sel in head.split(separator: ",") {
                // Pseudo-classes (:hover ...) and attribute selectors never apply to a printed chart.
                if sel.contains(":") || sel.contains("[") { continue }
                var compounds: [Compound] = []
                var specificity = 0
                for token in sel.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == ">" }) {
                    let pieces = token.split(separator: ".", omittingEmptySubsequences: false)
                    let tag = pieces[0].isEmpty || pieces[0] == "*" ? nil : pieces[0]
                    let classes = Array(pieces.dropFirst())
                    specificity += classes.count * 100 + (tag == nil ? 0 : 1)
                    compounds.append(Compound(tag: tag, classes: classes))
                }
                guard !compounds.isEmpty else { continue }
                rules.append(Rule(selector: compounds, specificity: specificity, order: rules.count, declarations: decls))
            }
        }
        rules.sort { ($0.specificity, $0.order) < ($1.specificity, $1.order) }
    }

    /// `a:b; c:d` with var() values skipped (the plain fallback written before them then wins).
    static func declarations(_ text: Substring) -> [(String, String)] {
        var out: [(String, String)] = []
        for decl in text.split(separator: ";") {
            let kv = decl.split(separator: ":", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let key = kv[0].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            var value = kv[1].trimmingCharacters(in: .whitespacesAndNewlines)
            if value.contains("var(") { continue }
            if let r = value.range(of: "!important") { value = value[..<r.lowerBound].trimmingCharacters(in: .whitespaces) }
            out.append((key, value))
        }
        return out
    }

    static func matches(_ c: Compound, _ node: SVGNode) -> Bool {
        if let tag = c.tag, tag != node.name { return false }
        for cls in c.classes where !node.classes.contains(cls) { return false }
        return true
    }

    /// Declarations that apply to `node`, lowest priority first.
    func declarations(for node: SVGNode, ancestors: [SVGNode]) -> [(String, String)] {
        var out: [(String, String)] = []
        for rule in rules {
            guard SVGStyleSheet.matches(rule.selector[rule.selector.count - 1], node) else { continue }
            // Remaining compounds: descendant combinators, nearest ancestor first.
            var k = rule.selector.count - 2
            var a = ancestors.count - 1
            while k >= 0 && a >= 0 {
                if SVGStyleSheet.matches(rule.selector[k], ancestors[a]) { k -= 1 }
                a -= 1
            }
            if k < 0 { out += rule.declarations }
        }
        return out
    }
}
