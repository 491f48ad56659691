// What the recurrent kernels share: the input projection for all time steps as
// one GEMM, the previous-state matrix that weight gradients need, and the
// weight gradients themselves as one GEMM each over all time steps.
//
// Layouts are time-major and contiguous: a sequence is [T, B, features], a
// weight is [gates·H, features] as in PyTorch, so x·Wᵀ is a GEMM with transB.

import CKernels
import Tensors

enum SequenceMath {
    /// Steps, batch and features of a kernel's input: [T, B, I], or [B, I] for one step of a cell.
    static func sequence(_ x: Tensor) -> (T: Int, B: Int, I: Int) {
        x.dim == 2 ? (1, x.shape[0], x.shape[1]) : (x.shape[0], x.shape[1], x.shape[2])
    }

    /// G[T·B, n] = X[T·B, k]·Wᵀ (W is [n, k]) + bias rows (any of b1, b2 may be nil).
    static func project(_ x: UnsafePointer<Float>, rows: Int, inputs k: Int, weight w: UnsafePointer<Float>,
                        outputs n: Int, bias b1: UnsafePointer<Float>?, _ b2: UnsafePointer<Float>?,
                        into g: UnsafeMutablePointer<Float>) {
        if b1 == nil && b2 == nil {
            Gemm.run(transA: false, transB: true, m: rows, n: n, k: k, a: x, lda: Swift.max(k, 1), b: w, ldb: Swift.max(k, 1),
                     beta: 0, c: g, ldc: n)
            return
        }
        if rows == 0 { return }
        for j in 0..<n { g[j] = (b1?[j] ?? 0) + (b2?[j] ?? 0) }
        FloatKernels.broadcastRows(g, count: n, rows: rows - 1, into: g + n)
        Gemm.run(transA: false, transB: true, m: rows, n: n, k: k, a: x, lda: Swift.max(k, 1), b: w, ldb: Swift.max(k, 1),
                 beta: 1, c: g, ldc: n)
    }

    /// The recurrent weight W [n, k] as each step uses it: forward h·Wᵀ, backward dG·W.
    /// Over several steps a copy made once pays for itself: packed in panels (no
    /// product then packs anything, and each reads its panels contiguously) when
    /// the steps are large, else transposed for forward (long contiguous runs
    /// rather than short dot products). It owns the copy; `product` is what the
    /// steps use, also on worker threads.
    struct RecurrentWeight {
        let copy: Tensor?
        let product: RecurrentProduct

        enum Use { case forward, backward }

        init(_ w: Tensor, for use: Use, steps T: Int, batch B: Int) {
            let (n, k) = (w.shape[0], w.shape[1])
            let packs = T >= 4 && B * n * k >= 1 << 12
            if packs {
                // forward multiplies by Wᵀ [k, n], backward by W [n, k]
                let (rows, columns) = use == .forward ? (k, n) : (n, k)
                let panels = Tensor(uninitializedShape: [rows * ((columns + 15) / 16 * 16)])
                lk_pack_panels(w.data, rows, columns, k, use == .forward ? 1 : 0, panels.data)
                copy = panels
            } else if use == .forward && T >= 4 {
                let t = Tensor(uninitializedShape: [k, n])
                lk_transpose(w.data, n, k, t.data)
                copy = t
            } else {
                copy = nil
            }
            product = RecurrentProduct(w: UnsafePointer(w.data), packed: packs ? copy.map { UnsafePointer($0.data) } : nil,
                                       wt: !packs ? copy.map { UnsafePointer($0.data) } : nil, n: n, k: k)
        }
    }

    /// W [n, k] and the copy RecurrentWeight made, as plain pointers.
    struct RecurrentProduct {
        let w: UnsafePointer<Float>
        /// W's panels for the use it was made for (lk_pack_panels).
        let packed: UnsafePointer<Float>?
        /// Wᵀ [k, n], for forward.
        let wt: UnsafePointer<Float>?
        let n: Int, k: Int

        /// c[B, n] = h[B, k]·Wᵀ + beta·c
        func forward(_ h: UnsafePointer<Float>, rows B: Int, beta: Float, into c: UnsafeMutablePointer<Float>) {
            forward(h, rows: B, columns: 0, count: n, beta: beta, into: c)
        }

        /// dh[B, k] = dG[B, n]·W + beta·dh
        func backward(_ dG: UnsafePointer<Float>, rows B: Int, beta: Float, into dh: UnsafeMutablePointer<Float>) {
            backward(dG, rows: B, columns: 0, count: k, beta: beta, into: dh)
        }

