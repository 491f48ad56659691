// The optim module: optimizers and learning-rate schedulers with PyTorch's
// names, defaults and update rules, over the native implementations.
//   local opt = optim.Adam(model:parameters(), {lr = 0.01, betas = {0.9, 0.999}})
//   opt:zero_grad(); loss:backward(); opt:step()

import LuaBridge
import NeuralNets
import Tensors

enum OptimBindings {
    static let optimizerType = UserdataClass<Optimizer>(name: "optim.Optimizer")
    static let groupType = UserdataClass<ParamGroup>(name: "optim.ParamGroup")

    static let constructors: [LuaFunction] = OptimizerKind.allCases.map(constructor)

    static let methods: [LuaFunction] = [step, zeroGrad, stateDict, loadStateDict, addParamGroup]

    static func register(in state: LuaState) {
        let lua = state.lua
        for f in methods { state.document("Optimizer:\(f.name)", f) }
        state.document("Optimizer.param_groups", paramGroups)
        optimizerType.register(lua, methods: methods, getters: [("param_groups", paramGroups)],
                               metamethods: [("__tostring", describe)])
        lua.pop()
        groupType.register(lua, methods: [], getters: [("params", groupParams)], fallbackGetter: groupGet,
                           fallbackSetter: groupSet, metamethods: [("__tostring", describeGroup)])
        lua.pop()
    }

    /// A Lua array of tensors at i (e.g. model:parameters()).
    static func tensorList(_ lua: Lua, _ i: Int32) throws(LuaError) -> [Tensor] {
        if let t = TensorClass.shared.test(lua, i) { return [t] }
        return try lua.tensorArray(i) { "entry \($0) of the parameter list" }
    }

    /// Options from the table at i, for an optimizer of `kind`; betas as a pair.
    static func options(_ lua: Lua, _ i: Int32, kind: OptimizerKind, extra: Set<String> = []) throws(LuaError) -> [String: OptionValue] {
        var out: [String: OptionValue] = [:]
        let names = Set(kind.defaults.map(\.0))
        guard let o = try lua.options(i, names.union(extra)) else { return out }
        for (name, d) in kind.defaults {
            switch d {
            case .number: if let v = try o.number(name) { out[name] = .number(v) }
            case .flag: if let v = try o.boolean(name) { out[name] = .flag(v) }
            case .pair:
                if let v = try o.numbers(name) {
                    guard v.count == 2 else { throw LuaError.argument(i, "option '\(name)' must hold two numbers, got \(v.count)") }
                    out[name] = .pair(v[0], v[1])
                }
            }
        }
        return out
    }

    static func constructor(_ kind: OptimizerKind) -> LuaFunction {
        let names = kind.defaults.map { "\($0.0)=\(luaLiteral($0.1))" }.joined(separator: ", ")
        return LuaFunction(kind.rawValue, "optim.\(kind.rawValue)(params [, lr | {\(names)}]) -> Optimizer",
                           "PyTorch's \(kind.rawValue) over a list of tensors or of parameter groups {params=..., lr=...}.") { lua in
            var defaults: [String: OptionValue] = [:]
            if lua.kind(2) == .number {
                defaults["lr"] = .number(try lua.number(2))
            } else {
                defaults = try options(lua, 2, kind: kind)
            }
            let opt = Optimizer(kind: kind)
            try lua.checkTable(1)
            let n = lua.length(1)
            guard n > 0 else { throw LuaError.argument(1, "optimizer got an empty parameter list") }
            // A list of groups (tables with `params`) or of tensors.
            lua.rawGet(1, 1)
            let grouped = lua.kind(-1) == .table && TensorClass.shared.test(lua, -1) == nil
            lua.pop()
            if grouped {
                for k in 1...n {
                    lua.rawGet(1, k)
                    defer { lua.pop() }
                    try addGroup(opt, lua, lua.top, defaults: defaults, argument: 1)
                }
            } else {
                let params = try tensorList(lua, 1)
                try lua.blame(1) { () throws(TensorError) in try opt.addGroup(params, options: defaults) }
            }
            optimizerType.push(opt, lua)
            return 1
        }
    }

    /// Adds the group table at index g: {params = {...}, option = value, ...}.
    private static func addGroup(_ opt: Optimizer, _ lua: Lua, _ g: Int32, defaults: [String: OptionValue],
                                 argument: Int32) throws(LuaError) {
        guard lua.kind(g) == .table else { throw LuaError.argument(argument, "a parameter group must be a table") }
        lua.rawGet(g, "params")
        let params = try tensorList(lua, lua.top)
        lua.pop()
        var o = defaults
        for (k, v) in try options(lua, g, kind: opt.kind, extra: ["params"]) { o[k] = v }
        try lua.blame(argument) { () throws(TensorError) in try opt.addGroup(params, options: o) }
    }

    static let addParamGroup = LuaFunction("add_param_group", "opt:add_param_group({params=..., lr=...})",
                                           "Adds a parameter group; options it leaves out take the first group's values.") { lua in
        let opt = try optimizerType.check(lua, 1)
        let defaults = opt.groups.first?.options ?? [:]
        try addGroup(opt, lua, 2, defaults: defaults, argument: 2)
        return 0
    }

