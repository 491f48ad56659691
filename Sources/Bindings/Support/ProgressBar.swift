// Progress bars for training loops, drawn like tqdm on stderr:
//   train  45%|████▌     | 45/100 [00:01<00:01, 40.10it/s, loss=0.0120]
// over a numeric range, a table's items or any iterator (data.windows, a closure,
// pairs(t)). On a terminal the line is redrawn in place at most ten times a second,
// bars alive at once stacked as tqdm stacks them (ProgressTerminal, which also lets
// what the script prints pass above them); into a pipe or file, a few plain lines
// (every quarter). Nothing goes to stdout.

import LuaBridge
import LuaGlue

final class ProgressBar {
    /// What the loop goes over.
    enum Source {
        /// A numeric for: first, first + step, ..., `count` values.
        case range(first: Int, step: Int, count: Int)
        /// t[1], t[2], ... up to the first nil, as ipairs (the table is the loop's state).
        case table
        /// A generic for's iterator: its function and state sit in the loop's state table.
        case iterator
    }

    let source: Source
    let desc: String
    /// What is counted, shown in the rate: it/s, batch/s.
    let unit: String
    /// The count the bar fills up to; nil when unknown (an iterator without a length).
    let total: Int?
    /// Whether the finished bar stays (tqdm's leave), or its line is cleared.
    let leave: Bool
    var postfix: [(String, String)] = []
    let startTime = TimeBindings.now()
    var lastDraw = -1.0
    let terminal: Bool
    let disabled: Bool
    var nextQuarter = 1
    var finished = false
    /// A Jupyter frontend draws the bar as one output updated in place (tqdm.notebook's way).
    weak var frontend: (any Frontend)?
    /// Told before the bar writes to stderr (a cell runner keeps the streams in order).
    weak var runtime: Runtime?
    /// The terminal lines the runtime's bars share.
    weak var screen: ProgressTerminal?
    /// How many iterations have begun; all but the last are done.
    private(set) var begun = 0
    /// The count the last draw showed.
    private var shown = 0

    init(source: Source, desc: String = "", unit: String = "it", total: Int?, leave: Bool = true, disabled: Bool,
         terminal: Bool = Console.drawsEscapes(2)) {
        self.source = source
        self.desc = desc
        self.unit = unit
        self.total = total
        self.leave = leave
        self.disabled = disabled
        self.terminal = terminal
    }

    /// How many values a numeric for from first to last by step gives.
    static func count(first: Int, last: Int, step: Int) -> Int {
        // counted as Lua's numeric for counts (unsigned), so no bound or step overflows
        let span = step > 0 ? (first > last ? nil : UInt(bitPattern: last &- first))
                            : (first < last ? nil : UInt(bitPattern: first &- last))
        return span.map { Int(min($0 / step.magnitude, UInt(Int.max - 1))) + 1 } ?? 0
    }

    /// How many iterations are done.
    var done: Int { max(0, begun - 1) }
    /// The count the loop reached: those done, or at the end those it finished.
    var reached: Int { finalCount ?? done }
    private var finalCount: Int?

    /// An iteration begins: the one before it is done. A terminal shows the bar from the start.
    func begin() {
        if begun > 0 || frontend == nil { draw(force: false, completed: begun) }
        begun += 1
    }

    /// Draws the last state; a loop left early shows the iterations it finished.
    func finish(completed: Int? = nil) {
        guard !finished else { return }
        finished = true
        let count = completed ?? done
        finalCount = count
        guard !disabled else { return }
        if let frontend {
            let now = TimeBindings.now()
            if frontend.progress(id: ObjectIdentifier(self), line: leave ? line(completed: count, elapsed: now - startTime) : "", finished: true) {
                return
            }
            self.frontend = nil
        }
        if terminal {
            shown = count
            let last = currentLine()
            guard let screen else {
                Console.write(2, leave ? "\r" + last + "\u{1B}[K\n" : "\r\u{1B}[K")
                return
            }
            // a bar that finished before its first draw still shows its line
            screen.draw(self, line: last)
            screen.finish(self, line: leave ? last : nil)
        } else if leave {
            draw(force: true, completed: count)
        }
    }

