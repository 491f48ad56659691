// torch.Tensor in Lua: the userdata type, its properties, and its metamethods.
// Methods shared with torch.* (t:sin() and torch.sin(t)) are in TensorMath.swift.

import LuaBridge
import Tensors

enum TensorClass {
    static let shared = UserdataClass<Tensor>(name: "Tensor")

    /// Methods only reachable as t:name(...).
    static let methods: [LuaFunction] = [
        size, dim, numel, item, totable, tolist, backward, detach, requiresGrad_, contiguous, isContiguous,
        clone, copy_, fill_, zero_, add_, sub_, mul_, div_, uniform_, normal_, expand, expandAs, view, viewAs, t, retainGrad,
        DTypeBindings.type,
    ] + TensorMath.shared + DTypeBindings.methods + TensorIndexing.shared + TensorIndexing.methods
        + SortingBindings.shared + RearrangingBindings.shared + RearrangingBindings.methods
        + StatisticsBindings.shared + StatisticsBindings.methods + FunctionalBindings.tensorFunctions

    static let getters: [(String, LuaFunction)] = [
        ("shape", shape), ("grad", grad), ("requires_grad", requiresGrad), ("grad_fn", gradFn),
        ("is_leaf", isLeaf), ("dtype", DTypeBindings.dtypeGetter), ("ndim", dim), ("T", t), ("data", data),
    ]

    static let setters: [(String, LuaFunction)] = [("grad", setGrad), ("requires_grad", setRequiresGrad)]

    static let metamethods: [(String, LuaFunction)] = [
        ("__add", TensorMath.add), ("__sub", TensorMath.sub), ("__mul", TensorMath.mul), ("__div", TensorMath.div),
        ("__pow", TensorMath.pow), ("__unm", TensorMath.neg), ("__tostring", tostring), ("__len", len),
    ]

    /// Registers the type in a state; leaves the methods table (torch.Tensor) on the stack.
    static func register(in state: LuaState) {
        for f in methods { state.document("Tensor:\(f.name)", f) }
        for (name, f) in getters { state.document("Tensor.\(name)", f) }
        shared.register(state.lua, methods: methods, getters: getters, setters: setters,
                        fallbackGetter: index, fallbackSetter: newIndex, metamethods: metamethods)
    }

    // MARK: Shape and values

    static let size = LuaFunction("size", "t:size([dim]) -> table | integer",
                                  "The sizes of t as a Lua array, or the size of one dimension.") { lua in
        let t = try lua.tensor(1)
        if lua.isNoneOrNil(2) {
            lua.pushArray(t.shape) { $0.push($1) }
        } else {
            lua.push(t.shape.isEmpty ? 1 : t.shape[try lua.dimension(2, rank: t.dim)])
        }
        return 1
    }

    static let shape = LuaFunction("shape", "t.shape -> table", "The sizes of t as a Lua array, as PyTorch's t.shape.") { lua in
        lua.pushArray(try lua.tensor(1).shape) { $0.push($1) }
        return 1
    }

    static let dim = LuaFunction("dim", "t:dim() -> integer", "The number of dimensions of t.") { lua in
        lua.push(try lua.tensor(1).dim)
        return 1
    }

    static let numel = LuaFunction("numel", "t:numel() -> integer", "The number of elements of t.") { lua in
        lua.push(try lua.tensor(1).count)
        return 1
    }

    static let item = LuaFunction("item", "t:item() -> number", "The value of a one-element tensor as a Lua number.") { lua in
        let t = try lua.tensor(1)
        _ = try lua.blame(1) { () throws(TensorError) in try t.item() }
        DTypeBindings.pushElement(t, at: t.offset, lua)
        return 1
    }

    static let totable = LuaFunction("totable", "t:totable() -> table",
                                     "The values of t as nested Lua tables (a number for a 0-d tensor).") { lua in
        try pushNested(try lua.tensor(1), lua)
        return 1
    }

    static let tolist = LuaFunction("tolist", "t:tolist() -> table", "Same as totable, PyTorch's name.") { lua in
        try pushNested(try lua.tensor(1), lua)
        return 1
    }

