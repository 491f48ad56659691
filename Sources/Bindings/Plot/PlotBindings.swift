// The plot module: figures of line and scatter series, saved as PNG, SVG or
// PDF through cairo, or shown in the terminal with braille characters.
//   local fig = plot.figure{title = "loss", xlabel = "iteration"}
//   fig:line(losses, nil, {label = "train"}); fig:save("loss.png"); fig:show()

import Foundation
import LuaBridge
import Plotting
import Tensors

/// A figure Lua can keep changing.
final class FigureBox {
    private var own = Figure()
    /// For an axes of a grid (plot.subplots, fig:subplot): its figure, and which panel it is.
    let parent: FigureBox?
    let panel: Int

    init() {
        parent = nil
        panel = 0
    }

    init(axesOf parent: FigureBox, panel: Int) {
        self.parent = parent
        self.panel = panel
    }

    /// What the chart methods draw on: the figure, or for an axes its panel.
    var figure: Figure {
        get { parent.map { $0.own.panels[panel] } ?? own }
        set { if let parent { parent.own.panels[panel] = newValue } else { own = newValue } }
    }

    /// The whole figure (what save and show draw, from the figure or any of its axes).
    var root: FigureBox { parent ?? self }
}

enum PlotBindings {
    static let type = UserdataClass<FigureBox>(name: "plot.Figure")
    static let functions: [LuaFunction] = [figure, line, scatter, subplots]
    static let methods: [LuaFunction] = [addLine, addScatter, fillBetween, bar, hist, errorbar, axhline, axvline, xticks,
                                         title, xlabel, ylabel, legend, grid, size, xlim, ylim, xscale, yscale, save, show, subplot]

    static func register(in state: LuaState) {
        for f in methods { state.document("Figure:\(f.name)", f) }
        type.register(state.lua, methods: methods, metamethods: [("__tostring", describe)])
        state.lua.pop()
    }

    private static let figureOptions: Set<String> = ["title", "xlabel", "ylabel", "width", "height", "grid", "legend", "xlim", "ylim",
                                                     "xscale", "yscale", "figsize", "dpi"]
    static let seriesOptions: Set<String> = ["label", "color", "linewidth", "size", "dashed", "simplify"]

