// torch.div(a, b, rounding_mode=): the quotient rounded toward zero or down, in the
// promoted dtype (integers stay integers), with PyTorch's formulas, so that index
// arithmetic ported from Python gives the same numbers.

public enum RoundingMode: String, Sendable { case trunc, floor }

extension Tensor {
    // Flat almost everywhere: the gradient is zero for both operands, as PyTorch's.
    public func div(_ b: Tensor, roundingMode mode: RoundingMode) throws(TensorError) -> Tensor {
        var t = DType.result(dtype, zeroDim: dim == 0, b.dtype, zeroDim: b.dim == 0)
        if t == .bool { t = .int64 }
        let (x, y) = (converted(to: t), b.converted(to: t))
        let out: Tensor
        switch t {
        case .float32: out = try Tensor.roundedFloats(mode, x, y, Float.self)
        case .float64: out = try Tensor.roundedFloats(mode, x, y, Double.self)
        case .int64: out = try Tensor.roundedIntegers(mode, x, y, Int64.self)
        case .int32: out = try Tensor.roundedIntegers(mode, x, y, Int32.self)
        case .uint8: out = try Tensor.roundedIntegers(mode, x, y, UInt8.self)
        case .bool: preconditionFailure("bool division runs in int64")
        }
        if Tensor.needsGrad(self, b) {
            let (sa, sb, ta, tb) = (shape, b.shape, dtype, b.dtype)
            out.attach(to: Node(name: "DivBackward1", inputs: [self, b]) { _ in
                [Tensor.zeros(sa, dtype: ta), Tensor.zeros(sb, dtype: tb)]
            })
        }
        return out
    }

    private static func roundedFloats<T: TensorFloat>(_ mode: RoundingMode, _ a: Tensor, _ b: Tensor,
                                                      _: T.Type) throws(TensorError) -> Tensor {
        switch mode {
        case .trunc: try Elementwise.zip(a, b) { (p: T, q: T) -> T in (p / q).rounded(.towardZero) }
        case .floor: try Elementwise.zip(a, b) { (p: T, q: T) -> T in floorDivision(p, q) }
        }
    }

    private static func roundedIntegers<T: TensorInteger>(_ mode: RoundingMode, _ a: Tensor, _ b: Tensor,
                                                          _: T.Type) throws(TensorError) -> Tensor {
        if Reduce.totalInteger(Elementwise.convert(b) { (q: T) -> Int64 in q == 0 ? 1 : 0 }) > 0 {
            throw TensorError("ZeroDivisionError")
        }
        // the most negative value over -1 wraps, where a machine division traps
        switch mode {
        case .trunc: return try Elementwise.zip(a, b) { (p: T, q: T) -> T in p.dividedReportingOverflow(by: q).partialValue }
        case .floor:
            return try Elementwise.zip(a, b) { (p: T, q: T) -> T in
                let quotient = p.dividedReportingOverflow(by: q).partialValue
                let remainder = p.remainderReportingOverflow(dividingBy: q).partialValue
                return remainder != 0 && (remainder < 0) != (q < 0) ? quotient &- 1 : quotient
            }
        }
    }
}

/// PyTorch's div_floor_floating: floor(a / b) from fmod, exact where dividing first rounds.
@inline(__always)
func floorDivision<T: TensorFloat>(_ a: T, _ b: T) -> T {
    if b == 0 { return a / b }
    let mod = a.truncatingRemainder(dividingBy: b)
    var div = (a - mod) / b
    if mod != 0 && (b < 0) != (mod < 0) { div -= 1 }
    if div == 0 { return T(signOf: a / b, magnitudeOf: 0) }
    var floored = div.rounded(.down)
    if div - floored > 0.5 { floored += 1 }
    return floored
}
