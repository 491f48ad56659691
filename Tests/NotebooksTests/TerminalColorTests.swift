// fig:show() in a terminal draws each series in its own colour, the nearest of the
// terminal's 256 (issue 13: tab:blue and tab:red both came out green).

import Plotting
import Testing

struct TerminalColorTests {
    @Test func namedColoursMapToTheirNearestXtermColour() {
        #expect(Color("tab:blue")!.xterm256 == 31)
        #expect(Color("tab:red")!.xterm256 == 160)
        #expect(Color("red")!.xterm256 == 196)
        #expect(Color("black")!.xterm256 == 16)
        #expect(Color("gray")!.xterm256 == 244)
    }

    @Test func eachSeriesIsDrawnInItsOwnColour() {
        var figure = Figure()
        var a = Series(kind: .line, xs: [0, 1, 2], ys: [0, 1, 2])
        a.color = Color("tab:blue")
        var b = Series(kind: .line, xs: [0, 1, 2], ys: [2, 1, 0])
        b.color = Color("tab:red")
        figure.add(a)
        figure.add(b)
        let text = figure.braille(columns: 30, rows: 8, color: true)
        #expect(text.contains("\u{1B}[38;5;31m"))
        #expect(text.contains("\u{1B}[38;5;160m"))
        #expect(!figure.braille(columns: 30, rows: 8, color: false).contains("\u{1B}"))
    }
}
