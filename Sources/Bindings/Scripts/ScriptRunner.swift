// Running scripts as the lua command does: the `arg` table, `...` for the
// script's arguments, a `#!` first line skipped, errors with a traceback.

import LuaBridge

extension Runtime {
    /// Sets the global `arg` as lua.c builds it: arg[0] the script, arg[1...] its
    /// arguments, and negative indices for the interpreter and its own options.
    public func setArguments(interpreter: [String], script: String?, arguments: [String]) {
        let lua = self.lua
        lua.newTable(array: arguments.count, fields: interpreter.count + 1)
        for (i, a) in interpreter.enumerated() {
            lua.push(a)
            lua.rawSet(-2, i - interpreter.count)
        }
        if let script {
            lua.push(script)
            lua.rawSet(-2, 0)
        }
        for (i, a) in arguments.enumerated() {
            lua.push(a)
            lua.rawSet(-2, i + 1)
        }
        state.setGlobal("arg")
    }

    /// Runs a Lua source file with `arguments` as its `...`.
    public func runFile(_ path: String, arguments: [String] = []) throws(LuaState.Failure) {
        let source: String
        do {
            source = try SourceFile.read(path)
        } catch {
            throw LuaState.Failure(message: "cannot open \(path)\(error.reason.map { " (\($0))" } ?? "")", traceback: "")
        }
        try runChunk(source, name: "@" + path, arguments: arguments)
    }

    /// Runs source text as a chunk named `name` ("@file" or "=label", as Lua's chunk names).
    public func runChunk(_ source: String, name: String, arguments: [String] = []) throws(LuaState.Failure) {
        let top = lua.top
        defer { state.dropTo(top) }
        // as lua.c: the arguments, the chunk and the message handler
        guard lua.hasRoom(arguments.count + 3) else {
            throw LuaState.Failure(message: "stack overflow (too many arguments to script)", traceback: "")
        }
        try state.load(SourceFile.skippingShebang(source), name: name)
        for a in arguments { lua.push(a) }
        try state.withInterrupts { () throws(LuaState.Failure) in try state.call(nargs: Int32(arguments.count), results: 0) }
    }
}
