// Indexing as Lua scripts write it: Torch7's slices x[{ {}, -1 }], boolean masks
// x[mask], and index_select, gather, scatter, masked_select.
//
// Index and mask tensors are read by indexValues and maskValues alone: today they are
// float32 tensors holding whole numbers or 0/1; when tensors get integer and boolean
// element types, only those two functions change.

import LuaBridge
import Tensors

enum TensorIndexing {
    /// Reachable as torch.f(t, ...) and t:f(...).
    static let shared: [LuaFunction] = [indexSelect, gather, scatter, maskedSelect]
    /// Only t:f(...).
    static let methods: [LuaFunction] = [scatter_]

    // MARK: Reading index and mask tensors

    /// The values of an index tensor as written (1-based, unchecked): int64, int32 and uint8
    /// exactly, a float tensor only when every value is a whole number (as Torch7 took them),
    /// bool refused. Every index tensor lstmlua takes is read here.
    static func integers(_ index: Tensor, argument: Int32, what: String = "indices",
                         wholeNumbers: String = "whole numbers") throws(LuaError) -> [Int] {
        do throws(TensorError) { try MemoryLimit.check([index.count], bytesPerElement: 16) } catch {
            throw LuaError.argument(argument, error.message)
        }
        guard index.dtype != .bool else {
            throw LuaError.argument(argument, "\(what) must be an integer tensor (int64 or int32), got a bool tensor")
        }
        var values: [Int] = []
        values.reserveCapacity(index.count)
        if index.dtype.isFloatingPoint {
            for v in index.doubles {
                guard v.isFinite, v == v.rounded(), let k = Int(exactly: v) else {
                    throw LuaError.argument(argument, "\(what) must be \(wholeNumbers), got \(v)")
                }
                values.append(k)
            }
        } else {
            let exact = index.converted(to: .int64)
            let base = exact.storage.elements(Int64.self)
            exact.forEachOffset { values.append(Int(base[$0])) }
        }
        return values
    }

    /// The 1-based indices held by `index` as 0-based ones into a dimension of `size` (0-based
    /// dimension `dim`); negative ones count from the end only where `allowNegative`.
    static func indexValues(_ index: Tensor, size: Int, dim: Int, allowNegative: Bool = false,
                            argument: Int32) throws(LuaError) -> [Int] {
        let values = try integers(index, argument: argument)
        var out: [Int] = []
        out.reserveCapacity(values.count)
        for k in values {
            let z = k > 0 ? k - 1 : (allowNegative ? size + k : -1)
            guard k != 0, z >= 0, z < size else {
                if k <= 0 && !allowNegative {
                    throw LuaError.argument(argument, "index \(k) is out of range for dimension \(dim + 1) of size \(size): indices are 1-based, use 1..\(size)")
                }
                throw LuaError.argument(argument, indexOutOfRange(k, dimension: dim + 1, size: size))
            }
            out.append(z)
        }
        return out
    }

    /// The truth values of a mask: a bool tensor (or uint8, as PyTorch's legacy masks), or
    /// for a float or int64 tensor, values 0 and 1 only (lstmlua's masks before it had bool).
    static func maskValues(_ mask: Tensor, argument: Int32) throws(LuaError) -> [Bool] {
        // read through a Double per element, kept as a Bool: a broadcast mask may be huge
        do throws(TensorError) { try MemoryLimit.check([mask.count], bytesPerElement: 9) } catch {
            throw LuaError.argument(argument, error.message)
        }
        if mask.dtype == .bool || mask.dtype == .uint8 {
            return mask.doubles.map { $0 != 0 }
        }
        var out: [Bool] = []
        out.reserveCapacity(mask.count)
        for v in mask.doubles {
            guard v == 0 || v == 1 else { throw LuaError.argument(argument, "a mask holds 0 and 1 only, got \(v)") }
            out.append(v == 1)
        }
        return out
    }

    // MARK: Slices

    /// "bad argument #k to 'index' (...)": k is the entry of the index table at fault.
    private static func bad(_ k: Int, _ message: String) -> LuaError {
        .plain("bad argument #\(k) to 'index' (\(message))")
    }

