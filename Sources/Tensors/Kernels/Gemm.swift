// Matrix multiply: C = alpha·op(A)·op(B) + beta·C, row-major.
//
// Small products stay in a plain loop: a BLAS call costs about a microsecond of
// dispatch, more than the whole product for the article's 10-unit LSTM.

import COpenBLAS

public enum Gemm {
    /// Below this many multiply-adds a plain loop beats the BLAS call.
    static let blasThreshold = 24_576

    /// C[m×n] = alpha·op(A)[m×k]·op(B)[k×n] + beta·C, with leading dimensions lda, ldb, ldc.
    public static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if m * n * k >= blasThreshold {
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            return
        }
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                for j in 0..<n { row[j] = 0 }
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
            if !transB {
                // row += alpha·A[i,p]·B[p,:], contiguous in j
                for p in 0..<k {
                    let aip = alpha * (transA ? a[p * lda + i] : a[i * lda + p])
                    let bp = b + p * ldb
                    for j in 0..<n { row[j] += aip * bp[j] }
                }
            } else {
                // row[j] += alpha·dot(A[i,:], B[j,:])
                for j in 0..<n {
                    let bj = b + j * ldb
                    var s: Float = 0
                    if transA {
                        for p in 0..<k { s += a[p * lda + i] * bj[p] }
                    } else {
                        let ai = a + i * lda
                        for p in 0..<k { s += ai[p] * bj[p] }
                    }
                    row[j] += alpha * s
                }
            }
        }
    }
}
