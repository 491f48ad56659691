// Tensor operations reachable both as torch.f(t, ...) and t:f(...): arithmetic,
// pointwise math, reductions, matrix products, and views that PyTorch also
// offers as functions.

import LuaBridge
import Tensors

enum TensorMath {
    static let shared: [LuaFunction] = [
        add, sub, mul, div, pow, neg, abs, sqrt, exp, log, sin, cos, tanh, sigmoid, relu, clamp,
        sum, mean, max, min, matmul, mm, transpose, permute, narrow, select, squeeze, unsqueeze, reshape, flatten,
        chunk, allclose, equal,
    ]

    // MARK: Arithmetic

    /// a op b where either may be a number; `number` handles tensor-with-number (and reports
    /// whether the number came first).
    private static func binary(_ lua: Lua, tensors: (Tensor, Tensor) throws(TensorError) -> Tensor,
                               number: (Tensor, Double, _ numberFirst: Bool) -> Tensor) throws(LuaError) -> Int32 {
        // an integer past 2^53 takes the tensors' path, in int64, exactly
        if (lua.kind(1) == .number || lua.kind(2) == .number) && !lua.isInexactInteger(1) && !lua.isInexactInteger(2) {
            let first = lua.kind(1) == .number
            let at: Int32 = first ? 1 : 2
            let s = try lua.number(at)
            lua.push(number(try lua.scalarOperand(first ? 2 : 1, with: at), s, first))
        } else {
            let a = try lua.tensorOrNumber(1), b = try lua.tensorOrNumber(2)
            lua.push(try lua.blame(2) { () throws(TensorError) in try tensors(a, b) })
        }
        return 1
    }

    static let add = LuaFunction("add", "torch.add(a, b [, {alpha=}]) -> Tensor  (also a + b)",
                                 "Elementwise a + alpha * b with broadcasting; either may be a number.") { lua in
        let alpha = try alphaOption(lua)
        if alpha == 1 {
            return try binary(lua, tensors: { (a, b) throws(TensorError) in try a.add(b) }, number: { t, s, _ in t.add(s) })
        }
        return try binary(lua, tensors: { (a, b) throws(TensorError) in try a.add(b.mul(alpha)) },
                          number: { t, s, first in first ? t.mul(alpha).add(s) : t.add(s * alpha) })
    }

    static let sub = LuaFunction("sub", "torch.sub(a, b [, {alpha=}]) -> Tensor  (also a - b)",
                                 "Elementwise a - alpha * b with broadcasting; either may be a number.") { lua in
        let alpha = try alphaOption(lua)
        if alpha == 1 {
            return try binary(lua, tensors: { (a, b) throws(TensorError) in try a.sub(b) },
                              number: { t, s, first in first ? t.rsub(s) : t.add(-s) })
        }
        return try binary(lua, tensors: { (a, b) throws(TensorError) in try a.sub(b.mul(alpha)) },
                          number: { t, s, first in first ? t.mul(-alpha).add(s) : t.add(-s * alpha) })
    }

    /// PyTorch's keyword alpha of add and sub, as an options table at 3 (1 without one).
    private static func alphaOption(_ lua: Lua) throws(LuaError) -> Double {
        if lua.isNoneOrNil(3) { return 1 }
        guard lua.kind(3) == .table else { throw LuaError.argument(3, "options table expected, got \(lua.typeName(3))") }
        return try lua.options(3, ["alpha"])?.number("alpha") ?? 1
    }

    static let mul = LuaFunction("mul", "torch.mul(a, b) -> Tensor  (also a * b)",
                                 "Elementwise a * b with broadcasting; either may be a number.") { lua in
        try binary(lua, tensors: { (a, b) throws(TensorError) in try a.mul(b) }, number: { t, s, _ in t.mul(s) })
    }

    static let div = LuaFunction("div", "torch.div(a, b [, {rounding_mode=}]) -> Tensor  (also a / b)",
                                 "Elementwise a / b with broadcasting; either may be a number. rounding_mode 'trunc' or 'floor' rounds the quotient (integers stay integers).") { lua in
        if let mode = try roundingMode(lua) {
            let a = try lua.tensorOrNumber(1), b = try lua.tensorOrNumber(2)
            lua.push(try lua.blame(2) { () throws(TensorError) in try a.div(b, roundingMode: mode) })
            return 1
        }
        return try binary(lua, tensors: { (a, b) throws(TensorError) in try a.div(b) },
                          number: { t, s, first in first ? t.rdiv(s) : t.div(s) })
    }