    /// The 0-based position of a 1-based or negative index into a dimension of `size`.
    private static func resolve(_ i: Int, size: Int) -> Int { i > 0 ? i - 1 : size + i }

    /// t[{...}] for the index table at `key`: a number selects (dropping the dimension), {}
    /// keeps a dimension, {i} keeps only index i, {first, last [, step]} a range (inclusive);
    /// later dimensions are kept. The result is a view, with autograd as select and narrow.
    static func view(_ t: Tensor, _ lua: Lua, key: Int32) throws(LuaError) -> Tensor {
        var out = t
        var d = 0
        let entries = lua.length(key)
        guard entries <= t.dim || t.dim == 0 && entries == 0 else {
            throw bad(t.dim + 1, "too many indices for a tensor of \(t.dim) dimension\(t.dim == 1 ? "" : "s"): got \(entries)")
        }
        for k in stride(from: 1, through: entries, by: 1) {
            lua.rawGet(key, k)
            defer { lua.pop() }
            let size = out.shape[d]
            switch lua.kind(-1) {
            case .number:
                guard let i = lua.integerValue(-1) else { throw bad(k, "index \(try lua.number(-1)) is not an integer") }
                let z = resolve(i, size: size)
                guard i != 0, z >= 0, z < size else { throw bad(k, indexOutOfRange(i, dimension: d + 1, size: size)) }
                out = out.select(d, index: z)
            case .table:
                let parts = lua.length(-1)
                guard parts <= 3 else { throw bad(k, "a range is {first, last [, step]}, got \(parts) numbers for dimension \(d + 1)") }
                var bounds: [Int] = []
                for j in stride(from: 1, through: parts, by: 1) {
                    let (kind, v) = lua.rawNumber(-1, j)
                    guard kind == .number, let n = Int(exactly: v) else {
                        throw bad(k, "the range for dimension \(d + 1) must hold integers (entry \(j) is \(kind == .number ? "\(v)" : kind == .luaNil ? "nil" : "a \(kind)"))")
                    }
                    bounds.append(n)
                }
                if bounds.isEmpty { d += 1; continue }
                let first = bounds[0], last = bounds.count > 1 ? bounds[1] : bounds[0]
                let step = bounds.count > 2 ? bounds[2] : 1
                guard step > 0 else { throw bad(k, "the step for dimension \(d + 1) must be positive, got \(step)") }
                let a = resolve(first, size: size), b = resolve(last, size: size)
                // first may be one past the end when the range is empty (x[{ {n+1, n} }])
                guard first != 0, a >= 0, a <= size, a < size || b < a else {
                    throw bad(k, indexOutOfRange(first, dimension: d + 1, size: size, what: "first index"))
                }
                guard last != 0, b >= -1, b < size else {
                    throw bad(k, indexOutOfRange(last, dimension: d + 1, size: size, what: "last index"))
                }
                let length = b >= a ? (b - a) / step + 1 : 0
                out = out.slice(d, start: Swift.min(a, size), length: length, step: step)
                d += 1
            default:
                throw bad(k, "dimension \(d + 1) is indexed by a number or a range table {first, last [, step]}, not by a \(lua.typeName(-1))")
            }
        }
        return out
    }

