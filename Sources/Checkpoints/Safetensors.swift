// Checkpoints in the safetensors format (huggingface/safetensors), the format
// PyTorch users exchange weights in: `safetensors.torch.load_file` reads what
// lstmlua writes, and lstmlua reads theirs.
//
//   [8 bytes: header length N, little endian] [N bytes: JSON header] [data]
//   header: {"__metadata__": {str: str}, "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
//
// lstmlua writes each tensor in its own dtype (F32, F64, I64, I32, U8, BOOL),
// tensors sorted by name, the header padded with spaces to a multiple of 8,
// through a temporary file renamed into place. It reads those as themselves,
// F16 and BF16 as float32, I16 and I8 as int32. Anything malformed —
// truncated, oversized, overlapping, not JSON — is a CheckpointError, never a crash.

import Foundation
import SafeFiles
import Tensors

public struct CheckpointError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct Checkpoint {
    /// Tensors in file order.
    public var tensors: [(name: String, tensor: Tensor)]
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }
}

public enum Safetensors {
    /// The largest header accepted, as the reference implementation (100 MB).
    static let maxHeader = 100_000_000

    enum FileType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        var size: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16, .i16: return 2
            case .i8, .u8, .bool: return 1
            }
        }

        /// The dtype a tensor of this file type loads as.
        var dtype: Tensors.DType {
            switch self {
            case .f32, .f16, .bf16: .float32
            case .f64: .float64
            case .i64: .int64
            case .i32, .i16, .i8: .int32
            case .u8: .uint8
            case .bool: .bool
            }
        }

        init(_ dtype: Tensors.DType) {
            switch dtype {
            case .float32: self = .f32
            case .float64: self = .f64
            case .int64: self = .i64
            case .int32: self = .i32
            case .uint8: self = .u8
            case .bool: self = .bool
            }
        }
    }

    // MARK: Reading

    public static func read(path: String) throws(CheckpointError) -> Checkpoint {
        let data: Data
        do { data = try SafeFile.read(path) } catch { throw CheckpointError(error.description) }
        return try decode(data, name: path)
    }

    public static func decode(_ data: Data, name: String = "checkpoint") throws(CheckpointError) -> Checkpoint {
        func bad(_ why: String) -> CheckpointError { CheckpointError("\(name) is not a valid safetensors file: \(why)") }
        guard data.count >= 8 else { throw bad("it is \(data.count) bytes long, shorter than the 8-byte header length") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeader) else { throw bad("the header claims \(n) bytes, more than the \(maxHeader) allowed") }
        let headerLength = Int(n)
        guard 8 + headerLength <= data.count else {
            throw bad("the header claims \(headerLength) bytes but the file has only \(data.count - 8) after the length (truncated?)")
        }
        let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + headerLength))
        guard headerBytes.first == UInt8(ascii: "{") else { throw bad("the header does not start with '{'") }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw bad("the header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw bad("the header is not a JSON object") }
        let buffer = data.subdata(in: (data.startIndex + 8 + headerLength)..<data.endIndex)

        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: FileType, shape: [Int], begin: Int, end: Int)] = []
        for (key, value) in header {
            if key == "__metadata__" {
                guard let m = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw bad("metadata value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw bad("the entry for '\(key)' is not an object") }
            guard let dt = info["dtype"] as? String else { throw bad("'\(key)' has no dtype") }
            guard let dtype = FileType(rawValue: dt) else { throw bad("'\(key)' has dtype \(dt), which lstmlua does not read") }
            guard let shapeValues = info["shape"] as? [Any], let shape = integers(shapeValues), shape.allSatisfy({ $0 >= 0 }) else {
                throw bad("'\(key)' has an invalid shape")
            }
            guard shape.count <= Dims.maxRank else {
                throw bad("'\(key)' has \(shape.count) dimensions; lstmlua tensors have at most \(Dims.maxRank)")
            }
            guard let offsetValues = info["data_offsets"] as? [Any], let offsets = integers(offsetValues), offsets.count == 2 else {
                throw bad("'\(key)' has invalid data_offsets")
            }
            var count = 1
            for s in shape {
                let (p, overflow) = count.multipliedReportingOverflow(by: s)
                guard !overflow, p <= buffer.count else { throw bad("'\(key)' has shape \(Shape.describe(shape)), larger than the file") }
                count = p
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= buffer.count else {
                throw bad("'\(key)' has data_offsets [\(begin), \(end)] outside the \(buffer.count) bytes of data (truncated?)")
            }
            guard end - begin == count * dtype.size else {
                throw bad("'\(key)' has \(end - begin) bytes of data but shape \(Shape.describe(shape)) of \(dt) needs \(count * dtype.size)")
            }
            entries.append((key, dtype, shape, begin, end))
        }
        // The data must be covered exactly, without gaps or overlaps (as the reference checks).
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for e in entries {
            guard e.begin == position else {
                throw bad(e.begin < position ? "'\(e.name)' overlaps the tensor before it" : "there is a gap before '\(e.name)'")
            }
            position = e.end
        }
        guard position == buffer.count else { throw bad("\(buffer.count - position) bytes of data belong to no tensor") }

        var tensors: [(name: String, tensor: Tensor)] = []
        buffer.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for e in entries {
                let t = Tensor(uninitializedShape: Dims(e.shape), dtype: e.dtype.dtype)
                convert(raw.baseAddress! + e.begin, e.dtype, count: t.count, into: t)
                tensors.append((e.name, t))
            }
        }
        return Checkpoint(tensors: tensors, metadata: metadata)
    }

    private static func integers(_ values: [Any]) -> [Int]? {
        var out: [Int] = []
        for v in values {
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue), n.doubleValue.rounded() == n.doubleValue else { return nil }
            out.append(i)
        }
        return out
    }

    /// Little-endian values of a file type into a fresh tensor of the matching dtype.
    private static func convert(_ src: UnsafeRawPointer, _ type: FileType, count: Int, into t: Tensor) {
        func load<W: FixedWidthInteger>(_ i: Int, _: W.Type) -> W { W(littleEndian: src.loadUnaligned(fromByteOffset: i * W.bitWidth / 8, as: W.self)) }
        switch type {
        case .f32:
            let dst = t.elements(Float.self)
            for i in 0..<count { dst[i] = Float(bitPattern: load(i, UInt32.self)) }
        case .f64:
            let dst = t.elements(Double.self)
            for i in 0..<count { dst[i] = Double(bitPattern: load(i, UInt64.self)) }
        case .f16:
            let dst = t.elements(Float.self)
            for i in 0..<count { dst[i] = Float(Float16(bitPattern: load(i, UInt16.self))) }
        case .bf16:
            let dst = t.elements(Float.self)
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(load(i, UInt16.self)) << 16) }
        case .i64:
            let dst = t.elements(Int64.self)
            for i in 0..<count { dst[i] = load(i, Int64.self) }
        case .i32:
            let dst = t.elements(Int32.self)
            for i in 0..<count { dst[i] = load(i, Int32.self) }
        case .i16:
            let dst = t.elements(Int32.self)
            for i in 0..<count { dst[i] = Int32(load(i, Int16.self)) }
        case .i8:
            let dst = t.elements(Int32.self)
            for i in 0..<count { dst[i] = Int32(src.load(fromByteOffset: i, as: Int8.self)) }
        case .u8:
            let dst = t.elements(UInt8.self)
            for i in 0..<count { dst[i] = src.load(fromByteOffset: i, as: UInt8.self) }
        case .bool:
            // any nonzero byte is true: a Swift Bool must hold exactly 0 or 1
            let dst = t.elements(Bool.self)
            for i in 0..<count { dst[i] = src.load(fromByteOffset: i, as: UInt8.self) != 0 }
        }
    }

    // MARK: Writing

    /// The file's bytes: tensors in their dtypes, sorted by name, metadata under __metadata__.
    public static func encode(_ checkpoint: Checkpoint) throws(CheckpointError) -> Data {
        let sorted = checkpoint.tensors.sorted { $0.name < $1.name }
        for i in sorted.indices.dropFirst() where sorted[i].name == sorted[i - 1].name {
            throw CheckpointError("two tensors are named '\(sorted[i].name)'")
        }
        var header: [String: Any] = [:]
        if !checkpoint.metadata.isEmpty { header["__metadata__"] = checkpoint.metadata }
        var offset = 0
        for (name, t) in sorted {
            guard name != "__metadata__" else { throw CheckpointError("'__metadata__' is reserved and cannot name a tensor") }
            let bytes = t.count * t.dtype.itemSize
            header[name] = ["dtype": FileType(t.dtype).rawValue, "shape": Array(t.shape), "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw CheckpointError("cannot encode the header: \(error)")
        }
        json.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var out = Data(capacity: 8 + json.count + offset)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, t) in sorted {
            // x86-64 and arm64 are little-endian, as the format: the bytes go as they are
            let values = t.materialized()
            out.append(UnsafeRawBufferPointer(start: values.raw, count: values.count * values.dtype.itemSize).bindMemory(to: UInt8.self))
        }
        return out
    }

    /// Writes through SafeFile: a crash mid-write never leaves a half-written
    /// checkpoint under the real name, and a symlink or device is written through.
    public static func write(_ checkpoint: Checkpoint, to path: String) throws(CheckpointError) {
        let data = try encode(checkpoint)
        do { try SafeFile.write(data, to: path) } catch { throw CheckpointError(error.description) }
    }
}
