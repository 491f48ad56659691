// A Lua state with the standard libraries, and the ways lstmlua puts Swift
// functions into it and runs code in it. Everything that may raise runs under
// lua_pcall; failures come back as values.

import CLua
import LuaGlue

public final class LuaState {
    public let L: OpaquePointer
    /// Every binding pushed into this state, by qualified name ("torch.zeros", "Tensor:view").
    public private(set) var bindings: [String: LuaFunction] = [:]
    private var retained: [AnyObject] = []

    /// A fresh state with all of Lua's standard libraries.
    public init() {
        // luaL_newstate only fails when malloc does; nothing can go on without it.
        guard let L = luaL_newstate() else { fatalError("lstmlua: cannot allocate a Lua state") }
        self.L = L
        // Userdata release their Swift objects as Lua frees them (see userdata_heap.c).
        if lg_heap_install(L, { Unmanaged<AnyObject>.fromOpaque($0!).release() }) == 0 {
            fatalError("lstmlua: cannot allocate a Lua state")
        }
        lg_set_dispatch(LuaFunction.dispatch)
        if lg_pcall_openlibs(L) != LUA_OK { fatalError("lstmlua: cannot open Lua's standard libraries") }
        // The state object, for bindings that need more than the stack (help, the REPL).
        lg_extraspace(L).pointee = Unmanaged.passUnretained(self).toOpaque()
    }

    /// The LuaState a binding runs in (coroutines share their main state's extra space).
    public static func current(_ lua: Lua) -> LuaState? {
        guard let p = lg_extraspace(lua.L).pointee else { return nil }
        return Unmanaged<LuaState>.fromOpaque(p).takeUnretainedValue()
    }

    deinit { lg_close(L) }

    public var lua: Lua { Lua(L) }

    /// Keeps an object alive as long as the state (classes, bindings held by Lua).
    public func retain(_ object: AnyObject) { retained.append(object) }

    /// Records a binding under its qualified name, for help and the docs test.
    public func document(_ qualifiedName: String, _ f: LuaFunction) {
        bindings[qualifiedName] = f
        retain(f)
    }

    /// Pushes a new table of `functions`, recorded as "prefix.name".
    public func pushLibrary(_ prefix: String, _ functions: [LuaFunction]) {
        let lua = self.lua
        lua.newTable(fields: functions.count)
        for f in functions {
            document("\(prefix).\(f.name)", f)
            lua.push(f)
            lua.rawSet(-2, f.name)
        }
    }

    /// Sets global `name` to the value on top (popped), raw.
    public func setGlobal(_ name: String) {
        lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lua_rotate(L, -2, 1)
        lg_rawsetfield(L, -2, name)
        lg_pop(L, 1)
    }

    /// Pushes global `name` (raw) and returns its kind.
    @discardableResult
    public func getGlobal(_ name: String) -> Lua.Kind {
        lua_rawgeti(L, lg_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        let k = lg_rawgetfield(L, -1, name)
        lua_rotate(L, -2, 1)
        lg_pop(L, 1)
        return Lua.Kind(rawValue: k) ?? .none
    }

    /// Makes the value on top (popped) what `require(name)` returns.
    public func setLoaded(_ name: String) {
        _ = lg_rawgetfield(L, lg_registryindex(), "_LOADED")
        lua_rotate(L, -2, 1)
        lg_rawsetfield(L, -2, name)
        lg_pop(L, 1)
    }

    /// Pushes what require(name) would return if it is loaded (raw), and its kind.
    @discardableResult
    public func getLoaded(_ name: String) -> Lua.Kind {
        _ = lg_rawgetfield(L, lg_registryindex(), "_LOADED")
        let k = lg_rawgetfield(L, -1, name)
        lua_rotate(L, -2, 1)
        lg_pop(L, 1)
        return Lua.Kind(rawValue: k) ?? .none
    }

    // MARK: Running code

    public struct Failure: Error, CustomStringConvertible {
        /// The error message (with position), as Lua reports it.
        public let message: String
        /// The message and the stack traceback, when one was taken.
        public let traceback: String
        public var description: String { traceback.isEmpty ? message : traceback }

        public init(message: String, traceback: String) {
            self.message = message
            self.traceback = traceback
        }
    }

    /// Compiles a chunk and leaves the function on the stack.
    public func load(_ code: String, name: String) throws(Failure) {
        let status = code.withCString { luaL_loadbufferx(L, $0, code.utf8.count, name, nil) }
        guard status == LUA_OK else { throw popFailure(withTraceback: false) }
    }

    /// Compiles a chunk given as pieces of UTF-8, after `blankLines` empty lines (its line
    /// numbers then count from where it stands in a file), and leaves it on the stack.
    /// Nothing is joined or copied; a chunk with an early syntax error is read no further.
    public func load(pieces: [ArraySlice<UInt8>], blankLines: Int = 0, name: String) throws(Failure) {
        func withPointers(_ i: Int, _ done: inout [lg_piece], _ body: ([lg_piece]) -> Int32) -> Int32 {
            if i == pieces.count { return body(done) }
            return pieces[i].withUnsafeBufferPointer { buffer in
                done.append(lg_piece(bytes: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self),
                                     count: buffer.count))
                return withPointers(i + 1, &done, body)
            }
        }
        var collected: [lg_piece] = []
        let status = withPointers(0, &collected) { list in
            list.withUnsafeBufferPointer { lg_load_pieces(L, blankLines, $0.baseAddress, $0.count, name) }
        }
        guard status == LUA_OK else { throw popFailure(withTraceback: false) }
    }

