// nn.utils.clip_grad_norm_: scales all gradients together so that their joint
// norm is at most max_norm; returns the norm before clipping.
//   total = (Σ_p ‖g_p‖ᵖ)^(1/p);  g *= min(1, max_norm / (total + 1e-6))

import Tensors

#if canImport(Glibc)
import Glibc
#endif

public enum GradientClipping {
    public static func clipNorm(_ params: [Tensor], maxNorm: Double, normType: Double = 2) throws(TensorError) -> Double {
        let grads = params.compactMap { $0.grad }
        if grads.isEmpty { return 0 }
        var total = 0.0
        if normType.isInfinite {
            for g in grads { for v in g.doubles { total = Swift.max(total, Swift.abs(v)) } }
        } else {
            guard normType > 0 else { throw TensorError("norm_type must be positive, got \(normType)") }
            var s = 0.0
            for g in grads {
                // the common case in one pass over the gradient, without a copy
                if normType == 2, let squares = FloatKernels.sum(g, squares: true) {
                    s += squares
                    continue
                }
                var n = 0.0
                for v in g.doubles { n += pow(Swift.abs(v), normType) }
                s += n
            }
            total = pow(s, 1 / normType)
        }
        let coefficient = maxNorm / (total + 1e-6)
        if coefficient < 1 {
            let c = coefficient
            for g in grads {
                if FloatKernels.scaleInPlace(g, by: Float(c)) {
                    g.storage.bumpVersion()
                    continue
                }
                try GradMode.with(enabled: false) { () throws(TensorError) in try g.mul_(c) }
            }
        }
        return total
    }
}
