// What matplotlib users reach for beside lines and points: bands (fill_between, for
// prediction intervals), bars and histograms, reference lines, and category ticks.

import LuaBridge
import Plotting

extension PlotBindings {
    static let fillBetween = LuaFunction("fill_between", "fig:fill_between(xs, lo, hi [, {label=, color=}]) -> fig",
                                         "Shades the region between lo and hi over xs (a prediction band), translucent.") { lua in
        let box = try type.check(lua, 1)
        let xs = try numbers(lua, 2, what: "xs"), lo = try numbers(lua, 3, what: "lo")
        let hi: [Double]
        if lua.kind(4) == .number {
            hi = [Double](repeating: try lua.number(4), count: xs.count)
        } else {
            hi = try numbers(lua, 4, what: "hi")
        }
        guard hi.count == xs.count else { throw LuaError.argument(4, "hi has \(hi.count) values but xs has \(xs.count)") }
        var s = try series(lua, .band, xs: xs, ys: lo, options: 5, argument: 3)
        s.upper = hi
        box.figure.add(s)
        lua.pushValue(1)
        return 1
    }

    static let bar = LuaFunction("bar", "fig:bar(xs | labels, heights [, {width=0.8, label=, color=}]) -> fig",
                                 "Bars of the given heights at xs, or at 1, 2, ... named by a table of labels.") { lua in
        let box = try type.check(lua, 1)
        let heights = try numbers(lua, 3, what: "heights")
        var xs: [Double]
        var names: [String]? = nil
        if lua.kind(2) == .table, lua.length(2) > 0, lua.rawGet(2, 1) == .string {
            lua.pop()
            var labels: [String] = []
            for k in 1...lua.length(2) {
                lua.rawGet(2, k)
                defer { lua.pop() }
                guard lua.kind(-1) == .string || lua.kind(-1) == .number else {
                    throw LuaError.argument(2, "labels[\(k)] is a \(lua.typeName(-1)), not a string")
                }
                labels.append(try lua.tostring(-1))
            }
            names = labels
            xs = labels.indices.map { Double($0 + 1) }
        } else {
            if lua.kind(2) == .table && lua.length(2) > 0 { lua.pop() }
            xs = try numbers(lua, 2, what: "xs")
        }
        guard xs.count == heights.count else { throw LuaError.argument(3, "\(heights.count) heights for \(xs.count) bars") }
        let o = try lua.options(4, seriesOptions.union(["width"]))
        let width = try o?.number("width") ?? 0.8
        guard width.isFinite && width > 0 else { throw LuaError.argument(4, "width must be a positive number, got \(width)") }
        var s = try series(lua, .bars, xs: xs, ys: heights, options: 4, argument: 3, alsoAllowed: ["width"])
        s.barWidth = width
        box.figure.add(s)
        if let names { box.figure.xticks = zip(xs, names).map { ($0, $1) } }
        lua.pushValue(1)
        return 1
    }

    static let hist = LuaFunction("hist", "fig:hist(values [, {bins=10, range={lo, hi}, density=false, label=, color=}]) -> fig, counts, edges",
                                  "A histogram of values (numpy.histogram's bins); also returns the counts and the bin edges.") { lua in
        let box = try type.check(lua, 1)
        let values = try numbers(lua, 2, what: "values")
        let o = try lua.options(3, seriesOptions.union(["bins", "range", "density"]))
        let bins = try o?.integer("bins") ?? 10
        guard bins >= 1 && bins <= 100_000 else { throw LuaError.argument(3, "bins must be between 1 and 100000, got \(bins)") }
        var range: (Double, Double)? = nil
        if let r = try o?.numbers("range") {
            guard r.count == 2, r[0].isFinite, r[1].isFinite, r[0] < r[1] else { throw LuaError.argument(3, "range must be {low, high} with low < high") }
            range = (r[0], r[1])
        }
        let (edges, heights) = Histogram.counts(values, bins: bins, range: range, density: try o?.boolean("density") ?? false)
        let centres = (0..<bins).map { (edges[$0] + edges[$0 + 1]) / 2 }
        var s = try series(lua, .bars, xs: centres, ys: heights, options: 3, argument: 2, alsoAllowed: ["bins", "range", "density"])
        s.barWidth = edges[1] - edges[0]
        box.figure.add(s)
        lua.pushValue(1)
        lua.pushArray(heights) { $0.push($1) }
        lua.pushArray(edges) { $0.push($1) }
        return 3
    }

