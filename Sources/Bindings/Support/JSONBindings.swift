// The json module: JSON text to Lua values and back, through Foundation's
// JSONSerialization. Objects become tables with string keys, arrays become
// sequences, null becomes json.null (nil cannot sit in a sequence).

import Foundation
import LuaBridge

enum JSONBindings {
    static let functions: [LuaFunction] = [decode, encode]

    static let decode = LuaFunction("decode", "json.decode(text) -> value", "Parses JSON text into Lua values.") { lua in
        let text = try lua.string(1)
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw LuaError.argument(1, "invalid JSON: \((error as NSError).localizedDescription)")
        }
        try push(value, lua, depth: 0)
        return 1
    }

    private static func push(_ v: Any, _ lua: Lua, depth: Int) throws(LuaError) {
        guard depth < 100 else { throw LuaError.argument(1, "JSON nested deeper than 100 levels") }
        try lua.reserve(3)
        switch v {
        case let s as String: lua.push(s)
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" {
                lua.push(n.boolValue)
            } else if let i = Int(exactly: n.doubleValue), !n.stringValue.contains(".") && !n.stringValue.contains("e") {
                lua.push(i)
            } else {
                lua.push(n.doubleValue)
            }
        case let a as [Any]:
            lua.newTable(array: a.count)
            for (k, e) in a.enumerated() {
                try push(e, lua, depth: depth + 1)
                lua.rawSet(-2, k + 1)
            }
        case let d as [String: Any]:
            lua.newTable(fields: d.count)
            for (k, e) in d {
                try push(e, lua, depth: depth + 1)
                lua.rawSet(-2, k)
            }
        default:
            pushNull(lua)
        }
    }

    /// json.null: the light userdata NULL, which Lua compares by value.
    static func pushNull(_ lua: Lua) { lua.pushLightNull() }

    static let encode = LuaFunction("encode", "json.encode(value) -> text",
                                    "JSON text for a Lua value: tables with keys 1..n become arrays, others objects (keys sorted).") { lua in
        let v = try value(lua, 1, depth: 0)
        guard JSONSerialization.isValidJSONObject([v]) else { throw LuaError.argument(1, "value cannot be encoded as JSON") }
        do {
            let data = try JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
            lua.push(String(decoding: data, as: UTF8.self))
        } catch {
            throw LuaError.argument(1, "value cannot be encoded as JSON")
        }
        return 1
    }

    private static func value(_ lua: Lua, _ i: Int32, depth: Int) throws(LuaError) -> Any {
        guard depth < 100 else { throw LuaError.argument(1, "table nested deeper than 100 levels (a cycle?)") }
        switch lua.kind(i) {
        case .luaNil, .none: return NSNull()
        case .boolean: return try lua.boolean(i)
        case .number:
            if let n = lua.integerValue(i), lua.isInteger(i) { return n }
            let d = try lua.number(i)
            guard d.isFinite else { throw LuaError.argument(1, "JSON cannot hold \(d)") }
            return d
        case .string: return try lua.string(i)
        case .table:
            let n = lua.length(i)
            let keys = try lua.unknownKeys(i, allowed: [])
            if keys.isEmpty && n > 0 {
                var out: [Any] = []
                try lua.reserve(2)
                for k in stride(from: 1, through: n, by: 1) {
                    lua.rawGet(i, k)
                    defer { lua.pop() }
                    out.append(try value(lua, lua.top, depth: depth + 1))
                }
                return out
            }
            guard n == 0, !keys.contains("[non-string key]") else {
                throw LuaError.argument(1, "a table mixing array entries and other keys cannot be encoded as JSON")
            }
            var out: [String: Any] = [:]
            try lua.reserve(2)
            for k in keys {
                lua.rawGet(i, k)
                defer { lua.pop() }
                out[k] = try value(lua, lua.top, depth: depth + 1)
            }
            return out
        default:
            if isNull(lua, i) { return NSNull() }
            throw LuaError.argument(1, "a \(lua.typeName(i)) cannot be encoded as JSON")
        }
    }

    private static func isNull(_ lua: Lua, _ i: Int32) -> Bool { lua.kind(i) == .lightUserdata }
}
