// The torch module: making tensors, the random generator, joining, and the
// switches and checks of autograd.

import LuaBridge
import Tensors

enum TorchLibrary {
    static let functions: [LuaFunction] = [
        tensor, zeros, ones, full, rand, randn, randint, randperm, arange, linspace,
        zerosLike, onesLike, fullLike, randLike, randnLike,
        manualSeed, initialSeed, cat, stack, isTensor, numel, noGrad, enableGrad, isGradEnabled, setGradEnabled,
        getNumThreads, setNumThreads, ProgressBindings.progress,
    ] + TensorMath.shared + SortingBindings.shared + RearrangingBindings.shared + StatisticsBindings.shared
        + FunctionalBindings.tensorFunctions

    static let backends: [LuaFunction] = [blasInfo]

    static let autograd: [LuaFunction] = [gradcheck]

    // MARK: Making tensors

    /// Reads a trailing options table {requires_grad=...} and applies it.
    private static func finish(_ t: Tensor, _ lua: Lua, options i: Int32) throws(LuaError) -> Int32 {
        if let o = try lua.options(i, ["requires_grad"]), try o.boolean("requires_grad") == true {
            try lua.blame(i) { () throws(TensorError) in try t.setRequiresGrad(true) }
        }
        lua.push(t)
        return 1
    }

    /// The index just past the sizes that start at i (numbers, or one table).
    private static func afterSizes(_ lua: Lua, _ i: Int32) -> Int32 {
        if lua.kind(i) == .table && !lua.isOptions(i) { return i + 1 }
        var j = i
        while lua.kind(j) == .number { j += 1 }
        return j
    }

    private static func sized(_ name: String, _ doc: String, _ make: @escaping (Dims) -> Tensor) -> LuaFunction {
        LuaFunction(name, "torch.\(name)(size... [, {requires_grad=false}]) -> Tensor", doc) { lua in
            let shape = try lua.sizes(from: 1)
            try lua.blame(1) { () throws(TensorError) in try MemoryLimit.check(shape) }
            return try finish(make(shape), lua, options: afterSizes(lua, 1))
        }
    }

    static let zeros = sized("zeros", "A tensor of zeros; sizes as numbers or a table.") { Tensor.zeros($0) }
    static let ones = sized("ones", "A tensor of ones; sizes as numbers or a table.") { Tensor.ones($0) }
    static let rand = sized("rand", "Uniform random values on [0, 1) from the shared generator.") { Tensor.rand($0) }
    static let randn = sized("randn", "Standard normal random values from the shared generator.") { Tensor.randn($0) }

    static let full = LuaFunction("full", "torch.full(size, value [, options]) -> Tensor",
                                  "A tensor of the given size (a table) filled with value.") { lua in
        try lua.checkTable(1)
        let shape = try lua.sizes(from: 1)
        try lua.blame(1) { () throws(TensorError) in try MemoryLimit.check(shape) }
        let v = try lua.number(2)
        return try finish(Tensor.full(shape, Float(v)), lua, options: 3)
    }

    static let tensor = LuaFunction("tensor", "torch.tensor(data [, options]) -> Tensor",
                                    "A tensor from a number or a nested table of numbers (copies a tensor).") { lua in
        let t: Tensor
        switch lua.kind(1) {
        case .number: t = Tensor(scalar: Float(try lua.number(1)))
        case .table:
            if let source = TensorClass.shared.test(lua, 1) { t = source.copied() } else {
                let (values, shape) = try NestedTable.read(lua, 1)
                guard values.count == Shape.count(shape) else {
                    throw LuaError.argument(1, "nested tables do not form a rectangular array of shape \(Shape.describe(shape))")
                }
                t = Tensor(values, shape: shape)
            }
        case .userdata: t = try lua.tensor(1).copied()
        default: throw lua.typeError(1, "number or table")
        }
        return try finish(t, lua, options: 2)
    }

