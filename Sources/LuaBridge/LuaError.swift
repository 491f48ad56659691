// How a Swift binding reports a problem. It never raises: the dispatcher turns
// the error into a pushed message and the C trampoline raises it afterwards.

public enum LuaError: Error {
    /// A bad argument at stack index `index` (self is 1 in a method call); the message
    /// becomes "bad argument #n to 'f' (problem)" as luaL_argerror words it.
    case argument(Int32, String)
    /// A method taken from an object and called with `.` instead of `:` (x.sum()):
    /// self is missing or not the object.
    case badSelf
    /// A problem not tied to one argument; becomes "f: problem".
    case message(String)
    /// A message that needs no function name (indexing, property assignment); gets only the position.
    case plain(String)
    /// Ctrl-C stopped a native loop; becomes "interrupted!", as lua.c says.
    case interrupted
    /// The error value is already on top of the stack (a failed call into Lua, kept as it was).
    case pushed

    var isPushed: Bool { if case .pushed = self { true } else { false } }
}
