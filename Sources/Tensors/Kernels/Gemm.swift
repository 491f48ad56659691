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
    /// The fewest rows (or columns) of C a split product's block has, bar two-block splits.
    static let minimumBlock = 256

    /// C[m×n] = alpha·op(A)[m×k]·op(B)[k×n] + beta·C, with leading dimensions lda, ldb, ldc.
    public static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        let work = m * n * k
        if work < blasThreshold || (k <= 4 && !(transA && transB)) || (InstructionSet.ownProductsOnly && work < parallelThreshold) {
            lk_sgemm_small(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let job = Job(transA: transA, transB: transB, splitRows: m >= n, m: m, n: n, k: k, alpha: alpha,
                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        if work >= parallelThreshold {
            // Blocks whose size depends on the shape alone, each its own call, whatever the
            // thread count: BLAS's result for an element can depend on the block around it,
            // and one thread must compute what three do. Each call packs the other operand
            // anew: 16 blocks of 64 rows spent a tenth of the large workload's step on that
            // copying. Blocks of at least minimumBlock keep it small; an even count gives two
            // threads equal shares.
            let side = job.splitRows ? m : n
            var count = Swift.min(16, side / minimumBlock)
            if count > 2 { count &= ~1 }
            count = Swift.max(count, side >= 64 ? 2 : 1)
            let block = ((side + count - 1) / count + 15) / 16 * 16
            let blocks = Blocks(job: job, size: block, side: side)
            Parallel.forRows((side + block - 1) / block, minRows: 1, job: blocks) { pointer, begin, end in
                let blocks = pointer!.assumingMemoryBound(to: Blocks.self).pointee
                for index in begin..<end {
                    blocks.job.run(index * blocks.size, Swift.min((index + 1) * blocks.size, blocks.side))
                }
            }
        } else {
            _ = BLASKernels.selected
            job.run(0, job.splitRows ? m : n)
        }
    }

    /// The float64 product: OpenBLAS's dgemm, one call (float64 is for accuracy, not speed).
    public static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double = 1,
                           a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                           beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        _ = BLASKernels.selected
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// A product cut into blocks of `size` rows (or columns) of C.
    private struct Blocks {
        let job: Job, size: Int, side: Int
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
            if InstructionSet.ownProductsOnly {
                lk_sgemm_small(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
                return
            }
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }
}
