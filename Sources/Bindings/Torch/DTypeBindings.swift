// dtypes in Lua: torch.float32 ... torch.bool (strings that print as PyTorch's
// names), t.dtype, conversions (t:to, t:double, ...), comparisons giving bool
// tensors, torch.where, and elements read back as Lua integers, floats or booleans.

import LuaBridge
import Tensors

enum DTypeBindings {
    /// torch.float32 = "torch.float32", and PyTorch's aliases (torch.double, torch.long, ...).
    static let constants: [(String, DType)] = [
        ("float32", .float32), ("float", .float32), ("float64", .float64), ("double", .float64),
        ("int64", .int64), ("long", .int64), ("int32", .int32), ("int", .int32), ("uint8", .uint8), ("bool", .bool),
    ]

    /// Sets the constants on the table on top of the stack.
    static func registerConstants(_ lua: Lua) {
        for (name, dtype) in constants {
            lua.push(dtype.description)
            lua.rawSet(-2, name)
        }
    }

    static let methods: [LuaFunction] = [
        to, double, float, long, int, bool, byte, isFloatingPoint, gt, lt, ge, le, eq, ne,
    ]
    static let functions: [LuaFunction] = [gt, lt, ge, le, eq, ne, whereSelect, promoteTypes, isFloatingPoint]

    /// A dtype argument: "torch.float64", "float64", "double", ...
    static func dtype(_ lua: Lua, _ i: Int32) throws(LuaError) -> DType {
        let name = try lua.string(i)
        guard let d = DType(name: name) else {
            throw LuaError.argument(i, "unknown dtype '\(name)' (torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8 or torch.bool)")
        }
        return d
    }

    /// Pushes the element at a storage offset as Lua sees it: an integer, a float or a boolean.
    static func pushElement(_ t: Tensor, at position: Int, _ lua: Lua) {
        switch t.dtype {
        case .bool: lua.push(t.storage.elements(Bool.self)[position])
        case .float32, .float64: lua.push(t.double(atOffset: position))
        case .int64: lua.push(Int(t.storage.elements(Int64.self)[position]))
        case .int32, .uint8: lua.push(Int(t.double(atOffset: position)))
        }
    }

    static let dtypeGetter = LuaFunction("dtype", "t.dtype -> string",
                                         "The element type, as PyTorch names it: \"torch.float32\", \"torch.int64\", ...") { lua in
        lua.push(try lua.tensor(1).dtype.description)
        return 1
    }

    static let type = LuaFunction("type", "t:type([dtype]) -> string | Tensor",
                                  "The legacy type name (\"torch.FloatTensor\"), or t converted to dtype.") { lua in
        let t = try lua.tensor(1)
        if lua.isNoneOrNil(2) {
            lua.push(t.dtype.typeName)
            return 1
        }
        let name = try lua.string(2)
        guard let d = DType.allCases.first(where: { $0.typeName == name }) ?? DType(name: name) else {
            throw LuaError.argument(2, "invalid type: '\(name)'")
        }
        lua.push(t.to(d))
        return 1
    }

    static let to = LuaFunction("to", "t:to(dtype) -> Tensor",
                                "t converted to dtype (t itself when it already has it); differentiable between float types.") { lua in
        let t = try lua.tensor(1)
        if TensorClass.shared.test(lua, 2) != nil {
            lua.push(t.to(try lua.tensor(2).dtype))
            return 1
        }
        if lua.isOptions(2) {
            let o = try lua.options(2, ["dtype"])
            guard let name = try o?.string("dtype") else { lua.push(t); return 1 }
            guard let d = DType(name: name) else { throw LuaError.argument(2, "unknown dtype '\(name)'") }
            lua.push(t.to(d))
            return 1
        }
        lua.push(t.to(try dtype(lua, 2)))
        return 1
    }

    private static func conversion(_ name: String, _ target: DType) -> LuaFunction {
        LuaFunction(name, "t:\(name)() -> Tensor", "t converted to \(target) (t itself when it already is).") { lua in
            lua.push(try lua.tensor(1).to(target))
            return 1
        }
    }

    static let double = conversion("double", .float64)
    static let float = conversion("float", .float32)
    static let long = conversion("long", .int64)
    static let int = conversion("int", .int32)
    static let bool = conversion("bool", .bool)
    static let byte = conversion("byte", .uint8)

    static let isFloatingPoint = LuaFunction("is_floating_point", "torch.is_floating_point(t) -> boolean",
                                             "Whether t's dtype is float32 or float64.") { lua in
        lua.push(try lua.tensor(1).dtype.isFloatingPoint)
        return 1
    }

    private static func comparison(_ op: Comparison, _ doc: String) -> LuaFunction {
        LuaFunction(op.rawValue, "torch.\(op.rawValue)(a, b) -> Tensor", doc + " elementwise (b a tensor or number), as a bool tensor.") { lua in
            let a = try lua.tensor(1)
            if lua.kind(2) == .number && !lua.isInexactInteger(2) {
                lua.push(a.compare(op, try lua.number(2)))
            } else {
                let b = try lua.tensorOrNumber(2)
                lua.push(try lua.blame(2) { () throws(TensorError) in try a.compare(op, b) })
            }
            return 1
        }
    }

    static let gt = comparison(.gt, "a > b")
    static let lt = comparison(.lt, "a < b")
    static let ge = comparison(.ge, "a >= b")
    static let le = comparison(.le, "a <= b")
    static let eq = comparison(.eq, "a == b")
    static let ne = comparison(.ne, "a ~= b")

    static let whereSelect = LuaFunction("where", "torch.where(condition, a, b) -> Tensor",
                                         "a where condition holds, else b (broadcast; a and b tensors or numbers).") { lua in
        let c = try lua.tensor(1)
        guard c.dtype == .bool || c.dtype == .uint8 else {
            throw LuaError.argument(1, "where expected condition to be a boolean tensor, but got a tensor with dtype \(c.dtype.name == "float32" ? "Float" : c.dtype.name)")
        }
        let a = try lua.tensorOrNumber(2), b = try lua.tensorOrNumber(3)
        lua.push(try lua.blame(2) { () throws(TensorError) in try Tensor.select(where: c, a, b) })
        return 1
    }

    static let promoteTypes = LuaFunction("promote_types", "torch.promote_types(a, b) -> dtype",
                                          "The dtype PyTorch's arithmetic gives two tensors of dtypes a and b.") { lua in
        lua.push(DType.promote(try dtype(lua, 1), try dtype(lua, 2)).description)
        return 1
    }
}
