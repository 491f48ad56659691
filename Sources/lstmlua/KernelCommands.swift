// `lstmlua kernel`: the Jupyter kernel, and its spec's install, list and uninstall
// (ipykernel's `install` and jupyter_client's `kernelspec` for lstmlua).

import ArgumentParser
import Bindings
import Foundation
import Jupyter
import Plotting
import Shell

struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run lstmlua as a Jupyter kernel, or install it for Jupyter.",
        usage: """
            lstmlua kernel -f <connection-file>
            lstmlua kernel install [--user | --prefix <dir> | --sys-prefix] [--name <name>] [--display-name <text>]
            lstmlua kernel list
            lstmlua kernel uninstall [<name>] [-y]
            """,
        subcommands: [KernelStartCommand.self, KernelInstallCommand.self, KernelListCommand.self, KernelUninstallCommand.self],
        defaultSubcommand: KernelStartCommand.self)
}

struct KernelStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Serve Jupyter's messaging protocol (5.3) on the connection file's ports.")

    @Option(name: .short, help: ArgumentHelp("The connection file a Jupyter frontend wrote.", valueName: "connection-file"))
    var f: String

    func run() throws {
        let server: KernelServer
        do { server = try KernelServer(connectionFile: f, version: lstmluaVersion) } catch {
            Console.error("lstmlua kernel: \(error)\n")
            throw ExitCode(1)
        }
        server.run()
    }
}

/// Where a spec goes: ipykernel's install options.
struct KernelLocation: ParsableArguments {
    @Flag(help: "The user's Jupyter folder (~/.local/share/jupyter/kernels).")
    var user = false

    @Option(help: ArgumentHelp("Under <dir>/share/jupyter/kernels (a virtualenv or a conda env).", valueName: "dir"))
    var prefix: String?

    @Flag(help: "Under the active virtualenv or conda env ($VIRTUAL_ENV or $CONDA_PREFIX).")
    var sysPrefix = false

    func folders() throws -> [String] {
        guard [user, prefix != nil, sysPrefix].filter({ $0 }).count <= 1 else {
            throw ValidationError("choose one of --user, --prefix and --sys-prefix")
        }
        if user { return [KernelSpec.userFolder()] }
        if let prefix { return [URL(fileURLWithPath: prefix).standardizedFileURL.path + "/share/jupyter/kernels"] }
        if sysPrefix {
            guard let env = KernelSpec.environmentPrefix() else {
                throw ValidationError("--sys-prefix needs an active virtualenv or conda env ($VIRTUAL_ENV or $CONDA_PREFIX)")
            }
            return [env + "/share/jupyter/kernels"]
        }
        return []
    }
}

struct KernelInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install", abstract: "Install the kernel spec, so Jupyter lists lstmlua (system-wide by default).")

    @OptionGroup var location: KernelLocation

    @Option(help: "The kernel's name, which notebooks refer to.")
    var name = "lstmlua"

    @Option(help: "The name Jupyter shows.")
    var displayName = "lstmlua (Lua 5.4)"

    func run() throws {
        let folder = try location.folders().first ?? "/usr/local/share/jupyter/kernels"
        do {
            let path = try KernelSpec.install(into: folder, name: name, executable: KernelInstallCommand.executable(),
                                              displayName: displayName, logos: try KernelLogo.files())
            print("Installed kernelspec \(name) in \(path)")
        } catch {
            Console.error("lstmlua kernel install: \(error)\n")
            throw ExitCode(1)
        }
    }

    /// This lstmlua's absolute path, so the spec starts this build wherever Jupyter runs.
    static func executable() -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

struct KernelListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the installed lstmlua kernels.")

    func run() throws {
        let specs = KernelSpec.installed()
        guard !specs.isEmpty else {
            print("no lstmlua kernel is installed (lstmlua kernel install --user installs one)")
            return
        }
        let width = specs.map(\.name.count).max() ?? 0
        print("Available lstmlua kernels:")
        for spec in specs {
            print("  " + spec.name.padding(toLength: width + 4, withPad: " ", startingAt: 0) + spec.folder + "  (" + spec.argv[0] + ")")
        }
    }
}

struct KernelUninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall", abstract: "Remove an installed lstmlua kernel spec (only one that runs lstmlua).")

    @Argument(help: "The kernel's name.")
    var name = "lstmlua"

    @OptionGroup var location: KernelLocation

    @Flag(name: .short, help: "Do not ask for confirmation (the removal is always done; kept for jupyter kernelspec's -y).")
    var y = false

    func run() throws {
        let folders = try location.folders()
        let specs = KernelSpec.installed(in: folders.isEmpty ? KernelSpec.searchPath() : folders).filter { $0.name == name }
        guard let spec = specs.first else {
            Console.error("lstmlua kernel uninstall: no lstmlua kernel named \(name) (lstmlua kernel list shows them)\n")
            throw ExitCode(1)
        }
        do { try FileManager.default.removeItem(atPath: spec.folder) } catch {
            Console.error("lstmlua kernel uninstall: cannot remove \(spec.folder): \(error.localizedDescription)\n")
            throw ExitCode(1)
        }
        print("Removed \(spec.folder)")
    }
}
