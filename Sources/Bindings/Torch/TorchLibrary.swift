// The torch module: making tensors, the random generator, joining, and the
// switches and checks of autograd.

import LuaBridge
import Tensors

enum TorchLibrary {
    static let functions: [LuaFunction] = [
        tensor, zeros, empty, ones, full, rand, randn, randint, randperm, arange, linspace,
        zerosLike, onesLike, fullLike, randLike, randnLike,
        manualSeed, initialSeed, cat, stack, isTensor, numel, noGrad, enableGrad, isGradEnabled, setGradEnabled,
        getNumThreads, setNumThreads, ProgressBindings.progress,
    ] + TensorMath.shared + TensorIndexing.shared + SortingBindings.shared + RearrangingBindings.shared
        + StatisticsBindings.shared + FunctionalBindings.tensorFunctions

    static let backends: [LuaFunction] = [blasInfo]

    static let autograd: [LuaFunction] = [gradcheck]

    // MARK: Making tensors

    /// Reads a trailing options table {dtype=..., requires_grad=...}: the tensor is made in the
    /// dtype asked for (`make` gets it, or nil for the function's default), then pushed.
    static func finish(_ lua: Lua, options i: Int32, _ make: (DType?) throws(LuaError) -> Tensor) throws(LuaError) -> Int32 {
        let o = try lua.options(i, ["requires_grad", "dtype"])
        let dtype = try o.flatMap { o throws(LuaError) in try o.string("dtype") }.map { name throws(LuaError) in
            guard let d = DType(name: name) else {
                throw LuaError.argument(i, "unknown dtype '\(name)' (torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8 or torch.bool)")
            }
            return d
        }
        let t = try make(dtype)
        if try o?.boolean("requires_grad") == true {
            try lua.blame(i) { () throws(TensorError) in try t.setRequiresGrad(true) }
        }
        lua.push(t)
        return 1
    }

    private static func finish(_ t: Tensor, _ lua: Lua, options i: Int32) throws(LuaError) -> Int32 {
        try finish(lua, options: i) { dtype in dtype.map { t.to($0) } ?? t }
    }

    /// The index just past the sizes that start at i (numbers, or one table).
    private static func afterSizes(_ lua: Lua, _ i: Int32) -> Int32 {
        if lua.kind(i) == .table && !lua.isOptions(i) { return i + 1 }
        var j = i
        while lua.kind(j) == .number { j += 1 }
        return j
    }

    private static func sized(_ name: String, _ doc: String, floating: Bool = false,
                              _ make: @escaping (Dims, DType) -> Tensor) -> LuaFunction {
        LuaFunction(name, "torch.\(name)(size... [, {dtype=torch.float32, requires_grad=false}]) -> Tensor", doc) { lua in
            let shape = try lua.sizes(from: 1)
            let at = afterSizes(lua, 1)
            return try finish(lua, options: at) { dtype throws(LuaError) in
                let dtype = dtype ?? .float32
                if floating && !dtype.isFloatingPoint {
                    throw LuaError.argument(at, "\(name) needs a floating dtype, got \(dtype)")
                }
                try lua.blame(1) { () throws(TensorError) in try MemoryLimit.check(shape, bytesPerElement: dtype.itemSize) }
                return make(shape, dtype)
            }
        }
    }

    static let zeros = sized("zeros", "A tensor of zeros; sizes as numbers or a table.") { Tensor.zeros($0, dtype: $1) }
    // PyTorch leaves the values undefined; zeros are one of its possible answers, and never leak old memory
    static let empty = sized("empty", "A tensor whose values are to be written (lstmlua gives zeros); sizes as numbers or a table.") {
        Tensor.zeros($0, dtype: $1)
    }
    static let ones = sized("ones", "A tensor of ones; sizes as numbers or a table.") { Tensor.ones($0, dtype: $1) }
    static let rand = sized("rand", "Uniform random values on [0, 1) from the shared generator.", floating: true) {
        Tensor.rand($0, dtype: $1)
    }
    static let randn = sized("randn", "Standard normal random values from the shared generator.", floating: true) {
        Tensor.randn($0, dtype: $1)
    }

