// The negative log-likelihood of class indices, PyTorch's nll_loss, and cross
// entropy over class indices as one fused operation: log-softmax and NLL in one
// pass forward and one backward, without a one-hot target or a log-probability
// tensor. For a row x (the class dimension of one sample), target y, class
// weights w (all 1 when none), smoothing ε over C classes, the log-probabilities
// q = (x - m) - log Σ e^(x - m) (m the row's maximum, as PyTorch's log_softmax: taken
// as x - (m + log Σ), the sum would round at m's scale, and logits of 1e8 lose it all),
// p = e^q, W = Σ_c w_c:
//   ℓ = -(1-ε)·w_y·q_y - (ε/C)·Σ_c w_c·q_c
//   ∂ℓ/∂x_c = p_c·((1-ε)·w_y + (ε/C)·W) - (ε/C)·w_c - (1-ε)·w_y·[c = y]
// On log-probabilities (nll_loss) q is the input and p drops out. Rows whose target is
// ignore_index count for nothing; "mean" divides by Σ w_y over the others
// (PyTorch's weighted mean, NaN when nothing is left).

import CKernels
import Tensors

#if canImport(Glibc)
import Glibc
#endif

extension Loss {
    /// Class-index targets: 0-based classes shaped as the input without its class
    /// dimension, optional class weights [C], and the (0-based) class value to ignore.
    public struct ClassTargets {
        public let classes: [Int]
        public let shape: Dims
        public let weight: Tensor?
        public let ignoreIndex: Int

        public init(classes: [Int], shape: Dims, weight: Tensor? = nil, ignoreIndex: Int = -101) {
            self.classes = classes
            self.shape = shape
            self.weight = weight
            self.ignoreIndex = ignoreIndex
        }
    }

    /// nll_loss: input holds log-probabilities [N, C] (or [C], or [N, C, d…]).
    public static func nll(_ input: Tensor, _ targets: ClassTargets, reduction: Reduction) throws(TensorError) -> Tensor {
        try classLoss(input, targets, reduction: reduction, labelSmoothing: 0, logits: false)
    }

    /// cross_entropy with class indices: input holds logits.
    public static func crossEntropy(_ input: Tensor, _ targets: ClassTargets, reduction: Reduction,
                                    labelSmoothing: Double = 0) throws(TensorError) -> Tensor {
        try classLoss(input, targets, reduction: reduction, labelSmoothing: Float(labelSmoothing), logits: true)
    }

    /// The same loss in ordinary ops, for other dtypes (float64): log p, a target matrix
    /// ((1-ε)·w_y at y plus (ε/C)·w_c everywhere, zero on ignored rows), their product.
    private static func composite(_ input: Tensor, _ t: ClassTargets, classDim: Int, weight: Tensor?, reduction: Reduction,
                                  eps: Double, logits: Bool) throws(TensorError) -> Tensor {
        let x = input.floating()
        let c = x.shape[classDim]
        let logp = logits ? Softmax.logSoftmax(x, dim: classDim) : x
        let w = weight?.converted(to: .float64).doubles ?? [Double](repeating: 1, count: c)
        let inner = x.dim <= 2 ? 1 : x.shape[2...].reduce(1, *)
        let target = Tensor(filling: 0, shape: x.shape, dtype: .float64)
        let p = target.elements(Double.self)
        var rowWeights = [Double](repeating: 0, count: t.classes.count)
        for (k, y) in t.classes.enumerated() where y != t.ignoreIndex {
            let (o, i) = (k / inner, k % inner)
            for cls in 0..<c { p[o * c * inner + cls * inner + i] = eps / Double(c) * w[cls] }
            p[o * c * inner + y * inner + i] += (1 - eps) * w[y]
            rowWeights[k] = w[y]
        }
        let perSample = try logp.mul(target.converted(to: x.dtype)).sum(dim: classDim).neg()
        switch reduction {
        case .none: return perSample
        case .sum: return perSample.sum()
        case .mean: return perSample.sum().div(rowWeights.reduce(0, +))
        }
    }

    /// What a range of rows needs, as plain values and pointers: rows run on
    /// lstmlua's worker threads (Parallel.forRows), each row on its own.
    private struct RowJob: BitwiseCopyable {
        var x: UnsafePointer<Float>
        var classes: UnsafePointer<Int>
        var weight: UnsafePointer<Float>?  // nil: every class weighs 1
        /// Each row's maximum and log Σ e^(x - max), two values a row (logits).
        var shifts: UnsafeMutablePointer<Float>
        var perRow: UnsafeMutablePointer<Float>?  // forward only
        var classCount: Int, inner: Int, ignore: Int
        var eps: Float, weightSum: Float
        var logits: Bool
        // backward: row r's gradient is g[r·gStride]·gScale
        var g: UnsafePointer<Float>?
        var gStride: Int = 0, gScale: Float = 1
        var dx: UnsafeMutablePointer<Float>?

