// var and std, over everything or one dimension, with PyTorch's correction (1:
// Bessel's, unbiased; 0: the population's). Built from mean, sub, mul, sum and
// sqrt, so their gradients come from those.

extension Tensor {
    /// Σ(x - mean)² / max(0, n - correction); NaN or inf where that divisor is 0, as PyTorch.
    public func variance(dim d: Int? = nil, correction: Double = 1, keepDim: Bool = false) throws(TensorError) -> Tensor {
        let n = d.map { shape.isEmpty ? 1 : shape[$0] } ?? count
        let divisor = Swift.max(0, Double(n) - correction)
        guard let d, !shape.isEmpty else {
            let diff = try sub(mean())
            let v = try diff.mul(diff).sum().div(divisor)
            return keepDim && d == nil ? try v.reshape(Dims(repeating: 1, count: dim)) : v
        }
        let diff = try sub(mean(dim: d, keepDim: true))
        return try diff.mul(diff).sum(dim: d, keepDim: keepDim).div(divisor)
    }

    public func standardDeviation(dim d: Int? = nil, correction: Double = 1, keepDim: Bool = false) throws(TensorError) -> Tensor {
        try variance(dim: d, correction: correction, keepDim: keepDim).sqrt()
    }
}
