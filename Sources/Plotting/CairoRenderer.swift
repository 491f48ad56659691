// Drawing a figure with cairo, onto PNG, SVG or PDF surfaces (cairo's own
// encoders: no rasteriser or image format is written here).

import CCairo
import CInterrupt
import Foundation
import SafeFiles

public struct PlotError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum ImageFormat: String, CaseIterable, Sendable {
    case png, svg, pdf

    /// The format a path's extension names.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: ".") else { return nil }
        self.init(rawValue: path[path.index(after: dot)...].lowercased())
    }
}

extension Figure {
    /// Writes the figure as PNG, SVG or PDF, chosen by the extension (through SafeFile).
    public func save(to path: String) throws(PlotError) {
        guard let format = ImageFormat(path: path) else {
            throw PlotError("cannot tell the image format of '\(path)': use .png, .svg or .pdf")
        }
        let data = try encoded(as: format)
        do { try SafeFile.write(data, to: path) } catch { throw PlotError(error.description) }
    }

    /// The figure as PNG bytes, for a notebook's image outputs.
    public func pngData() throws(PlotError) -> Data { try encoded(as: .png) }

    /// The figure as SVG, for a Jupyter frontend's image/svg+xml.
    public func svgData() throws(PlotError) -> Data { try encoded(as: .svg) }

    /// The figure drawn and encoded in memory.
    func encoded(as format: ImageFormat) throws(PlotError) -> Data {
        let figure = scaled()
        let data = try CairoCanvas.encode(as: format, width: width, height: height) { cr in
            CairoRenderer(cr: cr, figure: figure).draw()
        }
        if lstm_interrupt_pending() != 0 { throw PlotError("interrupted!") }
        return data
    }
}

/// A drawing encoded in memory by cairo's own PNG, SVG and PDF writers.
public enum CairoCanvas {
    public static func encode(as format: ImageFormat, width: Int, height: Int,
                              draw: (OpaquePointer) -> Void) throws(PlotError) -> Data {
        final class Sink { var data = Data() }
        let sink = Sink()
        let write: cairo_write_func_t = { closure, bytes, length in
            guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
            return CAIRO_STATUS_SUCCESS
        }
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        let w = Double(width), h = Double(height)
        let surface: OpaquePointer?
        switch format {
        case .png: surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        case .svg:
            surface = cairo_svg_surface_create_for_stream(write, closure, w, h)
            // in pixels, as the PNG: cairo's default unit (pt) shows a 900-pixel figure
            // 1200 pixels wide in a browser or a notebook
            cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        case .pdf:
            surface = cairo_pdf_surface_create_for_stream(write, closure, w, h)
            // A fixed date keeps the same figure byte-identical from run to run.
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z")
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, "2000-01-01T00:00:00Z")
        }
        guard let surface, cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            let why = surface.map { String(cString: cairo_status_to_string(cairo_surface_status($0))) } ?? "out of memory"
            if let surface { cairo_surface_destroy(surface) }
            throw PlotError("cannot draw the figure: \(why)")
        }
        let status: cairo_status_t = withExtendedLifetime(sink) {
            let cr = cairo_create(surface)!
            draw(cr)
            var status = cairo_status(cr)
            cairo_destroy(cr)
            if format == .png && status == CAIRO_STATUS_SUCCESS {
                status = cairo_surface_write_to_png_stream(surface, write, closure)
            }
            cairo_surface_finish(surface)
            if status == CAIRO_STATUS_SUCCESS { status = cairo_surface_status(surface) }
            cairo_surface_destroy(surface)
            return status
        }
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PlotError("cannot draw the figure: \(String(cString: cairo_status_to_string(status)))")
        }
        return sink.data
    }
}

/// Lays out and draws one figure on a cairo context.
struct CairoRenderer {
    let cr: OpaquePointer
    let figure: Figure

    static let latinFont = "DejaVu Sans"
    /// Chinese, Japanese and Korean text needs a font that has the glyphs; cairo's
    /// simple text API does not fall back between fonts by itself.
    static let cjkFont = "WenQuanYi Micro Hei"

