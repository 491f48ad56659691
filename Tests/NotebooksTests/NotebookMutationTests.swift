// Mutation fuzzing of the notebook reader, in process (it is pure Swift): the shipped
// notebooks and one that uses every feature, mutated line by line and character by
// character (markers and their metadata JSON, the YAML header, output comment lines,
// long strings and comments, line ends). Every mutant is read, its header and each
// cell's settings taken, written back and read again; a rejection must be a thrown
// error with a description, never a trap (Tests/TESTING.md).

import Foundation
import Notebooks
import Testing

@Suite struct NotebookMutationTests {
    typealias Random = NotebookTextPropertyTests.Random

    static let everyFeature = """
        -- ---
        -- jupyter:
        --   kernelspec:
        --     display_name: lstmlua (Lua 5.4)
        --     language: lua
        --     name: lstmlua
        --   lstmlua:
        --     tolerance: 1e-3
        --     sanitize: ["0x[0-9a-f]+", "\\\\d+ ms"]
        --     images: tol=2
        -- ---

        -- %% [markdown]
        -- # A title
        -- Prose with `code`.

        -- %% First cell tags=["ignore-output"] lstmlua={"tolerance": 0.01, "atol": 1e-6}
        x = torch.ones(2)
        print(x)
        x
        --| tensor([1., 1.])
        --= tensor([1., 1.])

        -- %% Raises tags=["raises"]
        error("boom")
        --! [cell 3]:1: boom

        -- %% A figure
        plot.line({1, 2, 3})
        --@ nb.files/cell4-1.png (800x500) sha256:0123456789abcdef
        --: 12 ms

        -- %% Strings that look like markers
        s = [==[
        -- %% not a marker
        --| not an output
        ]==]
        --[[ a comment
        -- %% still not a marker ]]

        -- %% [raw]
        -- raw text

        """

    static var seeds: [String] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Notebooks")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".lua") }.sorted()
        return [everyFeature] + names.compactMap { try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }
    }

    static let lines = [
        "-- %%", "-- %% [markdown]", "-- %% [raw]", "-- %% [unknown]", "-- %% t tags=[\"skip\"]", "-- %% t tags=[\"raises\", 5]",
        "-- %% t tags=", "-- %% t lstmlua={\"tolerance\": -1}", "-- %% t lstmlua={\"tolerance\": 1e400}", "-- %% t lstmlua={\"images\": \"tol=-1\"}",
        "-- %% t lstmlua={\"sanitize\": \"(\"}", "-- %% t lstmlua={\"sanitize\": [1, 2]}", "-- %% t lstmlua={\"atol\": \"x\"}",
        "-- %% t lstmlua={\"images\": \"tol=1e400\"}", "-- %% t a={\"b\": [1, {\"c\": null}]} d=\"e\"", "-- %% t x={", "-- %% t x=[[[[[[[[",
        "-- %% t x=\"\\u0000\"", "-- ---", "--   lstmlua:", "--     tolerance: .nan", "--     tolerance: [1, 2]", "--     sanitize: {a: b}",
        "--     images: 5", "-- jupyter: [", "-- &a *a", "-- !!binary x", "-- ? complex key", "--| ", "--|", "--: 5 ms", "--= ",
        "--= tensor([nan, inf, -inf])", "--= 1e400", "--! x", "--@ ", "--@ a.png", "--@ a.png (0x0)", "--@ a.png (99999999999999999999x1)",
        "--@ a.png (1x1) sha256:", "--@ ../../etc/passwd (1x1)", "--[[", "]]", "--[==[", "]==]", "[[", "s = [=[", "'", "\"", "\r", "\t",
        "-- \u{1F642}", "-- %%\u{0}", "",
    ]

    static let fragments = ["-- %%", "--|", "--=", "--!", "--@", "--:", "[[", "]]", "--[[", "=", "\"", "{", "}", "[", "]", ":",
                            "\r", "\n", "\r\n", "\u{0}", "\u{FEFF}", "\u{1F642}", "tags=", "lstmlua=", "-- ---\n", "\t", " "]

    static func mutate(_ text: String, _ r: inout Random) -> (String, String) {
        var lines = text.components(separatedBy: "\n")
        var steps: [String] = []
        for _ in 0..<(1 + r.below(4)) {
            let i = r.below(max(lines.count, 1))
            switch r.below(7) {
            case 0:
                let l = r.pick(Self.lines)
                lines.insert(l, at: i)
                steps.append("insert \(l.debugDescription) at line \(i + 1)")
            case 1 where !lines.isEmpty:
                lines.remove(at: i)
                steps.append("delete line \(i + 1)")
            case 2 where !lines.isEmpty:
                lines.insert(lines[r.below(lines.count)], at: i)
                steps.append("repeat a line at \(i + 1)")
            case 3 where !lines.isEmpty:
                var chars = Array(lines[i])
                let f = r.pick(Self.fragments)
                chars.insert(contentsOf: f, at: r.below(chars.count + 1))
                lines[i] = String(chars)
                steps.append("insert \(f.debugDescription) into line \(i + 1)")
            case 4 where !lines.isEmpty:
                var chars = Array(lines[i])
                if !chars.isEmpty { chars.removeSubrange(r.below(chars.count)..<chars.count) }
                lines[i] = String(chars)
                steps.append("cut line \(i + 1)")
            case 5:
                lines = Array(lines.prefix(i))
                steps.append("truncate after line \(i)")
            default:
                if !lines.isEmpty { lines.swapAt(i, r.below(lines.count)) }
                steps.append("swap two lines")
            }
        }
        let ending = r.below(4) == 0 ? "\r\n" : "\n"
        return (lines.joined(separator: ending), steps.joined(separator: "; ") + (ending == "\r\n" ? "; CRLF" : ""))
    }

    /// Everything replay does with a notebook's text before it runs a cell.
    static func read(_ text: String) -> String? {
        do {
            let notebook = try NotebookFormat.parse(text)
            let header = try NotebookHeader(lines: notebook.header)
            let settings = try header.checkSettings()
            for (index, cell) in notebook.codeCells {
                let own = try settings.forCell(cell, label: "cell \(index + 1)")
                _ = OutputComparison.diff(saved: cell.outputs, fresh: cell.outputs, settings: own)
            }
            let written = NotebookFormat.write(notebook)
            _ = try NotebookFormat.parse(written)
            return nil
        } catch let e as NotebookFormat.SyntaxError {
            return e.description
        } catch let e as CheckSettings.Invalid {
            return e.description
        } catch {
            return "\(error)"
        }
    }

    @Test("10 000 notebook mutants: read or refused with a description", arguments: [1, 2])
    func notebookMutants(seed: UInt64) {
        var r = Random(state: seed)
        let seeds = Self.seeds
        #expect(seeds.count >= 2)
        var refused = 0
        for n in 1...5_000 {
            let (text, how) = Self.mutate(r.pick(seeds), &r)
            if let message = Self.read(text) {
                refused += 1
                #expect(!message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && message.count > 8,
                        "seed \(seed) mutant \(n) (\(how)) refused without a description: \(message.debugDescription)")
            }
        }
        // some mutants must be refused, or the mutations miss what the reader checks
        #expect(refused > 100, "seed \(seed): only \(refused) of 5000 refused")
    }
}
