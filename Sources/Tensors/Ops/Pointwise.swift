// Elementwise functions of one tensor, each with its derivative.

import Foundation

extension Tensor {
    // d|a|/da = sign(a)
    public func abs() -> Tensor {
        if !dtype.isFloatingPoint { return integerAbs() }
        return unary("AbsBackward0", UnaryFunction.abs) { g, a, _ in Tensor.zipSame(.mul, g, a.sign()) }
    }

    // d√a/da = 1/(2√a)
    public func sqrt() -> Tensor {
        unary("SqrtBackward0", UnaryFunction.sqrt) { g, _, y in Tensor.zipSame(.div, g, y.scaled(2)) }
    }

    // d(e^a)/da = e^a
    public func exp() -> Tensor {
        unary("ExpBackward0", UnaryFunction.exp) { g, _, y in
            FloatKernels.unaryBackward(.exp, g, y) ?? Tensor.zipSame(.mul, g, y)
        }
    }

    // d(log a)/da = 1/a
    public func log() -> Tensor {
        unary("LogBackward0", UnaryFunction.log) { g, a, _ in Tensor.zipSame(.div, g, a) }
    }

    // d(sin a)/da = cos a
    public func sin() -> Tensor {
        unary("SinBackward0", UnaryFunction.sin) { g, a, _ in Tensor.zipSame(.mul, g, a.applying(.cos)) }
    }

    // d(cos a)/da = -sin a
    public func cos() -> Tensor {
        unary("CosBackward0", UnaryFunction.cos) { g, a, _ in Tensor.zipSame(.mul, g, a.applying(.sin)).neg() }
    }

    // d(tanh a)/da = 1 - tanh²a
    public func tanh() -> Tensor {
        unary("TanhBackward0", UnaryFunction.tanh) { g, _, y in
            FloatKernels.unaryBackward(.tanh, g, y) ?? Tensor.zipSame(.mul, g, Tensor.zipSame(.mul, y, y).rsub(1))
        }
    }

    // dσ(a)/da = σ(a)(1 - σ(a))
    public func sigmoid() -> Tensor {
        unary("SigmoidBackward0", UnaryFunction.sigmoid) { g, _, y in
            FloatKernels.unaryBackward(.sigmoid, g, y) ?? Tensor.zipSame(.mul, Tensor.zipSame(.mul, g, y), y.rsub(1))
        }
    }

    // d relu(a)/da = 1 where a > 0
    public func relu() -> Tensor {
        if !dtype.isFloatingPoint { return clampValues(min: 0, max: nil) }
        return unary("ReluBackward0", UnaryFunction.relu) { g, _, y in Tensor.zipSame(.mul, g, y.compare(.gt, 0)) }
    }

    // d clamp(a)/da = 1 where min <= a <= max
    public func clamp(min lo: Double?, max hi: Double?) -> Tensor {
        if !dtype.isFloatingPoint && (lo ?? 0).rounded() == (lo ?? 0) && (hi ?? 0).rounded() == (hi ?? 0) {
            return clampValues(min: lo, max: hi)
        }
        let a = floating()
        let out = a.clampValues(min: lo, max: hi)
        if Tensor.needsGrad(a) {
            let (l, h) = (lo ?? -.infinity, hi ?? .infinity)
            out.attach(to: Node(name: "ClampBackward1", inputs: [a], saving: [a]) { g in
                [Tensor.zipSame(.mul, g[0]!, Tensor.zipSame(.mul, a.compare(.ge, l), a.compare(.le, h)))]
            })
        }
        return out
    }

    /// The values clamped to [lo, hi] in this dtype, no autograd.
    func clampValues(min lo: Double?, max hi: Double?) -> Tensor {
        func run<T: TensorElement>(_: T.Type) -> Tensor {
            let l = lo.map { T(converting: $0) }, h = hi.map { T(converting: $0) }
            return Elementwise.map(self) { (x: T) -> T in
                var v = x
                if let l, T.isLess(v, l) { v = l }
                if let h, T.isLess(h, v) { v = h }
                return v
            }
        }
        switch dtype {
        case .float32: return run(Float.self)
        case .float64: return run(Double.self)
        case .int64: return run(Int64.self)
        case .int32: return run(Int32.self)
        case .uint8: return run(UInt8.self)
        case .bool: return run(Bool.self)
        }
    }

    /// -1, 0 or 1 by sign (0 for NaN), in this dtype.
    func sign() -> Tensor {
        dtype == .float64 ? Elementwise.map(self) { (x: Double) -> Double in x > 0 ? 1 : (x < 0 ? -1 : 0) }
            : Elementwise.map(self) { (x: Float) -> Float in x > 0 ? 1 : (x < 0 ? -1 : 0) }
    }

    private func integerAbs() -> Tensor {
        switch dtype {
        case .int64: Elementwise.map(self) { (x: Int64) -> Int64 in x < 0 ? 0 &- x : x }
        case .int32: Elementwise.map(self) { (x: Int32) -> Int32 in x < 0 ? 0 &- x : x }
        default: copied()
        }
    }

    /// f over a floating tensor (integer input as float32), no autograd.
    func applying(_ f: UnaryFunction) -> Tensor {
        let a = floating()
        if let out = FloatKernels.unary(f, a) { return out }
        return a.dtype == .float64 ? f.apply(a, Double.self) : f.apply(a, Float.self)
    }

    /// A pointwise op: forward f, backward(gradOut, input, output) -> gradIn.
    @inline(__always)
    private func unary(_ name: String, _ f: UnaryFunction,
                       backward: @escaping (Tensor, Tensor, Tensor) -> Tensor) -> Tensor {
        let a = floating()
        let out = a.applying(f)
        if Tensor.needsGrad(a) {
            // A detached alias: saving `out` itself would make a cycle out -> node -> out.
            let y = out.detach()
            out.attach(to: Node(name: name, inputs: [a], saving: [a, y]) { g in [backward(g[0]!, a, y)] })
        }
        return out
    }
}

/// The elementary functions, each one loop per floating type.
enum UnaryFunction {
    case abs, sqrt, exp, log, sin, cos, tanh, sigmoid, relu

    func apply<T: TensorFloat>(_ a: Tensor, _: T.Type) -> Tensor {
        switch self {
        case .abs: Elementwise.map(a) { (x: T) -> T in Swift.abs(x) }
        case .sqrt: Elementwise.map(a) { (x: T) -> T in x.squareRoot() }
        case .exp: Elementwise.map(a) { (x: T) -> T in T.exp(x) }
        case .log: Elementwise.map(a) { (x: T) -> T in T.log(x) }
        case .sin: Elementwise.map(a) { (x: T) -> T in T.sin(x) }
        case .cos: Elementwise.map(a) { (x: T) -> T in T.cos(x) }
        case .tanh: Elementwise.map(a) { (x: T) -> T in T.tanh(x) }
        case .sigmoid: Elementwise.map(a) { (x: T) -> T in T.sigmoid(x) }
        case .relu: Elementwise.map(a) { (x: T) -> T in x > 0 ? x : 0 }
        }
    }
}

/// Scalar activations shared by the pointwise ops and the fused kernels.
public enum Activation {
    @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { VectorMath.sigmoid(x) }
}
