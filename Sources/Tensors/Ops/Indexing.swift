// Indexing beyond one index per dimension: strided slices (a view), index_select,
// gather, scatter, and boolean masks, each with its backward.
//
// Indices and masks arrive already checked, 0-based, as Swift arrays: the Lua layer
// reads index and mask tensors (whatever their element type) in one place each.

extension Tensor {
    // slice(d, start, length, step): g placed into zeros at start, start+step, ... along d
    public func slice(_ d: Int, start: Int, length: Int, step: Int) -> Tensor {
        if step == 1 { return narrow(d, start: start, length: length) }
        let out = sliceUnchecked(d, start: start, length: length, step: step)
        let inputShape = shape
        return recordView(out, "SliceBackward0", { g in
            let full = Tensor(filling: 0, shape: inputShape, dtype: g.dtype)
            full.sliceUnchecked(d, start: start, length: length, step: step).assign(g)
            return full
        })
    }

    func sliceUnchecked(_ d: Int, start: Int, length: Int, step: Int) -> Tensor {
        var newShape = shape, newStrides = strides
        newShape[d] = length
        newStrides[d] = strides[d] * step
        return aliased(shape: newShape, strides: newStrides, offset: offset + (length == 0 ? 0 : start * strides[d]))
    }

    // index_select(d, index): g's slice k added into index[k] of zeros
    public func indexSelect(_ d: Int, _ index: [Int]) throws(TensorError) -> Tensor {
        var newShape = shape
        newShape[d] = index.count
        try MemoryLimit.check(newShape, bytesPerElement: dtype.itemSize)
        let out = Tensor(uninitializedShape: newShape, dtype: dtype)
        for (k, i) in index.enumerated() { out.selectUnchecked(d, k).assign(selectUnchecked(d, i)) }
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.attach(to: Node(name: "IndexSelectBackward0", inputs: [self]) { g in
                let full = Tensor(filling: 0, shape: inputShape, dtype: g[0]!.dtype)
                for (k, i) in index.enumerated() {
                    full.selectUnchecked(d, i).updateValues(.add, g[0]!.selectUnchecked(d, k))
                }
                return [full]
            })
        }
        return out
    }

    /// The storage offsets, in row-major order of `indexShape`, of this tensor's elements
    /// with dimension d's coordinate taken as 0 (indexShape fits inside the shape elsewhere).
    private func baseOffsets(_ d: Int, _ indexShape: Dims) -> [Int] {
        var s = strides
        s[d] = 0
        var out: [Int] = []
        out.reserveCapacity(Shape.count(indexShape))
        aliased(shape: indexShape, strides: s).forEachOffset { out.append($0) }
        return out
    }

    /// Checks an index of `indexShape` against dimension d, as PyTorch's gather and scatter do.
    private func checkIndexShape(_ d: Int, _ indexShape: Dims, _ what: String, other: Tensor? = nil) throws(TensorError) {
        guard indexShape.count == dim || (dim == 0 && indexShape.count <= 1) else {
            throw TensorError("index tensor must have the same number of dimensions as the \(what) tensor (\(dim)), got \(indexShape.count)")
        }
        for k in 0..<indexShape.count where k != d && indexShape[k] > shape[k] {
            throw TensorError("size of the index (\(Shape.describe(indexShape))) must not exceed the \(what) tensor's (\(Shape.describe(shape))) in dimension \(k + 1)")
        }
        if let other {
            for k in 0..<indexShape.count where k >= other.dim || indexShape[k] > other.shape[k] {
                throw TensorError("size of the index (\(Shape.describe(indexShape))) must not exceed src's (\(Shape.describe(other.shape))) in dimension \(k + 1)")
            }
        }
    }

    // gather(d, index): g scattered (added) back to where each value came from
    public func gather(_ d: Int, _ index: [Int], shape indexShape: Dims) throws(TensorError) -> Tensor {
        try checkIndexShape(d, indexShape, "input")
        let out = Tensor(uninitializedShape: indexShape, dtype: dtype)
        let bases = baseOffsets(d, indexShape)
        let step = dim == 0 ? 0 : strides[d]
        switch dtype.itemSize {
        case 1: Tensor.gatherBits(self, out, bases, index, step, UInt8.self)
        case 4: Tensor.gatherBits(self, out, bases, index, step, UInt32.self)
        default: Tensor.gatherBits(self, out, bases, index, step, UInt64.self)
        }
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.attach(to: Node(name: "GatherBackward0", inputs: [self]) { g in
                let full = Tensor(filling: 0, shape: inputShape, dtype: g[0]!.dtype)
                full.scatterValues(d, index, indexShape, from: g[0]!, accumulate: true)
                return [full]
            })
        }
        return out
    }

    /// Moves elements by their bit patterns: gather and scatter never look at the values.
    private static func gatherBits<W: FixedWidthInteger>(_ a: Tensor, _ out: Tensor, _ bases: [Int], _ index: [Int],
                                                         _ step: Int, _: W.Type) {
        let (src, o) = (a.storage.raw.assumingMemoryBound(to: W.self), out.raw.assumingMemoryBound(to: W.self))
        for p in 0..<index.count { o[p] = src[bases[p] + index[p] * step] }
    }

    /// self[index[p] along d] (=|+=) src[p] for every position p of the index, outside autograd.
    func scatterValues(_ d: Int, _ index: [Int], _ indexShape: Dims, from src: Tensor?, value: Double = 0, accumulate: Bool = false) {
        let bases = baseOffsets(d, indexShape)
        let step = dim == 0 ? 0 : strides[d]
        // the value (or src) in this dtype, so that placing it is a move of its bits
        let source = src?.converted(to: dtype) ?? Tensor(filling: value, shape: [], dtype: dtype)
        var sourceOffsets: [Int] = []
        sourceOffsets.reserveCapacity(index.count)
        source.aliased(shape: indexShape, strides: source.dim == 0 ? Dims(repeating: 0, count: indexShape.count) : source.strides)
            .forEachOffset { sourceOffsets.append($0) }
        if accumulate {
            func add<T: TensorFloat>(_: T.Type) {
                let (dst, s) = (storage.elements(T.self), source.storage.elements(T.self))
                for p in 0..<index.count { dst[bases[p] + index[p] * step] += s[sourceOffsets[p]] }
            }
            if dtype == .float64 { add(Double.self) } else { add(Float.self) }
            return
        }
        func move<W: FixedWidthInteger>(_: W.Type) {
            let (dst, s) = (storage.raw.assumingMemoryBound(to: W.self), source.storage.raw.assumingMemoryBound(to: W.self))
            for p in 0..<index.count { dst[bases[p] + index[p] * step] = s[sourceOffsets[p]] }
        }
        switch dtype.itemSize {
        case 1: move(UInt8.self)
        case 4: move(UInt32.self)
        default: move(UInt64.self)
        }
    }

    // scatter(d, index, src): self's gradient is g with the written places zeroed; src's is
    // g gathered at the index (placed in zeros of src's shape where src is larger)
    public func scatter(_ d: Int, _ index: [Int], shape indexShape: Dims, src: Tensor?, value: Double = 0) throws(TensorError) -> Tensor {
        try checkIndexShape(d, indexShape, "self", other: src)
        let out = copied()
        out.scatterValues(d, index, indexShape, from: src.map { $0.storage === out.storage ? $0.copied() : $0 }, value: value)
        if Tensor.needsGrad([self, src]) {
            let srcShape = src?.shape
            out.attach(to: Node(name: src == nil ? "ScatterBackward1" : "ScatterBackward0", inputs: [self, src]) { (grads: [Tensor?]) throws(TensorError) -> [Tensor?] in
                let g = grads[0]!
                let gSelf = g.copied()
                gSelf.scatterValues(d, index, indexShape, from: nil, value: 0)
                var gSrc: Tensor? = nil
                if let srcShape {
                    let gathered = try g.gather(d, index, shape: indexShape)
                    if gathered.shape == srcShape { gSrc = gathered } else {
                        let full = Tensor(filling: 0, shape: srcShape, dtype: g.dtype)
                        full.aliased(shape: indexShape, strides: full.strides).assign(gathered)
                        gSrc = full
                    }
                }
                return [gSelf, gSrc]
            })
        }
        return out
    }

    // scatter_(d, index, src): in place, refused where copy_ is
    public func scatter_(_ d: Int, _ index: [Int], shape indexShape: Dims, src: Tensor?, value: Double = 0) throws(TensorError) {
        try checkIndexShape(d, indexShape, "self", other: src)
        if let src { try checkWritable(src) } else { try checkWritable() }
        scatterValues(d, index, indexShape, from: src.map { $0.storage === storage ? $0.copied() : $0 }, value: value)
        storage.bumpVersion()
    }

    /// The views self[position] for each true position of a mask over the first
    /// maskShape.count dimensions (maskShape == those dimensions' sizes), in row-major order.
    /// Refuses a mask whose set positions would need more views than memory holds (each
    /// part is a tensor object; a broadcast mask may set billions).
    private func checkMaskedParts(_ mask: [Bool]) throws(TensorError) {
        let set = mask.reduce(0) { $0 + ($1 ? 1 : 0) }
        try MemoryLimit.check([set], bytesPerElement: 512)
    }

    private func maskedParts(_ mask: [Bool], _ maskShape: Dims) -> [Tensor] {
        let lead = maskShape.count
        let restShape = Dims(shape.slice(lead..<dim)), restStrides = Dims(strides.slice(lead..<dim))
        var parts: [Tensor] = []
        var p = 0
        aliased(shape: maskShape, strides: Dims(strides.slice(0..<lead))).forEachOffset { at in
            if mask[p] { parts.append(aliased(shape: restShape, strides: restStrides, offset: at)) }
            p += 1
        }
        return parts
    }

    func checkMask(_ maskShape: Dims) throws(TensorError) {
        guard maskShape.count <= dim, Dims(shape.slice(0..<maskShape.count)) == maskShape else {
            throw TensorError("the shape of the mask \(Shape.describe(maskShape)) does not match the shape of the indexed tensor \(Shape.describe(shape))")
        }
    }

    // self[mask]: each selected part's gradient goes back to its place
    public func maskedSelect(_ mask: [Bool], shape maskShape: Dims, name: String = "IndexBackward0") throws(TensorError) -> Tensor {
        try checkMask(maskShape)
        try checkMaskedParts(mask)
        let parts = maskedParts(mask, maskShape)
        let out = Tensor(uninitializedShape: [parts.count] + Dims(shape.slice(maskShape.count..<dim)), dtype: dtype)
        for (j, part) in parts.enumerated() { out.selectUnchecked(0, j).assign(part) }
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.attach(to: Node(name: name, inputs: [self]) { g in
                let full = Tensor(filling: 0, shape: inputShape, dtype: g[0]!.dtype)
                for (j, part) in full.maskedParts(mask, maskShape).enumerated() { part.assign(g[0]!.selectUnchecked(0, j)) }
                return [full]
            })
        }
        return out
    }

    /// self[mask] = src (broadcast to [count of true] + the remaining sizes) or = value; refused where copy_ is.
    public func maskedAssign(_ mask: [Bool], shape maskShape: Dims, src: Tensor?, value: Double = 0) throws(TensorError) {
        try checkMask(maskShape)
        if let src { try checkGradWritable([src]) } else { try checkGradWritable([]) }
        try checkMaskedParts(mask)
        let parts = maskedParts(mask, maskShape)
        for part in parts { try part.checkNoInternalOverlap() }
        if let src {
            let target: Dims = [parts.count] + Dims(shape.slice(maskShape.count..<dim))
            guard Shape.broadcast(target, src.shape) == target else {
                throw TensorError("shape mismatch: value tensor of shape \(Shape.describe(src.shape)) cannot be broadcast to indexing result of shape \(Shape.describe(target))")
            }
            let source = try (src.storage === storage ? src.copied() : src).detach().expand(target)
            for (j, part) in parts.enumerated() { part.assign(source.selectUnchecked(0, j)) }
        } else {
            for part in parts { part.fillValues(value) }
        }
        storage.bumpVersion()
    }
}
