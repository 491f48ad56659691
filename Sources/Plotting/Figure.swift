// A figure as data: series of points, labels and layout options. Renderers
// (cairo for PNG, SVG and PDF; braille for the terminal) draw from it.

public struct Color: Equatable, Sendable {
    public var r, g, b: Double
    public init(_ r: Double, _ g: Double, _ b: Double) { self.r = r; self.g = g; self.b = b }

    /// "#1f77b4" or a name ("red", "tab:blue", ...).
    public init?(_ text: String) {
        let s = text.lowercased()
        if s.hasPrefix("#"), s.count == 7, let v = UInt32(s.dropFirst(), radix: 16) {
            self.init(Double((v >> 16) & 0xff) / 255, Double((v >> 8) & 0xff) / 255, Double(v & 0xff) / 255)
            return
        }
        guard let c = Color.named[s] ?? Color.named["tab:" + s] else { return nil }
        self = c
    }

    /// The nearest of xterm's 256 colours (its 6×6×6 cube and its 24 grays; the first 16
    /// are left out, as terminals redefine them), by distance in RGB.
    public var xterm256: Int {
        let levels: [Double] = [0, 95, 135, 175, 215, 255].map { $0 / 255 }
        func nearest(_ v: Double) -> Int { levels.indices.min { Swift.abs(levels[$0] - v) < Swift.abs(levels[$1] - v) }! }
        func distance(_ x: (Double, Double, Double)) -> Double { (x.0 - r) * (x.0 - r) + (x.1 - g) * (x.1 - g) + (x.2 - b) * (x.2 - b) }
        let (i, j, k) = (nearest(r), nearest(g), nearest(b))
        var best = (index: 16 + 36 * i + 6 * j + k, distance: distance((levels[i], levels[j], levels[k])))
        for n in 0..<24 {
            let v = Double(8 + 10 * n) / 255
            let d = distance((v, v, v))
            if d < best.distance { best = (232 + n, d) }
        }
        return best.index
    }

    /// matplotlib's default cycle (tab10).
    public static let cycle: [Color] = [
        Color(0.122, 0.467, 0.706), Color(1.000, 0.498, 0.055), Color(0.173, 0.627, 0.173), Color(0.839, 0.153, 0.157),
        Color(0.580, 0.404, 0.741), Color(0.549, 0.337, 0.294), Color(0.890, 0.467, 0.761), Color(0.498, 0.498, 0.498),
        Color(0.737, 0.741, 0.133), Color(0.090, 0.745, 0.812),
    ]

    static let named: [String: Color] = [
        "tab:blue": cycle[0], "tab:orange": cycle[1], "tab:green": cycle[2], "tab:red": cycle[3], "tab:purple": cycle[4],
        "tab:brown": cycle[5], "tab:pink": cycle[6], "tab:gray": cycle[7], "tab:olive": cycle[8], "tab:cyan": cycle[9],
        "black": Color(0, 0, 0), "white": Color(1, 1, 1), "red": Color(1, 0, 0), "green": Color(0, 0.5, 0),
        "blue": Color(0, 0, 1), "gray": Color(0.5, 0.5, 0.5), "grey": Color(0.5, 0.5, 0.5), "orange": Color(1, 0.647, 0),
        "purple": Color(0.5, 0, 0.5), "cyan": Color(0, 1, 1), "magenta": Color(1, 0, 1), "yellow": Color(1, 1, 0),
        // matplotlib's one-letter base colors and its cycle's "C0".."C9"
        "b": Color(0, 0, 1), "g": Color(0, 0.5, 0), "r": Color(1, 0, 0), "c": Color(0, 0.75, 0.75),
        "m": Color(0.75, 0, 0.75), "y": Color(0.75, 0.75, 0), "k": Color(0, 0, 0), "w": Color(1, 1, 1),
        "c0": cycle[0], "c1": cycle[1], "c2": cycle[2], "c3": cycle[3], "c4": cycle[4],
        "c5": cycle[5], "c6": cycle[6], "c7": cycle[7], "c8": cycle[8], "c9": cycle[9],
    ]

