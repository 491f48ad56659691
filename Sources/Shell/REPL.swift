// The interactive REPL, read as lua.c's is: each behaviour is a small step
// named for what it does.
//   readEntry     lines until a statement is complete (an <eof> syntax error means "more")
//   compile       as a notebook cell (CellCompiler): the last expression's value prints
//                 without `=`; each entry is a chunk named "[entry N]", lines from 1
//   execute       run under lua_pcall with a traceback and Ctrl-C as "interrupted!"
//   show          results printed readably; `_` holds the first
// Meta commands start with ':'; `?name` is help(name).

import Bindings
import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

public final class REPL {
    public private(set) var runtime: Runtime
    private let editor: LineEditor?
    private let color: Bool
    private var baseGlobals: Set<String>
    /// What each accepted entry printed and returned, for :save (notebooks).
    public var recorder: ((Entry) -> Void)?
    /// Meta commands added by other layers (the notebooks add :save, :load, :md).
    public var extraCommands: [String: (REPL, String) -> Void] = [:]
    /// Their lines for :help.
    public var extraHelp: [String] = []

    public struct Entry {
        public let source: String
        public let failed: Bool
        /// What the entry's value printed as, without colour (nil when nothing printed).
        public let value: String?
        /// The error message, when it failed.
        public let error: String?
    }

    /// Called with the runtime now and whenever :reset replaces it (the notebook
    /// recorder hooks print and fig:show into each new one).
    public var onNewRuntime: ((Runtime) -> Void)? {
        didSet { onNewRuntime?(runtime) }
    }

    private var lastValue: String?
    private var lastError: String?
    /// Entries evaluated so far: the N of the next chunk's name "[entry N]".
    private var entriesEvaluated = 0

    public static let primaryPrompt = "> "
    public static let secondaryPrompt = ">> "

    public init(runtime: Runtime, interactive: Bool = true) {
        self.runtime = runtime
        let terminal = interactive && Console.isTerminal(0) && Console.isTerminal(1)
        editor = terminal ? LineEditor(historyPath: LineEditor.defaultHistoryPath) : nil
        color = Console.drawsEscapes(1)
        baseGlobals = Set(Completion.globalNames(runtime.state))
        editor?.completer = { [unowned self] before, _ in Completion.complete(before, state: self.runtime.state) }
    }

    /// Reads, evaluates and prints until Ctrl-D or :quit.
    public func run() {
        if editor != nil {
            Console.output("lstmlua \(REPL.version) (Lua 5.4): torch, nn, optim, data and plot are loaded. ?name for help, :help for commands, Ctrl-D to leave.\n")
        }
        while let entry = readEntry() {
            if entry == ":quit" || entry == ":q" { break }
            handle(entry)
        }
        if editor != nil { Console.output("\n") }
    }

    nonisolated(unsafe) public static var version = "0.1.0"

    // MARK: readEntry

    /// One complete entry (several lines for an unfinished statement), or nil at the end.
    func readEntry() -> String? {
        var lines: [String] = []
        while true {
            let prompt = lines.isEmpty ? REPL.primaryPrompt : REPL.secondaryPrompt
            switch readLine(prompt) {
            case .end:
                return nil
            case .interrupted:
                lines = []
                Console.output("^C\n")
                continue
            case .line(let line):
                if lines.isEmpty && line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
                lines.append(line)
                let entry = lines.joined(separator: "\n")
                if lines.count == 1 && (line.hasPrefix(":") || line.hasPrefix("?")) { return entry }
                if incomplete(entry) { continue }
                return entry
            }
        }
    }

    private func readLine(_ prompt: String) -> LineEditor.Input {
        if let editor { return editor.read(prompt: prompt, continuation: REPL.secondaryPrompt) }
        guard let line = Swift.readLine(strippingNewline: true) else { return .end }
        return .line(line)
    }

    /// Is the entry an unfinished statement? The kernel's is_complete rule (lua.c's: a
    /// syntax error at <eof>), read with the newline the user typed.
    func incomplete(_ entry: String) -> Bool {
        CellCompiler.completeness(entry, state: runtime.state) == .incomplete
    }

    // MARK: handle

    func handle(_ entry: String) {
        editor?.addHistory(entry)
        if entry.hasPrefix("?") {
            help(String(entry.dropFirst()).trimmingCharacters(in: .whitespaces))
        } else if entry.hasPrefix(":") {
            meta(entry)
        } else {
            lastValue = nil
            lastError = nil
            let ok = evaluate(entry)
            recorder?(Entry(source: entry, failed: !ok, value: lastValue, error: lastError))
        }
    }

    /// Compiles and runs an entry, printing its results; false when it raised an error.
    @discardableResult
    public func evaluate(_ entry: String) -> Bool {
        entriesEvaluated += 1
        let name = "=[entry \(entriesEvaluated)]"
        let state = runtime.state
        let lua = state.lua
        let top = lua.top
        defer { state.dropTo(top) }
        // compiled as a notebook cell is: an expression first, so that `1 + 1` prints 2
        let quiet: Bool
        do {
            quiet = try CellCompiler.compile(entry, firstLine: 1, chunkName: name, state: state)
        } catch {
            report(error.message, traceback: "")
            return false
        }
        do {
            try state.withInterrupts { () throws(LuaState.Failure) in try state.call(nargs: 0, results: -1) }
        } catch {
            report(error.message, traceback: error.traceback)
            return false
        }
        let count = lua.top - top
        if count > 0 {
            do {
                // `_` and the global table
                try runtime.checkRoomToPrint(2)
            } catch {
                report(error.message, traceback: "")
                return false
            }
            lua.pushValue(top + 1)
            state.setGlobal("_")
            if !quiet { show(from: top + 1, count: count) }
        }
        return true
    }

