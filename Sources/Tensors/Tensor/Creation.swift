// Making tensors: constants, ranges, and random draws from the shared generator.

extension Tensor {
    public static func zeros(_ shape: Dims, dtype: DType = .float32) -> Tensor { Tensor(filling: 0, shape: shape, dtype: dtype) }
    public static func ones(_ shape: Dims, dtype: DType = .float32) -> Tensor { Tensor(filling: 1, shape: shape, dtype: dtype) }
    public static func full(_ shape: Dims, _ value: Double, dtype: DType = .float32) -> Tensor {
        Tensor(filling: value, shape: shape, dtype: dtype)
    }

    /// torch.arange(start, end, step): values start + i·step below end (above, for a negative step).
    public static func arange(_ start: Double, _ end: Double, _ step: Double, dtype: DType = .float32) throws(TensorError) -> Tensor {
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
        try MemoryLimit.check([n], bytesPerElement: dtype.itemSize)
        if dtype == .float32 {
            let out = Tensor(uninitializedShape: [n])
            for i in 0..<n { out.data[i] = Float(start + Double(i) * step) }
            return out
        }
        let values = Tensor(uninitializedShape: [n], dtype: .float64)
        let p = values.elements(Double.self)
        for i in 0..<n { p[i] = start + Double(i) * step }
        return values.converted(to: dtype)
    }

    /// torch.arange with integer bounds and step into int64, counted and filled in integers
    /// as PyTorch's: through doubles, values past 2^53 rounded and the count came out wrong.
    public static func arange(_ start: Int64, _ end: Int64, _ step: Int64) throws(TensorError) -> Tensor {
        guard step != 0 else { throw TensorError("step must be nonzero") }
        guard (step > 0 && end >= start) || (step < 0 && end <= start) else {
            throw TensorError("upper bound and larger bound inconsistent with step sign")
        }
        let (span, overflow) = end.subtractingReportingOverflow(start)
        // ceil(span / step); span and step have the same sign
        let n = overflow ? Int64.max : span / step + (span % step == 0 ? 0 : 1)
        guard !overflow, n <= 1 << 33 else {
            throw TensorError("arange from \(start) to \(end) by \(step) would hold too many elements")
        }
        try MemoryLimit.check([Int(n)], bytesPerElement: DType.int64.itemSize)
        let out = Tensor(uninitializedShape: [Int(n)], dtype: .int64)
        let p = out.elements(Int64.self)
        for i in 0..<Int(n) { p[i] = start + Int64(i) * step }
        return out
    }

    /// torch.linspace(start, end, steps): PyTorch's formula, filling from both ends.
    public static func linspace(_ start: Double, _ end: Double, _ steps: Int, dtype: DType = .float32) throws(TensorError) -> Tensor {
        guard steps >= 0 else { throw TensorError("number of steps must be non-negative") }
        try MemoryLimit.check([steps], bytesPerElement: dtype.itemSize)
        switch dtype {
        case .float32: return linspaceValues(Float(start), Float(end), steps)
        case .float64: return linspaceValues(start, end, steps)
        default: return linspaceValues(start, end, steps).converted(to: dtype)
        }
    }

    private static func linspaceValues<T: TensorFloat>(_ start: T, _ end: T, _ steps: Int) -> Tensor {
        let out = Tensor(uninitializedShape: [steps], dtype: T.dtype)
        let p = out.elements(T.self)
        if steps == 1 { p[0] = start }
        if steps > 1 {
            let step = (end - start) / T(steps - 1)
            let halfway = steps / 2
            for i in 0..<steps {
                p[i] = i < halfway ? start + step * T(i) : end - step * T(steps - i - 1)
            }
        }
        return out
    }

    /// torch.rand: uniform on [0, 1).
    public static func rand(_ shape: Dims, dtype: DType = .float32, generator: Generator = .shared) -> Tensor {
        uniform(shape, 0, 1, dtype: dtype, generator: generator)
    }

    /// uniform_(from, to) on a fresh tensor of a floating dtype.
    public static func uniform(_ shape: Dims, _ from: Double, _ to: Double, dtype: DType = .float32,
                               generator: Generator = .shared) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        out.fillUniform(from, to, generator)
        return out
    }

    /// torch.randn: standard normal.
    public static func randn(_ shape: Dims, dtype: DType = .float32, generator: Generator = .shared) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        if dtype == .float64 {
            generator.fillNormal(out.elements(Double.self), count: out.count)
        } else {
            generator.fillNormal(out.elements(Float.self), count: out.count)
        }
        return out
    }

    /// torch.randint(low, high, shape): integers in [low, high), int64 unless told.
    public static func randint(_ low: Int, _ high: Int, _ shape: Dims, dtype: DType = .int64,
                               generator: Generator = .shared) throws(TensorError) -> Tensor {
        guard low < high else { throw TensorError("random_ expects 'from' to be less than 'to', but got from=\(low) >= to=\(high)") }
        try MemoryLimit.check(shape, bytesPerElement: 8)
        let out = Tensor(uninitializedShape: shape, dtype: .int64)
        let p = out.elements(Int64.self)
        for i in 0..<out.count { p[i] = Int64(generator.integer(low, high)) }
        return out.converted(to: dtype)
    }

    /// Fills this tensor in place from U(from, to), as PyTorch's uniform_.
    public func uniform_(_ from: Double, _ to: Double, generator: Generator = .shared) throws(TensorError) {
        try checkWritable()
        guard dtype.isFloatingPoint else { throw TensorError("\"check_uniform_bounds\" not implemented for '\(dtype.typeName)'") }
        fillUniform(from, to, generator)
        storage.bumpVersion()
    }

    private func fillUniform(_ from: Double, _ to: Double, _ generator: Generator) {
        func run<T: TensorFloat>(_: T.Type) {
            let base = storage.elements(T.self)
            let (f, t) = (T(from), T(to))
            forEachOffset { base[$0] = generator.uniform(f, t) }
        }
        if dtype == .float64 { run(Double.self) } else { run(Float.self) }
    }

    /// Fills this tensor in place from N(mean, std²), as PyTorch's normal_.
    public func normal_(mean: Double, std: Double, generator: Generator = .shared) throws(TensorError) {
        try checkWritable()
        guard dtype.isFloatingPoint else { throw TensorError("\"normal_kernel_cpu\" not implemented for '\(dtype.typeName)'") }
        func run<T: TensorFloat>(_: T.Type) {
            if isContiguous {
                generator.fillNormal(elements(T.self), count: count, mean: T(mean), std: T(std))
            } else {
                let fresh = Tensor(uninitializedShape: shape, dtype: dtype)
                generator.fillNormal(fresh.elements(T.self), count: count, mean: T(mean), std: T(std))
                assign(fresh)
            }
        }
        if dtype == .float64 { run(Double.self) } else { run(Float.self) }
        storage.bumpVersion()
    }
}

extension Tensor {
    /// The tensor an index-returning op gives the user (argmax, sort, topk, multinomial):
    /// `zeroBased` positions shown 1-based, as every index in lstmlua. The one place
    /// index results are made, so their element type is decided here.
    public static func indices(zeroBased: [Int], shape: Dims) -> Tensor {
        precondition(zeroBased.count == Shape.count(shape), "indices do not fill the shape")
        let out = Tensor(uninitializedShape: shape, dtype: .int64)
        let p = out.elements(Int64.self)
        for (k, i) in zeroBased.enumerated() { p[k] = Int64(i + 1) }
        return out
    }
}
