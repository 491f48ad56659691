// Tensor memory sets off Lua's collector (Sources/Bindings/Runtime/TensorMemory.swift):
// young collections free the temporaries of a loop without walking a large Lua heap,
// full ones still free tensors that lived long enough to grow old, and nothing is
// collected inside a finalizer, where Lua cannot.

import Bindings
import Tensors
import Testing

@Suite(.serialized) struct TensorMemoryTests {
    @Test func temporariesAreFreedByYoungCollectionsBesideALargeLuaHeap() throws {
        let runtime = Runtime()
        try runtime.runChunk("""
            keep = {}
            for i = 1, 200000 do keep[i] = {i, tostring(i)} end
            collectgarbage()
            """, name: "=heap")
        let before = runtime.tensorCollections
        // 30 dropped 4 MB tensors: 120 MB made (a full collection came every 64 MB), a few MB live at any time
        try runtime.runChunk("for i = 1, 30 do local t = torch.zeros(1000, 1000); local u = t + 1 end", name: "=loop")
        let after = runtime.tensorCollections
        #expect(after.full == before.full, "no full collection walked the Lua heap")
        #expect(after.young > before.young + 2)
        #expect(runtime.context.memory.liveBytes < 64 << 20)
    }

    @Test func tensorsThatGrewOldAreFreedByFullCollections() throws {
        let runtime = Runtime()
        let before = runtime.tensorCollections
        // windows of ten 4 MB tensors live through several young collections, then are dropped
        try runtime.runChunk("""
            local window = {}
            for i = 1, 300 do
              window[#window + 1] = torch.zeros(1000, 1000)
              if #window == 10 then window = {} end
            end
            """, name: "=windows")
        #expect(runtime.tensorCollections.full > before.full)
        // 1.2 GB made; what stays is bounded by the full collections' threshold
        #expect(runtime.context.memory.liveBytes < 200 << 20)
    }

    @Test func oldTensorsDroppedForGoodAreFreedWhileTemporariesKeepComing() throws {
        // Young collections alone would keep the live count under the full threshold for
        // ever, with the dropped old tensors in it: a full collection also comes once as
        // much as that threshold has been made since the last.
        let runtime = Runtime()
        try runtime.runChunk("""
            local big = {}
            weak = setmetatable({}, {__mode = "v"})
            for i = 1, 40 do big[i] = torch.zeros(1000, 1000); weak[i] = big[i] end
            big = nil
            for i = 1, 150 do local t = torch.zeros(1000, 1000) + 1 end
            count = 0
            for _ in pairs(weak) do count = count + 1 end
            """, name: "=old")
        try runtime.runChunk("assert(count == 0, count .. ' dropped tensors still alive')", name: "=check")
        #expect(runtime.context.memory.liveBytes < 64 << 20)
    }

    @Test func nothingIsCollectedInsideAFinalizerAndTheNextAllocationCatchesUp() throws {
        let runtime = Runtime()
        try runtime.runChunk("""
            setmetatable({}, {__gc = function()
              for i = 1, 30 do local t = torch.zeros(1000, 1000) end
            end})
            collectgarbage()
            """, name: "=finalizer")
        // Lua refuses to collect while a finalizer runs: its 30 dropped 4 MB tensors are all still counted
        #expect(runtime.context.memory.liveBytes >= 30 * 4_000_000)
        try runtime.runChunk("local t = torch.zeros(1000, 1000)", name: "=after")
        #expect(runtime.context.memory.liveBytes < 64 << 20)
    }
}
