// The lstmlua command as the lua command behaves: scripts with arguments, -e,
// -v, stdin, and errors that print a traceback and exit 1.

import Foundation
import Testing

@Suite(.serialized) struct CommandLineTests {
    @Test func scriptGetsArgTableAndVarargs() throws {
        let s = try Command.script("""
            print(arg[0], arg[1], arg[2], #arg)
            print(...)
            print(arg[-1] ~= nil)
            """)
        let r = try Command.run([s.path, "one", "two words"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "\(s.path)\tone\ttwo words\t2")
        #expect(lines[1] == "one\ttwo words")
        #expect(lines[2] == "true")
    }

    @Test func scriptArgumentsThatLookLikeOptionsGoToTheScript() throws {
        let s = try Command.script("print(table.concat(arg, ' '))")
        let r = try Command.run([s.path, "--iterations", "5", "-v", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout == "--iterations 5 -v --help\n")
    }

    @Test func lstmluaISABaselineKeepsProductsInLstmluasOwnKernels() throws {
        // Row i of a product equals the product of row i alone (which is small enough
        // for lstmlua's own kernel) only when the whole product ran there too.
        let s = try Command.script("""
            torch.manual_seed(3)
            local a, b = torch.randn(64, 200), torch.randn(200, 120)
            local whole = torch.mm(a, b)
            local same = true
            for i = 1, 64 do
              if not torch.equal(torch.mm(a:narrow(1, i, 1), b), whole:narrow(1, i, 1)) then same = false end
            end
            print(torch.backends.blas_info().isa, same)
            """)
        let baseline = try Command.run([s.path], environment: ["LSTMLUA_ISA": "baseline"])
        #expect(baseline.stdout == "baseline\ttrue\n", "\(baseline.stdout)\(baseline.stderr)")
        let native = try Command.run(["-e", "print(torch.backends.blas_info().isa)"], environment: ["LSTMLUA_ISA": "native"])
        #expect(["avx512\n", "x86-64-v3\n", "baseline\n"].contains(native.stdout))
        let typo = try Command.run(["-e", "print(1)"], environment: ["LSTMLUA_ISA": "sse9"])
        #expect(typo.status == 2)
        #expect(typo.stdout.isEmpty)
        #expect(typo.stderr.contains("LSTMLUA_ISA=sse9 names no instruction set: use native, avx512, x86-64-v3, baseline"))
    }

    @Test func aHundredThousandScriptArgumentsPassThrough() throws {
        // They reach the script untouched, options and all (the parser sees only what
        // comes before the script: given them all, it took seconds per 10 000).
        let s = try Command.script("print(#arg, arg[1], arg[2], arg[#arg])")
        let many = ["--help", "-v"] + (3...100_000).map(String.init)
        let r = try Command.run(["-e", "x = 1", s.path] + many, killAfter: 60)
        #expect(r.status == 0, "\(r.stderr.prefix(500))")
        #expect(r.stdout == "100000\t--help\t-v\t100000\n")
    }

    @Test func anUnknownOptionIsNotTakenForAScript() throws {
        let r = try Command.run(["--frobnicate"])
        #expect(r.status == 1)
        #expect(r.stderr == "lstmlua: unrecognized option '--frobnicate' (lstmlua -h lists the options)\n")
    }

    @Test func evaluatesCodeWithE() throws {
        let r = try Command.run(["-e", "print(torch.ones(2):sum():item())"])
        #expect(r.status == 0)
        #expect(r.stdout == "2.0\n")
    }

    @Test func versionAndHelp() throws {
        let v = try Command.run(["-v"])
        #expect(v.status == 0)
        #expect(v.stdout.hasPrefix("lstmlua "))
        #expect(v.stdout.contains("Lua 5.4"))
        let h = try Command.run(["--help"])
        #expect(h.status == 0)
        #expect(h.stdout.contains("USAGE"))
    }

    @Test func helpListsEverySubcommandAndEachHasItsOwn() throws {
        let h = try Command.run(["-h"])
        #expect(h.status == 0)
        for name in ["run", "replay", "export"] {
            #expect(h.stdout.contains("\n  \(name) "), "\(name) in:\n\(h.stdout)")
        }
        let replay = try Command.run(["replay", "-h"])
        #expect(replay.status == 0)
        #expect(replay.stdout.contains("USAGE: lstmlua replay"), "\(replay.stdout)")
        #expect(replay.stdout.contains("--check"))
        let export = try Command.run(["help", "export"])
        #expect(export.stdout.contains("USAGE: lstmlua export"), "\(export.stdout)")
        // a script's own -h still goes to the script
        let s = try Command.script("print(arg[1])")
        #expect(try Command.run([s.path, "-h"]).stdout == "-h\n")
    }

    @Test func uncaughtErrorPrintsTracebackAndExits1() throws {
        let s = try Command.script("""
            local function inner() error("boom") end
            inner()
            """, name: "fails.lua")
        let r = try Command.run([s.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("fails.lua:1: boom"))
        #expect(r.stderr.contains("stack traceback:"))
        #expect(r.stderr.contains("in local 'inner'") || r.stderr.contains("in upvalue 'inner'") || r.stderr.contains("inner"))
    }

    @Test func errorsFromThePreludeShowOnlyTheCallersLines() throws {
        for (code, message) in [("nn.Linear(3, 2)(torch.ones(4))", "bad argument #1 to 'linear'"),
                                ("nn.Sequential(nn.Linear(3, 2)):add_module(\"five\", 6)", "bad argument #2 to 'add_module'")] {
            let s = try Command.script("local ok = true\n\(code)\n", name: "prelude_error.lua")
            let r = try Command.run([s.path])
            #expect(r.status == 1)
            #expect(r.stderr.contains("prelude_error.lua:2: \(message)"), "\(r.stderr)")
            #expect(r.stderr.contains("prelude_error.lua:2: in main chunk"), "\(r.stderr)")
            #expect(!r.stderr.contains("lstmlua:nn"), "\(r.stderr)")
        }
    }

    @Test func missingScriptIsOneLine() throws {
        let r = try Command.run(["no/such/script.lua"])
        #expect(r.status == 1)
        #expect(r.stderr == "lstmlua: cannot open no/such/script.lua (No such file or directory)\n")
    }

    @Test func syntaxErrorIsReported() throws {
        let s = try Command.script("x = = 1", name: "bad.lua")
        let r = try Command.run([s.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad.lua:1:"))
    }

    @Test func runsStandardInputWhenPiped() throws {
        let r = try Command.run([], stdin: "print('from stdin', 1 + 1)")
        #expect(r.status == 0)
        #expect(r.stdout == "from stdin\t2\n")
        let dash = try Command.run(["-", "x"], stdin: "print(...)")
        #expect(dash.stdout == "x\n")
    }

    @Test func shebangLineIsSkipped() throws {
        let s = try Command.script("#!/usr/bin/env lstmlua\nprint('ok')\nerror('line 3')")
        let r = try Command.run([s.path])
        #expect(r.stdout == "ok\n")
        #expect(r.stderr.contains(":3: line 3"))
    }

    @Test func allStandardLibrariesArePresent() throws {
        let r = try Command.run(["-e", "print(type(string), type(table), type(math), type(io), type(os), type(coroutine), type(utf8), type(debug), type(package))"])
        #expect(r.stdout == "table\ttable\ttable\ttable\ttable\ttable\ttable\ttable\ttable\n")
    }

    /// The garbage collector sees tensor memory: a million temporaries of 1,000
    /// elements (4 GB in all) stay far below 200 MB, with no collectgarbage() in the loop.
    @Test func temporariesDoNotGrowTheProcess() throws {
        let s = try Command.script("""
            for i = 1, 1000000 do
              local t = torch.ones(1000)
            end
            for line in io.lines("/proc/self/status") do
              local kb = line:match("^VmHWM:%s+(%d+) kB")
              if kb then print(kb) end
            end
            """)
        let r = try Command.run([s.path])
        #expect(r.status == 0)
        let peakKB = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? Int.max
        #expect(peakKB < 200 * 1024, "peak RSS \(peakKB) kB")
    }
}

@Suite(.serialized) struct TerminalOutputTests {
    @Test func showDrawsBrailleOnStdout() throws {
        let r = try Command.run(["-e", "plot.line({0, 1, 0, 1}, {title = 'zigzag', label = 'z'}):show{columns = 40, rows = 6}"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("zigzag"))
        #expect(r.stdout.unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }, "braille dots")
        #expect(r.stdout.contains("── z"), "legend")
        #expect(!r.stdout.contains("\u{1B}["), "no colour codes when stdout is not a terminal")
    }

    @Test func progressWritesPlainLinesToStderrWhenNotATerminal() throws {
        let r = try Command.run(["-e", "for i, bar in torch.progress(1, 8, {desc = 'fit'}) do bar:set_postfix{loss = 0.5} end print('ok')"])
        #expect(r.stdout == "ok\n")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 4, "\(r.stderr)")
        #expect(lines.last?.hasPrefix("fit 100%|██████████| 8/8 [") == true)
        #expect(lines.last?.hasSuffix(", loss=0.5000]") == true)
        #expect(!r.stderr.contains("\r"))
    }
}
