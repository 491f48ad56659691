// exp, sigmoid and tanh over runs of floats. The loops are in CKernels, built
// for AVX-512, AVX2 and baseline x86-64 and chosen at run time; they use Cephes'
// approximations (within 2 ulp), the same whichever instruction set runs.

import CKernels

public enum VectorMath {
    /// p[0..<n] = exp(p[0..<n]), in place.
    public static func exp(_ p: UnsafeMutablePointer<Float>, count n: Int) { lk_exp(p, n) }
    /// p[0..<n] = σ(p[0..<n]) = 1/(1 + e^-p), in place.
    public static func sigmoid(_ p: UnsafeMutablePointer<Float>, count n: Int) { lk_sigmoid(p, n) }
    /// p[0..<n] = tanh(p[0..<n]), in place.
    public static func tanh(_ p: UnsafeMutablePointer<Float>, count n: Int) { lk_tanh(p, n) }

    public static func exp(_ x: Float) -> Float { var v = x; lk_exp(&v, 1); return v }
    public static func sigmoid(_ x: Float) -> Float { var v = x; lk_sigmoid(&v, 1); return v }
    public static func tanh(_ x: Float) -> Float { var v = x; lk_tanh(&v, 1); return v }
}
