// The REPL through a pseudo-terminal: auto-print, continuation lines, completion,
// history across sessions, Ctrl-C in Lua loops and in native calls, errors that
// leave the session going, and help.

import Foundation
import Testing

@Suite(.serialized) struct REPLTests {
    let history: String = {
        FileManager.default.temporaryDirectory.appendingPathComponent("lstmlua-history-\(UUID().uuidString)").path
    }()

    func session() throws -> PTYSession {
        let s = try PTYSession(environment: ["LSTMLUA_HISTORY": history])
        try s.prompt()
        return s
    }

    @Test func printsExpressionsAndContinuesStatements() throws {
        let s = try session()
        s.send("1 + 1\r")
        #expect(try s.prompt().contains("\n2\n"))
        s.send("x = torch.ones(2, 3)\r")
        #expect(!(try s.prompt()).contains("nil"))
        s.send("x\r")
        #expect(try s.prompt().contains("tensor([[1., 1., 1.],\n        [1., 1., 1.]])"))
        s.send("_:sum()\r")
        #expect(try s.prompt().contains("tensor(6.)"))
        s.send("y = x * 2;\r")
        #expect(!(try s.prompt()).contains("tensor"), "a trailing ; prints nothing")
        s.send("k = 6; k * 7\r")
        #expect(try s.prompt().contains("\n42\n"), "as a notebook cell: the last expression after a ;")
        s.send("k;\r")
        #expect(!(try s.prompt()).contains("6"), "an expression with a trailing ; prints nothing")
        s.send("function double(a)\r")
        try s.expect(">> ")
        s.send("  return a * 2\r")
        try s.expect(">> ")
        s.send("end\r")
        try s.prompt()
        s.send("double(21)\r")
        #expect(try s.prompt().contains("42"))
        s.send("{1, 2, name = 'lstm', nested = {deep = {deeper = {deepest = {}}}}}\r")
        let table = try s.prompt()
        #expect(table.contains("name = \"lstm\""))
        #expect(!table.contains("table: 0x"))
        s.send("t = {}; t.me = t\r")
        try s.prompt()
        s.send("t\r")
        #expect(try s.prompt().contains("{me = <cycle>}"))
        s.send(nn.articleModel + "\r")
        #expect(!(try s.prompt()).contains("(rnn)"), "a statement prints nothing")
        s.send("Net()\r")
        #expect(try s.prompt().contains("(rnn): LSTM(1, 10, batch_first=True)"))
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }

    @Test func unicodeTypedPastedEditedAndKeptInHistory() throws {
        let s = try session()
        s.send("s = '你好 世界'; print(#s, utf8.len(s))\r")
        #expect(try s.prompt().contains("13\t5"))
        s.send("s = nil\r")
        try s.prompt()
        s.paste("s = '你好 世界'; print(#s, utf8.len(s))")
        s.send("\r")
        #expect(try s.prompt().contains("13\t5"), "pasted")
        s.paste("p = 'café ☕ 😀'; print(#p, utf8.len(p))")
        s.send("\r")
        #expect(try s.prompt().contains("14\t8"))
        // the cursor steps over a whole character: X lands between 你 and 好
        s.send("'ab你好cd'" + String(repeating: "\u{1B}[D", count: 4) + "X\r")
        #expect(try s.prompt().contains("\"ab你X好cd\""))
        s.send("\u{04}")
        _ = try s.wait()
        let saved = try String(contentsOfFile: history, encoding: .utf8)
        #expect(saved.contains("你好"))

        let again = try session()
        again.send("\u{1B}[A\u{1B}[A\u{1B}[A\u{1B}[A\u{1B}[A\r")
        #expect(try again.prompt().contains("13\t5"), "the entry comes back from history intact")
        again.send("\u{04}")
        _ = try again.wait()
    }

