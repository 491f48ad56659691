// The shell channel's requests, answered by the engine the REPL and notebooks use:
// code runs as a notebook cell (CellRunner: the last expression's value is the
// result, `;` silences it), values print as the REPL prints them, completion and
// help are the REPL's.

import Bindings
import Foundation
import Jupyter
import LuaBridge
import Notebooks
import Plotting

#if canImport(Glibc)
import Glibc
#endif

final class KernelRequests: Frontend {
    let version: String
    let publisher: Publisher
    let streams: StreamForwarder
    let log: KernelLog
    let runtime: Runtime
    let runner: CellRunner
    var executionCount = 0
    /// (execution count, code) of each stored execution, for history_request.
    var history: [(Int, String)] = []
    /// The execute_request running now, and whether its frontend takes input.
    var current: Message?
    var allowStdin = false
    var input: ((Message, String, Bool) throws(FrontendError) -> String)?
    /// Progress bars shown so far: their display ids.
    var bars: [ObjectIdentifier: String] = [:]

    init(version: String, publisher: Publisher, streams: StreamForwarder, log: KernelLog) {
        self.version = version
        self.publisher = publisher
        self.streams = streams
        self.log = log
        runtime = Runtime()
        let folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        runner = CellRunner(runtime: runtime, notebook: folder.appendingPathComponent("kernel.lua"), writeImages: false)
        runner.openCapture = { [streams] in streams }
        runner.showFigure = { [unowned self] figure in try self.display(figure) }
        runner.richValue = { [unowned self] index in
            // a figure a cell returns is drawn, as Jupyter draws a matplotlib figure
            if let figure = runtime.figure(at: index) { return (try? KernelRequests.images(of: figure)) ?? [:] }
            return self.html(at: index).map { ["text/html": $0] } ?? [:]
        }
        runtime.frontend = self
    }

    func kernelInfo() -> [String: Any] {
        [
            "status": "ok",
            "protocol_version": "5.3",
            "implementation": "lstmlua",
            "implementation_version": version,
            "language_info": [
                "name": "lua", "version": "5.4", "mimetype": "text/x-lua", "file_extension": ".lua",
                "pygments_lexer": "lua", "codemirror_mode": "lua",
            ],
            "banner": "lstmlua \(version) (Lua 5.4): torch, nn, optim, data and plot are loaded. ?name or help(name) for help.",
            "help_links": [["text": "lstmlua", "url": "https://github.com/lstmlua/lstmlua"]],
        ]
    }

    // MARK: execute

