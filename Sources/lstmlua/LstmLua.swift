// The lstmlua command: run a script, evaluate code, or (with no script) open the REPL;
// its subcommands (replay, export) are the notebook commands.

import ArgumentParser
import Bindings
import Foundation
import Notebooks
import Shell

#if canImport(Glibc)
import Glibc
#endif

let version = "0.1.0"

/// The command line. Running scripts is the default subcommand, so that a script and
/// its arguments are passed through untouched while `lstmlua replay ...` still finds
/// its subcommand (a command's own passthrough argument would swallow the name).
struct LstmLua: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lstmlua",
        abstract: "Small sequence-model experiments in Lua, over a native tensor core.",
        usage: """
            lstmlua [-e <code> ...] [-i] [<script> [<args> ...]]
            lstmlua <subcommand> ...
            """,
        discussion: """
            With a script, runs it with the rest of the command line as its `arg` table,
            as the lua command does. With no script on a terminal, opens the REPL; with
            no script and input from a pipe (or the script "-"), runs standard input.
              -e <code>   runs the Lua code first (may be repeated)
              -i          opens the REPL after the script, even when it fails
              -v          prints the version
            A script named like a subcommand is run as ./NAME.
            """,
        subcommands: [RunCommand.self, ReplayCommand.self, ExportCommand.self, KernelCommand.self],
        defaultSubcommand: RunCommand.self)

    /// The parser takes time quadratic in the number of passed-through arguments
    /// (20 000 took 11 s), so it reads the command line only up to the script: the
    /// shortest prefix it parses as a run with a script ends there, and what follows
    /// is the script's, untouched. Anything else is parsed whole, as usual.
    static func mainWithScriptArguments() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "replay" { return main(ReplayCommand.pairingParameters(arguments)) }
        guard arguments.count > 64 else { return main() }
        for end in 1...64 {
            guard var run = (try? parseAsRoot(Array(arguments[..<end]))) as? RunCommand else { continue }
            guard !run.script.isEmpty else { continue }
            run.script += arguments[end...]
            do { try run.run() } catch { exit(withError: error) }
            return
        }
        main()
    }
}

extension RunCommand {
    /// Whether the file reads as a notebook (a cell marker in its first 64 KiB).
    static func isNotebook(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 1 << 16) else { return false }
        return NotebookFormat.looksLikeNotebook(String(decoding: head, as: UTF8.self))
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a script, code given with -e or standard input, or open the REPL.",
        usage: "lstmlua [run] [-e <code> ...] [-i] [<script> [<args> ...]]")

    @Option(name: .short, help: ArgumentHelp("Run the Lua code CODE first.", valueName: "CODE"))
    var e: [String] = []

    @Flag(name: .short, help: "Open the REPL after running the script.")
    var i = false

    @Flag(name: [.short, .long], help: "Print the version and exit.")
    var version = false

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The script and its arguments.", valueName: "script [args]"))
    var script: [String] = []

    func run() throws {
        // The script's arguments are passed through untouched, so help is recognised here.
        if script.first == "-h" || script.first == "--help" {
            print(LstmLua.helpMessage())
            return
        }
        if version {
            print("lstmlua \(lstmluaVersion) (Lua 5.4)")
            return
        }
        // As lua.c: what looks like an option before the script is one, known or not
        // (a script whose name starts with '-' is run as ./-name).
        if let first = script.first, first.hasPrefix("-"), first != "-" {
            Console.error("lstmlua: unrecognized option '\(first)' (lstmlua -h lists the options)\n")
            throw ExitCode(1)
        }
        // A notebook (Jupytext's `-- %%` cells) runs cell by cell, as `lstmlua replay`
        // shows it: a cell's last expression is a value there, not a syntax error.
        if let path = script.first, path != "-", e.isEmpty, !i, RunCommand.isNotebook(path) {
            let report: NotebookReplay.Report
            do { report = try NotebookReplay(mode: .transcript).run(path) } catch {
                Console.error("lstmlua: \(error)\n")
                throw ExitCode(error is NotebookReplay.Interrupted ? 130 : 1)
            }
            if !report.unexpectedErrors.isEmpty { throw ExitCode(1) }
            return
        }
        let runtime = Runtime()
        var failed = false
        let path = script.first
        let args = Array(script.dropFirst())
        var interpreter = [CommandLine.arguments.first ?? "lstmlua"]
        for code in e { interpreter += ["-e", code] }
        if i { interpreter.append("-i") }
        runtime.setArguments(interpreter: interpreter, script: path, arguments: args)
        do {
            for (n, code) in e.enumerated() {
                try runtime.runChunk(code, name: e.count == 1 ? "=(command line)" : "=(command line \(n + 1))")
            }
            if let path {
                try runtime.runFile(path, arguments: args)
            } else if e.isEmpty && isatty(0) == 0 {
                try runtime.runFile("-")
            }
        } catch {
            runtime.abortDistributedJob(error.description)
            Console.error("lstmlua: \(error.description)\n")
            // With -i the session opens all the same, to look at what the script left
            // (python -i's post-mortem).
            guard i else { throw ExitCode(1) }
            failed = true
        }
        if path == nil && e.isEmpty && isatty(0) != 0 || i {
            REPL.version = lstmluaVersion
            let repl = REPL(runtime: runtime)
            let session = NotebookSession()
            session.attach(to: repl)
            if failed { Console.error("(the script failed; its globals are kept)\n") }
            repl.run()
        }
        runtime.finishDistributedJob()
    }
}

let lstmluaVersion = version