        /// The offset of row r's first value in an input [N, C, d…] laid out contiguously.
        @inline(__always) func base(_ r: Int) -> Int { (r / inner) * classCount * inner + r % inner }
        @inline(__always) func weight(_ k: Int) -> Float { weight.map { $0[k] } ?? 1 }
    }

    /// Rows at least this many values long in total go to one thread.
    private static let valuesPerThread = 1 << 15

    private static func classLoss(_ input: Tensor, _ t: ClassTargets, reduction: Reduction, labelSmoothing eps: Float,
                                  logits: Bool) throws(TensorError) -> Tensor {
        guard input.dim >= 1 else { throw TensorError("expected 1 or more dimensions (got 0)") }
        let classDim = input.dim == 1 ? 0 : 1
        let c = input.shape[classDim]
        var expected = input.shape
        expected.remove(at: classDim)
        guard t.shape == expected else {
            throw TensorError("expected target of shape \(Shape.describe(expected)) for input of shape \(Shape.describe(input.shape)), got \(Shape.describe(t.shape))")
        }
        var weight: Tensor? = nil
        if let w = t.weight {
            guard w.dim == 1, w.count == c else {
                throw TensorError("weight tensor should be defined either for all \(c) classes or no classes but got weight tensor of shape: \(Shape.describe(w.shape))")
            }
            weight = w.detach().materialized()
        }
        for k in t.classes where k != t.ignoreIndex && (k < 0 || k >= c) {
            throw TensorError("target \(k &+ 1) is out of bounds for \(c) classes")
        }
        if input.dtype != .float32 || (weight != nil && weight!.dtype != .float32) {
            return try composite(input, t, classDim: classDim, weight: weight, reduction: reduction, eps: Double(eps), logits: logits)
        }
        let rows = t.classes.count
        let inner = input.dim <= 2 ? 1 : input.shape[2...].reduce(1, *)
        let x = input.materialized()
        let weightValues = weight?.values
        let weightSum = weightValues.map { $0.reduce(0, +) } ?? Float(c)
        let minRows = Swift.max(1, valuesPerThread / Swift.max(c, 1))
        // kept for backward, which reads the same numbers
        let shifts = Tensor(repeating: 0, shape: [logits ? 2 * rows : 0])
        let perRow = Tensor(repeating: 0, shape: t.shape)
        let classes = t.classes, ignore = t.ignoreIndex
        classes.withUnsafeBufferPointer { cls in
            let job = RowJob(x: x.data, classes: cls.baseAddress!, weight: weight.map { UnsafePointer($0.data) },
                             shifts: shifts.data, perRow: perRow.data, classCount: c, inner: inner, ignore: ignore, eps: eps,
                             weightSum: weightSum, logits: logits)
            Parallel.forRows(rows, minRows: minRows, job: job) { raw, begin, end in
                Loss.forwardRows(raw!.load(as: RowJob.self), begin, end)
            }
        }
        var totalWeight: Double = 0
        for y in classes where y != ignore { totalWeight += Double(weightValues?[y] ?? 1) }

        let out: Tensor
        let total = reduction == .none ? 0 : UnsafeBufferPointer(start: perRow.data, count: rows).reduce(0.0) { $0 + Double($1) }
        switch reduction {
        case .none: out = perRow
        case .sum: out = Tensor(scalar: Float(total))
        case .mean: out = Tensor(scalar: Float(total / totalWeight))
        }
        guard Tensor.needsGrad(input) else { return out }
        let meanScale = Float(1 / totalWeight)
        // PyTorch's cross_entropy ends in nll_loss: the same name either way
        out.attach(to: Node(name: "NllLossBackward0", inputs: [input], saving: [x]) { grads in
            let g = grads[0]!.materialized()
            // from logits every value of a row is written (ignored rows with zeros); from
            // log-probabilities only the target's, so the rest must start at zero
            let dx = logits ? Tensor(uninitializedShape: x.shape) : Tensor(repeating: 0, shape: x.shape)
            classes.withUnsafeBufferPointer { cls in
                // not perRow: for "none" it is this node's output, and holding it would be a cycle
                var job = RowJob(x: x.data, classes: cls.baseAddress!, weight: weight.map { UnsafePointer($0.data) },
                                 shifts: shifts.data, perRow: nil, classCount: c, inner: inner, ignore: ignore, eps: eps,
                                 weightSum: weightSum, logits: logits)
                job.g = UnsafePointer(g.data)
                job.gStride = reduction == .none ? 1 : 0
                job.gScale = reduction == .mean ? meanScale : 1
                job.dx = dx.data
                Parallel.forRows(rows, minRows: minRows, job: job) { raw, begin, end in
                    Loss.backwardRows(raw!.load(as: RowJob.self), begin, end)
                }
            }
            return [dx]
        })
        return out
    }

