// How the process group reports a problem: the binding turns it into a Lua error
// naming the function.

public struct DistributedError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