    static let step = LuaFunction("step", "opt:step([closure]) -> loss | nil",
                                  "Updates every parameter that has a gradient; a closure is called first (with gradients recorded) and its loss returned, as PyTorch's step(closure).") { lua in
        let opt = try optimizerType.check(lua, 1)
        let hasClosure = !lua.isNoneOrNil(2)
        if hasClosure {
            try lua.checkFunction(2)
            // PyTorch runs the closure under enable_grad: it calls backward, even inside no_grad.
            lua.pushValue(2)
            try GradMode.with(enabled: true) { () throws(LuaError) in try lua.call(0, results: 1) }
        }
        try lua.report { () throws(TensorError) in try opt.step() }
        return hasClosure ? 1 : 0
    }

    static let zeroGrad = LuaFunction("zero_grad", "opt:zero_grad([set_to_none=true])",
                                      "Clears the gradients of every parameter (to nil, or to zeros).") { lua in
        let opt = try optimizerType.check(lua, 1)
        opt.zeroGrad(setToNone: try lua.optionalBoolean(2) ?? true)
        return 0
    }

    static let paramGroups = LuaFunction("param_groups", "opt.param_groups -> {group, ...}",
                                         "The parameter groups; group.lr (and every option) can be read and set.") { lua in
        let opt = try optimizerType.check(lua, 1)
        lua.pushArray(opt.groups) { groupType.push($1, $0) }
        return 1
    }

    static let groupParams = LuaFunction("params", "group.params -> {Tensor, ...}", "The group's parameters.") { lua in
        let g = try groupType.check(lua, 1)
        lua.pushArray(g.params) { $0.push($1) }
        return 1
    }

    static func push(_ v: OptionValue, _ lua: Lua) {
        switch v {
        case .number(let d): lua.push(d)
        case .flag(let b): lua.push(b)
        case .pair(let a, let b): lua.pushArray([a, b]) { $0.push($1) }
        }
    }

    static let groupGet = LuaFunction("param_group", "group[option] -> value", "An option of a parameter group.") { lua in
        let g = try groupType.check(lua, 1)
        guard lua.kind(2) == .string, let v = g.options[try lua.string(2)] else { return 0 }
        push(v, lua)
        return 1
    }

    static let groupSet = LuaFunction("param_group", "group[option] = value", "Sets an option of a parameter group.") { lua in
        let g = try groupType.check(lua, 1)
        guard lua.kind(2) == .string else { throw LuaError.plain("parameter group options are named by strings") }
        let key = try lua.string(2)
        guard let old = g.options[key] else { throw LuaError.plain("parameter groups have no option '\(key)'") }
        switch old {
        case .number:
            guard lua.kind(3) == .number else { throw LuaError.plain("option '\(key)' must be a number, got \(lua.typeName(3))") }
            g.options[key] = .number(try lua.number(3))
        case .flag:
            guard lua.kind(3) == .boolean else { throw LuaError.plain("option '\(key)' must be a boolean, got \(lua.typeName(3))") }
            g.options[key] = .flag(try lua.boolean(3))
        case .pair:
            guard lua.kind(3) == .table, lua.length(3) == 2 else { throw LuaError.plain("option '\(key)' must be a pair of numbers") }
            let a = lua.rawNumber(3, 1), b = lua.rawNumber(3, 2)
            guard a.kind == .number, b.kind == .number else { throw LuaError.plain("option '\(key)' must be a pair of numbers") }
            g.options[key] = .pair(a.value, b.value)
        }
        return 0
    }

    /// An option's default as Lua code writes it.
    static func luaLiteral(_ v: OptionValue) -> String {
        switch v {
        case .number(let d): return d == d.rounded() && Swift.abs(d) < 1e15 ? String(Int(d)) : "\(d)"
        case .flag(let b): return b ? "true" : "false"
        case .pair(let a, let b): return "{\(a), \(b)}"
        }
    }

    static func describe(_ v: OptionValue) -> String {
        switch v {
        case .number(let d): return formatNumber(d)
        case .flag(let b): return b ? "True" : "False"
        case .pair(let a, let b): return "(\(formatNumber(a)), \(formatNumber(b)))"
        }
    }

    /// A number as Python prints a float or an int option.
    static func formatNumber(_ d: Double) -> String {
        if d == d.rounded() && Swift.abs(d) < 1e15 && d != 0 && Swift.abs(d) >= 1 { return String(Int(d)) }
        if d == 0 { return "0" }
        return "\(d)"
    }

    static let describeGroup = LuaFunction("__tostring", "tostring(group)", "A parameter group's options.") { lua in
        let g = try groupType.check(lua, 1)
        let options = g.options.keys.sorted().map { "\($0): \(describe(g.options[$0]!))" }.joined(separator: ", ")
        lua.push("param_group{\(g.params.count) params, \(options)}")
        return 1
    }

    /// As PyTorch prints an optimizer.
    static let describe = LuaFunction("__tostring", "tostring(opt)", "The optimizer and its groups' options, as PyTorch prints them.") { lua in
        let opt = try optimizerType.check(lua, 1)
        var s = "\(opt.kind.rawValue) ("
        for (i, g) in opt.groups.enumerated() {
            s += "\nParameter Group \(i)"
            for k in g.options.keys.sorted() { s += "\n    \(k): \(describe(g.options[k]!))" }
        }
        lua.push(s + "\n)")
        return 1
    }
}
