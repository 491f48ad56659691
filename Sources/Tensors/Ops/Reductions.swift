// sum, mean, max, min: over everything or along one dimension.

extension Tensor {
    // sum(): g expanded to the input's shape
    public func sum() -> Tensor {
        let out = Tensor(scalar: Float(Reduce.total(self)))
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

    // mean(): g/n expanded
    public func mean() -> Tensor {
        let n = Float(count)
        let out = Tensor(scalar: Float(Reduce.total(self) / Double(count)))
        let inputShape = shape
        return recordReduction(out, "MeanBackward0") { g in g.scaled(1 / n).broadcasted(to: inputShape) }
    }

    // mean(d): g/n along d
    public func mean(dim d: Int, keepDim: Bool = false) -> Tensor {
        if shape.isEmpty { return mean() }
        let n = Float(shape[d])
        let kept = Elementwise.map(Reduce.sum(self, dims: [d])) { $0 / n }
        let out = keepDim ? kept : kept.squeezeUnchecked(d)
        let inputShape = shape
        return recordReduction(out, "MeanBackward1") { g in
            (keepDim ? g : g.unsqueezeUnchecked(d)).scaled(1 / n).broadcasted(to: inputShape)
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
        let (a, m) = (self, v.data.pointee)
        return recordReduction(out, largest ? "MaxBackward1" : "MinBackward1", saving: [a]) { g in
            let mask = Elementwise.map(a) { $0 == m || ($0.isNaN && m.isNaN) ? 1 : 0 }
            let ties = Float(Reduce.total(mask))
            let scale = g.data.pointee / ties
            return Elementwise.map(mask) { $0 * scale }
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
            let full = Tensor(repeating: 0, shape: inputShape)
            if inputShape.isEmpty { full.data.pointee = g.data.pointee; return full }
            let gk = (keepDim ? g : g.unsqueezeUnchecked(dd)).copied()
            var rowStrides = full.strides
            let step = rowStrides[dd]
            rowStrides[dd] = 0
            var k = 0
            var rowShape = inputShape
            rowShape[dd] = 1
            full.aliased(shape: rowShape, strides: rowStrides).forEachOffset { start in
                full.storage.data[start + indices[k] * step] = gk.data[k]
                k += 1
            }
            return full
        }
        return (out, indices)
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
