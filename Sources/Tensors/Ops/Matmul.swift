// mm, bmm and torch.matmul's rules for 1-D, 2-D and batched operands.

extension Tensor {
    /// How a 2-D view reaches BLAS: its base, leading dimension, and whether it is transposed.
    /// Views that are neither row- nor column-major are copied first.
    func matrixOperand() -> (tensor: Tensor, transposed: Bool, ld: Int) {
        let (r, c) = (shape[0], shape[1])
        if strides[1] == 1 && (strides[0] >= Swift.max(c, 1) || r == 1) { return (self, false, Swift.max(strides[0], c, 1)) }
        if strides[0] == 1 && (strides[1] >= Swift.max(r, 1) || c == 1) { return (self, true, Swift.max(strides[1], r, 1)) }
        return (copied(), false, Swift.max(c, 1))
    }

    /// self[m×k]·b[k×n] into a fresh tensor, no autograd.
    func mmValues(_ b: Tensor) -> Tensor {
        let (m, k, n) = (shape[0], shape[1], b.shape[1])
        let out = Tensor(uninitializedShape: [m, n])
        if k == 0 { out.data.initialize(repeating: 0, count: m * n); return out }
        let (x, tx, lda) = matrixOperand()
        let (y, ty, ldb) = b.matrixOperand()
        Gemm.run(transA: tx, transB: ty, m: m, n: n, k: k, a: x.data, lda: lda, b: y.data, ldb: ldb,
                 beta: 0, c: out.data, ldc: Swift.max(n, 1))
        return out
    }

    // mm: ga = g·bᵀ, gb = aᵀ·g
    public func mm(_ b: Tensor) throws(TensorError) -> Tensor {
        guard dim == 2, b.dim == 2 else { throw TensorError("mm expects 2-D tensors, got \(dim)-D and \(b.dim)-D") }
        guard shape[1] == b.shape[0] else {
            throw TensorError("sizes \(Shape.describe(shape)) and \(Shape.describe(b.shape)) cannot be multiplied")
        }
        try Tensor.checkProductSize(self, b, [shape[0], b.shape[dim - 1]] + (dim == 3 ? [shape[1]] : []))
        let out = mmValues(b)
        if Tensor.needsGrad(self, b) {
            let a = self
            out.attach(to: Node(name: "MmBackward0", inputs: [a, b], saving: [a, b]) { g in
                let g = g[0]!
                return [a.requiresGrad ? g.mmValues(b.transposeUnchecked(0, 1)) : nil,
                        b.requiresGrad ? a.transposeUnchecked(0, 1).mmValues(g) : nil]
            })
        }
        return out
    }

    // bmm over a leading batch dimension: per batch, ga = g·bᵀ, gb = aᵀ·g
    public func bmm(_ b: Tensor) throws(TensorError) -> Tensor {
        guard dim == 3, b.dim == 3, shape[0] == b.shape[0], shape[2] == b.shape[1] else {
            throw TensorError("sizes \(Shape.describe(shape)) and \(Shape.describe(b.shape)) cannot be multiplied")
        }
        try Tensor.checkProductSize(self, b, [shape[0], b.shape[dim - 1]] + (dim == 3 ? [shape[1]] : []))
        let out = Tensor.bmmValues(self, b)
        if Tensor.needsGrad(self, b) {
            let a = self
            out.attach(to: Node(name: "BmmBackward0", inputs: [a, b], saving: [a, b]) { g in
                let g = g[0]!
                return [a.requiresGrad ? Tensor.bmmValues(g, b.transposeUnchecked(1, 2)) : nil,
                        b.requiresGrad ? Tensor.bmmValues(a.transposeUnchecked(1, 2), g) : nil]
            })
        }
        return out
    }

    static func bmmValues(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (batch, m, n) = (a.shape[0], a.shape[1], b.shape[2])
        let out = Tensor(uninitializedShape: [batch, m, n])
        for i in 0..<batch {
            let r = a.selectUnchecked(0, i).mmValues(b.selectUnchecked(0, i))
            (out.data + i * m * n).update(from: r.data, count: m * n)
        }
        return out
    }

    func selectUnchecked(_ d: Int, _ index: Int) -> Tensor {
        var newShape = shape, newStrides = strides
        newShape.remove(at: d)
        newStrides.remove(at: d)
        return aliased(shape: newShape, strides: newStrides, offset: offset + index * strides[d])
    }

    /// Refuses a product whose operands or result (`shape`) would have more elements than a tensor may.
    static func checkProductSize<C: Collection>(_ a: Tensor, _ b: Tensor, _ shape: C) throws(TensorError) where C.Element == Int {
        guard Shape.checkedCount(shape) != nil else {
            throw TensorError("the product of \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) needs more than \(Shape.maxElements) elements")
        }
        try MemoryLimit.check(shape)
    }

    /// torch.matmul: dot, matrix-vector, matrix-matrix, and batched with broadcast batch dimensions.
    public func matmul(_ b: Tensor) throws(TensorError) -> Tensor {
        let a = self
        guard a.dim >= 1, b.dim >= 1 else {
            throw TensorError("both arguments to matmul need to be at least 1-D, but they are \(a.dim)-D and \(b.dim)-D")
        }
        let k1 = a.shape[a.dim - 1], k2 = b.dim == 1 ? b.shape[0] : b.shape[b.dim - 2]
        guard k1 == k2 else {
            throw TensorError("sizes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) cannot be multiplied")
        }
        switch (a.dim, b.dim) {
        case (1, 1): return try a.unsqueeze(0).mm(b.unsqueeze(1)).view([])
        case (2, 1): return try a.mm(b.unsqueeze(1)).squeeze(1)
        case (1, 2): return try a.unsqueeze(0).mm(b).squeeze(0)
        case (2, 2): return try a.mm(b)
        default: break
        }
        // Batched: promote vectors, broadcast the batch dimensions, flatten them into one.
        let x = a.dim == 1 ? a.unsqueeze(0) : a
        let y = b.dim == 1 ? b.unsqueeze(1) : b
        let (m, n) = (x.shape[x.dim - 2], y.shape[y.dim - 1])
        guard let batch = Shape.broadcast(x.shape.slice(0..<(x.dim - 2)), y.shape.slice(0..<(y.dim - 2))) else {
            throw TensorError("batch dimensions of \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) cannot be broadcast")
        }
        for operand in [batch + [m, k1], batch + [k1, n], batch + [m, n]] { try Tensor.checkProductSize(a, b, operand) }
        let nb = Shape.count(batch)
        let xe = try x.expand(batch + [m, k1]).reshape([nb, m, k1])
        let ye = try y.expand(batch + [k1, n]).reshape([nb, k1, n])
        var out = try xe.bmm(ye).view(batch + [m, n])
        if a.dim == 1 { out = out.squeeze(out.dim - 2) }
        if b.dim == 1 { out = out.squeeze(out.dim - 1) }
        return out
    }
}
