// SafeFile: the one write helper. Each test is one way a write used to destroy or
// leave behind a file (issue 11's list).

import Foundation
import SafeFiles
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct SafeFileTests {
    let folder: String = {
        let path = NSTemporaryDirectory() + "lstmlua-safefile-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    func fileType(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : nil
    }

    func temporaries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".tmp") }
    }

    @Test func writesThroughASymlinkAndKeepsTheLink() throws {
        let target = folder + "/target.txt", link = folder + "/link.txt"
        try "old".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.txt")
        try SafeFile.write(Data("new".utf8), to: link)
        #expect(fileType(link) == S_IFLNK, "the link is still a link")
        #expect(read(target) == "new", "its target has the new bytes")
        #expect(temporaries().isEmpty)
    }

    @Test func aDanglingSymlinkCreatesItsTarget() throws {
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        let link = folder + "/dangling.txt"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "sub/made.txt")
        try SafeFile.write(Data("made".utf8), to: link)
        #expect(fileType(link) == S_IFLNK)
        #expect(read(folder + "/sub/made.txt") == "made")
        let nowhere = folder + "/nowhere.txt"
        try FileManager.default.createSymbolicLink(atPath: nowhere, withDestinationPath: "missing/x.txt")
        #expect(throws: SafeFile.Failure.self) { try SafeFile.write(Data("x".utf8), to: nowhere) }
    }

    @Test func keepsTheReplacedFilesMode() throws {
        let path = folder + "/private.txt"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
        try SafeFile.write(Data("new".utf8), to: path)
        var st = stat()
        stat(path, &st)
        #expect(st.st_mode & 0o7777 == 0o600)
        #expect(read(path) == "new")
        let fresh = folder + "/fresh.txt"
        let mask = umask(0o022)
        umask(mask)
        try SafeFile.write(Data("x".utf8), to: fresh)
        stat(fresh, &st)
        #expect(st.st_mode & 0o777 == 0o666 & ~mask, "a new file gets the umask's mode")
    }

    @Test func aCharacterDeviceIsWrittenStraightNotReplaced() throws {
        try SafeFile.write(Data("discarded".utf8), to: "/dev/null")
        #expect(fileType("/dev/null") == S_IFCHR)
        let full = #expect(throws: SafeFile.Failure.self) { try SafeFile.write(Data("x".utf8), to: "/dev/full") }
        #expect(full?.description == "cannot write '/dev/full': \(String(cString: strerror(ENOSPC)))")
        #expect(fileType("/dev/full") == S_IFCHR, "the device node is still there")
    }

    @Test func aFIFOWithNoReaderIsAnErrorNotAHang() throws {
        let fifo = folder + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let error = #expect(throws: SafeFile.Failure.self) { try SafeFile.write(Data("x".utf8), to: fifo) }
        #expect(error?.reason == "a FIFO with no reader")
        #expect(fileType(fifo) == S_IFIFO)
    }

    @Test func aDirectoryIsRefused() throws {
        let error = #expect(throws: SafeFile.Failure.self) { try SafeFile.write(Data("x".utf8), to: folder) }
        #expect(error?.reason == "is a directory")
        #expect(fileType(folder) == S_IFDIR)
        #expect(throws: SafeFile.Failure.self) { try SafeFile.write(Data("x".utf8), to: "") }
    }

    @Test func leftoversOfAKilledWriterAreRemovedByTheNextWrite() throws {
        // a process that has exited: its pid no longer runs
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let dead = process.processIdentifier
        let leftover = folder + "/.model.safetensors.lstmlua-\(dead)-12345.tmp"
        let running = folder + "/.model.safetensors.lstmlua-\(getppid())-6789.tmp"
        let other = folder + "/.other.safetensors.lstmlua-\(dead)-1.tmp"
        for path in [leftover, running, other] { FileManager.default.createFile(atPath: path, contents: Data(count: 1000)) }
        try SafeFile.write(Data("weights".utf8), to: folder + "/model.safetensors")
        #expect(!FileManager.default.fileExists(atPath: leftover), "a dead writer's temporary is removed")
        #expect(FileManager.default.fileExists(atPath: running), "a running writer's is not")
        #expect(FileManager.default.fileExists(atPath: other), "nor another file's")
    }

    @Test func aFailedWriteLeavesTheOldFileAndNoTemporary() throws {
        let path = folder + "/kept.txt"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        // Files may grow to 4 KiB only, for this process: the write of 64 KiB fails midway.
        let previous = signal(SIGXFSZ, SIG_IGN)
        var limit = rlimit(), saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        limit = saved
        limit.rlim_cur = 4096
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, previous)
        }
        #expect(throws: SafeFile.Failure.self) { try SafeFile.write(Data(count: 65536), to: path) }
        #expect(read(path) == "old")
        #expect(temporaries().isEmpty)
    }
}
