// The update rules, one function each, written as PyTorch's _single_tensor_*
// functions (torch/optim/*.py) so that the numbers match: Python floats are
// doubles until they meet a tensor, where they become float.
//   SGD      b = μb + (1-τ)g;  g = nesterov ? g + μb : b;  p -= lr·g
//   Adam     m = lerp(m, g, 1-β1);  v = β2v + (1-β2)g²;  p -= lr/(1-β1ᵗ) · m/(√v/√(1-β2ᵗ) + ε)
//   AdamW    p *= 1 - lr·λ, then Adam without weight decay
//   RMSprop  v = αv + (1-α)g²;  p -= lr·g/(√v + ε)  (centered, momentum variants)
//   Adagrad  s += g²;  p -= lr/(1 + (t-1)·decay) · g/(√s + ε)

import CKernels
import Tensors

#if canImport(Glibc)
import Glibc
#endif

enum Update {
    static func apply(_ kind: OptimizerKind, group: ParamGroup, param p: Tensor, grad: Tensor,
                      state: ParamState) throws(TensorError) {
        let target = p.isContiguous ? p : p.copied()
        let n = p.count
        let x = target.data
        // The gradient as the rule sees it: negated to maximize, plus weight decay (not AdamW's).
        let g = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
        defer { g.deallocate() }
        let sign: Float = group.flag("maximize") ? -1 : 1
        let decay = kind == .adamw ? 0 : Float(group.number("weight_decay"))
        for i in 0..<n { g[i] = sign * grad.data[i] }
        if decay != 0 { for i in 0..<n { g[i] += decay * x[i] } }

        switch kind {
        case .sgd: sgd(group, x, g, n, state)
        case .adam, .adamw: adam(kind, group, x, g, n, state)
        case .rmsprop: rmsprop(group, x, g, n, state)
        case .adagrad: adagrad(group, x, g, n, state)
        }
        if target !== p {
            try GradMode.with(enabled: false) { () throws(TensorError) in try p.copy_(target) }
        } else {
            p.storage.bumpVersion()
        }
    }

    private static func buffer(_ state: ParamState, _ name: String, _ n: Int, _ initial: Float = 0) -> UnsafeMutablePointer<Float> {
        if let b = state.buffers[name] { return b.data }
        let t = Tensor(repeating: initial, shape: [n])
        state.buffers[name] = t
        return t.data
    }

    private static func sgd(_ o: ParamGroup, _ x: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int,
                            _ state: ParamState) {
        let lr = Float(o.lr), momentum = Float(o.number("momentum")), dampening = Float(o.number("dampening"))
        if momentum != 0 {
            if state.buffers["momentum_buffer"] == nil {
                let b = buffer(state, "momentum_buffer", n)
                b.update(from: g, count: n)
            } else {
                let b = buffer(state, "momentum_buffer", n)
                for i in 0..<n { b[i] = b[i] * momentum + (1 - dampening) * g[i] }
            }
            let b = buffer(state, "momentum_buffer", n)
            if o.flag("nesterov") {
                for i in 0..<n { g[i] += momentum * b[i] }
            } else {
                g.update(from: b, count: n)
            }
        }
        for i in 0..<n { x[i] += -lr * g[i] }
        state.step += 1
    }

    private static func adam(_ kind: OptimizerKind, _ o: ParamGroup, _ x: UnsafeMutablePointer<Float>,
                             _ g: UnsafeMutablePointer<Float>, _ n: Int, _ state: ParamState) {
        let lr = o.lr, (beta1, beta2) = o.pair("betas"), eps = Float(o.number("eps"))
        if kind == .adamw {
            let keep = Float(1 - lr * o.number("weight_decay"))
            for i in 0..<n { x[i] *= keep }
        }
        let m = buffer(state, "exp_avg", n), v = buffer(state, "exp_avg_sq", n)
        state.step += 1
        let step = state.step
        // exp_avg.lerp_(grad, 1 - beta1): weight < 0.5, so m + w·(g - m), fused as the vectorised kernel does
        let w = Float(1 - beta1), b2 = Float(beta2), oneMinusB2 = Float(1 - beta2)
        lk_adam_moments(m, v, g, n, w, b2, oneMinusB2)
        let bias1 = 1 - pythonPow(beta1, step), bias2 = 1 - pythonPow(beta2, step)
        let stepSize = Float(lr / bias1)
        let bias2Sqrt = Float(bias2.squareRoot())
        var denomSource = v
        if o.flag("amsgrad") {
            let vmax = buffer(state, "max_exp_avg_sq", n)
            for i in 0..<n { vmax[i] = max(vmax[i], v[i]) }
            denomSource = vmax
        }
        lk_adam_update(x, m, denomSource, n, stepSize, bias2Sqrt, eps)
    }

    private static func rmsprop(_ o: ParamGroup, _ x: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                                _ n: Int, _ state: ParamState) {
        let lr = Float(o.lr), alpha = Float(o.number("alpha")), eps = Float(o.number("eps"))
        let momentum = Float(o.number("momentum"))
        state.step += 1
        let v = buffer(state, "square_avg", n)
        for i in 0..<n { v[i] = v[i] * alpha + (1 - alpha) * g[i] * g[i] }
        let avg = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
        defer { avg.deallocate() }
        if o.flag("centered") {
            let ga = buffer(state, "grad_avg", n)
            let w = 1 - alpha
            for i in 0..<n {
                ga[i] = w < 0.5 ? ga[i] + w * (g[i] - ga[i]) : g[i] - (g[i] - ga[i]) * (1 - w)
                avg[i] = (v[i] - ga[i] * ga[i]).squareRoot() + eps
            }
        } else {
            for i in 0..<n { avg[i] = v[i].squareRoot() + eps }
        }
        if momentum > 0 {
            let b = buffer(state, "momentum_buffer", n)
            for i in 0..<n {
                b[i] = b[i] * momentum + g[i] / avg[i]
                x[i] += -lr * b[i]
            }
        } else {
            for i in 0..<n { x[i] += -lr * (g[i] / avg[i]) }
        }
    }

    private static func adagrad(_ o: ParamGroup, _ x: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                                _ n: Int, _ state: ParamState) {
        let s = buffer(state, "sum", n, Float(o.number("initial_accumulator_value")))
        state.step += 1
        let clr = Float(o.lr / (1 + (state.step - 1) * o.number("lr_decay")))
        let eps = Float(o.number("eps"))
        for i in 0..<n {
            s[i] += g[i] * g[i]
            x[i] += -clr * (g[i] / (s[i].squareRoot() + eps))
        }
    }
}

/// Python's float ** float, which is libm's pow.
@inline(__always)
private func pythonPow(_ a: Double, _ b: Double) -> Double { Glibc.pow(a, b) }
