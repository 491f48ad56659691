// help(name) and the REPL's ?name: the signature and one-line doc of every
// function lstmlua defines. Native bindings carry theirs (LuaFunction); the Lua
// prelude registers its own with doc(...) beside each definition, in a table
// this file creates and keeps in the registry.

import LuaBridge
import LuaGlue

public enum Help {
    /// The prelude's docs: {byname = {name = {signature=, doc=, value=}}, byvalue = {value = name}}.
    nonisolated(unsafe) private static let registryKey = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    static func install(_ state: LuaState) {
        let lua = state.lua
        lua.newTable(fields: 2)
        lua.newTable()
        lua.rawSet(-2, "byname")
        lua.newTable()
        // weak keys: documenting a value never keeps it alive
        lua.newTable(fields: 1)
        lua.push("k")
        lua.rawSet(-2, "__mode")
        lua.setMetatable(-2)
        lua.rawSet(-2, "byvalue")
        lua.setRegistry(registryKey)
    }

    static func pushDocs(_ lua: Lua) { lua.getRegistry(registryKey) }

    public struct Entry: Equatable {
        public let name: String
        public let signature: String
        public let doc: String
    }

    /// The entry for the value at index i, if lstmlua documents it.
    static func entry(of lua: Lua, at i: Int32) -> Entry? {
        let i = lua.absolute(i)
        if let f = lua.binding(at: i) { return Entry(name: f.name, signature: f.signature, doc: f.doc) }
        pushDocs(lua)
        defer { lua.pop() }
        lua.rawGet(-1, "byvalue")
        defer { lua.pop() }
        lua.pushValue(i)
        guard lua.rawGetTop(-2) == .string, let name = try? lua.string(-1) else { lua.pop(); return nil }
        lua.pop()
        return entry(named: name, lua)
    }

    /// The prelude's entry named `name`.
    static func entry(named name: String, _ lua: Lua) -> Entry? {
        pushDocs(lua)
        defer { lua.pop() }
        lua.rawGet(-1, "byname")
        defer { lua.pop() }
        guard lua.rawGet(-1, name) == .table else { lua.pop(); return nil }
        defer { lua.pop() }
        lua.rawGet(-1, "signature")
        let signature = (try? lua.string(-1)) ?? name
        lua.pop()
        lua.rawGet(-1, "doc")
        let doc = (try? lua.string(-1)) ?? ""
        lua.pop()
        return Entry(name: name, signature: signature, doc: doc)
    }

    /// Resolves "torch.zeros", "nn.LSTM", "Tensor:view", "nn.Module:parameters" ... to
    /// help text, or nil when the name is unknown.
    public static func text(for name: String, in state: LuaState) -> String? {
        let lua = state.lua
        if let f = state.bindings[name] { return format(Entry(name: name, signature: f.signature, doc: f.doc)) }
        if let e = entry(named: name, lua) { return format(e) + members(name, lua) }
        guard pushPath(name, lua) else { return nil }
        defer { lua.pop() }
        return text(forValueAt: -1, named: name, state: state)
    }

    /// Help for the value at i.
    public static func text(forValueAt i: Int32, named name: String, state: LuaState) -> String? {
        let lua = state.lua
        let i = lua.absolute(i)
        if let e = entry(of: lua, at: i) {
            return format(e) + (lua.kind(i) == .table ? members(e.name, lua) : "")
        }
        switch lua.kind(i) {
        case .table:
            let list = documentedMembers(of: i, prefix: name, state: state)
            return list.isEmpty ? nil : "\(name):\n" + list.map { "  " + $0.signature + "\n      " + $0.doc }.joined(separator: "\n")
        case .userdata:
            let type = lua.typeName(i)
            let prefix = type == "Tensor" ? "Tensor" : type.components(separatedBy: ".").last ?? type
            let methods = state.bindings.filter { $0.key.hasPrefix(prefix + ":") || $0.key.hasPrefix(prefix + ".") }
                .sorted { $0.key < $1.key }
            guard !methods.isEmpty else { return "a \(type)" }
            return "a \(type); its methods and properties:\n" + methods.map { "  " + $0.value.signature + "\n      " + $0.value.doc }.joined(separator: "\n")
        default:
            return nil
        }
    }

    static func format(_ e: Entry) -> String { e.signature + "\n  " + e.doc }

    /// For a class documented by name: its documented methods, one per line.
    private static func members(_ name: String, _ lua: Lua) -> String {
        pushDocs(lua)
        defer { lua.pop() }
        lua.rawGet(-1, "byname")
        defer { lua.pop() }
        var lines: [String] = []
        for key in (try? lua.stringKeys(lua.top, argument: 1)) ?? [] where key.hasPrefix(name + ":") || key.hasPrefix(name + ".") {
            if let e = entry(named: key, lua) { lines.append("  " + e.signature + "  -- " + e.doc) }
        }
        return lines.isEmpty ? "" : "\n" + lines.sorted().joined(separator: "\n")
    }

