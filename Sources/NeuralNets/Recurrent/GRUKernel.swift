// The GRU over a whole sequence, one layer and one direction, forward and
// backward through time, as one autograd node.
//
// x is [T, B, I]; h is [B, H]. Gates in PyTorch's order r, z, n:
//   r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)      z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
//   n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ + b_hn))  h' = (1 - z)·n + z·h
// The hidden part of n is kept apart because r multiplies it.

import CKernels
import Tensors

enum GRUKernel {
    /// Runs the layer; returns out [T, B, H] and h_T [B, H].
    static func run(x: Tensor, h0: Tensor, wih: Tensor, whh: Tensor, bih: Tensor?, bhh: Tensor?,
                    reverse: Bool) throws(TensorError) -> (Tensor, Tensor) {
        let (T, B, I) = (x.shape[0], x.shape[1], x.shape[2])
        let H = whh.shape[1]
        let inputs: [Tensor?] = [x, h0, wih, whh, bih, bhh]
        let x = x.materialized(), h0 = h0.materialized(), wihC = wih.materialized(), whhC = whh.materialized()
        let bihC = bih?.materialized(), bhhC = bhh?.materialized()

        let out = Tensor(uninitializedShape: [T, B, H])
        // Per step: input part [r z n] (3H), then saved r, z, n and the hidden part of n (4H).
        let gi = Tensor(uninitializedShape: [T, B, 3 * H])
        let saved = Tensor(uninitializedShape: [T, B, 4 * H])
        let gh = Tensor(uninitializedShape: [B, 3 * H])
        SequenceMath.project(x.data, rows: T * B, inputs: I, weight: wihC.data, outputs: 3 * H, bias: bihC?.data, nil, into: gi.data)
        let recurrent = SequenceMath.RecurrentWeight(whhC, steps: T)
        var hPrev = UnsafePointer(h0.data)
        for s in 0..<T {
            try Interrupt.check()
            let t = reverse ? T - 1 - s : s
            // gh = h·W_hhᵀ + b_hh
            if let b = bhhC {
                for r in 0..<B { (gh.data + r * 3 * H).update(from: b.data, count: 3 * H) }
            }
            recurrent.forward(hPrev, rows: B, beta: bhhC == nil ? 0 : 1, into: gh.data)
            let o = out.data + t * B * H
            lk_gru_step_forward(gi.data + t * B * 3 * H, gh.data, hPrev, saved.data + t * B * 4 * H, o, B, H)
            hPrev = UnsafePointer(o)
        }
        let hT = Tensor(uninitializedShape: [B, H])
        hT.data.update(from: hPrev, count: B * H)

        if Tensor.needsGrad(inputs) {
            let outSaved = out.detach()
            SequenceMath.record("GruBackward0", inputs: inputs, saving: [x, h0, wihC, whhC], outputs: [out, hT]) { grads, needs in
                backward(grads, x: x, h0: h0, wih: wihC, whh: whhC, hasBias: bihC != nil, saved: saved, out: outSaved,
                         reverse: reverse, needs: needs)
            }
        }
        return (out, hT)
    }

    /// Gradients for [x, h0, W_ih, W_hh, b_ih, b_hh] from those of [out, h_T].
    private static func backward(_ grads: [Tensor?], x: Tensor, h0: Tensor, wih: Tensor, whh: Tensor, hasBias: Bool,
                                 saved: Tensor, out: Tensor, reverse: Bool, needs: [Bool]) -> [Tensor?] {
        let (T, B) = (x.shape[0], x.shape[1])
        let H = whh.shape[1]
        let dOut = grads[0]?.materialized()
        let dh = Tensor(repeating: 0, shape: [B, H])
        if let g = grads[1] { dh.data.update(from: g.materialized().data, count: B * H) }
        let dGi = Tensor(uninitializedShape: [T, B, 3 * H]), dGh = Tensor(uninitializedShape: [T, B, 3 * H])
        let direct = Tensor(uninitializedShape: [B, H])
        let recurrent = SequenceMath.RecurrentWeight(whh, steps: T)

        for s in stride(from: T - 1, through: 0, by: -1) {
            let t = reverse ? T - 1 - s : s
            let hPrev = s == 0 ? UnsafePointer(h0.data) : UnsafePointer(out.data + (reverse ? t + 1 : t - 1) * B * H)
            if let dOut {
                let d = dOut.data + t * B * H
                for k in 0..<(B * H) { dh.data[k] += d[k] }
            }
            let dhh = dGh.data + t * B * 3 * H
            lk_gru_step_backward(saved.data + t * B * 4 * H, hPrev, dh.data, dGi.data + t * B * 3 * H, dhh, direct.data, B, H)
            // dh_prev = z·dh' + dGh[t]·W_hh
            dh.data.update(from: direct.data, count: B * H)
            recurrent.backward(dhh, rows: B, beta: 1, into: dh.data)
        }

        let g = SequenceMath.layerGradients(inputSide: dGi.data, hiddenSide: dGh.data, outputs: 3 * H, x: x, wih: wih, h0: h0,
                                            out: out, reverse: reverse, needX: needs[0], needWih: needs[2], needWhh: needs[3],
                                            needBias: hasBias)
        return [g.dx, dh, g.dWih, g.dWhh, g.dbih, g.dbhh]
    }
}
