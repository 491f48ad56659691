// Cutting a tensor into views (split, unbind) and copies that rearrange it
// (flip, roll, repeat). Like chunk, split and unbind return their pieces as
// several results: local a, b = x:split(2); {x:unbind()} makes a list.
// `repeat` is a Lua keyword, so x:repeat(...) does not parse: x:tile(...) is the
// same copy (PyTorch's tile: fewer sizes than dimensions mean leading ones).

import LuaBridge
import Tensors

enum RearrangingBindings {
    static let shared: [LuaFunction] = [split, unbind, flip, roll, tile]
    static let methods: [LuaFunction] = [repeat_]

    /// One dimension number or a table of them at i, 0-based for a tensor of `rank`.
    static func dimensions(_ lua: Lua, _ i: Int32, rank: Int) throws(LuaError) -> [Int] {
        var given: [Int] = []
        if lua.kind(i) == .table {
            for k in stride(from: 1, through: lua.length(i), by: 1) {
                let (kind, v) = lua.rawNumber(i, k)
                guard kind == .number, let d = Int(exactly: v) else { throw LuaError.argument(i, "dims must be integers (entry \(k) is not)") }
                given.append(d)
            }
        } else {
            given = [try lua.integer(i)]
        }
        var out: [Int] = []
        for d in given {
            guard let z = zeroBasedDimension(d, rank: rank) else { throw LuaError.argument(i, dimensionOutOfRange(d, rank: rank)) }
            guard !out.contains(z) else { throw LuaError.argument(i, "dim \(d) appears multiple times in the list of dims") }
            out.append(z)
        }
        return out
    }

    /// Integers given as numbers from i on, or as one table at i.
    private static func integers(_ lua: Lua, from i: Int32, what: String) throws(LuaError) -> [Int] {
        if lua.kind(i) == .table {
            var out: [Int] = []
            for k in stride(from: 1, through: lua.length(i), by: 1) {
                let (kind, v) = lua.rawNumber(i, k)
                guard kind == .number, let n = Int(exactly: v) else { throw LuaError.argument(i, "\(what) must be integers (entry \(k) is not)") }
                out.append(n)
            }
            return out
        }
        var out: [Int] = []
        var j = i
        while j <= lua.top && lua.kind(j) == .number { out.append(try lua.integer(j)); j += 1 }
        return out
    }

    /// The pieces as one Lua list, as PyTorch returns a tuple: `for _, p in ipairs(t:split(1, 2))`,
    /// `local a, b = table.unpack(t:chunk(2))`.
    static func pushList(_ lua: Lua, _ pieces: [Tensor]) throws(LuaError) -> Int32 {
        try lua.reserve(3)
        lua.newTable(array: pieces.count)
        for (k, p) in pieces.enumerated() {
            lua.push(p)
            lua.rawSet(-2, k + 1)
        }
        return 1
    }