    @Test func aPastedBlockRunsAsOneChunk() throws {
        let s = try session()
        #expect(s.raw.contains("\u{1B}[?2004h"), "bracketed paste is asked for")
        s.paste("""
            local function square(v)
              return v * v
            end
            local total = 0
            for i = 1, 4 do
              total = total + square(i)
            end
            local t = torch.tensor({1, 2, 3})
            local doubled = t * 2
            print('total', total, doubled:sum():item())

            """)
        let block = try s.prompt()
        #expect(block.contains("total\t30\t12"), "\(block)")
        #expect(!block.contains("nil value"))
        s.send("square == nil and total == nil\r")
        #expect(try s.prompt().contains("true"), "the locals stayed in the paste")
        // README's first example, pasted whole
        s.paste(README.firstExample)
        let readme = try s.prompt()
        #expect(readme.contains("tensor([["), "\(readme)")
        #expect(!readme.contains("stdin:"))
        // a pasted expression prints; a paste without a newline waits for more typing
        s.paste("1 +\n41")
        #expect(try s.prompt().contains("42"))
        s.paste("40 +")
        s.send(" 2\r")
        #expect(try s.prompt().contains("42"))
        s.send("\u{04}")
        #expect(try s.wait() == 0)
        let on = s.raw.range(of: "\u{1B}[?2004h", options: .backwards), off = s.raw.range(of: "\u{1B}[?2004l", options: .backwards)
        #expect(on != nil && off != nil && off!.lowerBound > on!.lowerBound, "bracketed paste is off when the REPL ends")
    }

    /// Home, End, Delete, Ctrl-Left/Right and PageUp as xterm (either cursor mode),
    /// tmux/screen, rxvt and the Linux console send them.
    @Test(arguments: ["xterm", "screen-256color", "linux", "rxvt-unicode"])
    func editingKeysOfEveryTerminal(term: String) throws {
        let s = try PTYSession(environment: ["LSTMLUA_HISTORY": history, "TERM": term])
        try s.prompt()
        let homes = ["\u{1B}[1~", "\u{1B}[H", "\u{1B}OH", "\u{1B}[7~"], ends = ["\u{1B}[4~", "\u{1B}[F", "\u{1B}OF", "\u{1B}[8~"]
        for (home, end) in zip(homes, ends) {
            s.send("+ 1" + home + "41 " + end + " + 0\r")
            let out = try s.prompt()
            #expect(out.contains("\n42\n"), "Home \(home.debugDescription), End \(end.debugDescription): \(out)")
        }
        s.send("x123" + homes[0] + "\u{1B}[3~\r")
        #expect(try s.prompt().contains("\n123\n"), "Delete")
        let left = "\u{1B}[1;5D", right = "\u{1B}[1;5C"
        s.send("20 + 2" + left + left + "1\r")
        #expect(try s.prompt().contains("\n122\n"), "Ctrl-Left")
        s.send("10 + 2" + homes[0] + right + "0\r")
        #expect(try s.prompt().contains("\n102\n"), "Ctrl-Right")
        s.send("'page' .. 'up'\r")
        try s.prompt()
        s.send("1\r")
        try s.prompt()
        s.send("'pa\u{1B}[5~\r")
        #expect(try s.prompt().contains("\"pageup\""), "PageUp finds the entry that starts with what is typed")
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }

    @Test func aDumbTerminalGetsNoEscapeCodes() throws {
        let s = try PTYSession(environment: ["LSTMLUA_HISTORY": history, "TERM": "dumb"])
        try s.prompt()
        s.send("error('red on a colour terminal')\r")
        #expect(try s.prompt().contains("[entry 1]:1: red on a colour terminal"))
        s.send("x = torch.ones(2)\r")
        try s.prompt()
        s.send("\u{12}x =")
        s.send("\r")
        try s.prompt()
        s.send("plot.line({1, 3, 2}):show()\r")
        #expect(try s.prompt().contains("┤"))
        s.send("for i, bar in torch.progress(1, 3) do end\r")
        try s.prompt()
        s.send("\u{04}")
        #expect(try s.wait() == 0)
        #expect(!s.raw.contains("\u{1B}"), "\(s.raw.debugDescription)")
    }

