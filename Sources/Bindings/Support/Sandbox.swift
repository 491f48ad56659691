// --safe: what an untrusted notebook may not do. No processes (os.execute,
// io.popen), no native code (package.loadlib, C modules), no precompiled chunks
// (they can break the VM), no debug library beyond traceback, no os.exit, and
// files written only inside one folder, by Lua's io/os and by lstmlua's own
// writers (torch.save, fig:save) alike.

import Foundation
import LuaBridge
import SafeFiles

public enum Sandbox {
    /// Where `path` would be written, through every symbolic link (a dangling one
    /// included) and `..`; nil when that cannot be told.
    static func resolved(_ path: String) -> String? {
        try? SafeFile.destination(of: path)
    }

    /// Throws unless writing `path` is allowed in the runtime `lua` belongs to.
    public static func checkWrite(_ path: String, argument: Int32, _ lua: Lua) throws(LuaError) {
        guard let root = Runtime.owning(lua)?.sandboxRoot else { return }
        guard let target = resolved(path), target.hasPrefix(root + "/") else {
            throw LuaError.argument(argument, "writing '\(path)' is not allowed in --safe mode (only inside \(root))")
        }
    }

    static let checkWriteFunction = LuaFunction("check_write", "sandbox.check_write(path)",
                                                "Raises unless --safe mode allows writing path.") { lua in
        try checkWrite(try lua.string(1), argument: 1, lua)
        return 0
    }

    /// Locks the runtime down; files may then be written only inside `root` (which must exist).
    public static func enter(_ runtime: Runtime, writableRoot root: String) {
        if let real = realpath(root, nil) {
            runtime.sandboxRoot = String(cString: real)
            free(real)
        } else {
            runtime.sandboxRoot = root
        }
        runtime.loadSandbox()
    }
}
