// Dropout: zeroes each element with probability p and scales the rest by
// 1/(1-p), so the expected value is unchanged (inverted dropout, as PyTorch).

import Tensors

public enum Dropout {
    // out = x·m/(1-p), m ~ Bernoulli(1-p); d out/dx = m/(1-p)
    public static func apply(_ x: Tensor, p: Float, generator: Generator = .shared) -> Tensor {
        if p == 0 { return x }
        let mask = Tensor(uninitializedShape: x.shape)
        let scale: Float = p >= 1 ? 0 : 1 / (1 - p)
        let keep = 1 - p
        for i in 0..<mask.count { mask.data[i] = generator.uniformFloat() < keep ? scale : 0 }
        if x.dtype != .float32 { return try! x.mul(mask.converted(to: x.dtype)) }
        let xv = x.materialized()
        let out = Tensor(uninitializedShape: x.shape)
        for i in 0..<out.count { out.data[i] = xv.data[i] * mask.data[i] }
        if Tensor.needsGrad(x) {
            out.attach(to: Node(name: "NativeDropoutBackward0", inputs: [x]) { g in
                let gv = g[0]!.materialized()
                let dx = Tensor(uninitializedShape: gv.shape)
                for i in 0..<dx.count { dx.data[i] = gv.data[i] * mask.data[i] }
                return [dx]
            })
        }
        return out
    }
}
