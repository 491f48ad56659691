// maximum and minimum of two broadcast tensors, NaN propagating. The gradient goes
// to the larger (smaller) input, split evenly where they are equal, as PyTorch's.

extension Tensor {
    public func maximum(_ other: Tensor) throws(TensorError) -> Tensor { try pairwiseExtreme(other, largest: true) }
    public func minimum(_ other: Tensor) throws(TensorError) -> Tensor { try pairwiseExtreme(other, largest: false) }

    private func pairwiseExtreme(_ b: Tensor, largest: Bool) throws(TensorError) -> Tensor {
        let a = self
        let t = DType.result(a.dtype, zeroDim: a.dim == 0, b.dtype, zeroDim: b.dim == 0)
        let (x, y) = (a.converted(to: t), b.converted(to: t))
        let out = try t.visit(Extremes(a: x, b: y, largest: largest)).get()
        if Tensor.needsGrad(a, b) {
            let (shapeA, shapeB, ta, tb) = (a.shape, b.shape, a.dtype, b.dtype)
            let (needA, needB) = (a.requiresGrad, b.requiresGrad)
            out.attach(to: Node(name: largest ? "MaximumBackward0" : "MinimumBackward0", inputs: [a, b], saving: [x, y]) { g in
                // PyTorch's shares: 1/2 on a tie, 0 where the side loses, else 1 (so both sides
                // get all of g where a NaN makes them incomparable)
                let g = g[0]!
                func share(_ p: Tensor, _ q: Tensor) -> Tensor {
                    let tie = try! p.compare(.eq, q).converted(to: g.dtype)
                    let loses = try! p.compare(largest ? .lt : .gt, q).converted(to: g.dtype)
                    return Tensor.zipSame(.sub, tie.scaled(-0.5).add(1), loses)
                }
                let ga = Tensor.zipSame(.mul, g, share(x, y)), gb = Tensor.zipSame(.mul, g, share(y, x))
                return [needA ? ga.sum(toShape: shapeA).converted(to: ta) : nil, needB ? gb.sum(toShape: shapeB).converted(to: tb) : nil]
            })
        }
        return out
    }

    private struct Extremes: ElementVisitor {
        let a: Tensor, b: Tensor, largest: Bool
        func visit<T: TensorElement>(_ type: T.Type) -> Result<Tensor, TensorError> {
            let largest = largest
            do throws(TensorError) {
                return .success(try Elementwise.zip(a, b) { (x: T, y: T) -> T in
                    if x != x { return x }
                    if y != y { return y }
                    return largest ? (T.isLess(x, y) ? y : x) : (T.isLess(y, x) ? y : x)
                })
            } catch { return .failure(error) }
        }
    }
}
