// The data module: the article's sine windows, a user's own series from CSV,
// and a long series cut into training windows.

import Datasets
import LuaBridge
import Tensors

enum DataBindings {
    static let functions: [LuaFunction] = [sine, fromCSV, windows]
    static let iteratorType = UserdataClass<WindowBatches>(name: "data.windows")

    static func register(in state: LuaState) {
        state.document("data.windows:set_epoch", setEpoch)
        iteratorType.register(state.lua, methods: [setEpoch], getters: [("count", windowCount)], metamethods: [("__call", nextWindow), ("__len", windowCount)])
        state.lua.pop()
    }

    /// Built once: data.sine is called for every training window.
    private static let sineOptions: Set<String> = ["num_points", "span", "start", "start_max", "batch", "amplitude", "frequency",
                                                   "phase", "noise", "dtype", "rank", "world_size"]

    static let sine = LuaFunction("sine",
        "data.sine{num_points=50, span=10, start=nil, start_max=10, batch=1, amplitude=1, frequency=1, phase=0, noise=0, dtype=torch.float32, rank=, world_size=} -> x, y, t",
        "Sine windows as in the article: x [batch, n-1, 1], y (x one step later), the time steps [batch, n]; in a distributed job, this rank's own windows.") { lua in
        var s = SineWave()
        var sharded = false
        if let o = try lua.options(1, sineOptions) {
            s.numPoints = try o.integer("num_points") ?? s.numPoints
            s.span = try o.number("span") ?? s.span
            s.start = try o.number("start")
            s.startMax = try o.integer("start_max") ?? s.startMax
            s.batch = try o.integer("batch") ?? s.batch
            s.amplitude = try o.number("amplitude") ?? s.amplitude
            s.frequency = try o.number("frequency") ?? s.frequency
            s.phase = try o.number("phase") ?? s.phase
            s.noise = try o.number("noise") ?? s.noise
            if let shard = try DataBindings.shard(lua, o, argument: 1) {
                sharded = true
                s.rank = shard.rank
                s.worldSize = shard.worldSize
            }
            if let name = try o.string("dtype") {
                guard let d = DType(name: name), d.isFloatingPoint else {
                    throw LuaError.argument(1, "dtype must be torch.float32 or torch.float64, got '\(name)'")
                }
                s.dtype = d
            }
        }
        if !sharded, let g = Runtime.owning(lua)?.processGroup, !g.isDestroyed {
            s.rank = g.rank
            s.worldSize = g.worldSize
        }
        let (x, y, t) = try lua.blame(1) { () throws(TensorError) in try s.generate() }
        lua.push(x)
        lua.push(y)
        lua.push(t)
        return 3
    }

    static let fromCSV = LuaFunction("from_csv", "data.from_csv(path [, {column=name|index, header=auto, delimiter=','}]) -> Tensor, name",
                                     "One numeric column of a CSV file as a 1-D tensor (and the column's name).") { lua in
        let path = try lua.string(1)
        var options = CSVSeries.Options()
        if let o = try lua.options(2, ["column", "header", "delimiter"]) {
            options.header = try o.boolean("header")
            if let d = try o.string("delimiter") {
                guard d.count == 1, let c = d.first else { throw LuaError.argument(2, "delimiter must be one character") }
                options.delimiter = c
            }
            lua.rawGet(2, "column")
            defer { lua.pop() }
            switch lua.kind(-1) {
            case .string: options.column = .name(try lua.string(-1))
            case .number: options.column = .index(try lua.integer(-1))
            case .luaNil: break
            default: throw LuaError.argument(2, "option 'column' must be a name or a 1-based index")
            }
        }
        let (values, name) = try lua.report { () throws(TensorError) in try CSVSeries.load(path: path, options: options) }
        lua.push(Tensor(values.map { Float($0) }, shape: [values.count]))
        if let name { lua.push(name) } else { lua.pushNil() }
        return 2
    }

    static let windows = LuaFunction("windows",
        "data.windows(series, seq_len [, {batch=1, shuffle=false, stride=1, drop_last=false, seed=nil, rank=nil, world_size=nil, epoch=0}]) -> iterator",
        "Iterates over batches x, y [batch, seq_len, 1] of consecutive windows of a 1-D series; with world_size, rank's own share (0-based).") { lua in
        let series = try lua.tensor(1)
        guard series.dim == 1 else { throw LuaError.argument(1, "series must be 1-D, got shape \(Shape.describe(series.shape))") }
        let length = try lua.integer(2)
        let o = try lua.options(3, ["batch", "shuffle", "stride", "drop_last", "seed", "rank", "world_size", "epoch"])
        let batch = try o?.integer("batch") ?? 1, stride = try o?.integer("stride") ?? 1
        let shuffle = try o?.boolean("shuffle") ?? false, dropLast = try o?.boolean("drop_last") ?? false
        let epoch = try o?.integer("epoch") ?? 0
        guard epoch >= 0 else { throw LuaError.argument(3, "option 'epoch' must be non-negative, got \(epoch)") }
        var seed: UInt64?
        if let s = try o?.integer("seed") {
            guard s >= 0 else { throw LuaError.argument(3, "option 'seed' must be non-negative, got \(s)") }
            seed = UInt64(s)
        }
        let shard = try DataBindings.shard(lua, o, argument: 3)
        let it = try lua.blame(2) { () throws(TensorError) in
            try WindowBatches(series: series.doubles.map { Float($0) }, length: length, batch: batch, stride: stride, shuffle: shuffle,
                              dropLast: dropLast, seed: seed, shard: shard, epoch: epoch)
        }
        iteratorType.push(it, lua)
        return 1
    }

    /// rank and world_size from the options; either missing one comes from the process
    /// group when it is initialised. Neither given: no sharding.
    static func shard(_ lua: Lua, _ o: Options?, argument: Int32) throws(LuaError) -> WindowBatches.Shard? {
        let rank = try o?.integer("rank"), world = try o?.integer("world_size")
        guard rank != nil || world != nil else { return nil }
        let group = Runtime.owning(lua)?.processGroup.flatMap { $0.isDestroyed ? nil : $0 }
        guard let r = rank ?? group?.rank, let w = world ?? group?.worldSize else {
            throw LuaError.argument(argument, "give both rank and world_size (or call torch.distributed.init_process_group first)")
        }
        return try lua.blame(argument) { () throws(TensorError) in try WindowBatches.Shard(rank: r, worldSize: w) }
    }

    static let setEpoch = LuaFunction("set_epoch", "it:set_epoch(epoch)",
                                      "Reorders the windows for epoch (a shuffle with a seed draws seed + epoch) and starts again from the first batch.") { lua in
        let it = try iteratorType.check(lua, 1)
        let epoch = try lua.integer(2)
        try lua.blame(2) { () throws(TensorError) in try it.setEpoch(epoch) }
        return 0
    }

    static let nextWindow = LuaFunction("windows", "it() -> x, y | nil", "The next batch of windows.") { lua in
        let it = try iteratorType.check(lua, 1)
        guard let (x, y) = it.next() else { lua.pushNil(); return 1 }
        lua.push(x)
        lua.push(y)
        return 2
    }

    static let windowCount = LuaFunction("count", "#it -> integer", "How many batches the iterator gives in all.") { lua in
        lua.push(try iteratorType.check(lua, 1).count)
        return 1
    }
}