    /// Calls the function below `nargs` arguments with a traceback handler; leaves the results.
    public func call(nargs: Int32 = 0, results: Int32 = LUA_MULTRET) throws(Failure) {
        let base = lua_gettop(L) - nargs
        lua_pushcclosure(L, lg_msghandler, 0)
        lua_rotate(L, base, 1)
        let status = lg_pcall(L, nargs, results, base)
        // drop the handler, which sits below the results
        lua_rotate(L, base, -1)
        lg_pop(L, 1)
        guard status == LUA_OK else { throw popFailure(withTraceback: true) }
    }

    /// Runs a chunk of code, discarding its results.
    public func run(_ code: String, name: String = "=(lstmlua)") throws(Failure) {
        let top = lua_gettop(L)
        try load(code, name: name)
        try call()
        dropTo(top)
    }

    /// Pops the error value and describes it.
    func popFailure(withTraceback: Bool) -> Failure {
        let text: String
        if let s = lua_tolstring(L, -1, nil) { text = String(cString: s) } else { text = "(error object is a \(Lua(L).typeName(-1)) value)" }
        lg_pop(L, 1)
        if withTraceback, let range = text.firstRange(of: "\nstack traceback:") {
            return Failure(message: String(text[..<range.lowerBound]), traceback: LuaState.withoutPreludeFrames(text))
        }
        return Failure(message: text, traceback: withTraceback ? text : "")
    }

    /// A traceback without the frames of lstmlua's own Lua code (chunks "[lstmlua:...]")
    /// and the error() call that raised from them: the user's lines are what matter.
    static func withoutPreludeFrames(_ traceback: String) -> String {
        let lines = traceback.split(separator: "\n", omittingEmptySubsequences: false)
        var kept: [Substring] = []
        for (i, line) in lines.enumerated() {
            if line.contains("[lstmlua:") { continue }
            let next = i + 1 < lines.count ? lines[i + 1] : ""
            if line.contains("[C]: in function 'error'") && next.contains("[lstmlua:") { continue }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }

    /// Drops values above `top` (slots lstmlua pushed itself, never to-be-closed).
    public func dropTo(_ top: Int32) {
        let n = lua_gettop(L) - top
        if n > 0 { lg_pop(L, n) }
    }

    /// Runs body with Ctrl-C turned into an "interrupted!" error, as lua.c does while it runs code.
    public func withInterrupts<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lg_interrupt_begin(L)
        defer { lg_interrupt_end() }
        return try body()
    }

    /// Whether Ctrl-C (SIGINT) came during the last withInterrupts (not a time limit).
    public var wasInterrupted: Bool { lg_interrupt_seen() != 0 }

    /// Limits the code run under withInterrupts to `seconds`; it then stops with "timed out".
    public func startTimeout(_ seconds: Double) { lg_timeout_start(seconds) }

    /// Disarms the limit; whether it had fired.
    @discardableResult
    public func stopTimeout() -> Bool { lg_timeout_stop() != 0 }

    /// Lua's heap in bytes, as the collector counts it.
    public var heapBytes: Int { Int(lg_gc_bytes(L)) }

    /// A full collection; false when the collector cannot run now (inside a finalizer).
    @discardableResult
    public func collectGarbage() -> Bool { lg_gc_collect(L) != 0 }

    /// One step of the collector (in generational mode, a young collection); false when
    /// the collector cannot run now (inside a finalizer).
    @discardableResult
    public func stepGarbageCollector() -> Bool { lg_gc_step(L) != 0 }

    /// Switches the collector to generational mode (Lua's default is incremental).
    public func useGenerationalCollector() { lg_gc_generational(L) }
}
