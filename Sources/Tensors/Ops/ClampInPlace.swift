// clamp_: clamp written into the tensor itself, as PyTorch's (refused where every
// in-place write is: a leaf that requires grad while recording, overlapping elements).

extension Tensor {
    /// clamp_: limits the values to [lo, hi] in place (either may be nil).
    public func clamp_(min lo: Float?, max hi: Float?) throws(TensorError) {
        try checkWritable()
        let l = lo ?? -.infinity, h = hi ?? .infinity
        Elementwise.updateEach(self) { Swift.min(Swift.max($0, l), h) }
        storage.bumpVersion()
    }
}
