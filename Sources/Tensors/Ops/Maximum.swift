// maximum and minimum of two broadcast tensors, NaN propagating. The gradient goes
// to the larger (smaller) input, split evenly where they are equal, as PyTorch's.

extension Tensor {
    public func maximum(_ other: Tensor) throws(TensorError) -> Tensor { try pairwiseExtreme(other, largest: true) }
    public func minimum(_ other: Tensor) throws(TensorError) -> Tensor { try pairwiseExtreme(other, largest: false) }

    private func pairwiseExtreme(_ b: Tensor, largest: Bool) throws(TensorError) -> Tensor {
        let a = self
        let out = try Elementwise.zip(a, b) { x, y in
            x.isNaN || y.isNaN ? .nan : (largest ? Swift.max(x, y) : Swift.min(x, y))
        }
        if Tensor.needsGrad(a, b) {
            let (shapeA, shapeB) = (a.shape, b.shape)
            let (needA, needB) = (a.requiresGrad, b.requiresGrad)
            out.attach(to: Node(name: largest ? "MaximumBackward0" : "MinimumBackward0", inputs: [a, b], saving: [a, b]) { g in
                // PyTorch's shares: 1/2 on a tie, 0 where the side loses, else 1 (so both sides
                // get all of g where a NaN makes them incomparable)
                let shareA = Tensor.zipSame(a, b) { x, y in x == y ? 0.5 : ((largest ? x < y : x > y) ? 0 : 1) }
                let shareB = Tensor.zipSame(a, b) { x, y in x == y ? 0.5 : ((largest ? x > y : x < y) ? 0 : 1) }
                let ga = Tensor.zipSame(g[0]!, shareA) { $0 * $1 }
                let gb = Tensor.zipSame(g[0]!, shareB) { $0 * $1 }
                return [needA ? ga.sum(toShape: shapeA) : nil, needB ? gb.sum(toShape: shapeB) : nil]
            })
        }
        return out
    }
}
