// The LSTM over a whole sequence, one layer and one direction, forward and
// backward through time, as one autograd node.
//
// x is [T, B, I]; h is [B, P] (P = proj_size, or H without projection); c is [B, H]. The states
// may come with a leading dimension of 1 ([1, B, P], a one-layer stack); h_T, c_T and their
// gradients take the shapes the initial states came in.
// x may also be [B, I], one step of a cell (LSTMCell): out is then [B, P] and is h_T
// itself, and the node has two outputs, h' and c'. A cell is called once per time step from
// Lua, so what a step costs beyond its arithmetic counts: no views to make it a sequence
// of one, no copy of h' (and, when autograd keeps the cells, none of c').
// Gates in PyTorch's order i, f, g, o:
//   [i f g o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
//   c' = σ(f)·c + σ(i)·tanh(g)        h' = (σ(o)·tanh(c'))·W_hrᵀ   (no W_hr: h' = σ(o)·tanh(c'))
// The input projection for all steps is one GEMM, each step one GEMM for h·W_hhᵀ
// and one pass over the gates; backward mirrors it, with the weight gradients as
// one GEMM each over all steps.

import CKernels
import Tensors

enum LSTMKernel {
    struct Weights {
        let wih: Tensor, whh: Tensor, bih: Tensor?, bhh: Tensor?, whr: Tensor?
    }

    /// What backward needs from forward: activated gates, cell states and their tanh,
    /// the unprojected outputs (with W_hr), and the outputs themselves.
    private struct Saved {
        let gates: Tensor, cells: Tensor, tanhCells: Tensor, unprojected: Tensor?
    }