    /// The documented functions in the table at i.
    static func documentedMembers(of i: Int32, prefix: String, state: LuaState) -> [Entry] {
        let lua = state.lua
        var out: [Entry] = []
        for key in (try? lua.stringKeys(i, argument: 1)) ?? [] where !key.hasPrefix("_") {
            lua.rawGet(i, key)
            defer { lua.pop() }
            if let e = entry(of: lua, at: -1) { out.append(e) }
        }
        return out.sorted { $0.name < $1.name }
    }

    /// Pushes the value a dotted (or a:b) path names, reading raw (completion uses it).
    public static func pushPathValue(_ path: String, _ lua: Lua) -> Bool { pushPath(path, lua) }

    /// Pushes the value a dotted (or a:b) path names, starting from the globals, with raw reads.
    /// Returns false (pushing nothing) when some part is missing.
    static func pushPath(_ path: String, _ lua: Lua) -> Bool {
        let parts = path.split(whereSeparator: { $0 == "." || $0 == ":" }).map(String.init)
        guard !parts.isEmpty else { return false }
        lua.pushGlobals()
        for part in parts {
            let container = lua.top
            var found = Lua.Kind.luaNil
            switch lua.kind(container) {
            case .table:
                found = lua.rawGet(container, part)
                if found == .luaNil {
                    lua.pop()
                    if lua.pushMethod(container, part) { found = .function } else { lua.pushNil() }
                }
            case .userdata where lua.getMetatable(container):
                // [container, metatable] -> [container, value]
                if lua.rawGet(-1, "__methods") == .table { found = lua.rawGet(-1, part) } else { lua.pushNil() }
                lua.rotate(-3, 1)
                lua.pop(2)
            default:
                lua.pushNil()
            }
            lua.rotate(-2, 1)
            lua.pop()
            if found == .luaNil { lua.pop(); return false }
        }
        return true
    }

    /// Functions reachable from lstmlua's modules that have no help: what the docs test checks.
    public static func undocumented(in state: LuaState) -> [String] {
        let lua = state.lua
        var missing: [String] = []
        for (name, f) in state.bindings where f.signature.isEmpty || f.doc.isEmpty { missing.append(name) }
        var seen = Set<UnsafeRawPointer>()
        func walk(_ i: Int32, _ path: String, depth: Int) {
            guard depth < 4, let p = lua.pointer(i), seen.insert(p).inserted else { return }
            for key in (try? lua.stringKeys(i, argument: 1)) ?? [] where !key.hasPrefix("_") && key != "super" {
                lua.rawGet(i, key)
                defer { lua.pop() }
                let name = path + "." + key
                switch lua.kind(-1) {
                case .function:
                    if entry(of: lua, at: -1) == nil && !inheritsDoc(key, classAt: i, lua) { missing.append(name) }
                case .table:
                    walk(lua.top, name, depth: depth + 1)
                default:
                    break
                }
            }
        }
        for module in ["torch", "nn", "optim", "data", "plot", "json", "time"] {
            guard state.getGlobal(module) == .table else { state.lua.pop(); missing.append(module); continue }
            walk(lua.top, module, depth: 0)
            lua.pop()
        }
        return missing.sorted()
    }

    /// A class's method that overrides a documented method of an ancestor shares its doc.
    private static func inheritsDoc(_ key: String, classAt i: Int32, _ lua: Lua) -> Bool {
        var ok = false
        lua.pushValue(i)
        for _ in 0..<16 {
            guard lua.getMetatable(-1) else { break }
            let parent = lua.rawGet(-1, "__index")
            lua.rotate(-3, 1)
            lua.pop(2)
            guard parent == .table else { break }
            lua.rawGet(-1, key)
            ok = entry(of: lua, at: -1) != nil
            lua.pop()
            if ok { break }
        }
        lua.pop()
        return ok
    }

    static let help = LuaFunction("help", "help([name | value])", "Shows the signature and doc of a function, class or module.") { lua in
        guard let state = LuaState.current(lua) else { return 0 }
        let text: String?
        if lua.isNoneOrNil(1) {
            text = """
                Help is here for every function lstmlua defines:
                  help("torch.zeros"), help(nn.LSTM), ?optim.Adam in the REPL, help(torch) for a module.
                Modules: torch, nn, optim, data, plot, json, time.
                """
        } else if lua.kind(1) == .string {
            let name = try lua.string(1)
            text = Help.text(for: name, in: state) ?? "no help for '\(name)'"
        } else {
            text = Help.text(forValueAt: 1, named: "value", state: state) ?? "no help for a \(lua.typeName(1))"
        }
        Console.output(text! + "\n")
        return 0
    }
}

extension Lua {
    /// The Swift binding behind a function value, if it is one.
    func binding(at i: Int32) -> LuaFunction? {
        guard let p = lg_binding_of(L, i) else { return nil }
        return Unmanaged<LuaFunction>.fromOpaque(p).takeUnretainedValue()
    }
}
