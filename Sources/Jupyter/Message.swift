// A message of the Jupyter messaging protocol (5.3) and its wire form:
//   identities…, "<IDS|MSG>", HMAC signature (hex), header, parent_header, metadata, content, buffers…
// JSON parts are read and written with Foundation's JSONSerialization; the signature is
// HMAC-SHA256 (swift-crypto) over the four JSON parts as sent.

import Crypto
import Foundation

public struct Message: @unchecked Sendable {
    public var identities: [Data] = []
    public var header: [String: Any]
    public var parentHeader: [String: Any]
    public var metadata: [String: Any] = [:]
    public var content: [String: Any]
    public var buffers: [Data] = []
    /// Why the content could not be read (invalid JSON or UTF-8), when it could not.
    public var unreadable: String?

    public var type: String { header["msg_type"] as? String ?? "" }
    public var id: String { header["msg_id"] as? String ?? "" }

    public init(header: [String: Any], parentHeader: [String: Any], content: [String: Any]) {
        self.header = header
        self.parentHeader = parentHeader
        self.content = content
    }

    static let delimiter = Data("<IDS|MSG>".utf8)
}

/// Signs, verifies, encodes and decodes messages for one kernel session.
public struct Session: Sendable {
    let key: SymmetricKey?
    let scheme: Scheme
    /// This kernel's session id (header.session of what it sends).
    public let id = UUID().uuidString.lowercased()
    static let protocolVersion = "5.3"

    /// The connection file's signature_scheme: hmac- and a hash jupyter_client's
    /// Session accepts (any of hashlib's; these are the ones worth using).
    public enum Scheme: String, Sendable, CaseIterable {
        case sha256 = "hmac-sha256", sha384 = "hmac-sha384", sha512 = "hmac-sha512"
    }

    public init(key: String, scheme: Scheme = .sha256) {
        self.key = key.isEmpty ? nil : SymmetricKey(data: Data(key.utf8))
        self.scheme = scheme
    }

    public func signature(_ parts: [Data]) -> Data {
        guard let key else { return Data() }
        func hex<H: HashFunction>(_: H.Type) -> Data {
            var hmac = HMAC<H>(key: key)
            for part in parts { hmac.update(data: part) }
            return Data(Data(hmac.finalize()).map { String(format: "%02x", $0) }.joined().utf8)
        }
        switch scheme {
        case .sha256: return hex(SHA256.self)
        case .sha384: return hex(SHA384.self)
        case .sha512: return hex(SHA512.self)
        }
    }

    public enum DecodeError: Error, CustomStringConvertible {
        case malformed(String)
        case badSignature

        public var description: String {
            switch self {
            case .malformed(let why): "a malformed message (\(why))"
            case .badSignature: "a message with a bad signature"
            }
        }
    }

    public func decode(_ frames: [Data]) throws(DecodeError) -> Message {
        guard let split = frames.firstIndex(of: Message.delimiter) else { throw .malformed("no <IDS|MSG> delimiter") }
        let rest = Array(frames[(split + 1)...])
        guard rest.count >= 5 else { throw .malformed("\(rest.count) parts after the delimiter, 5 or more expected") }
        let expected = signature(Array(rest[1...4]))
        // compared in constant time, as any MAC check should be
        guard constantTimeEqual(expected, rest[0]) else { throw .badSignature }
        func object(_ data: Data, _ what: String) throws(DecodeError) -> [String: Any] {
            guard let value = try? JSONSerialization.jsonObject(with: data), let dict = value as? [String: Any] else {
                throw .malformed("its \(what) is not a JSON object")
            }
            return dict
        }
        // a request whose header reads gets an answer even when its content does not
        var message = Message(header: try object(rest[1], "header"), parentHeader: (try? object(rest[2], "parent header")) ?? [:],
                              content: [:])
        do { message.content = try object(rest[4], "content") } catch {
            message.unreadable = error.description
        }
        message.metadata = (try? object(rest[3], "metadata")) ?? [:]
        message.identities = Array(frames[..<split])
        message.buffers = Array(rest[5...])
        return message
    }

    private func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public func encode(_ message: Message) -> [Data] {
        let parts = [message.header, message.parentHeader, message.metadata, message.content].map(Session.json)
        return message.identities + [Message.delimiter, signature(parts)] + parts + message.buffers
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// A new message of `type` answering `parent` (addressed to its sender).
    public func reply(_ type: String, to parent: Message?, content: [String: Any], metadata: [String: Any] = [:]) -> Message {
        var message = Message(header: header(type), parentHeader: parent?.header ?? [:], content: content)
        message.metadata = metadata
        message.identities = parent?.identities ?? []
        return message
    }

    /// A message for iopub: its topic is its type, as ipykernel's.
    public func broadcast(_ type: String, parent: Message?, content: [String: Any]) -> Message {
        var message = Message(header: header(type), parentHeader: parent?.header ?? [:], content: content)
        message.identities = [Data("kernel.\(id).\(type)".utf8)]
        return message
    }

    func header(_ type: String) -> [String: Any] {
        ["msg_id": UUID().uuidString.lowercased(), "session": id, "username": "lstmlua", "date": Session.now(),
         "msg_type": type, "version": Session.protocolVersion]
    }

    /// Made once: a formatter costs more to make than a message to send. Foundation's
    /// formatters are thread-safe, and the control thread stamps messages too.
    nonisolated(unsafe) static let dateFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    static func now() -> String { dateFormatter.string(from: Date()) }
}
