// Runs a notebook's code cells in one Lua state, under the REPL's rules: the value
// of the cell's last expression is an output (unless the cell ends with `;`), and
// so is whatever the cell prints, the figures it shows and the error that stops it.
// Line numbers in errors are the notebook file's own.

import Bindings
import Foundation
import LuaBridge
import Notebooks

public final class CellRunner {
    public let runtime: Runtime
    /// `@name.lua`: errors read `name.lua:12: ...`, as when the file runs as a script.
    let chunkName: String
    public let images: ImageStore
    let writeImages: Bool
    /// Seconds a cell may run; nil for no limit.
    public var timeout: Double?

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
        let capture: OutputCapture
        do { capture = try OutputCapture() } catch {
            return Result(outputs: [.error("lstmlua: \(error.description)")], failed: true)
        }
        func addStreams(_ text: (stdout: String, stderr: String)) {
            if !text.stdout.isEmpty { outputs.append(.stream(name: "stdout", text: CellRunner.endLine(text.stdout))) }
            if !text.stderr.isEmpty { outputs.append(.stream(name: "stderr", text: CellRunner.endLine(text.stderr))) }
        }
        let previousSink = runtime.figureSink
        runtime.figureSink = { [images, writeImages] png, width, height in
            addStreams(capture.take())
            outputs.append(.image(try images.image(png: png, width: width, height: height, write: writeImages)))
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
    /// its last lines as an expression (the last expression's value is shown); the cell as
    /// statements. Each candidate's expression is tried first: a statement fails to compile
    /// as one within a few bytes, so a cell of N lines costs about N, not N² (the lines
    /// are never joined anew, and the statements before it compile only for a candidate).
    func compile(_ cell: Cell) throws(LuaState.Failure) -> Bool {
        let state = runtime.state
        let blank = Swift.max(0, cell.line - 1)
        let code = Array(cell.code.utf8)
        let whole = [code[...]]
        let trimmed = cell.code.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasSuffix(";") {
            try state.load(pieces: whole, blankLines: blank, name: chunkName)
            return true
        }
        if !trimmed.isEmpty {
            var starts = [0]
            for (i, byte) in code.enumerated() where byte == UInt8(ascii: "\n") { starts.append(i + 1) }
            let open = Array("return (function(...) return ... end)(".utf8), close = Array("\n)".utf8)
            let returnWord = Array("return ".utf8), end = Array("\n;".utf8)
            for k in stride(from: starts.count - 1, through: 0, by: -1) {
                let tail = code[starts[k]...]
                guard !(tail.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.starts(with: [45, 45])) else { continue }
                let head = code[..<(k > 0 ? starts[k] - 1 : 0)]
                guard compiles([returnWord[...], tail, end[...]]), compiles([head], blank: blank) else { continue }
                let top = state.lua.top
                do {
                    // as REPL.returning: no tail call, so errors point at the cell's line
                    let newline: ArraySlice<UInt8> = k > 0 ? [UInt8(ascii: "\n")] : []
                    try state.load(pieces: [head, newline, open[...], tail, close[...]], blankLines: blank, name: chunkName)
                    return false
                } catch {
                    state.dropTo(top)
                }
            }
        }
        try state.load(pieces: whole, blankLines: blank, name: chunkName)
        return false
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
