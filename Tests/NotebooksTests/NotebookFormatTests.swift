// Reading and writing the notebook format: cells, markers, outputs, the header,
// and that an unchanged notebook is written back byte for byte.

import Foundation
import Notebooks
import Testing

@Suite struct NotebookFormatTests {
    static let sample = """
        -- ---
        -- jupyter:
        --   kernelspec:
        --     name: lstmlua
        --   lstmlua:
        --     tolerance: 1.0e-3
        --     sanitize: ['\\d+ windows']
        -- ---

        -- %% [markdown]
        -- # Title
        --
        -- Prose.

        -- %% Train the net tags=["slow", "skip"] tolerance=1e-2
        -- a comment of the user's, before code
        x = 1
        print(x)
        x + 1
        --| 1
        --: warning
        --= 2
        --@ nb.files/0123456789abcdef.png (640x480)
        --! nb.lua:3: boom


        -- %%
        y = 2
        -- a trailing comment of the user's is an output only if it looks like one

        """

    @Test func readsCellsMarkersAndOutputs() throws {
        let nb = try NotebookFormat.parse(Self.sample)
        #expect(nb.header.count == 8)
        #expect(nb.cells.count == 3)
        let prose = nb.cells[0]
        #expect(prose.kind == .markdown)
        #expect(prose.source == ["# Title", "", "Prose."])
        let code = nb.cells[1]
        #expect(code.kind == .code)
        #expect(code.title == "Train the net")
        #expect(code.tags == ["slow", "skip"])
        #expect(code.value("tolerance")?.number == 0.01)
        #expect(code.source == ["-- a comment of the user's, before code", "x = 1", "print(x)", "x + 1"])
        #expect(code.outputs == [
            .stream(name: "stdout", text: "1\n"),
            .stream(name: "stderr", text: "warning\n"),
            .value("2"),
            .image(Output.Image(path: "nb.files/0123456789abcdef.png", width: 640, height: 480)),
            .error("nb.lua:3: boom"),
        ])
        #expect(code.line == 16, "the line of the cell's first source line")
        #expect(code.blankLinesAfter == 2)
        #expect(nb.cells[2].outputs.isEmpty)
        #expect(nb.cells[2].source.count == 2)
    }

    @Test func writesAnUnchangedNotebookBackByteForByte() throws {
        let nb = try NotebookFormat.parse(Self.sample)
        #expect(NotebookFormat.write(nb) == Self.sample)
        let reread = try NotebookFormat.parse(NotebookFormat.write(nb))
        #expect(reread == nb)
    }

    @Test func multiLineOutputsAndEmptyLines() throws {
        var cell = Cell(source: ["t"], markerLine: "-- %%")
        cell.outputs = [.stream(name: "stdout", text: "a\n\nb\n"), .value("tensor([[1., 2.],\n        [3., 4.]])")]
        let text = NotebookFormat.write(Notebook(cells: [cell]))
        #expect(text == "-- %%\nt\n--| a\n--|\n--| b\n--= tensor([[1., 2.],\n--=         [3., 4.]])\n")
        #expect(try NotebookFormat.parse(text).cells[0].outputs == cell.outputs)
    }

    @Test func codeBeforeTheFirstMarkerIsACell() throws {
        let nb = try NotebookFormat.parse("print(1)\n--| 1\n\n-- %%\nprint(2)\n")
        #expect(nb.cells.count == 2)
        #expect(nb.cells[0].markerLine == nil)
        #expect(nb.cells[0].outputs == [.stream(name: "stdout", text: "1\n")])
        #expect(NotebookFormat.write(nb) == "print(1)\n--| 1\n\n-- %%\nprint(2)\n")
    }

    @Test func markerLines() throws {
        let m = try CellMarker.parse("-- %% Loss curve [md] key=\"a b\" n=3 list=[1, \"x y\"]")
        #expect(m.kind == .markdown)
        #expect(m.title == "Loss curve")
        #expect(m.metadata.map(\.key) == ["key", "n", "list"])
        #expect(m.metadata[0].value == .string("a b"))
        #expect(m.metadata[2].value == .array([.number(1), .string("x y")]))
        #expect(try CellMarker.parse("-- %%").kind == .code)
        #expect(try CellMarker.parse("-- %% [raw]").kind == .raw)
        #expect(CellMarker.isMarker("-- %%"))
        #expect(!CellMarker.isMarker("-- %%%"))
        #expect(!CellMarker.isMarker("--%%"))
    }

    @Test func badMarkersAndOutputsAreReportedWithTheirLine() {
        do {
            _ = try NotebookFormat.parse("x = 1\n\n-- %% [python]\n")
            Issue.record("parsed an unknown cell type")
        } catch {
            #expect(error.description == "line 3: unknown cell type [python] (expected [markdown], [md] or [raw])")
        }
        #expect(throws: NotebookFormat.SyntaxError.self) { try NotebookFormat.parse("-- %% tags=[\"a\"\n") }
        #expect(throws: NotebookFormat.SyntaxError.self) { try NotebookFormat.parse("-- %% n=nope\n") }
        #expect(throws: NotebookFormat.SyntaxError.self) { try NotebookFormat.parse("-- %%\nx\n--@ picture.png\n") }
        #expect(throws: NotebookFormat.SyntaxError.self) { try NotebookFormat.parse("-- ---\n-- a: 1\n") }
    }

    @Test func headerSettings() throws {
        let nb = try NotebookFormat.parse(Self.sample)
        let header = try NotebookHeader(lines: nb.header)
        #expect(header.metadata["kernelspec"] == .object(["name": .string("lstmlua")]))
        let settings = try header.checkSettings()
        #expect(settings.tolerance == 1e-3)
        #expect(settings.sanitizer.apply("16 windows an epoch") == "<masked> an epoch")
        let cell = try settings.forCell(nb.cells[1], label: "cell 1")
        #expect(cell.tolerance == 1e-2)
        #expect(throws: CheckSettings.Invalid.self) {
            try CheckSettings().forCell(Cell(metadata: [MetadataItem(key: "images", text: "\"pixels\"")], source: []), label: "c")
        }
        #expect(throws: CheckSettings.Invalid.self) {
            try CheckSettings().forCell(Cell(metadata: [MetadataItem(key: "sanitize", text: "\"([\"")], source: []), label: "c")
        }
        #expect(throws: CheckSettings.Invalid.self) { try NotebookHeader(lines: ["-- ---", "-- a: [", "-- ---"]) }
    }
}
