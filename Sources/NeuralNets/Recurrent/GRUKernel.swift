// The GRU over a whole sequence, one layer and one direction, forward and
// backward through time, as one autograd node.
//
// x is [T, B, I]; h is [B, H], or [1, B, H] (a one-layer stack): h_T and its gradient take
// h0's shape. x may also be [B, I], one step of a cell (GRUCell): out is then [B, H] and is
// h_T itself, the node's one output (backward reads out only as the state before a step). Gates in PyTorch's order r, z, n:
//   r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)      z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
//   n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ + b_hn))  h' = (1 - z)·n + z·h
// The hidden part of n is kept apart because r multiplies it.

import CKernels
import Tensors

enum GRUKernel {
    /// Runs the layer; returns out [T, B, H] and h_T [B, H] (for one step of a cell, out [B, H] twice).
    static func run(x: Tensor, h0: Tensor, wih: Tensor, whh: Tensor, bih: Tensor?, bhh: Tensor?,
                    reverse: Bool) throws(TensorError) -> (Tensor, Tensor) {
        let step = x.dim == 2
        let (T, B, I) = SequenceMath.sequence(x)
        let H = whh.shape[1]
        // Under no_grad there is no graph, and no array to allocate for it.
        let inputs: [Tensor?] = GradMode.isEnabled ? [x, h0, wih, whh, bih, bhh] : []
        let x = x.materialized(), h0 = h0.materialized(), wihC = wih.materialized(), whhC = whh.materialized()
        let bihC = bih?.materialized(), bhhC = bhh?.materialized()

        let out = Tensor(uninitializedShape: step ? [B, H] : [T, B, H])
        // Per step: input part [r z n] (3H), then saved r, z, n and the hidden part of n (4H).
        let gi = Tensor(uninitializedShape: [T, B, 3 * H])
        let saved = Tensor(uninitializedShape: [T, B, 4 * H])
        let gh = Tensor(uninitializedShape: [B, 3 * H])
        SequenceMath.project(x.data, rows: T * B, inputs: I, weight: wihC.data, outputs: 3 * H, bias: bihC?.data, nil, into: gi.data)
        let recurrent = SequenceMath.RecurrentWeight(whhC, for: .forward, steps: T, batch: B)
        let job = ForwardJob(T: T, B: B, H: H, reverse: reverse, gi: gi.data, gh: gh.data, saved: saved.data, out: out.data,
                             h0: h0.data, bhh: bhhC.map { UnsafePointer($0.data) }, recurrent: recurrent.product)
        // The job holds bare pointers: what they point into must outlive it.
        defer { withExtendedLifetime((recurrent, h0, out, gi, gh, saved, bhhC)) {} }
        try SequenceMath.overBatchRows(B, work: T * B * 3 * H * H, recurrent: recurrent.product, job: job) { pointer, begin, end in
            pointer!.assumingMemoryBound(to: ForwardJob.self).pointee.run(rows: begin, end)
        }
        let hT = step ? out : Tensor(uninitializedShape: h0.shape)
        if !step { hT.data.update(from: T == 0 ? h0.data : out.data + (reverse ? 0 : T - 1) * B * H, count: B * H) }

        if Tensor.needsGrad(inputs) {
            let outSaved = out.detach()
            SequenceMath.record("GruBackward0", inputs: inputs, saving: [x, h0, wihC, whhC], outputs: step ? [hT] : [out, hT]) { grads, needs in
                // A step's h' is h_T: its gradient is the one a layer's h_T gets, out's none.
                backward(step ? [nil, grads[0]] : grads, x: x, h0: h0, wih: wihC, whh: whhC, hasBias: bihC != nil, saved: saved, out: outSaved,
                         reverse: reverse, needs: needs)
            }
        }
        return (out, hT)
    }

