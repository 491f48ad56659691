// sum, mean, max, min: over everything or along one dimension.

extension Tensor {
    // sum(): g expanded to the input's shape
    public func sum() -> Tensor {
        let out: Tensor
        if dtype.isFloatingPoint {
            out = Tensor(filling: Reduce.total(self), shape: [], dtype: dtype)
        } else {
            out = Tensor(uninitializedShape: [], dtype: .int64)
            out.elements(Int64.self).pointee = Reduce.totalInteger(self)
        }
        let inputShape = shape
        return recordReduction(out, "SumBackward0") { g in g.broadcasted(to: inputShape) }
    }

    // sum(d): g unsqueezed at d (unless kept), then expanded
    public func sum(dim d: Int, keepDim: Bool = false) -> Tensor {
        // a 0-d tensor's only dimension (0 or -1, as PyTorch) holds its one value
        if shape.isEmpty { return sum() }
        let kept = Reduce.sum(self, dims: [d])
        let out = keepDim ? kept : kept.squeezeUnchecked(d)
        let inputShape = shape
        return recordReduction(out, "SumBackward1") { g in
            (keepDim ? g : g.unsqueezeUnchecked(d)).broadcasted(to: inputShape)
        }
    }

    // mean(): g/n expanded (integer input averages in float32)
    public func mean() -> Tensor {
        if !dtype.isFloatingPoint { return floating().mean() }
        let n = Double(count)
        let out = Tensor(filling: Reduce.total(self) / n, shape: [], dtype: dtype)
        let inputShape = shape
        // 1/n rounded to the tensor's type first, as the float32 loop always did
        let scale = dtype == .float32 ? Double(1 / Float(n)) : 1 / n
        return recordReduction(out, "MeanBackward0") { g in g.scaled(scale).broadcasted(to: inputShape) }
    }

    // mean(d): g/n along d
    public func mean(dim d: Int, keepDim: Bool = false) -> Tensor {
        if !dtype.isFloatingPoint { return floating().mean(dim: d, keepDim: keepDim) }
        if shape.isEmpty { return mean() }
        let n = Double(shape[d])
        let kept = Reduce.sum(self, dims: [d]).scalarArithmetic(.div, n)
        let out = keepDim ? kept : kept.squeezeUnchecked(d)
        let inputShape = shape
        let scale = dtype == .float32 ? Double(1 / Float(n)) : 1 / n
        return recordReduction(out, "MeanBackward1") { g in
            (keepDim ? g : g.unsqueezeUnchecked(d)).scaled(scale).broadcasted(to: inputShape)
        }
    }

    // max()/min(): g shared evenly among the elements equal to the result
    public func extreme(largest: Bool) throws(TensorError) -> Tensor {
        guard count > 0 else {
            throw TensorError("\(largest ? "max" : "min")(): expected a non-empty tensor; specify a dim to reduce an empty one")
        }
        let flat = copied().aliased(shape: [count], strides: [1])
        let (v, _) = Reduce.extreme(flat, dim: 0, largest: largest)
        let out = v.aliased(shape: [], strides: [])
        let (a, m) = (self, v.double(atOffset: 0))
        return recordReduction(out, largest ? "MaxBackward1" : "MinBackward1", saving: [a]) { g in
            let mask = (m.isNaN ? try! a.compare(.ne, a) : a.compare(.eq, m)).converted(to: g.dtype)
            let ties = Reduce.total(mask)
            let share = g.scalarArithmetic(.div, ties)
            return Tensor.zipSame(.mul, mask, share)
        }
    }

    // max(d)/min(d): g scattered to the index that won each row
    public func extreme(dim d: Int, keepDim: Bool = false, largest: Bool) throws(TensorError) -> (values: Tensor, indices: [Int]) {
        guard shape.isEmpty || shape[d] > 0 else {
            throw TensorError("\(largest ? "max" : "min")(): expected reduction dim \(d + 1) to have non-zero size")
        }
        let source = shape.isEmpty ? aliased(shape: [1], strides: [1]) : self
        let dd = shape.isEmpty ? 0 : d
        let (kept, indices) = Reduce.extreme(source, dim: dd, largest: largest)
        let values = shape.isEmpty ? kept.aliased(shape: [], strides: []) : (keepDim ? kept : kept.squeezeUnchecked(dd))
        let inputShape = shape
        let out = recordReduction(values, largest ? "MaxBackward0" : "MinBackward0") { g in
            if inputShape.isEmpty { return g.copied() }
            let gk = (keepDim ? g : g.unsqueezeUnchecked(dd)).copied()
            return g.dtype == .float64 ? Tensor.scatterRows(gk, indices, inputShape, dd, Double.self)
                : Tensor.scatterRows(gk, indices, inputShape, dd, Float.self)
        }
        return (out, indices)
    }

    /// A zero tensor of `shape` with row k's value gk[k] at index indices[k] along d.
    private static func scatterRows<T: TensorFloat>(_ gk: Tensor, _ indices: [Int], _ shape: Dims, _ d: Int, _: T.Type) -> Tensor {
        let full = Tensor(filling: 0, shape: shape, dtype: T.dtype)
        var rowStrides = full.strides
        let step = rowStrides[d]
        rowStrides[d] = 0
        var k = 0
        var rowShape = shape
        rowShape[d] = 1
        let (dst, src) = (full.storage.elements(T.self), gk.elements(T.self))
        full.aliased(shape: rowShape, strides: rowStrides).forEachOffset { start in
            dst[start + indices[k] * step] = src[k]
            k += 1
        }
        return full
    }

    /// g's values repeated to fill `shape` (a fresh tensor).
    func broadcasted(to target: Dims) -> Tensor {
        if shape == target { return self }
        return aliased(shape: target, strides: Shape.broadcastStrides(shape, strides, to: target)).copied()
    }

    func squeezeUnchecked(_ d: Int) -> Tensor {
        var newShape = shape, newStrides = strides
        newShape.remove(at: d)
        newStrides.remove(at: d)
        return aliased(shape: newShape, strides: newStrides)
    }

    @inline(__always)
    private func recordReduction(_ out: Tensor, _ name: String, saving: [Tensor] = [],
                                 _ backward: @escaping (Tensor) -> Tensor) -> Tensor {
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: name, inputs: [self], saving: saving) { g in [backward(g[0]!)] })
        }
        return out
    }
}
