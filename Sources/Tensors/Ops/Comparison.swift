// Comparisons (gt, lt, ge, le, eq, ne) giving bool tensors, and torch.where.
// Operands meet in their promoted dtype, as PyTorch compares them.

public enum Comparison: String, Sendable {
    case gt, lt, ge, le, eq, ne

    @inline(__always)
    func holds<T: TensorElement>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .gt: T.isLess(b, a)
        case .lt: T.isLess(a, b)
        case .ge: T.isLess(b, a) || a == b
        case .le: T.isLess(a, b) || a == b
        case .eq: a == b
        case .ne: a != b
        }
    }
}

extension Tensor {
    /// self op other elementwise (broadcast), as a bool tensor; no gradient flows.
    public func compare(_ op: Comparison, _ other: Tensor) throws(TensorError) -> Tensor {
        let t = DType.result(dtype, zeroDim: dim == 0, other.dtype, zeroDim: other.dim == 0)
        let (a, b) = (converted(to: t), other.converted(to: t))
        return try t.visit(CompareTensors(op: op, a: a, b: b)).get()
    }

    /// self op s elementwise, s a Lua number (an integer tensor against a fraction compares as float).
    public func compare(_ op: Comparison, _ s: Double) -> Tensor {
        let a = !dtype.isFloatingPoint && s != s.rounded(.towardZero) ? converted(to: .float64) : self
        return a.dtype.visit(CompareScalar(op: op, a: a, s: s))
    }

    private struct CompareTensors: ElementVisitor {
        let op: Comparison, a: Tensor, b: Tensor
        func visit<T: TensorElement>(_ type: T.Type) -> Result<Tensor, TensorError> {
            let op = op
            do throws(TensorError) {
                return .success(try Elementwise.zip(a, b) { (p: T, q: T) -> Bool in op.holds(p, q) })
            } catch { return .failure(error) }
        }
    }

    private struct CompareScalar: ElementVisitor {
        let op: Comparison, a: Tensor, s: Double
        func visit<T: TensorElement>(_ type: T.Type) -> Tensor {
            let op = op
            if T.dtype.isFloatingPoint {
                let v = T(converting: s)
                return Elementwise.convert(a) { (p: T) -> Bool in op.holds(p, v) }
            }
            // a whole number int64 holds compares in int64 (a double would round both past 2^53);
            // one outside that range compares exactly, in Double
            if s == s.rounded(.towardZero) && s >= -0x1p63 && s < 0x1p63 {
                let v = Int64(s)
                return Elementwise.convert(a) { (p: T) -> Bool in op.holds(p.int64Value, v) }
            }
            return Elementwise.convert(a) { (p: T) -> Bool in op.holds(p.doubleValue, s) }
        }
    }

    // where(c, a, b): g goes to a where c holds, to b elsewhere
    public static func select(where condition: Tensor, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
        let t = DType.result(a.dtype, zeroDim: a.dim == 0, b.dtype, zeroDim: b.dim == 0)
        let c = condition.converted(to: .bool)
        let (x, y) = (a.converted(to: t), b.converted(to: t))
        guard let shape = Shape.broadcast(c.shape, x.shape).flatMap({ Shape.broadcast($0, y.shape) }) else {
            throw TensorError("the shapes of condition \(Shape.describe(c.shape)), input \(Shape.describe(a.shape)) and other \(Shape.describe(b.shape)) cannot be broadcast")
        }
        try MemoryLimit.check(shape, bytesPerElement: t.itemSize)
        let (ce, xe, ye) = (c.aliasedBroadcast(to: shape), x.aliasedBroadcast(to: shape), y.aliasedBroadcast(to: shape))
        let out = t.visit(Choose(c: ce, x: xe, y: ye))
        if Tensor.needsGrad(a, b) {
            let (sa, sb, ta, tb) = (a.shape, b.shape, a.dtype, b.dtype)
            out.attach(to: Node(name: "WhereBackward0", inputs: [a, b], saving: [ce]) { g in
                let g = g[0]!
                let zero = Tensor(filling: 0, shape: [], dtype: g.dtype)
                return [a.requiresGrad ? try! select(where: ce, g, zero).sum(toShape: sa).converted(to: ta) : nil,
                        b.requiresGrad ? try! select(where: ce, zero, g).sum(toShape: sb).converted(to: tb) : nil]
            })
        }
        return out
    }

    private struct Choose: ElementVisitor {
        let c: Tensor, x: Tensor, y: Tensor
        func visit<T: TensorElement>(_ type: T.Type) -> Tensor {
            let out = Tensor(uninitializedShape: c.shape, dtype: T.dtype)
            let o = out.elements(T.self)
            let (pc, px, py) = (c.storage.elements(Bool.self), x.storage.elements(T.self), y.storage.elements(T.self))
            var i = 0
            Tensors.forEachRow(shape: c.shape, strides: [c.strides, x.strides, y.strides], bases: [c.offset, x.offset, y.offset]) { n, offsets, inner in
                var (ic, ix, iy) = (offsets[0], offsets[1], offsets[2])
                for _ in 0..<n {
                    o[i] = pc[ic] ? px[ix] : py[iy]
                    i += 1; ic += inner[0]; ix += inner[1]; iy += inner[2]
                }
            }
            return out
        }
    }

    /// A view of self stretched to `target` (which it broadcasts to), no copy.
    func aliasedBroadcast(to target: Dims) -> Tensor {
        aliased(shape: target, strides: Shape.broadcastStrides(shape, strides, to: target))
    }
}
