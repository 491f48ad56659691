// A frontend that displays more than a terminal: Jupyter's, through the kernel.
// The bindings ask it first and fall back to the terminal when it declines.

public protocol Frontend: AnyObject {
    /// display.clear(wait): clears the cell's output (at the next output, with wait).
    func clearOutput(wait: Bool)
    /// A progress bar's line, drawn in place; `id` tells bars apart. False: draw it on stderr.
    func progress(id: ObjectIdentifier, line: String, finished: Bool) -> Bool
    /// One line typed by the user after `prompt` (without its newline); nil when the
    /// frontend takes no input. Throws when the wait was interrupted.
    func readLine(prompt: String, password: Bool) throws(FrontendError) -> String?
}

public struct FrontendError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
