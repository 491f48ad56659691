// Drawing a figure in a terminal with Unicode braille characters (each cell a
// 2×4 grid of dots), with text axes and a legend, so that plots need no file in
// the REPL. Colours are ANSI escapes, only when asked for (stdout is a terminal).

extension Figure {
    /// The dot index of v on an axis of `size` dots from `a` to `b`. Halved first, as
    /// (v - a) / (b - a) overflows to inf or nan for data near ±1e308; far off-axis
    /// values are clamped (their lines are cut at the frame), never converted from nan.
    static func dot(_ v: Double, from a: Double, to b: Double, size: Int) -> Int {
        let position = (v / 2 - a / 2) / (b / 2 - a / 2) * Double(size - 1)
        guard position.isFinite else { return -1 }
        return Int(min(max(position, -1e6), 1e6).rounded())
    }

    public func braille(columns: Int = 72, rows: Int = 16, color: Bool = false) -> String {
        if !panels.isEmpty {
            // a terminal gets the panels one under another, each a share of the rows
            let share = max(4, rows / max(layout.rows, 1))
            return (title.map { $0 + "\n" } ?? "") + arrangedPanels().map { $0.braille(columns: columns, rows: share, color: color) }.joined()
        }
        if (xlog || ylog) && !isScaled { return scaled().braille(columns: columns, rows: rows, color: color) }
        let ((x0, x1), (y0, y1)) = ranges()
        let (xlo, xhi) = xlim ?? (x0, x1)
        let (ylo, yhi) = ylim ?? (y0, y1)
        // ASCII minus signs: a terminal's font may lack U+2212
        let yAxis = Ticks.axis(ylo, yhi, log: ylog, target: 4, minus: "-")
        let xAxis = Ticks.axis(xlo, xhi, log: xlog, target: 5, minus: "-")
        let yLabels = zip(yAxis.ticks, yAxis.labels).filter { $0.0 >= ylo && $0.0 <= yhi }
        let yCorner = yAxis.corner
        let xPairs = xticks ?? zip(xAxis.ticks, xAxis.labels).filter { $0.0 >= xlo && $0.0 <= xhi }
        let (xShown, xTexts) = (xPairs.map(\.0), xPairs.map(\.1))
        let xCorner = xticks == nil ? xAxis.corner : nil
        let xText = Dictionary(zip(xShown, xTexts), uniquingKeysWith: { a, _ in a })
        let labelWidth = yLabels.map { $0.1.count }.max() ?? 1
        let cols = max(columns - labelWidth - 2, 10), rowsN = max(rows, 4)
        let (W, H) = (cols * 2, rowsN * 4)

        var dots = [UInt8](repeating: 0, count: cols * rowsN)
        var owner = [Int](repeating: -1, count: cols * rowsN)
        func plotDot(_ px: Int, _ py: Int, _ series: Int) {
            guard px >= 0, px < W, py >= 0, py < H else { return }
            let cell = (py / 4) * cols + px / 2
            // braille dot numbering: columns of 1,2,3,7 and 4,5,6,8
            let bits: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
            dots[cell] |= bits[py % 4][px % 2]
            owner[cell] = series
        }
        let toX = { (x: Double) in Figure.dot(x, from: xlo, to: xhi, size: W) }
        let toY = { (y: Double) in Figure.dot(y, from: yhi, to: ylo, size: H) }
        // every kind as polylines (or points) in data coordinates
        func paths(_ s: Series) -> [(xs: [Double], ys: [Double], connect: Bool)] {
            switch s.kind {
            case .line: return [(s.xs, s.ys, true)]
            case .scatter: return [(s.xs, s.ys, false)]
            case .band: return [(s.xs, s.ys, true), (Array(s.xs.prefix(s.upper.count)), s.upper, true)]
            case .bars: return zip(s.xs, s.ys).map { ([$0.0, $0.0], [0, $0.1], true) }
            case .hline: return s.ys.prefix(1).map { ([xlo, xhi], [$0, $0], true) }
            case .vline: return s.xs.prefix(1).map { ([$0, $0], [ylo, yhi], true) }
            case .errorbars:
                let bars = s.xs.indices.filter { $0 < s.ys.count }.map { i -> (xs: [Double], ys: [Double], connect: Bool) in
                    let hi = i < s.upper.count ? s.ys[i] + s.upper[i] : s.ys[i]
                    let lo = i < s.lower.count ? s.ys[i] - s.lower[i] : s.ys[i]
                    return ([s.xs[i], s.xs[i]], [lo, hi], true)
                }
                return bars + [(s.xs, s.ys, false)]
            }
        }
        for (k, series) in series.enumerated() {
          for s in paths(series) {
            var previous: (Int, Int)? = nil
            for i in 0..<min(s.xs.count, s.ys.count) {
                guard s.xs[i].isFinite, s.ys[i].isFinite else { previous = nil; continue }
                let p = (toX(s.xs[i]), toY(s.ys[i]))
                if s.connect, let q = previous {
                    // Bresenham from q to p
                    var (x, y) = q
                    let dx = abs(p.0 - x), dy = -abs(p.1 - y), sx = x < p.0 ? 1 : -1, sy = y < p.1 ? 1 : -1
                    var err = dx + dy
                    var guardSteps = 0
                    while guardSteps < 100_000 {
                        plotDot(x, y, k)
                        if x == p.0 && y == p.1 { break }
                        let e2 = 2 * err
                        if e2 >= dy { err += dy; x += sx }
                        if e2 <= dx { err += dx; y += sy }
                        guardSteps += 1
                    }
                } else {
                    plotDot(p.0, p.1, k)
                }
                previous = p
            }
          }
        }

        // each series in its own colour: the nearest of the terminal's 256
        let palette = series.enumerated().map { k, s in (s.color ?? Color.cycle[k % Color.cycle.count]).xterm256 }
        func paint(_ text: String, _ k: Int) -> String {
            guard color, k >= 0, k < palette.count else { return text }
            return "\u{1B}[38;5;\(palette[k])m\(text)\u{1B}[0m"
        }
        var out = ""
        if let title { out += String(repeating: " ", count: labelWidth + 2 + max(0, (cols - title.count) / 2)) + title + "\n" }
        if let yCorner { out += String(repeating: " ", count: labelWidth + 2) + yCorner + "\n" }
        var labelRows: [Int: String] = [:]
        for (v, text) in yLabels { labelRows[min(rowsN - 1, max(0, toY(v) / 4))] = text }
        for r in 0..<rowsN {
            let label = labelRows[r] ?? ""
            out += String(repeating: " ", count: labelWidth - label.count) + label + (labelRows[r] == nil ? " │" : " ┤")
            for c in 0..<cols {
                let i = r * cols + c
                let ch = String(UnicodeScalar(0x2800 + UInt32(dots[i]))!)
                out += paint(ch, owner[i])
            }
            out += "\n"
        }
        out += String(repeating: " ", count: labelWidth + 1) + "└" + String(repeating: "─", count: cols) + "\n"
        // x tick labels placed under their columns
        var axis = [Character](repeating: " ", count: cols + 8)
        for v in xShown {
            let text = Array(xText[v] ?? "")
            let at = max(0, min(cols + 8 - text.count, toX(v) / 2 - text.count / 2))
            // a label wider than the whole axis has no place on it
            if at + text.count <= axis.count, axis[at..<(at + text.count)].allSatisfy({ $0 == " " }) && (at == 0 || axis[at - 1] == " ") {
                for (j, ch) in text.enumerated() { axis[at + j] = ch }
            }
        }
        out += String(repeating: " ", count: labelWidth + 2) + String(axis).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        if let xCorner { out += String(repeating: " ", count: labelWidth + 2 + max(0, cols - xCorner.count)) + xCorner + "\n" }
        if let xlabel { out += String(repeating: " ", count: labelWidth + 2 + max(0, (cols - xlabel.count) / 2)) + xlabel + "\n" }
        if let ylabel { out = "  " + ylabel + "\n" + out }
        if showsLegend {
            let items = series.enumerated().compactMap { k, s in
                s.label.map { paint(s.kind == .line ? "──" : "••", k) + " " + $0 }
            }
            out += String(repeating: " ", count: labelWidth + 2) + items.joined(separator: "   ") + "\n"
        }
        return out
    }
}

import Foundation