    /// Runs the layer; returns out [T, B, P], h_T [B, P], c_T [B, H] (for one step of a cell,
    /// out [B, P] twice and c_T).
    static func run(x: Tensor, h0: Tensor, c0: Tensor, weights w: Weights, reverse: Bool) throws(TensorError) -> (Tensor, Tensor, Tensor) {
        let step = x.dim == 2
        let (T, B, I) = SequenceMath.sequence(x)
        let H = w.whh.shape[0] / 4, P = w.whh.shape[1]
        // The graph links the tensors as given; the kernels read contiguous copies where needed.
        // Under no_grad there is no graph, and no array to allocate for it.
        let inputs: [Tensor?] = GradMode.isEnabled ? [x, h0, c0, w.wih, w.whh, w.bih, w.bhh, w.whr] : []
        let x = x.materialized(), h0 = h0.materialized(), c0 = c0.materialized()
        let wih = w.wih.materialized(), whh = w.whh.materialized(), whr = w.whr?.materialized()
        let bih = w.bih?.materialized(), bhh = w.bhh?.materialized()

        let out = Tensor(uninitializedShape: step ? [B, P] : [T, B, P])
        // Backward needs every step's gates and cells; without it one scratch block serves.
        let grad = Tensor.needsGrad(inputs)
        let saved: Saved? = grad ? Saved(gates: Tensor(uninitializedShape: [T, B, 4 * H]), cells: Tensor(uninitializedShape: [T, B, H]),
                                         tanhCells: Tensor(uninitializedShape: [T, B, H]),
                                         unprojected: whr == nil ? nil : Tensor(uninitializedShape: [T, B, H])) : nil
        let scratch = grad ? nil : UnsafeMutablePointer<Float>.allocate(capacity: T * B * (7 * H))
        defer { scratch?.deallocate() }
        let G = saved?.gates.data ?? scratch!, C = saved?.cells.data ?? scratch! + T * B * 4 * H
        let TC = saved?.tanhCells.data ?? scratch! + T * B * 5 * H
        let R = whr == nil ? nil : (saved?.unprojected?.data ?? scratch! + T * B * 6 * H)

        // [i f g o] for every step: x·W_ihᵀ + b_ih + b_hh
        SequenceMath.project(x.data, rows: T * B, inputs: I, weight: wih.data, outputs: 4 * H,
                             bias: bih?.data, bhh?.data, into: G)
        let recurrent = SequenceMath.RecurrentWeight(whh, for: .forward, steps: T, batch: B)
        let job = ForwardJob(T: T, B: B, H: H, P: P, reverse: reverse, G: G, C: C, TC: TC, R: R, out: out.data,
                             h0: h0.data, c0: c0.data, recurrent: recurrent.product, whr: whr.map { UnsafePointer($0.data) })
        // The job holds bare pointers: what they point into must outlive it.
        defer { withExtendedLifetime((recurrent, h0, c0, out, whr)) {} }
        if whr == nil && SequenceMath.splitsUnits(batch: B, hidden: H, weight: 4 * H * P, recurrent: recurrent.product) {
            try SequenceMath.overUnits(H, job: job) { pointer, begin, end in
                pointer!.assumingMemoryBound(to: ForwardJob.self).pointee.run(units: begin, end)
            }
        } else {
            // The projection's product depends on its block of rows: with one, the rows stay on one thread.
            try SequenceMath.overBatchRows(B, work: whr == nil ? T * B * 4 * H * P : 0, recurrent: recurrent.product, job: job) { pointer, begin, end in
                pointer!.assumingMemoryBound(to: ForwardJob.self).pointee.run(rows: begin, end)
            }
        }
        let last = reverse ? 0 : T - 1
        let hT = step ? out : Tensor(uninitializedShape: h0.shape)
        if !step { hT.data.update(from: T == 0 ? h0.data : out.data + last * B * P, count: B * P) }
        let cT: Tensor
        if step, let saved {
            // Backward reads the saved cells only as the state before a step, never the last one's.
            cT = Tensor(storage: saved.cells.storage, shape: c0.shape, strides: Shape.contiguousStrides(c0.shape))
        } else {
            cT = Tensor(uninitializedShape: c0.shape)
            cT.data.update(from: T == 0 ? c0.data : C + last * B * H, count: B * H)
        }

        if let saved {
            let outSaved = out.detach()
            SequenceMath.record("LstmBackward0", inputs: inputs, saving: [x, h0, c0, wih, whh] + (whr.map { [$0] } ?? []),
                                outputs: step ? [hT, cT] : [out, hT, cT]) { grads, needs in
                // A step's h' is h_T: its gradient is the one a layer's h_T gets, out's none.
                backward(step ? [nil, grads[0], grads[1]] : grads, x: x, h0: h0, c0: c0, wih: wih, whh: whh, whr: whr,
                         hasBias: bih != nil, saved: saved, out: outSaved, reverse: reverse, needs: needs)
            }
        }
        return (out, hT, cT)
    }

