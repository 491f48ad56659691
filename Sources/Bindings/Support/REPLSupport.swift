// Native helpers for the Lua side of the REPL (lstmlua.repl).

import LuaBridge

enum REPLSupport {
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
