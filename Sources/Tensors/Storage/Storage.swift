// A tensor's memory: a flat run of Float32 values that views share.
//
// The values live in the same heap block as the Storage object (tail
// allocation), so a tensor costs one allocation for its data. Every block is
// counted in StorageMemory, which lets a garbage-collected host (the Lua layer)
// collect when tensors, not its own objects, are what fills memory.

import CKernels

public struct StorageHeader {
    /// The tail-allocated values, which never move while the object lives.
    public let data: UnsafeMutablePointer<Float>
    public let count: Int
    /// Bumped by every in-place write, so autograd notices tensors it saved being changed.
    public var version: Int
    let accountedBytes: Int
}

public final class Storage: ManagedBuffer<StorageHeader, Float> {
    /// Uninitialised storage for `count` values.
    public static func make(count: Int) -> Storage {
        let bytes = count * MemoryLayout<Float>.stride + StorageMemory.objectOverhead
        let buffer = Storage.create(minimumCapacity: Swift.max(count, 1)) { buffer in
            StorageHeader(data: buffer.withUnsafeMutablePointerToElements { $0 }, count: count, version: 0,
                          accountedBytes: bytes)
        }
        StorageMemory.didAllocate(bytes)
        return unsafeDowncast(buffer, to: Storage.self)
    }

    /// Storage holding `count` copies of `value`.
    public static func make(repeating value: Float, count: Int) -> Storage {
        let s = make(count: count)
        s.data.initialize(repeating: value, count: count)
        return s
    }

    public var data: UnsafeMutablePointer<Float> { header.data }

    public var count: Int { header.count }
    public var version: Int { header.version }
    public func bumpVersion() { header.version &+= 1 }

    deinit {
        StorageMemory.didFree(header.accountedBytes)
    }
}

/// How many bytes tensors hold, and a hook for when that passes a threshold.
public enum StorageMemory {
    /// Bytes of live storage, plus an estimate of the objects around each block.
    nonisolated(unsafe) public private(set) static var liveBytes = 0
    /// When liveBytes passes this, `onPressure` runs (once; it should lower liveBytes and reset this).
    nonisolated(unsafe) public static var threshold = Int.max
    nonisolated(unsafe) public static var onPressure: (() -> Void)?
    /// For a process that trains: large freed blocks stay in the heap for the next
    /// iteration instead of being unmapped and faulted in again.
    public static func keepLargeBlocks() { lk_keep_large_blocks() }

    /// The Tensor object, header and shape arrays that come with a storage block.
    public static let objectOverhead = 256
    nonisolated(unsafe) private static var relieving = false

    @inline(__always)
    static func didAllocate(_ bytes: Int) {
        liveBytes &+= bytes
        if liveBytes > threshold && !relieving, let onPressure {
            relieving = true
            onPressure()
            relieving = false
        }
    }

    @inline(__always)
    static func didFree(_ bytes: Int) { liveBytes &-= bytes }
}
