// Elementwise loops: one input (map) or two broadcast inputs (zip), into a fresh
// contiguous output. The closure is inlined into each caller, so every operation
// gets its own tight loop; the element types come from the closure, and must be
// the operands' dtypes (ops convert first).

enum Elementwise {
    /// out = f(a), elementwise.
    @inline(__always)
    static func map<T: TensorElement>(_ a: Tensor, _ f: (T) -> T) -> Tensor { convert(a, f) }

    /// out = f(a), elementwise, into U's dtype.
    @inline(__always)
    static func convert<T: TensorElement, U: TensorElement>(_ a: Tensor, _ f: (T) -> U) -> Tensor {
        let out = Tensor(uninitializedLike: a, dtype: U.dtype)
        let o = out.elements(U.self)
        if a.isContiguous {
            let p = a.elements(T.self)
            for i in 0..<a.count { o[i] = f(p[i]) }
        } else {
            let base = a.storage.elements(T.self)
            var i = 0
            a.forEachOffset { o[i] = f(base[$0]); i += 1 }
        }
        return out
    }

    /// out = f(a, b) with PyTorch broadcasting.
    @inline(__always)
    static func zip<T: TensorElement, U: TensorElement>(_ a: Tensor, _ b: Tensor, _ f: (T, T) -> U) throws(TensorError) -> Tensor {
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            let out = Tensor(uninitializedLike: a, dtype: U.dtype)
            let (o, p, q) = (out.elements(U.self), a.elements(T.self), b.elements(T.self))
            for i in 0..<a.count { o[i] = f(p[i], q[i]) }
            return out
        }
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            throw TensorError("shapes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) cannot be broadcast")
        }
        // two expanded operands may broadcast to more elements than Int counts
        guard Shape.checkedCount(shape) != nil else {
            throw TensorError("shapes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) broadcast to \(Shape.describe(shape)), more than \(Shape.maxElements) elements")
        }
        try MemoryLimit.check(shape, bytesPerElement: U.dtype.itemSize)
        let out = Tensor(uninitializedShape: shape, dtype: U.dtype)
        let o = out.elements(U.self)
        if b.count == 1 && a.isContiguous && a.shape == shape {
            let (p, s) = (a.elements(T.self), b.elements(T.self).pointee)
            for i in 0..<out.count { o[i] = f(p[i], s) }
            return out
        }
        if a.count == 1 && b.isContiguous && b.shape == shape {
            let (s, q) = (a.elements(T.self).pointee, b.elements(T.self))
            for i in 0..<out.count { o[i] = f(s, q[i]) }
            return out
        }
        let sa = Shape.broadcastStrides(a.shape, a.strides, to: shape)
        let sb = Shape.broadcastStrides(b.shape, b.strides, to: shape)
        let (pa, pb) = (a.storage.elements(T.self), b.storage.elements(T.self))
        var written = 0
        forEachRow(shape: shape, strides: [sa, sb], bases: [a.offset, b.offset]) { n, offsets, inner in
            var (ia, ib) = (offsets[0], offsets[1])
            let (da, db) = (inner[0], inner[1])
            for j in 0..<n { o[written + j] = f(pa[ia], pb[ib]); ia += da; ib += db }
            written += n
        }
        return out
    }

    /// a[i] = f(a[i], b[i]) in place, b broadcast to a's shape (checked by the caller).
    @inline(__always)
    static func update<T: TensorElement, U: TensorElement>(_ a: Tensor, _ b: Tensor, _ f: (T, U) -> T) {
        let sb = Shape.broadcastStrides(b.shape, b.strides, to: a.shape)
        let (pa, pb) = (a.storage.elements(T.self), b.storage.elements(U.self))
        if a.isContiguous && b.isContiguous && a.shape == b.shape {
            let (p, q) = (a.elements(T.self), b.elements(U.self))
            for i in 0..<a.count { p[i] = f(p[i], q[i]) }
            return
        }
        forEachRow(shape: a.shape, strides: [a.strides, sb], bases: [a.offset, b.offset]) { n, offsets, inner in
            var (ia, ib) = (offsets[0], offsets[1])
            let (da, db) = (inner[0], inner[1])
            for _ in 0..<n { pa[ia] = f(pa[ia], pb[ib]); ia += da; ib += db }
        }
    }

    /// a[i] = f(a[i]) in place.
    @inline(__always)
    static func updateEach<T: TensorElement>(_ a: Tensor, _ f: (T) -> T) {
        if a.isContiguous {
            let p = a.elements(T.self)
            for i in 0..<a.count { p[i] = f(p[i]) }
        } else {
            let base = a.storage.elements(T.self)
            a.forEachOffset { base[$0] = f(base[$0]) }
        }
    }
}

extension Tensor {
    /// A fresh contiguous tensor shaped like `other` (of its dtype unless told), values uninitialised.
    convenience init(uninitializedLike other: Tensor, dtype: DType? = nil) {
        let dtype = dtype ?? other.dtype
        if other.isContiguous {
            self.init(storage: Storage.make(count: other.count, dtype: dtype), shape: other.shape, strides: other.strides,
                      offset: 0, count: other.count, contiguous: true)
        } else {
            self.init(uninitializedShape: other.shape, dtype: dtype)
        }
    }
}