    static func pushNested(_ t: Tensor, _ lua: Lua) throws(LuaError) {
        // a Lua number is 16 bytes in a table: an expanded tensor of billions is refused first
        do throws(TensorError) { try MemoryLimit.check([t.count], bytesPerElement: 16) } catch {
            throw LuaError.argument(1, error.message)
        }
        if t.dim == 0 { DTypeBindings.pushElement(t, at: t.offset, lua); return }
        try lua.reserve(t.dim + 2)
        if t.dim == 1 {
            lua.newTable(array: t.shape[0])
            for i in 0..<t.shape[0] {
                DTypeBindings.pushElement(t, at: t.offset + i * t.strides[0], lua)
                lua.rawSet(-2, i + 1)
            }
            return
        }
        lua.newTable(array: t.shape[0])
        for i in 0..<t.shape[0] {
            try pushNested(t.select(0, index: i).detach(), lua)
            lua.rawSet(-2, i + 1)
        }
    }

    static let tostring = LuaFunction("__tostring", "tostring(t) -> string", "t printed as PyTorch prints it.") { lua in
        lua.push(try lua.tensor(1).description)
        return 1
    }

    static let len = LuaFunction("__len", "#t -> integer", "The size of t's first dimension.") { lua in
        let t = try lua.tensor(1)
        guard let n = t.shape.first else { throw LuaError.message("len() of a 0-d tensor") }
        lua.push(n)
        return 1
    }


    // MARK: Indexing

    /// t[i]: a number for a 1-D tensor, else the view t:select(1, i); t[{...}] a slice; t[mask].
    static let index = LuaFunction("__index", "t[i] | t[{dim1, dim2, ...}] | t[mask] -> number | Tensor",
                                   "Element i of a 1-D tensor or the sub-tensor at index i; a Torch7 slice (a view: {} all, {first, last [, step]}, a number selects); the elements where a mask is 1.") { lua in
        let t = try lua.tensor(1)
        switch lua.kind(2) {
        case .string:
            // as Python's AttributeError: a misspelt field is a mistake, not nil
            throw LuaError.plain("Tensor has no field or method '\(try lua.string(2))'")
        case .table:
            lua.push(try TensorIndexing.view(t, lua, key: 2))
            return 1
        case .userdata:
            if let mask = TensorClass.shared.test(lua, 2) {
                lua.push(try TensorIndexing.byTensor(t, mask))
                return 1
            }
        default:
            break
        }
        let i = try elementIndex(lua, t)
        if t.dim == 1 {
            DTypeBindings.pushElement(t, at: t.offset + i * t.strides[0], lua)
        } else {
            lua.push(t.select(0, index: i))
        }
        return 1
    }

    /// t[i] = v: writes a number or a tensor (broadcast) into index i of the first dimension.
    static let newIndex = LuaFunction("__newindex", "t[i] = value | t[{...}] = value | t[mask] = value",
                                      "Writes a number (fill) or a tensor (broadcast copy) into index i of the first dimension, a slice, or where a mask is 1.") { lua in
        let t = try lua.tensor(1)
        if lua.kind(2) == .string { throw LuaError.plain("cannot set field '\(try lua.string(2))' of a Tensor") }
        if lua.kind(2) == .table || TensorClass.shared.test(lua, 2) != nil {
            try TensorIndexing.write(t, lua, key: 2, value: 3)
            return 0
        }
        let i = try elementIndex(lua, t)
        guard lua.kind(3) == .number || lua.kind(3) == .boolean || TensorClass.shared.test(lua, 3) != nil else {
            throw LuaError.plain("cannot assign a \(lua.typeName(3)) to a tensor element (number or Tensor expected)")
        }
        let v = try lua.tensorOrNumber(3)
        try lua.plainly { () throws(TensorError) in try t.write(v, at: i) }
        return 0
    }

    /// The 0-based index of t[key], with errors that read as indexing errors.
    private static func elementIndex(_ lua: Lua, _ t: Tensor) throws(LuaError) -> Int {
        guard t.dim > 0 else { throw LuaError.plain("invalid index of a 0-dim tensor; use t:item()") }
        guard lua.kind(2) == .number else {
            throw LuaError.plain("tensors are indexed by integers, not by a \(lua.typeName(2))")
        }
        guard let k = lua.integerValue(2) else { throw LuaError.plain("tensor index \(try lua.number(2)) is not an integer") }
        let size = t.shape[0]
        let z = k > 0 ? k - 1 : size + k
        guard k != 0, z >= 0, z < size else {
            throw LuaError.plain(indexOutOfRange(k, dimension: 1, size: size))
        }
        return z
    }

    // MARK: Views and copies

    static let view = LuaFunction("view", "t:view(size...) -> Tensor",
                                  "A view of t's data with another shape; one size may be -1 (inferred).") { lua in
        let t = try lua.tensor(1)
        let shape = try lua.sizes(from: 2, infer: true)
        lua.push(try lua.blame(2) { () throws(TensorError) in try t.view(shape) })
        return 1
    }

