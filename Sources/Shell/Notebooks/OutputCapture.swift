// What a cell writes to stdout and stderr, caught at the file descriptors, so that
// print, io.write, progress bars and native writers are all caught, in order with
// the figures shown between them.

import Foundation
import LuaGlue

#if canImport(Glibc)
import Glibc
#endif

/// What a cell wrote since the last take; finish ends the capture.
public protocol CellOutputCapture: AnyObject {
    func take() -> (stdout: String, stderr: String)
    @discardableResult
    func finish() -> (stdout: String, stderr: String)
}

final class OutputCapture: CellOutputCapture {
    private let saved: (Int32, Int32)
    private let files: (Int32, Int32)
    private var offsets: (Int, Int) = (0, 0)
    private var finished = false

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    init() throws(Failed) {
        fflush(nil)
        func temporary() throws(Failed) -> Int32 {
            var template = Array((NSTemporaryDirectory() + "/lstmlua-output-XXXXXX").utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw Failed(description: "cannot create a temporary file: \(String(cString: strerror(errno)))") }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            return fd
        }
        let out = try temporary(), err = try temporary()
        files = (out, err)
        saved = (dup(1), dup(2))
        dup2(out, 1)
        dup2(err, 2)
        lg_set_diagnostics_fd(saved.1)
    }

    deinit { finish() }

    /// What was written since the last take.
    func take() -> (stdout: String, stderr: String) {
        fflush(nil)
        return (read(files.0, &offsets.0), read(files.1, &offsets.1))
    }

    private func read(_ fd: Int32, _ offset: inout Int) -> String {
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) > offset else { return "" }
        var buffer = [UInt8](repeating: 0, count: Int(info.st_size) - offset)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n > 0 else { return "" }
        offset += n
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    /// Puts stdout and stderr back; what was written since the last take.
    @discardableResult
    func finish() -> (stdout: String, stderr: String) {
        guard !finished else { return ("", "") }
        finished = true
        let rest = take()
        dup2(saved.0, 1)
        dup2(saved.1, 2)
        lg_set_diagnostics_fd(2)
        close(saved.0)
        close(saved.1)
        close(files.0)
        close(files.1)
        return rest
    }
}
