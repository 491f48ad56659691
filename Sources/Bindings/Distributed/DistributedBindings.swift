// torch.distributed: the ranks of a job started by mpirun (or srun), and the
// collectives among them, as PyTorch names them. Ranks are 0-based as in MPI and
// PyTorch: a rank is a process's name in the job, not a position in a Lua list.
// The group itself lives in the runtime; MPI starts only in init_process_group.

import Distributed
import LuaBridge
import Tensors

enum DistributedBindings {
    static let functions: [LuaFunction] = [initProcessGroup, isInitialized, isAvailable, getRank, getWorldSize, barrier, broadcast,
                                           allReduce, allGather, reduceScatter, send, recv, destroyProcessGroup, abort, reducer]
    static let reducerType = UserdataClass<GradientReducer>(name: "torch.distributed.GradientReducer")
    static let reducerMethods: [LuaFunction] = [setSync, waitTime]

    static func register(in state: LuaState) {
        for f in reducerMethods { state.document("GradientReducer:\(f.name)", f) }
        reducerType.register(state.lua, methods: reducerMethods)
        state.lua.pop()
    }

    /// The runtime's live group, or the error a call before init (or after destroy) gets.
    static func group(_ lua: Lua) throws(LuaError) -> ProcessGroup {
        guard let runtime = Runtime.owning(lua), let g = runtime.processGroup else {
            throw LuaError.message("the default process group is not initialised; call torch.distributed.init_process_group{backend = \"mpi\"} first (under mpirun)")
        }
        if g.isDestroyed { throw LuaError.message("the process group was destroyed (destroy_process_group)") }
        return g
    }

    static func run<T>(_ body: () throws(DistributedError) -> T) throws(LuaError) -> T {
        do { return try body() } catch { throw LuaError.message(error.message) }
    }

    /// A rank argument: an integer in 0 ..< world size.
    static func rank(_ lua: Lua, _ i: Int32, _ g: ProcessGroup, _ what: String) throws(LuaError) -> Int {
        let r = try lua.integer(i)
        guard r >= 0 && r < g.worldSize else {
            throw LuaError.argument(i, "\(what) \(r) is not a rank of this job: ranks are 0-based, 0 to \(g.worldSize - 1)")
        }
        return r
    }

    /// op given as "sum" or as {op = "sum"} (the default).
    static func reduceOp(_ lua: Lua, _ i: Int32) throws(LuaError) -> ReduceOp {
        let name: String?
        if lua.kind(i) == .string {
            name = try lua.string(i)
        } else {
            name = try lua.options(i, ["op"])?.string("op")
        }
        guard let name else { return .sum }
        guard let op = ReduceOp(rawValue: name.lowercased()) else {
            throw LuaError.argument(i, "op must be one of sum, avg, max, min, got '\(name)'")
        }
        return op
    }

    static let initProcessGroup = LuaFunction("init_process_group",
        "torch.distributed.init_process_group{backend=\"mpi\", timeout=1800}",
        "Joins the job mpirun or srun started (MPI_Init); timeout bounds every wait for the other ranks, in seconds.") { lua in
        guard let runtime = Runtime.owning(lua) else { throw LuaError.message("no runtime") }
        let o = try lua.options(1, ["backend", "timeout", "init_method", "world_size", "rank"])
        if let backend = try o?.string("backend"), backend.lowercased() != "mpi" {
            throw LuaError.argument(1, "backend '\(backend)' is not available: lstmlua's backend is \"mpi\"")
        }
        let timeout = try o?.number("timeout") ?? 1800
        guard timeout > 0 && timeout <= 1e9 else { throw LuaError.argument(1, "option 'timeout' must be between 0 and 1e9 seconds, got \(timeout)") }
        if let world = try o?.integer("world_size"), let size = ProcessGroup.launcherWorldSize, world != size {
            throw LuaError.argument(1, "option 'world_size' is \(world) but the launcher started \(size) processes")
        }
        if let g = runtime.processGroup {
            throw LuaError.message(g.isDestroyed
                ? "MPI was shut down in this process (destroy_process_group); it cannot be started again"
                : "the process group is already initialised (once per process; destroy_process_group ends it)")
        }
        let g = try run { () throws(DistributedError) in try ProcessGroup(timeout: timeout) }
        if let r = try o?.integer("rank"), r != g.rank {
            throw LuaError.argument(1, "option 'rank' is \(r) but MPI gave this process rank \(g.rank)")
        }
        runtime.processGroup = g
        return 0
    }

