// Losses: MSELoss, L1Loss, HuberLoss and CrossEntropyLoss on probabilities (class
// indices: NLLLoss.swift), each with PyTorch's
// reduction "mean" | "sum" | "none". The pointwise losses are fused: one pass
// forward, one pass backward, d = input - target:
//   mse   ℓ = d²                           dℓ/dd = 2d
//   l1    ℓ = |d|                          dℓ/dd = sign(d)
//   huber ℓ = d²/2 if |d| < δ else δ(|d| - δ/2)   dℓ/dd = d if |d| < δ else δ·sign(d)

import Tensors

public enum Reduction: String, Sendable {
    case none, mean, sum
}

public enum Loss {
    public enum Kind: Sendable {
        case mse, l1, huber(delta: Float)

        var name: String {
            switch self {
            case .mse: return "MseLossBackward0"
            case .l1: return "L1LossBackward0"
            case .huber: return "HuberLossBackward0"
            }
        }

        @inline(__always)
        func value(_ d: Float) -> Float {
            switch self {
            case .mse: return d * d
            case .l1: return Swift.abs(d)
            case .huber(let delta):
                let a = Swift.abs(d)
                return a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta)
            }
        }

        @inline(__always)
        func derivative(_ d: Float) -> Float {
            switch self {
            case .mse: return 2 * d
            case .l1: return d > 0 ? 1 : (d < 0 ? -1 : 0)
            case .huber(let delta): return d < -delta ? -delta : (d > delta ? delta : d)
            }
        }
    }

    /// A pointwise loss between input and target; shapes must match or broadcast.
    public static func pointwise(_ kind: Kind, _ input: Tensor, _ target: Tensor, reduction: Reduction) throws(TensorError) -> Tensor {
        guard input.shape == target.shape && input.dtype == .float32 && target.dtype == .float32 else {
            // Rare (broadcast shapes, float64, integer targets): the ordinary operations handle it.
            guard Shape.broadcast(input.shape, target.shape) != nil else {
                throw TensorError("input shape \(Shape.describe(input.shape)) and target shape \(Shape.describe(target.shape)) do not broadcast")
            }
            let d = try input.sub(target)
            let l: Tensor
            switch kind {
            case .mse: l = d.pow(2)
            case .l1: l = d.abs()
            case .huber(let delta):
                let a = d.abs()
                let quadratic = a.clamp(min: nil, max: Double(delta))
                l = try quadratic.mul(quadratic).mul(0.5).add(try a.sub(quadratic).mul(Double(delta)))
            }
            return reduce(l, reduction)
        }
        let x = input.materialized(), y = target.materialized()
        let n = x.count
        let out: Tensor
        if reduction == .none {
            out = Tensor(uninitializedShape: x.shape)
            for i in 0..<n { out.data[i] = kind.value(x.data[i] - y.data[i]) }
        } else {
            var s: Double = 0
            for i in 0..<n { s += Double(kind.value(x.data[i] - y.data[i])) }
            if reduction == .mean { s /= Double(Swift.max(n, 1)) }
            out = Tensor(scalar: Float(reduction == .mean && n == 0 ? .nan : s))
        }
        if Tensor.needsGrad(input, target) {
            let (needX, needY) = (input.requiresGrad, target.requiresGrad)
            let scale: Float = reduction == .mean ? 1 / Float(Swift.max(n, 1)) : 1
            out.attach(to: Node(name: kind.name, inputs: [input, target], saving: [x, y]) { grads in
                let g = grads[0]!.materialized()
                let dx = Tensor(uninitializedShape: x.shape)
                if reduction == .none {
                    for i in 0..<n { dx.data[i] = kind.derivative(x.data[i] - y.data[i]) * g.data[i] }
                } else {
                    let s = g.data.pointee * scale
                    for i in 0..<n { dx.data[i] = kind.derivative(x.data[i] - y.data[i]) * s }
                }
                return [needX ? dx : nil, needY ? dx.neg() : nil]
            })
        }
        return out
    }

    /// Cross entropy of logits [N, C] (or [C], or [N, C, d…]) against class probabilities
    /// shaped as the input; `weight` [C] scales each class's term. Class-index targets
    /// take the fused path (Loss.crossEntropy(_:_:reduction:labelSmoothing:)).
    public static func crossEntropy(_ input: Tensor, probabilities: Tensor, weight: Tensor? = nil, reduction: Reduction,
                                    labelSmoothing: Double = 0) throws(TensorError) -> Tensor {
        guard input.dim >= 1 else { throw TensorError("cross_entropy expects input of at least 1 dimension") }
        let classDim = input.dim == 1 ? 0 : 1
        let c = input.shape[classDim]
        guard probabilities.shape == input.shape else {
            throw TensorError("probability targets must have the input's shape \(Shape.describe(input.shape)), got \(Shape.describe(probabilities.shape))")
        }
        let logp = Softmax.logSoftmax(input, dim: classDim)
        var soft = probabilities
        if labelSmoothing > 0 {
            soft = soft.mul(1 - labelSmoothing).add(labelSmoothing / Double(c))
        }
        if let weight {
            guard weight.dim == 1, weight.count == c else {
                throw TensorError("weight tensor should be defined either for all \(c) classes or no classes but got weight tensor of shape: \(Shape.describe(weight.shape))")
            }
            var view = Dims(repeating: 1, count: input.dim)
            view[classDim] = c
            soft = try soft.mul(weight.reshape(view))
        }
        // ℓ = -Σ_c target·log p, per sample
        let perSample = try logp.mul(soft).sum(dim: classDim).neg()
        return reduce(perSample, reduction)
    }

    static func reduce(_ t: Tensor, _ reduction: Reduction) -> Tensor {
        switch reduction {
        case .none: return t
        case .sum: return t.sum()
        case .mean: return t.mean()
        }
    }
}