    static let viewAs = LuaFunction("view_as", "t:view_as(other) -> Tensor", "t viewed with other's shape.") { lua in
        let t = try lua.tensor(1), other = try lua.tensor(2)
        lua.push(try lua.blame(2) { () throws(TensorError) in try t.view(other.shape) })
        return 1
    }

    static let expand = LuaFunction("expand", "t:expand(size...) -> Tensor",
                                    "A view repeating size-1 dimensions to the given sizes (-1 keeps a size).") { lua in
        let t = try lua.tensor(1)
        let shape = try lua.sizes(from: 2, infer: true)
        lua.push(try lua.blame(2) { () throws(TensorError) in try t.expand(shape) })
        return 1
    }

    static let expandAs = LuaFunction("expand_as", "t:expand_as(other) -> Tensor", "t expanded to other's shape.") { lua in
        let t = try lua.tensor(1), other = try lua.tensor(2)
        lua.push(try lua.blame(2) { () throws(TensorError) in try t.expand(other.shape) })
        return 1
    }

    static let t = LuaFunction("t", "t:t() -> Tensor", "The transpose of a tensor of at most 2 dimensions.") { lua in
        let x = try lua.tensor(1)
        guard x.dim <= 2 else { throw LuaError.argument(1, "t() expects a tensor with <= 2 dimensions, but self is \(x.dim)-D") }
        lua.push(x.dim < 2 ? x : x.transpose(0, 1))
        return 1
    }

    static let contiguous = LuaFunction("contiguous", "t:contiguous() -> Tensor",
                                        "t itself if its memory is row-major without gaps, else a copy that is.") { lua in
        lua.push(try lua.tensor(1).contiguous())
        return 1
    }

    static let isContiguous = LuaFunction("is_contiguous", "t:is_contiguous() -> boolean",
                                          "Whether t is row-major without gaps.") { lua in
        lua.push(try lua.tensor(1).isContiguous)
        return 1
    }

    static let clone = LuaFunction("clone", "t:clone() -> Tensor", "A copy of t with its own memory (differentiable).") { lua in
        lua.push(try lua.tensor(1).clone())
        return 1
    }

    // MARK: In place

    static let copy_ = LuaFunction("copy_", "t:copy_(src) -> t", "Copies src's values (broadcast) into t.") { lua in
        let t = try lua.tensor(1), src = try lua.tensorOrNumber(2)
        try lua.blame(1) { () throws(TensorError) in try t.checkWritable() }
        try lua.blame(2) { () throws(TensorError) in try t.copy_(src) }
        lua.pushValue(1)
        return 1
    }

    static let fill_ = LuaFunction("fill_", "t:fill_(value) -> t", "Sets every element of t to value.") { lua in
        let t = try lua.tensor(1), v = try lua.number(2)
        let exact = lua.isInteger(2) ? lua.integerValue(2).map { Int64($0) } : nil
        try lua.blame(2) { () throws(TensorError) in try t.dtype.checkConversion(v, exactly: exact) }
        try lua.blame(1) { () throws(TensorError) in try t.fill_(v) }
        lua.pushValue(1)
        return 1
    }

    static let zero_ = LuaFunction("zero_", "t:zero_() -> t", "Sets every element of t to 0.") { lua in
        let t = try lua.tensor(1)
        try lua.blame(1) { () throws(TensorError) in try t.zero_() }
        lua.pushValue(1)
        return 1
    }

    static let add_ = LuaFunction("add_", "t:add_(other [, alpha | {alpha=}]) -> t", "t += alpha * other, in place (other a tensor or number).") { lua in
        try addInPlace(lua, sign: 1)
    }

    static let sub_ = LuaFunction("sub_", "t:sub_(other [, alpha | {alpha=}]) -> t", "t -= alpha * other, in place (other a tensor or number).") { lua in
        try addInPlace(lua, sign: -1)
    }