    /// t[key] = value for a slice table or a mask: a number fills, a tensor is copied (broadcast);
    /// refused where copy_ is (a leaf that requires grad, a tensor in a graph).
    static func write(_ t: Tensor, _ lua: Lua, key: Int32, value: Int32) throws(LuaError) {
        guard lua.kind(value) == .number || lua.kind(value) == .boolean || TensorClass.shared.test(lua, value) != nil else {
            throw LuaError.plain("cannot assign a \(lua.typeName(value)) to a tensor slice (number or Tensor expected)")
        }
        let source = TensorClass.shared.test(lua, value)
        let number = source == nil ? (lua.kind(value) == .boolean ? (try lua.boolean(value) ? 1.0 : 0.0) : try lua.number(value)) : 0
        if let index = TensorClass.shared.test(lua, key), index.dtype == .int64 || index.dtype == .int32 {
            // x[idx] = v: the rows at the indices, as PyTorch's index_put_ along the first dimension
            guard t.dim > 0 else { throw bad(1, "a 0-dim tensor cannot be indexed by a tensor") }
            let rows = try asIndexError { () throws(LuaError) in
                try indexValues(index, size: t.shape[0], dim: 0, allowNegative: true, argument: 1)
            }
            do throws(TensorError) {
                if let source { try t.checkWritable(source) } else { try t.checkWritable() }
                let target = t.detach()
                let values = try source.map { s throws(TensorError) in try s.expand([rows.count] + Dims(t.shape.slice(1..<t.dim))) }
                for (k, r) in rows.enumerated() {
                    if let values { try target.select(0, index: r).copy_(values.select(0, index: k)) } else {
                        try target.select(0, index: r).fill_(number)
                    }
                }
            } catch { throw LuaError.plain(error.message) }
            return
        }
        if let mask = TensorClass.shared.test(lua, key) {
            let m = try asIndexError { () throws(LuaError) in try maskValues(mask, argument: 1) }
            do throws(TensorError) { try t.maskedAssign(m, shape: mask.shape, src: source, value: number) } catch { throw bad(1, error.message) }
            return
        }
        do {
            if let source { try t.checkWritable(source) } else { try t.checkWritable() }
        } catch where !t.requiresGrad && source?.requiresGrad == true {
            // PyTorch records this write (CopySlices); lstmlua's in-place writes do not rewrite graphs
            throw LuaError.plain(error.message + " (to fill a tensor from results that require grad, collect them in a table and join them with torch.stack or torch.cat)")
        } catch {
            throw error == .interrupted ? LuaError.interrupted : LuaError.plain(error.message)
        }
        // the target is a view outside the graph: what is written lands in t's storage
        let target = try view(t.detach(), lua, key: key)
        try lua.plainly { () throws(TensorError) in
            if let source { try target.copy_(source) } else { try target.fill_(number) }
        }
    }

    /// t[mask]: the elements (or, for a mask over the leading dimensions, the sub-tensors) where mask is 1.
    /// t[tensor]: an int64/int32 tensor picks rows along the first dimension (PyTorch's advanced
    /// indexing, 1-based, negative from the end); a bool (or 0/1) tensor is a mask.
    static func byTensor(_ t: Tensor, _ key: Tensor) throws(LuaError) -> Tensor {
        guard key.dtype == .int64 || key.dtype == .int32 else { return try masked(t, key) }
        guard t.dim > 0 else { throw bad(1, "a 0-dim tensor cannot be indexed by a tensor") }
        guard key.dim + t.dim - 1 <= Dims.maxRank else {
            throw bad(1, "the result would have \(key.dim + t.dim - 1) dimensions, more than \(Dims.maxRank)")
        }
        let rows = try asIndexError { () throws(LuaError) in
            try indexValues(key, size: t.shape[0], dim: 0, allowNegative: true, argument: 1)
        }
        do throws(TensorError) {
            return try t.indexSelect(0, rows).view(key.shape + Dims(t.shape.slice(1..<t.dim)))
        } catch { throw bad(1, error.message) }
    }

    static func masked(_ t: Tensor, _ mask: Tensor) throws(LuaError) -> Tensor {
        let m = try asIndexError { () throws(LuaError) in try maskValues(mask, argument: 1) }
        do { return try t.maskedSelect(m, shape: mask.shape) } catch { throw bad(1, error.message) }
    }

    /// A reader's "bad argument" as the index's own: t[mask] is no call with arguments.
    private static func asIndexError<T>(_ body: () throws(LuaError) -> T) throws(LuaError) -> T {
        do { return try body() } catch {
            if case .argument(_, let message) = error { throw bad(1, message) }
            throw error
        }
    }

    // MARK: Functions

