// Copies that rearrange elements: flip (reversed dimensions), roll (rotated
// dimensions) and repeat (tiled dimensions). roll is narrow and cat, repeat is
// unsqueeze, expand and a copy, so their gradients come from those; flip's is g flipped back.

extension Tensor {
    /// The values with each dimension in `dims` (0-based, distinct) reversed.
    public func flip(_ dims: [Int]) -> Tensor {
        var st = strides
        var start = offset
        for d in dims where shape[d] > 0 {
            start += (shape[d] - 1) * strides[d]
            st[d] = -strides[d]
        }
        // a reversed view is only read here: kernels elsewhere expect non-negative strides
        let out = aliased(shape: shape, strides: st, offset: start).copied()
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "FlipBackward0", inputs: [self]) { g in [g[0]!.flip(dims)] })
        }
        return out
    }

    /// The values shifted `shift` places along d, those falling off the end coming back at the start.
    public func roll(_ shift: Int, dim d: Int) throws(TensorError) -> Tensor {
        let n = shape[d]
        guard n > 0 else { return clone() }
        let s = ((shift % n) + n) % n
        if s == 0 { return clone() }
        return try Tensor.cat([narrow(d, start: n - s, length: s), narrow(d, start: 0, length: n - s)], dim: d)
    }

    /// roll over the flattened values, shape kept.
    public func roll(_ shift: Int) throws(TensorError) -> Tensor {
        try reshape([count]).roll(shift, dim: 0).reshape(shape)
    }

    /// PyTorch's repeat: the tensor tiled `times[i]` times along dimension i; `times`
    /// may be longer than the rank (new leading dimensions).
    public func repeated(_ times: Dims) throws(TensorError) -> Tensor {
        guard times.count >= dim else {
            throw TensorError("number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
        }
        var result = try reshape(Dims(repeating: 1, count: times.count - dim) + shape)
        var outShape = result.shape
        for (d, r) in times.enumerated() {
            let (size, overflow) = outShape[d].multipliedReportingOverflow(by: r)
            guard !overflow else { throw TensorError("repeat sizes \(Shape.describe(times)) overflow") }
            outShape[d] = size
        }
        guard Shape.checkedCount(outShape) != nil else {
            throw TensorError("repeating to \(Shape.describe(outShape)) would make more than \(Shape.maxElements) elements")
        }
        try MemoryLimit.check(outShape, bytesPerElement: dtype.itemSize)
        if outShape.contains(0) {
            // nothing to copy, however many times (a repeat count may be huge)
            let out = Tensor.zeros(outShape)
            let inputShape = shape
            if Tensor.needsGrad(self) {
                out.attach(to: Node(name: "RepeatBackward0", inputs: [self]) { _ in [Tensor.zeros(inputShape)] })
            }
            return out
        }
        if times.allSatisfy({ $0 == 1 }) { return result.clone() }
        for (d, r) in times.enumerated() where r != 1 {
            result = try result.tiled(r, dim: d)
        }
        return result
    }

    /// r copies along d, one after another: a new dimension of size r expanded in front
    /// of d, then merged with it (views and one copy; expand's gradient sums the copies).
    private func tiled(_ r: Int, dim d: Int) throws(TensorError) -> Tensor {
        var merged = shape
        merged[d] *= r
        if dim < Dims.maxRank {
            var expanded = shape
            expanded.insert(r, at: d)
            return try unsqueeze(d).expand(expanded).contiguous().view(merged)
        }
        // no room for the extra dimension: r pieces joined
        try MemoryLimit.check([r], bytesPerElement: MemoryLayout<Tensor>.stride)
        return try Tensor.cat([Tensor](repeating: self, count: r), dim: d)
    }
}

extension Tensor {
    // unbind(d): views without dimension d; one node, whose backward stacks the pieces' gradients
    public func unbind(_ d: Int) -> [Tensor] {
        let pieces = (0..<shape[d]).map { selectUnchecked(d, $0) }
        Tensor.recordPieces(self, pieces, "UnbindBackward0") { grads, input in
            var pieceShape = input.shape
            pieceShape.remove(at: d)
            let zero = Tensor.zeros(pieceShape, dtype: input.dtype)
            return try! Tensor.stack(grads.map { $0 ?? zero }, dim: d)
        }
        return pieces
    }

    // split(sizes, d): views of consecutive sizes along d; one node, whose backward joins the gradients
    public func split(sizes: [Int], dim d: Int) -> [Tensor] {
        var start = 0
        let pieces = sizes.map { n in
            defer { start += n }
            return narrowUnchecked(d, start: start, length: n)
        }
        // shapes, not the pieces: a piece's node holding the piece would be a cycle
        let shapes = pieces.map(\.shape)
        Tensor.recordPieces(self, pieces, "SplitWithSizesBackward0") { grads, input in
            let parts = zip(grads, shapes).map { g, shape in g ?? Tensor.zeros(shape, dtype: input.dtype) }
            return try! Tensor.cat(parts, dim: d)
        }
        return pieces
    }

    /// One node for all the pieces of a tensor (PyTorch's unbind and split): a backward per
    /// piece would build the whole input's gradient once per piece, n² work for n pieces.
    private static func recordPieces(_ input: Tensor, _ pieces: [Tensor], _ name: String,
                                     _ join: @escaping ([Tensor?], (shape: Dims, dtype: DType)) -> Tensor) {
        guard Tensor.needsGrad(input), !pieces.isEmpty else { return }
        let description = (shape: input.shape, dtype: input.dtype)
        let node = Node(name: name, inputs: [input], outputCount: pieces.count) { grads in [join(grads, description)] }
        for (k, p) in pieces.enumerated() { p.attach(to: node, index: k) }
    }
}
