import CZlib
import Foundation

/// An opaque 8-bit sRGB colour.
public struct RGBColor: Sendable, Hashable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r; self.g = g; self.b = b
    }

    /// `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(r: UInt8((hex >> 16) & 0xFF), g: UInt8((hex >> 8) & 0xFF), b: UInt8(hex & 0xFF))
    }

    public static let white = RGBColor(hex: 0xFFFFFF)
    public static let black = RGBColor(hex: 0x000000)

    /// `#rrggbb`, lower case.
    public var hexString: String {
        let digits = Array("0123456789abcdef")
        var s = "#"
        for v in [r, g, b] {
            s.append(digits[Int(v >> 4)])
            s.append(digits[Int(v & 0xF)])
        }
        return s
    }

    public var description: String { hexString }

    /// WCAG relative luminance (0 = black, 1 = white).
    public var relativeLuminance: Double {
        func linear(_ v: UInt8) -> Double {
            let c = Double(v) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    /// WCAG contrast ratio between two colours (1...21).
    public func contrastRatio(with other: RGBColor) -> Double {
        let a = relativeLuminance, b = other.relativeLuminance
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// Linear interpolation in sRGB space, `t` in 0...1.
    public func mixed(with other: RGBColor, _ t: Double) -> RGBColor {
        let t = t.isNaN ? 0 : min(max(t, 0), 1)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded())
        }
        return RGBColor(r: mix(r, other.r), g: mix(g, other.g), b: mix(b, other.b))
    }
}

/// A simple RGB raster (8 bits per channel, row-major, top row first).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes: R, G, B per pixel.
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: RGBColor = .white) {
        precondition(width > 0 && height > 0, "image must not be empty")
        self.width = width
        self.height = height
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) {
            pixels[i] = background.r; pixels[i + 1] = background.g; pixels[i + 2] = background.b
        }
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int) -> RGBColor {
        get {
            let i = (y * width + x) * 3
            return RGBColor(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2])
        }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = (y * width + x) * 3
            pixels[i] = newValue.r; pixels[i + 1] = newValue.g; pixels[i + 2] = newValue.b
        }
    }

    /// Fill an axis-aligned rectangle (clipped to the image).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGBColor) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            var i = (yy * width + x0) * 3
            for _ in x0..<x1 {
                pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
                i += 3
            }
        }
    }

    /// Blend `color` over the pixel with coverage `alpha` (0...255).
    public mutating func blend(x: Int, y: Int, color: RGBColor, alpha: UInt8) {
        guard alpha > 0, x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        if alpha == 255 {
            pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
            return
        }
        let a = UInt32(alpha), na = 255 - a
        pixels[i] = UInt8((UInt32(pixels[i]) * na + UInt32(color.r) * a + 127) / 255)
        pixels[i + 1] = UInt8((UInt32(pixels[i + 1]) * na + UInt32(color.g) * a + 127) / 255)
        pixels[i + 2] = UInt8((UInt32(pixels[i + 2]) * na + UInt32(color.b) * a + 127) / 255)
    }

    /// Draw a rectangle outline of thickness `t` inside the given bounds.
    public mutating func stroke(x: Int, y: Int, width w: Int, height h: Int, thickness t: Int = 1, color: RGBColor) {
        fill(x: x, y: y, width: w, height: t, color: color)
        fill(x: x, y: y + h - t, width: w, height: t, color: color)
        fill(x: x, y: y, width: t, height: h, color: color)
        fill(x: x + w - t, y: y, width: t, height: h, color: color)
    }

    /// Encode as an 8-bit RGB PNG.
    public func pngData() -> [UInt8] { PNGEncoder.encode(self) }
}

public enum PNGEncodingError: Error {
    case compressionFailed(Int32)
}

/// Minimal PNG writer: 8-bit truecolour, no interlacing, adaptive per-row
/// filtering, zlib (`compress2`) for the IDAT stream and zlib's `crc32`.
public enum PNGEncoder {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Largest IDAT chunk payload written; larger streams are split.
    static let maxIDATLength = 1 << 20