    /// `return <expression>`, but not as a tail call: the entry's own frame stays on the
    /// stack, so errors point at it rather than at "(...tail calls...)". The closing
    /// parenthesis goes on a line of its own only when a comment could swallow it: Lua
    /// gives the last operation of the expression (x.foo's lookup) the line of that
    /// parenthesis, and a one-line entry's error should say line 1.
    public static func returning(_ expression: String) -> String {
        "return (function(...) return ... end)(" + expression + (expression.contains("--") ? "\n)" : ")")
    }

    /// Prints values from the stack with lstmlua.repl's pretty printer (and keeps them
    /// without colour for the notebook recorder).
    private func show(from first: Int32, count: Int32) {
        let state = runtime.state
        do {
            // a __tostring may loop: Ctrl-C stops it as it stops the entry
            try state.withInterrupts { () throws(LuaState.Failure) in
                let text = try runtime.display(from: first, count: count, color: color)
                Console.output(text + "\n")
                if recorder != nil { lastValue = color ? try runtime.display(from: first, count: count, color: false) : text }
            }
        } catch {
            report(error.message, traceback: "")
        }
    }

    /// An error: the message, and a short traceback without the REPL's own frames.
    func report(_ message: String, traceback: String) {
        lastError = message
        var text = message
        let frames = REPL.frames(of: traceback)
        if !frames.isEmpty { text += "\nstack traceback:\n" + frames.joined(separator: "\n") }
        Console.error((color ? "\u{1B}[31m" + text + "\u{1B}[0m" : text) + "\n")
    }

    /// A traceback's frames worth showing: not the REPL's own, nor lstmlua's prelude; at most 8.
    static func frames(of traceback: String) -> [String] {
        let frames = traceback.split(separator: "\n").dropFirst().filter { line in
            !line.contains("stack traceback:") && !line.contains("[C]: in ?") && !line.contains("[C]: in function 'error'")
                && !line.contains("[lstmlua:")
        }
        return frames.prefix(8).map(String.init)
    }

    // MARK: meta commands

    func help(_ name: String) {
        guard !name.isEmpty else { Console.output(Help.text(for: "help", in: runtime.state) ?? ""); return }
        Console.output((Help.text(for: name, in: runtime.state) ?? "no help for '\(name)'") + "\n")
    }

    func meta(_ entry: String) {
        let parts = entry.split(separator: " ", maxSplits: 1).map(String.init)
        let command = parts[0], argument = parts.count > 1 ? parts[1] : ""
        switch command {
        case ":help", ":h":
            var text = """
                :help             this list
                :time STATEMENT   runs STATEMENT and prints its wall time
                :who              the globals this session defined
                :reset            starts a fresh session (the globals are gone)
                :quit             leaves (as Ctrl-D)
                """
            for line in extraHelp { text += "\n" + line }
            Console.output(text + "\n?name or help(name) shows a function's signature and doc, e.g. ?nn.LSTM\n")
        case ":time":
            let start = WallClock.now()
            let ok = evaluate(argument)
            let elapsed = WallClock.now() - start
            Console.output(String(format: "%@%.3f ms\n", ok ? "" : "(failed) ", elapsed * 1000))
        case ":who":
            who()
        case ":reset":
            runtime = Runtime()
            baseGlobals = Set(Completion.globalNames(runtime.state))
            onNewRuntime?(runtime)
            Console.output("a fresh session\n")
        default:
            if let extra = extraCommands[command] {
                extra(self, argument)
            } else {
                Console.error("unknown command \(command) (:help lists them)\n")
            }
        }
    }

    private func who() {
        let state = runtime.state
        let lua = state.lua
        let names = Completion.globalNames(state).filter { !baseGlobals.contains($0) && $0 != "_" }.sorted()
        guard !names.isEmpty else { Console.output("no globals defined yet\n"); return }
        var lines: [String] = []
        for name in names {
            state.getGlobal(name)
            let summary: String
            if let t = runtime.tensor(at: -1) {
                summary = "Tensor " + Tensors.Shape.describe(t.shape)
            } else if let className = className(at: -1) {
                summary = className
            } else {
                switch lua.kind(-1) {
                case .number, .string, .boolean:
                    let text = (try? lua.tostring(-1)) ?? ""
                    summary = lua.typeName(-1) + "  " + (text.count > 40 ? String(text.prefix(40)) + "…" : text)
                default:
                    summary = lua.typeName(-1)
                }
            }
            lua.pop()
            lines.append(name.padding(toLength: max(12, name.count + 2), withPad: " ", startingAt: 0) + summary)
        }
        Console.output(lines.joined(separator: "\n") + "\n")
    }

    /// The `__name` of a value's metatable (an nn.Module's class, an optimizer), if any.
    private func className(at i: Int32) -> String? {
        let lua = runtime.lua
        guard lua.kind(i) == .table || lua.kind(i) == .userdata, lua.getMetatable(i) else { return nil }
        defer { lua.pop(2) }
        guard lua.rawGet(-1, "__name") == .string else { return nil }
        return try? lua.string(-1)
    }
}

import Foundation
import Tensors
