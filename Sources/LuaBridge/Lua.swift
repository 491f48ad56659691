// The Lua stack as a binding sees it during one call: reading arguments with
// Lua-style errors, and pushing results. Only API functions the manual marks
// '-' or 'm' are called here; anything that may raise goes through LuaGlue.

import CLua
import LuaGlue

public struct Lua {
    public let L: OpaquePointer

    public init(_ L: OpaquePointer) { self.L = L }

    // MARK: Types

    public enum Kind: Int32 {
        case none = -1, luaNil = 0, boolean, lightUserdata, number, string, table, function, userdata, thread
    }

    public var top: Int32 { lua_gettop(L) }

    public func kind(_ i: Int32) -> Kind { Kind(rawValue: lua_type(L, i)) ?? .none }

    public func isNoneOrNil(_ i: Int32) -> Bool { lua_type(L, i) <= LUA_TNIL }

    /// The type name luaL_typeerror would use: "no value", "nil", "number", or a userdata's
    /// __name ("closed Tensor" for one released by __close, which would otherwise read
    /// "Tensor expected, got Tensor").
    public func typeName(_ i: Int32) -> String {
        switch kind(i) {
        case .none: return "no value"
        case .userdata:
            let block = lua_rawlen(L, i) == MemoryLayout<lg_Block>.size
                ? lua_touserdata(L, i)?.assumingMemoryBound(to: lg_Block.self).pointee : nil
            if lua_getmetatable(L, i) != 0 {
                defer { lg_pop(L, 2) }
                if lg_rawgetfield(L, -1, "__name") == LUA_TSTRING, let s = lua_tolstring(L, -1, nil) {
                    let name = String(cString: s)
                    if let block, block.tag == userdataTag(name), block.object == nil { return "closed " + name }
                    return name
                }
            }
            return "userdata"
        default:
            return String(cString: lua_typename(L, lua_type(L, i)))
        }
    }

    public func typeError(_ i: Int32, _ expected: String) -> LuaError {
        .argument(i, "\(expected) expected, got \(typeName(i))")
    }

    // MARK: Reading arguments

