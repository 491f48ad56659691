// NumPy's .npy format (numpy.lib.format, versions 1.0 to 3.0), so that data
// prepared in Python comes over without pickle:
//   "\x93NUMPY" major minor, header length (2 bytes in 1.0, 4 in 2.0 and 3.0),
//   header: a Python dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
//   padded with spaces and '\n' so the data starts on a 64-byte boundary, then the data.
// Read: little- and big-endian floats (f2, f4, f8), signed and unsigned integers,
// bools, C or Fortran order. Written: version 1.0, little-endian, C order, each
// dtype as itself (what numpy.save writes for such an array).

import Foundation
import SafeFiles
import Tensors

public enum NumPyArray {
    /// An element type as a .npy header names it: kind ('f', 'i', 'u', 'b'), size, byte order.
    struct Descr {
        let kind: Character, size: Int, bigEndian: Bool

        init?(_ text: String) {
            guard text.count >= 3, let order = text.first, "<>|=".contains(order) else { return nil }
            let rest = text.dropFirst()
            guard let k = rest.first, let n = Int(rest.dropFirst()) else { return nil }
            kind = k
            size = n
            bigEndian = order == ">"
        }

        /// What a tensor of this element type loads as.
        var dtype: DType? {
            switch (kind, size) {
            case ("f", 2), ("f", 4): .float32
            case ("f", 8): .float64
            case ("i", 8), ("u", 4), ("u", 8): .int64
            case ("i", 4), ("i", 2), ("i", 1), ("u", 2): .int32
            case ("u", 1): .uint8
            case ("b", 1): .bool
            default: nil
            }
        }
    }

    public static func read(path: String) throws(CheckpointError) -> Tensor {
        let data: Data
        do { data = try SafeFile.read(path) } catch { throw CheckpointError(error.description) }
        return try decode(data, name: path)
    }

    /// Writes through SafeFile, as every file lstmlua writes.
    public static func write(_ t: Tensor, to path: String) throws(CheckpointError) {
        do { try SafeFile.write(encode(t), to: path) } catch { throw CheckpointError(error.description) }
    }

