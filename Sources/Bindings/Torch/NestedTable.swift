// torch.tensor's input: a number, or nested tables of numbers that form a
// rectangular array. Errors say where the table goes wrong: "at [2][3]".

import LuaBridge
import Tensors

enum NestedTable {
    static let maxDepth = Dims.maxRank

    /// What the leaves were, for PyTorch's dtype inference: only booleans -> bool, only
    /// integers (and booleans) -> int64, any float -> the default float.
    struct Values {
        var doubles: [Double] = []
        var integers: [Int64] = []
        var sawFloat = false, sawNumber = false

        var dtype: DType { sawFloat ? DType.defaultFloat : (sawNumber ? .int64 : .bool) }

        /// The tensor of `shape`, in `dtype` (or the inferred one); integers stay exact.
        func tensor(shape: Dims, dtype requested: DType?) -> Tensor {
            let dtype = requested ?? self.dtype
            if !sawFloat {
                let t = Tensor(uninitializedShape: shape, dtype: .int64)
                t.elements(Int64.self).update(from: integers, count: integers.count)
                return t.converted(to: dtype)
            }
            let t = Tensor(uninitializedShape: shape, dtype: .float64)
            t.elements(Double.self).update(from: doubles, count: doubles.count)
            return t.converted(to: dtype)
        }
    }

    /// The values in row-major order and the shape of the nested table at index i.
    static func read(_ lua: Lua, _ i: Int32) throws(LuaError) -> (values: Values, shape: Dims) {
        var shape: [Int] = []
        var values = Values()
        var leafDepth: Int?
        try visit(lua, i, depth: 0, path: "", shape: &shape, leafDepth: &leafDepth, values: &values, argument: i)
        return (values, Dims(shape))
    }

    /// `leafDepth` is the depth of the rows of numbers, once one is seen: every row of
    /// numbers must be there, and only there, or the nesting is ragged.
    private static func visit(_ lua: Lua, _ at: Int32, depth: Int, path: String, shape: inout [Int],
                              leafDepth: inout Int?, values: inout Values, argument: Int32) throws(LuaError) {
        guard depth < maxDepth else {
            throw LuaError.argument(argument, "tables nested deeper than \(maxDepth) levels (tensors have at most \(maxDepth) dimensions)")
        }
        let n = lua.length(at)
        if depth == shape.count {
            shape.append(n)
        } else if shape[depth] != n {
            throw LuaError.argument(argument, "expected \(shape[depth]) entries at \(path.isEmpty ? "the top level" : path), got \(n) (rows must have equal lengths)")
        }
        guard n > 0 else { return }
        let first = lua.rawNumber(at, 1).kind
        let leaf = first == .number || first == .boolean
        if leaf && (shape.count > depth + 1 || leafDepth.map { $0 != depth } == true) {
            throw LuaError.argument(argument, "expected a table at \(path)[1], got a number")
        }
        if !leaf && leafDepth == depth {
            throw LuaError.argument(argument, "expected a number at \(path)[1], got a \(lua.typeNameOf(first))")
        }
        if leaf { leafDepth = depth }
        if !leaf { try lua.reserve(2) }
        for k in 1...n {
            let (kind, v, integer) = lua.rawScalar(at, k)
            if leaf {
                guard kind == .number || kind == .boolean else {
                    throw LuaError.argument(argument, "expected a number at \(path)[\(k)], got \(kind == .none ? "nil" : "a \(lua.typeNameOf(kind))")")
                }
                values.doubles.append(v)
                if kind == .number { values.sawNumber = true }
                if let integer { values.integers.append(integer) } else { values.sawFloat = true }
            } else {
                guard kind == .table else {
                    throw LuaError.argument(argument, "expected a table at \(path)[\(k)], got \(kind == .luaNil ? "nil" : "a \(lua.typeNameOf(kind))")")
                }
                lua.rawGet(at, k)
                defer { lua.pop() }
                try visit(lua, lua.top, depth: depth + 1, path: path + "[\(k)]", shape: &shape, leafDepth: &leafDepth,
                          values: &values, argument: argument)
            }
        }
    }
}

extension Lua {
    func typeNameOf(_ kind: Kind) -> String {
        switch kind {
        case .none: return "no value"
        case .luaNil: return "nil"
        case .boolean: return "boolean"
        case .lightUserdata, .userdata: return "userdata"
        case .number: return "number"
        case .string: return "string"
        case .table: return "table"
        case .function: return "function"
        case .thread: return "thread"
        }
    }
}
