// cat and stack: gradients split back into each input's slice.

extension Tensor {
    // cat(list, d): each input gets g narrowed to its slice along d
    public static func cat(_ tensors: [Tensor], dim d: Int) throws(TensorError) -> Tensor {
        guard let first = tensors.first else { throw TensorError("expected a non-empty list of tensors") }
        let rank = first.dim
        guard rank > 0 else { throw TensorError("zero-dimensional tensor (at position 1) cannot be concatenated") }
        var total = 0
        for (i, t) in tensors.enumerated() {
            guard t.dim == rank else {
                throw TensorError("tensors must have the same number of dimensions: got \(rank) and \(t.dim) (at position \(i + 1))")
            }
            for j in 0..<rank where j != d && t.shape[j] != first.shape[j] {
                throw TensorError("sizes of tensors must match except in dimension \(d + 1): expected size \(first.shape[j]) but got size \(t.shape[j]) for tensor number \(i + 1) in the list")
            }
            // many expanded tensors could sum past Int
            let (sum, overflow) = total.addingReportingOverflow(t.shape[d])
            guard !overflow else { throw TensorError("the concatenated size along dimension \(d + 1) overflows") }
            total = sum
        }
        var shape = first.shape
        shape[d] = total
        let dtype = tensors.reduce(first.dtype) { DType.promote($0, $1.dtype) }
        try MemoryLimit.check(shape, bytesPerElement: dtype.itemSize)
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        var start = 0
        var sizes: [Int] = []
        for t in tensors {
            out.narrowUnchecked(d, start: start, length: t.shape[d]).assign(t)
            sizes.append(t.shape[d])
            start += t.shape[d]
        }
        if GradMode.isEnabled && tensors.contains(where: { $0.requiresGrad }) {
            let dtypes = tensors.map(\.dtype)
            out.attach(to: Node(name: "CatBackward0", inputs: tensors) { g in
                var at = 0
                return zip(sizes, dtypes).map { n, t in
                    defer { at += n }
                    return g[0]!.narrowUnchecked(d, start: at, length: n).copied().converted(to: t)
                }
            })
        }
        return out
    }

    // stack(list, d): input i gets g selected at index i of d
    public static func stack(_ tensors: [Tensor], dim d: Int) throws(TensorError) -> Tensor {
        guard let first = tensors.first else { throw TensorError("expected a non-empty list of tensors") }
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw TensorError("stack expects each tensor to be equal size, but got \(Shape.describe(first.shape)) at entry 1 and \(Shape.describe(t.shape)) at entry \(i + 1)")
        }
        var shape = first.shape
        shape.insert(tensors.count, at: d)
        let dtype = tensors.reduce(first.dtype) { DType.promote($0, $1.dtype) }
        try MemoryLimit.check(shape, bytesPerElement: dtype.itemSize)
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        for (i, t) in tensors.enumerated() { out.selectUnchecked(d, i).assign(t) }
        if GradMode.isEnabled && tensors.contains(where: { $0.requiresGrad }) {
            let dtypes = tensors.map(\.dtype)
            out.attach(to: Node(name: "StackBackward0", inputs: tensors) { g in
                dtypes.indices.map { g[0]!.selectUnchecked(d, $0).copied().converted(to: dtypes[$0]) }
            })
        }
        return out
    }
}
