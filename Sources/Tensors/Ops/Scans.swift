// cumsum along one dimension, accumulated in double as PyTorch's CPU kernel does
// (integers in int64, which is also the result's dtype for integer and bool input).
// Its gradient is the reversed cumulative sum of g: each input reaches every later output.

extension Tensor {
    public func cumsum(dim d: Int) -> Tensor {
        if !dtype.isFloatingPoint { return converted(to: .int64).integerCumsum(dim: d) }
        if shape.isEmpty { return recordView(copied(), "CumsumBackward0", { $0 }) }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Tensor.scan(self, into: out, dim: d, reversed: false)
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "CumsumBackward0", inputs: [self]) { grads in
                let g = grads[0]!
                let dx = Tensor(uninitializedShape: g.shape, dtype: g.dtype)
                Tensor.scan(g, into: dx, dim: d, reversed: true)
                return [dx]
            })
        }
        return out
    }

    /// out (contiguous, a's shape) = running sums of a along d, from the end when reversed.
    private static func scan(_ a: Tensor, into out: Tensor, dim d: Int, reversed: Bool) {
        // an empty tensor may still have very many (empty) lines: nothing to walk
        if a.count == 0 { return }
        func run<T: TensorFloat>(_: T.Type) {
            let n = a.shape[d], step = a.strides[d], outStep = out.strides[d]
            let (base, o) = (a.storage.elements(T.self), out.elements(T.self))
            for (s, start) in zip(a.lineStarts(d), out.lineStarts(d)) {
                var sum: Double = 0
                for i in 0..<n {
                    let j = reversed ? n - 1 - i : i
                    sum += Double(base[s + j * step])
                    o[start + j * outStep] = T(sum)
                }
            }
        }
        if a.dtype == .float64 { run(Double.self) } else { run(Float.self) }
    }

    /// cumsum of an int64 tensor, exact (wrapping as int64 arithmetic does); no gradient.
    private func integerCumsum(dim d: Int) -> Tensor {
        if shape.isEmpty { return copied() }
        let out = Tensor(uninitializedShape: shape, dtype: .int64)
        if count == 0 { return out }
        let n = shape[d], step = strides[d], outStep = out.strides[d]
        let (base, o) = (storage.elements(Int64.self), out.elements(Int64.self))
        for (s, start) in zip(lineStarts(d), out.lineStarts(d)) {
            var sum: Int64 = 0
            for j in 0..<n {
                sum &+= base[s + j * step]
                o[start + j * outStep] = sum
            }
        }
        return out
    }
}
