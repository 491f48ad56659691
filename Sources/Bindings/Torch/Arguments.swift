// Reading torch's arguments the way users write them: sizes as numbers or a
// table, 1-based and negative dimensions, options tables, numbers where a tensor
// may go, nested tables of numbers.

import LuaBridge
import Tensors

/// The largest tensor lstmlua makes: 2^33 elements (32 GiB), far past this machine's memory.
let maxElements = Shape.maxElements

extension Lua {
    func tensor(_ i: Int32) throws(LuaError) -> Tensor { try TensorClass.shared.check(self, i) }

    func optionalTensor(_ i: Int32) throws(LuaError) -> Tensor? {
        isNoneOrNil(i) ? nil : try tensor(i)
    }

    func push(_ t: Tensor) { TensorClass.shared.push(t, self) }

    /// The Lua array of tensors at i; `entry(k)` names entry k in the error for a non-tensor.
    func tensorArray(_ i: Int32, entry: (Int) -> String) throws(LuaError) -> [Tensor] {
        try checkTable(i)
        let count = length(i)
        var out: [Tensor] = []
        out.reserveCapacity(count)
        for k in stride(from: 1, through: count, by: 1) {
            rawGet(i, k)
            defer { pop() }
            guard let t = TensorClass.shared.test(self, -1) else {
                throw LuaError.argument(i, "\(entry(k)) is a \(typeName(-1)), not a Tensor")
            }
            out.append(t)
        }
        return out
    }

    func push(_ t: Tensor?) {
        if let t { push(t) } else { pushNil() }
    }

    /// Is argument i a Lua float (PyTorch's float scalar, whatever its value)?
    func isFloat(_ i: Int32) -> Bool { kind(i) == .number && !isInteger(i) }

    /// Is argument i an integer that a double would round (past 2^53)? Arithmetic with it
    /// then runs in int64 through a 0-dimensional tensor, never through a double.
    func isInexactInteger(_ i: Int32) -> Bool {
        guard isInteger(i), let n = integerValue(i) else { return false }
        let d = Double(n)
        return d >= 0x1p63 || Int(d) != n
    }

    /// A tensor argument, or a number made into a 0-dimensional tensor: a Lua integer as
    /// int64, a float as float32, a boolean as bool (PyTorch's scalar types).
    func tensorOrNumber(_ i: Int32) throws(LuaError) -> Tensor {
        // a tensor first: the common case, found by one type check
        if let t = TensorClass.shared.test(self, i) { return t }
        if isInteger(i), let n = integerValue(i) {
            let t = Tensor(uninitializedShape: [], dtype: .int64)
            t.elements(Int64.self).pointee = Int64(n)
            return t
        }
        if kind(i) == .number {
            return Tensor(filling: try number(i), shape: [], dtype: isInteger(i) ? .int64 : .float32)
        }
        if kind(i) == .boolean { return Tensor(filling: try boolean(i) ? 1 : 0, shape: [], dtype: .bool) }
        throw typeError(i, "Tensor or number")
    }

    /// The tensor at i, ready for arithmetic with the number at `scalar`: an integer or bool
    /// tensor meets a Lua float as float32, a bool tensor meets an integer as int64 (PyTorch's
    /// rule that a scalar only counts when it is of a wider category).
    func scalarOperand(_ i: Int32, with scalar: Int32) throws(LuaError) -> Tensor {
        let t = try tensor(i)
        if !t.dtype.isFloatingPoint && !isInteger(scalar) { return t.to(DType.defaultFloat) }
        if t.dtype == .bool { return t.to(.int64) }
        return t
    }

    /// Is the value at i an options table (a table with no array part)?
    func isOptions(_ i: Int32) -> Bool {
        kind(i) == .table && length(i) == 0 && TensorClass.shared.test(self, i) == nil
    }

