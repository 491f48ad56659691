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
    /// Whether the next run leaves its value in `_` (a kernel's silent execution does not).
    public var keepsValue = true
    /// Richer forms of the value shown (MIME type to text), given its stack index: the
    /// kernel's text/html for tensors and modules.
    public var richValue: ((Int32) -> [String: String])?

    public struct Result {
        public var outputs: [Output]
        public var failed: Bool
        /// The PNG bytes of the image outputs, in order.
        public var figures: [Data] = []
        /// What richValue made of the value shown.
        public var valueData: [String: String] = [:]
        /// The frames of the error's traceback, as the REPL shows them (the kernel's traceback).
        public var errorFrames: [String] = []
        /// Whether Ctrl-C stopped the cell: a replay or :load stops there too.
        public var interrupted = false
    }

    public init(runtime: Runtime, notebook: URL, writeImages: Bool, timeout: Double? = nil) {
        self.runtime = runtime
        chunkName = "@" + notebook.lastPathComponent
        images = ImageStore(notebook: notebook)
        self.writeImages = writeImages
        self.timeout = timeout
        let top = runtime.lua.top
        defer { runtime.state.dropTo(top) }
        try? runtime.callREPLHelper("order", results: 0) { 0 }
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
        // stdout and stderr in the order written: what one stream wrote is taken when the
        // other is about to be written
        let previousSwitch = runtime.streamSwitch
        var current: Int32 = 0
        runtime.streamSwitch = { fd in
            if fd != current { addStreams(capture.take()) }
            current = fd
        }
        defer { runtime.streamSwitch = previousSwitch }
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
        var valueData: [String: String] = [:]
        var errorFrames: [String] = []
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
                if keepsValue {
                    lua.pushValue(top + 1)
                    state.setGlobal("_")
                }
                if !quiet {
                    // a __tostring that fails is the cell's error; one that loops, Ctrl-C stops
                    let text = try state.withInterrupts { () throws(LuaState.Failure) -> String in
                        try runtime.display(from: top + 1, count: count, color: false)
                    }
                    outputs.append(.value(text))
                    if count == 1, let richValue { valueData = richValue(top + 1) }
                }
            }
        } catch {
            addStreams(capture.take())
            errorFrames = REPL.frames(of: error.traceback)
            var message = error.message
            // native loops stop with "interrupted!" whatever stopped them
            if let timeout, timedOut {
                message = "timed out: the cell ran longer than \(CellRunner.seconds(timeout))"
            }
            outputs.append(.error(message))
            failed = true
        }
        addStreams(capture.finish())
        return Result(outputs: outputs, failed: failed, figures: figures, valueData: valueData, errorFrames: errorFrames,
                      interrupted: failed && state.wasInterrupted)
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

    static func endLine(_ s: String) -> String { s.hasSuffix("\n") ? s : s + "\n" }

    func compile(_ cell: Cell) throws(LuaState.Failure) -> Bool {
        try CellCompiler.compile(cell.code, firstLine: cell.line, chunkName: chunkName, state: runtime.state)
    }
}