    func draw(force: Bool, completed: Int) {
        guard !disabled else { return }
        let now = TimeBindings.now()
        if let frontend {
            guard force || now - lastDraw >= 0.1 else { return }
            lastDraw = now
            if frontend.progress(id: ObjectIdentifier(self), line: line(completed: completed, elapsed: now - startTime), finished: finished) {
                return
            }
            self.frontend = nil
        }
        if terminal {
            guard force || now - lastDraw >= 0.1 else { return }
            lastDraw = now
            shown = completed
            if let screen { screen.draw(self, line: currentLine()) } else { Console.write(2, "\r" + currentLine() + "\u{1B}[K") }
        } else if let total, total > 0 {
            // plain lines at 25%, 50%, 75% and the end
            let quarter = Int(Double(completed) / Double(total) * 4)
            guard quarter >= nextQuarter || force else { return }
            nextQuarter = min(quarter, 4) + 1
            runtime?.streamSwitch?(2)
            Console.write(2, line(completed: completed, elapsed: now - startTime) + "\n")
        } else if total == nil && force {
            runtime?.streamSwitch?(2)
            Console.write(2, line(completed: completed, elapsed: now - startTime) + "\n")
        }
    }

    /// The line as the last draw left it, with the time now, fitted to the terminal.
    func currentLine() -> String {
        line(completed: shown, elapsed: TimeBindings.now() - startTime, fitting: Console.columns(2))
    }

    /// The tqdm-style line; within `fitting` columns (less one, for the cursor) when
    /// given: the bar narrows first, then the end is cut, as a wrapped line could not
    /// be redrawn in place.
    func line(completed: Int, elapsed: Double, fitting columns: Int?) -> String {
        var text = line(completed: completed, elapsed: elapsed)
        guard let columns, text.count > columns - 1 else { return text }
        let narrower = max(1, 10 - (text.count - (columns - 1)))
        text = line(completed: completed, elapsed: elapsed, width: narrower)
        return text.count > columns - 1 ? String(text.prefix(max(columns - 1, 1))) : text
    }

    /// The tqdm-style line; without a total, the count and rate only (as tqdm shows an iterator's).
    func line(completed: Int, elapsed: Double, width: Int = 10) -> String {
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        let head = desc.isEmpty ? "" : desc + " "
        var after = ""
        for (k, v) in postfix { after += ", \(k)=\(v)" }
        guard let total else {
            return "\(head)\(completed)\(unit) [\(ProgressBar.clock(elapsed)), \(ProgressBar.rate(rate, unit: unit))\(after)]"
        }
        let fraction = total > 0 ? min(Double(completed) / Double(total), 1) : 1
        let percent = Int((fraction * 100).rounded(.down))
        let blocks = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let cells = fraction * Double(width)
        let full = Int(cells.rounded(.down))
        var bar = String(repeating: "█", count: min(full, width))
        if full < width {
            bar += blocks[Int(((cells - Double(full)) * 8).rounded(.down))]
            bar += String(repeating: " ", count: width - full - 1)
        }
        let remaining = rate > 0 ? Double(max(total - completed, 0)) / rate : 0
        let info = "\(ProgressBar.clock(elapsed))<\(ProgressBar.clock(remaining)), \(ProgressBar.rate(rate, unit: unit))"
        let pad = percent < 10 ? "  " : (percent < 100 ? " " : "")
        return "\(head)\(pad)\(percent)%|\(bar)| \(completed)/\(total) [\(info)\(after)]"
    }

    static func clock(_ s: Double) -> String {
        // an estimate past a billion hours is shown as that (Int(s) would trap past Int.max)
        let t = Int(s.isFinite ? min(max(s, 0), 3.6e12) : 0)
        let (h, m, sec) = (t / 3600, (t / 60) % 60, t % 60)
        let two = { (v: Int) in v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(sec))" : "\(two(m)):\(two(sec))"
    }

    static func rate(_ r: Double, unit: String = "it") -> String {
        if r >= 1 || r == 0 { return fixed(r, 2) + unit + "/s" }
        return fixed(1 / r, 2) + "s/" + unit
    }

    /// A number as tqdm shows postfix values: 4 decimals below 1, else up to 4 significant digits.
    static func postfixValue(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if Swift.abs(v) < 1 && v != 0 { return fixed(v, 4) }
        if v == v.rounded() && Swift.abs(v) < 1e9 { return String(Int(v)) }
        return fixed(v, 3)
    }

