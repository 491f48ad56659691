// Refusing a tensor the machine cannot hold, before allocating it: Swift's
// allocator ends the process when malloc fails, so a size from a script is
// checked against physical memory and swap (and ulimit -v) first.

import CKernels

#if canImport(Glibc)
import Glibc
#endif

public enum MemoryLimit {
    /// Below this, asking the system costs more than the allocation; such blocks always fit.
    static let smallBlock = 64 << 20

    /// Refuses `shape` when its elements, at `bytesPerElement` (4 for a tensor; more for
    /// work arrays), cannot be allocated: past 2^33 elements, or past what the machine has.
    public static func check<C: Collection>(_ shape: C, bytesPerElement: Int = MemoryLayout<Float>.stride) throws(TensorError)
        where C.Element == Int {
        guard let n = Shape.checkedCount(shape) else {
            throw TensorError("a tensor of size \(Shape.describe(shape)) would have more than \(Shape.maxElements) elements")
        }
        let bytes = n * bytesPerElement
        guard fits(bytes: bytes) else {
            throw TensorError("cannot allocate \(describe(bytes: bytes)) for a tensor of size \(Shape.describe(shape))")
        }
    }

    /// Whether `bytes` more can be allocated, as far as the system says and then as the
    /// allocator shows: a large block is asked for and given back, so that a malloc that
    /// would fail (overcommit off, a sanitizer's cap, a fragmented heap) is a refusal
    /// here rather than Swift's abort in the allocation that follows.
    public static func fits(bytes: Int) -> Bool {
        guard bytes >= smallBlock else { return true }
        let available = lk_allocatable_bytes()
        guard available < 0 || Int64(bytes) <= available else { return false }
        guard let probe = malloc(bytes + 4096) else { return false }
        free(probe)
        return true
    }

    /// "32 GiB", "1.5 GiB", "96 MiB".
    public static func describe(bytes: Int) -> String {
        let gib = Double(bytes) / Double(1 << 30)
        if gib >= 1 {
            let tenths = (gib * 10).rounded()
            return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10)) GiB" : "\(tenths / 10) GiB"
        }
        return "\(Int((Double(bytes) / Double(1 << 20)).rounded())) MiB"
    }
}