    /// matplotlib's format string ("r--", "b.", "k:", "C1-o"): a color, a line style and a
    /// marker, in any order. Dotted and dash-dot lines draw dashed; a marker without a
    /// line style means points only. nil when the text is not a format string.
    public static func format(_ text: String) -> (color: Color?, dashed: Bool, pointsOnly: Bool)? {
        var rest = Substring(text)
        var color: Color? = nil, line: String? = nil, marker = false
        while let c = rest.first {
            if rest.hasPrefix("--") || rest.hasPrefix("-.") {
                guard line == nil else { return nil }
                line = String(rest.prefix(2)); rest = rest.dropFirst(2)
            } else if c == "-" || c == ":" {
                guard line == nil else { return nil }
                line = String(c); rest = rest.dropFirst()
            } else if c == "C", let d = rest.dropFirst().first, d.isNumber {
                guard color == nil else { return nil }
                color = Color.named["c\(d)"]; rest = rest.dropFirst(2)
            } else if "bgrcmykw".contains(c) {
                guard color == nil else { return nil }
                color = Color.named[String(c)]; rest = rest.dropFirst()
            } else if ".,ov^<>1234sp*hH+xXDd|_".contains(c) {
                guard !marker else { return nil }
                marker = true; rest = rest.dropFirst()
            } else {
                return nil
            }
        }
        return (color, line != nil && line != "-", marker && line == nil)
    }
}

public struct Series {
    /// line and scatter: points (xs, ys). band: the region between ys and `upper` over xs
    /// (fill_between). bars: bars from 0 to ys centred at xs, `barWidth` wide (bar, hist).
    /// hline, vline: a line across the axes at ys[0] or xs[0] (axhline, axvline).
    /// errorbars: points (xs, ys) with bars from ys - `lower` to ys + `upper` (errorbar).
    public enum Kind: String, Sendable { case line, scatter, band, bars, hline, vline, errorbars }

    public var kind: Kind
    public var xs: [Double]
    public var ys: [Double]
    public var label: String?
    public var color: Color?
    public var width = 2.0
    /// Marker radius for scatter series, in pixels.
    public var size = 3.0
    public var dashed = false
    /// band: the upper edge, one value per x; errorbars: the error above each point.
    public var upper: [Double] = []
    /// errorbars: the error below each point.
    public var lower: [Double] = []
    /// bars: each bar's width in x units.
    public var barWidth = 0.8
    /// Merge what lies within a ninth of a pixel of a line before drawing (PathSimplifier).
    public var simplify = true

    public init(kind: Kind, xs: [Double], ys: [Double]) {
        self.kind = kind
        self.xs = xs
        self.ys = ys
    }
}

public struct Figure {
    public var width = 800
    public var height = 500
    /// matplotlib's dpi / 100: the drawing is scaled by it, fonts and lines with it, so a
    /// figure of more dots per inch is the same figure, finer (figsize {8, 5} at dpi 100 is 800x500).
    public var scale = 1.0

    /// The same figure at `dpi` dots per inch: its size in inches kept.
    public func at(dpi: Double) -> Figure {
        var f = self
        let inches = (Double(width) / (scale * 100), Double(height) / (scale * 100))
        f.scale = dpi / 100
        f.width = Int((inches.0 * dpi).rounded())
        f.height = Int((inches.1 * dpi).rounded())
        return f
    }
    public var title: String?
    public var xlabel: String?
    public var ylabel: String?
    public var grid = true
    /// nil: a legend when any series has a label.
    public var legend: Bool?
    public var xlim: (Double, Double)?
    public var ylim: (Double, Double)?
    /// Tick positions and texts that replace the x axis's numbers (a bar chart's categories).
    public var xticks: [(Double, String)]?
    /// Logarithmic axes (matplotlib's xscale/yscale = "log"): values <= 0 are not drawn.
    public var xlog = false, ylog = false
    /// Set on the copy scaled() makes: its values are already log10 where an axis is logarithmic.
    public private(set) var isScaled = false
    /// A grid of axes (Subplots.swift): the panels row by row; empty for a one-axes figure,
    /// whose title is then the grid's.
    public var panels: [Figure] = []
    public var layout = (rows: 1, cols: 1)
    public var sharex = false, sharey = false
    /// False on the inner panels of a shared axis: their tick marks stay, their numbers go.
    public var showsXTickLabels = true, showsYTickLabels = true

    /// The figure with every value on a logarithmic axis replaced by its log10, which the
    /// renderers then draw linearly (ticks at powers of ten, labelled 10ⁿ).
    public func scaled() -> Figure {
        guard (xlog || ylog) && !isScaled else { return self }
        func f(_ v: Double) -> Double { v > 0 ? log10(v) : .nan }
        var out = self
        out.isScaled = true
        out.series = series.map { s in
            var t = s
            if xlog { t.xs = s.xs.map(f) }
            if ylog && s.kind == .errorbars {
                // the bars' ends, not their lengths, are what a log axis maps
                t.upper = zip(s.ys, s.upper).map { f($0 + $1) - f($0) }
                t.lower = zip(s.ys, s.lower).map { f($0) - f($0 - $1) }
                t.ys = s.ys.map(f)
            } else if ylog { t.ys = s.ys.map(f); t.upper = s.upper.map(f) }
            return t
        }
        if xlog { out.xlim = xlim.map { (f($0.0), f($0.1)) }; out.xticks = xticks.map { $0.map { (f($0.0), $0.1) } } }
        if ylog { out.ylim = ylim.map { (f($0.0), f($0.1)) } }
        return out
    }
    public private(set) var series: [Series] = []

