// clamp_: clamp written into the tensor itself, as PyTorch's (refused where every
// in-place write is: a leaf that requires grad while recording, overlapping elements).

extension Tensor {
    /// clamp_: limits the values to [lo, hi] in place (either may be nil).
    public func clamp_(min lo: Double?, max hi: Double?) throws(TensorError) {
        try checkWritable()
        assign(clampValues(min: lo, max: hi))
        storage.bumpVersion()
    }
}
