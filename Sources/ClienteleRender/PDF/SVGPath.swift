// SVG path data (M L H V C S Q T A Z, absolute and relative) as a PDFPath; arcs become Béziers.

import Foundation

/// Reads numbers and flags from path data and number lists.
struct SVGPathScanner {
    let b: [UInt8]
    var i = 0
    init(_ bytes: [UInt8]) { b = bytes }

    mutating func skipSeparators() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x2C || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    var atEnd: Bool { mutating get { skipSeparators(); return i >= b.count } }

    /// The next command letter, if the next token is one.
    mutating func command() -> UInt8? {
        skipSeparators()
        guard i < b.count else { return nil }
        let c = b[i]
        if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A), c != 0x65, c != 0x45 { i += 1; return c }
        return nil
    }

    mutating func number() -> Double? {
        skipSeparators()
        let start = i
        if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
        var digits = false, dot = false
        while i < b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 { digits = true; i += 1 } else if c == 0x2E && !dot { dot = true; i += 1 } else { break }
        }
        if digits, i < b.count, b[i] == 0x65 || b[i] == 0x45 {
            var j = i + 1
            if j < b.count, b[j] == 0x2B || b[j] == 0x2D { j += 1 }
            if j < b.count, b[j] >= 0x30 && b[j] <= 0x39 {
                i = j
                while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            }
        }
        guard digits else { i = start; return nil }
        return Double(String(decoding: b[start..<i], as: UTF8.self))
    }

    /// An arc flag: a single 0 or 1 (may be written without separators).
    mutating func flag() -> Bool? {
        skipSeparators()
        guard i < b.count, b[i] == 0x30 || b[i] == 0x31 else { return nil }
        defer { i += 1 }
        return b[i] == 0x31
    }
}

enum SVGPathParser {
    /// Path data to a PDFPath (in the SVG's own coordinates). Stops quietly at the first error, as browsers do.
    static func parse(_ d: String) -> PDFPath {
        var path = PDFPath()
        var s = SVGPathScanner(Array(d.utf8))
        var cx = 0.0, cy = 0.0, startX = 0.0, startY = 0.0
        var lastCubic: (Double, Double)? = nil, lastQuad: (Double, Double)? = nil
        var cmd: UInt8 = 0
        while !s.atEnd {
            if let c = s.command() { cmd = c } else if cmd == 0 { break }
            let rel = cmd >= 0x61
            let up = rel ? cmd - 0x20 : cmd
            let ox = rel ? cx : 0, oy = rel ? cy : 0
            var nextCubic: (Double, Double)? = nil, nextQuad: (Double, Double)? = nil
            switch up {
            case 0x4D: // M
                guard let x = s.number(), let y = s.number() else { return path }
                cx = ox + x; cy = oy + y; startX = cx; startY = cy
                path.move(to: cx, cy)
                cmd = rel ? 0x6C : 0x4C // further pairs are line-tos
            case 0x4C: // L
                guard let x = s.number(), let y = s.number() else { return path }
                cx = ox + x; cy = oy + y
                path.line(to: cx, cy)
            case 0x48: // H
                guard let x = s.number() else { return path }
                cx = ox + x
                path.line(to: cx, cy)
            case 0x56: // V
                guard let y = s.number() else { return path }
                cy = (rel ? cy : 0) + y
                path.line(to: cx, cy)
            case 0x43: // C
                guard let x1 = s.number(), let y1 = s.number(), let x2 = s.number(), let y2 = s.number(),
                      let x = s.number(), let y = s.number() else { return path }
                path.curve(to: ox + x, oy + y, control1: ox + x1, oy + y1, control2: ox + x2, oy + y2)
                nextCubic = (ox + x2, oy + y2)
                cx = ox + x; cy = oy + y
            case 0x53: // S
                guard let x2 = s.number(), let y2 = s.number(), let x = s.number(), let y = s.number() else { return path }
                let c1 = lastCubic.map { (2 * cx - $0.0, 2 * cy - $0.1) } ?? (cx, cy)
                path.curve(to: ox + x, oy + y, control1: c1.0, c1.1, control2: ox + x2, oy + y2)
                nextCubic = (ox + x2, oy + y2)
                cx = ox + x; cy = oy + y
            case 0x51, 0x54: // Q, T
                let q: (Double, Double)
                if up == 0x51 {
                    guard let x1 = s.number(), let y1 = s.number() else { return path }
                    q = (ox + x1, oy + y1)
                } else {
                    q = lastQuad.map { (2 * cx - $0.0, 2 * cy - $0.1) } ?? (cx, cy)
                }
                guard let x = s.number(), let y = s.number() else { return path }
                let ex = ox + x, ey = oy + y
                path.curve(to: ex, ey, control1: cx + 2 / 3 * (q.0 - cx), cy + 2 / 3 * (q.1 - cy),
                           control2: ex + 2 / 3 * (q.0 - ex), ey + 2 / 3 * (q.1 - ey))
                nextQuad = q
                cx = ex; cy = ey
            case 0x41: // A
                guard let rx = s.number(), let ry = s.number(), let rot = s.number(), let large = s.flag(), let sweep = s.flag(),
                      let x = s.number(), let y = s.number() else { return path }
                let ex = ox + x, ey = oy + y
                arc(into: &path, from: (cx, cy), to: (ex, ey), rx: rx, ry: ry, rotation: rot, large: large, sweep: sweep)
                cx = ex; cy = ey
            case 0x5A: // Z
                path.close()
                cx = startX; cy = startY
                cmd = 0
            default:
                return path
            }
            lastCubic = nextCubic; lastQuad = nextQuad
        }
        return path
    }

