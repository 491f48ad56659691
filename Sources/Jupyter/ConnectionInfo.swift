// The connection file a frontend writes and a kernel reads: where to listen and
// how to sign (jupyter_client's write_connection_file).

import Foundation

public struct ConnectionInfo: Codable, Sendable {
    public var transport: String
    public var ip: String
    public var shellPort: Int
    public var iopubPort: Int
    public var stdinPort: Int
    public var controlPort: Int
    public var hbPort: Int
    public var key: String
    public var signatureScheme: String

    enum CodingKeys: String, CodingKey {
        case transport, ip, key
        case shellPort = "shell_port", iopubPort = "iopub_port", stdinPort = "stdin_port"
        case controlPort = "control_port", hbPort = "hb_port", signatureScheme = "signature_scheme"
    }

    public static func read(_ path: String) throws -> ConnectionInfo {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KernelError("cannot read the connection file \(path)")
        }
        let info: ConnectionInfo
        do { info = try JSONDecoder().decode(ConnectionInfo.self, from: data) } catch {
            throw KernelError("\(path) is not a Jupyter connection file (\(error))")
        }
        guard info.scheme != nil else {
            let known = Session.Scheme.allCases.map(\.rawValue).joined(separator: ", ")
            throw KernelError("\(path): signature scheme \(info.signatureScheme) is not supported (\(known) are)")
        }
        return info
    }

    public var scheme: Session.Scheme? { Session.Scheme(rawValue: signatureScheme) }

    /// `tcp://127.0.0.1:5555`, or `ipc://path-5555` (jupyter_client's ipc naming).
    public func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "\(transport)://\(ip):\(port)"
    }
}

public struct KernelError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
