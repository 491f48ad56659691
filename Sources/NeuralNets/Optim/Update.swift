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
        switch p.dtype {
        case .float32: try apply(kind, group, p, grad, state, Float.self)
        case .float64: try apply(kind, group, p, grad, state, Double.self)
        default: throw TensorError("optimizers update floating point parameters, got a \(p.dtype) tensor")
        }
    }

    private static func apply<T: TensorFloat>(_ kind: OptimizerKind, _ group: ParamGroup, _ p: Tensor, _ grad: Tensor,
                                              _ state: ParamState, _: T.Type) throws(TensorError) {
        let target = p.isContiguous ? p : p.copied()
        let n = p.count
        let x = target.elements(T.self)
        // The gradient as the rule sees it: negated to maximize, plus weight decay (not AdamW's).
        let g = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1))
        defer { g.deallocate() }
        let sign: T = group.flag("maximize") ? -1 : 1
        let decay = kind == .adamw ? 0 : T(group.number("weight_decay"))
        let gradient = grad.converted(to: T.dtype).materialized().elements(T.self)
        for i in 0..<n { g[i] = sign * gradient[i] }
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

    private static func buffer<T: TensorFloat>(_ state: ParamState, _ name: String, _ n: Int, _ initial: T = 0) -> UnsafeMutablePointer<T> {
        if let b = state.buffers[name], b.dtype == T.dtype { return b.elements(T.self) }
        let t = Tensor(filling: Double(initial), shape: [n], dtype: T.dtype)
        state.buffers[name] = t
        return t.elements(T.self)
    }

    private static func sgd<T: TensorFloat>(_ o: ParamGroup, _ x: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ n: Int,
                            _ state: ParamState) {
        let lr = T(o.lr), momentum = T(o.number("momentum")), dampening = T(o.number("dampening"))
        if momentum != 0 {
            if state.buffers["momentum_buffer"] == nil {
                let b: UnsafeMutablePointer<T> = buffer(state, "momentum_buffer", n)
                b.update(from: g, count: n)
            } else {
                let b: UnsafeMutablePointer<T> = buffer(state, "momentum_buffer", n)
                for i in 0..<n { b[i] = b[i] * momentum + (1 - dampening) * g[i] }
            }
            let b: UnsafeMutablePointer<T> = buffer(state, "momentum_buffer", n)
            if o.flag("nesterov") {
                for i in 0..<n { g[i] += momentum * b[i] }
            } else {
                g.update(from: b, count: n)
            }
        }
        for i in 0..<n { x[i] += -lr * g[i] }
        state.step += 1
    }

    private static func adam<T: TensorFloat>(_ kind: OptimizerKind, _ o: ParamGroup, _ x: UnsafeMutablePointer<T>,
                             _ g: UnsafeMutablePointer<T>, _ n: Int, _ state: ParamState) {
        let lr = o.lr, (beta1, beta2) = o.pair("betas"), eps = T(o.number("eps"))
        if kind == .adamw {
            let keep = T(1 - lr * o.number("weight_decay"))
            for i in 0..<n { x[i] *= keep }
        }
        let m: UnsafeMutablePointer<T> = buffer(state, "exp_avg", n), v: UnsafeMutablePointer<T> = buffer(state, "exp_avg_sq", n)
        state.step += 1
        let step = state.step
        // exp_avg.lerp_(grad, 1 - beta1): weight < 0.5, so m + w·(g - m), fused as the vectorised kernel does
        let w = T(1 - beta1), b2 = T(beta2), oneMinusB2 = T(1 - beta2)
        moments(m, v, g, n, w, b2, oneMinusB2)
        let bias1 = 1 - pythonPow(beta1, step), bias2 = 1 - pythonPow(beta2, step)
        let stepSize = T(lr / bias1)
        let bias2Sqrt = T(bias2.squareRoot())
        var denomSource = v
        if o.flag("amsgrad") {
            let vmax: UnsafeMutablePointer<T> = buffer(state, "max_exp_avg_sq", n)
            for i in 0..<n { vmax[i] = max(vmax[i], v[i]) }
            denomSource = vmax
        }
        adamStep(x, m, denomSource, n, stepSize, bias2Sqrt, eps)
    }

    // m = m + w·(g - m) (one rounding, as PyTorch's fused lerp);  v = b2·v + (1-b2)·g²
    @inline(__always)
    private static func moments<T: TensorFloat>(_ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
                                                _ n: Int, _ w: T, _ b2: T, _ oneMinusB2: T) {
        if T.self == Float.self {
            lk_adam_moments(UnsafeMutableRawPointer(m).assumingMemoryBound(to: Float.self),
                            UnsafeMutableRawPointer(v).assumingMemoryBound(to: Float.self),
                            UnsafeMutableRawPointer(g).assumingMemoryBound(to: Float.self), n, Float(w), Float(b2), Float(oneMinusB2))
            return
        }
        for i in 0..<n {
            m[i] = m[i].addingProduct(w, g[i] - m[i])
            v[i] = v[i] * b2 + oneMinusB2 * g[i] * g[i]
        }
    }

    // x -= step_size·m / (sqrt(v)/bias2_sqrt + eps)
    @inline(__always)
    private static func adamStep<T: TensorFloat>(_ x: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
                                                 _ n: Int, _ stepSize: T, _ bias2Sqrt: T, _ eps: T) {
        if T.self == Float.self {
            lk_adam_update(UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self),
                           UnsafeMutableRawPointer(m).assumingMemoryBound(to: Float.self),
                           UnsafeMutableRawPointer(v).assumingMemoryBound(to: Float.self), n, Float(stepSize), Float(bias2Sqrt), Float(eps))
            return
        }
        for i in 0..<n {
            let denom = v[i].squareRoot() / bias2Sqrt + eps
            x[i] += -stepSize * (m[i] / denom)
        }
    }

    private static func rmsprop<T: TensorFloat>(_ o: ParamGroup, _ x: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
                                _ n: Int, _ state: ParamState) {
        let lr = T(o.lr), alpha = T(o.number("alpha")), eps = T(o.number("eps"))
        let momentum = T(o.number("momentum"))
        state.step += 1
        let v: UnsafeMutablePointer<T> = buffer(state, "square_avg", n)
        for i in 0..<n { v[i] = v[i] * alpha + (1 - alpha) * g[i] * g[i] }
        let avg = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1))
        defer { avg.deallocate() }
        if o.flag("centered") {
            let ga: UnsafeMutablePointer<T> = buffer(state, "grad_avg", n)
            let w = 1 - alpha
            for i in 0..<n {
                ga[i] = w < 0.5 ? ga[i] + w * (g[i] - ga[i]) : g[i] - (g[i] - ga[i]) * (1 - w)
                avg[i] = (v[i] - ga[i] * ga[i]).squareRoot() + eps
            }
        } else {
            for i in 0..<n { avg[i] = v[i].squareRoot() + eps }
        }
        if momentum > 0 {
            let b: UnsafeMutablePointer<T> = buffer(state, "momentum_buffer", n)
            for i in 0..<n {
                b[i] = b[i] * momentum + g[i] / avg[i]
                x[i] += -lr * b[i]
            }
        } else {
            for i in 0..<n { x[i] += -lr * (g[i] / avg[i]) }
        }
    }

    private static func adagrad<T: TensorFloat>(_ o: ParamGroup, _ x: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
                                _ n: Int, _ state: ParamState) {
        let s: UnsafeMutablePointer<T> = buffer(state, "sum", n, T(o.number("initial_accumulator_value")))
        state.step += 1
        let clr = T(o.lr / (1 + (state.step - 1) * o.number("lr_decay")))
        let eps = T(o.number("eps"))
        for i in 0..<n {
            s[i] += g[i] * g[i]
            x[i] += -clr * (g[i] / (s[i].squareRoot() + eps))
        }
    }
}

/// Python's float ** float, which is libm's pow.
@inline(__always)
private func pythonPow(_ a: Double, _ b: Double) -> Double { Glibc.pow(a, b) }
