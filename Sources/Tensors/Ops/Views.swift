// Views: new shapes and strides over the same storage. Each records a backward
// that maps the gradient back to the input's shape.

extension Tensor {
    /// The same storage seen with another shape/strides/offset (no autograd).
    func aliased(shape: Dims, strides: Dims, offset: Int? = nil) -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset ?? self.offset)
    }

    /// Records `node` on `out` when self needs a gradient; `backward` maps g to self's gradient.
    /// The backward closure is made only then: under no_grad a view allocates nothing but itself.
    @inline(__always)
    func recordView(_ out: Tensor, _ name: String, _ backward: @autoclosure () -> (Tensor) -> Tensor) -> Tensor {
        if Tensor.needsGrad(self) {
            let backward = backward()
            out.attach(to: Node(name: name, inputs: [self]) { g in [backward(g[0]!)] })
        }
        return out
    }

    /// Resolves one -1 and checks the element count, as PyTorch's infer_size.
    public func inferShape(_ requested: Dims) throws(TensorError) -> Dims {
        var shape = requested
        var inferred: Int? = nil
        var known = 1
        for (i, s) in requested.enumerated() {
            if s == -1 {
                if inferred != nil { throw TensorError("only one dimension can be inferred") }
                inferred = i
            } else if s < 0 {
                throw TensorError("invalid shape dimension \(s)")
            } else {
                known *= s
            }
        }
        func bad() -> TensorError { TensorError("shape \(Shape.describe(requested)) is invalid for a tensor of \(count) elements") }
        if let i = inferred {
            guard known != 0, count % known == 0 else { throw bad() }
            shape[i] = count / known
        } else if known != count {
            throw bad()
        }
        return shape
    }

    /// PyTorch's computeStride: strides that show this tensor as `newShape` without copying, if any.
    func viewStrides(_ newShape: Dims) -> Dims? {
        if isContiguous { return Shape.contiguousStrides(newShape) }
        if shape.isEmpty { return Dims(repeating: 1, count: newShape.count) }
        if count == 0 { return shape == newShape ? strides : Shape.contiguousStrides(newShape) }
        var newStrides = Dims(repeating: 0, count: newShape.count)
        var viewD = newShape.count - 1
        var chunkBaseStride = strides.last!
        var tensorNumel = 1, viewNumel = 1
        for tensorD in stride(from: shape.count - 1, through: 0, by: -1) {
            tensorNumel *= shape[tensorD]
            if tensorD == 0 || (shape[tensorD - 1] != 1 && strides[tensorD - 1] != tensorNumel * chunkBaseStride) {
                while viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
                    newStrides[viewD] = viewNumel * chunkBaseStride
                    viewNumel *= newShape[viewD]
                    viewD -= 1
                }
                if viewNumel != tensorNumel { return nil }
                if tensorD > 0 {
                    chunkBaseStride = strides[tensorD - 1]
                    tensorNumel = 1
                    viewNumel = 1
                }
            }
        }
        return viewD == -1 ? newStrides : nil
    }

    /// A view with a shape already known to fit (no -1, same count).
    func viewUnchecked(_ newShape: Dims) -> Tensor {
        if newShape == shape { return self }
        if let s = viewStrides(newShape) { return aliased(shape: newShape, strides: s) }
        return copied().aliased(shape: newShape, strides: Shape.contiguousStrides(newShape))
    }

    // view: g.reshape(input shape)
    public func view(_ requested: Dims) throws(TensorError) -> Tensor {
        let newShape = try inferShape(requested)
        guard let s = viewStrides(newShape) else {
            throw TensorError("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces); use reshape instead")
        }
        let inputShape = shape
        return recordView(aliased(shape: newShape, strides: s), "ViewBackward0", { $0.reshapeUnchecked(inputShape) })
    }

    // reshape: a view when strides allow, else a copy; g.reshape(input shape)
    public func reshape(_ requested: Dims) throws(TensorError) -> Tensor {
        let newShape = try inferShape(requested)
        if viewStrides(newShape) != nil { return try view(newShape) }
        return try contiguous().view(newShape)
    }

    func reshapeUnchecked(_ newShape: Dims) -> Tensor {
        viewUnchecked(newShape)
    }

    // unsqueeze(d): g.squeeze(d); d in 0...dim
    public func unsqueeze(_ d: Int) -> Tensor {
        var newShape = shape, newStrides = strides
        let s = d < dim ? shape[d] * strides[d] : 1
        newShape.insert(1, at: d)
        newStrides.insert(s, at: d)
        let inputShape = shape
        return recordView(aliased(shape: newShape, strides: newStrides), "UnsqueezeBackward0", { $0.viewUnchecked(inputShape) })
    }

    // squeeze(d) / squeeze(): g.view(input shape)
    public func squeeze(_ d: Int? = nil) -> Tensor {
        var newShape: Dims = [], newStrides: Dims = []
        for i in 0..<dim where !(shape[i] == 1 && (d == nil || d == i)) {
            newShape.append(shape[i])
            newStrides.append(strides[i])
        }
        if newShape.count == dim { return recordView(aliased(shape: shape, strides: strides), "SqueezeBackward0", { $0 }) }
        let inputShape = shape
        return recordView(aliased(shape: newShape, strides: newStrides), d == nil ? "SqueezeBackward0" : "SqueezeBackward1", {
            $0.viewUnchecked(inputShape)
        })
    }

    // transpose(a, b): g.transpose(a, b)
    public func transpose(_ a: Int, _ b: Int) -> Tensor {
        var newShape = shape, newStrides = strides
        newShape.swapAt(a, b)
        newStrides.swapAt(a, b)
        return recordView(aliased(shape: newShape, strides: newStrides), "TransposeBackward0", { $0.transposeUnchecked(a, b) })
    }

    func transposeUnchecked(_ a: Int, _ b: Int) -> Tensor {
        var newShape = shape, newStrides = strides
        newShape.swapAt(a, b)
        newStrides.swapAt(a, b)
        return aliased(shape: newShape, strides: newStrides)
    }

    // permute(p): g.permute(p⁻¹); p is a permutation of 0..<dim
    public func permute(_ order: Dims) -> Tensor {
        let out = aliased(shape: Dims(order.map { shape[$0] }), strides: Dims(order.map { strides[$0] }))
        var inverse = Dims(repeating: 0, count: order.count)
        for (i, p) in order.enumerated() { inverse[p] = i }
        return recordView(out, "PermuteBackward0", { g in
            g.aliased(shape: Dims(inverse.map { g.shape[$0] }), strides: Dims(inverse.map { g.strides[$0] }))
        })
    }

    // narrow(d, start, length): g placed into zeros at [start, start+length) along d
    public func narrow(_ d: Int, start: Int, length: Int) -> Tensor {
        var newShape = shape
        newShape[d] = length
        let out = aliased(shape: newShape, strides: strides, offset: offset + start * strides[d])
        let inputShape = shape
        return recordView(out, "SliceBackward0", { g in
            let full = Tensor(filling: 0, shape: inputShape, dtype: g.dtype)
            full.narrowUnchecked(d, start: start, length: length).assign(g)
            return full
        })
    }

    func narrowUnchecked(_ d: Int, start: Int, length: Int) -> Tensor {
        var newShape = shape
        newShape[d] = length
        return aliased(shape: newShape, strides: strides, offset: offset + start * strides[d])
    }

    // select(d, i): g placed into zeros at index i of d
    public func select(_ d: Int, index: Int) -> Tensor {
        var newShape = shape, newStrides = strides
        newShape.remove(at: d)
        newStrides.remove(at: d)
        let out = aliased(shape: newShape, strides: newStrides, offset: offset + index * strides[d])
        let inputShape = shape
        return recordView(out, "SelectBackward0", { g in
            let full = Tensor(filling: 0, shape: inputShape, dtype: g.dtype)
            full.narrowUnchecked(d, start: index, length: 1).assign(g.unsqueezeUnchecked(d))
            return full
        })
    }

    func unsqueezeUnchecked(_ d: Int) -> Tensor {
        var newShape = shape, newStrides = strides
        newShape.insert(1, at: d)
        newStrides.insert(d < dim ? shape[d] * strides[d] : 1, at: d)
        return aliased(shape: newShape, strides: newStrides)
    }

    // expand(shape): g summed back to the input's shape
    public func expand(_ target: Dims) throws(TensorError) -> Tensor {
        guard target.count >= dim else {
            throw TensorError("the number of sizes provided (\(target.count)) must be greater or equal to the number of dimensions in the tensor (\(dim))")
        }
        var sizes = target
        let lead = target.count - dim
        for i in 0..<dim where sizes[lead + i] == -1 { sizes[lead + i] = shape[i] }
        for i in 0..<dim where shape[i] != 1 && shape[i] != sizes[lead + i] {
            throw TensorError("the expanded size of the tensor (\(sizes[lead + i])) must match the existing size (\(shape[i])) at non-singleton dimension \(lead + i + 1); target sizes \(Shape.describe(target)), tensor sizes \(Shape.describe(shape))")
        }
        if sizes.contains(where: { $0 < 0 }) { throw TensorError("invalid expanded size \(Shape.describe(target))") }
        // a view, but every operation on it makes a tensor of its full size
        try MemoryLimit.check(sizes, bytesPerElement: dtype.itemSize)
        let out = aliased(shape: sizes, strides: Shape.broadcastStrides(shape, strides, to: sizes))
        let inputShape = shape
        return recordView(out, "ExpandBackward0", { $0.sum(toShape: inputShape) })
    }

    // contiguous: self when already contiguous, else a copy (CloneBackward0)
    public func contiguous() -> Tensor {
        isContiguous ? self : clone()
    }

    // clone: g
    public func clone() -> Tensor {
        recordView(copied(), "CloneBackward0", { $0 })
    }

    /// This tensor if it is contiguous, else a contiguous copy; outside autograd (for kernels).
    public func materialized() -> Tensor {
        isContiguous ? self : copied()
    }

    /// A fresh contiguous copy of the values, outside autograd.
    public func copied() -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Reduce.copyValues(self, into: out)
        return out
    }

    /// Writes src's values (broadcast to this shape, cast to this dtype) over this view's, outside autograd.
    func assign(_ src: Tensor) {
        dtype.visit(Assign(target: self, source: src.converted(to: dtype)))
    }

    private struct Assign: ElementVisitor {
        let target: Tensor, source: Tensor
        func visit<T: TensorElement>(_ type: T.Type) {
            Elementwise.update(target, source) { (_: T, s: T) -> T in s }
        }
    }
}
