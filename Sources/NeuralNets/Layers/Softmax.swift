// softmax and log_softmax along one dimension, with the usual max shift for
// stability.
//   softmax:     y = e^(x - max) / Σ e^(x - max);   dx = y·(dy - Σ dy·y)
//   log_softmax: y = x - max - log Σ e^(x - max);    dx = dy - e^y·Σ dy

import CKernels
import Tensors

#if canImport(Glibc)
import Glibc
#endif

public enum Softmax {
    /// Other dtypes through the ordinary ops: y = x - max - log Σ e^(x - max), softmax = e^y.
    private static func composite(_ x: Tensor, dim: Int, log: Bool) -> Tensor {
        let shift = (try? x.extreme(dim: dim, keepDim: true, largest: true).values.detach()) ?? x.detach()
        let z = try! x.sub(shift)
        let logSum = z.exp().sum(dim: dim, keepDim: true).log()
        let y = try! z.sub(logSum)
        return log ? y : y.exp()
    }

    public static func softmax(_ x: Tensor, dim: Int) -> Tensor { run(x, dim: dim, log: false) }
    public static func logSoftmax(_ x: Tensor, dim: Int) -> Tensor { run(x, dim: dim, log: true) }

    /// Calls body(offset, stride, length) for every row along `dim` of a contiguous tensor of `shape`.
    static func forEachRow(_ shape: Dims, dim: Int, _ body: (Int, Int, Int) -> Void) {
        let n = shape.isEmpty ? 1 : shape[dim]
        let inner = shape.isEmpty ? 1 : shape[(dim + 1)...].reduce(1, *)
        let outer = shape.isEmpty ? 1 : shape[..<dim].reduce(1, *)
        for o in 0..<outer {
            for i in 0..<inner { body(o * n * inner + i, inner, n) }
        }
    }

    /// Along the last dimension, rows contiguous: CKernels' row kernels (vectorised,
    /// rows split over the worker threads).
    private static func lastDimension(_ x: Tensor, log: Bool) -> Tensor {
        let xv = x.materialized()
        let n = x.shape[x.dim - 1]
        let rows = n == 0 ? 0 : x.count / n
        let out = Tensor(uninitializedShape: x.shape)
        lk_softmax(xv.data, out.data, rows, n, log ? 1 : 0)
        if Tensor.needsGrad(x) {
            let y = out.detach()
            out.attach(to: Node(name: log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", inputs: [x], saving: [y]) { grads in
                let g = grads[0]!.materialized()
                let dx = Tensor(uninitializedShape: y.shape)
                lk_softmax_backward(y.data, g.data, dx.data, rows, n, log ? 1 : 0)
                return [dx]
            })
        }
        return out
    }

    private static func run(_ x: Tensor, dim: Int, log: Bool) -> Tensor {
        if x.dtype != .float32 { return composite(x.floating(), dim: dim, log: log) }
        if x.dim > 0 && dim == x.dim - 1 { return lastDimension(x, log: log) }
        let xv = x.materialized()
        let out = Tensor(uninitializedShape: x.shape)
        forEachRow(x.shape, dim: dim) { start, step, n in
            let p = xv.data + start, q = out.data + start
            var m = -Float.infinity
            for k in 0..<n { m = Swift.max(m, p[k * step]) }
            var s: Float = 0
            for k in 0..<n { s += expf(p[k * step] - m) }
            if log {
                let ls = logf(s)
                for k in 0..<n { q[k * step] = p[k * step] - m - ls }
            } else {
                for k in 0..<n { q[k * step] = expf(p[k * step] - m) / s }
            }
        }
        if Tensor.needsGrad(x) {
            let y = out.detach()
            out.attach(to: Node(name: log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", inputs: [x], saving: [y]) { grads in
                let g = grads[0]!.materialized()
                let dx = Tensor(uninitializedShape: y.shape)
                forEachRow(y.shape, dim: dim) { start, step, n in
                    let gy = g.data + start, yy = y.data + start, d = dx.data + start
                    if log {
                        var s: Float = 0
                        for k in 0..<n { s += gy[k * step] }
                        for k in 0..<n { d[k * step] = gy[k * step] - expf(yy[k * step]) * s }
                    } else {
                        var s: Float = 0
                        for k in 0..<n { s += gy[k * step] * yy[k * step] }
                        for k in 0..<n { d[k * step] = yy[k * step] * (gy[k * step] - s) }
                    }
                }
                return [dx]
            })
        }
        return out
    }
}