    /// div's and div_'s {rounding_mode=} at 3: nil for true division.
    static func roundingMode(_ lua: Lua) throws(LuaError) -> RoundingMode? {
        if lua.isNoneOrNil(3) { return nil }
        guard lua.isOptions(3) else { throw lua.typeError(3, "options table") }
        guard let name = try lua.options(3, ["rounding_mode"])?.string("rounding_mode") else { return nil }
        guard let mode = RoundingMode(rawValue: name) else {
            throw LuaError.argument(3, "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '\(name)'")
        }
        return mode
    }

    static let pow = LuaFunction("pow", "torch.pow(a, b) -> Tensor  (also a ^ b)",
                                 "Elementwise a to the power b with broadcasting; either may be a number.") { lua in
        if lua.kind(2) == .number, lua.isInteger(2), try lua.number(2) < 0,
           let t = TensorClass.shared.test(lua, 1), !t.dtype.isFloatingPoint {
            throw LuaError.argument(2, "Integers to negative integer powers are not allowed.")
        }
        return try binary(lua, tensors: { (a, b) throws(TensorError) in try a.pow(b) },
                          number: { t, s, first in first ? t.rpow(s) : t.pow(s) })
    }

    static let neg = LuaFunction("neg", "torch.neg(t) -> Tensor  (also -t)", "Elementwise -t.") { lua in
        lua.push(try lua.tensor(1).neg())
        return 1
    }

    // MARK: Pointwise

    private static func pointwise(_ name: String, _ doc: String, _ f: @escaping (Tensor) -> Tensor) -> LuaFunction {
        LuaFunction(name, "torch.\(name)(t) -> Tensor", doc) { lua in
            lua.push(f(try lua.tensor(1)))
            return 1
        }
    }

    static let abs = pointwise("abs", "Elementwise |t|.") { $0.abs() }
    static let sqrt = pointwise("sqrt", "Elementwise square root.") { $0.sqrt() }
    static let exp = pointwise("exp", "Elementwise e^t.") { $0.exp() }
    static let log = pointwise("log", "Elementwise natural logarithm.") { $0.log() }
    static let sin = pointwise("sin", "Elementwise sine.") { $0.sin() }
    static let cos = pointwise("cos", "Elementwise cosine.") { $0.cos() }
    static let tanh = pointwise("tanh", "Elementwise hyperbolic tangent.") { $0.tanh() }
    static let sigmoid = pointwise("sigmoid", "Elementwise logistic sigmoid 1 / (1 + e^-t).") { $0.sigmoid() }
    static let relu = pointwise("relu", "Elementwise max(t, 0).") { $0.relu() }

    static let clamp = LuaFunction("clamp", "torch.clamp(t, min [, max]) -> Tensor",
                                   "Elementwise t limited to [min, max]; either bound may be nil.") { lua in
        let t = try lua.tensor(1)
        let (lo, hi) = try clampBounds(lua)
        lua.push(t.clamp(min: lo, max: hi))
        return 1
    }

    /// clamp's bounds from (min [, max]) or {min=, max=} at 2: at least one of them.
    static func clampBounds(_ lua: Lua) throws(LuaError) -> (Double?, Double?) {
        let lo: Double?, hi: Double?
        if lua.isOptions(2) {
            let o = try lua.options(2, ["min", "max"])
            lo = try o?.number("min")
            hi = try o?.number("max")
        } else {
            lo = try lua.optionalNumber(2)
            hi = try lua.optionalNumber(3)
        }
        guard lo != nil || hi != nil else { throw LuaError.argument(2, "at least one of min and max must be given") }
        return (lo, hi)
    }

    // MARK: Reductions

