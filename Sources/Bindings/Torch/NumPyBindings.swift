// NumPy files without pickle: torch.load_npy / save_npy for one array (numpy.load /
// numpy.save), torch.load_npz / save_npz for named arrays (numpy.savez). Each array
// keeps its dtype both ways.

import Checkpoints
import LuaBridge
import Tensors

enum NumPyBindings {
    static let functions: [LuaFunction] = [loadNpy, saveNpy, loadNpz, saveNpz]

    static let loadNpy = LuaFunction("load_npy", "torch.load_npy(path) -> Tensor",
                                     "Reads a NumPy .npy file (numpy.save's) as a tensor of its dtype: float64 stays float64.") { lua in
        let path = try lua.string(1)
        let array: Tensor
        do throws(CheckpointError) { array = try NumPyArray.read(path: path) } catch { throw LuaError.message(error.message) }
        lua.push(array)
        return 1
    }

    static let saveNpy = LuaFunction("save_npy", "torch.save_npy(path, t)",
                                     "Writes t as a NumPy .npy file (numpy.load reads it), in its dtype, atomically.") { lua in
        let path = try lua.string(1)
        try Sandbox.checkWrite(path, argument: 1, lua)
        let t = try lua.tensor(2)
        do throws(CheckpointError) { try NumPyArray.write(t, to: path) } catch { throw LuaError.message(error.message) }
        return 0
    }

    static let loadNpz = LuaFunction("load_npz", "torch.load_npz(path) -> {name = Tensor}",
                                     "Reads a NumPy .npz archive (numpy.savez or savez_compressed) as a table of tensors by name.") { lua in
        let path = try lua.string(1)
        let arrays: [(name: String, tensor: Tensor)]
        do throws(CheckpointError) { arrays = try NumPyArchive.read(path: path) } catch { throw LuaError.message(error.message) }
        lua.newTable(fields: arrays.count)
        for (name, t) in arrays {
            lua.push(t)
            lua.rawSet(-2, name)
        }
        return 1
    }

    static let saveNpz = LuaFunction("save_npz", "torch.save_npz(path, {name = Tensor})",
                                     "Writes named tensors as a NumPy .npz archive (numpy.load reads it), atomically.") { lua in
        let path = try lua.string(1)
        try Sandbox.checkWrite(path, argument: 1, lua)
        try lua.checkTable(2)
        var arrays: [(name: String, tensor: Tensor)] = []
        for key in try lua.stringKeys(2, argument: 2) {
            lua.rawGet(2, key)
            defer { lua.pop() }
            guard let t = TensorClass.shared.test(lua, -1) else {
                throw LuaError.argument(2, "the value for '\(key)' is a \(lua.typeName(-1)), not a Tensor")
            }
            arrays.append((key, t))
        }
        guard lua.length(2) == 0 else { throw LuaError.argument(2, "arrays must be named by strings, not numbers") }
        do throws(CheckpointError) { try NumPyArchive.write(arrays, to: path) } catch { throw LuaError.message(error.message) }
        return 0
    }
}
