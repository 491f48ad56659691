// A tensor's memory: a flat run of elements of one dtype that views share.
//
// The values live in the same heap block as the Storage object (tail
// allocation), so a tensor costs one allocation for its data. Every block is
// counted in its context's MemoryAccount, which lets a garbage-collected host (the Lua layer)
// collect when tensors, not its own objects, are what fills memory.

import CKernels

public struct StorageHeader {
    /// The tail-allocated values, which never move while the object lives.
    public let raw: UnsafeMutableRawPointer
    public let count: Int
    public let dtype: DType
    /// Bumped by every in-place write, so autograd notices tensors it saved being changed.
    public var version: Int
    let accountedBytes: Int
    /// Where the bytes were counted: freed later, they leave the same account.
    let account: MemoryAccount
}

// Words of 8 bytes, so that every dtype's elements are aligned.
public final class Storage: ManagedBuffer<StorageHeader, UInt64> {
    /// Uninitialised storage for `count` values of `dtype`.
    public static func make(count: Int, dtype: DType = .float32) -> Storage {
        let payload = count * dtype.itemSize
        let bytes = payload + StorageMemory.objectOverhead
        let account = TensorContext.current.memory
        account.willAllocate(bytes)
        let buffer = Storage.create(minimumCapacity: Swift.max((payload + 7) / 8, 1)) { buffer in
            let raw = UnsafeMutableRawPointer(buffer.withUnsafeMutablePointerToElements { $0 })
            return StorageHeader(raw: raw, count: count, dtype: dtype, version: 0, accountedBytes: bytes, account: account)
        }
        return unsafeDowncast(buffer, to: Storage.self)
    }

    /// Storage holding `count` copies of `value`.
    public static func make(repeating value: Float, count: Int) -> Storage {
        let s = make(count: count)
        FloatKernels.fill(s.data, repeating: value, count: count)
        return s
    }

    public var raw: UnsafeMutableRawPointer { header.raw }
    public var dtype: DType { header.dtype }

    /// The float32 values (the storage of a float32 tensor).
    public var data: UnsafeMutablePointer<Float> {
        precondition(header.dtype == .float32, "float32 access to \(header.dtype) storage")
        return header.raw.assumingMemoryBound(to: Float.self)
    }

    /// The values as T, which must be the storage's element type.
    @inline(__always)
    public func elements<T: TensorElement>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        precondition(header.dtype == T.dtype, "\(T.dtype) access to \(header.dtype) storage")
        return header.raw.assumingMemoryBound(to: T.self)
    }

    public var count: Int { header.count }
    public var version: Int { header.version }
    public func bumpVersion() { header.version &+= 1 }

    deinit {
        header.account.didFree(header.accountedBytes)
    }
}

/// Storage's memory, as counted in the current context (TensorContext.memory).
public enum StorageMemory {
    /// Bytes of live storage in the current context.
    public static var liveBytes: Int { TensorContext.current.memory.liveBytes }
    /// For a process that trains: large freed blocks stay in the heap for the next
    /// iteration instead of being unmapped and faulted in again.
    public static func keepLargeBlocks() { lk_keep_large_blocks() }

    /// The Tensor object, header and shape arrays that come with a storage block.
    public static let objectOverhead = 256
}
