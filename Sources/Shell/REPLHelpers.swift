// Calls into lstmlua.repl, the Lua half of the REPL, shared by the REPL, notebook
// cells and the session recorder.

import Bindings
import LuaBridge

extension Runtime {
    /// Calls lstmlua.repl's function `name` with the arguments `push` pushes (it returns
    /// how many); the results are left on the stack, above the module.
    func callREPLHelper(_ name: String, results: Int32, arguments push: () -> Int32) throws(LuaState.Failure) {
        state.getLoaded("lstmlua.repl")
        lua.rawGet(-1, name)
        let count = push()
        try state.call(nargs: count, results: results)
    }

    /// The values at first..<first+count as the REPL prints them.
    func display(from first: Int32, count: Int32, color: Bool) throws(LuaState.Failure) -> String {
        let top = lua.top
        defer { state.dropTo(top) }
        // the values again, the helper, its module, the options and the message handler
        try checkRoomToPrint(Int(count) + 4)
        try callREPLHelper("show", results: 1) {
            lua.newTable(fields: 1)
            lua.push(color)
            lua.rawSet(-2, "color")
            for i in 0..<count { lua.pushValue(first + i) }
            return count + 1
        }
        return (try? lua.string(-1)) ?? ""
    }

    /// Fails as lua.c does when a chunk returned more values than the stack has room to print.
    func checkRoomToPrint(_ slots: Int) throws(LuaState.Failure) {
        guard lua.hasRoom(slots) else {
            throw LuaState.Failure(message: "stack overflow (too many results to print)", traceback: "")
        }
    }
}