    /// Rows [begin, end): each row's maximum and log Σ e^(x - max) into shifts (logits)
    /// and its loss into perRow.
    private static func forwardRows(_ job: RowJob, _ begin: Int, _ end: Int) {
        guard let perRow = job.perRow else { return }
        let c = job.classCount, inner = job.inner
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(c, 1))
        defer { scratch.deallocate() }
        let smooth = job.eps / Float(c)
        for r in begin..<end {
            let y = job.classes[r]
            if y == job.ignore { continue }
            let wy = job.weight(y)
            let p = job.x + job.base(r)
            var m: Float = 0, logSum: Float = 0
            if job.logits {
                (m, logSum) = logSumExp(p, stride: inner, count: c, scratch: scratch)
                job.shifts[2 * r] = m
                job.shifts[2 * r + 1] = logSum
            }
            @inline(__always) func logProbability(_ k: Int) -> Float {
                job.logits ? (p[k * inner] - m) - logSum : p[k * inner]
            }
            var l = (1 - job.eps) * wy * -logProbability(y)
            if job.eps > 0 {
                var wq: Float = 0
                for k in 0..<c { wq += job.weight(k) * logProbability(k) }
                l += smooth * -wq
            }
            perRow[r] = l
        }
    }

    /// Rows [begin, end) of the gradient (dx starts as zeros, except from logits).
    private static func backwardRows(_ job: RowJob, _ begin: Int, _ end: Int) {
        guard let g = job.g, let dx = job.dx else { return }
        let c = job.classCount, inner = job.inner
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(c, 1))
        defer { scratch.deallocate() }
        let smooth = job.eps / Float(c)
        for r in begin..<end {
            let y = job.classes[r]
            if y == job.ignore {
                if job.logits { for k in 0..<c { dx[job.base(r) + k * inner] = 0 } }
                continue
            }
            let scale = g[r * job.gStride] * job.gScale
            let wy = job.weight(y)
            let base = job.base(r)
            let d = dx + base
            if job.logits {
                let p = job.x + base
                let coefficient = scale * ((1 - job.eps) * wy + smooth * job.weightSum)
                let m = job.shifts[2 * r], logSum = job.shifts[2 * r + 1]
                if inner == 1 {
                    for k in 0..<c { d[k] = (p[k] - m) - logSum }
                    VectorMath.exp(d, count: c)
                    for k in 0..<c { d[k] *= coefficient }
                } else {
                    for k in 0..<c { scratch[k] = (p[k * inner] - m) - logSum }
                    VectorMath.exp(scratch, count: c)
                    for k in 0..<c { d[k * inner] = coefficient * scratch[k] }
                }
            }
            if job.eps > 0 {
                for k in 0..<c { d[k * inner] -= scale * smooth * job.weight(k) }
            }
            d[y * inner] -= scale * (1 - job.eps) * wy
        }
    }

    /// The maximum m of `count` values `stride` apart and log Σ e^(p - m) (NaN when m is
    /// not finite: PyTorch's e^(m - m) is NaN); `scratch` holds `count`.
    private static func logSumExp(_ p: UnsafePointer<Float>, stride: Int, count: Int,
                                  scratch: UnsafeMutablePointer<Float>) -> (Float, Float) {
        if stride == 1 {
            var out: (Float, Float) = (0, 0)
            withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: Float.self, capacity: 2) { lk_log_sum_exp(p, count, scratch, $0) } }
            return out
        }
        for k in 0..<count { scratch[k] = p[k * stride] }
        let m = maximum(scratch, count)
        if !m.isFinite { return (m, .nan) }
        for k in 0..<count { scratch[k] -= m }
        VectorMath.exp(scratch, count: count)
        return (m, logf(sum(scratch, count)))
    }

    // Eight running lanes: one accumulator would chain every addition (or comparison)
    // to the one before and keep the loop from using vector registers.
    private static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var k = 0
        let raw = UnsafeRawPointer(p)
        while k + 8 <= n {
            acc += raw.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
            k += 8
        }
        var s = acc.sum()
        while k < n { s += p[k]; k += 1 }
        return s
    }

    /// The largest of n values; NaN if any is NaN.
    private static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: -.infinity)
        var nan = false
        var k = 0
        let raw = UnsafeRawPointer(p)
        while k + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
            nan = nan || any(v .!= v)
            acc = pointwiseMax(acc, v)
            k += 8
        }
        var m = acc.max()
        while k < n { nan = nan || p[k].isNaN; m = Swift.max(m, p[k]); k += 1 }
        return nan ? .nan : m
    }
}