    /// Applies figure options (title, labels, size, ...) from the table at i.
    private static func apply(_ lua: Lua, _ i: Int32, to f: inout Figure, extra: Set<String> = []) throws(LuaError) {
        guard let o = try lua.options(i, figureOptions.union(extra)) else { return }
        if let v = try o.string("title") { f.title = v }
        if let v = try o.string("xlabel") { f.xlabel = v }
        if let v = try o.string("ylabel") { f.ylabel = v }
        if let w = try o.integer("width") { f.width = try pixels(w, "width", i) }
        if let h = try o.integer("height") { f.height = try pixels(h, "height", i) }
        // matplotlib's figsize (inches) and dpi: width = inches x dpi, fonts scaled by dpi / 100
        let dpi = try o.number("dpi")
        if let dpi { guard dpi.isFinite, dpi >= 10, dpi <= 1000 else { throw LuaError.argument(i, "dpi must be between 10 and 1000, got \(dpi)") } }
        if let size = try o.numbers("figsize") {
            guard size.count == 2, size.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw LuaError.argument(i, "figsize must be {width, height} in inches") }
            let d = dpi ?? 100
            f.width = try pixels(Int(exactly: (size[0] * d).rounded()) ?? Int.max, "figsize's width x dpi", i)
            f.height = try pixels(Int(exactly: (size[1] * d).rounded()) ?? Int.max, "figsize's height x dpi", i)
            f.scale = d / 100
        } else if let dpi {
            f = f.at(dpi: dpi)
            _ = try pixels(f.width, "width x dpi / 100", i)
            _ = try pixels(f.height, "height x dpi / 100", i)
        }
        if let g = try o.boolean("grid") { f.grid = g }
        if let l = try o.boolean("legend") { f.legend = l }
        if let v = try o.numbers("xlim") { f.xlim = try limits(v, "xlim", i) }
        if let v = try o.numbers("ylim") { f.ylim = try limits(v, "ylim", i) }
        if let v = try o.string("xscale") { f.xlog = try isLog(v, "xscale", i) }
        if let v = try o.string("yscale") { f.ylog = try isLog(v, "yscale", i) }
    }

    /// matplotlib's scale names: "linear" or "log".
    static func isLog(_ v: String, _ name: String, _ i: Int32) throws(LuaError) -> Bool {
        guard v == "linear" || v == "log" else { throw LuaError.argument(i, "\(name) must be 'linear' or 'log', got '\(v)'") }
        return v == "log"
    }

    static func pixels(_ v: Int, _ name: String, _ i: Int32) throws(LuaError) -> Int {
        guard v >= 50 && v <= 10_000 else { throw LuaError.argument(i, "\(name) must be between 50 and 10000 pixels, got \(v)") }
        return v
    }

    private static func limits(_ v: [Double], _ name: String, _ i: Int32) throws(LuaError) -> (Double, Double) {
        guard v.count == 2, v[0].isFinite, v[1].isFinite, v[0] < v[1] else {
            throw LuaError.argument(i, "\(name) must be {low, high} with low < high")
        }
        return (v[0], v[1])
    }

    /// Numbers from a Lua array or a tensor (flattened) at i.
    static func numbers(_ lua: Lua, _ i: Int32, what: String) throws(LuaError) -> [Double] {
        if let t = TensorClass.shared.test(lua, i) { return t.doubles }
        guard lua.kind(i) == .table else { throw lua.typeError(i, "table or Tensor") }
        var out: [Double] = []
        for k in stride(from: 1, through: lua.length(i), by: 1) {
            let (kind, v) = lua.rawNumber(i, k)
            guard kind == .number else { throw LuaError.argument(i, "\(what)[\(k)] is a \(lua.typeNameOf(kind)), not a number") }
            out.append(v)
        }
        return out
    }

    /// A series of ys at xs (default 1, 2, ...), styled by the options table at i, which
    /// may also hold the options in `alsoAllowed` (the shorthands share one table).
    static func series(_ lua: Lua, _ kind: Series.Kind, xs: [Double]?, ys: [Double], options i: Int32,
                               argument: Int32, alsoAllowed: Set<String> = []) throws(LuaError) -> Series {
        let x = xs ?? (0..<ys.count).map { Double($0 + 1) }
        guard x.count == ys.count else {
            throw LuaError.argument(argument, "x has \(x.count) values but y has \(ys.count)")
        }
        var s = Series(kind: kind, xs: x, ys: ys)
        if let o = try lua.options(i, seriesOptions.union(alsoAllowed)) {
            s.label = try o.string("label")
            if let c = try o.string("color") {
                guard let color = Color(c) else { throw LuaError.argument(i, "unknown color '\(c)' (a name such as 'red' or '#1f77b4')") }
                s.color = color
            }
            if let w = try o.number("linewidth") { s.width = max(0.1, min(w, 50)) }
            if let z = try o.number("size") { s.size = max(0.1, min(z, 50)) }
            s.dashed = try o.boolean("dashed") ?? false
            s.simplify = try o.boolean("simplify") ?? true
        }
        return s
    }

    // MARK: Making figures

    static let figure = LuaFunction("figure", "plot.figure([{title=, xlabel=, ylabel=, width=800, height=500 | figsize={8, 5}, dpi=100, grid=true, legend=auto, xlim=, ylim=, xscale=, yscale=}]) -> Figure",
                                    "An empty figure with the given title, labels and size.") { lua in
        let box = FigureBox()
        try apply(lua, 1, to: &box.figure)
        type.push(box, lua)
        return 1
    }

    static let line = LuaFunction("line", "plot.line(ys [, xs] [, options]) -> Figure",
                                  "A new figure with one line through ys (at xs, default 1, 2, ...); figure and line options in one table.") { lua in
        let ys = try numbers(lua, 1, what: "ys")
        let hasX = !lua.isNoneOrNil(2) && !lua.isOptions(2)
        let xs = hasX ? try numbers(lua, 2, what: "xs") : nil
        let optionsAt: Int32 = hasX || lua.isNoneOrNil(2) ? 3 : 2
        let box = FigureBox()
        try apply(lua, optionsAt, to: &box.figure, extra: seriesOptions)
        box.figure.add(try series(lua, .line, xs: xs, ys: ys, options: optionsAt, argument: 2, alsoAllowed: figureOptions))
        type.push(box, lua)
        return 1
    }

    static let scatter = LuaFunction("scatter", "plot.scatter(xs, ys [, options]) -> Figure",
                                     "A new figure with the points (xs[i], ys[i]); figure and marker options in one table.") { lua in
        let xs = try numbers(lua, 1, what: "xs"), ys = try numbers(lua, 2, what: "ys")
        let box = FigureBox()
        try apply(lua, 3, to: &box.figure, extra: seriesOptions)
        box.figure.add(try series(lua, .scatter, xs: xs, ys: ys, options: 3, argument: 2, alsoAllowed: figureOptions))
        type.push(box, lua)
        return 1
    }

    // MARK: Methods

    static let addLine = LuaFunction("line", "fig:line(ys [, xs] [, fmt] [, {label=, color=, linewidth=2, dashed=false, simplify=true}]) -> fig",
                                     "Adds a line through ys (at xs, default 1, 2, ...); fmt as matplotlib's (\"r--\", \"b.\", \"k:\").") { lua in
        let box = try type.check(lua, 1)
        let ys = try numbers(lua, 2, what: "ys")
        let hasX = !lua.isNoneOrNil(3) && !lua.isOptions(3) && lua.kind(3) != .string
        let xs = hasX ? try numbers(lua, 3, what: "xs") : nil
        var optionsAt: Int32 = hasX || lua.isNoneOrNil(3) ? 4 : 3
        var format: (color: Color?, dashed: Bool, pointsOnly: Bool)? = nil
        if lua.kind(optionsAt) == .string {
            let text = try lua.string(optionsAt)
            guard let f = Color.format(text) else {
                throw LuaError.argument(optionsAt, "'\(text)' is not a format string (a color letter, a line style '-', '--', ':' or '-.', a marker such as '.' or 'o')")
            }
            format = f
            optionsAt += 1
        }
        var s = try series(lua, format?.pointsOnly == true ? .scatter : .line, xs: xs, ys: ys, options: optionsAt, argument: 3)
        if let format {
            // the options table, when given, has the last word
            let o = try lua.options(optionsAt, seriesOptions)
            if try o?.string("color") == nil, let c = format.color { s.color = c }
            if try o?.boolean("dashed") == nil { s.dashed = format.dashed }
        }
        box.figure.add(s)
        lua.pushValue(1)
        return 1
    }

    static let addScatter = LuaFunction("scatter", "fig:scatter(xs, ys [, {label=, color=, size=3}]) -> fig",
                                        "Adds the points (xs[i], ys[i]).") { lua in
        let box = try type.check(lua, 1)
        let xs = try numbers(lua, 2, what: "xs"), ys = try numbers(lua, 3, what: "ys")
        box.figure.add(try series(lua, .scatter, xs: xs, ys: ys, options: 4, argument: 3))
        lua.pushValue(1)
        return 1
    }

    private static func setter(_ name: String, _ signature: String, _ doc: String,
                               _ set: @escaping (Lua, FigureBox) throws(LuaError) -> Void) -> LuaFunction {
        LuaFunction(name, signature, doc) { lua in
            let box = try type.check(lua, 1)
            try set(lua, box)
            lua.pushValue(1)
            return 1
        }
    }

    static let title = setter("title", "fig:title(text) -> fig", "Sets the title.") { lua, b throws(LuaError) in b.figure.title = try lua.string(2) }
    static let xlabel = setter("xlabel", "fig:xlabel(text) -> fig", "Sets the x axis label.") { lua, b throws(LuaError) in b.figure.xlabel = try lua.string(2) }
    static let ylabel = setter("ylabel", "fig:ylabel(text) -> fig", "Sets the y axis label.") { lua, b throws(LuaError) in b.figure.ylabel = try lua.string(2) }
    static let legend = setter("legend", "fig:legend([show=true]) -> fig", "Shows (or hides) the legend.") { lua, b throws(LuaError) in
        b.figure.legend = try lua.optionalBoolean(2) ?? true
    }
    static let grid = setter("grid", "fig:grid([show=true]) -> fig", "Shows (or hides) the grid.") { lua, b throws(LuaError) in
        b.figure.grid = try lua.optionalBoolean(2) ?? true
    }
    static let size = setter("size", "fig:size(width, height) -> fig", "Sets the size in pixels (the whole figure's, from an axes).") { lua, box throws(LuaError) in
        let b = box.root
        b.figure.width = try pixels(try lua.integer(2), "width", 2)
        b.figure.height = try pixels(try lua.integer(3), "height", 3)
    }
    static let xlim = setter("xlim", "fig:xlim(low, high) -> fig", "Fixes the x axis range.") { lua, b throws(LuaError) in
        b.figure.xlim = try limits([try lua.number(2), try lua.number(3)], "xlim", 2)
    }
    static let ylim = setter("ylim", "fig:ylim(low, high) -> fig", "Fixes the y axis range.") { lua, b throws(LuaError) in
        b.figure.ylim = try limits([try lua.number(2), try lua.number(3)], "ylim", 2)
    }

    static let xscale = setter("xscale", "fig:xscale(\"log\" | \"linear\") -> fig",
                               "A logarithmic (or linear) x axis; values <= 0 are not drawn on a log axis.") { lua, b throws(LuaError) in
        b.figure.xlog = try isLog(try lua.string(2), "xscale", 2)
    }
    static let yscale = setter("yscale", "fig:yscale(\"log\" | \"linear\") -> fig",
                               "A logarithmic (or linear) y axis, as for a loss curve over decades.") { lua, b throws(LuaError) in
        b.figure.ylog = try isLog(try lua.string(2), "yscale", 2)
    }

    static let save = LuaFunction("save", "fig:save(path [, {dpi=}]) -> fig",
                                  "Writes the figure as PNG, SVG or PDF, by the path's extension; dpi redraws it finer or coarser at the same size in inches.") { lua in
        let box = try type.check(lua, 1).root
        let path = try lua.string(2)
        try Sandbox.checkWrite(path, argument: 1, lua)
        var figure = box.figure
        if let dpi = try lua.options(3, ["dpi"])?.number("dpi") {
            guard dpi.isFinite, dpi >= 10, dpi <= 1000 else { throw LuaError.argument(3, "dpi must be between 10 and 1000, got \(dpi)") }
            figure = figure.at(dpi: dpi)
            _ = try pixels(figure.width, "width at that dpi", 3)
            _ = try pixels(figure.height, "height at that dpi", 3)
        }
        do throws(PlotError) { try figure.save(to: path) } catch { throw LuaError.message(error.message) }
        lua.pushValue(1)
        return 1
    }

    static let show = LuaFunction("show", "fig:show([{columns=72 or the terminal's width, rows=16}])",
                                  "Draws the figure in the terminal with braille characters (in a notebook: an image output).") { lua in
        let box = try type.check(lua, 1).root
        if let sink = Runtime.owning(lua)?.figureSink {
            let handled: Bool
            do { handled = try sink(box.figure) } catch { throw LuaError.message(String(describing: error)) }
            if handled { return 0 }
        }
        let o = try lua.options(2, ["columns", "rows"])
        // A narrower terminal gets a narrower drawing: wrapped rows would scramble it.
        let fit = min(72, (Console.columns(1) ?? 80) - 1)
        let columns = max(20, min(try o?.integer("columns") ?? fit, 400)), rows = max(4, min(try o?.integer("rows") ?? 16, 200))
        Console.output(box.figure.braille(columns: columns, rows: rows, color: Console.drawsEscapes(1)))
        return 0
    }

    static let subplots = LuaFunction("subplots", "plot.subplots{rows=1, cols=1, sharex=false, sharey=false, figure options...} -> fig, axes",
                                      "A figure with a grid of axes, as matplotlib's subplots: axes[i] (row by row) takes line, scatter, hist, ... and its own title and labels.") { lua in
        let o = try lua.options(1, figureOptions.union(["rows", "cols", "sharex", "sharey"]))
        let rows = try o?.integer("rows") ?? 1, cols = try o?.integer("cols") ?? 1
        guard (1...10).contains(rows), (1...10).contains(cols) else {
            throw LuaError.argument(1, "rows and cols must be between 1 and 10, got \(rows) and \(cols)")
        }
        let box = FigureBox()
        try apply(lua, 1, to: &box.figure, extra: ["rows", "cols", "sharex", "sharey"])
        box.figure.makeGrid(rows: rows, cols: cols, sharex: try o?.boolean("sharex") ?? false, sharey: try o?.boolean("sharey") ?? false)
        type.push(box, lua)
        lua.newTable(array: rows * cols)
        for i in 0..<(rows * cols) {
            type.push(FigureBox(axesOf: box, panel: i), lua)
            lua.rawSet(-2, i + 1)
        }
        return 2
    }

    static let subplot = LuaFunction("subplot", "fig:subplot(rows, cols, i) -> axes",
                                     "The i-th axes (row by row, from 1) of a rows x cols grid in the figure, as matplotlib's add_subplot; the grid is made on the first call.") { lua in
        let box = try type.check(lua, 1).root
        let rows = try lua.integer(2), cols = try lua.integer(3), i = try lua.integer(4)
        guard (1...10).contains(rows), (1...10).contains(cols) else {
            throw LuaError.argument(2, "rows and cols must be between 1 and 10, got \(rows) and \(cols)")
        }
        guard (1...(rows * cols)).contains(i) else { throw LuaError.argument(4, "index \(i) is outside a \(rows)x\(cols) grid (1 to \(rows * cols))") }
        if box.figure.panels.isEmpty {
            guard box.figure.series.isEmpty else {
                throw LuaError.argument(1, "the figure already has series of its own; make the grid first (plot.subplots or fig:subplot)")
            }
            box.figure.makeGrid(rows: rows, cols: cols, sharex: false, sharey: false)
        } else if box.figure.layout != (rows, cols) {
            throw LuaError.argument(2, "the figure's grid is \(box.figure.layout.rows)x\(box.figure.layout.cols), not \(rows)x\(cols)")
        }
        type.push(FigureBox(axesOf: box, panel: i - 1), lua)
        return 1
    }

    static let describe = LuaFunction("__tostring", "tostring(fig)", "A one-line description of the figure.") { lua in
        let box = try type.check(lua, 1)
        if box.parent != nil {
            let f = box.figure, g = box.root.figure.layout
            lua.push("Axes(\(box.panel + 1) of \(g.rows)x\(g.cols), \(f.series.count) series\(f.title.map { ", \"\($0)\"" } ?? ""))")
            return 1
        }
        let f = box.figure
        lua.push("Figure(\(f.width)x\(f.height), \(f.series.count) series\(f.title.map { ", \"\($0)\"" } ?? ""))")
        return 1
    }
}
