// Reading a script from disk or stdin, as luaL_loadfile would see it.

#if canImport(Glibc)
import Glibc
#endif

enum SourceFile {
    struct ReadError: Error { let reason: String? }

    /// The whole file (or stdin for "-") as text.
    static func read(_ path: String) throws(ReadError) -> String {
        let fd = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else { throw ReadError(reason: String(cString: strerror(errno))) }
        defer { if fd != 0 { close(fd) } }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A first line starting with '#' (a shebang) becomes empty, keeping line numbers.
    static func skippingShebang(_ source: String) -> String {
        guard source.hasPrefix("#") else { return source }
        guard let newline = source.firstIndex(of: "\n") else { return "" }
        return String(source[newline...])
    }
}
