// Notebooks end to end: every notebook in Notebooks/ passes `replay --check`; a
// changed number, a changed line and an unexpected error each fail it with a diff
// naming the cell; --update is stable; --safe refuses each escape; --timeout
// stops a cell; exports open in Jupyter (nbformat validates them).

import CCairo
import Foundation
import Testing

let notebookFiles: [String] = {
    let dir = Command.root.appendingPathComponent("Notebooks")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".lua") }.sorted()
}()

/// A notebook in a fresh folder (with a copy of its .files when there is one).
func notebookCopy(_ text: String, name: String = "nb.lua") throws -> URL {
    let dir = try Command.temporaryDirectory()
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}

@Suite(.serialized) struct NotebookFolderTests {
    @Test func theFolderHasTheNotebooksTheIssueAsksFor() {
        for name in ["sine_lstm.lua", "rnn_vs_lstm_vs_gru.lua", "lstm_from_scratch.lua", "checkpoints.lua", "sunspots.lua", "plots.lua"] {
            #expect(notebookFiles.contains(name), "Notebooks/\(name)")
        }
    }

    @Test("lstmlua NB.lua runs the notebook cell by cell", arguments: notebookFiles)
    func notebookRunsAsAScript(_ name: String) throws {
        // The transcript writes the figures it shows beside the notebook; on another CPU
        // their bytes (so their names) differ from the saved ones: those are not kept.
        let figures = Command.root.appendingPathComponent("Notebooks/" + name.replacingOccurrences(of: ".lua", with: ".files"))
        let existed = FileManager.default.fileExists(atPath: figures.path)
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: figures.path)) ?? [])
        defer {
            if !existed { try? FileManager.default.removeItem(at: figures) }
            for file in (try? FileManager.default.contentsOfDirectory(atPath: figures.path)) ?? [] where !before.contains(file) {
                try? FileManager.default.removeItem(at: figures.appendingPathComponent(file))
            }
        }
        let r = try Command.run(["Notebooks/" + name])
        #expect(r.status == 0, "\(r.stdout.suffix(1000))\(r.stderr.suffix(1000))")
        #expect(r.stdout.contains("-- %% [cell 1"), "the transcript, as replay shows it")
    }

    @Test("replay --check passes", arguments: notebookFiles)
    func notebookChecks(_ name: String) throws {
        let r = try Command.run(["replay", "--check", "Notebooks/" + name])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("outputs match"))
        let status = try Command.run(["replay", "--check", name], directory: Command.root.appendingPathComponent("Notebooks"))
        #expect(status.status == 0, "the notebook runs in its own folder whatever the current one")
        // nothing left behind in the repository's folder
        let left = try FileManager.default.contentsOfDirectory(atPath: Command.root.appendingPathComponent("Notebooks").path)
        #expect(!left.contains { $0.hasSuffix(".safetensors") || $0.hasPrefix(".") && $0.contains("tmp") })
    }
}

@Suite(.serialized) struct NotebookReplayTests {
    static let demo = """
        -- %% [markdown]
        -- # Demo

        -- %% Setup
        torch.manual_seed(0)
        x = torch.randn(2, 2)
        x

        -- %% Words
        print("hello")
        print(string.format("loss %.4f", x:sum():item()))

        -- %% Plot
        plot.figure{title = "line"}:line({1, 3, 2}):show()

        -- %% Fails on purpose tags=["raises"]
        error("boom")

        -- %% Quiet
        y = x * 2;

        """