    /// An elliptical arc (SVG endpoint parameterisation) as cubic Béziers of at most 90° each.
    static func arc(into path: inout PDFPath, from p0: (Double, Double), to p1: (Double, Double),
                    rx rxIn: Double, ry ryIn: Double, rotation: Double, large: Bool, sweep: Bool) {
        var rx = abs(rxIn), ry = abs(ryIn)
        if (p0.0 == p1.0 && p0.1 == p1.1) { return }
        if rx == 0 || ry == 0 { path.line(to: p1.0, p1.1); return }
        let phi = rotation * .pi / 180, cphi = cos(phi), sphi = sin(phi)
        let dx = (p0.0 - p1.0) / 2, dy = (p0.1 - p1.1) / 2
        let x1p = cphi * dx + sphi * dy, y1p = -sphi * dx + cphi * dy
        let lambda = (x1p * x1p) / (rx * rx) + (y1p * y1p) / (ry * ry)
        if lambda > 1 { rx *= lambda.squareRoot(); ry *= lambda.squareRoot() }
        let num = rx * rx * ry * ry - rx * rx * y1p * y1p - ry * ry * x1p * x1p
        let den = rx * rx * y1p * y1p + ry * ry * x1p * x1p
        var coef = den == 0 ? 0 : (max(0, num) / den).squareRoot()
        if large == sweep { coef = -coef }
        let cxp = coef * rx * y1p / ry, cyp = -coef * ry * x1p / rx
        let cx = cphi * cxp - sphi * cyp + (p0.0 + p1.0) / 2
        let cy = sphi * cxp + cphi * cyp + (p0.1 + p1.1) / 2
        func angle(_ ux: Double, _ uy: Double, _ vx: Double, _ vy: Double) -> Double {
            let a = atan2(ux * vy - uy * vx, ux * vx + uy * vy)
            return a
        }
        let theta1 = angle(1, 0, (x1p - cxp) / rx, (y1p - cyp) / ry)
        var dtheta = angle((x1p - cxp) / rx, (y1p - cyp) / ry, (-x1p - cxp) / rx, (-y1p - cyp) / ry)
        if !sweep && dtheta > 0 { dtheta -= 2 * .pi } else if sweep && dtheta < 0 { dtheta += 2 * .pi }
        guard dtheta.isFinite, theta1.isFinite else { path.line(to: p1.0, p1.1); return }
        let segments = max(1, Int((abs(dtheta) / (.pi / 2) - 1e-9).rounded(.up)))
        let delta = dtheta / Double(segments)
        let k = 4.0 / 3.0 * tan(delta / 4)
        func point(_ t: Double) -> (Double, Double) {
            let x = rx * cos(t), y = ry * sin(t)
            return (cx + cphi * x - sphi * y, cy + sphi * x + cphi * y)
        }
        func derivative(_ t: Double) -> (Double, Double) {
            let x = -rx * sin(t), y = ry * cos(t)
            return (cphi * x - sphi * y, sphi * x + cphi * y)
        }
        var t = theta1
        for seg in 0..<segments {
            let t2 = t + delta
            let a = point(t), d1 = derivative(t), d2 = derivative(t2)
            var b = point(t2)
            if seg == segments - 1 { b = p1 }
            path.curve(to: b.0, b.1, control1: a.0 + k * d1.0, a.1 + k * d1.1, control2: b.0 - k * d2.0, b.1 - k * d2.1)
            t = t2
        }
    }
}
