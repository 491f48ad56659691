// Elementwise functions of one tensor, each with its derivative.

import Foundation

extension Tensor {
    // d|a|/da = sign(a)
    public func abs() -> Tensor {
        unary("AbsBackward0", { Swift.abs($0) }) { g, a, _ in Tensor.zipSame(g, a) { $1 > 0 ? $0 : ($1 < 0 ? -$0 : 0) } }
    }

    // d√a/da = 1/(2√a)
    public func sqrt() -> Tensor {
        unary("SqrtBackward0", { $0.squareRoot() }) { g, _, y in Tensor.zipSame(g, y) { $0 / (2 * $1) } }
    }

    // d(e^a)/da = e^a
    public func exp() -> Tensor {
        unary("ExpBackward0", { VectorMath.exp($0) }) { g, _, y in Tensor.zipSame(g, y) { $0 * $1 } }
    }

    // d(log a)/da = 1/a
    public func log() -> Tensor {
        unary("LogBackward0", { logf($0) }) { g, a, _ in Tensor.zipSame(g, a) { $0 / $1 } }
    }

    // d(sin a)/da = cos a
    public func sin() -> Tensor {
        unary("SinBackward0", { sinf($0) }) { g, a, _ in Tensor.zipSame(g, a) { $0 * cosf($1) } }
    }

    // d(cos a)/da = -sin a
    public func cos() -> Tensor {
        unary("CosBackward0", { cosf($0) }) { g, a, _ in Tensor.zipSame(g, a) { -$0 * sinf($1) } }
    }

    // d(tanh a)/da = 1 - tanh²a
    public func tanh() -> Tensor {
        unary("TanhBackward0", { VectorMath.tanh($0) }) { g, _, y in Tensor.zipSame(g, y) { $0 * (1 - $1 * $1) } }
    }

    // dσ(a)/da = σ(a)(1 - σ(a))
    public func sigmoid() -> Tensor {
        unary("SigmoidBackward0", { Activation.sigmoid($0) }) { g, _, y in Tensor.zipSame(g, y) { $0 * $1 * (1 - $1) } }
    }

    // d relu(a)/da = 1 where a > 0
    public func relu() -> Tensor {
        unary("ReluBackward0", { $0 > 0 ? $0 : 0 }) { g, _, y in Tensor.zipSame(g, y) { $1 > 0 ? $0 : 0 } }
    }

    // d clamp(a)/da = 1 where min <= a <= max
    public func clamp(min lo: Float?, max hi: Float?) -> Tensor {
        let l = lo ?? -.infinity, h = hi ?? .infinity
        return unary("ClampBackward1", { Swift.min(Swift.max($0, l), h) }) { g, a, _ in
            Tensor.zipSame(g, a) { $1 >= l && $1 <= h ? $0 : 0 }
        }
    }

    /// A pointwise op: forward f, backward(gradOut, input, output) -> gradIn.
    @inline(__always)
    private func unary(_ name: String, _ f: (Float) -> Float,
                       backward: @escaping (Tensor, Tensor, Tensor) -> Tensor) -> Tensor {
        let out = Elementwise.map(self, f)
        if Tensor.needsGrad(self) {
            // A detached alias: saving `out` itself would make a cycle out -> node -> out.
            let (a, y) = (self, out.detach())
            out.attach(to: Node(name: name, inputs: [a], saving: [a, y]) { g in [backward(g[0]!, a, y)] })
        }
        return out
    }
}

/// Scalar activations shared by the pointwise ops and the fused kernels.
public enum Activation {
    @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { VectorMath.sigmoid(x) }
}
