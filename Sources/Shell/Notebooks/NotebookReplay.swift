// `lstmlua replay`: runs a notebook's code cells in order in one fresh Lua state,
// in the notebook's folder, and then
//   shows a transcript (each cell's source, then its fresh outputs),
//   checks the fresh outputs against the saved ones (--check), or
//   writes them back into the file (--update).
// Cell tags act as nbval's markers: `skip` (not run; saved outputs kept),
// `ignore-output` (run, not compared) and `raises` (an error is expected).

import Bindings
import Foundation
import Notebooks
import SafeFiles

public struct NotebookReplay {
    public enum Mode { case transcript, check, update }

    public var mode: Mode
    public var safe = false
    public var timeout: Double?
    /// How images are compared, when set on the command line (over the notebook's settings).
    public var images: CheckSettings.ImageCheck?
    /// Papermill's parameters, injected after the cell tagged `parameters`.
    public var parameters: [(String, ParameterValue)] = []
    /// Where an update writes (papermill's output notebook); the notebook itself when nil.
    public var output: String?

    public init(mode: Mode, safe: Bool = false, timeout: Double? = nil, images: CheckSettings.ImageCheck? = nil) {
        self.mode = mode
        self.safe = safe
        self.timeout = timeout
        self.images = images
    }

    /// A problem with one cell, as --check reports it.
    public struct Failure: CustomStringConvertible {
        public let label: String
        public let line: Int
        public let problem: String
        public let diff: [String]

        public var description: String {
            ([" \(label) (line \(line)): \(problem)"] + diff.map { "    " + $0 }).joined(separator: "\n")
        }
    }

    public struct Report {
        public let path: String
        public var cellsRun = 0
        public var failures: [Failure] = []
        /// For --update: whether the file changed.
        public var rewritten = false
        /// Cells that raised an error they were not tagged to raise.
        public var unexpectedErrors: [String] = []
    }

    public struct Unreadable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Ctrl-C stopped the replay: nothing was written (with --update, the notebook and its
    /// images are as they were).
    public struct Interrupted: Error, CustomStringConvertible {
        public let path: String
        public let label: String
        public var description: String { "\(path): interrupted in \(label); nothing was written" }
    }

    /// Reads and parses a notebook file.
    public static func load(_ path: String) throws(Unreadable) -> (Notebook, NotebookHeader) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Unreadable(description: "\(path): cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Unreadable(description: "\(path): not UTF-8 text") }
        do {
            let notebook = try NotebookFormat.parse(text)
            return (notebook, try NotebookHeader(lines: notebook.header))
        } catch let e as NotebookFormat.SyntaxError {
            throw Unreadable(description: "\(path): \(e.description)")
        } catch {
            throw Unreadable(description: "\(path): \(error)")
        }
    }

    /// Replays one notebook; the transcript (in transcript mode) goes to stdout as cells finish.
    /// Ctrl-C stops it all (Interrupted), and an update writes the notebook and its new
    /// images only once every cell has run: a failed replay never rewrites the notebook.
    public func run(_ path: String) throws -> Report {
        var (notebook, header) = try NotebookReplay.load(path)
        if !parameters.isEmpty { notebook = NotebookParameters.inject(parameters, into: notebook).0 }
        var base = CheckSettings()
        if let images {
            base.images = images
            base.imagesFixed = true
        }
        let settings: CheckSettings
        do { settings = try header.checkSettings(base: base) } catch { throw Unreadable(description: "\(path): \(error.description)") }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        // what an update writes, and where its images go: the output notebook's folder
        let target = output.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? url
        var report = Report(path: path)

        let previousDirectory = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(url.deletingLastPathComponent().path)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previousDirectory) }

        let runtime = Runtime()
        runtime.setArguments(interpreter: ["lstmlua", "replay"], script: url.lastPathComponent, arguments: [])
        if safe { Sandbox.enter(runtime, writableRoot: url.deletingLastPathComponent().path) }
        // The transcript prints the images' paths: they are written as they come. An
        // update writes the images it keeps at the end, with the notebook.
        let runner = CellRunner(runtime: runtime, notebook: target, writeImages: mode == .transcript, timeout: timeout)
        runner.chunkName = "@" + url.lastPathComponent
        var newFigures: [(image: Output.Image, png: Data)] = []

