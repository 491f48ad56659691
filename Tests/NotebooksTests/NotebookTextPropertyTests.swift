// Notebook text is sacred: for thousands of generated notebooks (code with strings,
// long strings and comments that look like markers and outputs, prose, raw cells,
// blank lines with spaces, CRLF, no last newline), adding outputs and taking them
// away again gives back the file byte for byte, as `replay --update` must.

import Notebooks
import Testing

@Suite struct NotebookTextPropertyTests {
    /// A small deterministic generator (SplitMix64), so a failure names its seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    /// Lines of Lua that a person might write, several spanning lines, many that look
    /// like markers or outputs from inside strings and comments.
    static let snippets: [[String]] = [
        ["x = 1"],
        ["print(x)"],
        ["model"],
        ["local s = 'a -- %% b'"],
        ["s = [==[", "first", "--| looks like output", "-- %% looks like a marker", "--= last line]==]"],
        ["--[[ a block comment", "-- %%", "--! not an error", "]]"],
        ["t = [[", "--@ x.files/a.png (1x1)]]"],
        ["-- a comment of one's own"],
        ["--> TODO: tune lr"],
        ["--==================="],
        ["---@param x number"],
        ["--:not an output either"],
        ["s = \"a\\", "b\""],
        ["s = 'a\\z", "     b'"],
        ["for i = 1, 3 do", "  print(i)", "end"],
        ["   "],
        [""],
        ["\t"],
        ["x = [=[ ]] still inside", "]=]"],
    ]

    static func notebook(_ random: inout Random) -> String {
        var lines: [String] = []
        if random.below(3) == 0 {
            lines += ["-- ---", "-- jupyter:", "--   kernelspec:", "--     name: lstmlua", "-- ---"]
            lines += Array(repeating: random.pick(["", "  "]), count: random.below(3))
        }
        let cells = 1 + random.below(6)
        for index in 0..<cells {
            switch random.below(5) {
            case 0:
                lines.append(random.pick(["-- %% [markdown]", "-- %% [md] Notes"]))
                lines += ["-- # Title", "x = 1", "--", "-- *prose* with `code`"].prefix(1 + random.below(4))
            case 1:
                lines.append("-- %% [raw]")
                lines += ["-- raw text", "plain line"].prefix(1 + random.below(2))
            default:
                if index > 0 || random.below(2) == 0 {
                    lines.append(random.pick(["-- %%", "-- %% Train", "-- %% tags=[\"skip\"]"]))
                }
                for _ in 0..<(1 + random.below(4)) { lines += random.pick(snippets) }
            }
            lines += Array(repeating: random.pick(["", " "]), count: random.below(3))
        }
        let crlf = random.below(4) == 0
        var text = lines.joined(separator: crlf ? "\r\n" : "\n")
        if random.below(5) != 0 { text += crlf ? "\r\n" : "\n" }
        return text
    }

    static let someOutputs: [[Output]] = [
        [.stream(name: "stdout", text: "1\n2\n")],
        [.value("tensor([1., 2.])")],
        [.stream(name: "stderr", text: "warning\n"), .error("nb.lua:3: boom")],
        [.image(Output.Image(path: "nb.files/0123456789abcdef.png", width: 800, height: 500))],
        [],
    ]

    @Test func addingAndRemovingOutputsGivesBackTheFileByteForByte() throws {
        for seed in 0..<3000 {
            var random = Random(state: UInt64(seed))
            let text = NotebookTextPropertyTests.notebook(&random)
            var notebook = try NotebookFormat.parse(text)
            #expect(NotebookFormat.write(notebook) == text, "seed \(seed): read and written unchanged")
            for i in notebook.cells.indices where notebook.cells[i].kind == .code {
                notebook.cells[i].outputs = random.pick(NotebookTextPropertyTests.someOutputs)
            }
            let updated = NotebookFormat.write(notebook)
            var back = try NotebookFormat.parse(updated)
            #expect(back.cells.map(\.outputs) == notebook.cells.map(\.outputs), "seed \(seed): the outputs read back")
            for i in back.cells.indices { back.cells[i].outputs = [] }
            let stripped = NotebookFormat.write(back)
            #expect(stripped == text, "seed \(seed):\n\(text.debugDescription)\n\(stripped.debugDescription)")
            if stripped != text { return }
        }
    }

    @Test func markersAndOutputsInsideStringsAndCommentsArePartOfThem() throws {
        let text = """
            -- %%
            s = [==[
            -- %% not a cell
            --= last line]==]
            -- %%
            --[[
            --| still a comment
            ]]
            x = 1
            --> TODO: tune lr

            """
        let nb = try NotebookFormat.parse(text)
        #expect(nb.cells.count == 2)
        #expect(nb.cells[0].source == ["s = [==[", "-- %% not a cell", "--= last line]==]"])
        #expect(nb.cells[0].outputs.isEmpty)
        #expect(nb.cells[1].source.last == "--> TODO: tune lr", "an arrow comment is the user's")
        #expect(nb.cells[1].outputs.isEmpty)
    }

    @Test func crlfNotebooksAreReadAsLinesAndWrittenWithCRLF() throws {
        let text = "-- %% One\r\nx = 1\r\n\r\n-- %% Two\r\ny = 2\r\n"
        var nb = try NotebookFormat.parse(text)
        #expect(nb.cells.count == 2)
        #expect(nb.cells[1].source == ["y = 2"])
        nb.cells[1].outputs = [.value("2")]
        #expect(NotebookFormat.write(nb) == "-- %% One\r\nx = 1\r\n\r\n-- %% Two\r\ny = 2\r\n--= 2\r\n")
    }

    @Test func proseAndRawCellsAreWrittenAsTheyWere() throws {
        let text = "-- %% [markdown]\n-- # Title\nx = 1\n\n-- %% [raw]\nplain\n"
        let nb = try NotebookFormat.parse(text)
        #expect(NotebookFormat.write(nb) == text, "a prose line without '-- ' stays without it")
    }
}