    /// Sizes given as numbers from i on, or as one table at i; an options table ends them.
    /// `infer` allows one -1 (view, reshape).
    func sizes(from i: Int32, infer: Bool = false) throws(LuaError) -> Dims {
        if kind(i) == .table && length(i) > 0 {
            var out: [Int] = []
            for k in 1...length(i) {
                let (kind, v) = rawNumber(i, k)
                guard kind == .number, let n = Int(exactly: v) else {
                    throw LuaError.argument(i, "size must be a table of integers (entry \(k) is \(kind == .number ? "not an integer" : "a \(kind)"))")
                }
                out.append(n)
            }
            try checkSizes(out, i, infer: infer)
            return Dims(out)
        }
        // Straight into Dims: a view's sizes are read on every call, and an array would be a heap block.
        var out = Dims()
        var j = i
        let last = top
        while j <= last {
            if kind(j) != .number {
                if isOptions(j) { break }
                throw j == i && kind(j) == .table ? typeError(i, "size") : typeError(j, "number")
            }
            if out.count == Dims.maxRank {
                var given = out.count
                while j <= last && kind(j) == .number { given += 1; j += 1 }
                throw LuaError.argument(i, "\(given) sizes given; tensors have at most \(Dims.maxRank) dimensions")
            }
            out.append(try integer(j))
            j += 1
        }
        try checkSizes(out, i, infer: infer)
        return out
    }

    private func checkSizes<C: Collection>(_ sizes: C, _ i: Int32, infer: Bool) throws(LuaError) where C.Element == Int {
        guard sizes.count <= Dims.maxRank else {
            throw LuaError.argument(i, "\(sizes.count) sizes given; tensors have at most \(Dims.maxRank) dimensions")
        }
        var total = 1
        for s in sizes {
            if s < 0 && !(infer && s == -1) {
                throw LuaError.argument(i, "size \(Shape.describe(sizes)) has a negative dimension \(s)")
            }
            if s > 0 {
                let (p, overflow) = total.multipliedReportingOverflow(by: s)
                guard !overflow, p <= maxElements else {
                    throw LuaError.argument(i, "size \(Shape.describe(sizes)) is too large (more than \(maxElements) elements)")
                }
                total = p
            }
        }
    }

    /// A 1-based (or negative) dimension number at i, as a 0-based one for a tensor of `rank`.
    func dimension(_ i: Int32, rank: Int, extra: Int = 0) throws(LuaError) -> Int {
        let d = try integer(i)
        guard let z = zeroBasedDimension(d, rank: rank + extra) else {
            throw LuaError.argument(i, dimensionOutOfRange(d, rank: rank + extra))
        }
        return z
    }

    func optionalDimension(_ i: Int32, rank: Int) throws(LuaError) -> Int? {
        isNoneOrNil(i) ? nil : try dimension(i, rank: rank)
    }

    /// Lua's 1-based index at i into a dimension of `size`, 0-based; negative counts from the end.
    func index(_ i: Int32, size: Int, dim: Int) throws(LuaError) -> Int {
        let k = try integer(i)
        let z = k > 0 ? k - 1 : size + k
        guard k != 0, z >= 0, z < size else {
            throw LuaError.argument(i, indexOutOfRange(k, dimension: dim + 1, size: size))
        }
        return z
    }

