// A polyline in device space drawn with far fewer points and the same pixels. Two
// stages: consecutive points in one half-pixel column become at most six (the first,
// the last, and each end of the lowest and the highest level, in the order they came:
// the column's whole vertical extent), as dense plotting libraries do; then runs that stay within a
// ninth of a pixel of a straight line are merged to their extremes along it, as
// matplotlib's path.simplify does. A noisy series of a million points has hundreds
// of points per column: it draws as a few a column instead of a jagged path that
// takes cairo's stroker a minute.

struct PathSimplifier {
    /// How far from the run's line (in pixels) a point may be and still join it.
    static let tolerance = 1.0 / 9

    private(set) var points: [(x: Double, y: Double)] = []
    private var origin = (x: 0.0, y: 0.0)
    /// The run's direction (unit), once a point far enough from its origin came.
    private var direction: (x: Double, y: Double)?
    private var forward = 0.0, backward = 0.0
    private var forwardPoint = (x: 0.0, y: 0.0), backwardPoint: (x: Double, y: Double)?
    private var last = (x: 0.0, y: 0.0)

    /// The half-pixel column being gathered, and its points so far.
    private var column: Double
    private var columnPoints: [(x: Double, y: Double)] = []

    init(start: (x: Double, y: Double)) {
        points = [start]
        origin = start
        last = start
        column = (start.x * 2).rounded(.down)
    }

    mutating func add(_ p: (x: Double, y: Double)) {
        let c = (p.x * 2).rounded(.down)
        if c != column {
            emitColumn()
            column = c
        }
        columnPoints.append(p)
        if columnPoints.count > 6 {
            // Keep the first and the last, and the first and last point at the lowest and
            // at the highest level, in the order they came: a flat stretch before or
            // after a jump keeps both its ends.
            let middle = 1..<columnPoints.count - 1
            var lowFirst = 1, lowLast = 1, highFirst = 1, highLast = 1
            for i in middle {
                let y = columnPoints[i].y
                if y < columnPoints[lowFirst].y { lowFirst = i; lowLast = i } else if y == columnPoints[lowFirst].y { lowLast = i }
                if y > columnPoints[highFirst].y { highFirst = i; highLast = i } else if y == columnPoints[highFirst].y { highLast = i }
            }
            let kept = Set([0, lowFirst, lowLast, highFirst, highLast, columnPoints.count - 1]).sorted()
            columnPoints = kept.map { columnPoints[$0] }
        }
    }

    private mutating func emitColumn() {
        for p in columnPoints { merge(p) }
        columnPoints.removeAll(keepingCapacity: true)
    }

    private mutating func merge(_ p: (x: Double, y: Double)) {
        let v = (x: p.x - origin.x, y: p.y - origin.y)
        guard let d = direction else {
            let length = (v.x * v.x + v.y * v.y).squareRoot()
            if length > PathSimplifier.tolerance {
                direction = (v.x / length, v.y / length)
                forward = length
                forwardPoint = p
            }
            last = p
            return
        }
        let along = v.x * d.x + v.y * d.y
        let across = v.x * d.y - v.y * d.x
        if abs(across) <= PathSimplifier.tolerance {
            if along > forward { forward = along; forwardPoint = p }
            if along < backward { backward = along; backwardPoint = p }
            last = p
            return
        }
        finishRun()
        origin = last
        direction = nil
        forward = 0
        backward = 0
        backwardPoint = nil
        merge(p)
    }

    /// Ends the path; call once after the last point.
    mutating func flush() {
        emitColumn()
        finishRun()
    }

    /// Ends the straight run in progress with its extremes.
    private mutating func finishRun() {
        guard direction != nil else {
            if last != origin { points.append(last) }
            return
        }
        points.append(forwardPoint)
        if let b = backwardPoint { points.append(b) }
        if last != forwardPoint && backwardPoint.map({ last != $0 }) ?? true { points.append(last) }
    }
}
