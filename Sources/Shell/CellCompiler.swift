// How a notebook cell, a REPL entry and a kernel's execute_request compile: one rule,
// so the three show the same things for the same code. The value of the last
// expression is the result, as in IPython and lua.c's REPL.

import Foundation
import LuaBridge

public enum CellCompiler {
    /// Compiles a cell (or a REPL entry) and leaves it on the stack; whether its value is
    /// to be kept quiet. Its lines count from `firstLine`.
    /// Tried in order: the whole cell as an expression; the cell's statements followed by
    /// its last lines, or what follows a `;` on its last line, as an expression (the last
    /// expression's value is shown; a `;` at the very end keeps it quiet); the cell as
    /// statements. Each candidate's expression is tried first: a statement fails to compile
    /// as one within a few bytes, so a cell of N lines costs about N, not N² (the lines
    /// are never joined anew, and the statements before it compile only for a candidate).
    static func compile(_ text: String, firstLine: Int, chunkName: String, state: LuaState) throws(LuaState.Failure) -> Bool {
        let blank = Swift.max(0, firstLine - 1)
        var source = text
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // as in the REPL, a last expression followed by `;` runs without showing its value
        let quiet = trimmed.hasSuffix(";")
        if quiet, let semicolon = source.lastIndex(of: ";") { source.remove(at: semicolon) }
        let code = Array(source.utf8)
        if !trimmed.isEmpty {
            // where the last expression may start: after a `;` of the last line
            // (`y = f(x); y`), last first, then at each line's start, last line first
            var starts = [0]
            for (i, byte) in code.enumerated() where byte == UInt8(ascii: "\n") { starts.append(i + 1) }
            let lastLine = starts[starts.count - 1]
            let afterSemicolons = code[lastLine...].indices.filter { code[$0] == UInt8(ascii: ";") }.reversed()
            let splits = afterSemicolons.map { (tail: $0 + 1, headEnd: $0, newline: false) }
                + starts.indices.reversed().map { k in (tail: starts[k], headEnd: k > 0 ? starts[k] - 1 : 0, newline: k > 0) }
            let open = Array("return (function(...) return ... end)(".utf8), close = Array("\n)".utf8)
            let returnWord = Array("return ".utf8), end = Array("\n;".utf8)
            for split in splits {
                let tail = code[split.tail...]
                guard !(tail.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.starts(with: [45, 45])) else { continue }
                let head = code[..<split.headEnd]
                guard compiles([returnWord[...], tail, end[...]], state: state, chunkName: chunkName),
                      compiles([head], blank: blank, state: state, chunkName: chunkName) else { continue }
                let top = state.lua.top
                do {
                    // as REPL.returning: no tail call, so errors point at the cell's line
                    let newline: ArraySlice<UInt8> = split.newline ? [UInt8(ascii: "\n")] : [UInt8(ascii: " ")]
                    // and the closing parenthesis on the expression's line, which Lua gives its
                    // last operation (`t.x`'s lookup): on a line of its own only when a
                    // comment could swallow it
                    let comment = zip(tail, tail.dropFirst()).contains { $0 == 45 && $1 == 45 }
                    let closing = comment ? close[...] : close.dropFirst()
                    try state.load(pieces: [head, newline, open[...], tail, closing], blankLines: blank, name: chunkName)
                    return quiet
                } catch {
                    state.dropTo(top)
                }
            }
        }
        // with the newline the user typed: a short string it cuts is finished wrongly
        // (`unfinished string near ''abc'`), not cut off at the end
        try state.load(pieces: [code[...], [UInt8(ascii: "\n")]], blankLines: blank, name: chunkName)
        return quiet
    }

    public enum Completeness { case complete, incomplete, invalid }

    /// Whether code is a whole cell, the start of one (a syntax error at its end: more
    /// lines can finish it, lua.c's rule) or a mistake no line can mend.
    public static func completeness(_ code: String, state: LuaState) -> Completeness {
        let top = state.lua.top
        defer { state.dropTo(top) }
        if (try? compile(code, firstLine: 1, chunkName: "=cell", state: state)) != nil { return .complete }
        state.dropTo(top)
        do {
            try state.load(code + "\n", name: "=cell")
            return .complete
        } catch {
            return error.message.hasSuffix("<eof>") ? .incomplete : .invalid
        }
    }

    private static func compiles(_ pieces: [ArraySlice<UInt8>], blank: Int = 0, state: LuaState, chunkName: String) -> Bool {
        let top = state.lua.top
        defer { state.dropTo(top) }
        return (try? state.load(pieces: pieces, blankLines: blank, name: chunkName)) != nil
    }
}
