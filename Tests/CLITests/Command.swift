// Runs the built lstmlua binary as a user would, capturing its output.

import Foundation

struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum Command {
    /// The lstmlua binary built beside this test bundle.
    static let binary: URL = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("lstmlua")
    }()

    /// The package's root folder.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// With `killAfter`, a child still running after that many seconds is killed (a hang
    /// after heap corruption must fail its test, not stall the suite).
    /// With `memoryLimitKB`, the child runs under `ulimit -v` (as a fuzzer runs it), so that
    /// what it may allocate does not depend on the machine.
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    directory: URL? = nil, killAfter: Double? = nil, memoryLimitKB: Int? = nil) throws -> CommandResult {
        try runProgram(nil, arguments, stdin: stdin, environment: environment, directory: directory, killAfter: killAfter,
                       memoryLimitKB: memoryLimitKB)
    }

    /// As run, for another program (`program`; lstmlua when nil), e.g. mpirun starting lstmlua.
    static func runProgram(_ program: String?, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                           directory: URL? = nil, killAfter: Double? = nil, memoryLimitKB: Int? = nil) throws -> CommandResult {
        let p = Process()
        if let program {
            p.executableURL = URL(fileURLWithPath: program)
            p.arguments = arguments
        } else if let memoryLimitKB {
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "ulimit -v \(memoryLimitKB) && exec \"$0\" \"$@\"", binary.path] + arguments
        } else {
            p.executableURL = binary
            p.arguments = arguments
        }
        p.currentDirectoryURL = directory ?? root
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        // Output goes to files, so a chatty child never blocks on a full pipe.
        let dir = try temporaryDirectory()
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        if let killAfter {
            let deadline = Date().addingTimeInterval(killAfter)
            while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        p.waitUntilExit()
        try out.close()
        try err.close()
        // Decoded leniently: a fuzzer's child may print any bytes.
        return CommandResult(status: p.terminationStatus,
                             stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                             stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// A new empty folder under the system's temporary folder.
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lstmlua-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A temporary file holding `text`.
    static func script(_ text: String, name: String = "script.lua") throws -> URL {
        let url = try temporaryDirectory().appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
