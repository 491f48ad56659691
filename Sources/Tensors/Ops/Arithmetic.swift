// + - * / ^ and negation, tensor with tensor (broadcast) or with a number.
// Each forward sits beside its backward, the derivative in the comment above it.
//
// Operands are first brought to their promoted dtype (PyTorch's rules); the loop
// then runs in that type. Backward formulas use these same ops (recording is off
// while backward runs), so they hold for every floating dtype.

import Foundation

/// The arithmetic an elementwise loop performs, chosen once outside the loop.
public enum ArithmeticOp { case add, sub, mul, div, pow }

extension Tensor {
    // d(a+b)/da = 1, d(a+b)/db = 1 (summed back over broadcast dimensions)
    public func add(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Tensor.arithmetic(.add, self, b)
        if Tensor.needsGrad(self, b) {
            let (sa, sb, ta, tb) = (shape, b.shape, dtype, b.dtype)
            out.attach(to: Node(name: "AddBackward0", inputs: [self, b]) { g in
                [g[0]!.sum(toShape: sa).converted(to: ta), g[0]!.sum(toShape: sb).converted(to: tb)]
            })
        }
        return out
    }

    // d(a-b)/da = 1, d(a-b)/db = -1
    public func sub(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Tensor.arithmetic(.sub, self, b)
        if Tensor.needsGrad(self, b) {
            let (sa, sb, ta, tb) = (shape, b.shape, dtype, b.dtype)
            out.attach(to: Node(name: "SubBackward0", inputs: [self, b]) { g in
                [g[0]!.sum(toShape: sa).converted(to: ta), g[0]!.neg().sum(toShape: sb).converted(to: tb)]
            })
        }
        return out
    }

    // d(ab)/da = b, d(ab)/db = a
    public func mul(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Tensor.arithmetic(.mul, self, b)
        if Tensor.needsGrad(self, b) {
            let a = self
            out.attach(to: Node(name: "MulBackward0", inputs: [a, b], saving: [a, b]) { g in
                let g = g[0]!
                return [a.requiresGrad ? Tensor.zipSame(.mul, g, b).sum(toShape: a.shape).converted(to: a.dtype) : nil,
                        b.requiresGrad ? Tensor.zipSame(.mul, g, a).sum(toShape: b.shape).converted(to: b.dtype) : nil]
            })
        }
        return out
    }

    // d(a/b)/da = 1/b, d(a/b)/db = -a/b²
    public func div(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Tensor.arithmetic(.div, self, b)
        if Tensor.needsGrad(self, b) {
            let a = self
            out.attach(to: Node(name: "DivBackward0", inputs: [a, b], saving: [a, b]) { g in
                let g = g[0]!
                let ga = a.requiresGrad ? Tensor.zipSame(.div, g, b).sum(toShape: a.shape).converted(to: a.dtype) : nil
                var gb: Tensor? = nil
                if b.requiresGrad {
                    let q = Tensor.zipSame(.div, Tensor.zipSame(.mul, g, a), Tensor.zipSame(.mul, b, b))
                    gb = q.neg().sum(toShape: b.shape).converted(to: b.dtype)
                }
                return [ga, gb]
            })
        }
        return out
    }

    // d(a^b)/da = b·a^(b-1), d(a^b)/db = a^b·log(a) (0 where a = 0 and b >= 0)
    public func pow(_ b: Tensor) throws(TensorError) -> Tensor {
        let out = try Tensor.arithmetic(.pow, self, b)
        if Tensor.needsGrad(self, b) {
            let a = self
            out.attach(to: Node(name: "PowBackward1", inputs: [a, b], saving: [a, b]) { g in
                let g = g[0]!
                let t = g.dtype
                let (x, e) = (a.converted(to: t), b.converted(to: t))
                var ga: Tensor? = nil, gb: Tensor? = nil
                if a.requiresGrad {
                    let d = t == .float64 ? Tensor.powDerivative(x, e, Double.self) : Tensor.powDerivative(x, e, Float.self)
                    ga = Tensor.zipSame(.mul, g, d).sum(toShape: a.shape).converted(to: a.dtype)
                }
                if b.requiresGrad {
                    let d = t == .float64 ? Tensor.powLogDerivative(x, e, Double.self) : Tensor.powLogDerivative(x, e, Float.self)
                    gb = Tensor.zipSame(.mul, g, d).sum(toShape: b.shape).converted(to: b.dtype)
                }
                return [ga, gb]
            })
        }
        return out
    }

