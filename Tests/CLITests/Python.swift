// The Python some tests use to check lstmlua against other tools (PyTorch,
// nbformat): LSTMLUA_PYTHON, else python3. Those tests say they were skipped
// when it lacks the packages.

import Foundation

enum Python {
    static let executable = ProcessInfo.processInfo.environment["LSTMLUA_PYTHON"] ?? "python3"

    /// Whether `import <modules>` works.
    static func has(_ modules: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [executable, "-c", "import " + modules]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// Runs the Python file at `path` with `arguments` and extra environment variables.
    static func runFile(_ path: String, arguments: [String] = [], environment: [String: String] = [:],
                        in dir: URL) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [executable, path] + arguments
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        // into a file: a chatty child never blocks on a full pipe
        let log = dir.appendingPathComponent("python-output.txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        try handle.close()
        return (p.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// Runs `script` (written to dir/check.py) with `arguments`; its status and output.
    static func run(_ script: String, arguments: [String] = [], in dir: URL) throws -> (Int32, String) {
        let file = dir.appendingPathComponent("check.py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [executable, file.path] + arguments
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
