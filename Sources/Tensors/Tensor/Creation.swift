// Making tensors: constants, ranges, and random draws from the shared generator.

extension Tensor {
    public static func zeros(_ shape: Dims) -> Tensor { Tensor(repeating: 0, shape: shape) }
    public static func ones(_ shape: Dims) -> Tensor { Tensor(repeating: 1, shape: shape) }
    public static func full(_ shape: Dims, _ value: Float) -> Tensor { Tensor(repeating: value, shape: shape) }

    /// torch.arange(start, end, step): values start + i·step below end (above, for a negative step).
    public static func arange(_ start: Double, _ end: Double, _ step: Double) throws(TensorError) -> Tensor {
        guard step != 0 else { throw TensorError("step must be nonzero") }
        guard start.isFinite && end.isFinite else { throw TensorError("unsupported range: \(start) -> \(end)") }
        guard (step > 0 && end >= start) || (step < 0 && end <= start) else {
            throw TensorError("upper bound and larger bound inconsistent with step sign")
        }
        let steps = ((end - start) / step).rounded(.up)
        guard steps.isFinite, steps <= Double(1 << 33) else {
            throw TensorError("arange from \(start) to \(end) by \(step) would hold too many elements")
        }
        let n = Int(steps)
        try MemoryLimit.check([n])
        let out = Tensor(uninitializedShape: [n])
        for i in 0..<n { out.data[i] = Float(start + Double(i) * step) }
        return out
    }

    /// torch.linspace(start, end, steps): PyTorch's formula, filling from both ends.
    public static func linspace(_ start: Float, _ end: Float, _ steps: Int) throws(TensorError) -> Tensor {
        guard steps >= 0 else { throw TensorError("number of steps must be non-negative") }
        try MemoryLimit.check([steps])
        let out = Tensor(uninitializedShape: [steps])
        if steps == 1 { out.data[0] = start }
        if steps > 1 {
            let step = (end - start) / Float(steps - 1)
            let halfway = steps / 2
            for i in 0..<steps {
                out.data[i] = i < halfway ? start + step * Float(i) : end - step * Float(steps - i - 1)
            }
        }
        return out
    }

    /// torch.rand: uniform on [0, 1).
    public static func rand(_ shape: Dims, generator: Generator = .shared) -> Tensor {
        uniform(shape, 0, 1, generator: generator)
    }

    /// uniform_(from, to) on a fresh tensor.
    public static func uniform(_ shape: Dims, _ from: Float, _ to: Float, generator: Generator = .shared) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        for i in 0..<out.count { out.data[i] = generator.uniformFloat(from, to) }
        return out
    }

    /// torch.randn: standard normal.
    public static func randn(_ shape: Dims, generator: Generator = .shared) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        generator.fillNormal(out.data, count: out.count)
        return out
    }

    /// torch.randint(low, high, shape): integers in [low, high), as floats.
    public static func randint(_ low: Int, _ high: Int, _ shape: Dims, generator: Generator = .shared) throws(TensorError) -> Tensor {
        guard low < high else { throw TensorError("random_ expects 'from' to be less than 'to', but got from=\(low) >= to=\(high)") }
        try MemoryLimit.check(shape)
        let out = Tensor(uninitializedShape: shape)
        for i in 0..<out.count { out.data[i] = Float(generator.integer(low, high)) }
        return out
    }

    /// Fills this tensor in place from U(from, to), as PyTorch's uniform_.
    public func uniform_(_ from: Float, _ to: Float, generator: Generator = .shared) throws(TensorError) {
        try checkWritable()
        let base = storage.data
        forEachOffset { base[$0] = generator.uniformFloat(from, to) }
        storage.bumpVersion()
    }

    /// Fills this tensor in place from N(mean, std²), as PyTorch's normal_.
    public func normal_(mean: Float, std: Float, generator: Generator = .shared) throws(TensorError) {
        try checkWritable()
        if isContiguous {
            generator.fillNormal(data, count: count, mean: mean, std: std)
        } else {
            let fresh = Tensor(uninitializedShape: shape)
            generator.fillNormal(fresh.data, count: count, mean: mean, std: std)
            assign(fresh)
        }
        storage.bumpVersion()
    }
}

extension Tensor {
    /// The tensor an index-returning op gives the user (argmax, sort, topk, multinomial):
    /// `zeroBased` positions shown 1-based, as every index in lstmlua. The one place
    /// index results are made, so their element type is decided here.
    public static func indices(zeroBased: [Int], shape: Dims) -> Tensor {
        precondition(zeroBased.count == Shape.count(shape), "indices do not fill the shape")
        let out = Tensor(uninitializedShape: shape)
        for (k, i) in zeroBased.enumerated() { out.data[k] = Float(i + 1) }
        return out
    }
}