    private static func powDerivative<T: TensorFloat>(_ a: Tensor, _ b: Tensor, _: T.Type) -> Tensor {
        try! Elementwise.zip(a, b) { (x: T, e: T) -> T in e == 0 ? 0 : e * T.pow(x, e - 1) }
    }

    private static func powLogDerivative<T: TensorFloat>(_ a: Tensor, _ b: Tensor, _: T.Type) -> Tensor {
        try! Elementwise.zip(a, b) { (x: T, e: T) -> T in x == 0 && e >= 0 ? 0 : T.pow(x, e) * T.log(x) }
    }

    // d(a+s)/da = 1
    public func add(_ s: Double) -> Tensor {
        let out = scalarArithmetic(.add, s)
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "AddBackward0", inputs: [self]) { g in [g[0]!] })
        }
        return out
    }

    // d(s-a)/da = -1
    public func rsub(_ s: Double) -> Tensor {
        let out = scalarArithmetic(.sub, s, reversed: true)
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "RsubBackward1", inputs: [self]) { g in [g[0]!.neg()] })
        }
        return out
    }

    // d(a·s)/da = s
    public func mul(_ s: Double) -> Tensor {
        let out = scalarArithmetic(.mul, s)
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "MulBackward0", inputs: [self]) { g in [g[0]!.scaled(s)] })
        }
        return out
    }

    // d(a/s)/da = 1/s
    public func div(_ s: Double) -> Tensor {
        let out = scalarArithmetic(.div, s)
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "DivBackward0", inputs: [self]) { g in [g[0]!.scalarArithmetic(.div, s)] })
        }
        return out
    }

    // d(s/a)/da = -s/a². A float s / a is PyTorch's a.reciprocal() * s (Tensor.__rtruediv__),
    // rounded twice as there: its numbers (1 ulp from the quotient at times; inf for 1e-40 / a
    // where a is a denormal), its graph (MulBackward0 over ReciprocalBackward0: -(g·s)·r², r = 1/a).
    public func rdiv(_ s: Double) -> Tensor {
        if dtype.isFloatingPoint {
            let r = scalarArithmetic(.div, 1, reversed: true)
            let out = r.scalarArithmetic(.mul, s)
            if Tensor.needsGrad(self) {
                out.attach(to: Node(name: "MulBackward0", inputs: [self], saving: [r]) { g in
                    [Tensor.zipSame(.mul, g[0]!.scaled(s), Tensor.zipSame(.mul, r, r).scaled(-1))]
                })
            }
            return out
        }
        let out = scalarArithmetic(.div, s, reversed: true)
        if Tensor.needsGrad(self) {
            let a = self
            out.attach(to: Node(name: "DivBackward0", inputs: [a], saving: [a]) { g in
                [Tensor.zipSame(.div, g[0]!.scaled(-s), Tensor.zipSame(.mul, a, a))]
            })
        }
        return out
    }

    // d(a^e)/da = e·a^(e-1)
    public func pow(_ e: Double) -> Tensor {
        let out = scalarArithmetic(.pow, e)
        if Tensor.needsGrad(self) {
            let a = self
            out.attach(to: Node(name: "PowBackward0", inputs: [a], saving: [a]) { g in
                if e == 0 { return [Tensor(filling: 0, shape: a.shape, dtype: a.dtype)] }
                return [Tensor.zipSame(.mul, g[0]!, a.scalarArithmetic(.pow, e - 1).scaled(e))]
            })
        }
        return out
    }

    // d(s^a)/da = s^a·log(s)
    public func rpow(_ s: Double) -> Tensor {
        let out = scalarArithmetic(.pow, s, reversed: true)
        if Tensor.needsGrad(self) {
            let (logS, y) = (Foundation.log(s), out.detach())
            out.attach(to: Node(name: "PowBackward2", inputs: [self], saving: [y]) { g in
                if s == 0 { return [Tensor(filling: 0, shape: y.shape, dtype: y.dtype)] }
                return [Tensor.zipSame(.mul, g[0]!, y).scaled(logS)]
            })
        }
        return out
    }

    // d(-a)/da = -1
    public func neg() -> Tensor {
        let out = dtype == .bool ? self.copied() : scalarArithmetic(.mul, -1)
        if Tensor.needsGrad(self) {
            out.attach(to: Node(name: "NegBackward0", inputs: [self]) { g in [g[0]!.neg()] })
        }
        return out
    }

    /// self·s without recording (for backward formulas).
    func scaled(_ s: Double) -> Tensor { scalarArithmetic(.mul, s) }

    /// self + other for tensors of one shape, without recording.
    func adding(_ other: Tensor) -> Tensor { Tensor.zipSame(.add, self, other) }

    /// op over two tensors whose shapes are known to broadcast (saved by a forward pass).
    static func zipSame(_ op: ArithmeticOp, _ a: Tensor, _ b: Tensor) -> Tensor {
        try! arithmetic(op, a, b)
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

    // MARK: The loops

    /// a op b in the promoted dtype; division and fractional powers of integers in float32.
    static func arithmetic(_ op: ArithmeticOp, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
        // the common case first: nothing to promote
        let (da, db) = (a.dtype, b.dtype)
        if da == db && da == .float32 {
            if let out = FloatKernels.binary(op, a, b) { return out }
            return try floatLoop(op, a, b, Float.self)
        }
        var t = DType.result(a.dtype, zeroDim: a.dim == 0, b.dtype, zeroDim: b.dim == 0)
        if op == .div { t = t.floating }
        if t == .bool {
            if op == .sub { throw TensorError("subtraction, the `-` operator, with two bool tensors is not supported; use the `^` or `logical_xor()` operator instead") }
            t = .int64
            let r = try arithmetic(op, a.converted(to: .uint8), b.converted(to: .uint8))
            return r.converted(to: .bool)
        }
        let (x, y) = (a.converted(to: t), b.converted(to: t))
        switch t {
        case .float32: return try floatLoop(op, x, y, Float.self)
        case .float64: return try floatLoop(op, x, y, Double.self)
        case .int64: return try integerLoop(op, x, y, Int64.self)
        case .int32: return try integerLoop(op, x, y, Int32.self)
        case .uint8: return try integerLoop(op, x, y, UInt8.self)
        case .bool: preconditionFailure("bool arithmetic runs in uint8")
        }
    }

    @inline(__always)
    private static func floatLoop<T: TensorFloat>(_ op: ArithmeticOp, _ a: Tensor, _ b: Tensor, _: T.Type) throws(TensorError) -> Tensor {
        switch op {
        case .add: try Elementwise.zip(a, b) { (p: T, q: T) -> T in p + q }
        case .sub: try Elementwise.zip(a, b) { (p: T, q: T) -> T in p - q }
        case .mul: try Elementwise.zip(a, b) { (p: T, q: T) -> T in p * q }
        case .div: try Elementwise.zip(a, b) { (p: T, q: T) -> T in p / q }
        case .pow: try Elementwise.zip(a, b) { (p: T, q: T) -> T in T.pow(p, q) }
        }
    }

    private static func integerLoop<T: TensorInteger>(_ op: ArithmeticOp, _ a: Tensor, _ b: Tensor, _: T.Type) throws(TensorError) -> Tensor {
        switch op {
        case .add: return try Elementwise.zip(a, b) { (p: T, q: T) -> T in p &+ q }
        case .sub: return try Elementwise.zip(a, b) { (p: T, q: T) -> T in p &- q }
        case .mul: return try Elementwise.zip(a, b) { (p: T, q: T) -> T in p &* q }
        case .div: preconditionFailure("integer division runs in float")
        case .pow:
            if T.isSigned && Reduce.totalInteger(Elementwise.convert(b) { (q: T) -> Int64 in q < 0 ? 1 : 0 }) > 0 {
                throw TensorError("Integers to negative integer powers are not allowed.")
            }
            return try Elementwise.zip(a, b) { (p: T, q: T) -> T in integerPower(p, q) }
        }
    }

    /// a op s (or s op a), s a Lua number: an integer tensor stays integer unless s has a
    /// fraction or the op is division (the binding gives floats as floats, PyTorch's rule).
    func scalarArithmetic(_ op: ArithmeticOp, _ s: Double, reversed: Bool = false) -> Tensor {
        var source = self
        if !dtype.isFloatingPoint && (op == .div || s != s.rounded(.towardZero) || !s.isFinite
                                      || (op == .pow && s < 0 && !reversed)) {
            source = converted(to: DType.defaultFloat)
        } else if dtype == .bool {
            source = converted(to: .int64)
        }
        switch source.dtype {
        case .float32:
            return FloatKernels.scalar(op, source, Float(s), reversed: reversed)
                ?? Tensor.floatScalarLoop(op, source, Float(s), reversed, Float.self)
        case .float64: return Tensor.floatScalarLoop(op, source, s, reversed, Double.self)
        case .int64: return Tensor.integerScalarLoop(op, source, Int64(converting: s), reversed, Int64.self)
        case .int32: return Tensor.integerScalarLoop(op, source, Int32(converting: s), reversed, Int32.self)
        case .uint8: return Tensor.integerScalarLoop(op, source, UInt8(converting: s), reversed, UInt8.self)
        case .bool: preconditionFailure("bool arithmetic runs in int64")
        }
    }

    @inline(__always)
    private static func floatScalarLoop<T: TensorFloat>(_ op: ArithmeticOp, _ a: Tensor, _ s: T, _ reversed: Bool, _: T.Type) -> Tensor {
        switch (op, reversed) {
        case (.add, _): Elementwise.map(a) { (p: T) -> T in p + s }
        case (.sub, false): Elementwise.map(a) { (p: T) -> T in p - s }
        case (.sub, true): Elementwise.map(a) { (p: T) -> T in s - p }
        case (.mul, _): Elementwise.map(a) { (p: T) -> T in p * s }
        case (.div, false): Elementwise.map(a) { (p: T) -> T in p / s }
        case (.div, true): Elementwise.map(a) { (p: T) -> T in s / p }
        case (.pow, false): s == 2 ? Elementwise.map(a) { (p: T) -> T in p * p } : Elementwise.map(a) { (p: T) -> T in T.pow(p, s) }
        case (.pow, true): Elementwise.map(a) { (p: T) -> T in T.pow(s, p) }
        }
    }

    private static func integerScalarLoop<T: TensorInteger>(_ op: ArithmeticOp, _ a: Tensor, _ s: T, _ reversed: Bool, _: T.Type) -> Tensor {
        switch (op, reversed) {
        case (.add, _): Elementwise.map(a) { (p: T) -> T in p &+ s }
        case (.sub, false): Elementwise.map(a) { (p: T) -> T in p &- s }
        case (.sub, true): Elementwise.map(a) { (p: T) -> T in s &- p }
        case (.mul, _): Elementwise.map(a) { (p: T) -> T in p &* s }
        case (.pow, false): Elementwise.map(a) { (p: T) -> T in integerPower(p, s) }
        case (.pow, true): Elementwise.map(a) { (p: T) -> T in p < 0 ? 0 : integerPower(s, p) }
        case (.div, _): preconditionFailure("integer division runs in float")
        }
    }
}

/// base^exponent by squaring, wrapping as integer arithmetic does (exponent >= 0).
@inline(__always)
func integerPower<T: FixedWidthInteger>(_ base: T, _ exponent: T) -> T {
    var (result, b, e) = (T(1), base, exponent)
    while e > 0 {
        if e & 1 == 1 { result = result &* b }
        b = b &* b
        e >>= 1
    }
    return result
}
