// Progress bars on a terminal (through a pseudo-terminal) and into pipes: what is
// printed while a bar is drawn passes above it and never shares its line; bars
// alive at once stack; a bar with leave = false leaves no line.

import Foundation
import Testing

@Suite struct ProgressTerminalTests {
    /// Runs a script with a pty as its terminal; the screen it leaves.
    func screen(_ script: String) throws -> TerminalScreen {
        let dir = try Command.temporaryDirectory()
        let path = dir.appendingPathComponent("bars.lua")
        try (script + "\nprint('all done')\n").write(to: path, atomically: true, encoding: .utf8)
        let s = try PTYSession(arguments: [path.path])
        try s.expect("all done")
        #expect(try s.wait() == 0, "\(s.transcript)")
        let screen = TerminalScreen(s.raw)
        #expect(screen.unknown.isEmpty, "\(screen.unknown)")
        return screen
    }

    @Test func printAndIOWritePassAboveTheBar() throws {
        let screen = try screen("""
            for i, bar in torch.progress(1, 40, {desc = 'train'}) do
              bar:set_postfix{loss = 1 / i}
              if i % 10 == 0 then print(string.format('Iteration: %d loss %.6f', i, 1 / i)) end
              if i == 15 then io.write('half', 'way') io.write(' there\\n') end
              if i == 25 then io.stdout:write('a method write\\n') end
              if i == 35 then bar:write('tqdm.write style') end
            end
            """)
        let lines = screen.text
        #expect(lines.count == 9, "\(lines)")
        #expect(Array(lines.prefix(8)) == ["Iteration: 10 loss 0.100000", "halfway there", "Iteration: 20 loss 0.050000",
                                           "a method write", "Iteration: 30 loss 0.033333", "tqdm.write style",
                                           "Iteration: 40 loss 0.025000", lines[7]], "\(lines)")
        #expect(lines[7].hasPrefix("train 100%|██████████| 40/40 ["), "\(lines)")
        #expect(lines[8] == "all done")
    }

    @Test func nestedBarsStackAndAnInnerBarThatDoesNotLeaveIsCleared() throws {
        let screen = try screen("""
            for epoch, outer in torch.progress(1, 2, {desc = 'epochs'}) do
              for i, v, inner in torch.progress({'a', 'b', 'c'}, {desc = 'batches', leave = false}) do
                if i == 2 then print('epoch ' .. epoch .. ' batch ' .. v) end
              end
            end
            """)
        let lines = screen.text
        #expect(lines.count == 4, "\(lines)")
        #expect(Array(lines.prefix(2)) == ["epoch 1 batch b", "epoch 2 batch b"], "\(lines)")
        #expect(lines[2].hasPrefix("epochs 100%|██████████| 2/2 ["), "\(lines)")
        #expect(!lines.contains { $0.contains("batches") }, "\(lines)")
    }

    @Test func aFinishedBarIsNotRedrawnAndAPartialLineWaitsForIt() throws {
        let screen = try screen("""
            for i, bar in torch.progress(1, 3, {desc = 'first'}) do end
            print('between')
            for i, bar in torch.progress(1, 3, {desc = 'second', leave = false}) do
              if i == 1 then io.write('during the bar: ') end
              io.write(i, ' ')
              if i == 2 then print('and') end
            end
            print('end')
            """)
        #expect(screen.text.count == 5, "\(screen.text)")
        #expect(screen.text.first?.hasPrefix("first 100%|██████████| 3/3 [") == true, "\(screen.text)")
        #expect(Array(screen.text.dropFirst()) == ["between", "during the bar: 1 2 and", "3 end", "all done"], "\(screen.text)")
    }

    @Test func intoPipesPrintIsUntouchedAndABarThatDoesNotLeaveSkipsItsLastLine() throws {
        let r = try Command.run(["-e", """
            for i, bar in torch.progress(1, 8, {desc = 'fit', leave = false}) do if i % 4 == 0 then print('step', i) end end
            for x, y, bar in torch.progress(data.windows(torch.arange(1, 11), 2, {batch = 4}), {desc = 'windows', unit = 'batch'}) do end
            """])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "step\t4\nstep\t8\n")
        let lines = r.stderr.split(separator: "\n")
        // fit at 25, 50 and 75 % (not its end), windows at 50 % and its end
        #expect(lines.count == 5, "\(r.stderr)")
        #expect(!lines.contains { $0.contains("fit 100%") }, "\(r.stderr)")
        #expect(lines.last?.hasPrefix("windows 100%|██████████| 2/2 [") == true, "\(r.stderr)")
        #expect(lines.last?.contains("batch/s") == true, "\(r.stderr)")
        #expect(!r.stderr.contains("\u{1B}"))
    }
}
