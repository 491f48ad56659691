// Products of vectors (dot, outer), running sums (cumsum), spread (var, std),
// elementwise extremes of two tensors (maximum, minimum),
// masking (masked_fill), in-place clamping and tensors made like another (new_*).

import LuaBridge
import Tensors

enum StatisticsBindings {
    static let shared: [LuaFunction] = [dot, outer, cumsum, variance, standardDeviation, maskedFill, maximum, minimum]

    static let maximum = LuaFunction("maximum", "torch.maximum(a, b) -> Tensor",
                                     "The larger of a and b elementwise (broadcast; NaN wins); the gradient splits evenly on ties.") { lua in
        let a = try lua.tensor(1), b = try lua.tensor(2)
        lua.push(try lua.blame(2) { () throws(TensorError) in try a.maximum(b) })
        return 1
    }

    static let minimum = LuaFunction("minimum", "torch.minimum(a, b) -> Tensor",
                                     "The smaller of a and b elementwise (broadcast; NaN wins); the gradient splits evenly on ties.") { lua in
        let a = try lua.tensor(1), b = try lua.tensor(2)
        lua.push(try lua.blame(2) { () throws(TensorError) in try a.minimum(b) })
        return 1
    }
    static let methods: [LuaFunction] = [maskedFill_, clamp_, newZeros, newOnes, newFull]

    static let dot = LuaFunction("dot", "torch.dot(a, b) -> Tensor", "The inner product of two 1-D tensors of the same size (0-d).") { lua in
        let a = try lua.tensor(1), b = try lua.tensor(2)
        guard a.dim == 1 && b.dim == 1 else { throw LuaError.argument(a.dim == 1 ? 2 : 1, "1D tensors expected, but got \(a.dim)D and \(b.dim)D tensors") }
        guard a.count == b.count else {
            throw LuaError.argument(2, "inconsistent tensor size, expected tensor [\(a.count)] and src [\(b.count)] to have the same number of elements, but got \(a.count) and \(b.count) elements respectively")
        }
        lua.push(try lua.blame(2) { () throws(TensorError) in try a.matmul(b) })
        return 1
    }

    static let outer = LuaFunction("outer", "torch.outer(a, b) -> Tensor", "The outer product of 1-D tensors: [n] and [m] give [n, m] with a[i]·b[j].") { lua in
        let a = try lua.tensor(1), b = try lua.tensor(2)
        guard a.dim == 1 else { throw LuaError.argument(1, "outer expects a 1-D tensor, got \(a.dim)-D") }
        guard b.dim == 1 else { throw LuaError.argument(2, "outer expects a 1-D tensor, got \(b.dim)-D") }
        lua.push(try lua.blame(2) { () throws(TensorError) in try a.unsqueeze(1).mul(b.unsqueeze(0)) })
        return 1
    }

    static let cumsum = LuaFunction("cumsum", "torch.cumsum(t, dim) -> Tensor", "Running sums of t along dim (accumulated in double).") { lua in
        let t = try lua.tensor(1)
        let d = lua.isOptions(2) ? try lua.options(2, ["dim"])?.integer("dim") : try lua.integer(2)
        guard let d else { throw LuaError.argument(2, "cumsum needs dim") }
        guard let z = zeroBasedDimension(d, rank: t.dim) else { throw LuaError.argument(2, dimensionOutOfRange(d, rank: t.dim)) }
        lua.push(t.cumsum(dim: t.dim == 0 ? 0 : z))
        return 1
    }

    /// dim, correction and keepdim: (t [, dim [, unbiased [, keepdim]]]), (t, unbiased) or (t [, dim], {correction=, unbiased=, keepdim=}).
    private static func spread(_ lua: Lua, _ t: Tensor) throws(LuaError) -> (dim: Int?, correction: Double, keep: Bool) {
        var dim: Int? = nil, correction = 1.0, keep = false
        var i: Int32 = 2
        if lua.kind(2) == .boolean { return (nil, try lua.boolean(2) ? 1 : 0, false) }
        if lua.kind(2) == .number {
            let d = try lua.integer(2)
            guard let z = zeroBasedDimension(d, rank: t.dim) else { throw LuaError.argument(2, dimensionOutOfRange(d, rank: t.dim)) }
            dim = z
            i = 3
        }
        if lua.isOptions(i) {
            let o = try lua.options(i, ["dim", "correction", "unbiased", "keepdim"])
            if let d = try o?.integer("dim") {
                guard let z = zeroBasedDimension(d, rank: t.dim) else { throw LuaError.argument(i, dimensionOutOfRange(d, rank: t.dim)) }
                dim = z
            }
            if let u = try o?.boolean("unbiased") { correction = u ? 1 : 0 }
            if let c = try o?.number("correction") { correction = c }
            keep = try o?.boolean("keepdim") ?? false
        } else if i == 3 {
            if let u = try lua.optionalBoolean(3) { correction = u ? 1 : 0 }
            keep = try lua.optionalBoolean(4) ?? false
        } else if !lua.isNoneOrNil(2) {
            throw lua.typeError(2, "number, boolean or options table")
        }
        return (dim.map { t.dim == 0 ? 0 : $0 }, correction, keep)
    }

    static let variance = LuaFunction("var", "torch.var(t [, dim [, unbiased=true [, keepdim=false]]]) or (t [, dim], {correction=1, keepdim=false}) -> Tensor",
                                      "The variance of all elements or along dim: Σ(x - mean)² / (n - correction).") { lua in
        let t = try lua.tensor(1)
        let (d, c, keep) = try spread(lua, t)
        lua.push(try lua.blame(1) { () throws(TensorError) in try t.variance(dim: d, correction: c, keepDim: keep) })
        return 1
    }

