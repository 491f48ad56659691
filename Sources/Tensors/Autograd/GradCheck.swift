// Finite-difference checks of backward: the analytical Jacobian against central
// differences, element by element, as torch.autograd.gradcheck does. The default
// step and tolerances suit float32; float64 inputs can take PyTorch's (1e-6, 1e-5).

public struct GradCheckResult {
    public let passed: Bool
    /// The largest |analytical - numerical| seen.
    public let maxError: Double
    /// Where the first mismatch was, in words; empty when it passed.
    public let report: String
}

public enum GradCheck {
    /// Checks d outputs / d inputs for every input that requires grad.
    /// `f` must be deterministic and is called about 2·(input elements) + (output elements) times.
    public static func check(_ inputs: [Tensor], eps: Double = 1e-3, atol: Double = 1e-2, rtol: Double = 1e-2,
                             _ f: ([Tensor]) throws -> [Tensor]) throws -> GradCheckResult {
        let outputs = try f(inputs)
        let differentiable = inputs.indices.filter { inputs[$0].requiresGrad }
        guard !differentiable.isEmpty else { throw TensorError("gradcheck expects at least one input that requires grad") }

        // Analytical: one backward per output element, with a one-hot gradient.
        var analytical: [[Double]] = differentiable.map { _ in [] }  // per input: [outElement * inCount]
        for (k, out) in outputs.enumerated() where out.requiresGrad || out.gradFn != nil {
            for j in 0..<out.count {
                for i in differentiable { inputs[i].grad = nil }
                let fresh = try f(inputs)[k]
                let seed = Tensor.zeros(fresh.shape, dtype: fresh.dtype)
                seed.setValue(1, atOffset: j)
                try fresh.backward(seed)
                for (n, i) in differentiable.enumerated() {
                    let g = inputs[i].grad?.doubles ?? [Double](repeating: 0, count: inputs[i].count)
                    analytical[n].append(contentsOf: g)
                }
            }
        }
        for i in differentiable { inputs[i].grad = nil }

        // Numerical: central differences, perturbing one input element at a time.
        var worst = 0.0
        var report = ""
        for (n, i) in differentiable.enumerated() {
            let x = inputs[i]
            var numerical = [[Double]](repeating: [], count: x.count)
            for e in 0..<x.count {
                let position = elementOffset(x, e)
                let original = x.double(atOffset: position)
                x.setValue(original + eps, atOffset: position)
                let plus = try GradMode.with(enabled: false) { try f(inputs) }.flatMap { $0.doubles }
                x.setValue(original - eps, atOffset: position)
                let minus = try GradMode.with(enabled: false) { try f(inputs) }.flatMap { $0.doubles }
                x.setValue(original, atOffset: position)
                numerical[e] = zip(plus, minus).map { ($0 - $1) / (2 * eps) }
            }
            // analytical[n] is laid out [output element][input element].
            let outCount = numerical.first?.count ?? 0
            for o in 0..<outCount {
                for e in 0..<x.count {
                    let a = analytical[n].count > o * x.count + e ? analytical[n][o * x.count + e] : 0
                    let num = numerical[e][o]
                    let err = Swift.abs(a - num)
                    worst = Swift.max(worst, err)
                    if err > atol + rtol * Swift.abs(num) && report.isEmpty {
                        report = "Jacobian mismatch for output element \(o + 1) with respect to input \(i + 1), element \(e + 1): numerical \(num), analytical \(a)"
                    }
                }
            }
        }
        return GradCheckResult(passed: report.isEmpty, maxError: worst, report: report)
    }

    /// The storage offset of element e (row-major) of x.
    static func elementOffset(_ x: Tensor, _ e: Int) -> Int {
        var rest = e, off = x.offset
        for d in stride(from: x.dim - 1, through: 0, by: -1) {
            off += (rest % x.shape[d]) * x.strides[d]
            rest /= x.shape[d]
        }
        return off
    }
}