    /// Gradients for [x, h0, c0, W_ih, W_hh, b_ih, b_hh, W_hr] from those of [out, h_T, c_T].
    private static func backward(_ grads: [Tensor?], x: Tensor, h0: Tensor, c0: Tensor, wih: Tensor, whh: Tensor,
                                 whr: Tensor?, hasBias: Bool, saved: Saved, out: Tensor, reverse: Bool,
                                 needs: [Bool]) -> [Tensor?] {
        let (T, B, _) = SequenceMath.sequence(x)
        let H = whh.shape[0] / 4, P = whh.shape[1]
        let dOut = grads[0]?.materialized()
        let dh = Tensor(repeating: 0, shape: h0.shape), dc = Tensor(repeating: 0, shape: c0.shape)
        if let g = grads[1] { dh.data.update(from: g.materialized().data, count: B * P) }
        if let g = grads[2] { dc.data.update(from: g.materialized().data, count: B * H) }
        let dG = Tensor(uninitializedShape: [T, B, 4 * H])
        let dr = whr == nil ? nil : Tensor(uninitializedShape: [B, H])
        let dWhr = whr == nil ? nil : Tensor(repeating: 0, shape: [P, H])
        let G = saved.gates.data, C = saved.cells.data, TC = saved.tanhCells.data
        let recurrent = SequenceMath.RecurrentWeight(whh, for: .backward, steps: T, batch: B)
        let job = BackwardJob(T: T, B: B, H: H, P: P, reverse: reverse, G: G, C: C, TC: TC, R: saved.unprojected?.data,
                              c0: c0.data, dOut: dOut.map { UnsafePointer($0.data) }, dh: dh.data, dc: dc.data, dG: dG.data,
                              recurrent: recurrent.product, whr: whr.map { UnsafePointer($0.data) }, dr: dr?.data, dWhr: dWhr?.data)
        defer { withExtendedLifetime((recurrent, dOut, dr, dWhr)) {} }
        if whr == nil && SequenceMath.splitsUnits(batch: B, hidden: H, weight: 4 * H * P, recurrent: recurrent.product) {
            try? SequenceMath.overUnits(H, job: job) { pointer, begin, end in
                pointer!.assumingMemoryBound(to: BackwardJob.self).pointee.run(units: begin, end)
            }
        } else {
            // dW_hr sums over the batch: with a projection the rows stay on one thread.
            try? SequenceMath.overBatchRows(B, work: whr == nil ? T * B * 4 * H * P : 0, recurrent: recurrent.product, job: job) { pointer, begin, end in
                pointer!.assumingMemoryBound(to: BackwardJob.self).pointee.run(rows: begin, end)
            }
        }

        let g = SequenceMath.layerGradients(inputSide: dG.data, hiddenSide: dG.data, outputs: 4 * H, x: x, wih: wih, h0: h0,
                                            out: out, reverse: reverse, needX: needs[0], needWih: needs[3], needWhh: needs[4],
                                            needBias: hasBias && (needs[5] || needs[6]))
        return [g.dx, dh, dc, g.dWih, g.dWhh, g.dbih, g.dbhh, dWhr]
    }

    /// Forward through time for the batch rows [b0, b1), on any thread: plain pointers only.
    private struct ForwardJob {
        let T: Int, B: Int, H: Int, P: Int, reverse: Bool
        let G: UnsafeMutablePointer<Float>, C: UnsafeMutablePointer<Float>, TC: UnsafeMutablePointer<Float>
        let R: UnsafeMutablePointer<Float>?, out: UnsafeMutablePointer<Float>
        let h0: UnsafePointer<Float>, c0: UnsafePointer<Float>
        let recurrent: SequenceMath.RecurrentProduct, whr: UnsafePointer<Float>?

        func run(rows b0: Int, _ b1: Int) {
            let rows = b1 - b0
            var hPrev = h0 + b0 * P, cPrev = c0 + b0 * H
            for s in 0..<T {
                if Interrupt.pending { return }
                let t = reverse ? T - 1 - s : s
                let g = G + (t * B + b0) * 4 * H
                // += h·W_hhᵀ
                recurrent.forward(hPrev, rows: rows, beta: 1, into: g)
                let c = C + (t * B + b0) * H, tc = TC + (t * B + b0) * H
                let h = out + (t * B + b0) * P
                let r = R.map { $0 + (t * B + b0) * H } ?? h
                lk_lstm_step_forward(g, cPrev, c, tc, r, H, rows, H, H)
                if let whr {
                    // h = r·W_hrᵀ
                    Gemm.run(transA: false, transB: true, m: rows, n: P, k: H, a: r, lda: H, b: whr, ldb: H,
                             beta: 0, c: h, ldc: P)
                }
                hPrev = UnsafePointer(h)
                cPrev = UnsafePointer(c)
            }
        }

        /// Forward through time for the hidden units [u0, u1) of every row (no projection):
        /// the threads meet after each step, when all of h is there for the next one.
        func run(units u0: Int, _ u1: Int) {
            let units = u1 - u0
            var hPrev = h0, cPrev = c0
            for s in 0..<T {
                let t = reverse ? T - 1 - s : s
                let g = G + t * B * 4 * H
                // the unit's four gates: += h·W_hhᵀ, column block by column block
                for gate in 0..<4 {
                    recurrent.forward(hPrev, rows: B, columns: gate * H + u0, count: units, beta: 1, into: g)
                }
                let c = C + t * B * H, h = out + t * B * P
                lk_lstm_step_forward(g + u0, cPrev + u0, c + u0, TC + t * B * H + u0, h + u0, P, B, H, units)
                if lk_region_barrier(Interrupt.pending ? 1 : 0) != 0 { return }
                hPrev = UnsafePointer(h)
                cPrev = UnsafePointer(c)
            }
        }
    }

