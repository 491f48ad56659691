// A tensor's memory: a flat run of Float32 values that views share.
//
// Where the memory comes from is pluggable. The Lua layer allocates it inside
// Lua's heap so that the garbage collector sees every byte a tensor holds;
// without Lua (tests, tools) it comes from malloc.

/// Allocates and frees storage blocks. Blocks are 64-byte aligned.
public protocol StorageAllocator: AnyObject {
    /// A block of `byteCount` bytes and a token that `deallocate` takes back.
    func allocate(byteCount: Int) -> (pointer: UnsafeMutableRawPointer, token: Int)
    func deallocate(_ pointer: UnsafeMutableRawPointer, token: Int)
}

/// The allocator used when no other is installed.
public final class MallocAllocator: StorageAllocator {
    public init() {}
    public func allocate(byteCount: Int) -> (pointer: UnsafeMutableRawPointer, token: Int) {
        (UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64), 0)
    }
    public func deallocate(_ pointer: UnsafeMutableRawPointer, token: Int) {
        pointer.deallocate()
    }
}

public final class Storage {
    /// Where new storage comes from. The Lua layer swaps it while it runs.
    nonisolated(unsafe) public static var allocator: StorageAllocator = MallocAllocator()

    public let data: UnsafeMutablePointer<Float>
    public let count: Int
    /// Bumped by every in-place write, so autograd notices tensors it saved being changed.
    public internal(set) var version = 0
    private let allocator: StorageAllocator
    private let token: Int

    /// Uninitialised storage for `count` values.
    public init(count: Int) {
        let allocator = Storage.allocator
        let block = allocator.allocate(byteCount: count * MemoryLayout<Float>.stride)
        self.data = block.pointer.bindMemory(to: Float.self, capacity: count)
        self.count = count
        self.allocator = allocator
        self.token = block.token
    }

    /// Storage holding `count` copies of `value`.
    public convenience init(repeating value: Float, count: Int) {
        self.init(count: count)
        data.initialize(repeating: value, count: count)
    }

    deinit {
        allocator.deallocate(UnsafeMutableRawPointer(data), token: token)
    }

    public func bumpVersion() { version &+= 1 }
}
