// Colours, fonts and the embedded stylesheet shared by every chart.

/// Formats a value for tick labels, value labels and tooltips.
public typealias ChartValueFormatter = @Sendable (Double) -> String

/// The look of the charts: every SVG embeds `ChartStyle.css`, whose rules read
/// CSS custom properties with fallbacks. A standalone `.svg` file therefore
/// shows the light theme, and a page that inlines the SVG can restyle it
/// (for example a dark theme) by setting the properties on any ancestor:
///
/// | Property | Default | Used for |
/// |---|---|---|
/// | `--clt-font` | system UI sans-serif stack | all text |
/// | `--clt-bg` | `#ffffff` | chart background, gaps between marks, point halos |
/// | `--clt-fg` | `#1f2937` | titles, axis titles, legend text, value labels |
/// | `--clt-muted` | `#5b6472` | tick labels, notes, the empty-chart message |
/// | `--clt-grid` | `#e5e7eb` | gridlines, outlines of empty heatmap cells |
/// | `--clt-axis` | `#9ca3af` | axis baselines, tick marks, reference lines |
/// | `--clt-s1` ... `--clt-s8` | Okabe-Ito: `#0072B2 #E69F00 #009E73 #CC79A7 #56B4E9 #D55E00 #F0E442 #999999` | series / slice colours (fill and stroke) |
/// | `--clt-on-s1` ... `--clt-on-s8` | `#ffffff` or `#111827`, whichever contrasts more | text drawn on a series colour (treemap, donut) |
/// | `--clt-hover` | `#111827` | outline of the hovered mark |
///
/// Example dark theme for the dashboard stylesheet:
///
/// ```css
/// [data-theme="dark"] {
///   --clt-bg: #111827; --clt-fg: #e5e7eb; --clt-muted: #9ca3af;
///   --clt-grid: #374151; --clt-axis: #6b7280; --clt-hover: #f9fafb;
///   --clt-s1: #56B4E9; --clt-on-s1: #111827;   /* lighter blue on dark */
/// }
/// ```
///
/// Class names all start with `clt-`: `clt-mark` is on every data mark (bar,
/// point, cell, slice, tile), `clt-s<N>` gives a mark the fill of series N,
/// `clt-l<N>` the stroke of series N. Heatmap cells carry their sequential
/// colour as a `fill` attribute (the ramps are colour-blind safe in both themes).
public enum ChartStyle {
    /// The Okabe-Ito palette, in series order. #F0E442 (yellow) is never used for text.
    public static let seriesColors: [RGBColor] = [0x0072B2, 0xE69F00, 0x009E73, 0xCC79A7, 0x56B4E9, 0xD55E00, 0xF0E442, 0x999999]
        .map { RGBColor(hex: $0) }

    public static let fontStack = "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,'DejaVu Sans',sans-serif"

    /// Font sizes in viewBox units.
    static let titleSize = 15.0
    static let axisTitleSize = 12.5
    static let labelSize = 12.0
    static let smallSize = 11.0

    static let darkInk = RGBColor(hex: 0x111827)

    /// 1-based series class index for a 0-based series position (cycles after 8).
    static func seriesClass(_ index: Int) -> Int { index % seriesColors.count + 1 }

    /// White or near-black text on a fill, whichever contrasts more.
    static func ink(on fill: RGBColor) -> RGBColor {
        fill.contrastRatio(with: .white) >= fill.contrastRatio(with: darkInk) ? .white : darkInk
    }

    /// The stylesheet embedded in every chart.
    public static let css: String = {
        // Each themed property is written twice, `fill:#hex;fill:var(--clt-x,#hex)`:
        // renderers without CSS variables (librsvg, some image viewers) drop the
        // var() declaration and keep the plain colour.
        func themed(_ property: String, _ variable: String, _ fallback: String) -> String {
            "\(property):\(fallback);\(property):var(--clt-\(variable),\(fallback))"
        }
        var rules = [
            ".clt{\(themed("font-family", "font", fontStack))}",
            ".clt text{\(themed("fill", "fg", "#1f2937"))}",
            ".clt .clt-bg{\(themed("fill", "bg", "#ffffff"))}",
            ".clt .clt-title,.clt .clt-axis-title{font-weight:600}",
            ".clt .clt-tick,.clt .clt-muted,.clt .clt-empty{\(themed("fill", "muted", "#5b6472"))}",
            ".clt .clt-grid{\(themed("stroke", "grid", "#e5e7eb"));stroke-width:1}",
            ".clt .clt-axis{\(themed("stroke", "axis", "#9ca3af"));stroke-width:1}",
            ".clt .clt-ref{\(themed("stroke", "axis", "#9ca3af"));stroke-width:1.25;stroke-dasharray:5 4;fill:none}",
            ".clt .clt-line{fill:none;stroke-width:2.25;stroke-linejoin:round;stroke-linecap:round}",
            ".clt .clt-area{fill-opacity:.16}",
            ".clt .clt-gap{\(themed("stroke", "bg", "#ffffff"))}",
            ".clt .clt-nil{fill:none;\(themed("stroke", "grid", "#e5e7eb"))}",
            ".clt .clt-pt{\(themed("stroke", "bg", "#ffffff"));stroke-width:1.5}",
            ".clt .clt-hit{fill-opacity:0;stroke-opacity:0}",
            ".clt .clt-hit:hover{fill-opacity:1;stroke-opacity:1}",
            ".clt .clt-mark:hover{\(themed("stroke", "hover", "#111827"));stroke-width:1.5}",
            ".clt .clt-ink-d{fill:#111827}",
            ".clt .clt-ink-l{fill:#ffffff}",
        ]
        for (i, color) in seriesColors.enumerated() {
            let n = i + 1
            let hex = color.hexString.uppercased()
            rules.append(".clt .clt-s\(n){\(themed("fill", "s\(n)", hex))}")
            rules.append(".clt .clt-l\(n){\(themed("stroke", "s\(n)", hex))}")
            rules.append(".clt .clt-on\(n){\(themed("fill", "on-s\(n)", ink(on: color).hexString))}")
        }
        return rules.joined()
    }()
}