    static let standardDeviation = LuaFunction("std", "torch.std(t [, dim [, unbiased=true [, keepdim=false]]]) or (t [, dim], {correction=1, keepdim=false}) -> Tensor",
                                               "The standard deviation of all elements or along dim: the square root of var.") { lua in
        let t = try lua.tensor(1)
        let (d, c, keep) = try spread(lua, t)
        lua.push(try lua.blame(1) { () throws(TensorError) in try t.standardDeviation(dim: d, correction: c, keepDim: keep) })
        return 1
    }

    /// The mask at i: a tensor of 0 and 1 (any non-zero counts as set).
    private static func mask(_ lua: Lua, _ i: Int32) throws(LuaError) -> Tensor {
        guard let m = TensorClass.shared.test(lua, i) else { throw lua.typeError(i, "Tensor (a mask of 0 and 1)") }
        return m
    }

    /// The fill value at i: a number or a one-element tensor.
    private static func fillValue(_ lua: Lua, _ i: Int32) throws(LuaError) -> Double {
        if lua.kind(i) == .number { return try lua.number(i) }
        if lua.kind(i) == .boolean { return try lua.boolean(i) ? 1 : 0 }
        if let t = TensorClass.shared.test(lua, i) {
            guard t.dim == 0 else { throw LuaError.argument(i, "masked_fill only supports a 0-dimensional value tensor, but got tensor with \(t.dim) dimension(s)") }
            return t.double(atOffset: t.offset)
        }
        throw lua.typeError(i, "number")
    }

    static let maskedFill = LuaFunction("masked_fill", "torch.masked_fill(t, mask, value) -> Tensor",
                                        "A copy of t with value wherever mask (a tensor of 0 and 1, broadcast) is 1.") { lua in
        let t = try lua.tensor(1), m = try mask(lua, 2), v = try fillValue(lua, 3)
        lua.push(try lua.blame(2) { () throws(TensorError) in try t.maskedFill(m, v) })
        return 1
    }

    static let maskedFill_ = LuaFunction("masked_fill_", "t:masked_fill_(mask, value) -> t",
                                         "Writes value into t wherever mask (a tensor of 0 and 1, broadcast to t's shape) is 1.") { lua in
        let t = try lua.tensor(1), m = try mask(lua, 2), v = try fillValue(lua, 3)
        try lua.blame(1) { () throws(TensorError) in try t.checkWritable() }
        try lua.blame(2) { () throws(TensorError) in try t.maskedFill_(m, v) }
        lua.pushValue(1)
        return 1
    }

    static let clamp_ = LuaFunction("clamp_", "t:clamp_(min [, max]) or t:clamp_{min=, max=} -> t",
                                    "Limits t's values to [min, max] in place; either bound may be nil.") { lua in
        let t = try lua.tensor(1)
        let (lo, hi) = try TensorMath.clampBounds(lua)
        var floating = lua.isFloat(2) || lua.isFloat(3)
        if lua.isOptions(2), let o = try lua.options(2, ["min", "max"]) {
            let floatMin = try o.isFloat("min"), floatMax = try o.isFloat("max")
            floating = floatMin || floatMax
        }
        try lua.blame(1) { () throws(TensorError) in
            // a float bound makes the result a float, as t:clamp(1.5) is
            if floating { try t.checkInPlaceFloatScalar(.add) }
            try t.clamp_(min: lo, max: hi)
        }
        lua.pushValue(1)
        return 1
    }

    /// Sizes from 2 on, then the options {dtype=, requires_grad=}; t's dtype unless told.
    private static func made(_ lua: Lua, filled: Bool = false, value: (Int32) throws(LuaError) -> Double) throws(LuaError) -> Int32 {
        let source = try lua.tensor(1)
        let shape = try lua.sizes(from: 2)
        var next: Int32 = 3
        if !(lua.kind(2) == .table && !lua.isOptions(2)) {
            next = 2
            while lua.kind(next) == .number { next += 1 }
        }
        let v = try value(next)
        if filled { next += 1 }
        return try TorchLibrary.finish(lua, options: next) { dtype throws(LuaError) in
            let dtype = dtype ?? source.dtype
            try lua.blame(2) { () throws(TensorError) in try MemoryLimit.check(shape, bytesPerElement: dtype.itemSize) }
            return Tensor.full(shape, v, dtype: dtype)
        }
    }

    static let newZeros = LuaFunction("new_zeros", "t:new_zeros(size... [, {requires_grad=false}]) -> Tensor",
                                      "A tensor of zeros of the given size, of t's element type.") { lua in
        try made(lua) { _ throws(LuaError) in 0 }
    }

    static let newOnes = LuaFunction("new_ones", "t:new_ones(size... [, {requires_grad=false}]) -> Tensor",
                                     "A tensor of ones of the given size, of t's element type.") { lua in
        try made(lua) { _ throws(LuaError) in 1 }
    }

    static let newFull = LuaFunction("new_full", "t:new_full(size, value [, {requires_grad=false}]) -> Tensor",
                                     "A tensor of the given size (a table) filled with value, of t's element type.") { lua in
        try lua.checkTable(2)
        return try made(lua, filled: true) { i throws(LuaError) in
            lua.kind(i) == .boolean ? (try lua.boolean(i) ? 1 : 0) : try lua.number(i)
        }
    }
}
