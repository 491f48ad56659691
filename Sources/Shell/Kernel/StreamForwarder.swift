// stdout and stderr of the kernel's code, sent to the frontend as they are written:
// both descriptors are pipes for the kernel's whole life, so print, io.write, native
// writers and child processes are all caught. A thread forwards what arrives (in
// batches at most every 50 ms, as ipykernel's OutStream flushes at intervals); the
// main thread drains both before a figure, a result or a reply, so the frontend sees
// them in the order they were made.

import Foundation
import Jupyter
import LuaGlue

#if canImport(Glibc)
import Glibc
#endif

final class StreamForwarder: CellOutputCapture, @unchecked Sendable {
    private let publisher: Publisher
    private let pipes: [(name: String, read: Int32)]
    /// The start of a character a batch cut in two, kept for the next batch.
    private var partial: [[UInt8]] = [[], []]

    init(publisher: Publisher) throws {
        self.publisher = publisher
        var made: [(String, Int32)] = []
        for (name, fd) in [("stdout", Int32(1)), ("stderr", Int32(2))] {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw KernelError("cannot make a pipe for \(name): \(String(cString: strerror(errno)))") }
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
            // room for a burst while the forwarder sleeps between batches (F_SETPIPE_SZ,
            // Linux's; best effort: the default 64 KiB only slows the writer down)
            _ = fcntl(ends[0], 1031, Int32(1 << 20))
            dup2(ends[1], fd)
            close(ends[1])
            made.append((name, ends[0]))
        }
        pipes = made
        // print writes each line as it comes, not a buffer's worth at the end
        lg_line_buffered_stdout()
    }

    func start() {
        let thread = Thread { [self] in
            KernelThreads.blockInterrupts()
            var polls = pipes.map { pollfd(fd: $0.read, events: Int16(POLLIN), revents: 0) }
            while true {
                guard poll(&polls, nfds_t(polls.count), -1) > 0 else { continue }
                // a batch: what else comes within 50 ms goes in the same message
                usleep(50_000)
                forward(flushing: false)
            }
        }
        thread.name = "lstmlua-streams"
        thread.start()
    }

    /// Publishes what is waiting in the pipes, stream by stream, under the publisher's lock:
    /// the main thread's messages cannot come between a read and its send, and the two
    /// threads never drain at once.
    /// Only the main thread flushes C's buffers first: a flush waits for the stream's
    /// lock, which a write blocked on a full pipe holds until this thread drains it.
    func forward(flushing: Bool = true) {
        if flushing { fflush(nil) }
        publisher.withLock {
            for (i, p) in pipes.enumerated() {
                let text = drain(p.read, partial: &partial[i])
                if !text.isEmpty { publisher.unlockedPublish("stream", ["name": p.name, "text": text]) }
            }
        }
    }

    private func drain(_ fd: Int32, partial: inout [UInt8]) -> String {
        var bytes = partial
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { bytes += buffer[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        let end = StreamForwarder.completeUTF8(bytes)
        partial = Array(bytes[end...])
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// Where the last whole UTF-8 character ends (a cut one's bytes wait for the rest).
    static func completeUTF8(_ bytes: [UInt8]) -> Int {
        var i = bytes.count
        while i > 0 && i > bytes.count - 4 {
            i -= 1
            let b = bytes[i]
            if b & 0xC0 == 0x80 { continue }
            let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            return i + length > bytes.count ? i : bytes.count
        }
        return bytes.count
    }

    // CellOutputCapture: the cell runner drains before each figure and at the end; the
    // text is published here, so the runner records none.
    func take() -> (stdout: String, stderr: String) {
        forward()
        return ("", "")
    }

    func finish() -> (stdout: String, stderr: String) { take() }
}

enum KernelThreads {
    /// SIGINT is the main thread's: an interrupt stops the code it runs.
    static func blockInterrupts() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}
