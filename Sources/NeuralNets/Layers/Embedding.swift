// nn.Embedding: rows of a weight table picked by integer indices.
// Indices here are 0-based; the Lua layer converts Lua's 1-based ones.
// Backward adds each output row's gradient into the row it came from.

import Tensors

public enum Embedding {
    public static func apply(indices: [Int], shape: Dims, weight: Tensor, paddingIndex: Int? = nil) throws(TensorError) -> Tensor {
        guard weight.dim == 2 else { throw TensorError("weight must be 2-D, got \(Shape.describe(weight.shape))") }
        let (n, d) = (weight.shape[0], weight.shape[1])
        for i in indices where i < 0 || i >= n {
            throw TensorError("index \(i &+ 1) out of range for an embedding of \(n) entries")
        }
        if weight.dtype != .float32 {
            // other dtypes through the ordinary ops: the selected rows, stacked
            let rows = indices.map { $0 == paddingIndex ? weight.select(0, index: $0).detach() : weight.select(0, index: $0) }
            var outShape = shape
            outShape.append(d)
            if rows.isEmpty { return Tensor.zeros(outShape, dtype: weight.dtype) }
            return try Tensor.stack(rows, dim: 0).view(outShape)
        }
        let w = weight.materialized()
        var outShape = shape
        outShape.append(d)
        let out = Tensor(uninitializedShape: outShape)
        for (k, i) in indices.enumerated() { (out.data + k * d).update(from: w.data + i * d, count: d) }
        if Tensor.needsGrad(weight) {
            out.attach(to: Node(name: "EmbeddingBackward0", inputs: [weight]) { grads in
                let g = grads[0]!.materialized()
                let dw = Tensor(repeating: 0, shape: [n, d])
                for (k, i) in indices.enumerated() where i != paddingIndex {
                    let src = g.data + k * d, dst = dw.data + i * d
                    for j in 0..<d { dst[j] += src[j] }
                }
                return [dw]
            })
        }
        return out
    }
}