    /// Gradients for [x, h0, W_ih, W_hh, b_ih, b_hh] from those of [out, h_T].
    private static func backward(_ grads: [Tensor?], x: Tensor, h0: Tensor, wih: Tensor, whh: Tensor, hasBias: Bool,
                                 saved: Tensor, out: Tensor, reverse: Bool, needs: [Bool]) -> [Tensor?] {
        let (T, B, _) = SequenceMath.sequence(x)
        let H = whh.shape[1]
        let dOut = grads[0]?.materialized()
        let dh = Tensor(repeating: 0, shape: h0.shape)
        if let g = grads[1] { dh.data.update(from: g.materialized().data, count: B * H) }
        let dGi = Tensor(uninitializedShape: [T, B, 3 * H]), dGh = Tensor(uninitializedShape: [T, B, 3 * H])
        let direct = Tensor(uninitializedShape: [B, H])
        let recurrent = SequenceMath.RecurrentWeight(whh, for: .backward, steps: T, batch: B)

        let job = BackwardJob(T: T, B: B, H: H, reverse: reverse, saved: saved.data, h0: h0.data, out: out.data,
                              dOut: dOut.map { UnsafePointer($0.data) }, dh: dh.data, dGi: dGi.data, dGh: dGh.data,
                              direct: direct.data, recurrent: recurrent.product)
        defer { withExtendedLifetime((recurrent, dOut, direct)) {} }
        try? SequenceMath.overBatchRows(B, work: T * B * 3 * H * H, recurrent: recurrent.product, job: job) { pointer, begin, end in
            pointer!.assumingMemoryBound(to: BackwardJob.self).pointee.run(rows: begin, end)
        }

        let g = SequenceMath.layerGradients(inputSide: dGi.data, hiddenSide: dGh.data, outputs: 3 * H, x: x, wih: wih, h0: h0,
                                            out: out, reverse: reverse, needX: needs[0], needWih: needs[2], needWhh: needs[3],
                                            needBias: hasBias)
        return [g.dx, dh, g.dWih, g.dWhh, g.dbih, g.dbhh]
    }

    /// Forward through time for the batch rows [b0, b1), on any thread: plain pointers only.
    private struct ForwardJob {
        let T: Int, B: Int, H: Int, reverse: Bool
        let gi: UnsafeMutablePointer<Float>, gh: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>
        let out: UnsafeMutablePointer<Float>, h0: UnsafePointer<Float>, bhh: UnsafePointer<Float>?
        let recurrent: SequenceMath.RecurrentProduct

        func run(rows b0: Int, _ b1: Int) {
            let rows = b1 - b0
            let gh = self.gh + b0 * 3 * H
            var hPrev = h0 + b0 * H
            for s in 0..<T {
                if Interrupt.pending { return }
                let t = reverse ? T - 1 - s : s
                let row = t * B + b0
                // gh = h·W_hhᵀ + b_hh
                if let bhh {
                    for r in 0..<rows { (gh + r * 3 * H).update(from: bhh, count: 3 * H) }
                }
                recurrent.forward(hPrev, rows: rows, beta: bhh == nil ? 0 : 1, into: gh)
                let o = out + row * H
                lk_gru_step_forward(gi + row * 3 * H, gh, hPrev, saved + row * 4 * H, o, rows, H)
                hPrev = UnsafePointer(o)
            }
        }
    }

    /// Backward through time for the batch rows [b0, b1): fills dGi and dGh and leaves
    /// the gradient of h0 in dh.
    private struct BackwardJob {
        let T: Int, B: Int, H: Int, reverse: Bool
        let saved: UnsafeMutablePointer<Float>, h0: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
        let dOut: UnsafePointer<Float>?, dh: UnsafeMutablePointer<Float>
        let dGi: UnsafeMutablePointer<Float>, dGh: UnsafeMutablePointer<Float>, direct: UnsafeMutablePointer<Float>
        let recurrent: SequenceMath.RecurrentProduct

        func run(rows b0: Int, _ b1: Int) {
            let rows = b1 - b0
            let dh = self.dh + b0 * H, direct = self.direct + b0 * H
            for s in stride(from: T - 1, through: 0, by: -1) {
                let t = reverse ? T - 1 - s : s
                let row = t * B + b0
                let hPrev = s == 0 ? h0 + b0 * H : UnsafePointer(out + ((reverse ? t + 1 : t - 1) * B + b0) * H)
                if let dOut {
                    let d = dOut + row * H
                    for k in 0..<(rows * H) { dh[k] += d[k] }
                }
                let dhh = dGh + row * 3 * H
                lk_gru_step_backward(saved + row * 4 * H, hPrev, dh, dGi + row * 3 * H, dhh, direct, rows, H)
                // dh_prev = z·dh' + dGh[t]·W_hh
                dh.update(from: direct, count: rows * H)
                recurrent.backward(dhh, rows: rows, beta: 1, into: dh)
            }
        }
    }
}
