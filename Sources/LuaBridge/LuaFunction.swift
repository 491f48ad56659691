// A Swift function Lua can call, with the one-line signature and doc that the
// REPL's help shows. Every binding is a LuaFunction; a test checks none lacks a doc.

import CLua
import LuaGlue

/// Immutable once made, and only used on the thread that runs its Lua state.
public final class LuaFunction: @unchecked Sendable {
    /// The name errors use: "bad argument #1 to 'view' (...)".
    public let name: String
    /// How it is called, e.g. "t:view(size...) -> Tensor".
    public let signature: String
    /// One line: what it does.
    public let doc: String
    let body: (Lua) throws -> Int32

    public init(_ name: String, _ signature: String, _ doc: String, _ body: @escaping (Lua) throws -> Int32) {
        self.name = name
        self.signature = signature
        self.doc = doc
        self.body = body
    }

    /// Runs the binding for the C trampoline: its result count, or LG_RAISE with the error pushed.
    static let dispatch: lg_Dispatch = { state, binding in
        let function = Unmanaged<LuaFunction>.fromOpaque(binding!).takeUnretainedValue()
        let lua = Lua(state!)
        let base = lua.top
        do {
            return try function.body(lua)
        } catch let error as LuaError {
            // A binding may fail with its stack full; the message needs free slots.
            drop(lua, above: base, keepingTop: error.isPushed)
            function.push(error, lua)
        } catch {
            drop(lua, above: base, keepingTop: false)
            function.push(.message(String(describing: error)), lua)
        }
        return LG_RAISE
    }

    private static func drop(_ lua: Lua, above base: Int32, keepingTop: Bool) {
        let extra = lua.top - base
        guard extra > 0 else { return }
        if keepingTop {
            lua_copy(lua.L, -1, base + 1)
            lua.pop(extra - 1)
        } else {
            lua.pop(extra)
        }
    }

    private func push(_ error: LuaError, _ lua: Lua) {
        switch error {
        case .argument(let index, let message):
            lg_push_argerror(lua.L, index, name, message)
        case .badSelf:
            lg_push_error(lua.L, "calling '\(name)' on bad self (use x:\(name)(), not x.\(name)())")
        case .message(let message):
            lg_push_error(lua.L, "\(name): \(message)")
        case .plain(let message):
            lg_push_error(lua.L, message)
        case .interrupted:
            lg_push_error(lua.L, "interrupted!")
        case .pushed:
            break
        }
    }
}