    /// The options table at i (or none), checked against the names a function accepts.
    func options(_ i: Int32, _ allowed: Set<String>) throws(LuaError) -> Options? {
        guard !isNoneOrNil(i) else { return nil }
        guard kind(i) == .table else { throw typeError(i, "table") }
        let keys = try unknownKeys(i, allowed: [])
        // An empty table ({} in a training loop, say) is no options at all: nothing to look up.
        if keys.isEmpty { return nil }
        if let first = keys.first(where: { !allowed.contains($0) }) {
            throw LuaError.argument(i, "unknown option '\(first)' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
        return Options(lua: self, index: i)
    }

    /// Maps a core error to "bad argument #i" of this call.
    @inline(__always)
    func blame<T>(_ i: Int32, _ body: () throws(TensorError) -> T) throws(LuaError) -> T {
        do { return try body() } catch {
            throw error == .interrupted ? LuaError.interrupted : LuaError.argument(i, error.message)
        }
    }

    /// Maps a core error to a message with only the caller's position.
    @inline(__always)
    func plainly<T>(_ body: () throws(TensorError) -> T) throws(LuaError) -> T {
        do { return try body() } catch { throw error == .interrupted ? LuaError.interrupted : LuaError.plain(error.message) }
    }

    /// Maps a core error to a message naming the function.
    @inline(__always)
    func report<T>(_ body: () throws(TensorError) -> T) throws(LuaError) -> T {
        do { return try body() } catch { throw error == .interrupted ? LuaError.interrupted : LuaError.message(error.message) }
    }
}

/// What is wrong with dimension d of a tensor of `rank`; for 0, that Lua counts from 1
/// (a PyTorch habit).
func dimensionOutOfRange(_ d: Int, rank: Int) -> String {
    let r = max(rank, 1)
    if d == 0 { return "dimension 0 is out of range: dimensions are 1-based, use 1..\(r) or -\(r)..-1" }
    return "dimension \(d) out of range (expected 1 to \(r), or -\(r) to -1)"
}

/// What is wrong with index k (or another position, `what`) into a dimension of `size`.
func indexOutOfRange(_ k: Int, dimension: Int, size: Int, what: String = "index") -> String {
    let problem = "\(what) \(k) out of range for dimension \(dimension) of size \(size)"
    guard k == 0 else { return problem }
    return "\(what) 0 is out of range for dimension \(dimension) of size \(size): indices are 1-based, use 1..\(size) or -\(size)..-1"
}

/// A 1-based or negative Lua dimension as a 0-based one, or nil when out of range (0 is never valid).
func zeroBasedDimension(_ d: Int, rank: Int) -> Int? {
    let r = max(rank, 1)
    if d >= 1 && d <= r { return d - 1 }
    if d <= -1 && d >= -r { return d + r }
    return nil
}

/// Named options from a table argument, read raw, with type checks that name the option.
struct Options {
    let lua: Lua
    let index: Int32

    private func value<T>(_ key: String, _ read: (Int32) throws(LuaError) -> T) throws(LuaError) -> T? {
        lua.rawGet(index, key)
        defer { lua.pop() }
        if lua.isNoneOrNil(-1) { return nil }
        do {
            return try read(lua.top)
        } catch {
            if case .argument(_, let m) = error { throw LuaError.argument(index, "option '\(key)': \(m)") }
            throw error
        }
    }

    func number(_ key: String) throws(LuaError) -> Double? { try value(key) { i throws(LuaError) in try lua.number(i) } }
    func integer(_ key: String) throws(LuaError) -> Int? { try value(key) { i throws(LuaError) in try lua.integer(i) } }
    func boolean(_ key: String) throws(LuaError) -> Bool? { try value(key) { i throws(LuaError) in try lua.boolean(i) } }
    func string(_ key: String) throws(LuaError) -> String? { try value(key) { i throws(LuaError) in try lua.string(i) } }
    func tensor(_ key: String) throws(LuaError) -> Tensor? { try value(key) { i throws(LuaError) in try lua.tensor(i) } }
    /// Is the option a Lua float (PyTorch's float scalar, whatever its value)?
    func isFloat(_ key: String) throws(LuaError) -> Bool {
        try value(key) { i throws(LuaError) in lua.isFloat(i) } ?? false
    }

    /// A list of numbers, e.g. betas = {0.9, 0.999}.
    func numbers(_ key: String) throws(LuaError) -> [Double]? {
        try value(key) { i throws(LuaError) in
            try lua.checkTable(i)
            var out: [Double] = []
            for k in stride(from: 1, through: lua.length(i), by: 1) {
                let (kind, v) = lua.rawNumber(i, k)
                guard kind == .number else { throw LuaError.argument(i, "entry \(k) must be a number") }
                out.append(v)
            }
            return out
        }
    }
}