    static let errorbar = LuaFunction("errorbar", "fig:errorbar(xs, ys, yerr | {lower, upper} [, {label=, color=, size=}]) -> fig",
                                      "Points with error bars: yerr (a number or a value per point) above and below, or {lower, upper} lists.") { lua in
        let box = try type.check(lua, 1)
        let xs = try numbers(lua, 2, what: "xs"), ys = try numbers(lua, 3, what: "ys")
        var lower: [Double], upper: [Double]
        if lua.kind(4) == .number {
            let e = try lua.number(4)
            (lower, upper) = ([Double](repeating: e, count: ys.count), [Double](repeating: e, count: ys.count))
        } else if lua.kind(4) == .table, lua.length(4) == 2, lua.rawGet(4, 1) == .table {
            // matplotlib's asymmetric form: {lower, upper}
            lower = try numbers(lua, lua.top, what: "yerr[1]")
            lua.pop()
            lua.rawGet(4, 2)
            upper = try numbers(lua, lua.top, what: "yerr[2]")
            lua.pop()
        } else {
            if lua.kind(4) == .table && lua.length(4) == 2 { lua.pop() }
            let e = try numbers(lua, 4, what: "yerr")
            (lower, upper) = (e, e)
        }
        guard xs.count == ys.count else { throw LuaError.argument(3, "ys has \(ys.count) values but xs has \(xs.count)") }
        guard lower.count == ys.count, upper.count == ys.count else {
            throw LuaError.argument(4, "yerr must give one error per point (\(ys.count)), got \(lower.count) and \(upper.count)")
        }
        guard (lower + upper).allSatisfy({ !($0 < 0) }) else { throw LuaError.argument(4, "yerr must not contain negative values") }
        var s = try series(lua, .errorbars, xs: xs, ys: ys, options: 5, argument: 3)
        (s.lower, s.upper) = (lower, upper)
        box.figure.add(s)
        lua.pushValue(1)
        return 1
    }

    private static func referenceLine(_ name: String, _ kind: Series.Kind, _ axis: String) -> LuaFunction {
        LuaFunction(name, "fig:\(name)(\(axis) [, {label=, color=, linewidth=, dashed=}]) -> fig",
                    "A line across the axes at \(axis) = the value (a threshold, a mean).") { lua in
            let box = try type.check(lua, 1)
            let v = try lua.number(2)
            var s = try series(lua, kind, xs: kind == .vline ? [v] : [0], ys: kind == .hline ? [v] : [0], options: 3, argument: 2)
            if try lua.options(3, seriesOptions)?.number("linewidth") == nil { s.width = 1.5 }
            box.figure.add(s)
            lua.pushValue(1)
            return 1
        }
    }

    static let axhline = referenceLine("axhline", .hline, "y")
    static let axvline = referenceLine("axvline", .vline, "x")

    static let xticks = LuaFunction("xticks", "fig:xticks(positions [, labels]) -> fig",
                                    "Puts the x axis's ticks at positions, named by labels (default: the numbers).") { lua in
        let box = try type.check(lua, 1)
        let positions = try numbers(lua, 2, what: "positions")
        var labels = positions.map { Ticks.labels([$0]).labels[0] }
        if !lua.isNoneOrNil(3) {
            try lua.checkTable(3)
            guard lua.length(3) == positions.count else {
                throw LuaError.argument(3, "\(lua.length(3)) labels for \(positions.count) positions")
            }
            labels = []
            for k in stride(from: 1, through: positions.count, by: 1) {
                lua.rawGet(3, k)
                defer { lua.pop() }
                labels.append(try lua.tostring(-1))
            }
        }
        box.figure.xticks = zip(positions, labels).map { ($0, $1) }
        lua.pushValue(1)
        return 1
    }
}
