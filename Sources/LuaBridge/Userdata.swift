// Swift objects in Lua: a 16-byte userdata block holding a type tag and a
// retained reference, with one metatable per type.
//
// The tag, not the metatable, decides what a block is: debug.setmetatable can
// give any userdata our metatable, but it cannot forge the tag, so a foreign
// block is refused instead of read as ours. The state's allocator releases the
// reference when Lua frees the block (no __gc: see userdata_heap.c), __close
// earlier; a closed object then gives a clear error instead of a crash.

import CLua
import LuaGlue

/// The tag of a class's blocks: its name's FNV-1a hash, odd (a pointer in a foreign block's
/// first word is even).
func userdataTag(_ name: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h | 1
}

/// Made once per type and used only on the thread that runs Lua.
public final class UserdataClass<Object: AnyObject>: @unchecked Sendable {
    /// The name Lua shows (__name, and "Tensor expected, got number").
    public let name: String
    private let tag: UInt64

    public init(name: String) {
        self.name = name
        tag = userdataTag(name)
    }

    /// Pushes a new userdata holding `object`.
    public func push(_ object: Object, _ lua: Lua) {
        let raw = lua_newuserdatauv(lua.L, MemoryLayout<lg_Block>.size, 0)!
        raw.initializeMemory(as: lg_Block.self, repeating: lg_Block(tag: tag, object: Unmanaged.passRetained(object).toOpaque()), count: 1)
        lg_heap_adopt(lua.L, raw)
        lua_rawgetp(lua.L, lg_registryindex(), registryKey)
        lua_setmetatable(lua.L, -2)
    }

    private func block(_ lua: Lua, _ i: Int32) -> UnsafeMutablePointer<lg_Block>? {
        guard lua_type(lua.L, i) == LUA_TUSERDATA, lua_rawlen(lua.L, i) == MemoryLayout<lg_Block>.size,
              let raw = lua_touserdata(lua.L, i) else { return nil }
        let b = raw.assumingMemoryBound(to: lg_Block.self)
        return b.pointee.tag == tag ? b : nil
    }

    /// The object at i, or nil if the value is something else (or was closed).
    public func test(_ lua: Lua, _ i: Int32) -> Object? {
        guard let b = block(lua, i), let p = b.pointee.object else { return nil }
        return Unmanaged<Object>.fromOpaque(p).takeUnretainedValue()
    }

    /// The object at argument i, or a Lua-style type error (one that says to use `:` when
    /// a method of this class was called with `.`).
    public func check(_ lua: Lua, _ i: Int32) throws(LuaError) -> Object {
        guard let b = block(lua, i) else {
            // x.sum() or x.view(5): self is missing or an argument meant for after it
            // (another object given explicitly, torch.Tensor.item(f), is only the wrong type).
            if i == 1 && lua_type(lua.L, 1) != LUA_TUSERDATA && lg_called_as_method(lua.L) == 0
                && lg_running_method_of(lua.L, registryKey) != 0 {
                throw LuaError.badSelf
            }
            throw lua.typeError(i, name)
        }
        guard let p = b.pointee.object else { throw LuaError.argument(i, "\(name) has been closed") }
        return Unmanaged<Object>.fromOpaque(p).takeUnretainedValue()
    }

    /// Releases the object at i now (for __close); later uses say it was closed.
    public func release(_ lua: Lua, _ i: Int32) {
        guard let b = block(lua, i), let p = b.pointee.object else { return }
        b.pointee.object = nil
        Unmanaged<Object>.fromOpaque(p).release()
    }

    /// Builds the metatable: methods and properties reached through __index,
    /// setters through __newindex, plus metamethods (__close is added).
    /// Leaves the methods table on the stack, for a module to expose as the class.
    public func register(_ lua: Lua, methods: [LuaFunction], getters: [(String, LuaFunction)] = [],
                         setters: [(String, LuaFunction)] = [], fallbackGetter: LuaFunction? = nil,
                         fallbackSetter: LuaFunction? = nil, metamethods: [(String, LuaFunction)] = [],
                         close: LuaFunction? = nil) {
        lua.newTable(fields: metamethods.count + 5)  // metatable
        lua.push(name)
        lua.rawSet(-2, "__name")
        lua.push(close ?? release)
        lua.rawSet(-2, "__close")
        for (key, f) in metamethods {
            lua.push(f)
            lua.rawSet(-2, key)
        }
        // __index: methods table, getters table, element getter
        lua.newTable(fields: methods.count)
        for f in methods {
            lua.push(f)
            lua.rawSet(-2, f.name)
        }
        // For help and completion: the methods, and the names of the properties.
        lua.pushValue(-1)
        lua.rawSet(-3, "__methods")
        lua.pushArray(getters.map(\.0)) { $0.push($1) }
        lua.rawSet(-3, "__properties")
        // Stack: metatable, methods. Keep a copy of methods below the metatable for the caller.
        lua.pushValue(-1)
        lua.rotate(-3, 1)
        lua.newTable(fields: getters.count)
        for (key, f) in getters {
            lua.push(f)
            lua.rawSet(-2, key)
        }
        if let fallbackGetter { lua.push(fallbackGetter) } else { lua.pushNil() }
        lg_push_indexer(lua.L)
        lua.rawSet(-2, "__index")
        lua.newTable(fields: setters.count)
        for (key, f) in setters {
            lua.push(f)
            lua.rawSet(-2, key)
        }
        if let fallbackSetter { lua.push(fallbackSetter) } else { lua.pushNil() }
        lg_push_newindexer(lua.L)
        lua.rawSet(-2, "__newindex")
        lua_rawsetp(lua.L, lg_registryindex(), registryKey)
    }

    /// The metatable's key in each state's registry: this class's address.
    private var registryKey: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) }

    private lazy var release = LuaFunction("__close", "__close(obj)", "Releases the object now.") { [unowned self] lua in
        self.release(lua, 1)
        return 0
    }
}

extension Lua {
    public func rotate(_ i: Int32, _ n: Int32) { lua_rotate(L, i, n) }
}
