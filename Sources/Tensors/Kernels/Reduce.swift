// Reduction loops: sums over any set of dimensions, and arg-extrema along one.
// A float sums in its own type (the total of everything in Double, as before);
// integers and bools sum into int64, as PyTorch's sum does.

enum Reduce {
    /// Sum over `dims` (0-based, distinct), the result keeping them as size 1.
    static func sum(_ a: Tensor, dims: Set<Int>) -> Tensor {
        switch a.dtype {
        case .float32: return sum(a, dims: dims, Float.self, Float.self)
        case .float64: return sum(a, dims: dims, Double.self, Double.self)
        case .int64: return sum(a, dims: dims, Int64.self, Int64.self)
        case .int32: return sum(a, dims: dims, Int32.self, Int64.self)
        case .uint8: return sum(a, dims: dims, UInt8.self, Int64.self)
        case .bool: return sum(a.to(.int64), dims: dims, Int64.self, Int64.self)
        }
    }

    /// The sum's element type for a's dtype.
    static func sumType(_ dtype: DType) -> DType { dtype.isFloatingPoint ? dtype : .int64 }

    private static func sum<T: TensorElement & Numeric, S: TensorElement & Numeric>(
        _ a: Tensor, dims: Set<Int>, _: T.Type, _: S.Type) -> Tensor {
        var outShape = a.shape
        for d in dims { outShape[d] = 1 }
        let out = Tensor(filling: 0, shape: outShape, dtype: S.dtype)
        let po = out.elements(S.self)
        if dims.count == a.dim || a.count == out.count {
            if a.count == out.count {
                copyValues(a.to(S.dtype), into: out)
            } else if S.self == Int64.self {
                po.pointee = S(converting: totalInteger(a))
            } else {
                po.pointee = S(converting: total(a))
            }
            return out
        }
        var outStrides = out.strides
        for d in dims { outStrides[d] = 0 }
        let pa = a.storage.elements(T.self)
        forEachRow(shape: a.shape, strides: [a.strides, outStrides], bases: [a.offset, 0]) { n, offsets, inner in
            var (ia, io) = (offsets[0], offsets[1])
            let (da, dout) = (inner[0], inner[1])
            if dout == 0 {
                var s = S.zero
                for _ in 0..<n { s += S(widening: pa[ia]); ia += da }
                po[io] += s
            } else {
                for _ in 0..<n { po[io] += S(widening: pa[ia]); ia += da; io += dout }
            }
        }
        return out
    }

    /// The sum of every element, accumulated in Double.
    static func total(_ a: Tensor) -> Double {
        switch a.dtype {
        case .float32: return total(a, Float.self)
        case .float64: return total(a, Double.self)
        default: return Double(totalInteger(a))
        }
    }

    private static func total<T: TensorFloat>(_ a: Tensor, _: T.Type) -> Double {
        if let s = FloatKernels.sum(a) { return s }
        var s = 0.0
        if a.isContiguous {
            let p = a.elements(T.self)
            for i in 0..<a.count { s += Double(p[i]) }
        } else {
            let base = a.storage.elements(T.self)
            a.forEachOffset { s += Double(base[$0]) }
        }
        return s
    }

    /// The exact sum of an integer or bool tensor (wrapping, as int64 arithmetic does).
    static func totalInteger(_ a: Tensor) -> Int64 {
        a.dtype.visit(IntegerTotal(tensor: a))
    }

    private struct IntegerTotal: ElementVisitor {
        let tensor: Tensor
        func visit<T: TensorElement>(_ type: T.Type) -> Int64 {
            let base = tensor.storage.elements(T.self)
            var s: Int64 = 0
            tensor.forEachOffset { s &+= base[$0].int64Value }
            return s
        }
    }

    /// Along `dim`: each row's extreme value and its 0-based index (first one on ties),
    /// shaped as `a` with `dim` of size 1. NaN wins, as in PyTorch.
    static func extreme(_ a: Tensor, dim: Int, largest: Bool) -> (values: Tensor, indices: [Int]) {
        a.dtype.visit(Extreme(a: a, dim: dim, largest: largest))
    }

    private struct Extreme: ElementVisitor {
        let a: Tensor, dim: Int, largest: Bool
        func visit<T: TensorElement>(_ type: T.Type) -> (values: Tensor, indices: [Int]) {
            var outShape = a.shape
            outShape[dim] = 1
            let values = Tensor(uninitializedShape: outShape, dtype: a.dtype)
            let pv = values.elements(T.self)
            var indices = [Int](repeating: 0, count: values.count)
            let n = a.shape[dim], step = a.strides[dim]
            var rowStrides = a.strides
            rowStrides[dim] = 0
            let base = a.storage.elements(T.self)
            var k = 0
            let rows = Tensor(storage: a.storage, shape: outShape, strides: rowStrides, offset: a.offset)
            rows.forEachOffset { start in
                var best = base[start], bestIndex = 0
                var p = start
                for i in 1..<Swift.max(n, 1) {
                    p += step
                    let v = base[p]
                    if best != best { break }
                    if v != v || (largest ? T.isLess(best, v) : T.isLess(v, best)) { best = v; bestIndex = i }
                }
                pv[k] = best
                indices[k] = bestIndex
                k += 1
            }
            return (values, indices)
        }
    }

    /// out (contiguous, same dtype) = a's values in row-major order; moves bytes by element size.
    static func copyValues(_ a: Tensor, into out: Tensor) {
        precondition(a.dtype == out.dtype, "copyValues between dtypes")
        switch a.dtype.itemSize {
        case 1: copyValues(a, into: out, UInt8.self)
        case 4: copyValues(a, into: out, UInt32.self)
        default: copyValues(a, into: out, UInt64.self)
        }
    }

    private static func copyValues<W: FixedWidthInteger>(_ a: Tensor, into out: Tensor, _: W.Type) {
        let o = out.raw.assumingMemoryBound(to: W.self)
        if a.isContiguous {
            FloatKernels.copyBytes(from: a.raw, to: out.raw, count: a.count * MemoryLayout<W>.stride)
        } else {
            let base = a.storage.raw.assumingMemoryBound(to: W.self)
            var i = 0
            a.forEachRow { start, length, stride in
                if stride == 1 {
                    (o + i).update(from: base + start, count: length)
                } else {
                    var p = start
                    for k in 0..<length { o[i + k] = base[p]; p += stride }
                }
                i += length
            }
        }
    }
}

extension TensorElement where Self: Numeric {
    /// A summand in a wider accumulator (an integer into int64, a float into itself).
    @inline(__always) init<T: TensorElement>(widening value: T) {
        // a type test the specialiser folds, where a dynamic cast (as?) may stay in the loop
        self = T.self == Self.self ? unsafeBitCast(value, to: Self.self) : Self(converting: value.int64Value)
    }
}
