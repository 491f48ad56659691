// Shape arithmetic: counts, strides, broadcasting and dimension checks.

public enum Shape {
    /// The most elements lstmlua makes a tensor of: 2^33 (32 GiB of Float32).
    public static let maxElements = 1 << 33

    /// The number of elements, or nil when it is past maxElements (or overflows Int).
    public static func checkedCount<C: Collection>(_ shape: C) -> Int? where C.Element == Int {
        guard !shape.contains(0) else { return shape.allSatisfy { $0 >= 0 } ? 0 : nil }
        var n = 1
        for s in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: s)
            guard s > 0, !overflow, p <= maxElements else { return nil }
            n = p
        }
        return n
    }

    public static func count(_ shape: Dims) -> Int {
        var n = 1
        for s in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: s)
            if overflow {
                // [2^40, 2^40, 0] has no elements; any other overflow is a size no check refused
                guard shape.contains(0) else { preconditionFailure("the element count of \(describe(shape)) overflows Int") }
                return 0
            }
            n = p
        }
        return n
    }

    public static func contiguousStrides(_ shape: Dims) -> Dims {
        // Overwritten in place: a copy of the shape is the cheapest Dims of the right rank.
        var strides = shape
        var step = 1
        var d = shape.count - 1
        while d >= 0 {
            let size = shape[d]
            strides[d] = step
            step *= size > 1 ? size : 1
            d -= 1
        }
        return strides
    }

    /// Row-major without gaps; dimensions of size 1 may have any stride.
    public static func isContiguous(_ shape: Dims, _ strides: Dims) -> Bool {
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            if shape[d] == 1 { continue }
            if shape[d] == 0 { return true }
            if strides[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }

    /// Whether two elements of a view may share one memory location: a dimension of size > 1
    /// with stride 0 (expand), or strides too small for the extents below them. Views made by
    /// narrowing, selecting or permuting a tensor whose elements do not overlap never fail this.
    public static func mayOverlap(_ shape: Dims, _ strides: Dims) -> Bool {
        var dims: [(size: Int, stride: Int)] = []
        for d in 0..<shape.count {
            if shape[d] == 0 { return false }
            if shape[d] > 1 { dims.append((shape[d], Swift.abs(strides[d]))) }
        }
        dims.sort { $0.stride < $1.stride }
        var extent = 0  // the largest offset reachable with the dimensions of smaller stride
        for (size, stride) in dims {
            guard stride > extent else { return true }
            let (span, overflow) = stride.multipliedReportingOverflow(by: size - 1)
            guard !overflow else { return false }
            extent += span
        }
        return false
    }

    /// "[3, 5]", as PyTorch prints sizes in messages.
    public static func describe<C: Collection>(_ shape: C) -> String where C.Element == Int {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// PyTorch's broadcasting of two shapes, or nil if they do not broadcast.
    public static func broadcast(_ a: Dims, _ b: Dims) -> Dims? {
        if a == b { return a }
        let n = Swift.max(a.count, b.count)
        var out = Dims(repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Strides that read a tensor of `shape`/`strides` as if it had `target` shape (0 where broadcast).
    public static func broadcastStrides(_ shape: Dims, _ strides: Dims, to target: Dims) -> Dims {
        var out = Dims(repeating: 0, count: target.count)
        let lead = target.count - shape.count
        for i in 0..<shape.count where shape[i] != 1 || target[lead + i] == 1 {
            out[lead + i] = shape[i] == 1 ? 0 : strides[i]
        }
        return out
    }

    /// A 0-based dimension from a 0-based or negative one, or nil when out of range.
    /// A 0-dimensional tensor accepts dims 0 and -1, as PyTorch does.
    public static func normalize(_ dim: Int, rank: Int) -> Int? {
        let r = Swift.max(rank, 1)
        let d = dim < 0 ? dim + r : dim
        return d >= 0 && d < r ? d : nil
    }
}