    /// Backward through time for the batch rows [b0, b1): fills dG and leaves the
    /// gradients of h0 and c0 in dh and dc.
    private struct BackwardJob {
        let T: Int, B: Int, H: Int, P: Int, reverse: Bool
        let G: UnsafeMutablePointer<Float>, C: UnsafeMutablePointer<Float>, TC: UnsafeMutablePointer<Float>
        let R: UnsafeMutablePointer<Float>?, c0: UnsafePointer<Float>, dOut: UnsafePointer<Float>?
        let dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>, dG: UnsafeMutablePointer<Float>
        let recurrent: SequenceMath.RecurrentProduct
        let whr: UnsafePointer<Float>?, dr: UnsafeMutablePointer<Float>?, dWhr: UnsafeMutablePointer<Float>?

        func run(rows b0: Int, _ b1: Int) {
            let rows = b1 - b0
            let dh = self.dh + b0 * P, dc = self.dc + b0 * H
            for s in stride(from: T - 1, through: 0, by: -1) {
                let t = reverse ? T - 1 - s : s
                let row = t * B + b0
                let cPrev = s == 0 ? c0 + b0 * H : UnsafePointer(C + ((reverse ? t + 1 : t - 1) * B + b0) * H)
                // dh += dOut[t]
                if let dOut {
                    let d = dOut + row * P
                    for k in 0..<(rows * P) { dh[k] += d[k] }
                }
                // With a projection: dW_hr += dhᵀ·r, dr = dh·W_hr
                var drp = UnsafePointer(dh)
                if let whr, let dr, let dWhr, let R {
                    Gemm.run(transA: true, transB: false, m: P, n: H, k: rows, a: dh, lda: P, b: R + row * H, ldb: H,
                             beta: 1, c: dWhr, ldc: H)
                    Gemm.run(transA: false, transB: false, m: rows, n: H, k: P, a: dh, lda: P, b: whr, ldb: H,
                             beta: 0, c: dr + b0 * H, ldc: H)
                    drp = UnsafePointer(dr + b0 * H)
                }
                let dg = dG + row * 4 * H
                lk_lstm_step_backward(G + row * 4 * H, cPrev, TC + row * H, drp, H, dc, dg, rows, H, H)
                // dh_prev = dG[t]·W_hh
                recurrent.backward(dg, rows: rows, beta: 0, into: dh)
            }
        }

        /// Backward through time for the hidden units [u0, u1) of every row (no projection):
        /// the threads meet after each step's gate gradients, all of which dh_prev needs.
        func run(units u0: Int, _ u1: Int) {
            let units = u1 - u0
            for s in stride(from: T - 1, through: 0, by: -1) {
                let t = reverse ? T - 1 - s : s
                let row = t * B
                let cPrev = s == 0 ? c0 : UnsafePointer(C + (reverse ? t + 1 : t - 1) * B * H)
                if let dOut {
                    for b in 0..<B {
                        let d = dOut + (row + b) * P + u0, target = dh + b * P + u0
                        for k in 0..<units { target[k] += d[k] }
                    }
                }
                let dg = dG + row * 4 * H
                lk_lstm_step_backward(G + row * 4 * H + u0, cPrev + u0, TC + row * H + u0, dh + u0, P, dc + u0, dg + u0,
                                      B, H, units)
                _ = lk_region_barrier(0)
                // dh_prev[:, u0..<u1] = dG[t]·W_hh[:, u0..<u1]
                recurrent.backward(dg, rows: B, columns: u0, count: units, beta: 0, into: dh)
            }
        }
    }
}
