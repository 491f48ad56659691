// Driving lstmlua through a pseudo-terminal, as a person at a keyboard would:
// keys in, screen text out (with colour codes stripped for matching).

import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct PTYError: Error, CustomStringConvertible {
    let description: String
}

final class PTYSession {
    private var master: Int32 = -1
    private(set) var pid: pid_t = 0
    /// Everything the program wrote, colour codes removed.
    private(set) var transcript = ""
    /// Everything the program wrote, as written.
    private(set) var raw = ""
    /// Bytes read that do not make a whole character yet.
    private var pending: [UInt8] = []
    /// Where the next expect starts looking.
    private var mark: String.Index

    init(arguments: [String] = [], environment: [String: String] = [:], columns: UInt16 = 120) throws {
        var slave: Int32 = -1
        var size = winsize(ws_row: 40, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw PTYError(description: "openpty failed") }
        guard let name = ttyname(slave) else { throw PTYError(description: "ttyname failed") }
        let slavePath = String(cString: name)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // A new session, whose first terminal opened becomes its controlling terminal,
        // so that Ctrl-C on the terminal sends SIGINT to the program.
        posix_spawn_file_actions_addclose(&actions, master)
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new session (POSIX_SPAWN_SETSID, glibc, behind _GNU_SOURCE), with signals
        // unblocked and SIGINT at its default whatever the test runner did with them.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &interrupt)
        posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        // No locale unless a test gives one: CI machines often have none, and the
        // REPL must read UTF-8 all the same.
        for key in env.keys where key == "LANG" || key == "LANGUAGE" || key.hasPrefix("LC_") { env[key] = nil }
        for (k, v) in environment { env[k] = v }
        let argv = [Command.binary.path] + arguments
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        let status = posix_spawn(&pid, Command.binary.path, &actions, &attributes, cArgs, cEnv)
        close(slave)
        guard status == 0 else { throw PTYError(description: "posix_spawn failed: \(status)") }
        mark = transcript.startIndex
    }

    deinit {
        if pid > 0 {
            kill(pid, SIGKILL)
            var s: Int32 = 0
            waitpid(pid, &s, 0)
        }
        if master >= 0 { close(master) }
    }

    /// Text as a terminal pastes it with bracketed paste on: newlines as CR, between ESC[200~ and ESC[201~.
    func paste(_ text: String) {
        send("\u{1B}[200~" + text.replacingOccurrences(of: "\n", with: "\r") + "\u{1B}[201~")
    }

    func send(_ text: String) {
        // libedit prints its prompt before it puts the terminal in raw mode; keys
        // that arrive in between are echoed by the terminal as well. A person never
        // types that fast; pexpect waits the same way (delaybeforesend).
        Thread.sleep(forTimeInterval: 0.05)
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Reads until the output since the last match contains `text`; returns that output.
    @discardableResult
    func expect(_ text: String, timeout: Double = 20) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let r = transcript.range(of: text, range: mark..<transcript.endIndex) {
                let seen = String(transcript[mark..<r.upperBound])
                mark = r.upperBound
                return seen
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                throw PTYError(description: "timed out waiting for \(text.debugDescription); the screen shows:\n\(transcript[mark...])")
            }
            guard readSome(wait: min(left, 0.2)) || processAlive else {
                throw PTYError(description: "the program ended while waiting for \(text.debugDescription):\n\(transcript[mark...])")
            }
        }
    }

    private var processAlive: Bool { kill(pid, 0) == 0 }

    /// Reads what is available within `wait` seconds; false at end of output.
    private func readSome(wait: Double) -> Bool {
        var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&fds, 1, Int32(wait * 1000))
        if ready <= 0 { return true }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        if n <= 0 { return false }
        pending += buffer[0..<n]
        // A read may end inside a character: keep its first bytes for the next one.
        var cut = pending.count
        for back in 1...min(3, pending.count) {
            let byte = pending[pending.count - back]
            if byte & 0xC0 == 0x80 { continue }
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            if length > back { cut = pending.count - back }
            break
        }
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        raw += text
        let offset = transcript.distance(from: transcript.startIndex, to: mark)
        transcript += PTYSession.plain(text)
        mark = transcript.index(transcript.startIndex, offsetBy: offset)
        return true
    }

    /// Text without ANSI escape sequences and carriage returns.
    static func plain(_ s: String) -> String {
        s.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
            .replacingOccurrences(of: "\r", with: "")
    }

    /// Waits for the program to exit; its status.
    func wait(timeout: Double = 10) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                pid = 0
                return (status >> 8) & 0xff
            }
            _ = readSome(wait: 0.05)
        }
        throw PTYError(description: "the program did not exit; the screen shows:\n\(transcript[mark...])")
    }
}
