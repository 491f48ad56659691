// Optimizers over groups of parameters, as torch.optim: each group has its own
// options (lr, ...) under PyTorch's names, each parameter its own state
// (momentum buffers, moment estimates, step count). The update rules are
// PyTorch's single-tensor implementations, in their order of operations.

import Tensors

/// An option's value: a number, a flag, or a pair (Adam's betas).
public enum OptionValue: Equatable, Sendable {
    case number(Double)
    case flag(Bool)
    case pair(Double, Double)
}

public final class ParamGroup {
    public var params: [Tensor]
    public var options: [String: OptionValue]

    public init(params: [Tensor], options: [String: OptionValue]) {
        self.params = params
        self.options = options
    }

    public func number(_ key: String) -> Double {
        if case .number(let v)? = options[key] { return v }
        return 0
    }

    public func flag(_ key: String) -> Bool {
        if case .flag(let v)? = options[key] { return v }
        return false
    }

    public func pair(_ key: String) -> (Double, Double) {
        if case .pair(let a, let b)? = options[key] { return (a, b) }
        return (0, 0)
    }

    public var lr: Double {
        get { number("lr") }
        set { options["lr"] = .number(newValue) }
    }
}

/// A parameter's optimizer state: named tensors and a step count.
public final class ParamState {
    public var step: Double = 0
    public var buffers: [String: Tensor] = [:]
    public init() {}
}

/// The kinds of optimizer, each with its options and their defaults (PyTorch's).
public enum OptimizerKind: String, CaseIterable, Sendable {
    case sgd = "SGD", adam = "Adam", adamw = "AdamW", rmsprop = "RMSprop", adagrad = "Adagrad"

    public var defaults: [(String, OptionValue)] {
        switch self {
        case .sgd:
            return [("lr", .number(1e-3)), ("momentum", .number(0)), ("dampening", .number(0)),
                    ("weight_decay", .number(0)), ("nesterov", .flag(false)), ("maximize", .flag(false))]
        case .adam:
            return [("lr", .number(1e-3)), ("betas", .pair(0.9, 0.999)), ("eps", .number(1e-8)),
                    ("weight_decay", .number(0)), ("amsgrad", .flag(false)), ("maximize", .flag(false))]
        case .adamw:
            return [("lr", .number(1e-3)), ("betas", .pair(0.9, 0.999)), ("eps", .number(1e-8)),
                    ("weight_decay", .number(1e-2)), ("amsgrad", .flag(false)), ("maximize", .flag(false))]
        case .rmsprop:
            return [("lr", .number(1e-2)), ("alpha", .number(0.99)), ("eps", .number(1e-8)), ("weight_decay", .number(0)),
                    ("momentum", .number(0)), ("centered", .flag(false)), ("maximize", .flag(false))]
        case .adagrad:
            return [("lr", .number(1e-2)), ("lr_decay", .number(0)), ("weight_decay", .number(0)),
                    ("initial_accumulator_value", .number(0)), ("eps", .number(1e-10)), ("maximize", .flag(false))]
        }
    }

    /// Checks option values as PyTorch's constructors do.
    public func validate(_ o: [String: OptionValue]) throws(TensorError) {
        func number(_ k: String) -> Double { if case .number(let v)? = o[k] { return v }; return 0 }
        guard number("lr") >= 0 else { throw TensorError("invalid learning rate: \(number("lr"))") }
        if o["eps"] != nil, number("eps") < 0 { throw TensorError("invalid epsilon value: \(number("eps"))") }
        if o["weight_decay"] != nil, number("weight_decay") < 0 { throw TensorError("invalid weight_decay value: \(number("weight_decay"))") }
        if o["momentum"] != nil, number("momentum") < 0 { throw TensorError("invalid momentum value: \(number("momentum"))") }
        if case .pair(let b1, let b2)? = o["betas"] {
            guard b1 >= 0 && b1 < 1 else { throw TensorError("invalid beta parameter at index 1: \(b1)") }
            guard b2 >= 0 && b2 < 1 else { throw TensorError("invalid beta parameter at index 2: \(b2)") }
        }
        if o["alpha"] != nil, number("alpha") < 0 { throw TensorError("invalid alpha value: \(number("alpha"))") }
        if self == .sgd, case .flag(true)? = o["nesterov"], number("momentum") <= 0 || number("dampening") != 0 {
            throw TensorError("nesterov momentum requires a momentum and zero dampening")
        }
    }
}

public final class Optimizer {
    public let kind: OptimizerKind
    public private(set) var groups: [ParamGroup] = []
    /// State per parameter, by identity.
    public private(set) var state: [ObjectIdentifier: ParamState] = [:]

    public init(kind: OptimizerKind) {
        self.kind = kind
    }

    /// Adds a group; missing options take the defaults. A parameter may be in one group only.
    public func addGroup(_ params: [Tensor], options given: [String: OptionValue]) throws(TensorError) {
        var options: [String: OptionValue] = [:]
        for (k, v) in kind.defaults { options[k] = given[k] ?? v }
        try kind.validate(options)
        let existing = Set(groups.flatMap { $0.params.map(ObjectIdentifier.init) })
        for p in params {
            guard p.isLeaf else { throw TensorError("can't optimize a non-leaf Tensor") }
            guard !existing.contains(ObjectIdentifier(p)) else {
                throw TensorError("some parameters appear in more than one parameter group")
            }
        }
        groups.append(ParamGroup(params: params, options: options))
    }

    /// Clears every parameter's gradient (set to nil, PyTorch's default), or zeroes it in place.
    public func zeroGrad(setToNone: Bool = true) {
        for g in groups {
            for p in g.params {
                if setToNone {
                    p.grad = nil
                } else if let grad = p.grad {
                    grad.zeroValues()
                }
            }
        }
    }

    public func state(for p: Tensor) -> ParamState {
        if let s = state[ObjectIdentifier(p)] { return s }
        let s = ParamState()
        state[ObjectIdentifier(p)] = s
        return s
    }

    /// Replaces the state of parameter `p` (loading a state dict).
    public func setState(_ s: ParamState, for p: Tensor) {
        state[ObjectIdentifier(p)] = s
    }

    /// One update of every parameter that has a gradient.
    public func step() throws(TensorError) {
        for group in groups {
            for p in group.params {
                guard let grad = p.grad else { continue }
                guard grad.shape == p.shape else {
                    throw TensorError("gradient of shape \(Shape.describe(grad.shape)) for a parameter of shape \(Shape.describe(p.shape))")
                }
                try Interrupt.check()
                try Update.apply(kind, group: group, param: p, grad: grad.materialized(), state: state(for: p))
            }
        }
    }
}
