// masked_fill: value where the mask is set, the input elsewhere; the mask and
// the input broadcast. The gradient reaches the input where the mask is clear.

extension Tensor {
    /// Whether a mask element is set. Masks are float tensors of 0 and 1 today;
    /// every mask is read through here, so a boolean element type changes one place.
    @inline(__always)
    public static func isMaskSet(_ v: Float) -> Bool { v != 0 }

    public func maskedFill(_ mask: Tensor, _ value: Float) throws(TensorError) -> Tensor {
        let out = try Elementwise.zip(self, mask) { x, m in Tensor.isMaskSet(m) ? value : x }
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.attach(to: Node(name: "MaskedFillBackward0", inputs: [self], saving: [mask]) { g in
                [Tensor.zipSame(g[0]!, mask) { x, m in Tensor.isMaskSet(m) ? 0 : x }.sum(toShape: inputShape)]
            })
        }
        return out
    }

    /// masked_fill_: the same, written into this tensor (the mask broadcasts to its shape).
    public func maskedFill_(_ mask: Tensor, _ value: Float) throws(TensorError) {
        try checkWritable()
        try checkBroadcastable(mask)
        // a mask that shares this memory must be read before it is overwritten
        let source = mask.storage === storage ? mask.copied() : mask
        Elementwise.update(self, source) { x, m in Tensor.isMaskSet(m) ? value : x }
        storage.bumpVersion()
    }
}
