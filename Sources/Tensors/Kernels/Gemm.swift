// Matrix multiply: C = alpha·op(A)·op(B) + beta·C, row-major.
//
// Small products stay in CKernels' loops: a BLAS call costs about a microsecond
// of dispatch and packing, more than the whole product for the article's 10-unit
// LSTM, and an outer product (k of a few) is all packing. Larger ones go to
// OpenBLAS's sgemm, single-threaded; the largest are split over lstmlua's threads
// along C's longer side. LSTMLUA_ISA=baseline keeps every product in the loops.

import CKernels
import COpenBLAS

public enum Gemm {
    /// Below this many multiply-adds the loops beat the BLAS call.
    static let blasThreshold = 24_576
    /// From this many multiply-adds on, a product is worth splitting over threads.
    static let parallelThreshold = 1 << 21

    /// C[m×n] = alpha·op(A)[m×k]·op(B)[k×n] + beta·C, with leading dimensions lda, ldb, ldc.
    public static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        let work = m * n * k
        if work < blasThreshold || (k <= 4 && !(transA && transB)) || InstructionSet.ownProductsOnly {
            lk_sgemm_small(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let job = Job(transA: transA, transB: transB, splitRows: m >= n, m: m, n: n, k: k, alpha: alpha,
                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        if work >= parallelThreshold {
            Parallel.forRows(job.splitRows ? m : n, minRows: 32, job: job) { pointer, begin, end in
                pointer!.assumingMemoryBound(to: Job.self).pointee.run(begin, end)
            }
        } else {
            _ = BLASKernels.selected
            job.run(0, job.splitRows ? m : n)
        }
    }

    /// One product, run a block of C's rows (or columns) at a time.
    private struct Job {
        let transA: Bool, transB: Bool, splitRows: Bool
        let m: Int, n: Int, k: Int, alpha: Float
        let a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int
        let beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int

        func run(_ begin: Int, _ end: Int) {
            var (a, b, c, m, n) = (a, b, c, m, n)
            if splitRows {
                a += transA ? begin : begin * lda
                c += begin * ldc
                m = end - begin
            } else {
                b += transB ? begin * ldb : begin
                c += begin
                n = end - begin
            }
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }
}
