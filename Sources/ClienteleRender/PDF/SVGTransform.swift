// SVG transform lists (matrix, translate, scale, rotate, skewX/Y) as one affine matrix.

import Foundation

enum SVGTransform {
    /// The product of a transform list as [a b c d e f].
    static func parse(_ s: String) -> [Double]? {
        var m: [Double] = [1, 0, 0, 1, 0, 0]
        var rest = Substring(s)
        var any = false
        while let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") {
            let name = rest[..<open].trimmingCharacters(in: CharacterSet(charactersIn: " ,\t\n"))
            let v = SVGNumbers.parse(rest[rest.index(after: open)..<close])
            var t: [Double]?
            switch name {
            case "matrix" where v.count == 6: t = v
            case "translate" where v.count >= 1: t = [1, 0, 0, 1, v[0], v.count > 1 ? v[1] : 0]
            case "scale" where v.count >= 1: t = [v[0], 0, 0, v.count > 1 ? v[1] : v[0], 0, 0]
            case "rotate" where v.count >= 1:
                let a = v[0] * .pi / 180, c = cos(a), sn = sin(a)
                if v.count >= 3 {
                    let x = v[1], y = v[2]
                    t = [c, sn, -sn, c, x - c * x + sn * y, y - sn * x - c * y]
                } else { t = [c, sn, -sn, c, 0, 0] }
            case "skewX" where v.count == 1: t = [1, 0, tan(v[0] * .pi / 180), 1, 0, 0]
            case "skewY" where v.count == 1: t = [1, tan(v[0] * .pi / 180), 0, 1, 0, 0]
            default: t = nil
            }
            if let t {
                m = multiply(m, t)
                any = true
            }
            rest = rest[rest.index(after: close)...]
        }
        return any ? m : nil
    }

    /// m · t (t applied first).
    static func multiply(_ m: [Double], _ t: [Double]) -> [Double] {
        [m[0] * t[0] + m[2] * t[1], m[1] * t[0] + m[3] * t[1],
         m[0] * t[2] + m[2] * t[3], m[1] * t[2] + m[3] * t[3],
         m[0] * t[4] + m[2] * t[5] + m[4], m[1] * t[4] + m[3] * t[5] + m[5]]
    }
}
