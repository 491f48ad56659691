// cumsum along one dimension, accumulated in double as PyTorch's CPU kernel does.
// Its gradient is the reversed cumulative sum of g: each input reaches every later output.

extension Tensor {
    public func cumsum(dim d: Int) -> Tensor {
        if shape.isEmpty { return recordView(copied(), "CumsumBackward0", { $0 }) }
        let out = Tensor(uninitializedShape: shape)
        Tensor.scan(self, into: out, dim: d, reversed: false)
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "CumsumBackward0", inputs: [self]) { grads in
                let g = grads[0]!
                let dx = Tensor(uninitializedShape: g.shape)
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
        let n = a.shape[d], step = a.strides[d], outStep = out.strides[d]
        let base = a.storage.data
        for (s, o) in zip(a.lineStarts(d), out.lineStarts(d)) {
            var sum: Double = 0
            for i in 0..<n {
                let j = reversed ? n - 1 - i : i
                sum += Double(base[s + j * step])
                out.data[o + j * outStep] = Float(sum)
            }
        }
    }
}