        /// Columns [j, j + count) of c[B, n] = h[B, k]·Wᵀ + beta·c.
        func forward(_ h: UnsafePointer<Float>, rows B: Int, columns j: Int, count: Int, beta: Float,
                     into c: UnsafeMutablePointer<Float>) {
            if let packed {
                lk_sgemm_packed(B, count, k, h, k, packed, j, beta, c + j, n)
            } else if let wt {
                Gemm.run(transA: false, transB: false, m: B, n: count, k: k, a: h, lda: k, b: wt + j, ldb: n,
                         beta: beta, c: c + j, ldc: n)
            } else {
                Gemm.run(transA: false, transB: true, m: B, n: count, k: k, a: h, lda: k, b: w + j * k, ldb: k,
                         beta: beta, c: c + j, ldc: n)
            }
        }

        /// Columns [j, j + count) of dh[B, k] = dG[B, n]·W + beta·dh (along W's rows: no short dot products).
        func backward(_ dG: UnsafePointer<Float>, rows B: Int, columns j: Int, count: Int, beta: Float,
                      into dh: UnsafeMutablePointer<Float>) {
            if let packed {
                lk_sgemm_packed(B, count, n, dG, n, packed, j, beta, dh + j, k)
            } else {
                Gemm.run(transA: false, transB: false, m: B, n: count, k: n, a: dG, lda: n, b: w + j, ldb: k,
                         beta: beta, c: dh + j, ldc: k)
            }
        }
    }

    /// Whether a layer's steps split over threads by hidden units rather than batch rows:
    /// when the recurrent weight is large (each thread then reads only its share of it
    /// for each step's product) or the batch too small to divide. The threads then
    /// meet at every step, which costs a microsecond or so against the step's product.
    /// Only over packed weights, whose product gives each element the same bits however
    /// the columns are shared out (Gemm's kernels depend on the block's size).
    static func splitsUnits(batch B: Int, hidden H: Int, weight: Int, recurrent: RecurrentProduct) -> Bool {
        recurrent.packed != nil && H >= 64 && (weight >= 1 << 17 || (B < 8 && weight >= 1 << 16))
    }

    /// Runs `body(job, begin, end)` over the hidden units [0, H) split across threads,
    /// at least 32 units each; the chunks meet at each step with lk_region_barrier.
    static func overUnits<Job: BitwiseCopyable>(_ H: Int, job: Job,
                               _ body: @convention(c) (UnsafeRawPointer?, Int, Int) -> Void) throws(TensorError) {
        Parallel.forRows(H, minRows: 32, job: job, body)
        try Interrupt.check()
    }

    /// Runs `body(job, begin, end)` over the batch rows [0, B) split across threads when
    /// the sequence has enough work: a recurrence keeps each batch row to itself over all
    /// steps, so the threads meet once per layer, not once per step. Only over packed
    /// weights: a row's product then has the same bits whichever rows share its block.
    static func overBatchRows<Job: BitwiseCopyable>(_ B: Int, work: Int, recurrent: RecurrentProduct, job: Job,
                                   _ body: @convention(c) (UnsafeRawPointer?, Int, Int) -> Void) throws(TensorError) {
        let minRows = work >= 1 << 22 && recurrent.packed != nil ? Swift.max(4, B / 16) : B
        Parallel.forRows(B, minRows: minRows, job: job, body)
        try Interrupt.check()
    }

    /// dW[n, k] = dGᵀ[n, R]·A[R, k] + beta·dW: a weight gradient over R rows at once.
    static func weightGradient(_ dG: UnsafePointer<Float>, rows: Int, outputs n: Int, _ a: UnsafePointer<Float>,
                               inputs k: Int, beta: Float = 0, into dW: UnsafeMutablePointer<Float>) {
        Gemm.run(transA: true, transB: false, m: n, n: k, k: rows, a: dG, lda: n, b: a, ldb: Swift.max(k, 1),
                 beta: beta, c: dW, ldc: Swift.max(k, 1))
    }

