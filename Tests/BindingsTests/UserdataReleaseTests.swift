// Tensors are released when Lua frees their handles (the state's allocator, not __gc):
// every one, at once, and only those.

import Bindings
import Tensors
import Testing

@Suite struct UserdataReleaseTests {
    /// Storage the runtime's tensors hold now, in bytes.
    private func live(_ runtime: Runtime, _ code: String) throws -> Int {
        try runtime.runChunk(code + "\ncollectgarbage(); collectgarbage()", name: "=test")
        return StorageMemory.liveBytes
    }

    @Test func droppedHandlesGiveEveryTensorBack() throws {
        let runtime = Runtime()
        let start = try live(runtime, "")
        // 200 000 handles: the allocator's set of adopted blocks grows many times over
        let all = try live(runtime, "keep = {} for i = 1, 200000 do keep[i] = torch.zeros(4) end")
        let each = 4 * 4 + StorageMemory.objectOverhead
        #expect(all - start == 200_000 * each)
        let half = try live(runtime, "for i = 1, 200000, 2 do keep[i] = nil end")
        #expect(half - start == 100_000 * each, "the even ones are still held")
        try runtime.runChunk("for i = 2, 200000, 2 do assert(keep[i]:sum():item() == 0) end", name: "=still usable")
        #expect(try live(runtime, "keep = nil") == start)
    }

    @Test func closedTensorsAreReleasedOnceAndOnlyOnce() throws {
        let runtime = Runtime()
        let start = try live(runtime, "")
        let held = try live(runtime, """
            t = torch.zeros(1000)
            do local c <close> = t end
            ok, err = pcall(function() return t:sum() end)
            assert(not ok and err:find("Tensor has been closed"), err)
            """)
        #expect(held == start, "closing released the storage")
        #expect(try live(runtime, "t = nil") == start)
    }
}
