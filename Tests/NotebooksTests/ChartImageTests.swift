// What the chart kinds draw, read back from the PNG (issue 13): a log axis spaces the
// powers of ten evenly, a histogram's bars stand as tall as their counts, a band fills
// the height between its bounds. Within a pixel or two, so any CPU's rounding passes.

import Foundation
import Plotting
import Testing

struct ChartImageTests {
    func figure(_ series: [Series], ylim: (Double, Double), ylog: Bool = false) -> Figure {
        var f = Figure()
        f.width = 400
        f.height = 400
        f.grid = false
        f.legend = false
        f.ylim = ylim
        f.xlim = (0, 10)
        f.ylog = ylog
        for s in series { f.add(s) }
        return f
    }

    func series(_ kind: Series.Kind, xs: [Double], ys: [Double], color: Color, upper: [Double] = [], width: Double = 4) -> Series {
        var s = Series(kind: kind, xs: xs, ys: ys)
        s.color = color
        s.upper = upper
        s.width = width
        return s
    }

    /// The middle row of the pixels in column x that have exactly `color`.
    func middleRow(_ image: PNGPixels, x: Int, color: UInt32) throws -> Double {
        let rows = image.rows(atColumn: x) { $0 == color }
        try #require(!rows.isEmpty, "no pixel of \(String(color, radix: 16)) in column \(x)")
        return Double(rows.first! + rows.last!) / 2
    }

    @Test func aLogAxisSpacesPowersOfTenEvenly() throws {
        let lines = [(1.0, Color(1, 0, 0), UInt32(0xFF0000)), (10.0, Color(0, 0, 1), 0x0000FF), (100.0, Color(0, 0, 0), 0x000000)]
        let f = figure(lines.map { series(.hline, xs: [], ys: [$0.0], color: $0.1) }, ylim: (0.5, 200), ylog: true)
        let image = try PNGPixels.read(try f.pngData())
        let rows = try lines.map { try middleRow(image, x: 250, color: $0.2) }
        #expect(rows[0] > rows[1] && rows[1] > rows[2], "1 below 10 below 100: \(rows)")
        #expect(abs((rows[0] - rows[1]) - (rows[1] - rows[2])) <= 1.5, "a decade is a decade: \(rows)")
        // the same lines on a linear axis are nowhere near even
        let linear = try PNGPixels.read(try figure(lines.map { series(.hline, xs: [], ys: [$0.0], color: $0.1) }, ylim: (0.5, 200)).pngData())
        let flat = try lines.map { try middleRow(linear, x: 250, color: $0.2) }
        #expect((flat[0] - flat[1]) * 5 < flat[1] - flat[2], "\(flat)")
    }

    @Test func histogramBarsStandAsTallAsTheirCounts() throws {
        let (edges, heights) = Histogram.counts([1, 2, 2, 3, 3, 3, 4, 4], bins: 4)
        #expect(heights == [1, 2, 3, 2])
        let centers = (0..<4).map { (edges[$0] + edges[$0 + 1]) / 2 }
        var bars = series(.bars, xs: centers, ys: heights, color: Color(1, 0, 0))
        bars.barWidth = edges[1] - edges[0]
        var f = figure([bars], ylim: (0, 4))
        f.xlim = (0.5, 4.5)
        let image = try PNGPixels.read(try f.pngData())
        // at each bar's centre, how many rows are the bar's red
        let tall = centers.map { c -> Int in
            let x = Int((c - 0.5) / 4 * Double(image.width))
            // nearest column holding red (the plot area starts after the axis' labels)
            let column = (0..<image.width).filter { !image.rows(atColumn: $0) { $0 == 0xFF0000 }.isEmpty }
                .min { abs($0 - x) < abs($1 - x) } ?? x
            return image.rows(atColumn: column) { $0 == 0xFF0000 }.count
        }
        let unit = Double(tall[0])
        #expect(unit > 20, "\(tall)")
        // within the rounding of each bar's two ends to whole pixels
        for (t, h) in zip(tall, heights) { #expect(abs(Double(t) - unit * h) <= 1 + h, "heights \(tall) for counts \(heights)") }
    }

    @Test func aBandFillsTheHeightBetweenItsBounds() throws {
        let xs = Array(stride(from: 0.0, through: 10, by: 1))
        func bandHeight(_ hi: Double) throws -> Int {
            let band = series(.band, xs: xs, ys: xs.map { _ in 1 }, color: Color("tab:blue")!, upper: xs.map { _ in 1 + hi })
            let image = try PNGPixels.read(try figure([band], ylim: (0, 4)).pngData())
            // translucent tab:blue (alpha 0.3) over white
            let blend: (UInt32) -> Bool = { p in
                let r = Int(p >> 16 & 0xFF), g = Int(p >> 8 & 0xFF), b = Int(p & 0xFF)
                return abs(r - 188) <= 3 && abs(g - 214) <= 3 && abs(b - 233) <= 3
            }
            return image.rows(atColumn: 250, where: blend).count
        }
        let one = try bandHeight(1), two = try bandHeight(2)
        #expect(one > 40, "\(one)")
        #expect(abs(two - 2 * one) <= 2, "a band twice as high: \(one) and \(two)")
    }
}