    /// t += sign·alpha·other: PyTorch's keyword (p.data.add_(p.grad, alpha=-lr)) as an options table, or plainly.
    private static func addInPlace(_ lua: Lua, sign: Double) throws(LuaError) -> Int32 {
        let t = try lua.tensor(1)
        let options = lua.kind(3) == .table ? try lua.options(3, ["alpha"]) : nil
        let alpha = lua.kind(3) == .table ? try options?.number("alpha") ?? 1 : try lua.optionalNumber(3) ?? 1
        // a float alpha, as Python's, whatever its value (add_(1, 3.0) too)
        var floatAlpha = lua.isFloat(3)
        if let options { floatAlpha = try options.isFloat("alpha") }
        if !t.dtype.isFloatingPoint && floatAlpha {
            throw LuaError.argument(3, "for integral input tensors, argument alpha must not be a floating point number")
        }
        // an integer a double cannot hold goes as a tensor (operand): rounded once, to t's dtype
        if lua.kind(2) == .number && !lua.isInexactInteger(2) {
            let s = try lua.number(2) * alpha
            let floating = lua.isFloat(2)
            try lua.blame(1) { () throws(TensorError) in
                if floating { try t.checkInPlaceFloatScalar(sign > 0 ? .add : .sub) }
                sign > 0 ? try t.add_(s) : try t.sub_(s)
            }
        } else {
            let o = try operand(lua, 2)
            try lua.blame(1) { () throws(TensorError) in try t.checkWritable() }
            try lua.blame(2) { () throws(TensorError) in sign > 0 ? try t.add_(o, alpha: alpha) : try t.sub_(o, alpha: alpha) }
        }
        lua.pushValue(1)
        return 1
    }

    static let mul_ = LuaFunction("mul_", "t:mul_(other) -> t", "t *= other, in place (a tensor or number).") { lua in
        try updateInPlace(lua, .mul)
    }

    static let div_ = LuaFunction("div_", "t:div_(other [, {rounding_mode=}]) -> t",
                                  "t /= other, in place (a tensor or number; t a float tensor unless rounding_mode is 'trunc' or 'floor').") { lua in
        if let mode = try TensorMath.roundingMode(lua) {
            let t = try lua.tensor(1), o = try lua.tensorOrNumber(2)
            let quotient = try lua.blame(2) { () throws(TensorError) in try t.div(o, roundingMode: mode) }
            try lua.blame(1) { () throws(TensorError) in
                try t.checkInPlaceResult(quotient.dtype)
                try t.copy_(quotient)
            }
            lua.pushValue(1)
            return 1
        }
        return try updateInPlace(lua, .div)
    }

    /// The tensor at i, as other's operand: a tensor, or an integer a double cannot hold as
    /// a 0-d int64 tensor (other numbers are taken before this).
    private static func operand(_ lua: Lua, _ i: Int32) throws(LuaError) -> Tensor {
        if lua.kind(i) == .number { return try lua.tensorOrNumber(i) }
        guard let o = TensorClass.shared.test(lua, i) else {
            throw LuaError.argument(i, "number or Tensor expected, got \(lua.typeName(i))")
        }
        return o
    }

    /// t op= argument 2 (a number or a tensor), returning t.
    private static func updateInPlace(_ lua: Lua, _ op: ArithmeticOp) throws(LuaError) -> Int32 {
        let t = try lua.tensor(1)
        if lua.kind(2) == .number && !lua.isInexactInteger(2) {
            let s = try lua.number(2)
            let floating = lua.isFloat(2)
            try lua.blame(1) { () throws(TensorError) in
                if floating { try t.checkInPlaceFloatScalar(op) }
                try t.update_(op, s)
            }
        } else {
            let o = try operand(lua, 2)
            try lua.blame(1) { () throws(TensorError) in try t.checkWritable() }
            try lua.blame(2) { () throws(TensorError) in try t.update_(op, o) }
        }
        lua.pushValue(1)
        return 1
    }

    static let uniform_ = LuaFunction("uniform_", "t:uniform_([from=0 [, to=1]]) -> t",
                                      "Fills t with uniform random values on [from, to) from the shared generator.") { lua in
        let t = try lua.tensor(1)
        let a = try lua.optionalNumber(2) ?? 0, b = try lua.optionalNumber(3) ?? 1
        guard a <= b else { throw LuaError.argument(2, "uniform_ expects from <= to, but got from=\(a) > to=\(b)") }
        try lua.blame(1) { () throws(TensorError) in try t.uniform_(a, b) }
        lua.pushValue(1)
        return 1
    }

    static let normal_ = LuaFunction("normal_", "t:normal_([mean=0 [, std=1]]) -> t",
                                     "Fills t with normal random values from the shared generator.") { lua in
        let t = try lua.tensor(1)
        let m = try lua.optionalNumber(2) ?? 0, s = try lua.optionalNumber(3) ?? 1
        guard s >= 0 else { throw LuaError.argument(3, "normal_ expects std >= 0.0, but found std \(s)") }
        try lua.blame(1) { () throws(TensorError) in try t.normal_(mean: m, std: s) }
        lua.pushValue(1)
        return 1
    }