    static func fixed(_ v: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let r = (Swift.abs(v) * scale).rounded()
        guard r < 1e15 else { return "\(v)" }
        let whole = Int(r) / Int(scale), frac = Int(r) % Int(scale)
        var fs = String(frac)
        fs = String(repeating: "0", count: decimals - fs.count) + fs
        return (v < 0 && r != 0 ? "-" : "") + "\(whole)" + (decimals > 0 ? "." + fs : "")
    }
}

enum ProgressBindings {
    static let type = UserdataClass<ProgressBar>(name: "torch.progress")
    static let methods: [LuaFunction] = [setPostfix, write, close]

    static func register(in state: LuaState) {
        for f in methods { state.document("ProgressBar:\(f.name)", f) }
        type.register(state.lua, methods: methods, metamethods: [("__call", next), ("__tostring", tostring)], close: closeMetamethod)
        state.lua.pop()
    }

    /// In a distributed job only rank 0 draws (N bars over each other would be noise).
    static func notRankZero(_ lua: Lua) -> Bool {
        guard let g = Runtime.owning(lua)?.processGroup, !g.isDestroyed else { return false }
        return g.rank != 0
    }

    static let progress = LuaFunction("progress",
        "torch.progress([first=1,] last [, step] | t | iterator [, {desc=, total=, unit='it', leave=true, disable=false}]) -> iterator",
        "Loops with a tqdm-style bar on stderr: over a range (yields i, bar), a table as ipairs (i, v, bar) or an iterator such as data.windows (its values, then bar).") { lua in
        let source: ProgressBar.Source
        var length: Int?
        var optionsAt: Int32 = 2
        // the generic for's state and control for the bar's __call
        var state: Int32? = nil, control: Int32? = nil
        switch lua.kind(1) {
        case .number:
            var numbers: [Int] = []
            var i: Int32 = 1
            while lua.kind(i) == .number { numbers.append(try lua.integer(i)); i += 1 }
            let (first, last, step): (Int, Int, Int)
            switch numbers.count {
            case 1: (first, last, step) = (1, numbers[0], 1)
            case 2: (first, last, step) = (numbers[0], numbers[1], 1)
            case 3: (first, last, step) = (numbers[0], numbers[1], numbers[2])
            default: throw lua.typeError(4, "options table")
            }
            guard step != 0 else { throw LuaError.argument(3, "step must not be zero") }
            let count = ProgressBar.count(first: first, last: last, step: step)
            source = .range(first: first, step: step, count: count)
            length = count
            optionsAt = i
        case .table:
            source = .table
            length = try lua.length(honouring: 1)
            state = 1
        default:
            guard isCallable(lua, 1) else { throw lua.typeError(1, "number, table or iterator") }
            source = .iterator
            length = DataBindings.iteratorType.test(lua, 1)?.count
            // f, s, control, as pairs(t) returns them; a lone iterator is called with no state
            let triple = lua.top >= 3
            lua.newTable(array: 2)
            lua.pushValue(1)
            lua.rawSet(-2, 1)
            if triple {
                lua.pushValue(2)
                lua.rawSet(-2, 2)
                control = 3
                optionsAt = lua.kind(4) == .table ? 4 : 0
            }
            state = lua.top
        }
        let o = optionsAt > 0 ? try lua.options(optionsAt, ["desc", "disable", "total", "unit", "leave"]) : nil
        let total = try o?.integer("total")
        if let total, total < 0 { throw LuaError.argument(optionsAt, "option 'total': must not be negative, got \(total)") }
        let unit = try o?.string("unit") ?? "it"
        guard !unit.isEmpty, !unit.contains(where: \.isNewline) else { throw LuaError.argument(optionsAt, "option 'unit': must be a name such as 'batch'") }
        let bar = ProgressBar(source: source, desc: try o?.string("desc") ?? "", unit: unit, total: total ?? length,
                              leave: try o?.boolean("leave") ?? true, disabled: try o?.boolean("disable") ?? ProgressBindings.notRankZero(lua))
        let runtime = Runtime.owning(lua)
        bar.runtime = runtime
        bar.frontend = runtime?.frontend
        bar.screen = runtime?.progressTerminal
        // iterator, state, control, closing value: the bar closes itself when the loop ends early
        type.push(bar, lua)
        if let state { lua.pushValue(state) } else { lua.pushNil() }
        if let control { lua.pushValue(control) } else { lua.pushNil() }
        lua.pushValue(-3)
        return 4
    }