    func draw() {
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        // laid out at 100 dpi, then scaled: fonts, lines and margins grow with the dpi
        let scale = figure.scale > 0 && figure.scale.isFinite ? figure.scale : 1
        cairo_scale(cr, scale, scale)
        let W = Double(figure.width) / scale, H = Double(figure.height) / scale
        if !figure.panels.isEmpty { return drawPanels(W: W, H: H) }

        let ((x0, x1), (y0, y1)) = figure.ranges()
        let (xlo, xhi) = figure.xlim ?? (x0, x1)
        let (ylo, yhi) = figure.ylim ?? (y0, y1)
        let yAxis = Ticks.axis(ylo, yhi, log: figure.ylog), xAxis = Ticks.axis(xlo, xhi, log: figure.xlog)
        let yShown = yAxis.ticks
        var yTexts = yAxis.labels, yCorner = yAxis.corner
        let xShown = figure.xticks?.map(\.0) ?? xAxis.ticks
        var xTexts = figure.xticks?.map(\.1) ?? xAxis.labels, xCorner = figure.xticks == nil ? xAxis.corner : nil
        if !figure.showsXTickLabels { xTexts = xTexts.map { _ in "" }; xCorner = nil }
        if !figure.showsYTickLabels { yTexts = yTexts.map { _ in "" }; yCorner = nil }
        let yLabels = Array(zip(yShown, yTexts)), xLabels = Array(zip(xShown, xTexts))

        let tickSize = 12.0, labelSize = 14.0, titleSize = 16.0
        let yTickWidth = yLabels.map { textWidth($0.1, size: tickSize) }.max() ?? 0
        let left = 14 + (figure.ylabel == nil ? 0 : labelSize + 10) + yTickWidth + 8
        let right = 20.0
        // a title may run over several lines, as matplotlib's ("...\n(dashed: predicted)")
        let titleLines = figure.title.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? []
        let top = (titleLines.isEmpty ? 20.0 : Double(titleLines.count) * (titleSize + 4) + 22) + (yCorner == nil ? 0 : tickSize + 4)
        let bottom = 14 + tickSize + 8 + (figure.xlabel == nil ? 0 : labelSize + 10) + (xCorner == nil ? 0 : tickSize + 4)
        let plot = (x: left, y: top, w: max(W - left - right, 10), h: max(H - top - bottom, 10))
        // halved, as the differences overflow for data spanning ±1e308
        let px = { (x: Double) in plot.x + (x / 2 - xlo / 2) / (xhi / 2 - xlo / 2) * plot.w }
        let py = { (y: Double) in plot.y + plot.h - (y / 2 - ylo / 2) / (yhi / 2 - ylo / 2) * plot.h }

        // grid
        cairo_set_line_width(cr, 1)
        if figure.grid {
            cairo_set_source_rgb(cr, 0.88, 0.88, 0.88)
            for (v, _) in xLabels { line(px(v), plot.y, px(v), plot.y + plot.h) }
            for (v, _) in yLabels { line(plot.x, py(v), plot.x + plot.w, py(v)) }
        }
        // series, clipped to the plot area
        cairo_save(cr)
        cairo_rectangle(cr, plot.x, plot.y, plot.w, plot.h)
        cairo_clip(cr)
        for s in figure.series { drawSeries(s, px, py, plot) }
        cairo_restore(cr)
        // frame, ticks and their labels
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15)
        cairo_set_line_width(cr, 1)
        cairo_rectangle(cr, plot.x, plot.y, plot.w, plot.h)
        cairo_stroke(cr)
        for (v, text) in xLabels {
            line(px(v), plot.y + plot.h, px(v), plot.y + plot.h + 5)
            drawText(text, size: tickSize, x: px(v), y: plot.y + plot.h + 8, anchorX: 0.5, anchorY: 0)
        }
        for (v, text) in yLabels {
            line(plot.x - 5, py(v), plot.x, py(v))
            drawText(text, size: tickSize, x: plot.x - 8, y: py(v), anchorX: 1, anchorY: 0.5)
        }
        // an axis's offset and power of ten, once: above the y axis, under the x axis's end
        if let corner = yCorner { drawText(corner, size: tickSize, x: plot.x, y: plot.y - 4, anchorX: 0, anchorY: 1) }
        if let corner = xCorner {
            drawText(corner, size: tickSize, x: plot.x + plot.w, y: plot.y + plot.h + 8 + tickSize + 4, anchorX: 1, anchorY: 0)
        }
        if let t = figure.xlabel {
            drawText(t, size: labelSize, x: plot.x + plot.w / 2, y: H - 10, anchorX: 0.5, anchorY: 1)
        }
        if let t = figure.ylabel {
            cairo_save(cr)
            cairo_translate(cr, 12, plot.y + plot.h / 2)
            cairo_rotate(cr, -Double.pi / 2)
            drawText(t, size: labelSize, x: 0, y: 0, anchorX: 0.5, anchorY: 0)
            cairo_restore(cr)
        }
        for (k, line) in titleLines.enumerated() {
            drawText(line, size: titleSize, x: plot.x + plot.w / 2, y: 12 + Double(k) * (titleSize + 4), anchorX: 0.5, anchorY: 0, bold: true)
        }
        if figure.showsLegend { drawLegend(plot, px, py) }
    }

    /// A grid: the figure's title over it, each panel in its cell (drawn as a figure).
    private func drawPanels(W: Double, H: Double) {
        let titleSize = 16.0
        let titleLines = figure.title.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? []
        let top = titleLines.isEmpty ? 0 : Double(titleLines.count) * (titleSize + 4) + 14
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15)
        for (k, line) in titleLines.enumerated() {
            drawText(line, size: titleSize, x: W / 2, y: 10 + Double(k) * (titleSize + 4), anchorX: 0.5, anchorY: 0, bold: true)
        }
        let rows = Double(max(figure.layout.rows, 1)), cols = Double(max(figure.layout.cols, 1))
        let w = W / cols, h = max(H - top, 1) / rows
        for (i, panel) in figure.arrangedPanels().enumerated() {
            let r = Double(i / figure.layout.cols), c = Double(i % figure.layout.cols)
            cairo_save(cr)
            cairo_translate(cr, c * w, top + r * h)
            cairo_rectangle(cr, 0, 0, w, h)
            cairo_clip(cr)
            var p = panel
            p.width = max(Int(w), 1)
            p.height = max(Int(h), 1)
            p.scale = 1
            CairoRenderer(cr: cr, figure: p).draw()
            cairo_restore(cr)
        }
    }

    private func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) {
        // half-pixel offsets keep 1-pixel lines sharp
        cairo_move_to(cr, x0.rounded() + 0.5, y0.rounded() + 0.5)
        cairo_line_to(cr, x1.rounded() + 0.5, y1.rounded() + 0.5)
        cairo_stroke(cr)
    }

    private func setColor(_ c: Color) { cairo_set_source_rgb(cr, c.r, c.g, c.b) }

    private func drawSeries(_ s: Series, _ px: (Double) -> Double, _ py: (Double) -> Double,
                            _ plot: (x: Double, y: Double, w: Double, h: Double)) {
        setColor(s.color ?? Color.cycle[0])
        let n = min(s.xs.count, s.ys.count)
        switch s.kind {
        case .band:
            // matplotlib's fill_between: the region, translucent, each finite run its own polygon
            let c = s.color ?? Color.cycle[0]
            cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.3)
            var run: [Int] = []
            func fill() {
                guard run.count > 1 else { run = []; return }
                cairo_move_to(cr, px(s.xs[run[0]]), py(s.ys[run[0]]))
                for i in run.dropFirst() { cairo_line_to(cr, px(s.xs[i]), py(s.ys[i])) }
                for i in run.reversed() { cairo_line_to(cr, px(s.xs[i]), py(s.upper[i])) }
                cairo_close_path(cr)
                cairo_fill(cr)
                run = []
            }
            for i in 0..<min(n, s.upper.count) {
                if s.xs[i].isFinite && s.ys[i].isFinite && s.upper[i].isFinite { run.append(i) } else { fill() }
            }
            fill()
        case .bars:
            for i in 0..<n where s.xs[i].isFinite && s.ys[i].isFinite {
                let x0 = px(s.xs[i] - s.barWidth / 2), x1 = px(s.xs[i] + s.barWidth / 2)
                let y0 = py(0), y1 = py(s.ys[i])
                cairo_rectangle(cr, min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
            }
            cairo_fill(cr)
        case .errorbars:
            // matplotlib's errorbar: a vertical bar with caps, and the point
            cairo_set_line_width(cr, s.width)
            let cap = 3.0
            for i in 0..<n where s.xs[i].isFinite && s.ys[i].isFinite {
                let x = px(s.xs[i])
                let hi = i < s.upper.count ? s.ys[i] + s.upper[i] : s.ys[i]
                let lo = i < s.lower.count ? s.ys[i] - s.lower[i] : s.ys[i]
                guard hi.isFinite && lo.isFinite else { continue }
                line(x, py(lo), x, py(hi))
                line(x - cap, py(lo), x + cap, py(lo))
                line(x - cap, py(hi), x + cap, py(hi))
            }
            for i in 0..<n where s.xs[i].isFinite && s.ys[i].isFinite {
                cairo_new_sub_path(cr)
                cairo_arc(cr, px(s.xs[i]), py(s.ys[i]), s.size, 0, 2 * Double.pi)
            }
            cairo_fill(cr)
        case .hline, .vline:
            cairo_set_line_width(cr, s.width)
            if s.dashed {
                let dashes: [Double] = [6, 4]
                cairo_set_dash(cr, dashes, 2, 0)
            }
            if s.kind == .hline, let y = s.ys.first, y.isFinite {
                line(plot.x, py(y), plot.x + plot.w, py(y))
            } else if s.kind == .vline, let x = s.xs.first, x.isFinite {
                line(px(x), plot.y, px(x), plot.y + plot.h)
            }
            cairo_set_dash(cr, nil, 0, 0)
        case .line:
            cairo_set_line_width(cr, s.width)
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
            if s.dashed {
                let dashes: [Double] = [6, 4]
                cairo_set_dash(cr, dashes, 2, 0)
            }
            // Each finite run is simplified in device space, then stroked in pieces of a
            // few thousand points, each overlapping the last by a segment (so every
            // joint is drawn as a join): cairo's stroker slows down more than linearly on
            // one long jagged path, and Ctrl-C or a time limit is heard between pieces.
            // A dashed line is one stroke, so that its pattern runs on.
            var run: PathSimplifier?
            var raw: [(x: Double, y: Double)] = []
            func stroke() {
                guard var r = run else { return }
                r.flush()
                let points = s.simplify ? r.points : raw
                var first = 0
                repeat {
                    let last = s.dashed ? points.count - 1 : Swift.min(points.count - 1, first + 4096)
                    cairo_move_to(cr, points[first].x, points[first].y)
                    if last > first { for p in points[(first + 1)...last] { cairo_line_to(cr, p.x, p.y) } }
                    cairo_stroke(cr)
                    if lstm_interrupt_pending() != 0 { break }
                    first = last - 1
                } while first + 1 < points.count - 1
                run = nil
                raw.removeAll(keepingCapacity: true)
            }
            for i in 0..<n {
                let (x, y) = (s.xs[i], s.ys[i])
                guard x.isFinite && y.isFinite else { stroke(); continue }
                let p = (x: px(x), y: py(y))
                if !s.simplify { raw.append(p) }
                if run == nil { run = PathSimplifier(start: p) } else if s.simplify { run!.add(p) }
            }
            stroke()
            cairo_set_dash(cr, nil, 0, 0)
        case .scatter:
            for i in 0..<n where s.xs[i].isFinite && s.ys[i].isFinite {
                if i & 0xFFF == 0xFFF && lstm_interrupt_pending() != 0 { break }
                cairo_new_sub_path(cr)
                cairo_arc(cr, px(s.xs[i]), py(s.ys[i]), s.size, 0, 2 * Double.pi)
            }
            cairo_fill(cr)
        }
    }

    /// The legend goes in the corner that hides the fewest data points (matplotlib's "best").
    private func drawLegend(_ plot: (x: Double, y: Double, w: Double, h: Double),
                            _ px: (Double) -> Double, _ py: (Double) -> Double) {
        // as matplotlib: only labelled series appear
        let entries = figure.series.compactMap { s in s.label.map { (s, $0) } }
        guard !entries.isEmpty else { return }
        let size = 12.0, rowHeight = 20.0, sample = 26.0, pad = 8.0
        let textW = entries.map { textWidth($0.1, size: size) }.max() ?? 0
        let boxW = pad + sample + 6 + textW + pad, boxH = pad + Double(entries.count) * rowHeight + pad - 4
        let corners = [(plot.x + plot.w - boxW - 10, plot.y + 10), (plot.x + 10, plot.y + 10),
                       (plot.x + plot.w - boxW - 10, plot.y + plot.h - boxH - 10), (plot.x + 10, plot.y + plot.h - boxH - 10)]
        var points: [(Double, Double)] = []
        for s in figure.series {
            for i in 0..<min(s.xs.count, s.ys.count) where s.xs[i].isFinite && s.ys[i].isFinite {
                points.append((px(s.xs[i]), py(s.ys[i])))
            }
        }
        let hidden = corners.map { c in
            points.filter { $0.0 >= c.0 - 4 && $0.0 <= c.0 + boxW + 4 && $0.1 >= c.1 - 4 && $0.1 <= c.1 + boxH + 4 }.count
        }
        let best = hidden.enumerated().min { $0.element < $1.element }!.offset
        let (bx, by) = corners[best]
        cairo_set_source_rgba(cr, 1, 1, 1, 0.9)
        cairo_rectangle(cr, bx, by, boxW, boxH)
        cairo_fill_preserve(cr)
        cairo_set_source_rgb(cr, 0.75, 0.75, 0.75)
        cairo_set_line_width(cr, 1)
        cairo_stroke(cr)
        for (i, (s, label)) in entries.enumerated() {
            let cy = by + pad + Double(i) * rowHeight + rowHeight / 2 - 2
            setColor(s.color ?? Color.cycle[0])
            if s.kind == .band || s.kind == .bars {
                let c = s.color ?? Color.cycle[0]
                if s.kind == .band { cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.3) }
                cairo_rectangle(cr, bx + pad, cy - 6, sample, 12)
                cairo_fill(cr)
            } else if s.kind != .scatter {
                cairo_set_line_width(cr, s.width)
                if s.dashed {
                    let dashes: [Double] = [6, 4]
                    cairo_set_dash(cr, dashes, 2, 0)
                }
                cairo_move_to(cr, bx + pad, cy)
                cairo_line_to(cr, bx + pad + sample, cy)
                cairo_stroke(cr)
                cairo_set_dash(cr, nil, 0, 0)
            } else {
                cairo_arc(cr, bx + pad + sample / 2, cy, max(s.size, 3), 0, 2 * Double.pi)
                cairo_fill(cr)
            }
            cairo_set_source_rgb(cr, 0.15, 0.15, 0.15)
            drawText(label, size: size, x: bx + pad + sample + 6, y: cy, anchorX: 0, anchorY: 0.5)
        }
    }

    private func selectFont(_ text: String, size: Double, bold: Bool = false) {
        let cjk = text.unicodeScalars.contains { $0.value >= 0x2E80 }
        cairo_select_font_face(cr, cjk ? CairoRenderer.cjkFont : CairoRenderer.latinFont, CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    private func textWidth(_ text: String, size: Double) -> Double {
        selectFont(text, size: size)
        var e = cairo_text_extents_t()
        cairo_text_extents(cr, text, &e)
        return e.x_advance
    }

    /// Draws text with (anchorX, anchorY) of its box at (x, y): 0 left/top, 0.5 centre, 1 right/bottom.
    private func drawText(_ text: String, size: Double, x: Double, y: Double, anchorX: Double, anchorY: Double,
                          bold: Bool = false) {
        selectFont(text, size: size, bold: bold)
        var e = cairo_text_extents_t()
        cairo_text_extents(cr, text, &e)
        var fe = cairo_font_extents_t()
        cairo_font_extents(cr, &fe)
        let height = fe.ascent + fe.descent
        cairo_move_to(cr, x - e.x_advance * anchorX, y - height * anchorY + fe.ascent)
        cairo_show_text(cr, text)
    }
}
