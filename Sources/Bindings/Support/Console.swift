// Writing to the standard streams from Swift without touching C's global FILE
// pointers (which Swift 6 treats as shared mutable state).

#if canImport(Glibc)
import Glibc
#endif

public enum Console {
    /// Writes to standard error, after flushing what Lua's print buffered on stdout.
    public static func error(_ text: String) {
        fflush(nil)
        write(2, text)
    }

    /// Writes to standard output, in order with Lua's buffered print.
    public static func output(_ text: String) {
        fflush(nil)
        write(1, text)
    }

    public static func write(_ fd: Int32, _ text: String) { write(fd, bytes: Array(text.utf8)) }

    public static func write(_ fd: Int32, bytes: [UInt8]) {
        var bytes = bytes
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 { if errno == EINTR { continue }; return }
            done += n
        }
    }

    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }

    /// Does fd reach a terminal that draws escape sequences (colours, moving the
    /// cursor, clearing a line)? Not when TERM is unset or "dumb" (Emacs' shell, some CI logs).
    public static func drawsEscapes(_ fd: Int32) -> Bool {
        guard isTerminal(fd), let term = getenv("TERM").map({ String(cString: $0) }) else { return false }
        return !term.isEmpty && term != "dumb"
    }

    /// The width of the terminal fd reaches, in columns; nil when it is not a terminal.
    public static func columns(_ fd: Int32) -> Int? {
        guard isTerminal(fd) else { return nil }
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let c = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), c > 0 { return c }
        return nil
    }
}