        var number = 0
        for index in notebook.cells.indices {
            let cell = notebook.cells[index]
            guard cell.kind == .code else {
                if mode == .transcript { NotebookReplay.printProse(cell) }
                continue
            }
            number += 1
            let label = cell.label(number: number)
            if mode == .transcript { NotebookReplay.printSource(cell, label: label) }
            if cell.hasTag("skip") {
                if mode == .transcript { Console.output("  (skipped)\n") }
                continue
            }
            let result = runner.run(cell)
            if result.interrupted { throw Interrupted(path: path, label: label) }
            report.cellsRun += 1
            let expected = cell.hasTag("raises")
            if result.failed && !expected { report.unexpectedErrors.append(label) }
            switch mode {
            case .transcript:
                Console.output(NotebookFormat.outputLines(result.outputs).map { $0 + "\n" }.joined())
            case .update:
                // Outputs that still match (run-dependent text masked, numbers within
                // tolerance) stay as saved, so a rerun changes only what really changed.
                let cellSettings = (try? settings.forCell(cell, label: label)) ?? settings
                let images = NotebookReplay.comparer(for: result, store: runner.images)
                if OutputComparison.diff(saved: cell.outputs, fresh: result.outputs, settings: cellSettings, images: images) != nil {
                    notebook.cells[index].outputs = result.outputs
                    newFigures += NotebookReplay.figures(of: result)
                }
            case .check:
                if let failure = NotebookReplay.compare(cell, result, label: label, settings: settings, store: runner.images) {
                    report.failures.append(failure)
                }
            }
        }

        if mode == .update {
            for (image, png) in newFigures {
                do { _ = try runner.images.image(png: png, width: image.width, height: image.height, write: true) } catch {
                    throw Unreadable(description: "\(path): cannot write \(image.path): \(error); the notebook was left as it was")
                }
            }
            let text = NotebookFormat.write(notebook)
            let old = try? String(contentsOfFile: target.path, encoding: .utf8)
            if old != text {
                do { try SafeFile.write(Data(text.utf8), to: target.path) } catch {
                    throw Unreadable(description: error.description)
                }
                report.rewritten = true
            }
            var used = Set<String>()
            for cell in notebook.cells {
                for case .image(let image) in cell.outputs { used.insert(image.path) }
            }
            ImageStore(notebook: target).removeUnused(keeping: used)
        }
        return report
    }

    /// A run's image outputs with their PNG bytes.
    static func figures(of result: CellRunner.Result) -> [(image: Output.Image, png: Data)] {
        let images = result.outputs.compactMap { output -> Output.Image? in
            if case .image(let image) = output { return image } else { return nil }
        }
        return Array(zip(images, result.figures))
    }

    /// Compares a cell's saved figures (in the notebook's folder) with the fresh ones (in memory).
    static func comparer(for result: CellRunner.Result, store: ImageStore) -> ImageComparer {
        var fresh: [String: Data] = [:]
        for (image, png) in figures(of: result) { fresh[image.path] = png }
        return ImageComparer(saved: store.data(of:), fresh: { fresh[$0.path] })
    }

    /// A failing cell's new figures are written beside the saved ones, for a look.
    static func keepNewFigures(_ cell: Cell, _ result: CellRunner.Result, store: ImageStore) -> [String] {
        let saved = Set(cell.outputs.compactMap { if case .image(let i) = $0 { return i.path } else { return nil } })
        return figures(of: result).filter { !saved.contains($0.image.path) }.compactMap { image, png in
            (try? store.image(png: png, width: image.width, height: image.height, write: true)).map(\.path)
        }
    }

    static func compare(_ cell: Cell, _ result: CellRunner.Result, label: String, settings: CheckSettings,
                        store: ImageStore) -> Failure? {
        let expected = cell.hasTag("raises")
        if result.failed && !expected {
            let message = result.outputs.compactMap { if case .error(let m) = $0 { return m } else { return nil } }.last ?? ""
            return Failure(label: label, line: cell.line, problem: "raised an error: \(message)",
                           diff: OutputComparison.diff(saved: cell.outputs, fresh: result.outputs, settings: settings) ?? [])
        }
        if expected && !result.failed {
            return Failure(label: label, line: cell.line, problem: "was expected to raise an error (tag raises) and did not", diff: [])
        }
        if cell.hasTag("ignore-output") { return nil }
        let cellSettings: CheckSettings
        do { cellSettings = try settings.forCell(cell, label: label) } catch {
            return Failure(label: label, line: cell.line, problem: error.description, diff: [])
        }
        let images = comparer(for: result, store: store)
        guard var diff = OutputComparison.diff(saved: cell.outputs, fresh: result.outputs, settings: cellSettings, images: images) else {
            return nil
        }
        let written = keepNewFigures(cell, result, store: store)
        if !written.isEmpty { diff.append("new images written for a look: " + written.joined(separator: ", ")) }
        return Failure(label: label, line: cell.line, problem: "outputs differ (- saved, + now)", diff: diff)
    }

    // MARK: the transcript

    static func printProse(_ cell: Cell) {
        Console.output(cell.source.map { "  " + $0 + "\n" }.joined())
    }

    static func printSource(_ cell: Cell, label: String) {
        Console.output("-- %% [\(label)]\n" + cell.source.map { $0 + "\n" }.joined())
    }
}
