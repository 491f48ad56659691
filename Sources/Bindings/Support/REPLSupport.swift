// Native helpers for the Lua side of the REPL (lstmlua.repl).

import LuaBridge

enum REPLSupport {
    static let streamSwitch = LuaFunction("stream_switch", "repl.stream_switch(fd)",
                                          "Tells a capturing cell runner that stdout (1) or stderr (2) is about to be written.") { lua in
        let fd = try lua.integer(1)
        Runtime.owning(lua)?.streamSwitch?(Int32(clamping: fd))
        return 0
    }

    static let functionName = LuaFunction("function_name", "repl.function_name(f) -> string | nil",
                                          "The documented name of a function lstmlua defines, e.g. torch.zeros.") { lua in
        guard let state = LuaState.current(lua) else { return 0 }
        if let f = lua.binding(at: 1) {
            let name = state.bindings.first { $0.value === f }?.key ?? f.name
            lua.push(name)
            return 1
        }
        if let e = Help.entry(of: lua, at: 1) {
            lua.push(e.name)
            return 1
        }
        return 0
    }
}
