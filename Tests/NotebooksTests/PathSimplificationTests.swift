// Dense lines are simplified before cairo strokes them (Plotting's PathSimplifier):
// the figure must look the same as the one drawn point by point, by the measure
// replay --check uses for figures (RMS within 2 of 255; seen here: 0.7 to 1.4).

import Foundation
import Notebooks
import Plotting
import Testing

@Suite struct PathSimplificationTests {
    func png(_ xs: [Double], _ ys: [Double], simplify: Bool) throws -> Data {
        var figure = Figure()
        var series = Series(kind: .line, xs: xs, ys: ys)
        series.simplify = simplify
        figure.add(series)
        return try figure.pngData()
    }

    func difference(_ xs: [Double], _ ys: [Double]) throws -> ImageDifference? {
        let drawn = try png(xs, ys, simplify: false), simplified = try png(xs, ys, simplify: true)
        let a = Output.Image(path: "a.png", width: 800, height: 500), b = Output.Image(path: "b.png", width: 800, height: 500)
        switch ImageComparer(saved: { _ in drawn }, fresh: { _ in simplified }).verdict(saved: a, fresh: b) {
        case .same: return nil
        case .moved(let d): return d
        case .incomparable(let why): Issue.record("\(why)"); return nil
        }
    }

    @Test func simplifiedLinesLookTheSame() throws {
        var state: UInt64 = 42
        func noise() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        let n = 20_000
        let xs = (0..<n).map(Double.init)
        let cases: [(String, [Double], [Double])] = [
            ("a noisy series", xs, xs.map { sin($0 / 2000) * 3 + noise() * 4 }),
            ("a smooth curve", xs, xs.map { sin($0 / 700) }),
            ("a spiral that turns back", xs.map { cos($0 / 300) * $0 }, xs.map { sin($0 / 300) * $0 }),
            ("steps", xs, xs.map { Double(Int($0 / 1000) % 3) }),
        ]
        for (name, x, y) in cases {
            let d = try difference(x, y)
            #expect((d?.rms ?? 0) <= 2, "\(name): \(d?.description ?? "same")")
        }
    }
}
