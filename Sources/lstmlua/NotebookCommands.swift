// The notebook commands: replay (a transcript, --check or --update) and export.

import ArgumentParser
import Bindings
import Foundation
import Notebooks
import SafeFiles
import Shell

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run notebooks' cells in order and show, check or update their outputs.",
        discussion: """
            Each notebook runs in a fresh Lua state, in its own folder. With no option the
            fresh outputs are shown after each cell's source. --check compares them with the
            saved ones (numbers within the notebook's tolerance, run-dependent text masked,
            figures pixel by pixel within an RMS difference) and exits with 1 on any difference, showing a diff that names the cell. --update
            writes them back (images into NAME.files/); an unchanged notebook is not rewritten.
            """)

    @Flag(help: "Compare fresh outputs with the saved ones; exit 1 on a difference.")
    var check = false

    @Flag(help: "Write the fresh outputs back into the notebook.")
    var update = false

    @Flag(help: "Run untrusted notebooks: no processes, native code or bytecode; writes only in the notebook's folder.")
    var safe = false

    @Option(help: ArgumentHelp("Stop a cell that runs longer than SECONDS.", valueName: "SECONDS"))
    var timeout: Double?

    @Option(help: ArgumentHelp("""
        How --check compares figures, over the notebooks' own settings: tol=N (pixel by pixel, \
        pass when the RMS difference is at most N of 255; the default is tol=2), hash, size or ignore.
        """, valueName: "tol=N|hash|size|ignore"))
    var images: String?

    @Option(name: .customShort("p"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A parameter, as papermill's -p: injected after the cell tagged parameters (repeatable).",
                               valueName: "name value"))
    var parameter: [String] = []

    /// `-p NAME VALUE` as one `-p NAME=VALUE` for the parser, which takes one value an
    /// option and would read a negative number as an option (`-p shift -3`).
    static func pairingParameters(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "-p", i + 2 < arguments.count, !arguments[i + 1].contains("=") {
                out += ["-p", arguments[i + 1] + "=" + arguments[i + 2]]
                i += 3
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }

    @Option(name: .long, help: ArgumentHelp("Parameters from a YAML mapping of names to values, as papermill's.", valueName: "file"))
    var parametersFile: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Write the run, outputs and all, to this notebook (the input is left as it is).",
                                                      valueName: "out.lua"))
    var output: String?

    @Argument(help: ArgumentHelp("Notebook files (.lua).", valueName: "notebook"))
    var notebooks: [String]

    func validate() throws {
        if let images, CheckSettings.ImageCheck(images) == nil {
            throw ValidationError("--images: \(CheckSettings.ImageCheck.expected), not '\(images)'")
        }
        if check && update { throw ValidationError("--check and --update cannot be used together") }
        if notebooks.isEmpty { throw ValidationError("name at least one notebook") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a number of seconds > 0") }
        if let bad = parameter.first(where: { !$0.contains("=") }) {
            throw ValidationError("-p takes a name and a value: -p lr 0.005 (not '\(bad)')")
        }
        if output != nil && notebooks.count != 1 { throw ValidationError("-o writes one notebook: name one input") }
        if output != nil && check { throw ValidationError("--check and -o cannot be used together") }
        if let output, !update, let input = notebooks.first, ExportCommand.sameFile(output, input) {
            throw ValidationError("-o names the input notebook, which changes only with --update")
        }
    }

    /// The parameters from -p and --parameters-file (-p last: it wins, as in papermill).
    func parameters() throws -> [(String, ParameterValue)] {
        var all: [(String, ParameterValue)] = []
        if let file = parametersFile {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            all = try NotebookParameters.yaml(String(decoding: data, as: UTF8.self), file: file)
        }
        let pairs = parameter.map { p in
            let cut = p.firstIndex(of: "=") ?? p.endIndex
            return (String(p[..<cut]), cut == p.endIndex ? "" : String(p[p.index(after: cut)...]))
        }
        for (name, value) in try NotebookParameters.commandLine(pairs) {
            all.removeAll { $0.0 == name }
            all.append((name, value))
        }
        return all
    }

    func run() throws {
        var replay = NotebookReplay(mode: check ? .check : update || output != nil ? .update : .transcript, safe: safe,
                                    timeout: timeout, images: images.flatMap(CheckSettings.ImageCheck.init))
        do { replay.parameters = try parameters() } catch {
            Console.error("lstmlua replay: \(error)\n")
            throw ExitCode(2)
        }
        replay.output = output
        var failed = false
        for path in notebooks {
            let report: NotebookReplay.Report
            do { report = try replay.run(path) } catch let error as NotebookReplay.Interrupted {
                // as a shell's Ctrl-C: the other notebooks are not run either
                Console.error("lstmlua replay: \(error.description)\n")
                throw ExitCode(130)
            } catch {
                Console.error("lstmlua replay: \(error)\n")
                failed = true
                continue
            }
            switch replay.mode {
            case .check:
                if report.failures.isEmpty {
                    Console.output("\(path): \(report.cellsRun) cells ran, outputs match\n")
                } else {
                    failed = true
                    Console.output("\(path): \(report.failures.count) of \(report.cellsRun) cells differ\n"
                                   + report.failures.map { $0.description + "\n" }.joined())
                }
            case .update:
                let result = output.map { "written to \($0)" } ?? (report.rewritten ? "outputs updated" : "unchanged")
                Console.output("\(path): \(report.cellsRun) cells ran, \(result)\n")
                if !report.unexpectedErrors.isEmpty {
                    failed = true
                    Console.error("\(path): errors in \(report.unexpectedErrors.joined(separator: ", ")) (tag a cell tags=[\"raises\"] when its error is expected)\n")
                }
            case .transcript:
                if !report.unexpectedErrors.isEmpty { failed = true }
            }
        }
        if failed { throw ExitCode(1) }
    }
}

