// Subplots (issue 13): each panel drawn in its own cell, shared axes with one range and
// their inner tick labels hidden, as matplotlib's subplots(sharex=, sharey=).

import Foundation
import Plotting
import Testing

struct SubplotTests {
    func grid(sharex: Bool) -> Figure {
        var f = Figure()
        f.width = 400
        f.height = 400
        f.makeGrid(rows: 2, cols: 1, sharex: sharex, sharey: false)
        var top = Series(kind: .line, xs: [0, 1, 2], ys: [0, 1, 0])
        top.color = Color(1, 0, 0)
        var bottom = Series(kind: .line, xs: [0, 10, 20], ys: [5, 0, 5])
        bottom.color = Color(0, 0, 1)
        f.panels[0].add(top)
        f.panels[1].add(bottom)
        return f
    }

    @Test func eachPanelIsDrawnInItsOwnCell() throws {
        let image = try PNGPixels.read(try grid(sharex: false).pngData())
        #expect(image.width == 400 && image.height == 400)
        func count(_ color: UInt32, rows: Range<Int>) -> Int {
            rows.reduce(0) { n, y in n + (0..<image.width).filter { image.rgb[y * image.width + $0] == color }.count }
        }
        #expect(count(0xFF0000, rows: 0..<200) > 100, "the red line in the top cell")
        #expect(count(0xFF0000, rows: 200..<400) == 0)
        #expect(count(0x0000FF, rows: 200..<400) > 100, "the blue line in the bottom cell")
        #expect(count(0x0000FF, rows: 0..<200) == 0)
        // the top cell is the first panel drawn as a figure of the cell's size
        var alone = grid(sharex: false).panels[0]
        alone.width = 400
        alone.height = 200
        let single = try PNGPixels.read(try alone.pngData())
        #expect(Array(image.rgb[0..<(400 * 200)]) == single.rgb)
    }

    @Test func sharedAxesHaveOneRangeAndTheirLabelsOnce() throws {
        let panels = grid(sharex: true).arrangedPanels()
        #expect(panels[0].xlim! == panels[1].xlim!)
        #expect(panels[0].xlim!.0 <= 0 && panels[0].xlim!.1 >= 20)
        #expect(!panels[0].showsXTickLabels && panels[1].showsXTickLabels, "x numbers on the bottom row only")
        #expect(panels[0].showsYTickLabels && panels[1].showsYTickLabels)
        // the hidden numbers are gone from the drawing too: fewer dark pixels under the top plot
        let shared = try PNGPixels.read(try grid(sharex: true).pngData()), own = try PNGPixels.read(try grid(sharex: false).pngData())
        func dark(_ image: PNGPixels, rows: Range<Int>) -> Int {
            rows.reduce(0) { n, y in n + (0..<image.width).filter { image.rgb[y * image.width + $0] & 0xFF < 0x60 }.count }
        }
        #expect(dark(shared, rows: 150..<200) < dark(own, rows: 150..<200))
    }
}
