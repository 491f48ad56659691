// TAB completion: globals, fields of tables, methods reached through
// metatables and __index (a tensor's methods after `x:`), and module names
// inside require(". Everything is read raw: completing never runs user code.

import Bindings
import LuaBridge

enum Completion {
    static let keywords = ["and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
                           "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"]

    /// What to insert after the cursor, and the candidates when there is a choice.
    static func complete(_ before: String, state: LuaState) -> (insert: String, candidates: [String]) {
        let (prefix, candidates) = candidatesFor(before, state: state)
        let matching = Array(Set(candidates.filter { $0.hasPrefix(prefix) })).sorted()
        guard !matching.isEmpty else { return ("", []) }
        let common = matching.dropFirst().reduce(matching[0]) { sharedPrefix($0, $1) }
        return (String(common.dropFirst(prefix.count)), matching)
    }

    static func sharedPrefix(_ a: String, _ b: String) -> String {
        String(zip(a, b).prefix { $0 == $1 }.map(\.0))
    }

    /// The word being completed and every name that could complete it; with `qualified`,
    /// the word is the whole dotted name (`torch.ze`) and so are the names (`torch.zeros`),
    /// as IPython's kernel answers a frontend.
    static func candidatesFor(_ before: String, state: LuaState, qualified: Bool) -> (String, [String]) {
        let (partial, names) = candidatesFor(before, state: state)
        guard qualified, before.range(of: #"require\s*\(?\s*["']([\w.]*)$"#, options: .regularExpression) == nil else {
            return (partial, names)
        }
        let chars = Array(before)
        let base = String(chars[expressionStart(chars)...].dropLast(partial.count))
        return (base + partial, names.map { base + $0 })
    }

    /// Where the dotted name before the cursor starts.
    static func expressionStart(_ chars: [Character]) -> Int {
        var start = chars.count
        while start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || "_.:".contains(chars[start - 1]) { start -= 1 }
        return start
    }

    /// The word being completed and every name that could complete it.
    static func candidatesFor(_ before: String, state: LuaState) -> (String, [String]) {
        // require("na  or  require "na
        if let r = before.range(of: #"require\s*\(?\s*["']([\w.]*)$"#, options: .regularExpression) {
            let partial = String(before[r]).replacingOccurrences(of: #"^require\s*\(?\s*["']"#, with: "", options: .regularExpression)
            return (partial, moduleNames(state))
        }
        let chars = Array(before)
        let expression = String(chars[expressionStart(chars)...])
        guard let cut = expression.lastIndex(where: { $0 == "." || $0 == ":" }) else {
            return (expression, globalNames(state) + keywords)
        }
        let base = String(expression[..<cut]), partial = String(expression[expression.index(after: cut)...])
        let methodsOnly = expression[cut] == ":"
        return (partial, fields(of: base, methodsOnly: methodsOnly, state: state))
    }

    static func globalNames(_ state: LuaState) -> [String] {
        let lua = state.lua
        lua.pushGlobals()
        defer { lua.pop() }
        return (try? lua.stringKeys(lua.top, argument: 1)) ?? []
    }

    static func moduleNames(_ state: LuaState) -> [String] {
        let lua = state.lua
        var names: [String] = []
        guard state.getGlobal("package") == .table else { lua.pop(); return [] }
        for table in ["loaded", "preload"] {
            if lua.rawGet(-1, table) == .table { names += (try? lua.stringKeys(lua.top, argument: 1)) ?? [] }
            lua.pop()
        }
        lua.pop()
        return names.filter { $0 != "_G" }
    }

    /// The names reachable from the value `path` names: its fields, the methods and
    /// properties of its type, and what its metatable's __index tables offer.
    static func fields(of path: String, methodsOnly: Bool, state: LuaState) -> [String] {
        let lua = state.lua
        guard Help.pushPathValue(path, lua) else { return [] }
        defer { lua.pop() }
        var names: [String] = []
        let value = lua.top
        if lua.kind(value) == .table {
            names += keys(lua, value, functionsOnly: methodsOnly)
        }
        // through the metatable: userdata methods and properties, __index tables up the chain
        lua.pushValue(value)
        for _ in 0..<16 {
            guard lua.getMetatable(-1) else { break }
            if lua.rawGet(-1, "__methods") == .table { names += keys(lua, lua.top, functionsOnly: methodsOnly) }
            lua.pop()
            if !methodsOnly {
                if lua.rawGet(-1, "__properties") == .table {
                    for k in stride(from: 1, through: lua.length(-1), by: 1) {
                        lua.rawGet(-1, k)
                        if let s = try? lua.string(-1) { names.append(s) }
                        lua.pop()
                    }
                }
                lua.pop()
            }
            let next = lua.rawGet(-1, "__index")
            lua.rotate(-3, 1)   // __index, current, metatable
            lua.pop(2)
            guard next == .table else { break }
            names += keys(lua, lua.top, functionsOnly: methodsOnly)
        }
        lua.pop()
        return names.filter { !$0.hasPrefix("__") }
    }

    private static func keys(_ lua: Lua, _ i: Int32, functionsOnly: Bool) -> [String] {
        let all = (try? lua.stringKeys(i, argument: 1)) ?? []
        guard functionsOnly else { return all }
        return all.filter { k in
            lua.rawGet(i, k)
            defer { lua.pop() }
            return lua.kind(-1) == .function
        }
    }
}
