// + - * / ^ and negation, tensor with tensor (broadcast) or with a number.
// Each forward sits beside its backward, the derivative in the comment above it.

import Foundation

extension Tensor {
    // d(a+b)/da = 1, d(a+b)/db = 1 (summed back over broadcast dimensions)
    public func add(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Elementwise.zip(self, b) { $0 + $1 }
        if Tensor.needsGrad(self, b) {
            let (sa, sb) = (shape, b.shape)
            out.attach(to: Node(name: "AddBackward0", inputs: [self, b]) { g in
                [g[0]!.sum(toShape: sa), g[0]!.sum(toShape: sb)]
            })
        }
        return out
    }

    // d(a-b)/da = 1, d(a-b)/db = -1
    public func sub(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Elementwise.zip(self, b) { $0 - $1 }
        if Tensor.needsGrad(self, b) {
            let (sa, sb) = (shape, b.shape)
            out.attach(to: Node(name: "SubBackward0", inputs: [self, b]) { g in
                [g[0]!.sum(toShape: sa), g[0]!.neg().sum(toShape: sb)]
            })
        }
        return out
    }

    // d(ab)/da = b, d(ab)/db = a
    public func mul(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Elementwise.zip(self, b) { $0 * $1 }
        if Tensor.needsGrad(self, b) {
            let a = self
            out.attach(to: Node(name: "MulBackward0", inputs: [a, b], saving: [a, b]) { g in
                let g = g[0]!
                return [a.requiresGrad ? Tensor.zipSame(g, b) { $0 * $1 }.sum(toShape: a.shape) : nil,
                        b.requiresGrad ? Tensor.zipSame(g, a) { $0 * $1 }.sum(toShape: b.shape) : nil]
            })
        }
        return out
    }

    // d(a/b)/da = 1/b, d(a/b)/db = -a/b²
    public func div(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Elementwise.zip(self, b) { $0 / $1 }
        if Tensor.needsGrad(self, b) {
            let a = self
            out.attach(to: Node(name: "DivBackward0", inputs: [a, b], saving: [a, b]) { g in
                let g = g[0]!
                let ga = a.requiresGrad ? Tensor.zipSame(g, b) { $0 / $1 }.sum(toShape: a.shape) : nil
                var gb: Tensor? = nil
                if b.requiresGrad {
                    let q = Tensor.zipSame(g, a) { $0 * $1 }
                    gb = Tensor.zipSame(q, b) { -$0 / ($1 * $1) }.sum(toShape: b.shape)
                }
                return [ga, gb]
            })
        }
        return out
    }

    // d(a^b)/da = b·a^(b-1), d(a^b)/db = a^b·log(a) (0 where a = 0 and b >= 0)
    public func pow(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Elementwise.zip(self, b) { powf($0, $1) }
        if Tensor.needsGrad(self, b) {
            let a = self
            out.attach(to: Node(name: "PowBackward1", inputs: [a, b], saving: [a, b]) { g in
                let g = g[0]!
                var ga: Tensor? = nil, gb: Tensor? = nil
                if a.requiresGrad {
                    let d = Tensor.zipSame(a, b) { x, e in e == 0 ? 0 : e * powf(x, e - 1) }
                    ga = Tensor.zipSame(g, d) { $0 * $1 }.sum(toShape: a.shape)
                }
                if b.requiresGrad {
                    let d = Tensor.zipSame(a, b) { x, e in x == 0 && e >= 0 ? 0 : powf(x, e) * logf(x) }
                    gb = Tensor.zipSame(g, d) { $0 * $1 }.sum(toShape: b.shape)
                }
                return [ga, gb]
            })
        }
        return out
    }

    // d(a+s)/da = 1
    public func add(_ s: Float) -> Tensor {
        let out = Elementwise.map(self) { $0 + s }
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "AddBackward0", inputs: [self]) { g in [g[0]!] })
        }
        return out
    }

    // d(s-a)/da = -1
    public func rsub(_ s: Float) -> Tensor {
        let out = Elementwise.map(self) { s - $0 }
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "RsubBackward1", inputs: [self]) { g in [g[0]!.neg()] })
        }
        return out
    }

    // d(a·s)/da = s
    public func mul(_ s: Float) -> Tensor {
        let out = Elementwise.map(self) { $0 * s }
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "MulBackward0", inputs: [self]) { g in [g[0]!.scaled(s)] })
        }
        return out
    }

    // d(a/s)/da = 1/s
    public func div(_ s: Float) -> Tensor {
        let out = Elementwise.map(self) { $0 / s }
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "DivBackward0", inputs: [self]) { g in [Elementwise.map(g[0]!) { $0 / s }] })
        }
        return out
    }

    // d(s/a)/da = -s/a²
    public func rdiv(_ s: Float) -> Tensor {
        let out = Elementwise.map(self) { s / $0 }
        if Tensor.needsGrad(self) {
            let a = self
            out.attach(to: Node(name: "DivBackward0", inputs: [a], saving: [a]) { g in
                [Tensor.zipSame(g[0]!, a) { -$0 * s / ($1 * $1) }]
            })
        }
        return out
    }

    // d(a^e)/da = e·a^(e-1)
    public func pow(_ e: Float) -> Tensor {
        let out: Tensor
        if e == 2 { out = Elementwise.map(self) { $0 * $0 } } else { out = Elementwise.map(self) { powf($0, e) } }
        if Tensor.needsGrad(self) {
            let a = self
            out.attach(to: Node(name: "PowBackward0", inputs: [a], saving: [a]) { g in
                [Tensor.zipSame(g[0]!, a) { e == 0 ? 0 : $0 * e * powf($1, e - 1) }]
            })
        }
        return out
    }

    // d(s^a)/da = s^a·log(s)
    public func rpow(_ s: Float) -> Tensor {
        let out = Elementwise.map(self) { powf(s, $0) }
        if Tensor.needsGrad(self) {
            let (logS, y) = (logf(s), out.detach())
            out.attach(to: Node(name: "PowBackward2", inputs: [self], saving: [y]) { g in
                [Tensor.zipSame(g[0]!, y) { s == 0 ? 0 : $0 * $1 * logS }]
            })
        }
        return out
    }

    // d(-a)/da = -1
    public func neg() -> Tensor {
        let out = Elementwise.map(self) { -$0 }
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "NegBackward0", inputs: [self]) { g in [g[0]!.neg()] })
        }
        return out
    }

    /// self·s without recording (for backward formulas).
    func scaled(_ s: Float) -> Tensor { Elementwise.map(self) { $0 * s } }

    /// self + other for tensors of one shape, without recording.
    func adding(_ other: Tensor) -> Tensor { Tensor.zipSame(self, other) { $0 + $1 } }

    /// f over two tensors of the same shape (or the second broadcastable to the first), no recording.
    @inline(__always)
    static func zipSame(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        // Shapes are guaranteed compatible by the forward pass that saved them.
        try! Elementwise.zip(a, b, f)
    }

    /// The gradient of a broadcast: sums over the dimensions that broadcasting added or stretched.
    public func sum(toShape target: Dims) -> Tensor {
        if shape == target { return self }
        let lead = dim - target.count
        var dims = Set<Int>(0..<lead)
        for (i, s) in target.enumerated() where s == 1 && shape[lead + i] != 1 { dims.insert(lead + i) }
        let summed = dims.isEmpty ? self : Reduce.sum(self, dims: dims)
        return summed.viewUnchecked(target)
    }
}