    /// dW_hh[n, P] = Σ_t dG[t]ᵀ·h_prev[t] without gathering the previous states: they
    /// are h0 for the first step in processing order and out shifted by one for the rest.
    static func recurrentWeightGradient(_ dG: UnsafePointer<Float>, steps T: Int, batch B: Int, outputs n: Int,
                                        h0: UnsafePointer<Float>, out: UnsafePointer<Float>, width P: Int, reverse: Bool,
                                        into dW: UnsafeMutablePointer<Float>) {
        if T == 0 { dW.initialize(repeating: 0, count: n * P); return }
        let first = reverse ? T - 1 : 0
        let rest = reverse ? dG : dG + B * n                    // the steps that follow another
        let shifted = reverse ? out + B * P : out               // the outputs they follow
        if T > 1 { weightGradient(rest, rows: (T - 1) * B, outputs: n, shifted, inputs: P, into: dW) }
        weightGradient(dG + first * B * n, rows: B, outputs: n, h0, inputs: P, beta: T > 1 ? 1 : 0, into: dW)
    }

    /// db[n] = Σ_rows dG[rows, n].
    static func biasGradient(_ dG: UnsafePointer<Float>, rows: Int, outputs n: Int, into db: UnsafeMutablePointer<Float>) {
        FloatKernels.columnSums(dG, rows: rows, columns: n, into: db)
    }

    /// dX[R, k] = dG[R, n]·W[n, k].
    static func inputGradient(_ dG: UnsafePointer<Float>, rows: Int, outputs n: Int, weight w: UnsafePointer<Float>,
                              inputs k: Int, into dx: UnsafeMutablePointer<Float>) {
        Gemm.run(transA: false, transB: false, m: rows, n: k, k: n, a: dG, lda: n, b: w, ldb: Swift.max(k, 1),
                 beta: 0, c: dx, ldc: Swift.max(k, 1))
    }

    /// What every recurrent layer's backward ends with, over all R = T·B rows at once:
    /// dGi is the gradient of x·W_ihᵀ + b_ih, dGh that of h·W_hhᵀ + b_hh (one block for
    /// LSTM and RNN, two for GRU); x is [T, B, I] (or [B, I], one step; dx takes its shape),
    /// h0 [B, P], out [T, B, P].
    struct LayerGradients {
        var dx: Tensor?, dWih: Tensor?, dWhh: Tensor?, dbih: Tensor?, dbhh: Tensor?
    }

    static func layerGradients(inputSide dGi: UnsafePointer<Float>, hiddenSide dGh: UnsafePointer<Float>, outputs n: Int,
                               x: Tensor, wih: Tensor, h0: Tensor, out: Tensor, reverse: Bool,
                               needX: Bool, needWih: Bool, needWhh: Bool, needBias: Bool) -> LayerGradients {
        let (T, B, I) = sequence(x)
        let P = h0.shape[h0.dim - 1]
        let rows = T * B
        var g = LayerGradients()
        if needX {
            let dx = Tensor(uninitializedShape: x.shape)
            inputGradient(dGi, rows: rows, outputs: n, weight: wih.data, inputs: I, into: dx.data)
            g.dx = dx
        }
        if needWih {
            let dW = Tensor(uninitializedShape: [n, I])
            weightGradient(dGi, rows: rows, outputs: n, x.data, inputs: I, into: dW.data)
            g.dWih = dW
        }
        if needWhh {
            let dW = Tensor(uninitializedShape: [n, P])
            recurrentWeightGradient(dGh, steps: T, batch: B, outputs: n, h0: h0.data, out: out.data, width: P,
                                    reverse: reverse, into: dW.data)
            g.dWhh = dW
        }
        if needBias {
            let dbi = Tensor(uninitializedShape: [n])
            biasGradient(dGi, rows: rows, outputs: n, into: dbi.data)
            g.dbih = dbi
            if dGi == dGh {
                g.dbhh = dbi.copied()
            } else {
                let dbh = Tensor(uninitializedShape: [n])
                biasGradient(dGh, rows: rows, outputs: n, into: dbh.data)
                g.dbhh = dbh
            }
        }
        return g
    }

    /// Makes `outputs` the results of one node `name` over `inputs`; `backward` gets the
    /// outputs' gradients and which inputs need theirs. Call only when some input does.
    static func record(_ name: String, inputs: [Tensor?], saving: [Tensor], outputs: [Tensor],
                       backward: @escaping (_ grads: [Tensor?], _ needs: [Bool]) -> [Tensor?]) {
        let needs = inputs.map { $0?.requiresGrad ?? false }
        let node = Node(name: name, inputs: inputs, outputCount: outputs.count, saving: saving) { grads in backward(grads, needs) }
        for (index, output) in outputs.enumerated() { output.attach(to: node, index: index) }
    }
}
