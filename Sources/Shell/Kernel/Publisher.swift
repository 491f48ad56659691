// The iopub socket, shared by the threads that publish: the main thread (results,
// figures, status), the stream forwarder (stdout and stderr as written) and the
// control thread (its status). libzmq sockets are not thread-safe; a lock serialises.

import Bindings
import Foundation
import Jupyter
import Synchronization

final class Publisher: @unchecked Sendable {
    private let socket: ZMQSocket
    let session: Session
    private let lock = NSLock()
    /// The request whose outputs are being published (their parent header).
    private var parent: Message?
    private let log: KernelLog

    init(socket: ZMQSocket, session: Session, log: KernelLog) {
        self.socket = socket
        self.session = session
        self.log = log
    }

    func setParent(_ message: Message?) { lock.withLock { parent = message } }

    func publish(_ type: String, _ content: [String: Any], parent explicit: Message? = nil) {
        lock.withLock { unlockedPublish(type, content, parent: explicit ?? parent) }
    }

    /// Runs `body` with the lock held, so what it publishes is not interleaved with other threads'.
    func withLock<T>(_ body: () -> T) -> T { lock.withLock(body) }

    func unlockedPublish(_ type: String, _ content: [String: Any], parent explicit: Message? = nil) {
        do { try socket.send(session.encode(session.broadcast(type, parent: explicit ?? parent, content: content))) } catch {
            log.write("cannot publish \(type): \(error)")
        }
    }

    func status(_ state: String, parent: Message?) {
        publish("status", ["execution_state": state], parent: parent)
    }
}

/// Where the kernel's own messages go: the stderr it started with (a cell's is captured).
final class KernelLog: @unchecked Sendable {
    private let fd: Int32
    init(fd: Int32) { self.fd = fd }
    func write(_ text: String) { Console.write(fd, "lstmlua kernel: \(text)\n") }
}