extension ExportCommand {
    /// Whether two paths name the same file (through links), or the same path when neither exists.
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat(), y = stat()
        if stat(a, &x) == 0 && stat(b, &y) == 0 { return x.st_dev == y.st_dev && x.st_ino == y.st_ino }
        return URL(fileURLWithPath: a).standardizedFileURL == URL(fileURLWithPath: b).standardizedFileURL
    }

    /// Why writing `path` would destroy a notebook (the input itself, or another one), if it would.
    static func wouldLoseANotebook(_ path: String, input: String) -> String? {
        var a = stat(), b = stat()
        guard stat(path, &a) == 0, a.st_mode & S_IFMT == S_IFREG else { return nil }
        if stat(input, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino { return "it is the notebook being exported" }
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
        return NotebookFormat.looksLikeNotebook(String(decoding: head, as: UTF8.self)) ? "it is a notebook" : nil
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a notebook as a Jupyter notebook (.ipynb), Markdown or a self-contained HTML page.",
        discussion: "The saved outputs are exported as they are; run `lstmlua replay --update` first to refresh them.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case ipynb, md, html }

    @Argument(help: ArgumentHelp("The notebook file (.lua).", valueName: "notebook"))
    var notebook: String

    @Option(help: "ipynb, md or html.")
    var to: Format

    @Option(name: [.short, .long], help: ArgumentHelp("Where to write (default: beside the notebook, with the format's extension).", valueName: "file"))
    var output: String?

    @Flag(help: "Overwrite the output even when it is the notebook itself or another notebook.")
    var force = false

    func run() throws {
        let (nb, header): (Notebook, NotebookHeader)
        do { (nb, header) = try NotebookReplay.load(notebook) } catch {
            Console.error("lstmlua export: \(error.description)\n")
            throw ExitCode(1)
        }
        let url = URL(fileURLWithPath: notebook).standardizedFileURL
        let images = ImageStore(notebook: url)
        let destination = output.map { URL(fileURLWithPath: $0) } ?? url.deletingPathExtension().appendingPathExtension(to.rawValue)
        let data: Data
        switch to {
        case .ipynb: data = try IpynbExport.json(nb, header: header, image: images.data(of:))
        case .md:
            let folder = relativeFolderPath(from: destination.deletingLastPathComponent(), to: url.deletingLastPathComponent())
            data = Data(MarkdownExport.text(nb, imageFolder: folder).utf8)
        case .html: data = Data(HTMLExport.page(nb, title: url.deletingPathExtension().lastPathComponent, image: images.data(of:)).utf8)
        }
        if !force, let reason = ExportCommand.wouldLoseANotebook(destination.path, input: url.path) {
            Console.error("lstmlua export: not writing \(destination.path): \(reason); --force overwrites it\n")
            throw ExitCode(1)
        }
        do { try SafeFile.write(data, to: destination.path) } catch {
            Console.error("lstmlua export: \(error.description)\n")
            throw ExitCode(1)
        }
        let missing = nb.cells.flatMap(\.outputs).compactMap { output -> String? in
            guard case .image(let img) = output, images.data(of: img) == nil else { return nil }
            return img.path
        }
        if !missing.isEmpty { Console.error("lstmlua export: missing images: \(missing.joined(separator: ", "))\n") }
        Console.output("wrote \(destination.path)\n")
    }
}
