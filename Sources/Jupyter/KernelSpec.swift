// Kernel specs: the `kernels/NAME/kernel.json` files through which Jupyter finds a
// kernel, written, listed and removed as ipykernel's `install` and jupyter_client's
// `kernelspec` do (the same folders, in the same order).

import Foundation
import SafeFiles

public struct KernelSpec {
    public var name: String
    public var folder: String
    public var argv: [String]
    public var displayName: String
    public var language: String

    /// Where specs are looked for, as jupyter_core's jupyter_path("kernels"): JUPYTER_PATH,
    /// the user's data folder, the environment's prefix, then the system's.
    public static func searchPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var folders: [String] = []
        if let extra = environment["JUPYTER_PATH"] {
            folders += extra.split(separator: ":").map { $0 + "/kernels" }
        }
        folders.append(userFolder(environment: environment))
        if let prefix = environmentPrefix(environment: environment) { folders.append(prefix + "/share/jupyter/kernels") }
        folders += ["/usr/local/share/jupyter/kernels", "/usr/share/jupyter/kernels"]
        var seen = Set<String>()
        return folders.filter { seen.insert($0).inserted }
    }

    /// jupyter_core's jupyter_data_dir() on Linux.
    public static func userFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let data = environment["JUPYTER_DATA_DIR"], !data.isEmpty { return data + "/kernels" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let xdg = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
        return xdg + "/jupyter/kernels"
    }

    /// The active virtual or conda environment (ipykernel's --sys-prefix is Python's own).
    public static func environmentPrefix(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        environment["VIRTUAL_ENV"] ?? environment["CONDA_PREFIX"]
    }

    /// The spec as ipykernel writes it, for the lstmlua at `executable`.
    public static func json(executable: String, displayName: String) -> Data {
        let spec: [String: Any] = [
            "argv": [executable, "kernel", "-f", "{connection_file}"],
            "display_name": displayName,
            "language": "lua",
            "interrupt_mode": "signal",
            "metadata": ["debugger": false],
        ]
        return (try? JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// Writes kernels/NAME/kernel.json and the logos into `kernels`; the spec's folder.
    public static func install(into kernels: String, name: String, executable: String, displayName: String,
                               logos: [String: Data]) throws -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), name.unicodeScalars.allSatisfy(\.isASCII) else {
            throw KernelError("a kernel name is letters, digits, '.', '_' and '-' (jupyter_client's rule), not '\(name)'")
        }
        let folder = kernels + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw KernelError("cannot create \(folder): \(error.localizedDescription)")
        }
        do {
            try SafeFile.write(json(executable: executable, displayName: displayName), to: folder + "/kernel.json")
            for (file, data) in logos.sorted(by: { $0.key < $1.key }) { try SafeFile.write(data, to: folder + "/" + file) }
        } catch {
            throw KernelError(error.description)
        }
        return folder
    }

    /// The specs found in `folders` that run an lstmlua, first found first (as Jupyter picks).
    public static func installed(in folders: [String] = searchPath()) -> [KernelSpec] {
        var specs: [KernelSpec] = [], names = Set<String>()
        for kernels in folders {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: kernels)) ?? []
            for name in entries.sorted() where !names.contains(name.lowercased()) {
                guard let spec = read(folder: kernels + "/" + name), spec.runsLstmlua else { continue }
                names.insert(name.lowercased())
                specs.append(spec)
            }
        }
        return specs
    }

    static func read(folder: String) -> KernelSpec? {
        guard let data = FileManager.default.contents(atPath: folder + "/kernel.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let argv = object["argv"] as? [String] else { return nil }
        return KernelSpec(name: (folder as NSString).lastPathComponent, folder: folder, argv: argv,
                          displayName: object["display_name"] as? String ?? "", language: object["language"] as? String ?? "")
    }

    /// Whether the spec starts `lstmlua kernel` (uninstall removes no other kernel).
    public var runsLstmlua: Bool {
        argv.count >= 2 && (argv[0] as NSString).lastPathComponent.hasPrefix("lstmlua") && argv[1] == "kernel"
    }
}
