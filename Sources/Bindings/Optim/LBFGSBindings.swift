// optim.LBFGS: PyTorch's L-BFGS, whose step takes a closure that re-evaluates
// the model (it is called several times per step).
//   local opt = optim.LBFGS(model:parameters(), {lr = 0.8, line_search_fn = "strong_wolfe"})
//   opt:step(function() opt:zero_grad(); local l = loss(); l:backward(); return l end)

import LuaBridge
import NeuralNets
import Tensors

enum LBFGSBindings {
    static let type = UserdataClass<LBFGS>(name: "optim.LBFGS")
    static let methods: [LuaFunction] = [step, zeroGrad]

    static func register(in state: LuaState) {
        for f in methods { state.document("LBFGS:\(f.name)", f) }
        state.document("LBFGS.state", stateGetter)
        state.document("LBFGS.param_groups", paramGroups)
        type.register(state.lua, methods: methods, getters: [("state", stateGetter), ("param_groups", paramGroups)],
                      metamethods: [("__tostring", describe)])
        state.lua.pop()
    }

    static let constructor = LuaFunction("LBFGS",
                                         "optim.LBFGS(params [, lr | {lr=1, max_iter=20, max_eval=max_iter*5//4, tolerance_grad=1e-7, tolerance_change=1e-9, history_size=100, line_search_fn=nil}]) -> LBFGS",
                                         "PyTorch's L-BFGS over a list of tensors; opt:step(closure) calls closure (which runs backward and returns the loss) as often as it needs.") { lua in
        let params = try OptimBindings.tensorList(lua, 1)
        guard !params.isEmpty else { throw LuaError.argument(1, "optimizer got an empty parameter list") }
        var lr = 1.0, maxIter = 20, maxEval: Int? = nil, tolGrad = 1e-7, tolChange = 1e-9, history = 100
        var wolfe = false
        if lua.kind(2) == .number {
            lr = try lua.number(2)
        } else if let o = try lua.options(2, ["lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change",
                                               "history_size", "line_search_fn"]) {
            lr = try o.number("lr") ?? lr
            maxIter = try o.integer("max_iter") ?? maxIter
            maxEval = try o.integer("max_eval")
            tolGrad = try o.number("tolerance_grad") ?? tolGrad
            tolChange = try o.number("tolerance_change") ?? tolChange
            history = try o.integer("history_size") ?? history
            if let s = try o.string("line_search_fn") {
                guard s == "strong_wolfe" else { throw LuaError.argument(2, "only 'strong_wolfe' is supported as line_search_fn, got '\(s)'") }
                wolfe = true
            }
        }
        let opt = try lua.blame(2) { () throws(TensorError) in
            try LBFGS(params: params, lr: lr, maxIter: maxIter, maxEval: maxEval, toleranceGrad: tolGrad,
                      toleranceChange: tolChange, historySize: history, strongWolfe: wolfe)
        }
        type.push(opt, lua)
        return 1
    }

    static let step = LuaFunction("step", "opt:step(closure) -> loss",
                                  "Runs up to max_iter L-BFGS iterations; closure() re-evaluates the model with gradients recorded, calls backward and returns the loss. Returns closure's first result.") { lua in
        let opt = try type.check(lua, 1)
        guard lua.kind(2) == .function else {
            throw LuaError.argument(2, "LBFGS needs a closure that re-evaluates the model and returns the loss, got \(lua.typeName(2))")
        }
        lua.pop(lua.top - 2)
        var calls = 0
        do {
            _ = try opt.step { () throws -> Double in
                try lua.reserve(2)
                lua.pushValue(2)
                try GradMode.with(enabled: true) { () throws(LuaError) in try lua.call(0, results: 1) }
                let loss: Double
                if lua.kind(lua.top) == .number {
                    loss = try lua.number(lua.top)
                } else if let t = TensorClass.shared.test(lua, lua.top), t.count == 1 {
                    loss = try lua.blame(2) { () throws(TensorError) in try t.item() }
                } else {
                    throw LuaError.argument(2, "the closure must return the loss (a one-element Tensor or a number), got \(lua.typeName(lua.top))")
                }
                calls += 1
                // the first result stays on the stack: step returns it
                if calls > 1 { lua.pop() }
                return loss
            }
        } catch let error as LuaError {
            throw error
        } catch let error as TensorError {
            throw error == .interrupted ? LuaError.interrupted : LuaError.message(error.message)
        } catch {
            throw LuaError.message("\(error)")
        }
        return 1
    }

    static let zeroGrad = LuaFunction("zero_grad", "opt:zero_grad([set_to_none=true])",
                                      "Clears the gradients of every parameter (to nil, or to zeros).") { lua in
        let opt = try type.check(lua, 1)
        opt.zeroGrad(setToNone: try lua.optionalBoolean(2) ?? true)
        return 0
    }

    static let stateGetter = LuaFunction("state", "opt.state -> {func_evals=, n_iter=}",
                                         "How many times the closure was called and how many iterations ran, over every step so far.") { lua in
        let opt = try type.check(lua, 1)
        lua.newTable(fields: 2)
        lua.push(opt.funcEvals)
        lua.rawSet(-2, "func_evals")
        lua.push(opt.iterations)
        lua.rawSet(-2, "n_iter")
        return 1
    }

    static let paramGroups = LuaFunction("param_groups", "opt.param_groups -> {group}",
                                         "The one parameter group; group.lr, group.max_iter and the other options can be read and set between steps.") { lua in
        let opt = try type.check(lua, 1)
        lua.pushArray([opt.group]) { OptimBindings.groupType.push($1, $0) }
        return 1
    }

    static let describe = LuaFunction("__tostring", "tostring(opt)", "The optimizer and its options, as PyTorch prints them.") { lua in
        let o = try type.check(lua, 1)
        let lines = [
            "history_size: \(o.historySize)", "line_search_fn: \(o.strongWolfe ? "strong_wolfe" : "None")",
            "lr: \(OptimBindings.formatNumber(o.lr))", "max_eval: \(o.maxEval)", "max_iter: \(o.maxIter)",
            "tolerance_change: \(o.toleranceChange)", "tolerance_grad: \(o.toleranceGrad)",
        ]
        lua.push("LBFGS (\nParameter Group 0\n" + lines.map { "    " + $0 }.joined(separator: "\n") + "\n)")
        return 1
    }
}
