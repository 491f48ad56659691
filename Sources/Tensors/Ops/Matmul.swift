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

    /// self[m×k]·b[k×n] into a fresh tensor, no autograd (both of one dtype).
    func mmValues(_ b: Tensor) -> Tensor {
        let (m, k, n) = (shape[0], shape[1], b.shape[1])
        let out = Tensor(filling: 0, shape: [m, n], dtype: dtype)
        if k == 0 { return out }
        let (x, tx, lda) = matrixOperand()
        let (y, ty, ldb) = b.matrixOperand()
        switch dtype {
        case .float32:
            Gemm.run(transA: tx, transB: ty, m: m, n: n, k: k, a: x.data, lda: lda, b: y.data, ldb: ldb,
                     beta: 0, c: out.data, ldc: Swift.max(n, 1))
        case .float64:
            Gemm.run(transA: tx, transB: ty, m: m, n: n, k: k, a: x.elements(Double.self), lda: lda,
                     b: y.elements(Double.self), ldb: ldb, c: out.elements(Double.self), ldc: Swift.max(n, 1))
        default:
            Tensor.integerProduct(x, tx, lda, y, ty, ldb, out, m, n, k)
        }
        return out
    }

    /// The integer (and bool) product, in int64 arithmetic that wraps; then cast back.
    private static func integerProduct(_ x: Tensor, _ tx: Bool, _ lda: Int, _ y: Tensor, _ ty: Bool, _ ldb: Int,
                                       _ out: Tensor, _ m: Int, _ n: Int, _ k: Int) {
        let (a, b) = (x.converted(to: .int64), y.converted(to: .int64))
        let (pa, pb) = (a.elements(Int64.self), b.elements(Int64.self))
        let result = Tensor(filling: 0, shape: [m, n], dtype: .int64)
        let pc = result.elements(Int64.self)
        for i in 0..<m {
            for p in 0..<k {
                let av = tx ? pa[p * lda + i] : pa[i * lda + p]
                for j in 0..<n { pc[i * n + j] &+= av &* (ty ? pb[j * ldb + p] : pb[p * ldb + j]) }
            }
        }
        out.assign(result)
    }

    /// PyTorch's products take operands of one dtype.
    static func checkSameDType(_ a: Tensor, _ b: Tensor) throws(TensorError) {
        guard a.dtype == b.dtype else {
            throw TensorError("expected m1 and m2 to have the same dtype, but got: \(a.dtype.typeName == "torch.FloatTensor" ? "float" : a.dtype.name) != \(b.dtype.typeName == "torch.FloatTensor" ? "float" : b.dtype.name)")
        }
    }

    // mm: ga = g·bᵀ, gb = aᵀ·g
    public func mm(_ b: Tensor) throws(TensorError) -> Tensor {
        guard dim == 2, b.dim == 2 else { throw TensorError("mm expects 2-D tensors, got \(dim)-D and \(b.dim)-D") }
        try Tensor.checkSameDType(self, b)
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
        try Tensor.checkSameDType(self, b)
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
        let out = Tensor(uninitializedShape: [batch, m, n], dtype: a.dtype)
        for i in 0..<batch {
            out.selectUnchecked(0, i).assign(a.selectUnchecked(0, i).mmValues(b.selectUnchecked(0, i)))
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
        try MemoryLimit.check(shape, bytesPerElement: a.dtype.itemSize)
    }

    /// torch.matmul: dot, matrix-vector, matrix-matrix, and batched with broadcast batch dimensions.
    public func matmul(_ b: Tensor) throws(TensorError) -> Tensor {
        let a = self
        guard a.dim >= 1, b.dim >= 1 else {
            throw TensorError("both arguments to matmul need to be at least 1-D, but they are \(a.dim)-D and \(b.dim)-D")
        }
        try Tensor.checkSameDType(a, b)
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
