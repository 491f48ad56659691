// A grid of axes in one figure (matplotlib's subplots): each panel is a figure of its
// own, drawn in its cell; shared axes get one range and show their tick labels once,
// on the bottom row (x) and the first column (y), as matplotlib's sharex/sharey do.

extension Figure {
    /// Makes this figure a rows × cols grid of empty panels (row by row).
    public mutating func makeGrid(rows: Int, cols: Int, sharex: Bool, sharey: Bool) {
        layout = (rows, cols)
        panels = Array(repeating: Figure(), count: rows * cols)
        self.sharex = sharex
        self.sharey = sharey
    }

    /// The panels as they are drawn: log axes mapped, shared ranges applied, inner tick labels hidden.
    public func arrangedPanels() -> [Figure] {
        var out = panels.map { $0.scaled() }
        func union(_ r: [(Double, Double)]) -> (Double, Double) { (r.map(\.0).min() ?? 0, r.map(\.1).max() ?? 1) }
        let used = out.filter { !$0.series.isEmpty }
        if sharex, !used.isEmpty {
            let x = union(used.map { $0.ranges().x })
            for i in out.indices {
                out[i].xlim = x
                out[i].showsXTickLabels = i / layout.cols == layout.rows - 1
            }
        }
        if sharey, !used.isEmpty {
            let y = union(used.map { $0.ranges().y })
            for i in out.indices {
                out[i].ylim = y
                out[i].showsYTickLabels = i % layout.cols == 0
            }
        }
        return out
    }
}
