// nn.functional: the layers and losses as functions of tensors, native.

import LuaBridge
import NeuralNets
import Tensors

enum FunctionalBindings {
    static let functions: [LuaFunction] = [
        linear, dropout, embedding, softmax, logSoftmax, mseLoss, l1Loss, huberLoss, crossEntropy, nllLoss,
    ]

    static let linear = LuaFunction("linear", "nn.functional.linear(input, weight [, bias]) -> Tensor",
                                    "input·weightᵀ + bias, over the last dimension of input.") { lua in
        let x = try lua.tensor(1), w = try lua.tensor(2), b = try lua.optionalTensor(3)
        lua.push(try lua.blame(1) { () throws(TensorError) in try Linear.apply(x, weight: w, bias: b) })
        return 1
    }

    static let dropout = LuaFunction("dropout", "nn.functional.dropout(input [, p=0.5 [, training=true]]) -> Tensor",
                                     "Zeroes elements with probability p and scales the rest by 1/(1-p) when training.") { lua in
        let x = try lua.tensor(1)
        let p = try lua.optionalNumber(2) ?? 0.5
        guard p >= 0 && p <= 1 else { throw LuaError.argument(2, "dropout probability has to be between 0 and 1, but got \(p)") }
        let training = try lua.optionalBoolean(3) ?? true
        lua.push(training ? Dropout.apply(x, p: Float(p)) : x)
        return 1
    }

    /// An index tensor (int64, int32, uint8, or a float tensor of whole numbers) → 0-based
    /// indices, unchecked: the layer or loss checks their range (and its ignore_index).
    static func indices(_ lua: Lua, _ i: Int32, _ t: Tensor, what: String) throws(LuaError) -> [Int] {
        let values = try TensorIndexing.integers(t, argument: i, what: what, wholeNumbers: "integers")
        // -2^63 as a float has no 0-based counterpart
        if t.dtype.isFloatingPoint, let k = values.first(where: { $0 == Int.min }) {
            throw LuaError.argument(i, "\(what) must be integers, got \(Double(k))")
        }
        return values.map { $0 &- 1 }
    }

    static let embedding = LuaFunction("embedding", "nn.functional.embedding(indices, weight [, padding_idx]) -> Tensor",
                                       "The rows of weight at the 1-based indices (a tensor of integers).") { lua in
        let idx = try lua.tensor(1), w = try lua.tensor(2)
        guard idx.dim < Dims.maxRank else { throw LuaError.argument(1, "indices have \(idx.dim) dimensions; the result would exceed \(Dims.maxRank)") }
        var padding: Int?
        if let k = try lua.optionalInteger(3), w.dim > 0 {
            // 1-based, negative from the end, as PyTorch's padding_idx is 0-based and negative from the end
            guard let z = zeroBasedDimension(k, rank: w.shape[0]), w.shape[0] > 0 else {
                throw LuaError.argument(3, "padding_idx must be within num_embeddings (1 to \(w.shape[0]), or -\(w.shape[0]) to -1), got \(k)")
            }
            padding = z
        }
        let list = try indices(lua, 1, idx, what: "indices")
        lua.push(try lua.blame(1) { () throws(TensorError) in
            try Embedding.apply(indices: list, shape: idx.shape, weight: w, paddingIndex: padding)
        })
        return 1
    }

    private static func softmaxLike(_ name: String, _ doc: String, module: String = "nn.functional",
                                    _ f: @escaping (Tensor, Int) -> Tensor) -> LuaFunction {
        LuaFunction(name, "\(module).\(name)(input, dim) -> Tensor", doc) { lua in
            let x = try lua.tensor(1)
            lua.push(f(x, x.dim == 0 ? 0 : try lua.dimension(2, rank: x.dim)))
            return 1
        }
    }

    static let softmax = softmaxLike("softmax", "e^x normalised to sum 1 along dim.") { Softmax.softmax($0, dim: $1) }
    static let logSoftmax = softmaxLike("log_softmax", "log(softmax(x)) along dim, computed stably.") { Softmax.logSoftmax($0, dim: $1) }

    /// softmax and log_softmax as torch.f(t, dim) and t:f(dim), PyTorch's other spellings.
    static let tensorFunctions: [LuaFunction] = [
        softmaxLike("softmax", "e^x normalised to sum 1 along dim.", module: "torch") { Softmax.softmax($0, dim: $1) },
        softmaxLike("log_softmax", "log(softmax(x)) along dim, computed stably.", module: "torch") { Softmax.logSoftmax($0, dim: $1) },
    ]

    static func reduction(_ lua: Lua, _ i: Int32) throws(LuaError) -> Reduction {
        guard let s = try lua.optionalString(i) else { return .mean }
        guard let r = Reduction(rawValue: s) else { throw LuaError.argument(i, "'\(s)' is not a valid value for reduction (mean, sum or none)") }
        return r
    }

    private static func pointwiseLoss(_ name: String, _ doc: String, _ kind: @escaping (Lua) throws(LuaError) -> Loss.Kind) -> LuaFunction {
        LuaFunction(name, "nn.functional.\(name)(input, target [, reduction='mean'\(name == "huber_loss" ? " [, delta=1]" : "")]) -> Tensor", doc) { lua in
            let x = try lua.tensor(1), y = try lua.tensor(2)
            let r = try reduction(lua, 3)
            let k = try kind(lua)
            lua.push(try lua.blame(2) { () throws(TensorError) in try Loss.pointwise(k, x, y, reduction: r) })
            return 1
        }
    }