    private static func isCallable(_ lua: Lua, _ i: Int32) -> Bool {
        if lua.kind(i) == .function { return true }
        guard lua.getMetatable(i) else { return false }
        defer { lua.pop(2) }
        return lua.rawGet(-1, "__call") != .luaNil
    }

    static let next = LuaFunction("progress", "bar(state, control) -> values..., bar", "The next iteration of the bar's loop.") { lua in
        let bar = try type.check(lua, 1)
        if bar.finished { lua.pushNil(); return 1 }
        switch bar.source {
        case .range(let first, let step, let count):
            guard bar.begun < count else { return end(bar, lua) }
            // wrapping arithmetic gives the exact value, which is within the range
            let value = first &+ bar.begun &* step
            bar.begin()
            lua.push(value)
            lua.pushValue(1)
            return 2
        case .table:
            guard lua.kind(2) != .none else { throw LuaError.argument(2, "the loop's state expected (call the bar from a for loop)") }
            let index = bar.begun + 1
            guard try lua.get(honouring: 2, index) != .luaNil else { lua.pop(); return end(bar, lua) }
            bar.begin()
            lua.push(index)
            lua.pushValue(-2)
            lua.pushValue(1)
            return 3
        case .iterator:
            guard lua.kind(2) == .table else { throw LuaError.argument(2, "the loop's state expected (call the bar from a for loop)") }
            let base = lua.top
            _ = lua.rawGet(2, 1)
            _ = lua.rawGet(2, 2)
            if base >= 3 { lua.pushValue(3) } else { lua.pushNil() }
            try lua.call(2, results: LUA_MULTRET)
            let n = lua.top - base
            guard n > 0, !lua.isNoneOrNil(base + 1) else { return end(bar, lua) }
            try lua.reserve(1)
            bar.begin()
            lua.pushValue(1)
            return n + 1
        }
    }

    private static func end(_ bar: ProgressBar, _ lua: Lua) -> Int32 {
        bar.finish(completed: bar.begun)
        lua.pushNil()
        return 1
    }

    static let setPostfix = LuaFunction("set_postfix", "bar:set_postfix{name = value, ...}",
                                        "Shows values after the bar (e.g. the latest loss), in name order.") { lua in
        let bar = try type.check(lua, 1)
        try lua.checkTable(2)
        var items: [(String, String)] = []
        for key in try lua.stringKeys(2, argument: 2).sorted() {
            lua.rawGet(2, key)
            // No deferred pop: a failing tostring leaves its message on top, to be raised.
            let text: String
            if lua.kind(-1) == .number {
                text = ProgressBar.postfixValue(try lua.number(-1))
            } else if let t = TensorClass.shared.test(lua, -1), t.count == 1 {
                text = ProgressBar.postfixValue(t.double(atOffset: t.offset))
            } else {
                text = try lua.tostring(-1)
            }
            lua.pop()
            items.append((key, text))
        }
        bar.postfix = items
        return 0
    }

    static let write = LuaFunction("write", "bar:write(text)",
                                   "Prints text on a line above the bar, as tqdm.write (print and io.write do the same while a bar is drawn).") { lua in
        _ = try type.check(lua, 1)
        guard lua.kind(2) == .string || lua.kind(2) == .number else { throw lua.typeError(2, "string") }
        lua.pushGlobals()
        lua.rawGet(-1, "print")
        lua.pushValue(2)
        try lua.call(1, results: 0)
        return 0
    }

    static let tostring = LuaFunction("__tostring", "tostring(bar) -> string", "The bar's line as it stands (tqdm's str(bar)), without fitting it to a terminal.") { lua in
        let bar = try type.check(lua, 1)
        lua.push(bar.line(completed: bar.reached, elapsed: TimeBindings.now() - bar.startTime))
        return 1
    }

    static let close = LuaFunction("close", "bar:close()", "Finishes the bar's line now.") { lua in
        try type.check(lua, 1).finish()
        return 0
    }

    static let closeMetamethod = LuaFunction("__close", "bar:__close()", "Finishes the bar when its loop ends.") { lua in
        type.test(lua, 1)?.finish()
        return 0
    }
}
