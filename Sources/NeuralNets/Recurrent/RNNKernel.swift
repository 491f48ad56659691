// The Elman RNN over a whole sequence, one layer and one direction, forward and
// backward through time, as one autograd node.
//
// x is [T, B, I]; h is [B, H], or [1, B, H] (a one-layer stack): h_T and its gradient take
// h0's shape. x may also be [B, I], one step of a cell (RNNCell): out is then [B, H] and the
// node's one output is h_T, a copy (backward reads out, which a caller's in-place change to
// h' must not reach).
//   h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), act = tanh or relu.

import Tensors

enum RNNKernel {
    /// Runs the layer; returns out [T, B, H] and h_T [B, H] (for one step of a cell, out [B, H]).
    static func run(x: Tensor, h0: Tensor, wih: Tensor, whh: Tensor, bih: Tensor?, bhh: Tensor?, relu: Bool,
                    reverse: Bool) throws(TensorError) -> (Tensor, Tensor) {
        let step = x.dim == 2
        let (T, B, I) = SequenceMath.sequence(x)
        let H = whh.shape[1]
        // Under no_grad there is no graph, and no array to allocate for it.
        let inputs: [Tensor?] = GradMode.isEnabled ? [x, h0, wih, whh, bih, bhh] : []
        let x = x.materialized(), h0 = h0.materialized(), wihC = wih.materialized(), whhC = whh.materialized()
        let out = Tensor(uninitializedShape: step ? [B, H] : [T, B, H])
        // x·W_ihᵀ + b_ih + b_hh for all steps, written straight into out and finished step by step.
        SequenceMath.project(x.data, rows: T * B, inputs: I, weight: wihC.data, outputs: H,
                             bias: bih?.materialized().data, bhh?.materialized().data, into: out.data)
        let recurrent = SequenceMath.RecurrentWeight(whhC, for: .forward, steps: T, batch: B)
        let job = ForwardJob(T: T, B: B, H: H, reverse: reverse, relu: relu, out: out.data, h0: h0.data,
                             recurrent: recurrent.product)
        // The job holds bare pointers: what they point into must outlive it.
        defer { withExtendedLifetime((recurrent, h0, out)) {} }
        try SequenceMath.overBatchRows(B, work: T * B * H * H, recurrent: recurrent.product, job: job) { pointer, begin, end in
            pointer!.assumingMemoryBound(to: ForwardJob.self).pointee.run(rows: begin, end)
        }
        let hT = Tensor(uninitializedShape: h0.shape)
        hT.data.update(from: T == 0 ? h0.data : out.data + (reverse ? 0 : T - 1) * B * H, count: B * H)

        if Tensor.needsGrad(inputs) {
            let outSaved = out.detach()
            let hasBias = bih != nil
            SequenceMath.record(relu ? "RnnReluBackward0" : "RnnTanhBackward0", inputs: inputs, saving: [x, h0, wihC, whhC],
                                outputs: step ? [hT] : [out, hT]) { grads, needs in
                // A step's h' is h_T: its gradient is the one a layer's h_T gets, out's none.
                backward(step ? [nil, grads[0]] : grads, x: x, h0: h0, wih: wihC, whh: whhC, hasBias: hasBias, out: outSaved, relu: relu,
                         reverse: reverse, needs: needs)
            }
        }
        return (out, hT)
    }

    /// Gradients for [x, h0, W_ih, W_hh, b_ih, b_hh] from those of [out, h_T].
    private static func backward(_ grads: [Tensor?], x: Tensor, h0: Tensor, wih: Tensor, whh: Tensor, hasBias: Bool,
                                 out: Tensor, relu: Bool, reverse: Bool, needs: [Bool]) -> [Tensor?] {
        let (T, B, _) = SequenceMath.sequence(x)
        let H = whh.shape[1]
        let dOut = grads[0]?.materialized()
        let dh = Tensor(repeating: 0, shape: h0.shape)
        if let g = grads[1] { dh.data.update(from: g.materialized().data, count: B * H) }
        let dA = Tensor(uninitializedShape: [T, B, H])
        let recurrent = SequenceMath.RecurrentWeight(whh, for: .backward, steps: T, batch: B)
        let job = BackwardJob(T: T, B: B, H: H, reverse: reverse, relu: relu, out: out.data,
                              dOut: dOut.map { UnsafePointer($0.data) }, dh: dh.data, dA: dA.data, recurrent: recurrent.product)
        defer { withExtendedLifetime((recurrent, dOut)) {} }
        try? SequenceMath.overBatchRows(B, work: T * B * H * H, recurrent: recurrent.product, job: job) { pointer, begin, end in
            pointer!.assumingMemoryBound(to: BackwardJob.self).pointee.run(rows: begin, end)
        }
        let g = SequenceMath.layerGradients(inputSide: dA.data, hiddenSide: dA.data, outputs: H, x: x, wih: wih, h0: h0,
                                            out: out, reverse: reverse, needX: needs[0], needWih: needs[2], needWhh: needs[3],
                                            needBias: hasBias)
        return [g.dx, dh, g.dWih, g.dWhh, g.dbih, g.dbhh]
    }

    /// Forward through time for the batch rows [b0, b1), on any thread: plain pointers only.
    /// out holds x·W_ihᵀ + b_ih + b_hh on entry and the outputs on return.
    private struct ForwardJob {
        let T: Int, B: Int, H: Int, reverse: Bool, relu: Bool
        let out: UnsafeMutablePointer<Float>, h0: UnsafePointer<Float>
        let recurrent: SequenceMath.RecurrentProduct

        func run(rows b0: Int, _ b1: Int) {
            let rows = b1 - b0
            var hPrev = h0 + b0 * H
            for s in 0..<T {
                if Interrupt.pending { return }
                let t = reverse ? T - 1 - s : s
                let o = out + (t * B + b0) * H
                recurrent.forward(hPrev, rows: rows, beta: 1, into: o)
                if relu {
                    for k in 0..<(rows * H) { o[k] = Swift.max(o[k], 0) }
                } else {
                    VectorMath.tanh(o, count: rows * H)
                }
                hPrev = UnsafePointer(o)
            }
        }
    }

    /// Backward through time for the batch rows [b0, b1): fills dA, the gradient of the
    /// pre-activations, and leaves the gradient of h0 in dh.
    private struct BackwardJob {
        let T: Int, B: Int, H: Int, reverse: Bool, relu: Bool
        let out: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>?
        let dh: UnsafeMutablePointer<Float>, dA: UnsafeMutablePointer<Float>
        let recurrent: SequenceMath.RecurrentProduct

        func run(rows b0: Int, _ b1: Int) {
            let rows = b1 - b0
            let dh = self.dh + b0 * H
            for s in stride(from: T - 1, through: 0, by: -1) {
                let t = reverse ? T - 1 - s : s
                let row = t * B + b0
                let h = out + row * H, da = dA + row * H, d = dOut.map { $0 + row * H }
                for k in 0..<(rows * H) {
                    let g = dh[k] + (d?[k] ?? 0)
                    // tanh' = 1 - h², relu' = [h > 0]
                    da[k] = relu ? (h[k] > 0 ? g : 0) : g * (1 - h[k] * h[k])
                }
                // dh_prev = dA[t]·W_hh
                recurrent.backward(da, rows: rows, beta: 0, into: dh)
            }
        }
    }
}
