// sort and topk along one dimension: the values as a tensor (differentiable: the
// gradient goes back to the position each value came from) and the 0-based
// positions as [Int], made into a user's tensor by Tensor.indices. NaN counts as
// the largest value, and equal values keep their order, as PyTorch's stable sort.

extension Tensor {
    /// Storage offsets of the first element of every line along `d`, in row-major
    /// order of the other dimensions (the order a contiguous result holds them in).
    func lineStarts(_ d: Int) -> [Int] {
        var s = shape, st = strides
        s[d] = 1
        st[d] = 0
        var out: [Int] = []
        out.reserveCapacity(Shape.count(s))
        aliased(shape: s, strides: st).forEachOffset { out.append($0) }
        return out
    }

    /// The whole of dimension d, ordered (ascending, or descending).
    public func sort(dim d: Int, descending: Bool = false) throws(TensorError) -> (values: Tensor, indices: [Int]) {
        try ordered(dim: d, k: shape.isEmpty ? 1 : shape[d], largest: descending, name: "SortBackward0")
    }

    /// The k largest (or smallest) values along d, in order, with their positions.
    public func topk(_ k: Int, dim d: Int, largest: Bool = true) throws(TensorError) -> (values: Tensor, indices: [Int]) {
        let n = shape.isEmpty ? 1 : shape[d]
        guard k >= 0 && k <= n else { throw TensorError("selected index k out of range: k = \(k) for a dimension of size \(n)") }
        return try ordered(dim: d, k: k, largest: largest, name: "TopkBackward0")
    }

    private func ordered(dim d: Int, k: Int, largest: Bool, name: String) throws(TensorError) -> (values: Tensor, indices: [Int]) {
        if shape.isEmpty {
            let (v, i) = try unsqueeze(0).ordered(dim: 0, k: k, largest: largest, name: name)
            return (k == 1 ? v.squeeze(0) : v, i)
        }
        let n = shape[d]
        var outShape = shape
        outShape[d] = k
        // the values, their indices, and one line's copy and order: an expanded input may be huge
        try MemoryLimit.check(outShape, bytesPerElement: dtype.itemSize + MemoryLayout<Int>.stride)
        try MemoryLimit.check([n], bytesPerElement: dtype.itemSize + MemoryLayout<Int>.stride)
        let values = Tensor(uninitializedShape: outShape, dtype: dtype)
        var indices = [Int](repeating: 0, count: values.count)
        func run<T: TensorElement>(_: T.Type) {
            let step = strides[d], outStep = values.strides[d]
            let (base, out) = (storage.elements(T.self), values.storage.elements(T.self))
            var line = [T](repeating: T.zero, count: n)
            // x comes strictly before y; NaN (x != x) is the largest value
            func before(_ x: T, _ y: T) -> Bool {
                if largest { return y != y ? false : (x != x || T.isLess(y, x)) }
                return x != x ? false : (y != y || T.isLess(x, y))
            }
            // an empty tensor may still have very many (empty) lines: nothing to walk
            for (s, o) in zip(count == 0 ? [] : lineStarts(d), count == 0 ? [] : values.lineStarts(d)) {
                for j in 0..<n { line[j] = base[s + j * step] }
                let order = (0..<n).sorted { a, b in
                    before(line[a], line[b]) || (!before(line[b], line[a]) && a < b)
                }
                for j in 0..<k {
                    out[o + j * outStep] = line[order[j]]
                    indices[o + j * outStep] = order[j]
                }
            }
        }
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int64: run(Int64.self)
        case .int32: run(Int32.self)
        case .uint8: run(UInt8.self)
        case .bool: run(Bool.self)
        }
        if Tensor.needsGrad(self) {
            let inputShape = shape
            values.attach(to: Node(name: name, inputs: [self]) { grads in
                [Tensor.scatterAlong(d, indices, grads[0]!.materialized(), into: inputShape)]
            })
        }
        return (values, indices)
    }

    /// zeros of `shape` with g's values placed along d at `indices` (g's shape, 0-based):
    /// the gradient of picking those positions.
    static func scatterAlong(_ d: Int, _ indices: [Int], _ g: Tensor, into shape: Dims) -> Tensor {
        let dx = Tensor(filling: 0, shape: shape, dtype: g.dtype)
        if dx.count == 0 || g.count == 0 { return dx }
        let (step, gStep, k) = (dx.strides[d], g.strides[d], g.shape[d])
        func run<T: TensorFloat>(_: T.Type) {
            let (dst, src) = (dx.elements(T.self), g.elements(T.self))
            for (s, o) in zip(dx.lineStarts(d), g.lineStarts(d)) {
                for j in 0..<k { dst[s + indices[o + j * gStep] * step] += src[o + j * gStep] }
            }
        }
        if g.dtype == .float64 { run(Double.self) } else { run(Float.self) }
        return dx
    }
}
