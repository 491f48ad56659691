// Images a notebook shows live beside it, in NAME.files/, named by a hash of their
// bytes: an unchanged image keeps its name, so rerunning rewrites nothing.

import Crypto
import Foundation
import SafeFiles

#if canImport(Glibc)
import Glibc
#endif

public struct ImageStore: Sendable {
    /// The notebook's folder.
    public let folder: URL
    /// `NAME.files`, relative to the folder.
    public let relativeFolder: String

    public init(notebook: URL) {
        folder = notebook.deletingLastPathComponent()
        relativeFolder = notebook.deletingPathExtension().lastPathComponent + ".files"
    }

    /// The first 16 hex digits of the bytes' SHA-256.
    public static func hash(_ png: Data) -> String {
        SHA256.hash(data: png).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Why NAME.files cannot be used: it leads out of the notebook's folder.
    public struct Escape: Error, CustomStringConvertible {
        public let description: String
    }

    /// NAME.files as it really is, when it is a folder inside the notebook's folder or not
    /// there yet. A symlink out of it would let a notebook's images be written, read or
    /// deleted anywhere: images live in the notebook's own folder or nowhere.
    func ownFolder() throws(Escape) -> URL {
        let dir = folder.appendingPathComponent(relativeFolder)
        var st = stat()
        if lstat(dir.path, &st) != 0 && errno == ENOENT { return dir }
        _ = stat(dir.path, &st)
        guard st.st_mode & S_IFMT == S_IFDIR, let real = realpath(dir.path, nil), let base = realpath(folder.path, nil) else {
            throw Escape(description: "\(relativeFolder) is not a folder inside the notebook's folder")
        }
        defer { free(real); free(base) }
        guard SafeFile.split(String(cString: real)).folder == String(cString: base) else {
            throw Escape(description: "\(relativeFolder) leads out of the notebook's folder")
        }
        return URL(fileURLWithPath: String(cString: real))
    }

    /// The output for a PNG (written only when `write` is set and the file is not already there).
    public func image(png: Data, width: Int, height: Int, write: Bool) throws -> Output.Image {
        let name = ImageStore.hash(png) + ".png"
        let image = Output.Image(path: relativeFolder + "/" + name, width: width, height: height)
        if write {
            let dir = try ownFolder()
            let url = dir.appendingPathComponent(name)
            if !FileManager.default.fileExists(atPath: url.path) {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try SafeFile.write(png, to: url.path)
            }
        }
        return image
    }

    /// Removes the PNGs in NAME.files that no output refers to any more (and the folder if empty).
    public func removeUnused(keeping used: Set<String>) {
        guard let dir = try? ownFolder(),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where name.hasSuffix(".png") && !used.contains(relativeFolder + "/" + name) {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
        }
        if (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// The bytes of an image output: only a regular file directly in NAME.files, whatever
    /// the output line says (`--@ ../../etc/passwd (1x1)` reads nothing).
    public func data(of image: Output.Image) -> Data? {
        let prefix = relativeFolder + "/"
        guard image.path.hasPrefix(prefix) else { return nil }
        let name = String(image.path.dropFirst(prefix.count))
        guard !name.isEmpty, !name.contains("/"), name != ".", name != "..", let dir = try? ownFolder() else { return nil }
        let path = dir.appendingPathComponent(name).path
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return FileManager.default.contents(atPath: path)
    }
}
