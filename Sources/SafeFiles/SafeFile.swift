// The one way lstmlua writes a user's file (and reads one, with messages a person can act on) (checkpoints, figures, notebooks,
// exports). Whatever happens, the old file or the new one is there, never half of
// either and never something else in its place:
//   - a symlink is written through: its target gets the new bytes, the link stays;
//   - a regular file is replaced by a complete temporary file renamed over it,
//     with the old file's mode and owner, the file and its folder fsynced;
//   - a device or FIFO is written straight to (nothing is renamed over it), a
//     directory or anything else is refused;
//   - the temporary file is removed on every failure, and one left by a killed
//     process is removed by the next write to the same file.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

public enum SafeFile {
    /// Why a write failed, in words for the user: `cannot write 'x.png': is a directory`.
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        var reading = false
        public var description: String { "cannot \(reading ? "read" : "write") '\(path)': \(reason)" }
    }

    /// Writes `data` as the whole content of the file at `path`.
    public static func write(_ data: Data, to path: String) throws(Failure) {
        func fail(_ reason: String) -> Failure { Failure(path: path, reason: reason) }
        guard !path.isEmpty else { throw fail("the path is empty") }
        guard !path.utf8.contains(0) else { throw fail("the path contains a NUL byte") }

        var st = stat()
        if stat(path, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                guard let real = realpath(path, nil) else { throw fail(errorText()) }
                defer { free(real) }
                try replace(String(cString: real), with: data, keeping: st, for: path)
            case S_IFDIR:
                throw fail("is a directory")
            case S_IFCHR, S_IFIFO:
                try writeStraight(data, to: path, fifo: st.st_mode & S_IFMT == S_IFIFO)
            default:
                throw fail("not a regular file, a character device or a FIFO")
            }
            return
        }
        guard errno == ENOENT else { throw fail(errorText()) }
        // A new file, or a dangling symlink: created where the link points.
        let target = try danglingTarget(of: path)
        try replace(target, with: data, keeping: nil, for: path)
    }

    /// The bytes of the regular file at `path` (through symlinks), with what is wrong in
    /// words: `cannot read '.': is a directory`, `... '/dev/zero': not a regular file`.
    public static func read(_ path: String) throws(Failure) -> Data {
        func fail(_ reason: String) -> Failure { Failure(path: path, reason: reason, reading: true) }
        guard !path.isEmpty else { throw fail("the path is empty") }
        guard !path.utf8.contains(0) else { throw fail("the path contains a NUL byte") }
        var st = stat()
        guard stat(path, &st) == 0 else { throw fail(errorText()) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw fail("is a directory")
        default: throw fail("not a regular file")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail(errorText()) }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail(errorText())
            }
            if n == 0 { return data }
            data.append(buffer, count: n)
        }
    }

    /// Where a write to `path` lands: the file itself for a device or FIFO, else the
    /// regular file at the end of any symlinks (existing or to be created), with its
    /// folder's real path. What a sandbox must check, not the path as written.
    public static func destination(of path: String) throws(Failure) -> String {
        guard !path.isEmpty, !path.utf8.contains(0) else { throw Failure(path: path, reason: "not a valid path") }
        var st = stat()
        if stat(path, &st) == 0 {
            guard let real = realpath(path, nil) else { throw Failure(path: path, reason: errorText()) }
            defer { free(real) }
            return String(cString: real)
        }
        guard errno == ENOENT else { throw Failure(path: path, reason: errorText()) }
        return try danglingTarget(of: path)
    }

    /// The prefix of the temporary files for `target`, in its folder.
    static func temporaryPrefix(_ name: String) -> String {
        // Room for the suffix within NAME_MAX (255 bytes).
        var short = name
        while short.utf8.count > 200 { short.removeLast() }
        return "." + short + ".lstmlua-"
    }

    private static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// A path's folder ("." when it names none) and last component. (Foundation's
    /// NSString path methods trap on some relative paths here.)
    public static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = path[..<slash]
        return (folder.isEmpty ? "/" : String(folder), String(path[path.index(after: slash)...]))
    }

    /// Where a missing path, or a chain of symlinks ending at a missing path, puts a new file.
    private static func danglingTarget(of path: String) throws(Failure) -> String {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            if lstat(current, &st) != 0 {
                guard errno == ENOENT else { throw Failure(path: path, reason: errorText()) }
                break
            }
            guard st.st_mode & S_IFMT == S_IFLNK else { break }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n >= 0 else { throw Failure(path: path, reason: errorText()) }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : split(current).folder + "/" + link
        }
        let (folder, name) = split(current)
        guard !name.isEmpty, name != ".", name != ".." else { throw Failure(path: path, reason: "names no file") }
        guard let real = realpath(folder, nil) else {
            throw Failure(path: path, reason: errno == ENOENT ? "no such folder '\(folder)'" : errorText())
        }
        defer { free(real) }
        let base = String(cString: real)
        return (base == "/" ? "" : base) + "/" + name
    }

    /// Writes a device or FIFO as it is; a FIFO with no reader is an error, not a hang.
    private static func writeStraight(_ data: Data, to path: String, fifo: Bool) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0))
        guard fd >= 0 else {
            throw Failure(path: path, reason: fifo && errno == ENXIO ? "a FIFO with no reader" : errorText())
        }
        defer { close(fd) }
        if fifo { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) }
        if let reason = writeAll(fd, data) { throw Failure(path: path, reason: reason) }
    }

    /// nil when every byte was written, else why not.
    private static func writeAll(_ fd: Int32, _ data: Data) -> String? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> String? in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errorText()
                }
                offset += n
            }
            return nil
        }
    }

    /// Replaces (or creates) the regular file `target` with a complete temporary file.
    private static func replace(_ target: String, with data: Data, keeping old: stat?, for path: String) throws(Failure) {
        let (folder, name) = split(target)
        let prefix = temporaryPrefix(name)
        removeLeftovers(in: folder, prefix: prefix)
        let temporary = folder + "/" + prefix + "\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let mode = old.map { mode_t($0.st_mode & 0o7777) } ?? 0o666
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(path: path, reason: errorText()) }
        var reason: String? = writeAll(fd, data)
        if reason == nil, let old {
            // open's mode passed through the umask; the old file's mode and owner stay.
            if fchmod(fd, mode) != 0 { reason = errorText() }
            if old.st_uid != getuid() || old.st_gid != getgid() { _ = fchown(fd, old.st_uid, old.st_gid) }
        }
        if reason == nil && fsync(fd) != 0 { reason = errorText() }
        if close(fd) != 0 && reason == nil { reason = errorText() }
        if reason == nil && rename(temporary, target) != 0 { reason = errorText() }
        if let reason {
            unlink(temporary)
            throw Failure(path: path, reason: reason)
        }
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }

    /// Removes temporary files for the same target left by processes that no longer run.
    private static func removeLeftovers(in folder: String, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let rest = name.dropFirst(prefix.count).dropLast(4)
            guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]) else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH { unlink(folder + "/" + name) }
        }
    }
}
