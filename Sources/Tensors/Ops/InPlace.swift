// In-place writes: copy_, fill_, zero_, add_, mul_ (PyTorch's trailing underscore).
//
// They are refused where PyTorch refuses them (a leaf that requires grad, while
// recording) and where lstmlua does not rewrite the graph (a result in a graph).
// Every write bumps the storage version, so a backward that saved the old values fails loudly.

extension Tensor {
    public func checkWritable(_ operands: Tensor...) throws(TensorError) {
        try checkNoInternalOverlap()
        try checkGradWritable(operands)
    }

    /// The autograd half of checkWritable.
    func checkGradWritable(_ operands: [Tensor]) throws(TensorError) {
        guard GradMode.isEnabled else { return }
        if requiresGrad && isLeaf {
            throw TensorError("a leaf Variable that requires grad is being used in an in-place operation")
        }
        if requiresGrad {
            throw TensorError("in-place operations on a tensor that is part of a graph are not supported; use the out-of-place form")
        }
        if operands.contains(where: { $0.requiresGrad }) {
            throw TensorError("in-place operations with an operand that requires grad are not supported; use the out-of-place form")
        }
    }

    /// Refuses a write into a view whose elements share memory (an expanded tensor): each
    /// location would be written several times, as PyTorch refuses it.
    func checkNoInternalOverlap() throws(TensorError) {
        if !isContiguous && Shape.mayOverlap(shape, strides) {
            throw TensorError("unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.")
        }
    }

    func checkBroadcastable(_ src: Tensor) throws(TensorError) {
        guard let s = Shape.broadcast(shape, src.shape), s == shape else {
            throw TensorError("output with shape \(Shape.describe(shape)) doesn't match the broadcast shape of \(Shape.describe(src.shape))")
        }
    }

    public func copy_(_ src: Tensor) throws(TensorError) {
        try checkWritable(src)
        try checkBroadcastable(src)
        // A source that overlaps this view must be read before it is overwritten.
        let source = src.storage === storage ? src.copied() : src
        assign(source)
        storage.bumpVersion()
    }

    public func fill_(_ value: Float) throws(TensorError) {
        try checkWritable()
        Elementwise.updateEach(self) { _ in value }
        storage.bumpVersion()
    }

    public func zero_() throws(TensorError) { try fill_(0) }

    /// self += alpha·other
    public func add_(_ other: Tensor, alpha: Float = 1) throws(TensorError) {
        try checkWritable(other)
        try checkBroadcastable(other)
        let source = other.storage === storage ? other.copied() : other
        if alpha == 1 { Elementwise.update(self, source) { $0 + $1 } } else { Elementwise.update(self, source) { $0 + alpha * $1 } }
        storage.bumpVersion()
    }

    public func add_(_ s: Float) throws(TensorError) {
        try checkWritable()
        Elementwise.updateEach(self) { $0 + s }
        storage.bumpVersion()
    }

    public func mul_(_ other: Tensor) throws(TensorError) {
        try checkWritable(other)
        try checkBroadcastable(other)
        let source = other.storage === storage ? other.copied() : other
        Elementwise.update(self, source) { $0 * $1 }
        storage.bumpVersion()
    }

    public func mul_(_ s: Float) throws(TensorError) {
        try checkWritable()
        Elementwise.updateEach(self) { $0 * s }
        storage.bumpVersion()
    }

    /// self[i] = src along the first dimension (src broadcast), as Lua's t[i] = v.
    public func write(_ src: Tensor, at i: Int) throws(TensorError) {
        let target = selectUnchecked(0, i)
        // only the row written to must not overlap itself, as PyTorch's x[i] = v
        try target.checkNoInternalOverlap()
        try checkGradWritable([src])
        try target.checkBroadcastable(src)
        target.assign(src.storage === storage ? src.copied() : src)
        storage.bumpVersion()
    }

    /// Sets every value to 0 whatever the strides, outside autograd (an optimizer's zero_grad).
    public func zeroValues() {
        Elementwise.updateEach(self) { _ in 0 }
        storage.bumpVersion()
    }

    /// self += g for gradient accumulation (shapes equal, outside autograd).
    func addInPlaceUnchecked(_ g: Tensor) {
        Elementwise.update(self, g) { $0 + $1 }
        storage.bumpVersion()
    }
}