    public init() {}

    public mutating func add(_ s: Series) {
        var s = s
        if s.color == nil { s.color = Color.cycle[series.count % Color.cycle.count] }
        series.append(s)
    }

    public var showsLegend: Bool { legend ?? series.contains { $0.label != nil } }

    /// The data ranges (finite values only), widened when flat, or the limits set.
    public func ranges() -> (x: (Double, Double), y: (Double, Double)) {
        func span(_ values: [Double], _ fixed: (Double, Double)?) -> (Double, Double) {
            if let fixed { return fixed }
            let finite = values.filter { $0.isFinite }
            guard var lo = finite.min(), var hi = finite.max() else { return (0, 1) }
            if lo == hi { lo -= 0.5; hi += 0.5 }
            // a little air, so that lines do not run along the frame (matplotlib adds 5%);
            // from each end, as hi - lo overflows for data spanning ±1e308
            let pad = hi * 0.03 - lo * 0.03
            return (lo - pad, hi + pad)
        }
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            switch s.kind {
            case .line, .scatter: xs += s.xs; ys += s.ys
            case .band: xs += s.xs; ys += s.ys + s.upper
            case .bars:
                // bars stand on zero, and their edges are in view
                for x in s.xs { xs += [x - s.barWidth / 2, x + s.barWidth / 2] }
                ys += s.ys + [0]
            case .hline: ys += s.ys
            case .vline: xs += s.xs
            case .errorbars:
                xs += s.xs
                for i in s.ys.indices {
                    ys.append(s.ys[i])
                    if i < s.upper.count { ys.append(s.ys[i] + s.upper[i]) }
                    if i < s.lower.count { ys.append(s.ys[i] - s.lower[i]) }
                }
            }
        }
        if let xticks { xs += xticks.map(\.0) }
        return (span(xs, xlim), span(ys, ylim))
    }
}

extension Ticks {
    /// An axis's ticks and their labels: on a logarithmic axis (whose values are log10 of
    /// the data) at the powers of ten inside the range, labelled 10ⁿ; else nice() and labels().
    public static func axis(_ lo: Double, _ hi: Double, log: Bool, target: Int = 6, minus: String = "\u{2212}")
        -> (ticks: [Double], labels: [String], corner: String?) {
        if log && lo.isFinite && hi.isFinite && hi > lo {
            let first = lo.rounded(.up), last = hi.rounded(.down)
            if last - first >= 1 && last - first < 400 {
                let step = Swift.max(1, ((last - first + 1) / Double(target + 2)).rounded(.up))
                let powers = Array(stride(from: first, through: last, by: step))
                // a terminal gets "1e-3": its font may lack superscripts
                return (powers, powers.map { minus == "-" ? "1e\(Int($0))" : "10" + superscript(Int($0)) }, nil)
            }
            // less than a decade: nice values of the data itself, at their logarithms
            let t = nice(pow(10, lo), pow(10, hi), target: target).ticks.filter { $0 > 0 }
            return (t.map { log10($0) }, t.map { String(format: "%g", $0).replacingOccurrences(of: "-", with: minus) }, nil)
        }
        let t = nice(lo, hi, target: target).ticks.filter { $0 >= lo - Swift.abs(hi - lo) * 1e-9 && $0 <= hi + Swift.abs(hi - lo) * 1e-9 }
        let (texts, corner) = labels(t, minus: minus)
        return (t, texts, corner)
    }

    static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let body = String(String(Swift.abs(n)).map { digits[Int(String($0))!] })
        return n < 0 ? "⁻" + body : body
    }
}

/// numpy.histogram with equal bins: counts over [lo, hi] (the last bin closed), values
/// outside the range or not finite left out; `density` divides by count × bin width.
public enum Histogram {
    public static func counts(_ values: [Double], bins: Int, range: (Double, Double)? = nil,
                              density: Bool = false) -> (edges: [Double], heights: [Double]) {
        let finite = values.filter(\.isFinite)
        var (lo, hi) = range ?? (finite.min() ?? 0, finite.max() ?? 1)
        if lo == hi { lo -= 0.5; hi += 0.5 }
        // halved, as hi - lo overflows for values spanning ±1e308
        let half = hi / 2 - lo / 2
        let width = half / Double(bins) * 2
        let edges = (0...bins).map { lo + (half * (Double($0) / Double(bins))) * 2 }
        var counts = [Double](repeating: 0, count: bins)
        for v in finite where v >= lo && v <= hi {
            let q = ((v / 2 - lo / 2) / half * Double(bins)).rounded(.down)
            let k = q.isFinite ? Int(Swift.min(Swift.max(q, 0), Double(bins - 1))) : 0
            counts[k] += 1
        }
        if density {
            let total = counts.reduce(0, +)
            if total > 0 { counts = counts.map { $0 / (total * width) } }
        }
        return (edges, counts)
    }
}

