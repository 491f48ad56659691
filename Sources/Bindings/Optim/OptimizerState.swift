// opt:state_dict() and opt:load_state_dict(sd), in PyTorch's layout with Lua's
// 1-based parameter numbers:
//   {state = {[1] = {step = 5, exp_avg = Tensor, ...}, ...},
//    param_groups = {{lr = 0.01, betas = {0.9, 0.999}, ..., params = {1, 2, 3}}, ...}}

import LuaBridge
import NeuralNets
import Tensors

extension OptimBindings {
    static let stateDict = LuaFunction("state_dict", "opt:state_dict() -> table",
                                       "The optimizer's state and options, as PyTorch lays them out (parameters numbered from 1).") { lua in
        let opt = try optimizerType.check(lua, 1)
        lua.newTable(fields: 2)
        lua.newTable()
        var number = 0
        for g in opt.groups {
            for p in g.params {
                number += 1
                guard let s = opt.state[ObjectIdentifier(p)] else { continue }
                lua.newTable(fields: s.buffers.count + 1)
                lua.push(s.step)
                lua.rawSet(-2, "step")
                for (name, t) in s.buffers {
                    lua.push(t.copied())
                    lua.rawSet(-2, name)
                }
                lua.rawSet(-2, number)
            }
        }
        lua.rawSet(-2, "state")
        var first = 1
        lua.pushArray(opt.groups) { lua, g in
            lua.newTable(fields: g.options.count + 1)
            for (k, v) in g.options {
                push(v, lua)
                lua.rawSet(-2, k)
            }
            lua.pushArray(first..<(first + g.params.count)) { $0.push($1) }
            lua.rawSet(-2, "params")
            first += g.params.count
        }
        lua.rawSet(-2, "param_groups")
        return 1
    }

    static let loadStateDict = LuaFunction("load_state_dict", "opt:load_state_dict(state_dict)",
                                           "Restores state and options saved by state_dict (the groups must match).") { lua in
        let opt = try optimizerType.check(lua, 1)
        try lua.checkTable(2)
        guard lua.rawGet(2, "param_groups") == .table else { throw LuaError.argument(2, "state_dict has no param_groups table") }
        let groups = lua.top
        guard lua.length(groups) == opt.groups.count else {
            throw LuaError.argument(2, "loaded state dict has \(lua.length(groups)) parameter groups, the optimizer has \(opt.groups.count)")
        }
        // Check everything before changing anything.
        var newOptions: [[String: OptionValue]] = []
        for (k, g) in opt.groups.enumerated() {
            lua.rawGet(groups, k + 1)
            defer { lua.pop() }
            guard lua.kind(-1) == .table else { throw LuaError.argument(2, "param_groups[\(k + 1)] is not a table") }
            lua.rawGet(lua.top, "params")
            let count = lua.kind(-1) == .table ? lua.length(-1) : -1
            lua.pop()
            guard count == g.params.count else {
                throw LuaError.argument(2, "parameter group \(k + 1) has \(count) parameters in the state dict, \(g.params.count) in the optimizer")
            }
            var o = g.options
            for (name, v) in try options(lua, lua.top, kind: opt.kind, extra: ["params", "initial_lr"]) { o[name] = v }
            try lua.blame(2) { () throws(TensorError) in try opt.kind.validate(o) }
            newOptions.append(o)
        }
        lua.pop()
        var states: [(Tensor, ParamState)] = []
        if lua.rawGet(2, "state") == .table {
            let table = lua.top
            var number = 0
            for g in opt.groups {
                for p in g.params {
                    number += 1
                    guard lua.rawGet(table, number) == .table else { lua.pop(); continue }
                    let entry = lua.top
                    let s = ParamState()
                    lua.rawGet(entry, "step")
                    if lua.kind(-1) == .number { s.step = try lua.number(-1) }
                    lua.pop()
                    for name in ["momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "square_avg", "grad_avg", "sum"] {
                        lua.rawGet(entry, name)
                        defer { lua.pop() }
                        guard let t = TensorClass.shared.test(lua, -1) else { continue }
                        guard t.count == p.count else {
                            throw LuaError.argument(2, "state of parameter \(number): '\(name)' has \(t.count) elements, the parameter \(p.count)")
                        }
                        s.buffers[name] = t.materialized().copied().viewAsFlat()
                    }
                    lua.pop()
                    states.append((p, s))
                }
            }
        }
        lua.pop()
        for (g, o) in zip(opt.groups, newOptions) { g.options = o }
        for (p, s) in states { opt.setState(s, for: p) }
        return 0
    }
}

extension Tensor {
    /// The same values as a flat vector (state buffers are kept flat).
    func viewAsFlat() -> Tensor { try! reshape([count]) }
}
