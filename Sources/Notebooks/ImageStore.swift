// Images a notebook shows live beside it, in NAME.files/, named by a hash of their
// bytes: an unchanged image keeps its name, so rerunning rewrites nothing.

import Crypto
import Foundation
import SafeFiles

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

    /// The output for a PNG (written only when `write` is set and the file is not already there).
    public func image(png: Data, width: Int, height: Int, write: Bool) throws -> Output.Image {
        let image = Output.Image(path: relativeFolder + "/" + ImageStore.hash(png) + ".png", width: width, height: height)
        if write {
            let url = folder.appendingPathComponent(image.path)
            if !FileManager.default.fileExists(atPath: url.path) {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try SafeFile.write(png, to: url.path)
            }
        }
        return image
    }

    /// Removes the PNGs in NAME.files that no output refers to any more (and the folder if empty).
    public func removeUnused(keeping used: Set<String>) {
        let dir = folder.appendingPathComponent(relativeFolder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where name.hasSuffix(".png") && !used.contains(relativeFolder + "/" + name) {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
        }
        if (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: dir)
        }
    }

    public func data(of image: Output.Image) -> Data? {
        try? Data(contentsOf: folder.appendingPathComponent(image.path))
    }
}
