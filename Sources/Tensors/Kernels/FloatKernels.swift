// The float32 pointwise ops and sums that run in CKernels (pointwise.c): vectorised
// for each instruction set, large arrays split over the worker threads in fixed
// chunks. Each returns nil where it does not apply, and the caller runs its own loop.

import CKernels
#if canImport(Glibc)
import Glibc
#endif

public enum FloatKernels {
    /// Below this many elements a Swift loop costs less than the call (the results are the same).
    static let arithmeticMinimum = 2048

    /// exp, tanh or σ of a float32 tensor, into a fresh contiguous one.
    static func unary(_ f: UnaryFunction, _ a: Tensor) -> Tensor? {
        guard a.dtype == .float32, let op = f.kernel else { return nil }
        let x = a.materialized()
        let out = Tensor(uninitializedLike: x)
        lk_unary(op, x.data, out.data, x.count)
        return out
    }

    /// dy·f'(x) from y = f(x), both float32 and of one shape.
    static func unaryBackward(_ f: UnaryFunction, _ dy: Tensor, _ y: Tensor) -> Tensor? {
        guard dy.dtype == .float32, y.dtype == .float32, dy.shape == y.shape, let op = f.kernel else { return nil }
        let (g, v) = (dy.materialized(), y.materialized())
        let out = Tensor(uninitializedLike: v)
        lk_unary_backward(op, g.data, v.data, out.data, v.count)
        return out
    }

    /// a op b for two float32 tensors of one shape, or one of them a single value.
    static func binary(_ op: ArithmeticOp, _ a: Tensor, _ b: Tensor) -> Tensor? {
        guard let code = op.kernel, a.dtype == .float32, b.dtype == .float32 else { return nil }
        if a.shape == b.shape && a.isContiguous && b.isContiguous && a.count >= arithmeticMinimum {
            let out = Tensor(uninitializedLike: a)
            lk_binary(code, a.data, b.data, 1, 0, out.data, a.count)
            return out
        }
        if b.count == 1 && a.isContiguous && a.count >= arithmeticMinimum && b.dim <= a.dim {
            let out = Tensor(uninitializedLike: a)
            lk_binary(code, a.data, b.data, 0, 0, out.data, a.count)
            return out
        }
        if a.count == 1 && b.isContiguous && b.count >= arithmeticMinimum && a.dim <= b.dim {
            let out = Tensor(uninitializedLike: b)
            lk_binary(code, b.data, a.data, 0, 1, out.data, b.count)
            return out
        }
        return nil
    }

    /// a op s (reversed: s op a) for a float32 tensor.
    static func scalar(_ op: ArithmeticOp, _ a: Tensor, _ s: Float, reversed: Bool) -> Tensor? {
        guard let code = op.kernel, a.dtype == .float32, a.isContiguous, a.count >= arithmeticMinimum else { return nil }
        let out = Tensor(uninitializedLike: a)
        var value = s
        lk_binary(code, a.data, &value, 0, reversed ? 1 : 0, out.data, a.count)
        return out
    }

    /// a *= s in place, for a contiguous float32 tensor.
    public static func scaleInPlace(_ a: Tensor, by s: Float) -> Bool {
        guard a.dtype == .float32, a.isContiguous else { return false }
        var value = s
        lk_binary(Int32(LK_MUL), a.data, &value, 0, 0, a.data, a.count)
        return true
    }

    /// a op= b for float32 tensors, a contiguous and b of its shape and contiguous or a
    /// single value (an optimizer's update, a gradient accumulated): the same spans as binary.
    static func updateInPlace(_ op: ArithmeticOp, _ a: Tensor, _ b: Tensor) -> Bool {
        guard let code = op.kernel, a.dtype == .float32, b.dtype == .float32, a.isContiguous,
              a.count >= arithmeticMinimum else { return false }
        if a.shape == b.shape && b.isContiguous {
            lk_binary(code, a.data, b.data, 1, 0, a.data, a.count)
            return true
        }
        if b.count == 1 && b.dim <= a.dim {
            lk_binary(code, a.data, b.data, 0, 0, a.data, a.count)
            return true
        }
        return false
    }

    /// a += alpha·b in one fused step (PyTorch's add_ with alpha), a and b float32 of one
    /// shape, contiguous: an optimizer's update without a temporary for alpha·b.
    static func addScaledInPlace(_ a: Tensor, _ b: Tensor, alpha: Float) -> Bool {
        guard a.dtype == .float32, b.dtype == .float32, a.isContiguous, b.isContiguous, a.shape == b.shape,
              a.count >= arithmeticMinimum else { return false }
        lk_add_scaled(a.data, b.data, alpha, a.data, a.count)
        return true
    }

    /// Large blocks are filled, copied and summed in row ranges over the threads: one
    /// core alone streams memory at a fraction of what two do.
    static let parallelElements = 1 << 18