    @Test func aFortyColumnTerminalGetsDrawingsThatFit() throws {
        let s = try PTYSession(environment: ["LSTMLUA_HISTORY": history], columns: 40)
        try s.prompt()
        s.send("plot.line({1, 3, 2, 5}, {title = 'forty columns', label = 'loss'}):show()\r")
        let figure = try s.prompt()
        #expect(figure.contains("forty columns"))
        let lines = figure.split(separator: "\n").dropFirst()
        #expect(!lines.isEmpty && lines.allSatisfy { $0.count < 40 }, "\(figure)")
        s.send("for i, bar in torch.progress(1, 100000, {desc = 'train'}) do bar:set_postfix{loss = 0.5} end\r")
        try s.prompt()
        // each redraw is "\r" + the line + ESC[K
        let bar = s.raw.components(separatedBy: "\r").last { $0.contains("100%") }?.components(separatedBy: "\u{1B}[K").first ?? ""
        #expect(!bar.isEmpty && bar.count < 40, "\(bar)")
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }

    @Test func completesGlobalsFieldsAndMethods() throws {
        let s = try session()
        s.send("torch.ze\t")
        try s.expect("ros")
        s.send("\r")
        #expect(try s.prompt().contains("function: torch.zeros"))
        s.send("x = torch.ones(2, 3)\r")
        try s.prompt()
        s.send("x:uns\t")
        try s.expect("queeze")
        s.send("(1):size()\r")
        #expect(try s.prompt().contains("{1, 2, 3}"))
        s.send("require(\"js\t")
        try s.expect("on")
        s.send("\").encode({1})\r")
        #expect(try s.prompt().contains("[1]"))
        s.send("\u{04}")
        _ = try s.wait()
    }

    @Test func historyIsKeptAcrossSessions() throws {
        let first = try session()
        first.send("history_marker = 6 * 7\r")
        try first.prompt()
        first.send("function two_lines()\r")
        try first.expect(">> ")
        first.send("return 'multi' end\r")
        try first.prompt()
        first.send("\u{04}")
        _ = try first.wait()

        let second = try session()
        // up once: the multi-line entry comes back as one
        second.send("\u{1B}[A\r")
        try second.prompt()
        second.send("two_lines()\r")
        let multi = try second.prompt()
        #expect(multi.contains("\"multi\""), "\(multi)")
        // Ctrl-R searches back for the marker
        second.send("\u{12}history_mar")
        second.send("\r")
        try second.prompt()
        second.send("history_marker\r")
        let marker = try second.prompt()
        #expect(marker.contains("42"), "\(marker)")
        second.send("\u{04}")
        _ = try second.wait()
        let saved = try String(contentsOfFile: history, encoding: .utf8)
        #expect(saved.contains("history_marker"))
    }

    @Test func ctrlCStopsLoopsAndNativeCallsAndKeepsTheSession() throws {
        let s = try session()
        s.send("kept = 41\r")
        try s.prompt()
        s.send("while true do end\r")
        Thread.sleep(forTimeInterval: 0.5)
        s.send("\u{03}")
        #expect(try s.prompt().contains("interrupted!"))
        s.send("kept + 1\r")
        #expect(try s.prompt().contains("42"))

        // a training loop: Lua code around native calls
        s.send("model = nn.LSTM(1, 32); opt = optim.Adam(model:parameters(), 0.01); x = torch.randn(50, 4, 1)\r")
        try s.prompt()
        s.send("for i = 1, 1e9 do local out = model(x); opt:zero_grad(); out:sum():backward(); opt:step() end\r")
        Thread.sleep(forTimeInterval: 1.0)
        s.send("\u{03}")
        #expect(try s.prompt().contains("interrupted!"))

        // one long native call: a wide LSTM over a long sequence (seconds of work even on
        // a fast AVX-512 machine, where 1024 units took under a second)
        s.send("big = nn.LSTM(1, 2048)(torch.zeros(10000, 1, 1))\r")
        Thread.sleep(forTimeInterval: 0.5)
        s.send("\u{03}")
        #expect(try s.prompt(timeout: 30).contains("interrupted!"))
        s.send("kept, model.hidden_size\r")
        #expect(try s.prompt().contains("41\t32"))

        // Ctrl-C at the prompt clears the line
        s.send("this is not run")
        s.send("\u{03}")
        try s.prompt()
        s.send("2 + 2\r")
        let after = try s.prompt()
        #expect(after.contains("4"))
        #expect(!after.contains("syntax error"))
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }

    @Test func ctrlCStopsWhatCatchesErrorsAndLoopsInCoroutines() throws {
        let s = try session()
        s.send("early = coroutine.create(function() while true do pcall(function() while true do end end) end end)\r")
        try s.prompt()
        for entry in ["while true do pcall(function() while true do end end) end",
                      "coroutine.wrap(function() while true do end end)()",
                      "while true do pcall(table.sort, {3, 2, 1}, function(a, b) while true do end end) end",
                      "while true do pcall(coroutine.resume, early) end"] {
            s.send(entry + "\r")
            Thread.sleep(forTimeInterval: 0.5)
            s.send("\u{03}")
            #expect(try s.prompt(timeout: 10).contains("interrupted!"), "\(entry)")
        }
        s.send("1 + 1\r")
        #expect(try s.prompt().contains("2"), "the session goes on")
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }

    @Test func memoryStaysBoundedAcrossResets() throws {
        // A loop of 4 MB temporaries, its peak resident memory read from /proc. Each
        // :reset made a runtime whose memory hook the old one's teardown removed (91 MB,
        // then 133 MB, then 1220 MB): tensor state now lives in each runtime.
        let s = try session()
        let measure = "peak_kb = (function() local f = io.open('/proc/self/clear_refs', 'w'); if f then f:write('5'); f:close() end; "
            + "for i = 1, 300 do local t = torch.zeros(1000000) end; "
            + "return tonumber(io.open('/proc/self/status'):read('a'):match('VmHWM:%s*(%d+)')) end)(); print('peak', peak_kb)\r"
        var peaks: [Int] = []
        for round in 0...10 {
            if round > 0 {
                s.send(":reset\r")
                try s.prompt()
            }
            s.send(measure)
            let out = try s.prompt(timeout: 60)
            let line = try #require(out.split(separator: "\n").first { $0.hasPrefix("peak\t") })
            peaks.append(try #require(Int(line.dropFirst(5))))
        }
        // The first reset leaves the old runtime's freed heap with the process (large
        // blocks are kept for reuse: lk_keep_large_blocks), once; after that nothing grows.
        #expect(peaks.dropFirst().allSatisfy { Double($0) <= Double(peaks[1]) * 1.1 }, "peak KB after each reset: \(peaks)")
        #expect(Double(peaks[1]) <= Double(peaks[0]) * 2, "peak KB after each reset: \(peaks)")
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }

    @Test func errorsDoNotEndTheSession() throws {
        let s = try session()
        s.send("error('boom')\r")
        let e = try s.prompt()
        #expect(e.contains("[entry 1]:1: boom"))
        #expect(e.contains("stack traceback:"))
        s.send("torch.zeros(-1)\r")
        #expect(try s.prompt().contains("bad argument #1 to 'zeros'"))
        s.send("x = = 1\r")
        #expect(try s.prompt().contains("unexpected symbol near '='"))
        s.send("1\r")
        #expect(try s.prompt().contains("1"))
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }

    @Test func luaRulesForUnfinishedStringsAndErrorLocations() throws {
        let s = try session()
        s.send("s = 'abc\r")
        let unfinished = try s.prompt()
        #expect(unfinished.contains("[entry 1]:1: unfinished string near ''abc'"), "\(unfinished)")
        #expect(!unfinished.contains(">> "), "not a continuation")
        // a long string still continues
        s.send("long = [[one\r")
        try s.expect(">> ")
        s.send("two]]\r")
        try s.prompt()
        s.send("#long\r")
        #expect(try s.prompt().contains("7"))
        // lines count from 1 in an expression and in a statement, wherever the error is
        s.send("error(\r")
        try s.expect(">> ")
        s.send("'boom')\r")
        let expression = try s.prompt()
        #expect(expression.contains("[entry 4]:1: boom"), "\(expression)")
        s.send("y = error(\r")
        try s.expect(">> ")
        s.send("'boom')\r")
        let statement = try s.prompt()
        #expect(statement.contains("[entry 5]:1: boom"), "\(statement)")
        s.paste("\nlocal a = 1\nlocal b = a + nil;\n")
        let quiet = try s.prompt()
        #expect(quiet.contains("[entry 6]:3: attempt to perform arithmetic on a nil value"), "\(quiet)")
        s.paste("\n(function()\n  error('deep')\nend)()")
        let traceback = try s.prompt()
        #expect(traceback.contains("[entry 7]:3: deep"), "\(traceback)")
        #expect(traceback.contains("[entry 7]:"), "\(traceback)")
        #expect(!traceback.contains("stdin"))
        // the last operation of a one-line expression (a tensor's field looked up) is on line 1
        s.send("torch.ones(2).foo\r")
        let lookup = try s.prompt()
        #expect(lookup.contains("[entry 8]:1: Tensor has no field or method 'foo'"), "\(lookup)")
        // a trailing comment cannot swallow the end of the expression
        s.send("1 + 1 -- two\r")
        #expect(try s.prompt().contains("2"))
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }

    @Test func helpAndMetaCommands() throws {
        let s = try session()
        s.send("?nn.LSTM\r")
        #expect(try s.prompt().contains("A multi-layer LSTM"))
        s.send("help(torch.zeros)\r")
        #expect(try s.prompt().contains("torch.zeros(size..."))
        s.send("?optim.Adam\r")
        #expect(try s.prompt().contains("optim.Adam(params"))
        s.send("w = torch.ones(3)\r")
        try s.prompt()
        s.send(":who\r")
        #expect(try s.prompt().contains("Tensor [3]"))
        s.send(":time torch.randn(100, 100):matmul(torch.randn(100, 100));\r")
        #expect(try s.prompt().contains(" ms"))
        s.send(":reset\r")
        try s.prompt()
        s.send("w\r")
        #expect(try s.prompt().contains("nil"))
        s.send(":help\r")
        #expect(try s.prompt().contains(":time STATEMENT"))
        s.send(":quit\r")
        #expect(try s.wait() == 0)
    }

    @Test func saveAndLoadANotebook() throws {
        let dir = try Command.temporaryDirectory()
        let path = dir.appendingPathComponent("session.lua").path
        let s = try session()
        for entry in ["x = 21", "x * 2", "print('hi')", ":md # Notes", "plot.figure():line({1, 3, 2}):show()", "error('bad')"] {
            s.send(entry + "\r")
            try s.prompt()
        }
        s.send(":save \(path)\r")
        #expect(try s.prompt().contains("saved 5 cells"))
        s.send("\u{04}")
        _ = try s.wait()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("-- %%\nx * 2\n--= 42\n"))
        #expect(text.contains("-- %%\nprint('hi')\n--| hi\n"))
        #expect(text.contains("-- %% [markdown]\n-- # Notes\n"))
        #expect(text.contains("--@ session.files/"))
        #expect(text.contains("-- %% tags=[\"raises\"]\nerror('bad')\n--! [entry 5]:1: bad\n"))
        let check = try Command.run(["replay", "--check", path])
        #expect(check.status == 0, "a saved session replays: \(check.stdout)")

        let again = try session()
        again.send(":load \(path)\r")
        #expect(try again.prompt().contains("loaded 5 cells"))
        again.send("x\r")
        #expect(try again.prompt().contains("21"))
        again.send("\u{04}")
        _ = try again.wait()
    }