    public func number(_ i: Int32) throws(LuaError) -> Double {
        var ok: Int32 = 0
        let v = lua_tonumberx(L, i, &ok)
        guard ok != 0, lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, "number") }
        return v
    }

    public func optionalNumber(_ i: Int32) throws(LuaError) -> Double? {
        isNoneOrNil(i) ? nil : try number(i)
    }

    /// An integer argument: an integer, or a float with an integral value.
    public func integer(_ i: Int32) throws(LuaError) -> Int {
        guard lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, "number") }
        var ok: Int32 = 0
        let v = lua_tointegerx(L, i, &ok)
        guard ok != 0 else { throw LuaError.argument(i, "number has no integer representation") }
        return Int(v)
    }

    public func optionalInteger(_ i: Int32) throws(LuaError) -> Int? {
        isNoneOrNil(i) ? nil : try integer(i)
    }

    public func string(_ i: Int32) throws(LuaError) -> String {
        guard lua_type(L, i) == LUA_TSTRING, let s = lua_tolstring(L, i, nil) else { throw typeError(i, "string") }
        return String(cString: s)
    }

    public func optionalString(_ i: Int32) throws(LuaError) -> String? {
        isNoneOrNil(i) ? nil : try string(i)
    }

    /// Bytes of a string value (may contain zeros).
    public func bytes(_ i: Int32) -> [UInt8]? {
        guard lua_type(L, i) == LUA_TSTRING else { return nil }
        var n = 0
        guard let p = lua_tolstring(L, i, &n) else { return nil }
        return Array(UnsafeRawBufferPointer(start: p, count: n).bindMemory(to: UInt8.self))
    }

    public func boolean(_ i: Int32) throws(LuaError) -> Bool {
        guard lua_type(L, i) == LUA_TBOOLEAN else { throw typeError(i, "boolean") }
        return lua_toboolean(L, i) != 0
    }

    public func optionalBoolean(_ i: Int32) throws(LuaError) -> Bool? {
        isNoneOrNil(i) ? nil : try boolean(i)
    }

    public func checkTable(_ i: Int32) throws(LuaError) {
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, "table") }
    }

    public func checkFunction(_ i: Int32) throws(LuaError) {
        guard lua_type(L, i) == LUA_TFUNCTION else { throw typeError(i, "function") }
    }

    /// A number given where a size, index or count is wanted, as an Int (floats must be integral).
    public func integerValue(_ i: Int32) -> Int? {
        guard lua_type(L, i) == LUA_TNUMBER else { return nil }
        var ok: Int32 = 0
        let v = lua_tointegerx(L, i, &ok)
        return ok != 0 ? Int(v) : nil
    }

    /// The absolute stack index of i.
    public func absolute(_ i: Int32) -> Int32 { lua_absindex(L, i) }

    /// An identity for the value at i (tables, functions, userdata), for cycle checks.
    public func pointer(_ i: Int32) -> UnsafeRawPointer? { lua_topointer(L, i) }

    /// t[key] with the key on top (popped), raw; pushes the value.
    @discardableResult
    public func rawGetTop(_ t: Int32) -> Kind { Kind(rawValue: lua_rawget(L, t)) ?? .none }

    /// Sets the metatable of the value at i to the table on top (popped).
    public func setMetatable(_ i: Int32) { lua_setmetatable(L, i) }

    /// Pushes the global table.
    public func pushGlobals() { lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS)) }

    /// registry[key] = the value on top (popped).
    public func setRegistry(_ key: UnsafeRawPointer) { lua_rawsetp(L, lg_registryindex(), key) }

    /// Pushes registry[key].
    public func getRegistry(_ key: UnsafeRawPointer) { lua_rawgetp(L, lg_registryindex(), key) }

    /// Pushes the metatable of the value at i, if it has one.
    public func getMetatable(_ i: Int32) -> Bool { lua_getmetatable(L, i) != 0 }

    // MARK: Tables (raw access only)

    public func length(_ i: Int32) -> Int { Int(lua_rawlen(L, i)) }

    /// t[k] as a number, if it is one (t at index i).
    public func rawNumber(_ i: Int32, _ k: Int) -> (kind: Kind, value: Double) {
        var v = 0.0
        let t = lg_rawgeti_number(L, i, lua_Integer(k), &v)
        return (Kind(rawValue: t) ?? .none, v)
    }

    /// t[k] (raw) when a number or boolean: its value, and its exact value when a Lua integer.
    public func rawScalar(_ i: Int32, _ k: Int) -> (kind: Kind, value: Double, integer: Int64?) {
        var v = 0.0
        var n: Int64 = 0
        var isInteger: Int32 = 0
        let t = lg_rawgeti_scalar(L, i, lua_Integer(k), &v, &n, &isInteger)
        return (Kind(rawValue: t) ?? .none, v, isInteger != 0 ? n : nil)
    }

    /// Pushes t[k] (raw) and returns its kind.
    @discardableResult
    public func rawGet(_ i: Int32, _ k: Int) -> Kind {
        Kind(rawValue: lua_rawgeti(L, i, lua_Integer(k))) ?? .none
    }

    /// Pushes t[key] (raw) and returns its kind.
    @discardableResult
    public func rawGet(_ i: Int32, _ key: String) -> Kind {
        Kind(rawValue: lg_rawgetfield(L, i, key)) ?? .none
    }

    /// t[key] = the value on top (popped), raw.
    public func rawSet(_ i: Int32, _ key: String) { lg_rawsetfield(L, i, key) }

    /// t[k] = the value on top (popped), raw.
    public func rawSet(_ i: Int32, _ k: Int) { lua_rawseti(L, i, lua_Integer(k)) }

    /// The string keys of an options table that are not in `allowed` (lua_next runs under pcall).
    public func unknownKeys(_ i: Int32, allowed: Set<String>) throws(LuaError) -> [String] {
        guard lg_pcall_extra_keys(L, i) == LUA_OK else { throw LuaError.pushed }
        defer { pop() }
        var unknown: [String] = []
        for k in stride(from: 1, through: length(-1), by: 1) {
            rawGet(-1, k)
            if lua_type(L, -1) == LUA_TSTRING, let s = lua_tolstring(L, -1, nil) {
                let key = String(cString: s)
                if !allowed.contains(key) { unknown.append(key) }
            } else {
                unknown.append("[non-string key]")
            }
            pop()
        }
        return unknown.sorted()
    }

    // MARK: Pushing

    public func push(_ v: Double) { lua_pushnumber(L, v) }
    public func push(_ v: Float) { lua_pushnumber(L, Double(v)) }
    public func push(_ v: Int) { lua_pushinteger(L, lua_Integer(v)) }
    public func push(_ v: Bool) { lua_pushboolean(L, v ? 1 : 0) }
    public func push(_ v: String) { _ = v.withCString { lua_pushstring(L, $0) } }
    public func push(bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, b.count) }
        }
    }
    public func pushNil() { lua_pushnil(L) }
    public func pushLightNull() { lua_pushlightuserdata(L, nil) }
    public func pushLightUserdata(_ p: UnsafeMutableRawPointer) { lua_pushlightuserdata(L, p) }
    /// The address of a (light or full) userdata at i, else nil.
    public func userdata(_ i: Int32) -> UnsafeMutableRawPointer? { lua_touserdata(L, i) }
    public func isInteger(_ i: Int32) -> Bool { lua_isinteger(L, i) != 0 }
    public func pushValue(_ i: Int32) { lua_pushvalue(L, i) }
    public func push(_ f: LuaFunction) { lg_pushbinding(L, Unmanaged.passUnretained(f).toOpaque()) }
    /// The sizes are hints for preallocation: past a few million the table grows as it is filled.
    public func newTable(array: Int = 0, fields: Int = 0) {
        lua_createtable(L, Int32(clamping: Swift.min(Swift.max(array, 0), 1 << 22)), Int32(clamping: Swift.min(Swift.max(fields, 0), 1 << 22)))
    }

    /// A new array table holding `values`.
    public func pushArray<S: Sequence>(_ values: S, _ push: (Lua, S.Element) -> Void) {
        newTable(array: values.underestimatedCount)
        var k = 1
        for v in values {
            push(self, v)
            rawSet(-2, k)
            k += 1
        }
    }

    public func pop(_ n: Int32 = 1) { lg_pop(L, n) }

    /// Whether `n` more values fit on the stack, growing it if need be (Lua guarantees only
    /// LUA_MINSTACK free slots; a count that comes from input must be checked first).
    public func hasRoom(_ n: Int) -> Bool {
        n <= 0 || (n < Int(Int32.max) && lua_checkstack(L, Int32(n)) != 0)
    }

    /// Makes sure `n` more values fit on the stack; else fails with "stack overflow (what)",
    /// as luaL_checkstack words it.
    public func reserve(_ n: Int, _ what: String = "too many nested values") throws(LuaError) {
        guard hasRoom(n) else { throw LuaError.message("stack overflow (\(what))") }
    }

    /// Calls the function below `nargs` arguments on the stack, protected. On error the
    /// error value is left on top and .pushed is thrown.
    public func call(_ nargs: Int32, results: Int32) throws(LuaError) {
        guard lg_pcall(L, nargs, results, 0) == LUA_OK else { throw LuaError.pushed }
    }

    /// #v, with __len honoured (run under pcall).
    public func length(honouring i: Int32) throws(LuaError) -> Int {
        guard lg_pcall_len(L, i) == LUA_OK else { throw LuaError.pushed }
        defer { pop() }
        return Int(lua_tointegerx(L, -1, nil))
    }

    /// Pushes v[k], with __index honoured (run under pcall); its kind.
    public func get(honouring i: Int32, _ k: Int) throws(LuaError) -> Kind {
        guard lg_pcall_geti(L, i, lua_Integer(k)) == LUA_OK else { throw LuaError.pushed }
        return kind(-1)
    }

    /// tostring(v), with __tostring honoured (run under pcall).
    public func tostring(_ i: Int32) throws(LuaError) -> String {
        guard lg_pcall_tostring(L, i) == LUA_OK else { throw LuaError.pushed }
        defer { pop() }
        var n = 0
        guard let p = lua_tolstring(L, -1, &n) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }
}
