// masked_fill: value where the mask is set, the input elsewhere; the mask and
// the input broadcast. The gradient reaches the input where the mask is clear.

extension Tensor {
    /// A mask as bool: a bool tensor as it is, another dtype true where nonzero.
    public func asMask() -> Tensor { converted(to: .bool) }

    public func maskedFill(_ mask: Tensor, _ value: Double) throws(TensorError) -> Tensor {
        let m = mask.asMask()
        guard Shape.broadcast(shape, m.shape) != nil else {
            throw TensorError("shapes \(Shape.describe(shape)) and \(Shape.describe(mask.shape)) cannot be broadcast")
        }
        let fill = Tensor(filling: value, shape: [], dtype: dtype)
        let out = try Tensor.select(where: m, fill, detach())
        guard Shape.broadcast(shape, m.shape) == out.shape else {
            throw TensorError("the mask of shape \(Shape.describe(mask.shape)) makes masked_fill's result \(Shape.describe(out.shape)), not the input's \(Shape.describe(shape))")
        }
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.attach(to: Node(name: "MaskedFillBackward0", inputs: [self], saving: [m]) { g in
                let zero = Tensor(filling: 0, shape: [], dtype: g[0]!.dtype)
                return [try! Tensor.select(where: m, zero, g[0]!).sum(toShape: inputShape)]
            })
        }
        return out
    }

    /// masked_fill_: the same, written into this tensor (the mask broadcasts to its shape).
    public func maskedFill_(_ mask: Tensor, _ value: Double) throws(TensorError) {
        try checkWritable()
        try checkBroadcastable(mask)
        // a mask that shares this memory must be read before it is overwritten
        let m = mask.storage === storage ? mask.asMask().copied() : mask.asMask()
        assign(try Tensor.select(where: m, Tensor(filling: value, shape: [], dtype: dtype), self))
        storage.bumpVersion()
    }
}
