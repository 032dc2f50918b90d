import ClienteleCore

/// Sequential, colour-blind-safe colour ramps for the heatmap cells.
public enum HeatmapPalette: String, Sendable, CaseIterable {
    /// Matplotlib's viridis (dark purple -> yellow); luminance increases with the rate.
    case viridis
    /// ColorBrewer "Blues" (near white -> dark blue); luminance decreases with the rate.
    case blues

    /// Nine evenly spaced stops; colours in between are interpolated in sRGB.
    public var stops: [RGBColor] {
        switch self {
        case .viridis:
            return [0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21908C, 0x27AD81, 0x5DC863, 0xAADC32, 0xFDE725]
                .map { RGBColor(hex: $0) }
        case .blues:
            return [0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B]
                .map { RGBColor(hex: $0) }
        }
    }

    /// The colour for a value in 0...1 (values outside are clamped, NaN maps to 0),
    /// from a 256-entry table (the output has 8 bits per channel anyway).
    public func color(at value: Double) -> RGBColor {
        let t = value.isNaN ? 0 : min(max(value, 0), 1)
        let table = HeatmapPalette.tables[self] ?? []
        return table[Int((t * Double(table.count - 1)).rounded())]
    }

    /// sRGB interpolation between the stops, before quantisation to the table.
    func interpolated(at t: Double) -> RGBColor {
        let stops = self.stops
        let position = min(max(t, 0), 1) * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        return stops[index].mixed(with: stops[index + 1], position - Double(index))
    }

    /// Interpolating in sRGB and rounding to 8 bits can make the luminance dip
    /// by a hair where one channel falls while another rises (viridis); such
    /// entries repeat their predecessor so the ramp is monotone by construction.
    private static let tables: [HeatmapPalette: [RGBColor]] = {
        var tables: [HeatmapPalette: [RGBColor]] = [:]
        for palette in HeatmapPalette.allCases {
            let increasing = palette.stops.last!.relativeLuminance > palette.stops.first!.relativeLuminance
            var table: [RGBColor] = []
            var previous: (color: RGBColor, luminance: Double)?
            for i in 0..<256 {
                var color = palette.interpolated(at: Double(i) / 255)
                let luminance = color.relativeLuminance
                if let p = previous, increasing ? luminance < p.luminance : luminance > p.luminance {
                    color = p.color
                } else {
                    previous = (color, luminance)
                }
                table.append(color)
            }
            tables[palette] = table
        }
        return tables
    }()
}

/// How a rate is mapped onto the colour ramp.
public enum HeatmapColorScale: String, Sendable, CaseIterable {
    /// Colour position = rate.
    case linear
    /// Colour position = sqrt(rate): spreads the typical 5-50% retention
    /// range over more of the ramp while keeping 0% and 100% at the ends.
    case squareRoot

    /// Position on the ramp (0...1) for a rate; clamped, NaN -> 0.
    public func position(of rate: Double) -> Double {
        let t = rate.isNaN ? 0 : min(max(rate, 0), 1)
        switch self {
        case .linear: return t
        case .squareRoot: return t.squareRoot()
        }
    }

    /// Rates labelled on the legend.
    var legendTicks: [Double] {
        switch self {
        case .linear: return [0, 0.25, 0.5, 0.75, 1]
        case .squareRoot: return [0, 0.1, 0.25, 0.5, 1]
        }
    }
}
