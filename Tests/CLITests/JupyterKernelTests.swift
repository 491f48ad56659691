// `lstmlua kernel`: its spec installed, listed and removed as ipykernel's; then, with a
// Python that has Jupyter's packages (LSTMLUA_PYTHON; .ci/run makes one), Jupyter's own
// conformance suite, the kernel's behaviour (interrupts, signatures, streams, input,
// progress bars), every shipped notebook executed by nbclient against `lstmlua replay`,
// and papermill's parameters.

import Foundation
import Testing

@Suite(.serialized) struct KernelSpecTests {
    @Test func installListAndUninstallInAPrefix() throws {
        let prefix = try Command.temporaryDirectory()
        var r = try Command.run(["kernel", "install", "--prefix", prefix.path, "--name", "lstmlua-test", "--display-name", "Test Lua"])
        #expect(r.status == 0, "\(r.stderr)")
        let folder = prefix.appendingPathComponent("share/jupyter/kernels/lstmlua-test")
        let spec = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("kernel.json"))) as? [String: Any]
        let argv = spec?["argv"] as? [String] ?? []
        #expect(argv.dropFirst() == ["kernel", "-f", "{connection_file}"])
        #expect(argv.first.map { $0.hasPrefix("/") && FileManager.default.isExecutableFile(atPath: $0) } == true, "\(argv)")
        #expect(spec?["language"] as? String == "lua")
        #expect(spec?["interrupt_mode"] as? String == "signal")
        #expect(spec?["display_name"] as? String == "Test Lua")
        for logo in ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(logo).path), "\(logo)")
        }
        let env = ["JUPYTER_PATH": prefix.path + "/share/jupyter", "JUPYTER_DATA_DIR": prefix.path + "/data"]
        r = try Command.run(["kernel", "list"], environment: env)
        #expect(r.stdout.contains("lstmlua-test") && r.stdout.contains(folder.path), "\(r.stdout)")
        r = try Command.run(["kernel", "uninstall", "lstmlua-test", "-y"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        r = try Command.run(["kernel", "uninstall", "lstmlua-test"], environment: env)
        #expect(r.status != 0 && r.stderr.contains("no lstmlua kernel named lstmlua-test"))
    }

    @Test func badNamesAndConnectionFilesAreErrors() throws {
        let prefix = try Command.temporaryDirectory()
        var r = try Command.run(["kernel", "install", "--prefix", prefix.path, "--name", "../escape"])
        #expect(r.status != 0 && r.stderr.contains("a kernel name is letters"), "\(r.stderr)")
        r = try Command.run(["kernel", "install", "--user", "--prefix", prefix.path])
        #expect(r.status != 0)
        let file = prefix.appendingPathComponent("connection.json")
        try Data("{\"ip\": 1}".utf8).write(to: file)
        r = try Command.run(["kernel", "-f", file.path], killAfter: 10)
        #expect(r.status == 1 && r.stderr.contains("is not a Jupyter connection file"), "\(r.stderr)")
        r = try Command.run(["kernel", "-f", prefix.appendingPathComponent("missing.json").path], killAfter: 10)
        #expect(r.status == 1 && r.stderr.hasPrefix("lstmlua kernel: "), "\(r.stderr)")
    }
}

enum JupyterPython {
    static let available = Python.has("jupyter_client, jupyter_kernel_test, nbclient, jupytext")
}

@Suite(.serialized, .enabled(if: JupyterPython.available,
                             "needs a Python with jupyter_client, jupyter_kernel_test, nbclient and jupytext (set LSTMLUA_PYTHON; .ci/run makes one)"))
struct JupyterKernelTests {
    /// A prefix with the kernel installed, and the environment that makes Jupyter use it alone.
    static func installed() throws -> (URL, [String: String]) {
        let prefix = try Command.temporaryDirectory()
        let r = try Command.run(["kernel", "install", "--prefix", prefix.path])
        #expect(r.status == 0, "\(r.stderr)")
        return (prefix, ["JUPYTER_PATH": prefix.path + "/share/jupyter", "JUPYTER_DATA_DIR": prefix.path + "/data",
                         "JUPYTER_RUNTIME_DIR": prefix.path + "/runtime", "JUPYTER_PLATFORM_DIRS": "1"])
    }

    func runPython(_ file: String, arguments: [String] = []) throws {
        let (prefix, env) = try JupyterKernelTests.installed()
        let path = Command.root.appendingPathComponent("Tests/Jupyter/\(file)").path
        let (status, output) = try Python.runFile(path, arguments: arguments, environment: env, in: prefix)
        #expect(status == 0, "\(file):\n\(output)")
    }

    @Test func jupyterKernelTestSuitePasses() throws {
        try runPython("test_conformance.py")
    }

    @Test func interruptsSignaturesStreamsInputAndProgress() throws {
        try runPython("test_behaviour.py")
    }

    @Test func everyShippedNotebookRunsThroughNbclientAsReplayRunsIt() throws {
        let work = try Command.temporaryDirectory()
        try runPython("test_notebooks.py", arguments: [Command.binary.path, Command.root.appendingPathComponent("Notebooks").path, work.path])
    }

    @Test(.enabled(if: Python.has("papermill_lstmlua"), "needs papermill and Scripts/jupyter/papermill-lstmlua installed (.ci/run does)"))
    func papermillInjectsParametersAsLua() throws {
        let work = try Command.temporaryDirectory()
        try runPython("test_papermill.py", arguments: [Command.root.appendingPathComponent("Notebooks").path, work.path, Command.binary.path])
    }
}