    /// (dim, keepdim) from positional arguments at i, i+1 or an options table at i.
    private static func reduction(_ lua: Lua, _ t: Tensor, _ i: Int32) throws(LuaError) -> (dim: Int?, keep: Bool) {
        if lua.isOptions(i) {
            let o = try lua.options(i, ["dim", "keepdim"])
            let d = try o?.integer("dim")
            guard let d else { return (nil, try o?.boolean("keepdim") ?? false) }
            guard let z = zeroBasedDimension(d, rank: t.dim) else {
                throw LuaError.argument(i, dimensionOutOfRange(d, rank: t.dim))
            }
            return (z, try o?.boolean("keepdim") ?? false)
        }
        guard !lua.isNoneOrNil(i) else { return (nil, false) }
        return (try lua.dimension(i, rank: t.dim), try lua.optionalBoolean(i + 1) ?? false)
    }

    static let sum = LuaFunction("sum", "torch.sum(t [, dim [, keepdim]]) -> Tensor",
                                 "The sum of all elements, or along dimension dim.") { lua in
        let t = try lua.tensor(1)
        let (d, keep) = try reduction(lua, t, 2)
        lua.push(d.map { t.sum(dim: $0, keepDim: keep) } ?? t.sum())
        return 1
    }

    static let mean = LuaFunction("mean", "torch.mean(t [, dim [, keepdim]]) -> Tensor",
                                  "The mean of all elements, or along dimension dim.") { lua in
        let t = try lua.tensor(1)
        let (d, keep) = try reduction(lua, t, 2)
        if t.count == 0 && d == nil { throw LuaError.argument(1, "mean of an empty tensor") }
        lua.push(d.map { t.mean(dim: $0, keepDim: keep) } ?? t.mean())
        return 1
    }

    private static func extreme(_ lua: Lua, largest: Bool) throws(LuaError) -> Int32 {
        let t = try lua.tensor(1)
        if let other = TensorClass.shared.test(lua, 2) {
            lua.push(try lua.blame(2) { () throws(TensorError) in try largest ? t.maximum(other) : t.minimum(other) })
            return 1
        }
        let (d, keep) = try reduction(lua, t, 2)
        guard let d else {
            lua.push(try lua.blame(1) { () throws(TensorError) in try t.extreme(largest: largest) })
            return 1
        }
        let (values, indices) = try lua.blame(1) { () throws(TensorError) in try t.extreme(dim: d, keepDim: keep, largest: largest) }
        lua.push(values)
        lua.push(Tensor.indices(zeroBased: indices, shape: values.shape))
        return 2
    }

    static let max = LuaFunction("max", "torch.max(t [, dim [, keepdim]]) -> Tensor [, indices]  or torch.max(a, b) -> Tensor",
                                 "The largest element; along dim, the values and their 1-based indices; of two tensors, torch.maximum.") { lua in
        try extreme(lua, largest: true)
    }

    static let min = LuaFunction("min", "torch.min(t [, dim [, keepdim]]) -> Tensor [, indices]  or torch.min(a, b) -> Tensor",
                                 "The smallest element; along dim, the values and their 1-based indices; of two tensors, torch.minimum.") { lua in
        try extreme(lua, largest: false)
    }

    // MARK: Products

    static let matmul = LuaFunction("matmul", "torch.matmul(a, b) -> Tensor",
                                    "Matrix product with PyTorch's rules for 1-D, 2-D and batched operands.") { lua in
        let a = try lua.tensor(1), b = try lua.tensor(2)
        lua.push(try lua.blame(2) { () throws(TensorError) in try a.matmul(b) })
        return 1
    }

    static let mm = LuaFunction("mm", "torch.mm(a, b) -> Tensor", "The product of two matrices.") { lua in
        let a = try lua.tensor(1), b = try lua.tensor(2)
        guard a.dim == 2 else { throw LuaError.argument(1, "matrix expected, got a \(a.dim)-d tensor") }
        guard b.dim == 2 else { throw LuaError.argument(2, "matrix expected, got a \(b.dim)-d tensor") }
        lua.push(try lua.blame(2) { () throws(TensorError) in try a.mm(b) })
        return 1
    }

    // MARK: Views

