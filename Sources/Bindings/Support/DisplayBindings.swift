// The display module: what a Jupyter frontend shows beyond printed text (IPython's
// IPython.display), with a terminal's nearest equivalent elsewhere. And io.read
// answered by the frontend (Jupyter's input_request) when the kernel runs the code.

import Foundation
import LuaBridge

enum DisplayBindings {
    static let functions: [LuaFunction] = [clear]

    static let clear = LuaFunction("clear", "display.clear([wait=false])",
                                   "Clears the cell's output (with wait, when the next output comes), as IPython's clear_output; clears the screen in a terminal.") { lua in
        let wait = lua.kind(1) == .none || lua.kind(1) == .luaNil ? false : try lua.boolean(1)
        if let frontend = Runtime.owning(lua)?.frontend {
            frontend.clearOutput(wait: wait)
        } else if Console.drawsEscapes(1) {
            Console.output("\u{1B}[H\u{1B}[2J")
        }
        return 0
    }

    /// Swaps io.read for one that asks the frontend (and back).
    static func routeInput(_ state: LuaState, toFrontend: Bool) {
        let lua = state.lua
        guard state.getGlobal("io") == .table else { lua.pop(); return }
        if toFrontend {
            if lua.rawGet(-1, "read") == .function { lua.rawSet(-2, "__lstmlua_read") } else { lua.pop() }
            lua.push(read)
            lua.rawSet(-2, "read")
        } else if lua.rawGet(-1, "__lstmlua_read") == .function {
            lua.rawSet(-2, "read")
            lua.pushNil()
            lua.rawSet(-2, "__lstmlua_read")
        } else {
            lua.pop()
        }
        lua.pop()
    }

    static let read = LuaFunction("read", "io.read([format, ...]) -> values",
                                  "In a Jupyter kernel: reads from the frontend's input box, a line per format (\"l\", \"L\", \"n\", \"a\" or a count).") { lua in
        guard let frontend = Runtime.owning(lua)?.frontend else { lua.pushNil(); return 1 }
        let count = max(lua.top, 1)
        for i in 1...count {
            var format = "l"
            var length: Int?
            switch lua.kind(i) {
            case .none, .luaNil: break
            case .number: length = try lua.integer(i)
            case .string: format = try lua.string(i)
            default: throw lua.typeError(i, "string or number")
            }
            if format.hasPrefix("*") { format.removeFirst() }
            guard length != nil || ["l", "L", "n", "a"].contains(String(format.prefix(1))) else {
                throw LuaError.argument(i, "invalid format")
            }
            let line: String?
            do { line = try frontend.readLine(prompt: "", password: false) } catch { throw LuaError.message("\(error)") }
            guard let line else {
                throw LuaError.message("io.read: this frontend takes no input (allow_stdin is false)")
            }
            if let length {
                lua.push(String(line.prefix(max(length, 0))))
            } else {
                switch format.prefix(1) {
                case "n":
                    if let v = Int(line.trimmingCharacters(in: .whitespaces)) { lua.push(v) }
                    else if let v = Double(line.trimmingCharacters(in: .whitespaces)) { lua.push(v) }
                    else { lua.pushNil() }
                case "L": lua.push(line + "\n")
                default: lua.push(line)
                }
            }
        }
        return count
    }
}
