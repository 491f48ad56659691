// The lines progress bars take on a terminal. Bars alive at once stack as tqdm's
// do, one line each in the order they started, the cursor resting on the first.
// Text the script writes to the same terminal (print, io.write, io.stdout:write,
// bar:write) passes above them as tqdm.write passes it: the bars' lines are cleared,
// the text written, the bars drawn again below. Not on a terminal, nothing of this runs.

import LuaBridge
import LuaGlue

#if canImport(Glibc)
import Glibc
#endif

final class ProgressTerminal {
    private struct Drawn {
        weak var bar: ProgressBar?
    }
    /// The bars drawn and not finished, top line first.
    private var drawn: [Drawn] = []
    /// Text written without its end of line yet, per descriptor: it waits for the rest
    /// of its line (or for the last bar's end), as a bar drawn after it would share its line.
    private var pending: [Int32: [UInt8]] = [:]
    /// Whether lines of bars collected unfinished may still show below the cursor.
    private var leftovers = false

    deinit {
        // a script that ends with a bar still drawn (driven by hand) keeps its last words
        flushPending()
    }

    private static let clearLine = "\u{1B}[K"
    private static let clearBelow = "\u{1B}[J"

    /// Draws `line` as `bar`'s, on its line (a new one below the others for a bar not drawn yet).
    func draw(_ bar: ProgressBar, line: String) {
        prune()
        let k = drawn.firstIndex { $0.bar === bar } ?? {
            // a partial line written before the bar began goes out first
            fflush(nil)
            if drawn.isEmpty { clearLeftovers() }
            drawn.append(Drawn(bar: bar))
            return drawn.count - 1
        }()
        // down with newlines, which scroll the screen when the bar is on its last line
        Console.write(2, String(repeating: "\n", count: k) + "\r" + line + Self.clearLine + (k > 0 ? "\u{1B}[\(k)A" : ""))
    }

    /// Takes `bar` off: its last line stays above the others (`leave`) or goes.
    func finish(_ bar: ProgressBar, line: String?) {
        prune()
        guard let k = drawn.firstIndex(where: { $0.bar === bar }) else { return }
        drawn.remove(at: k)
        // tqdm's way: a bar left behind is written where the first bar was, the rest move down
        leftovers = false
        Console.write(2, (line.map { "\r" + $0 + Self.clearLine + "\n" } ?? "\r") + Self.clearBelow)
        if drawn.isEmpty { flushPending() } else { redraw() }
    }

    /// Whether text written to fd would collide with drawn bars: fd reaches their terminal.
    func isAbove(_ fd: Int32) -> Bool {
        prune()
        guard !drawn.isEmpty || !pending.isEmpty || leftovers else { return false }
        return fd == 2 || Self.sameTerminal(fd, 2)
    }

    /// Writes text to fd above the bars: whole lines now, a last partial line later.
    func write(_ fd: Int32, _ text: [UInt8]) {
        fflush(nil)
        prune()
        if drawn.isEmpty {
            // the bars were collected unfinished: nothing left to wait for
            clearLeftovers()
            pending[fd, default: []] += text
            flushPending()
            return
        }
        let all = pending[fd, default: []] + text
        guard let end = all.lastIndex(of: UInt8(ascii: "\n")) else {
            pending[fd] = all
            return
        }
        pending[fd] = end + 1 < all.count ? Array(all[(end + 1)...]) : nil
        leftovers = false
        Console.write(2, "\r" + Self.clearBelow)
        Console.write(fd, bytes: Array(all[...end]))
        redraw()
    }

    private func redraw() {
        var out = ""
        for (k, d) in drawn.enumerated() {
            if k > 0 { out += "\n" }
            out += "\r" + (d.bar?.currentLine() ?? "") + Self.clearLine
        }
        if drawn.count > 1 { out += "\u{1B}[\(drawn.count - 1)A" }
        Console.write(2, out)
    }

    private func flushPending() {
        for fd in pending.keys.sorted() { Console.write(fd, bytes: pending[fd] ?? []) }
        pending = [:]
    }

    /// Bars collected without finishing (a loop driven by hand, then dropped) leave the stack;
    /// their lines stay until the next clearing.
    private func prune() {
        let before = drawn.count
        drawn.removeAll { $0.bar == nil }
        if drawn.count < before { leftovers = true }
    }

    /// Clears the lines of collected bars when no live bar's drawing will.
    private func clearLeftovers() {
        guard leftovers else { return }
        leftovers = false
        Console.write(2, "\r" + Self.clearBelow)
    }

    private static func sameTerminal(_ a: Int32, _ b: Int32) -> Bool {
        guard Console.isTerminal(a), Console.isTerminal(b) else { return false }
        var sa = stat(), sb = stat()
        guard fstat(a, &sa) == 0, fstat(b, &sb) == 0 else { return false }
        return sa.st_rdev == sb.st_rdev
    }
}

/// The hooks that route print, io.write and file:write (write_hooks.c) through the runtime's ProgressTerminal.
enum ProgressTerminalBindings {
    static func install(in state: LuaState) {
        state.lua.push(above)
        state.lua.push(write)
        guard lg_pcall_hook_writes(state.lua.L) == LUA_OK else { fatalError("lstmlua: cannot hook print and io.write") }
    }

    static let above = LuaFunction("above", "above(fd) -> boolean",
                                   "Whether text written to fd must pass above progress bars drawn on its terminal.") { lua in
        let fd = try lua.integer(1)
        lua.push(Runtime.owning(lua)?.progressTerminal.isAbove(Int32(truncatingIfNeeded: fd)) ?? false)
        return 1
    }

    static let write = LuaFunction("write", "write(fd, text)", "Writes text to fd above the progress bars drawn on its terminal.") { lua in
        let fd = Int32(truncatingIfNeeded: try lua.integer(1))
        guard let text = lua.bytes(2) else { throw lua.typeError(2, "string") }
        if let terminal = Runtime.owning(lua)?.progressTerminal { terminal.write(fd, text) } else { Console.write(fd, bytes: text) }
        return 0
    }
}
