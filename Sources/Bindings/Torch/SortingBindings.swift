// Ordering and picking along a dimension: sort, topk, argmax, argmin, and
// multinomial draws. Every index they return is 1-based (Tensor.indices).

import LuaBridge
import Tensors

enum SortingBindings {
    static let shared: [LuaFunction] = [sort, topk, argmax, argmin, multinomial]

    /// The dimension at i (default the last), for a tensor of any rank (0-d: its one dimension).
    private static func lastOr(_ lua: Lua, _ i: Int32, _ t: Tensor, _ given: Int?) throws(LuaError) -> Int {
        guard let d = given else { return Swift.max(t.dim - 1, 0) }
        guard let z = zeroBasedDimension(d, rank: t.dim) else { throw LuaError.argument(i, dimensionOutOfRange(d, rank: t.dim)) }
        return t.dim == 0 ? 0 : z
    }

    static let sort = LuaFunction("sort", "torch.sort(t [, dim=-1 [, descending=false]]) or (t, {dim=, descending=, stable=}) -> values, indices",
                                  "t's values ordered along dim (NaN last), and their 1-based positions in t; equal values keep their order.") { lua in
        let t = try lua.tensor(1)
        let dim: Int?, descending: Bool
        if lua.isOptions(2) {
            let o = try lua.options(2, ["dim", "descending", "stable"])
            dim = try o?.integer("dim")
            descending = try o?.boolean("descending") ?? false
            _ = try o?.boolean("stable")
        } else {
            dim = try lua.optionalInteger(2)
            descending = try lua.optionalBoolean(3) ?? false
        }
        let d = try lastOr(lua, 2, t, dim)
        let (values, indices) = try lua.blame(1) { () throws(TensorError) in try t.sort(dim: d, descending: descending) }
        lua.push(values)
        lua.push(Tensor.indices(zeroBased: indices, shape: values.shape))
        return 2
    }

    static let topk = LuaFunction("topk", "torch.topk(t, k [, dim=-1 [, largest=true [, sorted=true]]]) or (t, k, {dim=, largest=, sorted=}) -> values, indices",
                                  "The k largest (or smallest) values along dim, in order, and their 1-based positions.") { lua in
        let t = try lua.tensor(1)
        let k = try lua.integer(2)
        let dim: Int?, largest: Bool
        if lua.isOptions(3) {
            let o = try lua.options(3, ["dim", "largest", "sorted"])
            dim = try o?.integer("dim")
            largest = try o?.boolean("largest") ?? true
            _ = try o?.boolean("sorted")
        } else {
            dim = try lua.optionalInteger(3)
            largest = try lua.optionalBoolean(4) ?? true
            _ = try lua.optionalBoolean(5)
        }
        let d = try lastOr(lua, 3, t, dim)
        let (values, indices) = try lua.blame(2) { () throws(TensorError) in try t.topk(k, dim: d, largest: largest) }
        lua.push(values)
        lua.push(Tensor.indices(zeroBased: indices, shape: values.shape))
        return 2
    }

    private static func extremeIndex(_ lua: Lua, largest: Bool) throws(LuaError) -> Int32 {
        let t = try lua.tensor(1)
        let name = largest ? "argmax" : "argmin"
        var dim: Int? = nil, keep = false
        if lua.isOptions(2) {
            let o = try lua.options(2, ["dim", "keepdim"])
            dim = try o?.integer("dim")
            keep = try o?.boolean("keepdim") ?? false
        } else {
            dim = try lua.optionalInteger(2)
            keep = try lua.optionalBoolean(3) ?? false
        }
        guard let given = dim else {
            guard t.count > 0 else { throw LuaError.argument(1, "\(name)(): expected reduction dim to be specified for input.numel() == 0") }
            let flat = try lua.blame(1) { () throws(TensorError) in try t.detach().reshape([t.count]) }
            let (_, i) = try lua.blame(1) { () throws(TensorError) in try flat.extreme(dim: 0, largest: largest) }
            lua.push(Tensor.indices(zeroBased: i, shape: keep ? Dims(repeating: 1, count: t.dim) : []))
            return 1
        }
        let d = try lastOr(lua, 2, t, given)
        let (values, indices) = try lua.blame(1) { () throws(TensorError) in
            try t.detach().extreme(dim: d, keepDim: keep, largest: largest)
        }
        lua.push(Tensor.indices(zeroBased: indices, shape: values.shape))
        return 1
    }

    static let argmax = LuaFunction("argmax", "torch.argmax(t [, dim [, keepdim=false]]) -> Tensor",
                                    "The 1-based position of the largest value (the first, if tied; NaN wins), over all of t or along dim.") { lua in
        try extremeIndex(lua, largest: true)
    }

    static let argmin = LuaFunction("argmin", "torch.argmin(t [, dim [, keepdim=false]]) -> Tensor",
                                    "The 1-based position of the smallest value (the first, if tied; NaN wins), over all of t or along dim.") { lua in
        try extremeIndex(lua, largest: false)
    }

    static let multinomial = LuaFunction("multinomial", "torch.multinomial(weights, n [, replacement=false]) or (weights, n, {replacement=}) -> Tensor",
                                         "n 1-based category indices drawn from each row of weights (1-D or 2-D, non-negative, not necessarily summing to 1), from the shared generator.") { lua in
        let w = try lua.tensor(1)
        let n = try lua.integer(2)
        let replacement = lua.isOptions(3) ? try lua.options(3, ["replacement"])?.boolean("replacement") ?? false
                                           : try lua.optionalBoolean(3) ?? false
        let drawn = try lua.blame(1) { () throws(TensorError) in try w.multinomial(n, replacement: replacement) }
        lua.push(Tensor.indices(zeroBased: drawn, shape: w.dim == 1 ? [n] : [w.shape[0], n]))
        return 1
    }
}