    static let arange = LuaFunction("arange", "torch.arange([start,] end [, step]) -> Tensor",
                                    "Values from start (default 0) up to but excluding end, by step (default 1).") { lua in
        var numbers: [Double] = []
        var i: Int32 = 1
        while lua.kind(i) == .number { numbers.append(try lua.number(i)); i += 1 }
        let (start, end, step): (Double, Double, Double)
        switch numbers.count {
        case 1: (start, end, step) = (0, numbers[0], 1)
        case 2: (start, end, step) = (numbers[0], numbers[1], 1)
        case 3: (start, end, step) = (numbers[0], numbers[1], numbers[2])
        default: throw lua.typeError(numbers.isEmpty ? 1 : 4, numbers.isEmpty ? "number" : "options table")
        }
        let t = try lua.blame(Int32(Swift.max(numbers.count, 1))) { () throws(TensorError) in try Tensor.arange(start, end, step) }
        return try finish(t, lua, options: i)
    }

    static let linspace = LuaFunction("linspace", "torch.linspace(start, end, steps [, options]) -> Tensor",
                                      "steps values evenly spaced from start to end, inclusive.") { lua in
        let a = try lua.number(1), b = try lua.number(2), n = try lua.integer(3)
        guard n >= 0 else { throw LuaError.argument(3, "number of steps must be non-negative") }
        guard n <= maxElements else { throw LuaError.argument(3, "\(n) steps are too many") }
        let t = try lua.blame(3) { () throws(TensorError) in try Tensor.linspace(Float(a), Float(b), n) }
        return try finish(t, lua, options: 4)
    }

    static let randint = LuaFunction("randint", "torch.randint([low,] high, size [, options]) -> Tensor",
                                     "Random integers in [low, high) (low defaults to 0), as float values.") { lua in
        let twoBounds = lua.kind(2) == .number
        let low = twoBounds ? try lua.integer(1) : 0
        let high = try lua.integer(twoBounds ? 2 : 1)
        let sizeAt: Int32 = twoBounds ? 3 : 2
        try lua.checkTable(sizeAt)
        let shape = try lua.sizes(from: sizeAt)
        let t = try lua.blame(twoBounds ? 2 : 1) { () throws(TensorError) in try Tensor.randint(low, high, shape) }
        return try finish(t, lua, options: sizeAt + 1)
    }

    static let randperm = LuaFunction("randperm", "torch.randperm(n) -> Tensor",
                                      "A random permutation of 1..n (PyTorch's shuffle, 1-based).") { lua in
        let n = try lua.integer(1)
        guard n >= 0, n <= maxElements else { throw LuaError.argument(1, "n must be between 0 and \(maxElements), got \(n)") }
        // the shuffled Ints, their values as Floats, then the tensor
        try lua.blame(1) { () throws(TensorError) in
            try MemoryLimit.check([n], bytesPerElement: MemoryLayout<Int>.stride + 2 * MemoryLayout<Float>.stride)
        }
        let p = Generator.shared.permutation(n)
        lua.push(Tensor(p.map { Float($0 + 1) }, shape: [n]))
        return 1
    }

    private static func like(_ name: String, _ doc: String, _ make: @escaping (Dims) -> Tensor) -> LuaFunction {
        LuaFunction(name, "torch.\(name)(t [, options]) -> Tensor", doc) { lua in
            let shape = try lua.tensor(1).shape
            try lua.blame(1) { () throws(TensorError) in try MemoryLimit.check(shape) }
            return try finish(make(shape), lua, options: 2)
        }
    }

    static let zerosLike = like("zeros_like", "Zeros shaped like t.") { Tensor.zeros($0) }
    static let onesLike = like("ones_like", "Ones shaped like t.") { Tensor.ones($0) }
    static let randLike = like("rand_like", "Uniform random values shaped like t.") { Tensor.rand($0) }
    static let randnLike = like("randn_like", "Standard normal values shaped like t.") { Tensor.randn($0) }