    static let mseLoss = pointwiseLoss("mse_loss", "The mean (or sum) of squared differences.") { _ throws(LuaError) in .mse }
    static let l1Loss = pointwiseLoss("l1_loss", "The mean (or sum) of absolute differences.") { _ throws(LuaError) in .l1 }
    static let huberLoss = pointwiseLoss("huber_loss", "Squared differences below delta, absolute ones above.") { lua throws(LuaError) in
        let delta = try lua.optionalNumber(4) ?? 1
        guard delta > 0 else { throw LuaError.argument(4, "delta must be positive, got \(delta)") }
        return .huber(delta: Float(delta))
    }

    /// reduction, label_smoothing, weight and ignore_index: positional (reduction [, label_smoothing])
    /// from i, or one options table at i.
    private static func classLossOptions(_ lua: Lua, _ i: Int32, smoothing allowed: Bool) throws(LuaError)
        -> (reduction: Reduction, smoothing: Double, weight: Tensor?, ignoreIndex: Int?) {
        guard lua.kind(i) == .table && TensorClass.shared.test(lua, i) == nil else {
            let r = try reduction(lua, i)
            let s = allowed ? try lua.optionalNumber(i + 1) ?? 0 : 0
            guard s >= 0 && s <= 1 else { throw LuaError.argument(i + 1, "label_smoothing must be between 0 and 1, got \(s)") }
            return (r, s, nil, nil)
        }
        let names: Set<String> = allowed ? ["reduction", "label_smoothing", "weight", "ignore_index"] : ["reduction", "weight", "ignore_index"]
        let o = try lua.options(i, names)
        var r = Reduction.mean
        if let s = try o?.string("reduction") {
            guard let v = Reduction(rawValue: s) else { throw LuaError.argument(i, "'\(s)' is not a valid value for reduction (mean, sum or none)") }
            r = v
        }
        let s = try o?.number("label_smoothing") ?? 0
        guard s >= 0 && s <= 1 else { throw LuaError.argument(i, "label_smoothing must be between 0 and 1, got \(s)") }
        return (r, s, try o?.tensor("weight"), try o?.integer("ignore_index"))
    }

    static let crossEntropy = LuaFunction("cross_entropy",
                                          "nn.functional.cross_entropy(input, target [, reduction='mean' [, label_smoothing=0]]) or (input, target, {weight=, ignore_index=-100, reduction='mean', label_smoothing=0}) -> Tensor",
                                          "Cross entropy of logits [N, C] against 1-based class indices [N] or class probabilities [N, C]; log-softmax and NLL fused.") { lua in
        let x = try lua.tensor(1), y = try lua.tensor(2)
        let o = try classLossOptions(lua, 3, smoothing: true)
        if y.shape == x.shape && x.dim > 0 {
            guard o.ignoreIndex == nil else { throw LuaError.argument(3, "ignore_index is not supported for probability targets") }
            lua.push(try lua.blame(2) { () throws(TensorError) in
                try Loss.crossEntropy(x, probabilities: y, weight: o.weight, reduction: o.reduction, labelSmoothing: o.smoothing)
            })
            return 1
        }
        let targets = Loss.ClassTargets(classes: try indices(lua, 2, y, what: "class indices"), shape: y.shape, weight: o.weight,
                                        ignoreIndex: (o.ignoreIndex ?? -100) &- 1)
        lua.push(try lua.blame(2) { () throws(TensorError) in
            try Loss.crossEntropy(x, targets, reduction: o.reduction, labelSmoothing: o.smoothing)
        })
        return 1
    }

    static let nllLoss = LuaFunction("nll_loss",
                                     "nn.functional.nll_loss(input, target [, reduction='mean']) or (input, target, {weight=, ignore_index=-100, reduction='mean'}) -> Tensor",
                                     "The negative log-likelihood of 1-based class indices [N] under log-probabilities [N, C] (e.g. log_softmax's).") { lua in
        let x = try lua.tensor(1), y = try lua.tensor(2)
        let o = try classLossOptions(lua, 3, smoothing: false)
        let targets = Loss.ClassTargets(classes: try indices(lua, 2, y, what: "class indices"), shape: y.shape, weight: o.weight,
                                        ignoreIndex: (o.ignoreIndex ?? -100) &- 1)
        lua.push(try lua.blame(2) { () throws(TensorError) in try Loss.nll(x, targets, reduction: o.reduction) })
        return 1
    }
}

enum UtilsBindings {
    static let functions: [LuaFunction] = [clipGradNorm, clipGradValue]

    static let clipGradValue = LuaFunction("clip_grad_value_", "nn.utils.clip_grad_value_(parameters, clip_value)",
                                           "Clamps every gradient to [-clip_value, clip_value], in place.") { lua in
        let params = try OptimBindings.tensorList(lua, 1)
        let v = try lua.number(2)
        guard v >= 0, v.isFinite || v == .infinity else { throw LuaError.argument(2, "clip_value must be a non-negative number, got \(v)") }
        let bound = v
        try GradMode.with(enabled: false) { () throws(LuaError) in
            for p in params {
                guard let g = p.grad else { continue }
                try lua.blame(1) { () throws(TensorError) in try g.copy_(g.clamp(min: -bound, max: bound)) }
            }
        }
        return 0
    }

    static let clipGradNorm = LuaFunction("clip_grad_norm_", "nn.utils.clip_grad_norm_(parameters, max_norm [, norm_type=2]) -> number",
                                          "Scales the gradients so their joint norm is at most max_norm; returns the norm before.") { lua in
        let params = try OptimBindings.tensorList(lua, 1)
        let maxNorm = try lua.number(2)
        let normType = try lua.optionalNumber(3) ?? 2
        lua.push(try lua.blame(3) { () throws(TensorError) in
            try GradientClipping.clipNorm(params, maxNorm: maxNorm, normType: normType)
        })
        return 1
    }
}
