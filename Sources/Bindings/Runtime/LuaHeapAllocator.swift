// Tensor storage inside Lua's heap, so the garbage collector counts every byte a
// tensor holds and a loop of temporaries is collected on time (torch/torch7#229).
//
// Each block is a userdata anchored in the registry while Swift holds the Storage;
// when the Storage goes (its last tensor was collected), the anchor is dropped and
// the next cycle frees the block.

import LuaGlue
import Tensors

final class LuaHeapAllocator: StorageAllocator {
    private let L: OpaquePointer
    /// Set when the state closes: its blocks are gone, so there is nothing to unanchor.
    var isClosed = false

    /// Blocks this large are allocated under lua_pcall: a failure is then a null
    /// pointer, not a memory error raised through Swift frames.
    private static let protectedSize = 1 << 16
    /// The token of a block that came from malloc because Lua's heap had no room.
    private static let mallocToken = -1

    init(_ L: OpaquePointer) { self.L = L }

    func allocate(byteCount: Int) -> (pointer: UnsafeMutableRawPointer, token: Int) {
        var ref: Int32 = 0
        let size = max(byteCount, 1)
        if size < LuaHeapAllocator.protectedSize, let p = lg_alloc_block(L, size, &ref) { return (p, Int(ref)) }
        if let p = lg_alloc_block_protected(L, size, &ref) { return (p, Int(ref)) }
        // Lua could not; malloc is the last resort before running out of memory for real.
        return (UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64), LuaHeapAllocator.mallocToken)
    }

    func deallocate(_ pointer: UnsafeMutableRawPointer, token: Int) {
        if token == LuaHeapAllocator.mallocToken {
            pointer.deallocate()
        } else if !isClosed {
            lg_free_block(L, Int32(token))
        }
    }
}