    @Test func loadWritesItsImagesKeepsTitlesAndLeaksNothingIntoTheNextEntry() throws {
        let dir = try Command.temporaryDirectory()
        let notebook = dir.appendingPathComponent("exp.lua"), saved = dir.appendingPathComponent("saved.lua")
        try "-- %% Greeting tags=[\"slow\"]\nprint('hello from load')\n\n-- %% A figure\nplot.figure():line({1, 2}):show()\n"
            .write(to: notebook, atomically: true, encoding: .utf8)
        let s = try session()
        s.send(":load \(notebook.path)\r")
        let loaded = try s.prompt()
        #expect(loaded.contains("loaded 2 cells"), "\(loaded)")
        let image = try #require(loaded.split(separator: "\n").first { $0.hasPrefix("--@ exp.files/") })
        let png = dir.appendingPathComponent(String(image.dropFirst(4).split(separator: " ")[0]))
        #expect(FileManager.default.fileExists(atPath: png.path), "the image :load printed is there: \(png.path)")
        s.send("y = 1\r")
        try s.prompt()
        s.send(":save \(saved.path)\r")
        #expect(try s.prompt().contains("saved 3 cells"))
        s.send("\u{04}")
        _ = try s.wait()
        let text = try String(contentsOf: saved, encoding: .utf8)
        #expect(text.contains("-- %% Greeting tags=[\"slow\"]\nprint('hello from load')\n--| hello from load\n"), "\(text)")
        #expect(text.contains("-- %% A figure\n"), "\(text)")
        #expect(text.contains("-- %%\ny = 1\n\n") || text.hasSuffix("-- %%\ny = 1\n"), "the next entry carries nothing of the load: \(text)")
    }