    static let isInitialized = LuaFunction("is_initialized", "torch.distributed.is_initialized() -> boolean",
                                           "Whether init_process_group has run (and destroy_process_group has not).") { lua in
        let g = Runtime.owning(lua)?.processGroup
        lua.push(g != nil && !g!.isDestroyed)
        return 1
    }

    static let isAvailable = LuaFunction("is_available", "torch.distributed.is_available() -> boolean",
                                         "Whether lstmlua was built with a distributed backend (MPI): always true.") { lua in
        lua.push(true)
        return 1
    }

    static let getRank = LuaFunction("get_rank", "torch.distributed.get_rank() -> integer",
                                     "This process's rank, 0-based as MPI's and PyTorch's (a name, not a list position).") { lua in
        lua.push(try group(lua).rank)
        return 1
    }

    static let getWorldSize = LuaFunction("get_world_size", "torch.distributed.get_world_size() -> integer",
                                          "How many processes the job has.") { lua in
        lua.push(try group(lua).worldSize)
        return 1
    }

    static let barrier = LuaFunction("barrier", "torch.distributed.barrier()", "Waits until every rank has called barrier.") { lua in
        let g = try group(lua)
        try run { () throws(DistributedError) in try g.barrier() }
        return 0
    }

    static let broadcast = LuaFunction("broadcast", "torch.distributed.broadcast(tensor, src)",
                                       "Copies rank src's tensor into tensor on every rank (in place; src 0-based).") { lua in
        let g = try group(lua)
        let t = try lua.tensor(1)
        let src = try rank(lua, 2, g, "src")
        try run { () throws(DistributedError) in try g.broadcast(t, src: src) }
        return 0
    }

    static let allReduce = LuaFunction("all_reduce", "torch.distributed.all_reduce(tensor [, {op=\"sum\"|\"avg\"|\"max\"|\"min\"}])",
                                       "Reduces tensor over every rank, in place: each rank ends with the result (bool: sum and max are or, min is and).") { lua in
        let g = try group(lua)
        let t = try lua.tensor(1)
        let op = try reduceOp(lua, 2)
        try run { () throws(DistributedError) in try g.allReduce(t, op: op) }
        return 0
    }

    static let allGather = LuaFunction("all_gather", "torch.distributed.all_gather([tensor_list,] tensor) -> {tensor, ...}",
                                       "Every rank's tensor, in rank order (rank r's at r + 1); copied into tensor_list's tensors when given.") { lua in
        let g = try group(lua)
        let listIndex: Int32? = TensorClass.shared.test(lua, 1) == nil && lua.kind(1) == .table ? 1 : nil
        let t = try lua.tensor(listIndex == nil ? 1 : 2)
        var targets: [Tensor]?
        if let listIndex {
            targets = try lua.tensorArray(listIndex) { "entry \($0)" }
            guard targets!.count == g.worldSize else {
                throw LuaError.argument(1, "tensor_list has \(targets!.count) tensors; it needs one per rank (\(g.worldSize))")
            }
        }
        let gathered = try run { () throws(DistributedError) in try g.allGather(t) }
        if let targets {
            for (k, (target, value)) in zip(targets, gathered).enumerated() {
                do { try GradMode.with(enabled: false) { () throws(TensorError) in try target.copy_(value) } } catch {
                    throw LuaError.argument(1, "entry \(k + 1): \(error)")
                }
            }
            lua.pushValue(1)
            return 1
        }
        return try RearrangingBindings.pushList(lua, gathered)
    }

