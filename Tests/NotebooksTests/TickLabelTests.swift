// Axis labels as matplotlib's ScalarFormatter writes them (issue 13): every label of
// an axis with one number of decimals, a real minus sign, and an offset or a power of
// ten at the axis's end when the values call for it.

import Foundation
import Plotting
import Testing

struct TickLabelTests {
    func labels(_ lo: Double, _ hi: Double, target: Int = 6) -> ([String], String?) {
        let t = Ticks.nice(lo, hi, target: target)
        let (texts, corner) = Ticks.labels(t.ticks)
        return (texts, corner)
    }

    @Test func stepsOfTwoAndAHalfAreNotRounded() {
        #expect(labels(0, 12.5).0 == ["0.0", "2.5", "5.0", "7.5", "10.0", "12.5"])
        #expect(labels(1, 2, target: 4).0 == ["1.00", "1.25", "1.50", "1.75", "2.00"])
        #expect(labels(0, 10).0 == ["0", "2", "4", "6", "8", "10"])
        #expect(labels(0, 1, target: 5).0 == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    @Test func negativesUseTheMinusSign() {
        #expect(labels(-1, 1, target: 4).0 == ["\u{2212}1.0", "\u{2212}0.5", "0.0", "0.5", "1.0"])
        #expect(Ticks.labels([-2, 0, 2], minus: "-").labels == ["-2", "0", "2"])
        #expect(!Ticks.labels([-0.0, 1]).labels[0].contains("\u{2212}"), "no minus zero")
    }

    @Test func largeAndTinyRangesGetAPowerOfTen() {
        let (big, bigCorner) = labels(2e7, 9e7, target: 4)
        #expect(bigCorner == "1e7")
        #expect(big == ["2", "4", "6", "8"])
        let (tiny, tinyCorner) = Ticks.labels([-2e-6, 0, 2e-6, 4e-6])
        #expect(tinyCorner == "1e\u{2212}6")
        #expect(tiny == ["\u{2212}2", "0", "2", "4"])
        let (_, none) = labels(0, 99_000)
        #expect(none == nil, "five digits print as they are")
    }

    @Test func aRangeSmallBesideItsValuesGetsAnOffset() {
        let (texts, corner) = Ticks.labels([1e6 + 0.1, 1e6 + 0.2, 1e6 + 0.3, 1e6 + 0.4, 1e6 + 0.5])
        #expect(corner == "+1e6")
        #expect(texts == ["0.1", "0.2", "0.3", "0.4", "0.5"])
        let (_, negative) = Ticks.labels([-1e6 - 0.4, -1e6 - 0.2])
        #expect(negative == "\u{2212}1e6")
    }

    @Test func logarithmicAxesTickAtPowersOfTen() {
        let a = Ticks.axis(-3.2, 0.4, log: true)
        #expect(a.ticks == [-3, -2, -1, 0])
        #expect(a.labels == ["10\u{207B}\u{00B3}", "10\u{207B}\u{00B2}", "10\u{207B}\u{00B9}", "10\u{2070}"])
        #expect(Ticks.axis(-3.2, 0.4, log: true, minus: "-").labels == ["1e-3", "1e-2", "1e-1", "1e0"])
        // less than a decade: the values themselves, at their logarithms
        let narrow = Ticks.axis(log10(2), log10(5), log: true)
        #expect(narrow.labels.contains("3") && narrow.ticks.allSatisfy { $0 >= log10(2) - 1e-12 && $0 <= log10(5) + 1e-12 })
        var f = Figure()
        f.ylog = true
        f.add(Series(kind: .line, xs: [1, 2, 3], ys: [10, 0, 1000]))
        let s = f.scaled()
        #expect(s.series[0].ys[0] == 1 && s.series[0].ys[1].isNaN && s.series[0].ys[2] == 3, "log10, and nothing for 0")
    }
}
