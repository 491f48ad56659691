// Runs a notebook's code cells in one Lua state, under the REPL's rules: the value
// of the cell's last expression is an output (unless the cell ends with `;`), and
// so is whatever the cell prints, the figures it shows and the error that stops it.
// Line numbers in errors are the notebook file's own.

import Bindings
import Foundation
import LuaBridge
import Notebooks
import Plotting

public final class CellRunner {
    public let runtime: Runtime
    /// `@name.lua`: errors read `name.lua:12: ...`, as when the file runs as a script.
    public var chunkName: String
    public let images: ImageStore
    let writeImages: Bool
    /// Seconds a cell may run; nil for no limit.
    public var timeout: Double?
    /// Where the cell's stdout and stderr go: a temporary file by default; the kernel
    /// streams them to its frontend instead.
    public var openCapture: () throws -> any CellOutputCapture = { try OutputCapture() }
    /// Shows a figure instead of storing it as an image output (the kernel's display_data).
    public var showFigure: ((Figure) throws -> Void)?

    public struct Result {
        public var outputs: [Output]
        public var failed: Bool
        /// The PNG bytes of the image outputs, in order.
        public var figures: [Data] = []
    }

    public init(runtime: Runtime, notebook: URL, writeImages: Bool, timeout: Double? = nil) {
        self.runtime = runtime
        chunkName = "@" + notebook.lastPathComponent
        images = ImageStore(notebook: notebook)
        self.writeImages = writeImages
        self.timeout = timeout
    }

    public func run(_ cell: Cell) -> Result {
        var outputs: [Output] = []
        var figures: [Data] = []
        let capture: any CellOutputCapture
        do { capture = try openCapture() } catch {
            return Result(outputs: [.error("lstmlua: \(error)")], failed: true)
        }
        func addStreams(_ text: (stdout: String, stderr: String)) {
            if !text.stdout.isEmpty { outputs.append(.stream(name: "stdout", text: CellRunner.endLine(text.stdout))) }
            if !text.stderr.isEmpty { outputs.append(.stream(name: "stderr", text: CellRunner.endLine(text.stderr))) }
        }
        let previousSink = runtime.figureSink
        runtime.figureSink = { [images, writeImages, showFigure] figure in
            addStreams(capture.take())
            if let showFigure { try showFigure(figure); return true }
            let png = try figure.pngData()
            outputs.append(.image(try images.image(png: png, width: figure.width, height: figure.height, write: writeImages)))
            figures.append(png)
            return true
        }
        defer { runtime.figureSink = previousSink }

        let state = runtime.state
        let lua = state.lua
        let top = lua.top
        defer { state.dropTo(top) }
        var failed = false
        var timedOut = false
        do {
            // the limit counts compiling too (the hard limit ends what no hook reaches)
            let quiet = try state.withInterrupts { () throws(LuaState.Failure) -> Bool in
                if let timeout { state.startTimeout(timeout) }
                defer { if timeout != nil { timedOut = state.stopTimeout() } }
                let quiet = try compile(cell)
                try state.call(nargs: 0, results: -1)
                return quiet
            }
            addStreams(capture.take())
            let count = lua.top - top
            if count > 0 {
                // `_`, and what showing the values takes
                try runtime.checkRoomToPrint(Int(count) + 4)
                lua.pushValue(top + 1)
                state.setGlobal("_")
                if !quiet, let text = show(from: top + 1, count: count) { outputs.append(.value(text)) }
            }
        } catch {
            addStreams(capture.take())
            var message = error.message
            // native loops stop with "interrupted!" whatever stopped them
            if let timeout, timedOut {
                message = "timed out: the cell ran longer than \(CellRunner.seconds(timeout))"
            }
            outputs.append(.error(message))
            failed = true
        }
        addStreams(capture.finish())
        return Result(outputs: outputs, failed: failed, figures: figures)
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

    static func endLine(_ s: String) -> String { s.hasSuffix("\n") ? s : s + "\n" }

    /// Compiles the cell and leaves it on the stack; whether its value is to be kept quiet.
    /// Tried in order: the whole cell as an expression; the cell's statements followed by
    /// its last lines, or what follows a `;` on its last line, as an expression (the last
    /// expression's value is shown; a `;` at the very end keeps it quiet); the cell as
    /// statements. Each candidate's expression is tried first: a statement fails to compile
    /// as one within a few bytes, so a cell of N lines costs about N, not N² (the lines
    /// are never joined anew, and the statements before it compile only for a candidate).
    func compile(_ cell: Cell) throws(LuaState.Failure) -> Bool {
        let state = runtime.state
        let blank = Swift.max(0, cell.line - 1)
        var source = cell.code
        let trimmed = cell.code.trimmingCharacters(in: .whitespacesAndNewlines)
        // as in the REPL, a last expression followed by `;` runs without showing its value
        let quiet = trimmed.hasSuffix(";")
        if quiet, let semicolon = source.lastIndex(of: ";") { source.remove(at: semicolon) }
        let code = Array(source.utf8)
        let whole = [code[...]]
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
                guard compiles([returnWord[...], tail, end[...]]), compiles([head], blank: blank) else { continue }
                let top = state.lua.top
                do {
                    // as REPL.returning: no tail call, so errors point at the cell's line
                    let newline: ArraySlice<UInt8> = split.newline ? [UInt8(ascii: "\n")] : [UInt8(ascii: " ")]
                    try state.load(pieces: [head, newline, open[...], tail, close[...]], blankLines: blank, name: chunkName)
                    return quiet
                } catch {
                    state.dropTo(top)
                }
            }
        }
        try state.load(pieces: whole, blankLines: blank, name: chunkName)
        return quiet
    }

    public enum Completeness { case complete, incomplete, invalid }

    /// Whether code is a whole cell, the start of one (a syntax error at its end: more
    /// lines can finish it, lua.c's rule) or a mistake no line can mend.
    public func completeness(_ code: String) -> Completeness {
        let state = runtime.state
        let top = state.lua.top
        defer { state.dropTo(top) }
        if (try? compile(Cell(source: code.components(separatedBy: "\n"), line: 1))) != nil { return .complete }
        state.dropTo(top)
        do {
            try state.load(code + "\n", name: "=cell")
            return .complete
        } catch {
            return error.message.hasSuffix("<eof>") ? .incomplete : .invalid
        }
    }

    /// The values as the REPL shows them (without colour).
    private func show(from first: Int32, count: Int32) -> String? {
        try? runtime.display(from: first, count: count, color: false)
    }

    private func compiles(_ pieces: [ArraySlice<UInt8>], blank: Int = 0) -> Bool {
        let state = runtime.state
        let top = state.lua.top
        defer { state.dropTo(top) }
        return (try? state.load(pieces: pieces, blankLines: blank, name: chunkName)) != nil
    }
}