    // MARK: Autograd

    static let requiresGrad = LuaFunction("requires_grad", "t.requires_grad -> boolean",
                                          "Whether autograd tracks t.") { lua in
        lua.push(try lua.tensor(1).requiresGrad)
        return 1
    }

    static let setRequiresGrad = LuaFunction("requires_grad", "t.requires_grad = flag",
                                             "Turns gradient tracking of a leaf tensor on or off.") { lua in
        let t = try lua.tensor(1)
        guard lua.kind(2) == .boolean else { throw LuaError.plain("t.requires_grad must be a boolean, got \(lua.typeName(2))") }
        let flag = try lua.boolean(2)
        try lua.plainly { () throws(TensorError) in try t.setRequiresGrad(flag) }
        return 0
    }

    static let requiresGrad_ = LuaFunction("requires_grad_", "t:requires_grad_([flag]) -> t",
                                           "Turns gradient tracking of a leaf tensor on (or off), in place.") { lua in
        let t = try lua.tensor(1), flag = try lua.optionalBoolean(2) ?? true
        try lua.blame(1) { () throws(TensorError) in try t.setRequiresGrad(flag) }
        lua.pushValue(1)
        return 1
    }

    static let grad = LuaFunction("grad", "t.grad -> Tensor | nil", "The gradient accumulated into t by backward.") { lua in
        lua.push(try lua.tensor(1).grad)
        return 1
    }

    static let setGrad = LuaFunction("grad", "t.grad = Tensor | nil", "Replaces (or clears, with nil) t's gradient.") { lua in
        let t = try lua.tensor(1)
        if lua.isNoneOrNil(2) { t.grad = nil; return 0 }
        guard let g = TensorClass.shared.test(lua, 2) else {
            throw LuaError.plain("t.grad must be a Tensor or nil, got \(lua.typeName(2))")
        }
        guard g.shape == t.shape else {
            throw LuaError.plain("assigned grad has shape \(Shape.describe(g.shape)) but the tensor has shape \(Shape.describe(t.shape))")
        }
        guard g.dtype == t.dtype else {
            throw LuaError.plain("assigned grad has data of a different type (\(g.dtype) for a \(t.dtype) tensor)")
        }
        // its own dense copy when it is a strided view (as PyTorch copies on a stride
        // mismatch): optimizers and accumulation read a gradient as its elements in order
        t.grad = g.isContiguous ? g.detach() : g.copied()
        return 0
    }

    static let gradFn = LuaFunction("grad_fn", "t.grad_fn -> string | nil",
                                    "The name of the operation that made t (e.g. \"AddBackward0\"), nil for a leaf.") { lua in
        if let fn = try lua.tensor(1).gradFn { lua.push(fn.name) } else { lua.pushNil() }
        return 1
    }

    static let isLeaf = LuaFunction("is_leaf", "t.is_leaf -> boolean", "Whether t was made by the user rather than by an operation in a graph.") { lua in
        lua.push(try lua.tensor(1).isLeaf)
        return 1
    }

    static let backward = LuaFunction("backward", "t:backward([gradient [, {retain_graph=false}]])",
                                      "Accumulates the gradient of t into the .grad of every leaf it depends on.") { lua in
        let t = try lua.tensor(1)
        var gradient: Tensor? = nil
        var retain = false
        if lua.isOptions(2) {
            retain = try lua.options(2, ["retain_graph"])?.boolean("retain_graph") ?? false
        } else {
            gradient = try lua.optionalTensor(2)
            retain = try lua.options(3, ["retain_graph"])?.boolean("retain_graph") ?? false
        }
        try lua.report { () throws(TensorError) in try t.backward(gradient, retainGraph: retain) }
        return 0
    }

    static let data = LuaFunction("data", "t.data -> Tensor",
                                  "t's values without its graph, sharing its memory (p.data:mul_(0.5) changes p), as PyTorch's .data.") { lua in
        lua.push(try lua.tensor(1).detach())
        return 1
    }

    static let detach = LuaFunction("detach", "t:detach() -> Tensor", "t's data, cut off from the graph (shares memory).") { lua in
        lua.push(try lua.tensor(1).detach())
        return 1
    }

    static let retainGrad = LuaFunction("retain_grad", "t:retain_grad()",
                                        "Keeps .grad on a non-leaf tensor after backward.") { lua in
        let t = try lua.tensor(1)
        try lua.report { () throws(TensorError) in try t.retainGrad() }
        return 0
    }
}
