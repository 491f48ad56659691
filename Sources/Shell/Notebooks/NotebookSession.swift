// The REPL as a notebook: every accepted entry is kept as a code cell with what it
// printed, its value, its error and the figures it showed; `:save NB` writes them
// as a notebook, `:load NB` replays one into the session, `:md TEXT` adds prose.

import Bindings
import Foundation
import LuaBridge
import Notebooks
import SafeFiles

public final class NotebookSession {
    struct Shown {
        let png: Data
        let width: Int
        let height: Int
    }

    enum Recorded {
        case output(Output)
        case figure(Shown)
    }

    struct Entry {
        var kind: Cell.Kind
        var source: [String]
        var outputs: [Recorded]
        /// A loaded cell's title and metadata, kept by :save.
        var title = ""
        var metadata: [MetadataItem] = []
    }

    private var entries: [Entry] = []
    private var pending: [Recorded] = []
    private var sink: LuaFunction!

    public init() {
        sink = LuaFunction("sink", "sink(text)", "Records text printed during a REPL entry.") { [unowned self] lua in
            if let text = try? lua.string(1) { self.appendStdout(text) }
            return 0
        }
    }

    /// Hooks the session into a REPL: recording, and the :save, :load and :md commands.
    public func attach(to repl: REPL) {
        repl.onNewRuntime = { [unowned self] runtime in
            self.entries = []
            self.pending = []
            self.hook(runtime)
        }
        repl.recorder = { [unowned self] entry in self.record(entry) }
        repl.extraCommands[":save"] = { [unowned self] _, path in self.save(path) }
        repl.extraCommands[":load"] = { [unowned self] repl, path in self.load(path, into: repl) }
        repl.extraCommands[":md"] = { [unowned self] _, text in self.addProse(text) }
        repl.extraHelp += [
            ":save NOTEBOOK    writes this session's entries, with their outputs, as a notebook",
            ":load NOTEBOOK    runs a notebook's cells in this session",
            ":md TEXT          adds a prose (Markdown) cell to the session's notebook",
        ]
    }

    private func hook(_ runtime: Runtime) {
        runtime.figureSink = { [unowned self] figure in
            self.pending.append(.figure(Shown(png: try figure.pngData(), width: figure.width, height: figure.height)))
            return false
        }
        let top = runtime.lua.top
        defer { runtime.state.dropTo(top) }
        try? runtime.callREPLHelper("tee", results: 0) {
            runtime.lua.push(sink)
            return 1
        }
    }

    private func appendStdout(_ text: String) {
        if case .output(.stream("stdout", let before))? = pending.last {
            pending[pending.count - 1] = .output(.stream(name: "stdout", text: before + text))
        } else {
            pending.append(.output(.stream(name: "stdout", text: text)))
        }
    }

    private func record(_ entry: REPL.Entry) {
        var outputs = pending
        pending = []
        if let value = entry.value { outputs.append(.output(.value(value))) }
        if let error = entry.error { outputs.append(.output(.error(error))) }
        entries.append(Entry(kind: .code, source: entry.source.components(separatedBy: "\n"), outputs: outputs))
    }

    private func addProse(_ text: String) {
        if entries.last?.kind == .markdown {
            entries[entries.count - 1].source.append(text)
        } else {
            entries.append(Entry(kind: .markdown, source: [text], outputs: []))
        }
        Console.output("added to the notebook's prose\n")
    }

    func notebook(at url: URL) throws -> Notebook {
        let images = ImageStore(notebook: url)
        let cells = try entries.map { entry -> Cell in
            let outputs = try entry.outputs.map { recorded -> Output in
                switch recorded {
                case .output(let o):
                    if case .stream(let name, let text) = o { return .stream(name: name, text: CellRunner.endLine(text)) }
                    return o
                case .figure(let shown):
                    return .image(try images.image(png: shown.png, width: shown.width, height: shown.height, write: true))
                }
            }
            // An entry that failed is kept as a cell expected to fail, so the notebook replays.
            var metadata = entry.metadata
            if outputs.contains(where: \.isError) && !Cell(metadata: metadata, source: []).hasTag("raises") {
                let tags = (Cell(metadata: metadata, source: []).tags + ["raises"]).map { "\"\($0)\"" }.joined(separator: ", ")
                metadata.removeAll { $0.key == "tags" }
                metadata.append(MetadataItem(key: "tags", text: "[\(tags)]"))
            }
            let marker = CellMarker(kind: entry.kind, title: entry.title, metadata: metadata)
            return Cell(kind: entry.kind, title: entry.title, metadata: marker.metadata, source: entry.source, outputs: outputs,
                        markerLine: marker.line)
        }
        return Notebook(header: NotebookSession.header, cells: cells)
    }

    static let header = [
        "-- ---", "-- jupyter:", "--   kernelspec:", "--     display_name: lstmlua (Lua 5.4)", "--     language: lua",
        "--     name: lstmlua", "-- ---",
    ]

    private func save(_ path: String) {
        let path = path.trimmingCharacters(in: .whitespaces)
        guard !path.isEmpty else { Console.error(":save needs a file name, e.g. :save experiment.lua\n"); return }
        let url = URL(fileURLWithPath: path.hasSuffix(".lua") ? path : path + ".lua").standardizedFileURL
        do {
            let nb = try notebook(at: url)
            try SafeFile.write(Data(NotebookFormat.write(nb).utf8), to: url.path)
            Console.output("saved \(nb.codeCells.count) cells to \(url.path)\n")
        } catch let error as SafeFile.Failure {
            Console.error(":save: \(error.description)\n")
        } catch {
            Console.error(":save: cannot save \(url.path): \(error)\n")
        }
    }

    private func load(_ path: String, into repl: REPL) {
        let path = path.trimmingCharacters(in: .whitespaces)
        let notebook: Notebook
        do { (notebook, _) = try NotebookReplay.load(path) } catch {
            Console.error("\(error.description)\n")
            return
        }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        // the images' paths are printed: they are written
        let runner = CellRunner(runtime: repl.runtime, notebook: url, writeImages: true)
        // what the cells print is theirs, not the next entry's
        defer { pending = [] }
        var number = 0
        for cell in notebook.cells {
            pending = []
            guard cell.kind == .code else {
                entries.append(Entry(kind: cell.kind, source: cell.source, outputs: [], title: cell.title, metadata: cell.metadata))
                continue
            }
            number += 1
            let label = cell.label(number: number)
            Console.output("-- %% [\(label)]\n")
            if cell.hasTag("skip") { continue }
            let result = runner.run(cell)
            var recorded: [Recorded] = []
            var figures = result.figures.makeIterator()
            for output in result.outputs {
                if case .image(let image) = output, let png = figures.next() {
                    recorded.append(.figure(Shown(png: png, width: image.width, height: image.height)))
                } else {
                    recorded.append(.output(output))
                }
            }
            entries.append(Entry(kind: .code, source: cell.source, outputs: recorded, title: cell.title, metadata: cell.metadata))
            Console.output(NotebookFormat.outputLines(result.outputs).map { $0 + "\n" }.joined())
            if result.interrupted {
                Console.error("interrupted at \(label): the rest of the notebook was not run\n")
                return
            }
            if result.failed && !cell.hasTag("raises") {
                Console.error("stopped at \(label): it raised an error\n")
                return
            }
        }
        Console.output("loaded \(number) cells from \(url.path)\n")
    }
}
