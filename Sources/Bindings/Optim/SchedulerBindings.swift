// optim.lr_scheduler: StepLR, ExponentialLR and CosineAnnealingLR, with
// PyTorch's positional arguments or an options table.

import LuaBridge
import NeuralNets
import Tensors

enum SchedulerBindings {
    static let type = UserdataClass<Scheduler>(name: "optim.lr_scheduler")
    static let constructors: [LuaFunction] = [stepLR, exponentialLR, cosineAnnealingLR]
    static let methods: [LuaFunction] = [step, getLastLR, stateDict, loadStateDict]

    static func register(in state: LuaState) {
        for f in methods { state.document("LRScheduler:\(f.name)", f) }
        state.document("LRScheduler.last_epoch", lastEpoch)
        type.register(state.lua, methods: methods, getters: [("last_epoch", lastEpoch)])
        state.lua.pop()
    }

    /// Reads named arguments given positionally after the optimizer, or as one table.
    private static func arguments(_ lua: Lua, _ names: [String]) throws(LuaError) -> [String: Double] {
        var out: [String: Double] = [:]
        if lua.isOptions(2) {
            let o = try lua.options(2, Set(names))
            for n in names { if let v = try o?.number(n) { out[n] = v } }
        } else {
            for (k, n) in names.enumerated() {
                if let v = try lua.optionalNumber(Int32(k + 2)) { out[n] = v }
            }
        }
        return out
    }

    private static func make(_ lua: Lua, _ kind: Scheduler.Kind) throws(LuaError) -> Int32 {
        let opt = try OptimBindings.optimizerType.check(lua, 1)
        let s = try lua.blame(2) { () throws(TensorError) in try Scheduler(kind, optimizer: opt) }
        type.push(s, lua)
        return 1
    }

    /// A count of epochs given as a number: a whole one that an Int holds, or an error saying so.
    static func wholeNumber(_ value: Double, _ name: String) throws(LuaError) -> Int {
        guard let n = Int(exactly: value) else {
            throw LuaError.argument(2, "\(name) must be a whole number of epochs below 2^63, got \(value)")
        }
        return n
    }

    static let stepLR = LuaFunction("StepLR", "optim.lr_scheduler.StepLR(optimizer, step_size [, gamma=0.1])",
                                    "Multiplies the learning rate by gamma every step_size epochs.") { lua in
        let a = try arguments(lua, ["step_size", "gamma"])
        guard let size = a["step_size"] else { throw LuaError.argument(2, "step_size (an integer) is required") }
        let n = try wholeNumber(size, "step_size")
        return try make(lua, .step(stepSize: n, gamma: a["gamma"] ?? 0.1))
    }

    static let exponentialLR = LuaFunction("ExponentialLR", "optim.lr_scheduler.ExponentialLR(optimizer, gamma)",
                                           "Multiplies the learning rate by gamma every epoch.") { lua in
        let a = try arguments(lua, ["gamma"])
        guard let gamma = a["gamma"] else { throw LuaError.argument(2, "gamma is required") }
        return try make(lua, .exponential(gamma: gamma))
    }

    static let cosineAnnealingLR = LuaFunction("CosineAnnealingLR", "optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max [, eta_min=0])",
                                               "Anneals the learning rate along a cosine from its start to eta_min over T_max epochs.") { lua in
        let a = try arguments(lua, ["T_max", "eta_min"])
        guard let t = a["T_max"] else { throw LuaError.argument(2, "T_max (an integer) is required") }
        let n = try wholeNumber(t, "T_max")
        return try make(lua, .cosine(tMax: n, etaMin: a["eta_min"] ?? 0))
    }

    static let step = LuaFunction("step", "scheduler:step()", "Advances one epoch and updates the optimizer's learning rates.") { lua in
        try type.check(lua, 1).step()
        return 0
    }

    static let getLastLR = LuaFunction("get_last_lr", "scheduler:get_last_lr() -> {lr, ...}",
                                       "The learning rate of each parameter group after the last step.") { lua in
        lua.pushArray(try type.check(lua, 1).lastLRs) { $0.push($1) }
        return 1
    }

    static let lastEpoch = LuaFunction("last_epoch", "scheduler.last_epoch -> integer", "How many epochs have been stepped.") { lua in
        lua.push(try type.check(lua, 1).lastEpoch)
        return 1
    }

    static let stateDict = LuaFunction("state_dict", "scheduler:state_dict() -> table", "The scheduler's counters and learning rates.") { lua in
        let s = try type.check(lua, 1)
        lua.newTable(fields: 4)
        lua.push(s.lastEpoch)
        lua.rawSet(-2, "last_epoch")
        lua.push(s.steps)
        lua.rawSet(-2, "_step_count")
        lua.pushArray(s.baseLRs) { $0.push($1) }
        lua.rawSet(-2, "base_lrs")
        lua.pushArray(s.lastLRs) { $0.push($1) }
        lua.rawSet(-2, "_last_lr")
        return 1
    }

    static let loadStateDict = LuaFunction("load_state_dict", "scheduler:load_state_dict(state_dict)",
                                           "Restores counters saved by state_dict.") { lua in
        let s = try type.check(lua, 1)
        try lua.checkTable(2)
        func numbers(_ key: String) throws(LuaError) -> [Double] {
            lua.rawGet(2, key)
            defer { lua.pop() }
            guard lua.kind(-1) == .table else { throw LuaError.argument(2, "state_dict has no '\(key)' list") }
            var out: [Double] = []
            for k in stride(from: 1, through: lua.length(-1), by: 1) { out.append(lua.rawNumber(lua.top, k).value) }
            return out
        }
        lua.rawGet(2, "last_epoch")
        let epoch = lua.integerValue(-1)
        lua.pop()
        lua.rawGet(2, "_step_count")
        let count = lua.integerValue(-1)
        lua.pop()
        guard let epoch, let count else { throw LuaError.argument(2, "state_dict needs integer last_epoch and _step_count") }
        // epochs are counted up one at a time from these; 2^53 is past any schedule
        guard epoch >= -1, epoch < 1 << 53, count >= 0, count < 1 << 53 else {
            throw LuaError.argument(2, "state_dict's last_epoch (\(epoch)) and _step_count (\(count)) must be between -1 and 2^53 and between 0 and 2^53")
        }
        s.restore(lastEpoch: epoch, stepCount: count, baseLRs: try numbers("base_lrs"), lastLRs: try numbers("_last_lr"))
        return 0
    }
}