    static let full = LuaFunction("full", "torch.full(size, value [, options]) -> Tensor",
                                  "A tensor of the given size (a table) filled with value.") { lua in
        try lua.checkTable(1)
        let shape = try lua.sizes(from: 1)
        let v = lua.kind(2) == .boolean ? (try lua.boolean(2) ? 1.0 : 0.0) : try lua.number(2)
        // PyTorch infers the dtype from the fill value: an integer gives int64, a boolean bool
        let inferred: DType = lua.kind(2) == .boolean ? .bool : (lua.isInteger(2) ? .int64 : .float32)
        let exact = lua.isInteger(2) ? lua.integerValue(2) : nil
        return try finish(lua, options: 3) { dtype throws(LuaError) in
            try lua.blame(1) { () throws(TensorError) in try MemoryLimit.check(shape, bytesPerElement: (dtype ?? inferred).itemSize) }
            try lua.blame(2) { () throws(TensorError) in try (dtype ?? inferred).checkConversion(v, exactly: exact.map { Int64($0) }) }
            if (dtype ?? inferred) == .int64, let exact {
                // an integer as it is: through a double, one past 2^53 was rounded
                let t = Tensor(uninitializedShape: shape, dtype: .int64)
                t.elements(Int64.self).initialize(repeating: Int64(exact), count: t.count)
                return t
            }
            return Tensor.full(shape, v, dtype: dtype ?? inferred)
        }
    }

    static let tensor = LuaFunction("tensor", "torch.tensor(data [, options]) -> Tensor",
                                    "A tensor from a number or a nested table of numbers (copies a tensor).") { lua in
        switch lua.kind(1) {
        case .number, .boolean:
            let v = lua.kind(1) == .boolean ? (try lua.boolean(1) ? 1.0 : 0.0) : try lua.number(1)
            let inferred: DType = lua.kind(1) == .boolean ? .bool : (lua.isInteger(1) ? .int64 : .float32)
            if inferred == .int64, let exact = lua.integerValue(1) {
                return try finish(lua, options: 2) { dtype in
                    let t = Tensor(uninitializedShape: [], dtype: .int64)
                    t.elements(Int64.self).pointee = Int64(exact)
                    return t.converted(to: dtype ?? .int64)
                }
            }
            return try finish(lua, options: 2) { dtype in Tensor(filling: v, shape: [], dtype: dtype ?? inferred) }
        case .table:
            if let source = TensorClass.shared.test(lua, 1) {
                return try finish(lua, options: 2) { dtype in source.copied().converted(to: dtype ?? source.dtype) }
            }
            let (values, shape) = try NestedTable.read(lua, 1)
            guard values.doubles.count == Shape.count(shape) else {
                throw LuaError.argument(1, "nested tables do not form a rectangular array of shape \(Shape.describe(shape))")
            }
            return try finish(lua, options: 2) { dtype in values.tensor(shape: shape, dtype: dtype) }
        case .userdata:
            let source = try lua.tensor(1)
            return try finish(lua, options: 2) { dtype in source.copied().converted(to: dtype ?? source.dtype) }
        default: throw lua.typeError(1, "number, boolean or table")
        }
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
        // PyTorch: integer bounds and step give int64, any float the default float
        let integers = (1..<i).allSatisfy { lua.isInteger($0) }
        let exact = integers ? try (1..<i).map { (k: Int32) throws(LuaError) in Int64(try lua.integer(k)) } : []
        return try finish(lua, options: i) { dtype throws(LuaError) in
            try lua.blame(Int32(Swift.max(numbers.count, 1))) { () throws(TensorError) in
                let dtype = dtype ?? (integers ? .int64 : .float32)
                if integers && dtype == .int64 {
                    let (a, b, s) = exact.count == 1 ? (0, exact[0], 1) : (exact[0], exact[1], exact.count == 3 ? exact[2] : 1)
                    return try Tensor.arange(a, b, s)
                }
                return try Tensor.arange(start, end, step, dtype: dtype)
            }
        }
    }

    static let linspace = LuaFunction("linspace", "torch.linspace(start, end, steps [, options]) -> Tensor",
                                      "steps values evenly spaced from start to end, inclusive.") { lua in
        let a = try lua.number(1), b = try lua.number(2), n = try lua.integer(3)
        guard n >= 0 else { throw LuaError.argument(3, "number of steps must be non-negative") }
        guard n <= maxElements else { throw LuaError.argument(3, "\(n) steps are too many") }
        return try finish(lua, options: 4) { dtype throws(LuaError) in
            try lua.blame(3) { () throws(TensorError) in try Tensor.linspace(a, b, n, dtype: dtype ?? .float32) }
        }
    }