    static let transpose = LuaFunction("transpose", "torch.transpose(t, dim1, dim2) -> Tensor",
                                       "A view of t with two dimensions swapped.") { lua in
        let t = try lua.tensor(1)
        let a = try lua.dimension(2, rank: t.dim), b = try lua.dimension(3, rank: t.dim)
        lua.push(t.dim == 0 ? t : t.transpose(a, b))
        return 1
    }

    static let permute = LuaFunction("permute", "torch.permute(t, dims...) -> Tensor",
                                     "A view of t with its dimensions reordered.") { lua in
        let t = try lua.tensor(1)
        let order = try lua.sizes(from: 2, infer: true)
        guard order.count == t.dim else {
            throw LuaError.argument(2, "number of dimensions in the permutation (\(order.count)) does not match the tensor's (\(t.dim))")
        }
        var seen = Set<Int>()
        var zeroBased: [Int] = []
        for d in order {
            guard let z = zeroBasedDimension(d, rank: t.dim), seen.insert(z).inserted else {
                throw LuaError.argument(2, "\(Shape.describe(order)) is not a permutation of the dimensions 1 to \(t.dim)")
            }
            zeroBased.append(z)
        }
        lua.push(t.permute(Dims(zeroBased)))
        return 1
    }

    static let chunk = LuaFunction("chunk", "torch.chunk(t, chunks [, dim=1]) -> {Tensor...}",
                                   "Views splitting dimension dim into `chunks` pieces of ceil(size/chunks) (the last may be smaller), as a list.") { lua in
        let t = try lua.tensor(1)
        guard t.dim > 0 else { throw LuaError.argument(1, "chunk expects at least a 1-dimensional tensor") }
        let chunks = try lua.integer(2)
        guard chunks > 0 else { throw LuaError.argument(2, "chunk expects `chunks` to be greater than 0, got: \(chunks)") }
        let d = lua.isNoneOrNil(3) ? 0 : try lua.dimension(3, rank: t.dim)
        let size = t.shape[d]
        let step = Swift.max(1, size / chunks + (size % chunks == 0 ? 0 : 1))
        try lua.blame(2) { () throws(TensorError) in try MemoryLimit.check([size / step + 1], bytesPerElement: 512) }
        var start = 0
        var sizes: [Int] = []
        while start < size || (size == 0 && sizes.isEmpty) {
            sizes.append(Swift.min(step, size - start))
            start += step
            if size == 0 { break }
        }
        return try RearrangingBindings.pushList(lua, t.split(sizes: sizes, dim: d))
    }