    static let indexSelect = LuaFunction("index_select", "torch.index_select(t, dim, index) -> Tensor",
                                         "The slices of t at the 1-based indices (a 1-D tensor) along dim, copied.") { lua in
        let t = try lua.tensor(1)
        guard t.dim > 0 else { throw LuaError.argument(1, "index_select() cannot be applied to a 0-dim tensor") }
        let d = try lua.dimension(2, rank: t.dim)
        let index = try lua.tensor(3)
        guard index.dim <= 1 else { throw LuaError.argument(3, "index_select(): index must be a vector, got a \(index.dim)-D tensor") }
        let i = try indexValues(index, size: t.shape[d], dim: d, argument: 3)
        lua.push(try lua.blame(3) { () throws(TensorError) in try t.indexSelect(d, i) })
        return 1
    }

    static let gather = LuaFunction("gather", "torch.gather(t, dim, index) -> Tensor",
                                    "out[i][j] = t[index[i][j]][j] for dim 1 (and so on): values picked along dim at 1-based indices.") { lua in
        let t = try lua.tensor(1)
        guard t.dim > 0 else { throw LuaError.argument(1, "gather() cannot be applied to a 0-dim tensor") }
        let d = try lua.dimension(2, rank: t.dim)
        let index = try lua.tensor(3)
        let i = try indexValues(index, size: t.shape[d], dim: d, argument: 3)
        lua.push(try lua.blame(3) { () throws(TensorError) in try t.gather(d, i, shape: index.shape) })
        return 1
    }

    /// (dim, indices, index shape, src or value) of scatter(dim, index, src | value).
    private static func scatterArguments(_ lua: Lua, _ t: Tensor) throws(LuaError) -> (Int, [Int], Dims, Tensor?, Double) {
        guard t.dim > 0 else { throw LuaError.argument(1, "scatter() cannot be applied to a 0-dim tensor") }
        let d = try lua.dimension(2, rank: t.dim)
        let index = try lua.tensor(3)
        let i = try indexValues(index, size: t.shape[d], dim: d, argument: 3)
        if lua.kind(4) == .number { return (d, i, index.shape, nil, try lua.number(4)) }
        guard let src = TensorClass.shared.test(lua, 4) else { throw lua.typeError(4, "Tensor or number") }
        return (d, i, index.shape, src, 0)
    }

    static let scatter = LuaFunction("scatter", "torch.scatter(t, dim, index, src | value) -> Tensor",
                                     "A copy of t with out[index[i][j]][j] = src[i][j] for dim 1 (and so on); 1-based indices.") { lua in
        let t = try lua.tensor(1)
        let (d, i, shape, src, value) = try scatterArguments(lua, t)
        lua.push(try lua.blame(3) { () throws(TensorError) in try t.scatter(d, i, shape: shape, src: src, value: value) })
        return 1
    }

    static let scatter_ = LuaFunction("scatter_", "t:scatter_(dim, index, src | value) -> t",
                                      "scatter in place: t[index[i][j]][j] = src[i][j] for dim 1 (and so on).") { lua in
        let t = try lua.tensor(1)
        let (d, i, shape, src, value) = try scatterArguments(lua, t)
        try lua.blame(1) { () throws(TensorError) in try t.scatter_(d, i, shape: shape, src: src, value: value) }
        lua.pushValue(1)
        return 1
    }

    static let maskedSelect = LuaFunction("masked_select", "torch.masked_select(t, mask) -> Tensor",
                                          "The elements of t where mask (broadcast with t; 0/1 values) is 1, as a 1-D tensor.") { lua in
        let t = try lua.tensor(1), mask = try lua.tensor(2)
        guard let shape = Shape.broadcast(t.shape, mask.shape) else {
            throw LuaError.argument(2, "the mask's shape \(Shape.describe(mask.shape)) does not broadcast with \(Shape.describe(t.shape))")
        }
        let m = try maskValues(try lua.blame(2) { () throws(TensorError) in try mask.expand(shape) }, argument: 2)
        let x = try lua.blame(1) { () throws(TensorError) in try t.expand(shape) }
        lua.push(try lua.blame(2) { () throws(TensorError) in
            try x.maskedSelect(m, shape: shape, name: "MaskedSelectBackward0")
        })
        return 1
    }
}
