// torch.save and torch.load: safetensors checkpoints with PyTorch's state_dict
// names, readable by safetensors.torch.load_file.

import Checkpoints
import LuaBridge
import Tensors

enum CheckpointBindings {
    static let functions: [LuaFunction] = [save, load]

    /// The safetensors metadata key under which a saved module describes its class and
    /// constructor arguments (nn.lua writes and reads the description).
    static let moduleKey = "lstmlua.module"

    static let save = LuaFunction("save", "torch.save(obj, path [, metadata]) or torch.save(path, obj [, metadata])",
                                  "Writes a table of name -> Tensor, or a module (its state_dict, class and constructor arguments), as a safetensors file, atomically.") { lua in
        // PyTorch's order (obj, path) and lstmlua's first one (path, obj), told apart by type
        let (pathAt, objectAt): (Int32, Int32) = lua.kind(1) == .string ? (1, 2) : (2, 1)
        let path = try lua.string(pathAt)
        try Sandbox.checkWrite(path, argument: pathAt, lua)
        try lua.checkTable(objectAt)
        let hasMetadata = lua.top >= 3 && !lua.isNoneOrNil(3)
        var table: Int32 = objectAt
        var description: String? = nil
        if TensorClass.shared.test(lua, objectAt) == nil, try stateDictOfModule(lua, objectAt) {
            table = lua.top
            description = try moduleDescription(lua, objectAt)
        }
        var tensors: [(name: String, tensor: Tensor)] = []
        for key in try lua.stringKeys(table, argument: objectAt) {
            lua.rawGet(table, key)
            defer { lua.pop() }
            guard let t = TensorClass.shared.test(lua, -1) else {
                throw LuaError.argument(objectAt, "the value for '\(key)' is a \(lua.typeName(-1)), not a Tensor")
            }
            tensors.append((key, t))
        }
        guard lua.length(table) == 0 else { throw LuaError.argument(objectAt, "checkpoint entries must be named by strings, not numbers") }
        var metadata: [String: String] = [:]
        if hasMetadata {
            try lua.checkTable(3)
            for key in try lua.stringKeys(3, argument: 3) {
                lua.rawGet(3, key)
                defer { lua.pop() }
                switch lua.kind(-1) {
                case .string, .number: metadata[key] = try lua.tostring(-1)
                case .boolean: metadata[key] = lua.truthy(-1) ? "true" : "false"
                default: throw LuaError.argument(3, "metadata value for '\(key)' must be a string or number, got \(lua.typeName(-1))")
                }
            }
        }
        if let description {
            guard metadata[moduleKey] == nil else {
                throw LuaError.argument(3, "the metadata key '\(moduleKey)' is where a saved module describes itself")
            }
            metadata[moduleKey] = description
        }
        do throws(CheckpointError) {
            try Safetensors.write(Checkpoint(tensors: tensors, metadata: metadata), to: path)
        } catch {
            throw LuaError.message(error.message)
        }
        return 0
    }

    /// module:_checkpoint_description() for the module at i: its class and constructor
    /// arguments as JSON, or nil when they cannot be written (a tensor argument, say).
    private static func moduleDescription(_ lua: Lua, _ i: Int32) throws(LuaError) -> String? {
        guard lua.pushMethod(i, "_checkpoint_description") else { return nil }
        lua.pushValue(i)
        try lua.call(1, results: 1)
        defer { lua.pop() }
        return lua.kind(-1) == .string ? try lua.string(-1) : nil
    }

    /// If the table at i is a module (it has a state_dict method), pushes module:state_dict().
    private static func stateDictOfModule(_ lua: Lua, _ i: Int32) throws(LuaError) -> Bool {
        guard lua.pushMethod(i, "state_dict") else { return false }
        lua.pushValue(i)
        try lua.call(1, results: 1)
        guard lua.kind(-1) == .table else { throw LuaError.argument(i, "state_dict() did not return a table") }
        return true
    }

    static let load = LuaFunction("load", "torch.load(path) -> tensors, metadata",
                                  "Reads a safetensors file: a table of name -> Tensor, and the file's metadata table (nn.lua's torch.load rebuilds saved modules over it).") { lua in
        let path = try lua.string(1)
        let checkpoint: Checkpoint
        do throws(CheckpointError) {
            checkpoint = try Safetensors.read(path: path)
        } catch {
            throw LuaError.message(error.message)
        }
        lua.newTable(fields: checkpoint.tensors.count)
        for (name, t) in checkpoint.tensors {
            lua.push(t)
            lua.rawSet(-2, name)
        }
        lua.newTable(fields: checkpoint.metadata.count)
        for (k, v) in checkpoint.metadata {
            lua.push(v)
            lua.rawSet(-2, k)
        }
        return 2
    }
}

extension Lua {
    /// The string keys of the table at i, sorted; other keys beyond the array part are an error.
    public func stringKeys(_ i: Int32, argument: Int32) throws(LuaError) -> [String] {
        let keys = try unknownKeys(i, allowed: [])
        if keys.contains("[non-string key]") { throw LuaError.argument(argument, "table keys must be strings") }
        return keys
    }

    func truthy(_ i: Int32) -> Bool { (try? boolean(i)) ?? !isNoneOrNil(i) }

    /// Pushes the method `name` of the table at i, found raw: in its metatable
    /// (a class) or, up the class chain, in each class's parent (the __index
    /// table of the class's own metatable). Returns false, pushing nothing, when
    /// there is none.
    public func pushMethod(_ i: Int32, _ name: String) -> Bool {
        guard kind(i) == .table, getMetatable(i) else { return false }
        for _ in 0..<16 {
            if rawGet(-1, name) == .function {
                rotate(-2, 1)
                pop()
                return true
            }
            pop()
            guard getMetatable(-1) else { break }
            let parent = rawGet(-1, "__index")
            rotate(-3, 1)  // parent, class, class's metatable
            pop(2)
            guard parent == .table else { break }
        }
        pop()
        return false
    }
}
