// Reduction loops: sums over any set of dimensions, and arg-extrema along one.

enum Reduce {
    /// Sum over `dims` (0-based, distinct), the result keeping them as size 1.
    static func sum(_ a: Tensor, dims: Set<Int>) -> Tensor {
        var outShape = a.shape
        for d in dims { outShape[d] = 1 }
        let out = Tensor(repeating: 0, shape: outShape)
        if dims.count == a.dim || a.count == out.count {
            if a.count == out.count { copyValues(a, into: out) } else { out.data.pointee = Float(total(a)) }
            return out
        }
        var outStrides = out.strides
        for d in dims { outStrides[d] = 0 }
        let (pa, po) = (a.storage.data, out.data)
        forEachRow(shape: a.shape, strides: [a.strides, outStrides], bases: [a.offset, 0]) { n, offsets, inner in
            var (ia, io) = (offsets[0], offsets[1])
            let (da, dout) = (inner[0], inner[1])
            if dout == 0 {
                var s: Float = 0
                for _ in 0..<n { s += pa[ia]; ia += da }
                po[io] += s
            } else {
                for _ in 0..<n { po[io] += pa[ia]; ia += da; io += dout }
            }
        }
        return out
    }

    /// The sum of every element, accumulated in Double.
    static func total(_ a: Tensor) -> Double {
        var s = 0.0
        if a.isContiguous {
            let p = a.data
            for i in 0..<a.count { s += Double(p[i]) }
        } else {
            let base = a.storage.data
            a.forEachOffset { s += Double(base[$0]) }
        }
        return s
    }

    /// Along `dim`: each row's extreme value and its 0-based index (first one on ties),
    /// shaped as `a` with `dim` of size 1. NaN wins, as in PyTorch.
    static func extreme(_ a: Tensor, dim: Int, largest: Bool) -> (values: Tensor, indices: [Int]) {
        var outShape = a.shape
        outShape[dim] = 1
        let values = Tensor(uninitializedShape: outShape)
        var indices = [Int](repeating: 0, count: values.count)
        let n = a.shape[dim], step = a.strides[dim]
        var rowStrides = a.strides
        rowStrides[dim] = 0
        let base = a.storage.data
        var k = 0
        let rows = Tensor(storage: a.storage, shape: outShape, strides: rowStrides, offset: a.offset)
        rows.forEachOffset { start in
            var best = base[start], bestIndex = 0
            var p = start
            for i in 1..<Swift.max(n, 1) {
                p += step
                let v = base[p]
                if best.isNaN { break }
                if v.isNaN || (largest ? v > best : v < best) { best = v; bestIndex = i }
            }
            values.data[k] = best
            indices[k] = bestIndex
            k += 1
        }
        return (values, indices)
    }

    static func copyValues(_ a: Tensor, into out: Tensor) {
        let o = out.data
        if a.isContiguous {
            o.update(from: a.data, count: a.count)
        } else {
            let base = a.storage.data
            var i = 0
            a.forEachRow { start, length, stride in
                if stride == 1 {
                    (o + i).update(from: base + start, count: length)
                } else {
                    var p = start
                    for k in 0..<length { o[i + k] = base[p]; p += stride }
                }
                i += length
            }
        }
    }
}