    static let randint = LuaFunction("randint", "torch.randint([low,] high, size [, options]) -> Tensor",
                                     "Random integers in [low, high) (low defaults to 0), int64 unless a dtype is given.") { lua in
        let twoBounds = lua.kind(2) == .number
        let low = twoBounds ? try lua.integer(1) : 0
        let high = try lua.integer(twoBounds ? 2 : 1)
        let sizeAt: Int32 = twoBounds ? 3 : 2
        try lua.checkTable(sizeAt)
        let shape = try lua.sizes(from: sizeAt)
        return try finish(lua, options: sizeAt + 1) { dtype throws(LuaError) in
            try lua.blame(twoBounds ? 2 : 1) { () throws(TensorError) in try Tensor.randint(low, high, shape, dtype: dtype ?? .int64) }
        }
    }

    static let randperm = LuaFunction("randperm", "torch.randperm(n) -> Tensor",
                                      "A random permutation of 1..n (PyTorch's shuffle, 1-based).") { lua in
        let n = try lua.integer(1)
        guard n >= 0, n <= maxElements else { throw LuaError.argument(1, "n must be between 0 and \(maxElements), got \(n)") }
        // the shuffled Ints, then the tensor
        try lua.blame(1) { () throws(TensorError) in
            try MemoryLimit.check([n], bytesPerElement: MemoryLayout<Int>.stride + MemoryLayout<Int64>.stride)
        }
        return try finish(lua, options: 2) { dtype in
            Tensor.indices(zeroBased: Generator.shared.permutation(n), shape: [n]).converted(to: dtype ?? .int64)
        }
    }

    /// A tensor shaped like t, of t's dtype unless options say otherwise.
    private static func like(_ name: String, _ doc: String, floating: Bool = false,
                             _ make: @escaping (Dims, DType) -> Tensor) -> LuaFunction {
        LuaFunction(name, "torch.\(name)(t [, options]) -> Tensor", doc) { lua in
            let source = try lua.tensor(1)
            return try finish(lua, options: 2) { dtype throws(LuaError) in
                let dtype = dtype ?? source.dtype
                if floating && !dtype.isFloatingPoint {
                    throw LuaError.argument(1, "\(name) needs a floating dtype, got \(dtype)")
                }
                try lua.blame(1) { () throws(TensorError) in try MemoryLimit.check(source.shape, bytesPerElement: dtype.itemSize) }
                return make(source.shape, dtype)
            }
        }
    }

    static let zerosLike = like("zeros_like", "Zeros shaped like t.") { Tensor.zeros($0, dtype: $1) }
    static let onesLike = like("ones_like", "Ones shaped like t.") { Tensor.ones($0, dtype: $1) }
    static let randLike = like("rand_like", "Uniform random values shaped like t.", floating: true) { Tensor.rand($0, dtype: $1) }
    static let randnLike = like("randn_like", "Standard normal values shaped like t.", floating: true) { Tensor.randn($0, dtype: $1) }

    static let fullLike = LuaFunction("full_like", "torch.full_like(t, value [, options]) -> Tensor",
                                      "value everywhere, shaped like t.") { lua in
        let source = try lua.tensor(1)
        let v = try lua.number(2)
        return try finish(lua, options: 3) { dtype throws(LuaError) in
            let dtype = dtype ?? source.dtype
            try lua.blame(1) { () throws(TensorError) in try MemoryLimit.check(source.shape, bytesPerElement: dtype.itemSize) }
            return Tensor.full(source.shape, v, dtype: dtype)
        }
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

    static let gradcheck = LuaFunction("gradcheck", "torch.autograd.gradcheck(fn, inputs [, {eps=, atol=, rtol=, raise_exception=true}]) -> boolean",
                                       "Checks fn's gradients against finite differences for every input that requires grad (float64 inputs: PyTorch's eps=1e-6, atol=1e-5, rtol=1e-3; float32: 1e-3, 1e-2, 1e-2).") { lua in
        try lua.checkFunction(1)
        let inputs = try tensorList(lua, 2)
        let o = try lua.options(3, ["eps", "atol", "rtol", "raise_exception"])
        let double = inputs.allSatisfy { $0.dtype == .float64 }
        let eps = try o?.number("eps") ?? (double ? 1e-6 : 1e-3)
        let atol = try o?.number("atol") ?? (double ? 1e-5 : 1e-2), rtol = try o?.number("rtol") ?? (double ? 1e-3 : 1e-2)
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
