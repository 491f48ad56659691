// lstmlua's own threads (CKernels' parallel.c): OpenBLAS runs single-threaded and
// lstmlua splits work it knows divides, in regions as long as it can make them.
//
// Release builds of Tensors and NeuralNets count references non-atomically
// (-assume-single-threaded), so what runs on a worker must not retain or release
// Swift objects: a region's body is a C-convention function over a job the compiler
// knows to be plain values and pointers (BitwiseCopyable).

import CKernels

public enum Parallel {
    /// How many threads regions use (the online cores, or OPENBLAS_NUM_THREADS).
    public static var threads: Int {
        _ = BLASKernels.selected
        return Int(lk_threads())
    }

    public static func setThreads(_ n: Int) {
        _ = BLASKernels.selected
        lk_set_threads(Int32(n))
    }

    /// Runs `body(job, begin, end)` over [0, rows) cut into one contiguous chunk per
    /// thread, each at least `minRows` long; returns when every chunk is done.
    public static func forRows<Job: BitwiseCopyable>(_ rows: Int, minRows: Int, job: Job,
                                    _ body: @convention(c) (UnsafeRawPointer?, Int, Int) -> Void) {
        _ = BLASKernels.selected
        withUnsafePointer(to: job) { lk_parallel_rows(rows, minRows, body, UnsafeRawPointer($0)) }
    }
}
