// Tensor memory sets off Lua's collector (Sources/Bindings/Runtime/TensorMemory.swift):
// young collections free the temporaries of a loop without walking a large Lua heap, and
// full ones still free tensors that lived long enough to grow old.

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
        // 100 dropped 4 MB tensors: 400 MB made, a few MB live at any time
        try runtime.runChunk("for i = 1, 100 do local t = torch.zeros(1000, 1000); local u = t + 1 end", name: "=loop")
        let after = runtime.tensorCollections
        #expect(after.full == before.full, "no full collection walked the Lua heap")
        #expect(after.young > before.young + 10)
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
}
