// Matrix multiply: C = alpha·op(A)·op(B) + beta·C, row-major.
//
// Small products stay in CKernels' loops: a BLAS call costs about a microsecond
// of dispatch and threading, more than the whole product for the article's
// 10-unit LSTM. Larger ones go to OpenBLAS's sgemm.

import CKernels
import COpenBLAS

public enum Gemm {
    /// Below this many multiply-adds the loops beat the BLAS call.
    static let blasThreshold = 24_576

    /// C[m×n] = alpha·op(A)[m×k]·op(B)[k×n] + beta·C, with leading dimensions lda, ldb, ldc.
    public static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if m * n * k >= blasThreshold {
            _ = BLASKernels.selected
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            return
        }
        lk_sgemm_small(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}
