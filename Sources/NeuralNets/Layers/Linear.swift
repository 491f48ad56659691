// The affine map of nn.Linear, fused: y = x·Wᵀ + b for x of shape [*, in],
// with W [out, in] and b [out]. One GEMM forward; backward dx = dy·W,
// dW = dyᵀ·x, db = Σ dy, each one GEMM or one pass over all rows.

import Tensors

public enum Linear {
    public static func apply(_ x: Tensor, weight: Tensor, bias: Tensor?) throws(TensorError) -> Tensor {
        guard weight.dim == 2 else { throw TensorError("weight must be 2-D [out_features, in_features], got \(Shape.describe(weight.shape))") }
        let (outF, inF) = (weight.shape[0], weight.shape[1])
        guard x.dim >= 1, x.shape[x.dim - 1] == inF else {
            throw TensorError("input's last dimension must be in_features (\(inF)), got shape \(Shape.describe(x.shape))")
        }
        if let bias, bias.shape != [outF] {
            throw TensorError("bias must have shape [\(outF)], got \(Shape.describe(bias.shape))")
        }
        if x.dtype != .float32 || weight.dtype != .float32 || (bias != nil && bias!.dtype != .float32) {
            // float64 (and mixed input, refused there) through the ordinary ops
            let y = try x.matmul(weight.transpose(0, 1))
            return try bias.map { b throws(TensorError) in try y.add(b) } ?? y
        }
        // from the shape, not the count: with no input features every row still gets the bias
        let rows = x.shape.dropLast().reduce(1, *)
        let xv = x.materialized(), w = weight.materialized(), b = bias?.materialized()
        var outShape = x.shape
        outShape[outShape.count - 1] = outF
        let out = Tensor(uninitializedShape: outShape)
        if let b {
            FloatKernels.broadcastRows(b.data, count: outF, rows: rows, into: out.data)
        }
        if inF > 0 {
            Gemm.run(transA: false, transB: true, m: rows, n: outF, k: inF, a: xv.data, lda: inF, b: w.data, ldb: inF,
                     beta: b == nil ? 0 : 1, c: out.data, ldc: outF)
        } else if b == nil {
            out.data.initialize(repeating: 0, count: out.count)
        }
        if GradMode.isEnabled && Tensor.needsGrad([x, weight, bias]) {
            let (needX, needW, needB) = (x.requiresGrad, weight.requiresGrad, bias?.requiresGrad ?? false)
            let xShape = x.shape
            out.attach(to: Node(name: bias == nil ? "MmBackward0" : "AddmmBackward0", inputs: [x, weight, bias],
                                saving: [xv, w]) { grads in
                let g = grads[0]!.materialized()
                var dx: Tensor? = nil, dw: Tensor? = nil, db: Tensor? = nil
                if needX {
                    let t = Tensor(uninitializedShape: xShape)
                    Gemm.run(transA: false, transB: false, m: rows, n: inF, k: outF, a: g.data, lda: outF, b: w.data,
                             ldb: Swift.max(inF, 1), beta: 0, c: t.data, ldc: Swift.max(inF, 1))
                    dx = t
                }
                if needW {
                    let t = Tensor(uninitializedShape: [outF, inF])
                    Gemm.run(transA: true, transB: false, m: outF, n: inF, k: rows, a: g.data, lda: outF, b: xv.data,
                             ldb: Swift.max(inF, 1), beta: 0, c: t.data, ldc: Swift.max(inF, 1))
                    dw = t
                }
                if needB {
                    let t = Tensor(uninitializedShape: [outF])
                    FloatKernels.columnSums(g.data, rows: rows, columns: outF, into: t.data)
                    db = t
                }
                return [dx, dw, db]
            })
        }
        return out
    }
}