    public static func decode(_ data: Data, name: String) throws(CheckpointError) -> Tensor {
        func bad(_ why: String) -> CheckpointError { CheckpointError("\(name) is not a .npy file lstmlua can read: \(why)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw bad("it does not start with NumPy's magic string")
        }
        let major = bytes[6]
        let headerStart = major == 1 ? 10 : 12
        guard major >= 1 && major <= 3, bytes.count >= headerStart else { throw bad("format version \(major) is unknown") }
        var headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        if major > 1 { headerLength |= Int(bytes[10]) << 16 | Int(bytes[11]) << 24 }
        guard headerStart + headerLength <= bytes.count else { throw bad("the header is cut short") }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw bad("the header is not text")
        }
        guard let descrText = field(header, "descr").flatMap(quoted), let descr = Descr(descrText) else {
            throw bad("its header has no dtype ('descr') lstmlua understands: \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard let dtype = descr.dtype else { throw bad("dtype '\(descrText)' has no lstmlua counterpart") }
        guard let fortranText = field(header, "fortran_order"), fortranText.hasPrefix("True") || fortranText.hasPrefix("False") else {
            throw bad("its header has no fortran_order")
        }
        let fortran = fortranText.hasPrefix("True")
        guard let shapeText = field(header, "shape"), let shape = tuple(shapeText) else { throw bad("its header has no shape") }
        guard shape.count <= Dims.maxRank else { throw bad("\(shape.count) dimensions, more than \(Dims.maxRank)") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw bad("shape \(Shape.describe(shape)) has a negative size") }
        guard let count = Shape.checkedCount(shape) else {
            throw bad("shape \(Shape.describe(shape)) has more than \(Shape.maxElements) elements")
        }
        let dataStart = headerStart + headerLength
        let (needed, overflow) = count.multipliedReportingOverflow(by: descr.size)
        guard !overflow, bytes.count - dataStart >= needed else {
            throw bad("shape \(Shape.describe(shape)) of '\(descrText)' needs \(needed) bytes of data, the file has \(bytes.count - dataStart)")
        }
        do { try MemoryLimit.check(shape, bytesPerElement: dtype.itemSize) } catch { throw CheckpointError(error.message) }

        // Stored in Fortran order, the values are the transpose's in C order.
        let stored = fortran ? Dims(shape.reversed()) : Dims(shape)
        let t = Tensor(uninitializedShape: stored, dtype: dtype)
        bytes.withUnsafeBytes { raw in
            convert(raw.baseAddress! + dataStart, descr, count: count, into: t)
        }
        if fortran && stored.count > 1 { return t.permute(Dims((0..<stored.count).reversed())).contiguous() }
        return t
    }

    /// The value of `key` in a header dict, as the text that follows its colon.
    private static func field(_ header: String, _ key: String) -> Substring? {
        for quote in ["'", "\""] {
            if let r = header.range(of: quote + key + quote) {
                let after = header[r.upperBound...].drop { $0 == " " }
                guard after.first == ":" else { continue }
                return after.dropFirst().drop { $0 == " " }
            }
        }
        return nil
    }

    private static func quoted(_ text: Substring) -> String? {
        guard let q = text.first, q == "'" || q == "\"" else { return nil }
        let body = text.dropFirst()
        guard let end = body.firstIndex(of: q) else { return nil }
        return String(body[..<end])
    }

    /// "(3, 4)", "(5,)", "()" -> [3, 4], [5], [].
    private static func tuple(_ text: Substring) -> [Int]? {
        guard text.first == "(", let end = text.firstIndex(of: ")") else { return nil }
        let inside = text[text.index(after: text.startIndex)..<end]
        var out: [Int] = []
        for part in inside.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if trimmed.isEmpty { continue }
            guard let n = Int(trimmed) else { return nil }
            out.append(n)
        }
        return out
    }

    private static func convert(_ src: UnsafeRawPointer, _ d: Descr, count: Int, into t: Tensor) {
        func load<W: FixedWidthInteger>(_ i: Int, _: W.Type) -> W {
            let v = src.loadUnaligned(fromByteOffset: i * MemoryLayout<W>.size, as: W.self)
            return d.bigEndian ? W(bigEndian: v) : W(littleEndian: v)
        }
        switch (d.kind, d.size) {
        case ("f", 2):
            let p = t.elements(Float.self)
            for i in 0..<count { p[i] = Float(Float16(bitPattern: load(i, UInt16.self))) }
        case ("f", 4):
            let p = t.elements(Float.self)
            for i in 0..<count { p[i] = Float(bitPattern: load(i, UInt32.self)) }
        case ("f", 8):
            let p = t.elements(Double.self)
            for i in 0..<count { p[i] = Double(bitPattern: load(i, UInt64.self)) }
        case ("i", 8):
            let p = t.elements(Int64.self)
            for i in 0..<count { p[i] = load(i, Int64.self) }
        case ("u", 8):
            // past Int64.max wraps, as numpy's astype(int64) does
            let p = t.elements(Int64.self)
            for i in 0..<count { p[i] = Int64(truncatingIfNeeded: load(i, UInt64.self)) }
        case ("u", 4):
            let p = t.elements(Int64.self)
            for i in 0..<count { p[i] = Int64(load(i, UInt32.self)) }
        case ("i", 4):
            let p = t.elements(Int32.self)
            for i in 0..<count { p[i] = load(i, Int32.self) }
        case ("i", 2):
            let p = t.elements(Int32.self)
            for i in 0..<count { p[i] = Int32(load(i, Int16.self)) }
        case ("u", 2):
            let p = t.elements(Int32.self)
            for i in 0..<count { p[i] = Int32(load(i, UInt16.self)) }
        case ("i", 1):
            let p = t.elements(Int32.self)
            for i in 0..<count { p[i] = Int32(src.load(fromByteOffset: i, as: Int8.self)) }
        case ("u", 1):
            let p = t.elements(UInt8.self)
            for i in 0..<count { p[i] = src.load(fromByteOffset: i, as: UInt8.self) }
        default:
            // bool: any nonzero byte is true (a Swift Bool must hold 0 or 1)
            let p = t.elements(Bool.self)
            for i in 0..<count { p[i] = src.load(fromByteOffset: i, as: UInt8.self) != 0 }
        }
    }

    /// The .npy bytes of a tensor: version 1.0, little-endian, C order.
    public static func encode(_ t: Tensor) -> Data {
        let descr: String
        switch t.dtype {
        case .float32: descr = "<f4"
        case .float64: descr = "<f8"
        case .int64: descr = "<i8"
        case .int32: descr = "<i4"
        case .uint8: descr = "|u1"
        case .bool: descr = "|b1"
        }
        let shape = t.shape.count == 1 ? "(\(t.shape[0]),)" : "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        // magic (6) + version (2) + length (2) + header + '\n', a multiple of 64
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let n = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(contentsOf: Array(header.utf8))
        let values = t.materialized()
        out.append(UnsafeRawBufferPointer(start: values.raw, count: values.count * values.dtype.itemSize).bindMemory(to: UInt8.self))
        return out
    }
}