    @Test func interactiveAfterAScript() throws {
        let script = try Command.script("from_script = 'here'\n")
        let s = try PTYSession(arguments: ["-i", script.path], environment: ["LSTMLUA_HISTORY": history])
        try s.prompt()
        s.send("from_script\r")
        #expect(try s.prompt().contains("\"here\""))
        s.send("\u{04}")
        _ = try s.wait()
    }

    @Test func interactiveAfterAFailingScript() throws {
        let script = try Command.script("before_error = torch.ones(2) * 21\nlocal x = nil + 1\nafter_error = true\n", name: "fails.lua")
        let s = try PTYSession(arguments: ["-i", script.path], environment: ["LSTMLUA_HISTORY": history])
        let opening = try s.prompt()
        #expect(opening.contains("fails.lua:2: attempt to perform arithmetic on a nil value"), "\(opening)")
        s.send("before_error:sum(), after_error\r")
        #expect(try s.prompt().contains("tensor(42.)\tnil"))
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }
}

enum README {
    /// The first code block of README.md.
    static var firstExample: String {
        let text = (try? String(contentsOf: Command.root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
        guard let start = text.range(of: "```lua\n"), let end = text.range(of: "```", range: start.upperBound..<text.endIndex) else { return "" }
        return String(text[start.upperBound..<end.lowerBound])
    }
}

enum nn {
    static let articleModel = "Net = nn.Module:extend('Net'); function Net:init() self.rnn = nn.LSTM{input_size=1, hidden_size=10, batch_first=true}; self.linear = nn.Linear(10, 1) end"
}

extension PTYSession {
    /// Waits for the primary prompt at the start of a line; returns what came before it.
    @discardableResult
    func prompt(timeout: Double = 20) throws -> String { try expect("\n> ", timeout: timeout) }
}
