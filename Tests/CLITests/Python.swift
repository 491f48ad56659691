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