/// Axis ticks at "nice" values (1, 2, 2.5 or 5 times a power of ten) inside the
/// axis range, which stays the data's range (as matplotlib's default).
public enum Ticks {
    public static func nice(_ lo: Double, _ hi: Double, target: Int = 6) -> (ticks: [Double], lo: Double, hi: Double) {
        guard lo.isFinite, hi.isFinite, hi > lo else { return ([lo], lo, hi) }
        let raw = (hi / 2 - lo / 2) / Double(max(target, 2)) * 2
        guard raw.isFinite, raw > 0 else { return ([lo], lo, hi) }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        var step = magnitude * 10
        for m in [1.0, 2.0, 2.5, 5.0, 10.0] where magnitude * m >= raw {
            step = magnitude * m
            break
        }
        var ticks: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9 && ticks.count < 50 {
            ticks.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return (ticks, lo, hi)
    }

    /// The labels of an axis's ticks as matplotlib's ScalarFormatter writes them: one
    /// number of decimals for the whole axis (the fewest that show every tick exactly),
    /// a real minus sign, and for values far from 1 or a range small beside its values,
    /// an offset and a power of ten shown once at the axis's end (`corner`: "1e6",
    /// "+1e3", "1e−5", "+1e6 1e−3"), the labels then relative to them.
    public static func labels(_ ticks: [Double], minus: String = "\u{2212}") -> (labels: [String], corner: String?) {
        let finite = ticks.filter(\.isFinite)
        guard let first = finite.first, let last = finite.last else { return (ticks.map { _ in "" }, nil) }
        let span = Swift.abs(last - first)
        let largest = finite.map(Swift.abs).max()!
        // An offset when the values are 10^4 times their spread (matplotlib's offset_threshold 4).
        var offset = 0.0
        if finite.count > 1, span > 0, largest / span >= 1e4 {
            let unit = pow(10, (log10(span)).rounded(.up))
            offset = (first / unit).rounded(.towardZero) * unit
        }
        let shifted = finite.map { $0 - offset }
        let magnitude = shifted.map(Swift.abs).max()!
        // Scientific notation outside 10^-5 ..< 10^6 (matplotlib's axes.formatter.limits).
        var exponent = 0
        if magnitude > 0 {
            let e = Int((log10(magnitude)).rounded(.down))
            if e >= 6 || e <= -5 { exponent = e }
        }
        let scale = pow(10, Double(exponent))
        let values = ticks.map { ($0 - offset) / scale }
        let step = finite.count > 1 ? span / Double(finite.count - 1) / scale : 1
        // the fewest decimals that print every tick as itself (to a millionth of a step)
        var decimals = 0
        while decimals < 12 {
            let p = pow(10, Double(decimals))
            if values.allSatisfy({ !$0.isFinite || Swift.abs(($0 * p).rounded() / p - $0) <= Swift.max(step, 1e-300) * 1e-6 }) { break }
            decimals += 1
        }
        let labels = values.map { v -> String in
            guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : minus + "inf") }
            var s = String(format: "%.\(decimals)f", v)
            if s.hasPrefix("-") {
                // "-0.0" is zero
                if Double(s) == 0 { s.removeFirst() } else { s = minus + s.dropFirst() }
            }
            return s
        }
        var corner: [String] = []
        if offset != 0 { corner.append((offset > 0 ? "+" : minus) + shortNumber(Swift.abs(offset), minus: minus)) }
        if exponent != 0 { corner.append("1e" + (exponent < 0 ? minus : "") + String(Swift.abs(exponent))) }
        return (labels, corner.isEmpty ? nil : corner.joined(separator: " "))
    }

    /// 1000000 -> "1e6", 1234000 -> "1.234e6", 12.5 -> "12.5": an offset as matplotlib prints it.
    static func shortNumber(_ v: Double, minus: String) -> String {
        let e = Int((log10(v)).rounded(.down))
        if e >= 4 || e <= -4 {
            var mantissa = String(format: "%.6g", v / pow(10, Double(e)))
            if mantissa == "10" { mantissa = "1" }
            return mantissa + "e" + (e < 0 ? minus : "") + String(Swift.abs(e))
        }
        return String(format: "%g", v)
    }
}

import Foundation