    /// out[rows, n] = row[n] in every row (a bias before its product adds to it).
    public static func broadcastRows(_ row: UnsafePointer<Float>, count n: Int, rows: Int, into out: UnsafeMutablePointer<Float>) {
        if rows <= 0 || n <= 0 { return }
        struct Job { let row: UnsafePointer<Float>, n: Int, out: UnsafeMutablePointer<Float> }
        let minRows = rows * n >= parallelElements ? Swift.max(1, parallelElements / 4 / Swift.max(n, 1)) : rows
        Parallel.forRows(rows, minRows: minRows, job: Job(row: row, n: n, out: out)) { pointer, begin, end in
            let job = pointer!.assumingMemoryBound(to: Job.self).pointee
            for r in begin..<end { (job.out + r * job.n).update(from: job.row, count: job.n) }
        }
    }

    /// sums[n] = Σ_rows a[rows, n] (rows n apart), each column summed row by row in
    /// order: the columns split over the threads when there are many rows.
    public static func columnSums(_ a: UnsafePointer<Float>, rows: Int, columns n: Int, into sums: UnsafeMutablePointer<Float>) {
        if n <= 0 { return }
        struct Job { let a: UnsafePointer<Float>, rows: Int, n: Int, sums: UnsafeMutablePointer<Float> }
        Parallel.forRows(n, minRows: rows * n >= parallelElements ? 64 : n, job: Job(a: a, rows: rows, n: n, sums: sums)) { pointer, begin, end in
            let job = pointer!.assumingMemoryBound(to: Job.self).pointee
            lk_column_sums(job.a + begin, job.rows, end - begin, job.n, job.sums + begin)
        }
    }

    /// count bytes from src to dst (any dtype's contiguous values), in fixed chunks over
    /// the threads when there are many. Each chunk is its own memcpy: glibc copies megabytes
    /// in one `rep movsb`, which on this AMD core runs at two thirds of the speed of
    /// 256 KB copies one after another (measured on 11 MB: 0.30 against 0.21 ms).
    static func copyBytes(from src: UnsafeRawPointer, to dst: UnsafeMutableRawPointer, count: Int) {
        chunkedBytes(dst, from: src, count: count)
    }

    /// count zero bytes from p on (zero in every dtype), as copyBytes chunks its copies:
    /// a Swift loop storing zeros ran at a third of memset's speed.
    static func zeroBytes(_ p: UnsafeMutableRawPointer, count: Int) {
        chunkedBytes(p, from: nil, count: count)
    }

    /// copyBytes (a source) or zeroBytes (none): 256 KB memcpys or memsets over the threads.
    private static func chunkedBytes(_ dst: UnsafeMutableRawPointer, from src: UnsafeRawPointer?, count: Int) {
        struct Job {
            let dst: UnsafeMutableRawPointer, src: UnsafeRawPointer?, count: Int
            func run(_ lo: Int, _ n: Int) {
                if let src { (dst + lo).copyMemory(from: src + lo, byteCount: n) } else { memset(dst + lo, 0, n) }
            }
        }
        let chunk = parallelElements   // in bytes: 256 KB, as a fill's chunk of floats
        let job = Job(dst: dst, src: src, count: count)
        if count < 4 * chunk {
            job.run(0, count)
            return
        }
        Parallel.forRows((count + chunk - 1) / chunk, minRows: 1, job: job) { pointer, begin, end in
            let job = pointer!.assumingMemoryBound(to: Job.self).pointee
            let chunk = FloatKernels.parallelElements
            for c in begin..<end {
                let lo = c * chunk
                job.run(lo, Swift.min(chunk, job.count - lo))
            }
        }
    }

    /// count copies of value from p on.
    static func fill(_ p: UnsafeMutablePointer<Float>, repeating value: Float, count: Int) {
        if value.bitPattern == 0 {
            zeroBytes(UnsafeMutableRawPointer(p), count: count * MemoryLayout<Float>.stride)
            return
        }
        if count < parallelElements {
            p.initialize(repeating: value, count: count)
            return
        }
        struct Job { let p: UnsafeMutablePointer<Float>, value: Float, count: Int }
        let chunk = parallelElements / 4
        let chunks = (count + chunk - 1) / chunk
        Parallel.forRows(chunks, minRows: 1, job: Job(p: p, value: value, count: count)) { pointer, begin, end in
            let job = pointer!.assumingMemoryBound(to: Job.self).pointee
            let chunk = FloatKernels.parallelElements / 4
            let lo = begin * chunk, hi = Swift.min(end * chunk, job.count)
            (job.p + lo).initialize(repeating: job.value, count: hi - lo)
        }
    }

    /// Σ a (squares: Σ a²) of a float32 tensor, in a fixed order whatever the thread count.
    public static func sum(_ a: Tensor, squares: Bool = false) -> Double? {
        guard a.dtype == .float32, a.isContiguous else { return nil }
        return lk_sum(a.data, a.count, squares ? 1 : 0)
    }
}

extension UnaryFunction {
    var kernel: Int32? {
        switch self {
        case .exp: Int32(LK_EXP)
        case .tanh: Int32(LK_TANH)
        case .sigmoid: Int32(LK_SIGMOID)
        default: nil
        }
    }
}

extension ArithmeticOp {
    var kernel: Int32? {
        switch self {
        case .add: Int32(LK_ADD)
        case .sub: Int32(LK_SUB)
        case .mul: Int32(LK_MUL)
        case .div: Int32(LK_DIV)
        case .pow: nil
        }
    }
}
