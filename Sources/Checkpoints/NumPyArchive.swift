// NumPy's .npz: a zip archive of .npy files, one per array (numpy.savez stores them,
// numpy.savez_compressed deflates them; both read). ZIPFoundation does the zip, in
// memory, so the file itself is written once through SafeFile.

import Foundation
import SafeFiles
import Tensors
import ZIPFoundation

public enum NumPyArchive {
    /// The arrays of an .npz file, by name (the member name without ".npy"), in archive order.
    public static func read(path: String) throws(CheckpointError) -> [(name: String, tensor: Tensor)] {
        let data: Data
        do { data = try SafeFile.read(path) } catch { throw CheckpointError(error.description) }
        return try decode(data, name: path)
    }

    public static func decode(_ data: Data, name: String) throws(CheckpointError) -> [(name: String, tensor: Tensor)] {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw CheckpointError("\(name) is not an .npz file lstmlua can read: it is not a zip archive")
        }
        var out: [(name: String, tensor: Tensor)] = []
        for entry in archive where entry.type == .file {
            var member = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { member.append($0) }
            } catch {
                throw CheckpointError("\(name): member \(entry.path) cannot be read (\(error))")
            }
            let key = entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : entry.path
            out.append((key, try NumPyArray.decode(member, name: "\(name) member \(entry.path)")))
        }
        return out
    }

    /// The .npz bytes of named tensors, stored as numpy.savez stores them.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)]) throws(CheckpointError) -> Data {
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for (name, t) in tensors.sorted(by: { $0.name < $1.name }) {
                let member = NumPyArray.encode(t)
                try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(member.count),
                                     compressionMethod: .none) { position, size in
                    member.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
            guard let data = archive.data else { throw CheckpointError("the archive could not be made") }
            return data
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError("the archive could not be made: \(error)")
        }
    }

    public static func write(_ tensors: [(name: String, tensor: Tensor)], to path: String) throws(CheckpointError) {
        let data = try encode(tensors)
        do { try SafeFile.write(data, to: path) } catch { throw CheckpointError(error.description) }
    }
}
