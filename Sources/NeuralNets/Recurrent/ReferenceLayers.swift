// The recurrent layers written plainly, one step at a time in ordinary tensor
// operations (autograd gives backward). They serve every dtype but float32 (whose
// fused kernels they mirror) and are the reference the fused kernels can be tested
// against. Gate order is PyTorch's:
//   LSTM  i,f,g,o = σ,σ,tanh,σ(x·Wihᵀ + bih + h·Whhᵀ + bhh);  c = f·c + i·g;  h = o·tanh(c) (·Whrᵀ)
//   GRU   r,z = σ(xWᵣ + hUᵣ …);  n = tanh(x·Win + bin + r·(h·Whn + bhn));  h = (1-z)·n + z·h
//   RNN   h = tanh|relu(x·Wihᵀ + bih + h·Whhᵀ + bhh)

import Tensors

enum ReferenceLayers {
    /// One layer in one direction over x [T, B, I] from h0 [B, Hout] (and c0 [B, H]):
    /// the output [T, B, Hout] and the final states.
    static func run(_ mode: RecurrentMode, x: Tensor, h0: Tensor, c0: Tensor?, wih: Tensor, whh: Tensor,
                    bih: Tensor?, bhh: Tensor?, whr: Tensor?, reverse: Bool) throws(TensorError) -> (Tensor, Tensor, Tensor?) {
        for t in [h0, wih, whh] + [c0, bih, bhh, whr].compactMap({ $0 }) where t.dtype != x.dtype {
            throw TensorError("input must have the type \(t.dtype), got type \(x.dtype)")
        }
        // one layer's state arrives as [1, B, H] or [B, H]; the result keeps its rank
        let stacked = h0.dim == 3
        let h0 = stacked ? h0.select(0, index: 0) : h0, c0 = stacked ? c0?.select(0, index: 0) : c0
        let steps = x.shape[0]
        // The input projection for all steps in one product, as the fused kernels do.
        var projected = try x.matmul(wih.transpose(0, 1))
        if let bih { projected = try projected.add(bih) }
        let (wT, rT) = (whh.transpose(0, 1), whr?.transpose(0, 1))
        var (h, c) = (h0, c0)
        var outputs = [Tensor?](repeating: nil, count: steps)
        for k in 0..<steps {
            let t = reverse ? steps - 1 - k : k
            let xp = projected.select(0, index: t)
            var hp = try h.matmul(wT)
            if let bhh { hp = try hp.add(bhh) }
            switch mode {
            case .lstm:
                let gates = try xp.add(hp)
                let n = whh.shape[1] == 0 ? 0 : gates.shape[1] / 4
                let i = gates.narrow(1, start: 0, length: n).sigmoid()
                let f = gates.narrow(1, start: n, length: n).sigmoid()
                let g = gates.narrow(1, start: 2 * n, length: n).tanh()
                let o = gates.narrow(1, start: 3 * n, length: n).sigmoid()
                let cNext = try f.mul(c!).add(i.mul(g))
                h = try o.mul(cNext.tanh())
                if let rT { h = try h.matmul(rT) }
                c = cNext
            case .gru:
                let n = xp.shape[1] / 3
                let r = try xp.narrow(1, start: 0, length: n).add(hp.narrow(1, start: 0, length: n)).sigmoid()
                let z = try xp.narrow(1, start: n, length: n).add(hp.narrow(1, start: n, length: n)).sigmoid()
                let candidate = try xp.narrow(1, start: 2 * n, length: n).add(r.mul(hp.narrow(1, start: 2 * n, length: n))).tanh()
                h = try z.rsub(1).mul(candidate).add(z.mul(h))
            case .rnnTanh:
                h = try xp.add(hp).tanh()
            case .rnnRelu:
                h = try xp.add(hp).relu()
            }
            outputs[t] = h
        }
        let out = try Tensor.stack(outputs.map { $0! }, dim: 0)
        return stacked ? (out, h.unsqueeze(0), c?.unsqueeze(0)) : (out, h, c)
    }
}