    static let allclose = LuaFunction("allclose", "torch.allclose(a, b [, rtol=1e-05 [, atol=1e-08 [, equal_nan=false]]]) -> boolean",
                                      "Whether |a - b| <= atol + rtol * |b| everywhere (a and b broadcast); also allclose(a, b, {rtol=, atol=, equal_nan=}).") { lua in
        let a = try lua.tensor(1), b = try lua.tensor(2)
        var rtol = 1e-5, atol = 1e-8, equalNaN = false
        if lua.kind(3) == .table {
            let o = try lua.options(3, ["rtol", "atol", "equal_nan"])
            rtol = try o?.number("rtol") ?? rtol
            atol = try o?.number("atol") ?? atol
            equalNaN = try o?.boolean("equal_nan") ?? equalNaN
        } else {
            rtol = try lua.optionalNumber(3) ?? rtol
            atol = try lua.optionalNumber(4) ?? atol
            if !lua.isNoneOrNil(5) { equalNaN = try lua.boolean(5) }
        }
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            throw LuaError.argument(2, "shape \(Shape.describe(b.shape)) does not broadcast with \(Shape.describe(a.shape))")
        }
        let x = try lua.blame(1) { () throws(TensorError) in try a.expand(shape).doubles }
        let y = try lua.blame(2) { () throws(TensorError) in try b.expand(shape).doubles }
        var close = true
        for (p, q) in zip(x, y) {
            if p.isNaN || q.isNaN { if !(equalNaN && p.isNaN && q.isNaN) { close = false; break } else { continue } }
            if p == q { continue }
            if Swift.abs(p - q) > atol + rtol * Swift.abs(q) { close = false; break }
        }
        lua.push(close)
        return 1
    }

    static let equal = LuaFunction("equal", "torch.equal(a, b) -> boolean",
                                   "Whether a and b have the same shape and the same values.") { lua in
        let a = try lua.tensor(1), b = try lua.tensor(2)
        lua.push(a.shape == b.shape && a.doubles == b.doubles)
        return 1
    }

    static let narrow = LuaFunction("narrow", "torch.narrow(t, dim, start, length) -> Tensor",
                                    "A view of `length` indices of dimension dim, from the 1-based index start.") { lua in
        let t = try lua.tensor(1)
        guard t.dim > 0 else { throw LuaError.argument(1, "narrow() cannot be applied to a 0-dim tensor") }
        let d = try lua.dimension(2, rank: t.dim)
        let size = t.shape[d]
        let start = try lua.integer(3), length = try lua.integer(4)
        let z = start > 0 ? start - 1 : size + start
        guard start != 0, z >= 0, z <= size else {
            throw LuaError.argument(3, indexOutOfRange(start, dimension: d + 1, size: size, what: "start"))
        }
        guard length >= 0, length <= size - z else {
            throw LuaError.argument(4, "start (\(start)) + length (\(length)) exceeds dimension size (\(size))")
        }
        lua.push(t.narrow(d, start: z, length: length))
        return 1
    }

    static let select = LuaFunction("select", "torch.select(t, dim, index) -> Tensor",
                                    "A view of t at the 1-based index of dimension dim, without that dimension.") { lua in
        let t = try lua.tensor(1)
        guard t.dim > 0 else { throw LuaError.argument(1, "select() cannot be applied to a 0-dim tensor") }
        let d = try lua.dimension(2, rank: t.dim)
        let i = try lua.index(3, size: t.shape[d], dim: d)
        lua.push(t.select(d, index: i))
        return 1
    }

    static let squeeze = LuaFunction("squeeze", "torch.squeeze(t [, dim]) -> Tensor",
                                     "A view of t without its size-1 dimensions (or only dim, if size 1).") { lua in
        let t = try lua.tensor(1)
        if lua.isNoneOrNil(2) { lua.push(t.squeeze()); return 1 }
        let d = try lua.dimension(2, rank: t.dim)
        lua.push(t.dim == 0 ? t.squeeze() : t.squeeze(d))
        return 1
    }

    static let unsqueeze = LuaFunction("unsqueeze", "torch.unsqueeze(t, dim) -> Tensor",
                                       "A view of t with a size-1 dimension inserted at dim.") { lua in
        let t = try lua.tensor(1)
        guard t.dim < Dims.maxRank else { throw LuaError.argument(1, "tensors have at most \(Dims.maxRank) dimensions") }
        lua.push(t.unsqueeze(try lua.dimension(2, rank: t.dim, extra: 1)))
        return 1
    }

    static let reshape = LuaFunction("reshape", "torch.reshape(t, size...) -> Tensor",
                                     "t with another shape: a view when possible, else a copy; one size may be -1.") { lua in
        let t = try lua.tensor(1)
        let shape = try lua.sizes(from: 2, infer: true)
        lua.push(try lua.blame(2) { () throws(TensorError) in try t.reshape(shape) })
        return 1
    }

    static let flatten = LuaFunction("flatten", "torch.flatten(t [, start_dim [, end_dim]]) -> Tensor",
                                     "t with dimensions start_dim..end_dim (default all) merged into one.") { lua in
        let t = try lua.tensor(1)
        if t.dim == 0 { lua.push(try lua.report { () throws(TensorError) in try t.reshape([1]) }); return 1 }
        let a = try lua.isNoneOrNil(2) ? 0 : lua.dimension(2, rank: t.dim)
        let b = try lua.isNoneOrNil(3) ? t.dim - 1 : lua.dimension(3, rank: t.dim)
        guard a <= b else { throw LuaError.argument(3, "flatten() has invalid args: start_dim cannot come after end_dim") }
        let merged = t.shape[a...b].reduce(1, *)
        let shape = t.shape.slice(0..<a) + [merged] + t.shape.slice((b + 1)..<t.dim)
        lua.push(try lua.report { () throws(TensorError) in try t.reshape(shape) })
        return 1
    }
}