    func updated() throws -> URL {
        let url = try notebookCopy(Self.demo)
        let r = try Command.run(["replay", "--update", url.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        return url
    }

    @Test func ctrlCDuringAnUpdateStopsTheReplayAndLeavesTheFileAsItWas() throws {
        let url = try notebookCopy("-- %% First\nprint('one')\n--| stale\n\n-- %% Loop\nio.open('started', 'w'):close()\nwhile true do end\n\n"
                                   + "-- %%\nplot.figure():line({1, 2}):show()\n")
        let before = try Data(contentsOf: url)
        let old = Date(timeIntervalSince1970: 1_577_836_800)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: url.path)
        let folder = url.deletingLastPathComponent()
        let p = Process()
        p.executableURL = Command.binary
        p.arguments = ["replay", "--update", url.lastPathComponent]
        p.currentDirectoryURL = folder
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let started = folder.appendingPathComponent("started")
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: started.path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        Thread.sleep(forTimeInterval: 0.1)
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 130, "\(message)")
        #expect(message.contains("interrupted in cell 2 \"Loop\"; nothing was written"), "\(message)")
        #expect(try Data(contentsOf: url) == before)
        let mtime = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
        #expect(mtime == old)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".files").path),
                "no image written either")
    }

    @Test func stdoutAndStderrAreStoredInTheOrderTheyWereWritten() throws {
        let url = try notebookCopy("-- %%\nprint('a')\nio.stderr:write('b\\n')\nio.write('c\\n')\nio.stderr:write('d\\n')\nprint('e')\n")
        let r = try Command.run(["replay", "--update", url.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasSuffix("print('e')\n--| a\n--: b\n--| c\n--: d\n--| e\n"), "\(text)")
        let ipynb = url.deletingPathExtension().appendingPathExtension("ipynb")
        #expect(try Command.run(["export", url.path, "--to", "ipynb"]).status == 0)
        let nb = try JSONSerialization.jsonObject(with: Data(contentsOf: ipynb)) as? [String: Any]
        let cell = (nb?["cells"] as? [[String: Any]])?.first
        let names = (cell?["outputs"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["stdout", "stderr", "stdout", "stderr", "stdout"], "one stream output per run of a stream")
    }

    @Test func papermillParametersAreInjectedAfterTheParametersCellAndWrittenToTheOutput() throws {
        let source = "-- %% Settings tags=[\"parameters\"]\nlr = 0.01\nname = 'default'\n\n-- %%\nprint(lr, name, flag, n, shift, big, tiny)\n"
        let url = try notebookCopy(source)
        let out = url.deletingLastPathComponent().appendingPathComponent("out.lua")
        var r = try Command.run(["replay", url.path, "-p", "lr", "0.005", "-p", "name", "it\"s", "-p", "flag", "True", "-p", "n", "20",
                                 "-p", "shift", "-3", "-p", "big", "1e20", "-p", "tiny", "0.00001", "-o", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOf: url, encoding: .utf8) == source, "the input is left as it was")
        var text = try String(contentsOf: out, encoding: .utf8)
        #expect(text.contains("""
            name = 'default'

            -- %% tags=["injected-parameters"]
            -- Parameters
            lr = 0.005
            name = "it\\"s"
            flag = true
            n = 20
            shift = -3
            big = 1e+20
            tiny = 1e-05

            -- %%
            """), "\(text)")
        #expect(text.contains("--| 0.005\tit\"s\ttrue\t20\t-3\t1e+20\t1e-05\n"), "\(text)")
        // again on the output, from a YAML file: the injected cell is replaced, -p wins over the file
        let yaml = url.deletingLastPathComponent().appendingPathComponent("params.yaml")
        try "lr: 0.5\nname: from yaml\nlayers: [1, 2]\n".write(to: yaml, atomically: true, encoding: .utf8)
        r = try Command.run(["replay", out.path, "--update", "--parameters-file", yaml.path, "-p", "lr", "0.25"])
        #expect(r.status == 0, "\(r.stderr)")
        text = try String(contentsOf: out, encoding: .utf8)
        #expect(text.components(separatedBy: "injected-parameters").count == 2, "one injected cell: \(text)")
        #expect(text.contains("-- Parameters\nname = \"from yaml\"\nlayers = {1, 2}\nlr = 0.25\n"), "\(text)")
        // without a parameters cell, at the top; bad names and an output that is the input refused
        let bare = try notebookCopy("-- %%\nprint(k)\n")
        r = try Command.run(["replay", bare.path, "-p", "k", "7"])
        #expect(r.stdout.contains("-- Parameters\nk = 7\n"), "\(r.stdout)")
        #expect(r.stdout.contains("--| 7"), "\(r.stdout)")
        r = try Command.run(["replay", bare.path, "-p", "end", "1"])
        #expect(r.status != 0 && r.stderr.contains("'end' is not a Lua variable name"), "\(r.stderr)")
        r = try Command.run(["replay", bare.path, "-p", "k", "1", "-o", bare.path])
        #expect(r.status != 0 && r.stderr.contains("changes only with --update"), "\(r.stderr)")
    }

    @Test func aPlainReplayWritesTheImagesItPrints() throws {
        let url = try notebookCopy("-- %%\nplot.figure():line({1, 3, 2}):show()\n")
        let r = try Command.run(["replay", url.path])
        #expect(r.status == 0, "\(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("--@ ") })
        let path = url.deletingLastPathComponent().appendingPathComponent(String(line.dropFirst(4).split(separator: " ")[0])).path
        #expect(FileManager.default.fileExists(atPath: path), "\(path)")
        #expect(try String(contentsOf: url, encoding: .utf8) == "-- %%\nplot.figure():line({1, 3, 2}):show()\n", "the notebook itself untouched")
    }

    @Test func aLastExpressionAfterASemicolonIsShownAndATrailingSemicolonHidesIt() throws {
        let url = try notebookCopy("-- %%\ny = 6; y * 7\n\n-- %%\nz = 5; z;\n\n-- %%\nprint('a;b'); w = 1;\n\n-- %%\nw\n\n"
                                   + "-- %% tags=[\"raises\"]\nq = nil\nq.x\n")
        let r = try Command.run(["replay", "--update", url.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix("-- %%\ny = 6; y * 7\n--= 42\n\n-- %%\nz = 5; z;\n\n-- %%\nprint('a;b'); w = 1;\n--| a;b\n\n-- %%\nw\n--= 1\n"), "\(text)")
        // the error of a last expression names its own line (not the one after)
        #expect(text.contains(".lua:15: attempt to index a nil value (global 'q')"), "\(text)")
    }

    @Test func updateWritesOutputsAndImagesAndThenChangesNothing() throws {
        let url = try updated()
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("--= tensor([[ 1.5410, -0.2934],\n--=         [-2.1788,  0.5684]])"))
        #expect(text.contains("--| hello\n--| loss -0.3628"))
        #expect(text.contains("--! nb.lua:17: boom"))
        #expect(!text.contains("y = x * 2;\n--"), "a trailing ; keeps the value quiet")
        let image = try #require(text.split(separator: "\n").first { $0.hasPrefix("--@ nb.files/") })
        let path = String(image.dropFirst(4).split(separator: " ")[0])
        let png = try Data(contentsOf: url.deletingLastPathComponent().appendingPathComponent(path))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(image.hasSuffix("(800x500)"))

        let modified = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
        Thread.sleep(forTimeInterval: 0.05)
        let again = try Command.run(["replay", "--update", url.path])
        #expect(again.stdout.contains("unchanged"))
        #expect(try String(contentsOf: url, encoding: .utf8) == text)
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date == modified)
        #expect(try Command.run(["replay", "--check", url.path]).status == 0)
    }

    @Test func aNumberChangedBeyondToleranceFailsTheCheck() throws {
        let url = try updated()
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(of: "--| loss -0.3628", with: "--| loss -0.3700")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let r = try Command.run(["replay", "--check", url.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("1 of 5 cells differ"))
        #expect(r.stdout.contains("cell 2 \"Words\" (line 12): outputs differ"))
        #expect(r.stdout.contains("- --| loss -0.3700\n    + --| loss -0.3628"))
        #expect(r.stdout.contains("-0.3700 became -0.3628"))
        // within a looser tolerance for that cell, it passes
        text = text.replacingOccurrences(of: "-- %% Words", with: "-- %% Words tolerance=0.05")
        try text.write(to: url, atomically: true, encoding: .utf8)
        #expect(try Command.run(["replay", "--check", url.path]).status == 0)
    }

    @Test func aChangedLineOfTextFailsTheCheck() throws {
        let url = try updated()
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "print(\"hello\")", with: "print(\"hullo\")")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let r = try Command.run(["replay", "--check", url.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("cell 2 \"Words\""))
        #expect(r.stdout.contains("- --| hello\n    + --| hullo"))
    }

    @Test func anUnexpectedErrorFailsTheCheckAndAnExpectedOneThatStopsDoesToo() throws {
        let url = try updated()
        var text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "x = torch.randn(2, 2)", with: "x = torch.randn(2, -2)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        var r = try Command.run(["replay", "--check", url.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("cell 1 \"Setup\" (line 5): raised an error: nb.lua:6: bad argument #1 to 'randn' (size [2, -2] has a negative dimension -2)"))
        #expect(r.stdout.contains("+ --! nb.lua:6: bad argument #1 to 'randn'"))

        text = try String(contentsOf: try updated(), encoding: .utf8).replacingOccurrences(of: "error(\"boom\")", with: "print(\"no boom\")")
        let other = try notebookCopy(text)
        try FileManager.default.copyItem(at: url.deletingLastPathComponent().appendingPathComponent("nb.files"),
                                         to: other.deletingLastPathComponent().appendingPathComponent("nb.files"))
        r = try Command.run(["replay", "--check", other.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("cell 4 \"Fails on purpose\" (line 22): was expected to raise an error (tag raises) and did not"))
    }

    @Test func aChangedImageFailsTheCheckUnlessTheCellComparesSizes() throws {
        let url = try updated()
        var text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "{1, 3, 2}", with: "{1, 3, 3}")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let r = try Command.run(["replay", "--check", url.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("cell 3 \"Plot\""))
        text = text.replacingOccurrences(of: "-- %% Plot", with: "-- %% Plot images=\"size\"")
        try text.write(to: url, atomically: true, encoding: .utf8)
        #expect(try Command.run(["replay", "--check", url.path]).status == 0)
    }

    /// The stored figure of the Plot cell, for editing in place.
    func storedFigure(of url: URL) throws -> URL {
        let text = try String(contentsOf: url, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("--@ nb.files/") })
        return url.deletingLastPathComponent().appendingPathComponent(String(line.dropFirst(4).split(separator: " ")[0]))
    }

    @Test func aFigureOneLevelOffInOnePixelPassesTheCheck() throws {
        let url = try updated()
        let png = try storedFigure(of: url)
        let surface = cairo_image_surface_create_from_png(png.path)
        defer { cairo_surface_destroy(surface) }
        try #require(cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS)
        cairo_surface_flush(surface)
        let data = try #require(cairo_image_surface_get_data(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        // one channel of one white pixel in the plot's middle, one level darker
        let at = 250 * stride + 400 * 4
        data[at] = data[at] == 0 ? 1 : data[at] - 1
        cairo_surface_mark_dirty(surface)
        try #require(cairo_surface_write_to_png(surface, png.path) == CAIRO_STATUS_SUCCESS)

        let r = try Command.run(["replay", "--check", url.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // the comparison did see the change: with no tolerance it fails and says by how much
        let strict = try Command.run(["replay", "--check", "--images", "tol=0", url.path])
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("1 pixel changed, largest difference 1"), "\(strict.stdout)")
        #expect(try Command.run(["replay", "--check", "--images", "size", url.path]).status == 0)
    }

    @Test func aFigureWhoseCurveMovedFailsTheCheckNamingTheRMS() throws {
        let url = try updated()
        let old = try storedFigure(of: url)
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "{1, 3, 2}", with: "{1, 3, 2.5}")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let r = try Command.run(["replay", "--check", url.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("cell 3 \"Plot\""))
        let note = try #require(r.stdout.split(separator: "\n").first { $0.contains("the image moved: RMS") })
        let rms = try #require(Double(note.split(separator: "RMS ")[1].split(separator: " ")[0]))
        #expect(rms > 2, "\(note)")
        #expect(note.contains("(tolerance RMS 2"))
        // the new figure is written beside the old one for a look
        let written = try #require(r.stdout.split(separator: "\n").first { $0.contains("new images written for a look: ") })
        let path = String(written.split(separator: ": ")[1])
        #expect(path != "nb.files/" + old.lastPathComponent)
        #expect(FileManager.default.fileExists(atPath: url.deletingLastPathComponent().appendingPathComponent(path).path))
        // a looser tolerance, per notebook on the command line or per cell, lets it pass
        #expect(try Command.run(["replay", "--check", "--images", "tol=\(rms + 1)", url.path]).status == 0)
        let perCell = text.replacingOccurrences(of: "-- %% Plot", with: "-- %% Plot images=\"tol=\(rms + 1)\"")
        try perCell.write(to: url, atomically: true, encoding: .utf8)
        #expect(try Command.run(["replay", "--check", url.path]).status == 0)
        #expect(try Command.run(["replay", "--check", "--images", "tol=0.5", url.path]).status == 1,
                "the command line wins over the cell")
    }

    @Test func aCellOf100000LinesAndNotebooksOf20000CellsReplay() throws {
        // Each cell compiles in time proportional to its length: these took minutes when
        // every candidate last expression recompiled the statements before it.
        var big = "-- %%\n" + (1...100_000).map { "x\($0) = \($0)" }.joined(separator: "\n") + "\nx99999 + 1\n"
        var url = try notebookCopy(big)
        var r = try Command.run(["replay", url.path])
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("--= 100000\n"))
        big += "-- %%\nerror('late')\n"
        url = try notebookCopy(big)
        r = try Command.run(["replay", url.path])
        #expect(r.stdout.contains("--! nb.lua:100004: late"), "line numbers are the file's: \(r.stdout.suffix(200))")
        let many = (1...20_000).map { "-- %%\ny = \($0)" }.joined(separator: "\n") + "\n-- %%\ny\n"
        url = try notebookCopy(many)
        r = try Command.run(["replay", url.path])
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("--= 20000\n"))
    }

    @Test func updateChangesOnlyTheOutputLinesItWrote() throws {
        let code = "-- %% [markdown]\r\n-- # Notes\r\nx = 1\r\n\r\n-- %% Strings\r\ns = [==[\r\n-- %% inside\r\n--= last line]==]\r\n#s\r\n  \r\n-- %%\r\ny = 2 --> TODO: tune lr\r\n--> TODO: tune lr\r\n"
        let url = try notebookCopy(code)
        let r = try Command.run(["replay", "--update", url.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let updated = try String(contentsOf: url, encoding: .utf8)
        #expect(updated == code.replacingOccurrences(of: "#s\r\n", with: "#s\r\n--= 26\r\n"), "\(updated.debugDescription)")
    }

    @Test func skipAndIgnoreOutputTags() throws {
        let url = try notebookCopy("""
            -- %% tags=["skip"]
            error("never runs")
            --| kept as saved

            -- %% tags=["ignore-output"]
            print(os.time())
            --| 0

            """)
        let r = try Command.run(["replay", "--check", url.path])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("1 cells ran"))
    }

    /// nbval's names (and Jupyter's) work as lstmlua's tags; an ipynb export writes them.
    @Test func nbvalTagNamesAreAccepted() throws {
        let url = try notebookCopy("""
            -- %% tags=["skip-execution"]
            error("never runs")

            -- %% tags=["nbval-ignore-output"]
            print(os.time())
            --| 0

            -- %% tags=["raises-exception", "nbval-ignore-output"]
            error("on purpose")

            -- %% tags=["skip", "slow"]
            error("never runs either")

            """)
        let r = try Command.run(["replay", "--check", url.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("2 cells ran"), "\(r.stdout)")
        let out = url.deletingPathExtension().appendingPathExtension("ipynb")
        let e = try Command.run(["export", url.path, "--to", "ipynb", "-o", out.path])
        #expect(e.status == 0, "\(e.stderr)")
        let json = try String(contentsOf: out, encoding: .utf8)
        #expect(json.contains("\"skip-execution\""))
        #expect(json.contains("\"nbval-ignore-output\""))
        #expect(json.contains("\"raises-exception\""))
        #expect(!json.contains("\"skip\","), "lstmlua's short name is written as nbval's")
    }

    @Test func transcriptShowsSourcesAndFreshOutputs() throws {
        let url = try notebookCopy("-- %% Greeting\nprint('hi')\n1 + 1\n--= 3\n")
        let r = try Command.run(["replay", url.path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("-- %% [cell 1 \"Greeting\"]\nprint('hi')\n1 + 1\n--| hi\n--= 2\n"))
    }

    @Test func badNotebooksAreReportedNotCrashedOn() throws {
        let url = try notebookCopy("-- %% [python]\nprint(1)\n")
        let r = try Command.run(["replay", "--check", url.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("nb.lua: line 1: unknown cell type [python]"))
        let yaml = try notebookCopy("-- ---\n-- jupyter: [unclosed\n-- ---\n-- %%\nprint(1)\n")
        let header = try Command.run(["replay", yaml.path])
        #expect(header.status == 1)
        #expect(header.stderr.contains("the header is not valid YAML: 2:1"), "\(header.stderr)")
        #expect(!header.stderr.contains("DecodingError"))
        let missing = try Command.run(["replay", "/nonexistent/nb.lua"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read the file"))
        let both = try Command.run(["replay", "--check", "--update", url.path])
        #expect(both.status != 0)
        #expect(both.stderr.contains("cannot be used together"))
    }

    @Test func timeoutStopsALuaLoopAndALongNativeCall() throws {
        // The native call runs 25 s uninterrupted on 0.9 GB: wide and short rather than
        // a 100 000-step sequence, whose 3 GB took this virtual machine up to 6 s to fault
        // in before the first step could look at the limit.
        let url = try notebookCopy("""
            -- %%
            while true do end

            -- %%
            nn.LSTM(1, 4096)(torch.zeros(5000, 1, 1))

            -- %%
            print("after")

            """)
        let start = Date()
        let r = try Command.run(["replay", "--timeout", "1", url.path])
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(r.stdout.components(separatedBy: "--! timed out: the cell ran longer than 1 s").count == 3)
        #expect(r.stdout.contains("--| after"))
    }

    @Test func timeoutStopsWhatCatchesItsErrorAndCoroutinesMadeBeforeIt() throws {
        let url = try notebookCopy("""
            -- %%
            early = coroutine.create(function() while true do pcall(function() while true do end end) end end)

            -- %%
            while true do pcall(function() while true do end end) end

            -- %%
            coroutine.wrap(function() while true do end end)()

            -- %%
            while true do pcall(table.sort, {3, 2, 1, 5, 4}, function(a, b) while true do end end) end

            -- %%
            while true do pcall(coroutine.resume, early) end

            -- %%
            print("after")

            """)
        let r = try Command.run(["replay", "--timeout", "0.5", url.path])
        #expect(r.stdout.components(separatedBy: "--! timed out: the cell ran longer than 0.5 s").count == 5, "\(r.stdout)")
        #expect(r.stdout.contains("--| after"), "the interrupt no longer pending, the next cell runs")
    }

    @Test func timeoutStopsALongDrawing() throws {
        // A dense line drawn point by point: the drawing hears the limit between pieces.
        let url = try notebookCopy("""
            -- %%
            local ys = torch.randn(3000000)
            for i = 1, 100 do plot.figure{}:line(ys, nil, {simplify = false}):save("big.png") end

            -- %%
            print("after")

            """)
        let r = try Command.run(["replay", "--timeout", "1", url.path], killAfter: 60)
        #expect(r.stdout.contains("--! timed out: the cell ran longer than 1 s"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("--| after"))
        #expect(!r.stderr.contains("giving up"), "stopped by the limit, not the hard limit")
    }

    @Test func aCellThatIgnoresItsLimitMeetsTheHardLimit() throws {
        // Lua runs finalizers without hooks: nothing stops this one but ending the process.
        let url = try notebookCopy("-- %%\nsetmetatable({}, {__gc = function() while true do end end}); collectgarbage()\n")
        let before = try String(contentsOf: url, encoding: .utf8)
        let r = try Command.run(["replay", "--update", "--timeout", "0.5", url.path])
        #expect(r.status == 124)
        #expect(r.stderr.contains("lstmlua: the code did not stop within 5 s of its time limit"), "\(r.stderr)")
        #expect(try String(contentsOf: url, encoding: .utf8) == before, "the notebook is not rewritten")
    }
}

@Suite(.serialized) struct SafeModeTests {
    /// Runs one cell under --safe; the error it raised (or "" when it ran).
    func safeError(_ code: String) throws -> String {
        let url = try notebookCopy("-- %%\n" + code + "\n")
        let r = try Command.run(["replay", "--safe", url.path])
        return r.stdout.split(separator: "\n").first { $0.hasPrefix("--! ") }.map { String($0.dropFirst(4)) } ?? ""
    }

    @Test func processesNativeCodeAndExitAreRefused() throws {
        #expect(try safeError("os.execute('touch /tmp/lstmlua-escaped')").contains("'os.execute' is not allowed in --safe mode"))
        #expect(try safeError("io.popen('ls')").contains("'io.popen' is not allowed in --safe mode"))
        #expect(try safeError("package.loadlib('/lib/x86_64-linux-gnu/libc.so.6', '*')").contains("'package.loadlib' is not allowed"))
        #expect(try safeError("os.exit(3)").contains("'os.exit' is not allowed"))
        #expect(try safeError("os.tmpname()").contains("'os.tmpname' is not allowed"))
        #expect(try safeError("require('lstmlua_no_such_c_module')").contains("module 'lstmlua_no_such_c_module' not found"))
        #expect(try safeError("assert(package.cpath == '' and #package.searchers == 2, 'C searchers left')") == "")
        #expect(try safeError("debug.sethook(print, 'l')").contains("attempt to call a nil value (field 'sethook')"))
        #expect(try safeError("return debug.getregistry()").contains("attempt to call a nil value"))
    }

    @Test func precompiledChunksAreRefused() throws {
        #expect(try safeError("assert(load('\\27Lua binary'))").contains("attempt to load a binary chunk"))
        #expect(try safeError("assert(load(string.dump(function() return 1 end)))").contains("'string.dump' is not allowed"))
        #expect(try safeError("assert(load('return 1'))() ") == "")
    }

    @Test func writesOutsideTheNotebooksFolderAreRefused() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("lstmlua-outside-\(UUID().uuidString)").path
        #expect(try safeError("io.open('\(outside)', 'w')").contains("bad argument #1 to 'io.open' (writing '\(outside)' is not allowed in --safe mode"))
        #expect(try safeError("io.open('../escape.txt', 'a')").contains("is not allowed in --safe mode"))
        #expect(try safeError("io.output('\(outside)')").contains("'io.output'"))
        #expect(try safeError("os.remove('\(outside)')").contains("'os.remove'"))
        #expect(try safeError("os.rename('x', '\(outside)')").contains("'os.rename'"))
        #expect(try safeError("torch.save('\(outside)', {w = torch.ones(1)})").contains("bad argument #1 to 'save' (writing"))
        #expect(try safeError("plot.figure():line({1, 2}):save('\(outside).png')").contains("is not allowed in --safe mode"))
        #expect(!FileManager.default.fileExists(atPath: outside))
        #expect(!FileManager.default.fileExists(atPath: outside + ".png"))
        // inside the folder, and reading anywhere, are fine
        #expect(try safeError("local f = assert(io.open('inside.txt', 'w')); f:write('ok'); f:close(); torch.save('w.safetensors', {w = torch.ones(1)})") == "")
        #expect(try safeError("assert(io.open('/etc/hostname', 'r') or io.open('/etc/passwd'))") == "")
    }

    /// A folder outside the notebook's, for escape attempts to aim at.
    func outsideFolder() throws -> URL { try Command.temporaryDirectory() }

    @Test func aDanglingSymlinkOutsideIsNotAWayOut() throws {
        let outside = try outsideFolder().appendingPathComponent("new.txt")
        let url = try notebookCopy("-- %%\nprint(pcall(io.open, 'link', 'w'))\nprint(pcall(io.open, 'link', 'a'))\nprint(pcall(io.output, 'link'))\n")
        try FileManager.default.createSymbolicLink(atPath: url.deletingLastPathComponent().appendingPathComponent("link").path,
                                                   withDestinationPath: outside.path)
        let r = try Command.run(["replay", "--safe", url.path])
        #expect(r.stdout.components(separatedBy: "writing 'link' is not allowed in --safe mode").count == 4, "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: outside.path))
    }

    @Test func aFilesFolderSymlinkedOutsideIsNeitherWrittenNorCleaned() throws {
        let outside = try outsideFolder()
        let victim = outside.appendingPathComponent("victim.png")
        try Data("precious".utf8).write(to: victim)
        let url = try notebookCopy("-- %%\nplot.line({1, 2}):show()\n")
        try FileManager.default.createSymbolicLink(atPath: url.deletingLastPathComponent().appendingPathComponent("nb.files").path,
                                                   withDestinationPath: outside.path)
        let before = try Data(contentsOf: url)
        let r = try Command.run(["replay", "--safe", "--update", url.path])
        #expect(r.status == 1, "the replay failed")
        #expect(r.stderr.contains("nb.files leads out of the notebook's folder; the notebook was left as it was"), "\(r.stderr)")
        #expect(try Data(contentsOf: url) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path) == ["victim.png"])
        #expect(try Data(contentsOf: victim) == Data("precious".utf8))
    }

    @Test func bytecodeWrittenInTheFolderCannotBeRequired() throws {
        let url = try notebookCopy("-- %%\nreturn require('evil')\n")
        // made outside --safe, where string.dump exists; --safe has none to make it with
        let script = try Command.script("local f = io.open(arg[1], 'wb'); f:write(string.dump(function() return 42 end)); f:close()")
        let maker = try Command.run([script.path, url.deletingLastPathComponent().appendingPathComponent("evil.lua").path])
        #expect(maker.status == 0, "\(maker.stderr)")
        let r = try Command.run(["replay", "--safe", url.path])
        #expect(r.stdout.contains("--! \tattempt to load a binary chunk (mode is 't')"), "\(r.stdout)")
        #expect(try safeError("return string.dump(print)").contains("'string.dump' is not allowed in --safe mode"))
        #expect(try safeError("return load(string.rep('x', 1), 'x', 'b')") == "", "load in mode b yields nil and a message")
    }

    @Test func everyKnownEscapeIsRefused() throws {
        let outside = try outsideFolder()
        let victim = outside.appendingPathComponent("victim.txt")
        try Data("precious".utf8).write(to: victim)
        let url = try notebookCopy("-- %%\nprint(1)\n")
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("file-link").path, withDestinationPath: victim.path)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("dir-link").path, withDestinationPath: outside.path)
        let attempts = [
            "io.open('../escaped.txt', 'w')",                                  // ../
            "io.open('\(outside.path)/escaped.txt', 'w')",                     // an absolute path
            "io.open('file-link', 'w')",                                       // a symlink to a file outside
            "io.open('dir-link/escaped.txt', 'w')",                            // through a symlink to a folder outside
            "io.open('file-link', 'r+')",                                      // update mode writes too
            "package.loaded.io.open('../escaped.txt', 'w')",                   // package.loaded holds the same io
            "getmetatable('').__index.dump(print)",                            // the string metatable holds the same string
            "os.rename('\(victim.path)', 'mine.txt')",                          // taking a file from outside
            "os.remove('\(victim.path)')",
            "os.remove('file-link/..')",
            "io.open('../escaped\\0.txt', 'w')",                               // a NUL in the path
            "io.open('../escaped\\n.txt', 'w')",                               // a newline in the path
            "torch.save('dir-link/escaped.safetensors', {x = torch.ones(1)})",
            "plot.line({1, 2}):save('dir-link/escaped.png')",
        ]
        // each in the folder that holds the links
        for attempt in attempts {
            let cell = folder.appendingPathComponent("attempt.lua")
            try ("-- %%\n" + attempt + "\n").write(to: cell, atomically: true, encoding: .utf8)
            let r = try Command.run(["replay", "--safe", cell.path])
            let error = r.stdout.split(separator: "\n").filter { $0.hasPrefix("--! ") }.joined(separator: "\n")
            #expect(error.contains("not allowed"), "\(attempt): \(r.stdout)")
            #expect(error.components(separatedBy: "attempt.lua:2:").count <= 2, "the position once: \(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path) == ["victim.txt"])
        #expect(try Data(contentsOf: victim) == Data("precious".utf8))
        #expect(!FileManager.default.fileExists(atPath: folder.deletingLastPathComponent().appendingPathComponent("escaped.txt").path))
    }

    @Test func errorsFromTheNnPreludeNameTheFunctionUnderSafe() throws {
        let message = try safeError("nn.Linear(2, 3)(torch.zeros(4, 5))")
        #expect(message.contains("bad argument #1 to 'linear'"), "\(message)")
        #expect(!message.contains("getinfo"))
        #expect(message.components(separatedBy: "nb.lua:2:").count == 2, "the location once: \(message)")
    }

    @Test func withoutSafeTheSameCellsRun() throws {
        let url = try notebookCopy("-- %%\nprint(type(os.execute), type(io.popen), #package.searchers)\n")
        let r = try Command.run(["replay", url.path])
        #expect(r.stdout.contains("--| function\tfunction\t4"))
    }
}

@Suite(.serialized) struct NotebookExportTests {
    static let hasNbformat = Python.has("nbformat")

    @Test(.enabled(if: hasNbformat, "needs a Python with nbformat (set LSTMLUA_PYTHON)"))
    func ipynbValidatesWithNbformatAndCarriesItsImages() throws {
        let dir = try Command.temporaryDirectory()
        let ipynb = dir.appendingPathComponent("sine_lstm.ipynb")
        let r = try Command.run(["export", "Notebooks/sine_lstm.lua", "--to", "ipynb", "-o", ipynb.path])
        #expect(r.status == 0, "\(r.stderr)")
        let script = """
            import nbformat, sys
            nb = nbformat.read(sys.argv[1], as_version=4)
            nbformat.validate(nb)
            images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
            print("valid", nb.nbformat, nb.nbformat_minor, len(nb.cells), len(images), nb.metadata.kernelspec.language)
            """
        let (status, text) = try Python.run(script, arguments: [ipynb.path], in: dir)
        #expect(status == 0, "\(text)")
        #expect(text.hasPrefix("valid 4 5 "))
        #expect(text.hasSuffix(" 2 lua\n"), "both figures, as PNG: \(text)")
    }

    @Test func markdownAndHtmlReports() throws {
        let dir = try Command.temporaryDirectory()
        let html = dir.appendingPathComponent("report.html")
        var r = try Command.run(["export", "Notebooks/sunspots.lua", "--to", "html", "-o", html.path])
        #expect(r.status == 0, "\(r.stderr)")
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("<h1>Forecasting yearly sunspot numbers</h1>"))
        #expect(page.components(separatedBy: "src=\"data:image/png;base64,iVBORw0KGgo").count == 3)
        #expect(page.contains("<span class=\"keyword\">local</span> total, count = <span class=\"number\">0</span>"), "code highlighted")
        let nb = try notebookCopy("-- %%\nprint(1)\n--| 1\n")
        r = try Command.run(["export", nb.path, "--to", "md"])
        #expect(r.status == 0)
        #expect(try String(contentsOf: nb.deletingPathExtension().appendingPathExtension("md"), encoding: .utf8)
            == "```lua\nprint(1)\n```\n\n```text\n1\n```\n")
        r = try Command.run(["export", nb.path, "--to", "pdf"])
        #expect(r.status != 0)
    }

    @Test func anExportEmbedsOnlyTheNotebooksOwnImagesAndRunsNoScripts() throws {
        let nb = try notebookCopy("""
            -- %% [markdown]
            -- Hi <script>alert(1)</script> <img src=x onerror=alert(2)> and `a<b`

            -- %%
            print(1)
            --@ ../../../../etc/passwd (1x1)
            --@ nb.files/../../../../etc/hostname (1x1)

            """)
        let html = nb.deletingPathExtension().appendingPathExtension("html")
        let r = try Command.run(["export", nb.path, "--to", "html"])
        #expect(r.stderr.contains("missing images: ../../../../etc/passwd, nb.files/../../../../etc/hostname"))
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(!page.contains("data:image/png;base64"), "nothing outside nb.files is embedded")
        #expect(!page.contains("<script>") && !page.contains("<img src=x"), "raw HTML shows as text")
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:"))
        let ipynb = try Command.run(["export", nb.path, "--to", "ipynb"])
        #expect(ipynb.stderr.contains("missing images"))
        let json = try String(contentsOf: nb.deletingPathExtension().appendingPathExtension("ipynb"), encoding: .utf8)
        #expect(!json.contains("image/png\" : \"") && !json.contains("\"image/png\":\""))
    }

    @Test func anExportNeverOverwritesItsNotebookOrAnotherWithoutForce() throws {
        let source = "-- %%\nprint(1)\n--| 1\n"
        let nb = try notebookCopy(source)
        var r = try Command.run(["export", nb.path, "--to", "md", "-o", nb.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("it is the notebook being exported; --force overwrites it"), "\(r.stderr)")
        #expect(try String(contentsOf: nb, encoding: .utf8) == source)
        let other = nb.deletingLastPathComponent().appendingPathComponent("other.lua")
        try "-- %% Mine\nx = 1\n".write(to: other, atomically: true, encoding: .utf8)
        r = try Command.run(["export", nb.path, "--to", "md", "-o", other.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("it is a notebook"))
        #expect(try String(contentsOf: other, encoding: .utf8) == "-- %% Mine\nx = 1\n")
        r = try Command.run(["export", nb.path, "--to", "md", "-o", other.path, "--force"])
        #expect(r.status == 0)
        #expect(try String(contentsOf: other, encoding: .utf8).hasPrefix("```lua"))
        // a plain file is overwritten as asked; a folder is refused, in words
        let plain = nb.deletingLastPathComponent().appendingPathComponent("notes.md")
        try "old notes".write(to: plain, atomically: true, encoding: .utf8)
        #expect(try Command.run(["export", nb.path, "--to", "md", "-o", plain.path]).status == 0)
        r = try Command.run(["export", nb.path, "--to", "md", "-o", nb.deletingLastPathComponent().path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("is a directory"))
        #expect(!r.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test func updateKeepsTheNotebooksModeAndWritesThroughItsSymlink() throws {
        let nb = try notebookCopy("-- %%\nprint(2)\n")
        chmod(nb.path, 0o600)
        let link = nb.deletingLastPathComponent().appendingPathComponent("link.lua")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: nb.lastPathComponent)
        let r = try Command.run(["replay", "--update", link.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOf: nb, encoding: .utf8) == "-- %%\nprint(2)\n--| 2\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: nb.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == nb.lastPathComponent)
    }
}
