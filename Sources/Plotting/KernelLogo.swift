// lstmlua's logo for Jupyter's launcher: a sine wave on Lua's blue.

import CCairo
import Foundation

public enum KernelLogo {
    /// The files ipykernel's install writes: logo-32x32.png, logo-64x64.png, logo-svg.svg.
    public static func files() throws(PlotError) -> [String: Data] {
        [
            "logo-32x32.png": try CairoCanvas.encode(as: .png, width: 32, height: 32) { draw($0, size: 32) },
            "logo-64x64.png": try CairoCanvas.encode(as: .png, width: 64, height: 64) { draw($0, size: 64) },
            "logo-svg.svg": try CairoCanvas.encode(as: .svg, width: 64, height: 64) { draw($0, size: 64) },
        ]
    }

    static func draw(_ cr: OpaquePointer, size: Int) {
        let s = Double(size), r = s * 0.18
        cairo_new_path(cr)
        cairo_arc(cr, s - r, r, r, -Double.pi / 2, 0)
        cairo_arc(cr, s - r, s - r, r, 0, Double.pi / 2)
        cairo_arc(cr, r, s - r, r, Double.pi / 2, Double.pi)
        cairo_arc(cr, r, r, r, Double.pi, 3 * Double.pi / 2)
        cairo_close_path(cr)
        cairo_set_source_rgb(cr, 0, 0, 0.5)  // Lua's navy
        cairo_fill(cr)
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_set_line_width(cr, s / 14)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        for i in 0...48 {
            let t = Double(i) / 48
            let x = s * (0.14 + 0.72 * t), y = s * (0.5 - 0.26 * sin(2 * Double.pi * t))
            if i == 0 { cairo_move_to(cr, x, y) } else { cairo_line_to(cr, x, y) }
        }
        cairo_stroke(cr)
    }
}
