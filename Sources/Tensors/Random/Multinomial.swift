// torch.multinomial: category draws from the rows of a weight tensor (weights
// need not sum to 1). With replacement: inverse transform sampling on the
// cumulative weights. Without: each category keyed by weight / Exp(1) and the
// largest keys taken, PyTorch's exponential trick (keys of weight 0 are never taken).

#if canImport(Glibc)
import Glibc
#endif

extension Tensor {
    /// 0-based category indices, [n] for a 1-D input, [rows, n] for a 2-D one.
    public func multinomial(_ n: Int, replacement: Bool, generator: Generator = .shared) throws(TensorError) -> [Int] {
        guard dim == 1 || dim == 2 else { throw TensorError("prob_dist must be 1 or 2 dim") }
        let categories = shape[dim - 1]
        guard n > 0 else { throw TensorError("cannot sample n_sample <= 0 samples") }
        guard replacement || n <= categories else {
            throw TensorError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        }
        guard categories <= 1 << 24 else { throw TensorError("number of categories cannot exceed 2^24") }
        let rows = dim == 1 ? 1 : shape[0]
        try MemoryLimit.check([rows, n], bytesPerElement: MemoryLayout<Int>.stride + MemoryLayout<Double>.stride)
        guard dtype.isFloatingPoint else { throw TensorError("multinomial only supports floating-point dtypes for input, got \(dtype)") }
        // the weights in double, whatever their float type
        let weights = doubles
        for v in weights where !v.isFinite || v < 0 {
            throw TensorError("probability tensor contains either `inf`, `nan` or element < 0")
        }
        var out: [Int] = []
        out.reserveCapacity(rows * n)
        var cumulative = [Double](repeating: 0, count: categories)
        for r in 0..<rows {
            let p = weights[(r * categories)...]
            var total: Double = 0
            var positive = 0
            for c in 0..<categories {
                total += p[r * categories + c]
                cumulative[c] = total
                if p[r * categories + c] > 0 { positive += 1 }
            }
            guard total > 0 else { throw TensorError("invalid multinomial distribution (sum of probabilities <= 0)") }
            if replacement {
                for _ in 0..<n {
                    let u = generator.uniformDouble() * total
                    // the first category whose cumulative weight passes u (never an empty one)
                    var (lo, hi) = (0, categories - 1)
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
                    }
                    out.append(lo)
                }
            } else {
                guard n <= positive else {
                    throw TensorError("invalid multinomial distribution (with replacement=False, not enough non-negative category to sample)")
                }
                var keys = [(key: Double, category: Int)]()
                keys.reserveCapacity(categories)
                for c in 0..<categories where p[r * categories + c] > 0 {
                    let e = -log1p(-generator.uniformDouble())
                    keys.append((p[r * categories + c] / e, c))
                }
                keys.sort { $0.key > $1.key || ($0.key == $1.key && $0.category < $1.category) }
                out.append(contentsOf: keys.prefix(n).map(\.category))
            }
        }
        return out
    }
}