    static let reduceScatter = LuaFunction("reduce_scatter", "torch.distributed.reduce_scatter(output, input_list [, {op=\"sum\"}])",
                                           "Reduces input_list[r + 1] over every rank into rank r's output.") { lua in
        let g = try group(lua)
        let output = try lua.tensor(1)
        let inputs = try lua.tensorArray(2) { "entry \($0)" }
        let op = try reduceOp(lua, 3)
        try run { () throws(DistributedError) in try g.reduceScatter(output, inputs, op: op) }
        return 0
    }

    static let send = LuaFunction("send", "torch.distributed.send(tensor, dst [, tag=0])", "Sends tensor to rank dst (0-based).") { lua in
        let g = try group(lua)
        let t = try lua.tensor(1)
        let dst = try rank(lua, 2, g, "dst")
        let tag = try lua.optionalInteger(3) ?? 0
        guard (0...32767).contains(tag) else { throw LuaError.argument(3, "tag must be between 0 and 32767, got \(tag)") }
        try run { () throws(DistributedError) in try g.send(t, dst: dst, tag: tag) }
        return 0
    }

    static let recv = LuaFunction("recv", "torch.distributed.recv(tensor [, src=any] [, tag=0]) -> sender",
                                  "Receives into tensor from rank src (any rank when nil); returns the sender's rank.") { lua in
        let g = try group(lua)
        let t = try lua.tensor(1)
        let src = lua.isNoneOrNil(2) ? nil : try rank(lua, 2, g, "src")
        let tag = try lua.optionalInteger(3) ?? 0
        guard (0...32767).contains(tag) else { throw LuaError.argument(3, "tag must be between 0 and 32767, got \(tag)") }
        lua.push(try run { () throws(DistributedError) in try g.recv(t, src: src, tag: tag) })
        return 1
    }

    static let destroyProcessGroup = LuaFunction("destroy_process_group", "torch.distributed.destroy_process_group()",
                                                 "Leaves the job (MPI_Finalize); every rank calls it, and MPI cannot start again in this process.") { lua in
        let g = try group(lua)
        try run { () throws(DistributedError) in try g.destroy() }
        return 0
    }

    static let abort = LuaFunction("abort", "torch.distributed.abort(message)",
                                   "Ends every process of the job at once (MPI_Abort), printing message with this rank.") { lua in
        let g = try group(lua)
        let message = try lua.string(1)
        g.abort(message)
    }

    // The reducer behind nn.parallel.DistributedDataParallel.

    static let reducer = LuaFunction("GradientReducer", "torch.distributed.GradientReducer(parameters [, bucket_cap_mb=25]) -> reducer",
                                     "Averages the parameters' gradients over the ranks after each backward, in buckets (DistributedDataParallel's engine).") { lua in
        let g = try group(lua)
        guard let runtime = Runtime.owning(lua) else { throw LuaError.message("no runtime") }
        let parameters = try lua.tensorArray(1) { "entry \($0)" }
        let megabytes = try lua.optionalNumber(2) ?? 25
        guard megabytes > 0 && megabytes <= 1e6 else { throw LuaError.argument(2, "bucket_cap_mb must be positive, got \(megabytes)") }
        let r = try run { () throws(DistributedError) in
            try GradientReducer(group: g, parameters: parameters, bucketBytes: Int(megabytes * 1024 * 1024))
        }
        runtime.context.addBackwardObserver(r)
        reducerType.push(r, lua)
        return 1
    }

    static let setSync = LuaFunction("set_sync", "reducer:set_sync(enabled) -> previous",
                                     "Whether backward averages the gradients (no_sync turns it off); returns the previous setting.") { lua in
        let r = try reducerType.check(lua, 1)
        let enabled = try lua.boolean(2)
        lua.push(r.synchronizing)
        r.synchronizing = enabled
        return 1
    }

    static let waitTime = LuaFunction("wait_time", "reducer:wait_time([reset=false]) -> seconds",
                                      "Seconds backward waited for the gradients' all-reduce since the last reset (for benchmarks).") { lua in
        let r = try reducerType.check(lua, 1)
        lua.push(r.waitSeconds)
        if try lua.isNoneOrNil(2) ? false : lua.boolean(2) { r.resetWaitTime() }
        return 1
    }
}
