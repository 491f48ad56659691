// Progress bars for training loops, drawn like tqdm on stderr:
//   train  45%|████▌     | 45/100 [00:01<00:01, 40.10it/s, loss=0.0120]
// On a terminal the line is redrawn in place at most ten times a second; into a
// pipe or file, a few plain lines (every quarter). Nothing goes to stdout.

import LuaBridge

final class ProgressBar {
    let first: Int, last: Int, step: Int
    let desc: String
    let total: Int
    var current: Int? = nil
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

    init(first: Int, last: Int, step: Int, desc: String, disabled: Bool, terminal: Bool = Console.drawsEscapes(2)) {
        self.first = first
        self.last = last
        self.step = step
        self.desc = desc
        // counted as Lua's numeric for counts (unsigned), so no bound or step overflows
        let span = step > 0 ? (first > last ? nil : UInt(bitPattern: last &- first))
                            : (first < last ? nil : UInt(bitPattern: first &- last))
        self.total = span.map { Int(min($0 / step.magnitude, UInt(Int.max - 1))) + 1 } ?? 0
        self.disabled = disabled
        self.terminal = terminal
    }

    /// How many iterations are done.
    var done: Int { max(0, yielded - 1) }
    /// How many values advance() has returned.
    var yielded = 0

    /// Advances; returns the next value, or nil when the range is exhausted.
    func advance() -> Int? {
        guard yielded < total else {
            finish(completed: total)
            return nil
        }
        // within the count, the next value is in range; it wraps only past the last one
        let next = current.map { $0 &+ step } ?? first
        if current != nil { draw(force: false, completed: yielded) }
        current = next
        yielded += 1
        return next
    }

    /// Draws the last state; a loop left early shows the iterations it finished.
    func finish(completed: Int? = nil) {
        guard !finished else { return }
        finished = true
        draw(force: true, completed: completed ?? done)
        if terminal && !disabled && frontend == nil { Console.write(2, "\n") }
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
            Console.write(2, "\r" + line(completed: completed, elapsed: now - startTime, fitting: Console.columns(2)) + "\u{1B}[K")
        } else if total > 0 {
            // plain lines at 25%, 50%, 75% and the end
            let quarter = Int(Double(completed) / Double(total) * 4)
            guard quarter >= nextQuarter || force else { return }
            nextQuarter = min(quarter, 4) + 1
            runtime?.streamSwitch?(2)
            Console.write(2, line(completed: completed, elapsed: now - startTime) + "\n")
        }
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

    /// The tqdm-style line.
    func line(completed: Int, elapsed: Double, width: Int = 10) -> String {
        let fraction = total > 0 ? Double(completed) / Double(total) : 1
        let percent = Int((fraction * 100).rounded(.down))
        let blocks = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let cells = fraction * Double(width)
        let full = Int(cells.rounded(.down))
        var bar = String(repeating: "█", count: min(full, width))
        if full < width {
            bar += blocks[Int(((cells - Double(full)) * 8).rounded(.down))]
            bar += String(repeating: " ", count: width - full - 1)
        }
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        let remaining = rate > 0 ? Double(total - completed) / rate : 0
        var info = "\(ProgressBar.clock(elapsed))<\(ProgressBar.clock(remaining)), \(ProgressBar.rate(rate))"
        for (k, v) in postfix { info += ", \(k)=\(v)" }
        let head = desc.isEmpty ? "" : desc + " "
        let pad = percent < 10 ? "  " : (percent < 100 ? " " : "")
        return "\(head)\(pad)\(percent)%|\(bar)| \(completed)/\(total) [\(info)]"
    }

    static func clock(_ s: Double) -> String {
        // an estimate past a billion hours is shown as that (Int(s) would trap past Int.max)
        let t = Int(s.isFinite ? min(max(s, 0), 3.6e12) : 0)
        let (h, m, sec) = (t / 3600, (t / 60) % 60, t % 60)
        let two = { (v: Int) in v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(sec))" : "\(two(m)):\(two(sec))"
    }

    static func rate(_ r: Double) -> String {
        if r >= 1 || r == 0 { return fixed(r, 2) + "it/s" }
        return fixed(1 / r, 2) + "s/it"
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
    static let methods: [LuaFunction] = [setPostfix, close]

    static func register(in state: LuaState) {
        for f in methods { state.document("ProgressBar:\(f.name)", f) }
        type.register(state.lua, methods: methods, metamethods: [("__call", next)], close: closeMetamethod)
        state.lua.pop()
    }

    static let progress = LuaFunction("progress", "torch.progress([first=1,] last [, step] [, {desc=, disable=false}]) -> iterator",
                                      "Iterates from first to last like a numeric for, drawing a tqdm-style bar on stderr; yields i, bar.") { lua in
        var numbers: [Int] = []
        var i: Int32 = 1
        while lua.kind(i) == .number { numbers.append(try lua.integer(i)); i += 1 }
        let (first, last, step): (Int, Int, Int)
        switch numbers.count {
        case 1: (first, last, step) = (1, numbers[0], 1)
        case 2: (first, last, step) = (numbers[0], numbers[1], 1)
        case 3: (first, last, step) = (numbers[0], numbers[1], numbers[2])
        default: throw lua.typeError(numbers.isEmpty ? 1 : 4, numbers.isEmpty ? "number" : "options table")
        }
        guard step != 0 else { throw LuaError.argument(3, "step must not be zero") }
        let o = try lua.options(i, ["desc", "disable"])
        let bar = ProgressBar(first: first, last: last, step: step, desc: try o?.string("desc") ?? "",
                              disabled: try o?.boolean("disable") ?? false)
        bar.runtime = Runtime.owning(lua)
        bar.frontend = bar.runtime?.frontend
        // iterator, state, control, closing value: the bar closes itself when the loop ends early
        type.push(bar, lua)
        lua.pushNil()
        lua.pushNil()
        lua.pushValue(-3)
        return 4
    }

    static let next = LuaFunction("progress", "bar() -> i, bar", "The next iteration of the bar's loop.") { lua in
        let bar = try type.check(lua, 1)
        guard let i = bar.advance() else { lua.pushNil(); return 1 }
        lua.push(i)
        lua.pushValue(1)
        return 2
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

    static let close = LuaFunction("close", "bar:close()", "Finishes the bar's line now.") { lua in
        try type.check(lua, 1).finish()
        return 0
    }

    static let closeMetamethod = LuaFunction("__close", "bar:__close()", "Finishes the bar when its loop ends.") { lua in
        type.test(lua, 1)?.finish()
        return 0
    }
}