    static let split = LuaFunction("split", "torch.split(t, split_size_or_sizes [, dim=1]) -> {Tensor...}",
                                   "Views of t cut along dim into pieces of split_size (the last may be smaller) or of the sizes in a table, as a list.") { lua in
        let t = try lua.tensor(1)
        guard t.dim > 0 else { throw LuaError.argument(1, "split expects at least a 1-dimensional tensor") }
        let d = lua.isNoneOrNil(3) ? 0 : try lua.dimension(3, rank: t.dim)
        let size = t.shape[d]
        var sizes: [Int] = []
        if lua.kind(2) == .table {
            sizes = try integers(lua, from: 2, what: "split sizes")
            guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, &+) == size else {
                throw LuaError.argument(2, "split_with_sizes expects split_sizes to sum exactly to \(size) (input tensor's size at dimension \(d + 1)), but got split_sizes=\(Shape.describe(sizes))")
            }
        } else {
            let step = try lua.integer(2)
            guard step > 0 || (step == 0 && size == 0) else { throw LuaError.argument(2, "split expects split_size be non-negative, but got split_size=\(step)") }
            // every piece is a tensor object: a list of billions is refused, not attempted
            try lua.blame(2) { () throws(TensorError) in try MemoryLimit.check([step == 0 ? 1 : size / step + 1], bytesPerElement: 512) }
            var start = 0
            repeat {
                sizes.append(Swift.min(step, size - start))
                start += step
            } while start < size
        }
        return try pushList(lua, t.split(sizes: sizes, dim: d))
    }

    static let unbind = LuaFunction("unbind", "torch.unbind(t [, dim=1]) -> {Tensor...}",
                                    "Every slice of t along dim (views without that dimension), as a list.") { lua in
        let t = try lua.tensor(1)
        guard t.dim > 0 else { throw LuaError.argument(1, "dimension specified as 1 but tensor has no dimensions") }
        let d = lua.isNoneOrNil(2) ? 0 : try lua.dimension(2, rank: t.dim)
        try lua.blame(1) { () throws(TensorError) in try MemoryLimit.check([t.shape[d]], bytesPerElement: 512) }
        return try pushList(lua, t.unbind(d))
    }

    static let flip = LuaFunction("flip", "torch.flip(t, dims) or t:flip(dim...) -> Tensor",
                                  "A copy of t with the order of the given dimensions reversed.") { lua in
        let t = try lua.tensor(1)
        let dims: [Int]
        if lua.kind(2) == .table {
            dims = try dimensions(lua, 2, rank: t.dim)
        } else {
            var list: [Int] = []
            var j: Int32 = 2
            while j <= lua.top {
                for d in try dimensions(lua, j, rank: t.dim) {
                    guard !list.contains(d) else { throw LuaError.argument(j, "dim \(d + 1) appears multiple times in the list of dims") }
                    list.append(d)
                }
                j += 1
            }
            guard !list.isEmpty else { throw LuaError.argument(2, "flip needs the dimensions to reverse") }
            dims = list
        }
        lua.push(t.dim == 0 ? t.clone() : t.flip(dims))
        return 1
    }

    static let roll = LuaFunction("roll", "torch.roll(t, shifts [, dims]) -> Tensor",
                                  "A copy of t with its values shifted along dims (numbers or tables), wrapping around; without dims, over the flattened values.") { lua in
        let t = try lua.tensor(1)
        let shifts = lua.kind(2) == .table ? try integers(lua, from: 2, what: "shifts") : [try lua.integer(2)]
        if lua.isNoneOrNil(3) {
            guard shifts.count == 1 else { throw LuaError.argument(2, "shifts and dimensions must align. shifts: \(shifts.count), dims: 0") }
            lua.push(try lua.blame(1) { () throws(TensorError) in try t.roll(shifts[0]) })
            return 1
        }
        let dims = try dimensions(lua, 3, rank: t.dim)
        guard dims.count == shifts.count else {
            throw LuaError.argument(3, "shifts and dimensions must align. shifts: \(shifts.count), dims: \(dims.count)")
        }
        var out = t.dim == 0 ? t.clone() : t
        if t.dim > 0 {
            for (s, d) in zip(shifts, dims) { out = try lua.blame(1) { () throws(TensorError) in try out.roll(s, dim: d) } }
        }
        lua.push(out)
        return 1
    }

    static let repeat_ = LuaFunction("repeat", "t[\"repeat\"](t, size...) -> Tensor  (repeat is a Lua keyword: t:tile(size...) is the same)",
                                     "A copy of t tiled size[i] times along each dimension i (more sizes than dimensions add leading ones).") { lua in
        let t = try lua.tensor(1)
        let times = try lua.sizes(from: 2)
        lua.push(try lua.blame(2) { () throws(TensorError) in try t.repeated(times) })
        return 1
    }

    static let tile = LuaFunction("tile", "torch.tile(t, size...) -> Tensor",
                                  "A copy of t tiled size[i] times along each dimension i; fewer sizes than dimensions are padded with leading 1s (PyTorch's repeat, which Lua cannot name).") { lua in
        let t = try lua.tensor(1)
        var times = try lua.sizes(from: 2)
        if times.count < t.dim { times = Dims(repeating: 1, count: t.dim - times.count) + times }
        lua.push(try lua.blame(2) { () throws(TensorError) in try t.repeated(times) })
        return 1
    }
}
