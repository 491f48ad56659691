// The negative log-likelihood of class indices, PyTorch's nll_loss, and cross
// entropy over class indices as one fused operation: log-softmax and NLL in one
// pass forward and one backward, without a one-hot target or a log-probability
// tensor. For a row x (the class dimension of one sample), target y, class
// weights w (all 1 when none), smoothing ε over C classes, lse = log Σ e^x,
// p = e^(x - lse), W = Σ_c w_c:
//   ℓ = (1-ε)·w_y·(lse - x_y) + (ε/C)·Σ_c w_c·(lse - x_c)
//   ∂ℓ/∂x_c = p_c·((1-ε)·w_y + (ε/C)·W) - (ε/C)·w_c - (1-ε)·w_y·[c = y]
// On log-probabilities (nll_loss) lse is 0 and p drops out. Rows whose target is
// ignore_index count for nothing; "mean" divides by Σ w_y over the others
// (PyTorch's weighted mean, NaN when nothing is left).

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
                                    labelSmoothing: Float = 0) throws(TensorError) -> Tensor {
        try classLoss(input, targets, reduction: reduction, labelSmoothing: labelSmoothing, logits: true)
    }

    /// The row layout of an input [N, C, d…]: N·inner rows of C values, `inner` apart.
    private struct Rows {
        let outer: Int, classes: Int, inner: Int
        var count: Int { outer * inner }
        @inline(__always) func base(_ r: Int) -> Int { (r / inner) * classes * inner + r % inner }
    }

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
        var w: [Float]? = nil
        if let weight = t.weight {
            guard weight.dim == 1, weight.count == c else {
                throw TensorError("weight tensor should be defined either for all \(c) classes or no classes but got weight tensor of shape: \(Shape.describe(weight.shape))")
            }
            w = weight.values
        }
        for k in t.classes where k != t.ignoreIndex && (k < 0 || k >= c) {
            throw TensorError("target \(k + 1) is out of bounds for \(c) classes")
        }
        let rows = Rows(outer: input.dim == 1 ? 1 : input.shape[0], classes: c,
                        inner: input.dim <= 2 ? 1 : input.shape[2...].reduce(1, *))
        let x = input.materialized()
        let weightSum = w.map { $0.reduce(0, +) } ?? Float(c)
        let smooth = eps / Float(c)
        let classes = t.classes, ignore = t.ignoreIndex

        var lse = [Float](repeating: 0, count: logits ? rows.count : 0)
        var perRow = [Float](repeating: 0, count: rows.count)
        var totalWeight: Double = 0
        var row = [Float](repeating: 0, count: c)
        row.withUnsafeMutableBufferPointer { scratch in
            for r in 0..<rows.count {
                let y = classes[r]
                if y == ignore { continue }
                let wy = w?[y] ?? 1
                let p = x.data + rows.base(r)
                var logZ: Float = 0
                if logits {
                    logZ = logSumExp(p, stride: rows.inner, count: c, scratch: scratch.baseAddress!)
                    lse[r] = logZ
                }
                var l = (1 - eps) * wy * (logZ - p[y * rows.inner])
                if eps > 0 {
                    // Σ_c w_c·(lse - x_c) = lse·W - Σ_c w_c·x_c
                    var wx: Float = 0
                    if let w {
                        for k in 0..<c { wx += w[k] * p[k * rows.inner] }
                    } else if rows.inner == 1 {
                        wx = sum(p, c)
                    } else {
                        for k in 0..<c { wx += p[k * rows.inner] }
                    }
                    l += smooth * (logZ * weightSum - wx)
                }
                perRow[r] = l
                totalWeight += Double(wy)
            }
        }

        let out: Tensor
        switch reduction {
        case .none: out = Tensor(perRow, shape: t.shape)
        case .sum: out = Tensor(scalar: Float(perRow.reduce(0.0) { $0 + Double($1) }))
        case .mean: out = Tensor(scalar: Float(perRow.reduce(0.0) { $0 + Double($1) } / totalWeight))
        }
        guard Tensor.needsGrad(input) else { return out }
        let meanScale = Float(1 / totalWeight)
        // PyTorch's cross_entropy ends in nll_loss: the same name either way
        out.attach(to: Node(name: "NllLossBackward0", inputs: [input], saving: [x]) { grads in
            let g = grads[0]!.materialized()
            let dx = Tensor(repeating: 0, shape: x.shape)
            var row = [Float](repeating: 0, count: c)
            for r in 0..<rows.count {
                let y = classes[r]
                if y == ignore { continue }
                let scale: Float = reduction == .none ? g.data[r] : (reduction == .sum ? g.data.pointee : g.data.pointee * meanScale)
                let wy = w?[y] ?? 1
                let base = rows.base(r)
                let d = dx.data + base
                if logits {
                    let p = x.data + base
                    let coefficient = scale * ((1 - eps) * wy + smooth * weightSum)
                    let shift = lse[r]
                    if rows.inner == 1 {
                        for k in 0..<c { d[k] = p[k] - shift }
                        VectorMath.exp(d, count: c)
                        for k in 0..<c { d[k] *= coefficient }
                    } else {
                        row.withUnsafeMutableBufferPointer { e in
                            for k in 0..<c { e[k] = p[k * rows.inner] - shift }
                            VectorMath.exp(e.baseAddress!, count: c)
                            for k in 0..<c { d[k * rows.inner] = coefficient * e[k] }
                        }
                    }
                }
                if eps > 0 {
                    for k in 0..<c { d[k * rows.inner] -= scale * smooth * (w?[k] ?? 1) }
                }
                d[y * rows.inner] -= scale * (1 - eps) * wy
            }
            return [dx]
        })
        return out
    }

    /// log Σ e^p over `count` values `stride` apart, shifted by their maximum; `scratch` holds `count`.
    private static func logSumExp(_ p: UnsafePointer<Float>, stride: Int, count: Int,
                                  scratch: UnsafeMutablePointer<Float>) -> Float {
        if stride == 1 {
            scratch.update(from: p, count: count)
        } else {
            for k in 0..<count { scratch[k] = p[k * stride] }
        }
        let m = maximum(scratch, count)
        if !m.isFinite { return m }
        for k in 0..<count { scratch[k] -= m }
        VectorMath.exp(scratch, count: count)
        return m + logf(sum(scratch, count))
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