    public static func encode(_ image: RGBImage, compressionLevel: Int32 = 6) -> [UInt8] {
        var out = signature
        var ihdr: [UInt8] = []
        appendUInt32(&ihdr, UInt32(image.width))
        appendUInt32(&ihdr, UInt32(image.height))
        ihdr += [8, 2, 0, 0, 0] // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
        appendChunk(&out, type: "IHDR", data: ihdr)

        let raw = filteredScanlines(image)
        let compressed = zlibCompress(raw, level: compressionLevel)
        var offset = 0
        repeat {
            let end = min(compressed.count, offset + maxIDATLength)
            appendChunk(&out, type: "IDAT", data: Array(compressed[offset..<end]))
            offset = end
        } while offset < compressed.count
        appendChunk(&out, type: "IEND", data: [])
        return out
    }

    /// Scanlines prefixed with their filter type byte, choosing per row the
    /// filter with the smallest sum of absolute residuals (the usual heuristic).
    /// Filters each row with whichever of None, Sub and Up gives the smallest sum of absolute values (the usual
    /// heuristic; Average and Paeth rarely win on flat chart graphics and cost more).
    static func filteredScanlines(_ image: RGBImage) -> [UInt8] {
        let stride = image.width * 3
        let bpp = 3
        var out = [UInt8](repeating: 0, count: image.height * (stride + 1))
        var candidates = [UInt8](repeating: 0, count: 3 * stride)
        image.pixels.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { o in
                candidates.withUnsafeMutableBufferPointer { cand in
                    for y in 0..<image.height {
                        let row = px.baseAddress! + y * stride
                        let prev: UnsafePointer<UInt8>? = y > 0 ? px.baseAddress! + (y - 1) * stride : nil
                        let none = cand.baseAddress!, sub = none + stride, up = sub + stride
                        var scores = (0, 0, 0)
                        for i in 0..<stride {
                            let x = row[i]
                            let a: UInt8 = i >= bpp ? row[i - bpp] : 0
                            let b: UInt8 = prev?[i] ?? 0
                            let vs = x &- a, vu = x &- b
                            none[i] = x; sub[i] = vs; up[i] = vu
                            scores.0 += x < 128 ? Int(x) : 256 - Int(x)
                            scores.1 += vs < 128 ? Int(vs) : 256 - Int(vs)
                            scores.2 += vu < 128 ? Int(vu) : 256 - Int(vu)
                        }
                        var best = 0, bestScore = scores.0
                        if scores.1 < bestScore { best = 1; bestScore = scores.1 }
                        if scores.2 < bestScore { best = 2 }
                        let dst = o.baseAddress! + y * (stride + 1)
                        dst[0] = UInt8(best)
                        (dst + 1).update(from: none + best * stride, count: stride)
                    }
                }
            }
        }
        return out
    }

    @inline(__always)
    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        if pb <= pc { return b }
        return c
    }

    static func zlibCompress(_ data: [UInt8], level: Int32) -> [UInt8] {
        var destLength = compressBound(uLong(data.count))
        var dest = [UInt8](repeating: 0, count: Int(destLength))
        let status = data.withUnsafeBufferPointer { src in
            dest.withUnsafeMutableBufferPointer { dst in
                compress2(dst.baseAddress, &destLength, src.baseAddress, uLong(src.count), level)
            }
        }
        // compress2 only fails for bad parameters or out of memory.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        return Array(dest[0..<Int(destLength)])
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buf in
            UInt32(truncatingIfNeeded: crc32(0, buf.baseAddress, uInt(buf.count)))
        }
    }

    static func appendUInt32(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func appendChunk(_ out: inout [UInt8], type: String, data: [UInt8]) {
        appendUInt32(&out, UInt32(data.count))
        let body = Array(type.utf8) + data
        out += body
        appendUInt32(&out, crc(body))
    }
}
