// Graphs that are dropped without backward give their memory back: a node must not
// hold its own output (a reference cycle Swift never frees).

import Bindings
import Tensors
import Testing

@Suite struct GraphMemoryTests {
    @Test func aLossPerSampleFreesItsGraph() throws {
        let runtime = Runtime()
        let loop = """
            for i = 1, 200 do local l = nn.functional.cross_entropy(x, y, 'none') end
            collectgarbage(); collectgarbage()
            """
        try runtime.runChunk("x = torch.randn(64, 512, {requires_grad = true}); y = torch.randint(1, 513, {64})", name: "=setup")
        try runtime.runChunk(loop, name: "=warm up")
        let before = StorageMemory.liveBytes
        try runtime.runChunk(loop, name: "=loop")
        #expect(StorageMemory.liveBytes <= before)
    }
}