    static let fullLike = LuaFunction("full_like", "torch.full_like(t, value [, options]) -> Tensor",
                                      "value everywhere, shaped like t.") { lua in
        let shape = try lua.tensor(1).shape
        return try finish(Tensor.full(shape, Float(try lua.number(2))), lua, options: 3)
    }

    // MARK: Random generator

    static let manualSeed = LuaFunction("manual_seed", "torch.manual_seed(seed)",
                                        "Seeds the shared generator (PyTorch's MT19937): same seed, same numbers.") { lua in
        let seed = try lua.integer(1)
        guard seed >= 0 else { throw LuaError.argument(1, "seed must be non-negative, got \(seed)") }
        Generator.shared.manualSeed(UInt64(seed))
        return 0
    }

    static let initialSeed = LuaFunction("initial_seed", "torch.initial_seed() -> integer",
                                         "The seed the shared generator was last seeded with.") { lua in
        lua.push(Int(truncatingIfNeeded: Generator.shared.seed))
        return 1
    }

    // MARK: Joining

    private static func tensorList(_ lua: Lua, _ i: Int32) throws(LuaError) -> [Tensor] {
        let list = try lua.tensorArray(i) { "entry \($0) of the list" }
        guard !list.isEmpty else { throw LuaError.argument(i, "expected a non-empty list of tensors") }
        return list
    }

    static let cat = LuaFunction("cat", "torch.cat(tensors [, dim]) -> Tensor",
                                 "The tensors joined along an existing dimension (default 1).") { lua in
        let list = try tensorList(lua, 1)
        let rank = list[0].dim
        let d = lua.isNoneOrNil(2) ? 0 : try lua.dimension(2, rank: rank)
        lua.push(try lua.blame(1) { () throws(TensorError) in try Tensor.cat(list, dim: d) })
        return 1
    }

    static let stack = LuaFunction("stack", "torch.stack(tensors [, dim]) -> Tensor",
                                   "The tensors joined along a new dimension (default 1).") { lua in
        let list = try tensorList(lua, 1)
        guard list[0].dim < Dims.maxRank else { throw LuaError.argument(1, "tensors have at most \(Dims.maxRank) dimensions") }
        let d = lua.isNoneOrNil(2) ? 0 : try lua.dimension(2, rank: list[0].dim, extra: 1)
        lua.push(try lua.blame(1) { () throws(TensorError) in try Tensor.stack(list, dim: d) })
        return 1
    }

    static let isTensor = LuaFunction("is_tensor", "torch.is_tensor(x) -> boolean", "Whether x is a Tensor.") { lua in
        lua.push(TensorClass.shared.test(lua, 1) != nil)
        return 1
    }

    static let numel = LuaFunction("numel", "torch.numel(t) -> integer", "The number of elements of t.") { lua in
        lua.push(try lua.tensor(1).count)
        return 1
    }

    // MARK: Autograd switches

    /// Runs the function at 1 with recording set to `enabled`; with no function, switches it
    /// and returns a guard that switches back when closed (local g <close> = torch.no_grad()).
    private static func gradScope(_ lua: Lua, enabled: Bool) throws(LuaError) -> Int32 {
        if lua.isNoneOrNil(1) {
            GradGuard.shared.push(GradGuard.make(enabled: enabled), lua)
            return 1
        }
        try lua.checkFunction(1)
        try GradMode.with(enabled: enabled) { () throws(LuaError) in
            try lua.call(lua.top - 1, results: -1)
        }
        return lua.top
    }

    static let noGrad = LuaFunction("no_grad", "torch.no_grad([fn]) -> results | guard",
                                    "Runs fn without recording gradients and returns its results; with no fn, returns a to-be-closed guard.") { lua in
        try gradScope(lua, enabled: false)
    }

    static let enableGrad = LuaFunction("enable_grad", "torch.enable_grad([fn]) -> results | guard",
                                        "Runs fn with gradient recording on (inside no_grad); with no fn, a to-be-closed guard.") { lua in
        try gradScope(lua, enabled: true)
    }

