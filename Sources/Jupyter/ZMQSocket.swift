// A ZeroMQ socket, the little of libzmq the kernel needs: bind, multipart messages,
// poll. A socket belongs to one thread at a time (libzmq's rule); the context is shared.

import CZMQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

public struct ZMQError: Error, CustomStringConvertible {
    public let description: String

    static func last(_ what: String) -> ZMQError {
        ZMQError(description: "\(what): \(String(cString: zmq_strerror(zmq_errno())))")
    }
}

/// libzmq's context: one per process, thread-safe.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws(ZMQError) {
        guard let h = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        handle = h
    }

    deinit { zmq_ctx_term(handle) }
}

public final class ZMQSocket: @unchecked Sendable {
    public enum Kind {
        case router, pub, rep

        var value: Int32 {
            switch self {
            case .router: ZMQ_ROUTER
            case .pub: ZMQ_PUB
            case .rep: ZMQ_REP
            }
        }
    }

    let handle: UnsafeMutableRawPointer
    /// Kept so the context outlives its sockets.
    let context: ZMQContext

    public init(_ context: ZMQContext, _ kind: Kind) throws(ZMQError) {
        guard let h = zmq_socket(context.handle, kind.value) else { throw ZMQError.last("zmq_socket") }
        handle = h
        self.context = context
        // closing never waits for unsent messages to a frontend that is gone
        var linger: Int32 = 0
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    deinit { zmq_close(handle) }

    public func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("cannot listen on \(endpoint)") }
    }

    /// The endpoint bound last (with the port the system chose for `tcp://ip:*`).
    public var lastEndpoint: String {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { return "" }
        return String(cString: buffer)
    }

    /// Sends the frames as one multipart message.
    public func send(_ frames: [Data]) throws(ZMQError) {
        for (i, frame) in frames.enumerated() {
            let flags = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            let rc = frame.withUnsafeBytes { raw in
                while true {
                    let rc = zmq_send(handle, raw.baseAddress, raw.count, flags)
                    if rc >= 0 || zmq_errno() != EINTR { return rc }
                }
            }
            guard rc >= 0 else { throw ZMQError.last("zmq_send") }
        }
    }

    /// The next multipart message; nil when a signal interrupted the wait.
    public func receive() throws(ZMQError) -> [Data]? {
        var frames: [Data] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            guard zmq_msg_recv(&message, handle, 0) >= 0 else {
                if zmq_errno() == EINTR && frames.isEmpty { return nil }
                if zmq_errno() == EINTR { continue }
                throw ZMQError.last("zmq_msg_recv")
            }
            let size = zmq_msg_size(&message)
            frames.append(size == 0 ? Data() : Data(bytes: zmq_msg_data(&message), count: size))
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Waits until one of the sockets has a message; the indices of those that do
    /// (empty on a timeout or a signal). A negative timeout waits for ever.
    public static func poll(_ sockets: [ZMQSocket], milliseconds: Int) -> [Int] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let rc = zmq_poll(&items, Int32(items.count), milliseconds)
        guard rc > 0 else { return [] }
        return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }

    /// Echoes every message back to its sender until the context ends (the heartbeat).
    public func echoForever() {
        zmq_proxy(handle, handle, nil)
    }
}