    func execute(_ message: Message) -> [String: Any] {
        let content = message.content
        guard let code = content["code"] as? String else {
            return ["status": "error", "ename": "BadRequest", "evalue": "execute_request: code must be a string", "traceback": [String](),
                    "execution_count": executionCount]
        }
        let silent = content["silent"] as? Bool ?? false
        let storeHistory = (content["store_history"] as? Bool ?? true) && !silent
        allowStdin = content["allow_stdin"] as? Bool ?? false
        current = message
        defer { current = nil; bars = [:] }
        if storeHistory { executionCount += 1 }
        let count = executionCount
        if !silent { publisher.publish("execute_input", ["code": code, "execution_count": count]) }
        if storeHistory { history.append((count, code)) }

        var reply: [String: Any] = ["status": "ok", "execution_count": count, "payload": [Any](), "user_expressions": [String: Any]()]
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("?") && !trimmed.contains("\n") {
            // IPython's `?name`: help in the pager
            let name = String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)
            let text = (name.isEmpty ? Help.text(for: "help", in: runtime.state) : Help.text(for: name, in: runtime.state))
                ?? "no help for '\(name)'"
            reply["payload"] = [["source": "page", "data": ["text/plain": text], "start": 0]]
            return reply
        }
        runner.chunkName = "=[cell \(count)]"
        runner.keepsValue = !silent
        let result = runner.run(Cell(source: code.components(separatedBy: "\n"), line: 1))
        streams.forward()
        for output in result.outputs {
            switch output {
            case .value(let text) where !silent:
                let data = result.valueData.merging(["text/plain": text]) { $1 }
                publisher.publish("execute_result", ["execution_count": count, "data": data, "metadata": [String: Any]()])
            case .error(let text):
                let error = KernelRequests.error(text, frames: result.errorFrames)
                if !silent { publisher.publish("error", error) }
                reply.merge(error) { $1 }
                reply["status"] = "error"
            case .stream(let name, let text):
                publisher.publish("stream", ["name": name, "text": text])
            default:
                break
            }
        }
        if reply["status"] as? String == "ok", let expressions = content["user_expressions"] as? [String: String] {
            reply["user_expressions"] = expressions.mapValues { evaluate($0) }
        }
        return reply
    }

    static func error(_ message: String, frames: [String] = []) -> [String: Any] {
        let name = message.hasSuffix("interrupted!") ? "Interrupted" : "LuaError"
        // in red, as the REPL prints errors (frontends render ANSI colour in tracebacks)
        let traceback = ["\u{1B}[31m" + message + "\u{1B}[0m"] + (frames.isEmpty ? [] : ["stack traceback:"] + frames)
        return ["ename": name, "evalue": message, "traceback": traceback]
    }

    /// A user expression: its value as the REPL prints it.
    func evaluate(_ expression: String) -> [String: Any] {
        let state = runtime.state
        let top = state.lua.top
        defer { state.dropTo(top) }
        do {
            try state.load(REPL.returning(expression), name: "=(user expression)")
            try state.withInterrupts { () throws(LuaState.Failure) in try state.call(nargs: 0, results: -1) }
            let count = state.lua.top - top
            let text = count > 0 ? (try runtime.display(from: top + 1, count: count, color: false)) : "nil"
            return ["status": "ok", "data": ["text/plain": text], "metadata": [String: Any]()]
        } catch {
            var reply = KernelRequests.error("\(error.message)")
            reply["status"] = "error"
            return reply
        }
    }

    /// A tensor as a table, a module as its tree and parameters: where HTML helps.
    func html(at index: Int32) -> String? {
        if let tensor = runtime.tensor(at: index) { return tensor.htmlTable() }
        let top = runtime.lua.top
        defer { runtime.state.dropTo(top) }
        guard runtime.lua.kind(index) == .table else { return nil }
        do {
            try runtime.callREPLHelper("module_html", results: 1) {
                runtime.lua.pushValue(index)
                return 1
            }
        } catch {
            return nil
        }
        return try? runtime.lua.string(-1)
    }

    static func images(of figure: Figure) throws -> [String: String] {
        ["image/png": try figure.pngData().base64EncodedString(), "image/svg+xml": String(decoding: try figure.svgData(), as: UTF8.self)]
    }

    func display(_ figure: Figure) throws {
        publisher.publish("display_data", [
            "data": try KernelRequests.images(of: figure).merging(["text/plain": "<Figure \(figure.width)x\(figure.height)>"]) { $1 },
            "metadata": ["image/png": ["width": figure.width, "height": figure.height]],
            "transient": [String: Any](),
        ])
    }

    // MARK: Frontend

    func clearOutput(wait: Bool) {
        streams.forward()
        publisher.publish("clear_output", ["wait": wait])
    }

    func progress(id: ObjectIdentifier, line: String, finished: Bool) -> Bool {
        guard current != nil else { return false }
        streams.forward()
        let data: [String: Any] = ["text/plain": line]
        if let displayID = bars[id] {
            publisher.publish("update_display_data", ["data": data, "metadata": [String: Any](), "transient": ["display_id": displayID]])
        } else {
            let displayID = UUID().uuidString.lowercased()
            bars[id] = displayID
            publisher.publish("display_data", ["data": data, "metadata": [String: Any](), "transient": ["display_id": displayID]])
        }
        return true
    }

    func readLine(prompt: String, password: Bool) throws(FrontendError) -> String? {
        guard allowStdin, let current, let input else { return nil }
        streams.forward()
        return try input(current, prompt, password)
    }

    // MARK: complete, inspect, is_complete, history

    func complete(_ content: [String: Any]) -> [String: Any] {
        let code = content["code"] as? String ?? ""
        let cursor = KernelRequests.cursor(content["cursor_pos"], in: code)
        let before = String(code.unicodeScalars.prefix(cursor))
        let (partial, candidates) = Completion.candidatesFor(before, state: runtime.state, qualified: true)
        let matches = Array(Set(candidates.filter { $0.hasPrefix(partial) })).sorted()
        return ["status": "ok", "matches": matches, "cursor_start": cursor - partial.unicodeScalars.count,
                "cursor_end": cursor, "metadata": [String: Any]()]
    }

    /// The cursor as a count of code points (protocol 5.2 and later), within the code.
    static func cursor(_ value: Any?, in code: String) -> Int {
        let count = code.unicodeScalars.count
        guard let n = value as? Int else { return count }
        return min(max(n, 0), count)
    }

    func inspect(_ content: [String: Any]) -> [String: Any] {
        let code = content["code"] as? String ?? ""
        let cursor = KernelRequests.cursor(content["cursor_pos"], in: code)
        let scalars = Array(code.unicodeScalars)
        func isName(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || ("0"..."9").contains(c) || "_.:".unicodeScalars.contains(c) }
        var start = min(cursor, scalars.count), end = start
        while start > 0 && isName(scalars[start - 1]) { start -= 1 }
        while end < scalars.count && isName(scalars[end]) { end += 1 }
        var name = String(String.UnicodeScalarView(scalars[start..<end]))
        while let last = name.last, ".:".contains(last) { name.removeLast() }
        guard !name.isEmpty, let text = Help.text(for: name, in: runtime.state) else {
            return ["status": "ok", "found": false, "data": [String: Any](), "metadata": [String: Any]()]
        }
        var lines = text.components(separatedBy: "\n")
        let signature = lines.isEmpty ? "" : lines.removeFirst()
        let markdown = "```lua\n\(signature)\n```\n\n" + lines.joined(separator: "\n")
        return ["status": "ok", "found": true, "data": ["text/plain": text, "text/markdown": markdown], "metadata": [String: Any]()]
    }

    func isComplete(_ content: [String: Any]) -> [String: Any] {
        let code = content["code"] as? String ?? ""
        switch CellCompiler.completeness(code, state: runtime.state) {
        case .complete: return ["status": "complete"]
        case .invalid: return ["status": "invalid"]
        case .incomplete:
            let last = code.components(separatedBy: "\n").last ?? ""
            let indent = String(last.prefix { $0 == " " || $0 == "\t" })
            return ["status": "incomplete", "indent": indent + "  "]
        }
    }

    func history(_ content: [String: Any]) -> [String: Any] {
        let output = content["output"] as? Bool ?? false
        func entry(_ e: (Int, String)) -> [Any] { output ? [0, e.0, [e.1, NSNull()]] : [0, e.0, e.1] }
        var selected: [(Int, String)]
        switch content["hist_access_type"] as? String ?? "tail" {
        case "range":
            let start = content["start"] as? Int ?? 0, stop = content["stop"] as? Int
            selected = history.filter { e in e.0 >= start && (stop.map { e.0 < $0 } ?? true) }
        case "search":
            let pattern = content["pattern"] as? String ?? "*"
            selected = history.filter { fnmatch(pattern, $0.1, 0) == 0 }
            if content["unique"] as? Bool ?? false {
                var seen = Set<String>()
                selected = selected.reversed().filter { seen.insert($0.1).inserted }.reversed()
            }
            if let n = content["n"] as? Int, n > 0 { selected = Array(selected.suffix(n)) }
        default:
            selected = history
            if let n = content["n"] as? Int { selected = Array(selected.suffix(max(n, 0))) }
        }
        return ["status": "ok", "history": selected.map(entry)]
    }
}