    static let isGradEnabled = LuaFunction("is_grad_enabled", "torch.is_grad_enabled() -> boolean",
                                           "Whether operations record gradients now.") { lua in
        lua.push(GradMode.isEnabled)
        return 1
    }

    static let setGradEnabled = LuaFunction("set_grad_enabled", "torch.set_grad_enabled(flag)",
                                            "Switches gradient recording on or off.") { lua in
        GradMode.set(try lua.boolean(1))
        return 0
    }

    // MARK: Threads and BLAS

    static let getNumThreads = LuaFunction("get_num_threads", "torch.get_num_threads() -> integer",
                                           "How many threads recurrent layers and large matrix products use.") { lua in
        lua.push(Parallel.threads)
        return 1
    }

    static let setNumThreads = LuaFunction("set_num_threads", "torch.set_num_threads(n)",
                                           "Sets how many threads recurrent layers and large matrix products use.") { lua in
        let n = try lua.integer(1)
        guard n >= 1 && n <= 64 else { throw LuaError.argument(1, "number of threads must be between 1 and 64, got \(n)") }
        Parallel.setThreads(n)
        return 0
    }

    static let blasInfo = LuaFunction("blas_info", "torch.backends.blas_info() -> {core=, threads=, config=, isa=}",
                                      "Which BLAS kernels large matrix products run on, and which instruction set lstmlua's own kernels use.") { lua in
        lua.newTable(fields: 4)
        lua.push(InstructionSet.name)
        lua.rawSet(-2, "isa")
        lua.push(BLASKernels.coreName)
        lua.rawSet(-2, "core")
        lua.push(Parallel.threads)
        lua.rawSet(-2, "threads")
        lua.push(BLASKernels.configuration)
        lua.rawSet(-2, "config")
        return 1
    }

    // MARK: torch.autograd

    static let gradcheck = LuaFunction("gradcheck", "torch.autograd.gradcheck(fn, inputs [, {eps=1e-3, atol=1e-2, rtol=1e-2, raise_exception=true}]) -> boolean",
                                       "Checks fn's gradients against finite differences for every input that requires grad.") { lua in
        try lua.checkFunction(1)
        let inputs = try tensorList(lua, 2)
        let o = try lua.options(3, ["eps", "atol", "rtol", "raise_exception"])
        let eps = Float(try o?.number("eps") ?? 1e-3)
        let atol = Float(try o?.number("atol") ?? 1e-2), rtol = Float(try o?.number("rtol") ?? 1e-2)
        let raise = try o?.boolean("raise_exception") ?? true
        let result = try GradCheck.check(inputs, eps: eps, atol: atol, rtol: rtol) { xs in
            let base = lua.top
            try lua.reserve(xs.count + 1, "too many arguments to gradcheck's function")
            lua.pushValue(1)
            for x in xs { lua.push(x) }
            try lua.call(Int32(xs.count), results: -1)
            defer { lua.pop(lua.top - base) }
            var outs: [Tensor] = []
            for i in stride(from: base + 1, through: lua.top, by: 1) {
                guard let t = TensorClass.shared.test(lua, i) else {
                    throw LuaError.argument(1, "gradcheck's function must return tensors, got a \(lua.typeName(i))")
                }
                outs.append(t)
            }
            guard !outs.isEmpty else { throw LuaError.argument(1, "gradcheck's function returned nothing") }
            return outs
        }
        if !result.passed && raise { throw LuaError.message(result.report) }
        lua.push(result.passed)
        if result.passed { return 1 }
        lua.push(result.report)
        return 2
    }
}

/// What torch.no_grad() returns: closing it restores the previous recording mode.
final class GradGuard {
    let previous: Bool
    init(previous: Bool) { self.previous = previous }

    static let shared = UserdataClass<GradGuard>(name: "torch.no_grad")

    static func make(enabled: Bool) -> GradGuard {
        let g = GradGuard(previous: GradMode.isEnabled)
        GradMode.set(enabled)
        return g
    }
}
