// Progress bars with a frontend that draws them (the Jupyter kernel's way): each
// bar is one display updated in place, its last line marked finished; a bar with
// leave = false ends as an empty line.

import Bindings
import Testing

private final class RecordingFrontend: Frontend {
    var updates: [(id: ObjectIdentifier, line: String, finished: Bool)] = []
    func clearOutput(wait: Bool) {}
    func progress(id: ObjectIdentifier, line: String, finished: Bool) -> Bool {
        updates.append((id, line, finished))
        return true
    }
    func readLine(prompt: String, password: Bool) throws(FrontendError) -> String? { nil }
}

@Suite struct ProgressFrontendTests {
    @Test func aFrontendGetsEachBarsLinesAndItsEnd() throws {
        let runtime = Runtime()
        let frontend = RecordingFrontend()
        runtime.frontend = frontend
        try runtime.runChunk("""
            for i, v, bar in torch.progress({'a', 'b', 'c'}, {desc = 'kept', unit = 'row'}) do end
            for i, bar in torch.progress(1, 4, {desc = 'gone', leave = false}) do end
            """, name: "=test")
        let ids = frontend.updates.map(\.id).reduce(into: [ObjectIdentifier]()) { if !$0.contains($1) { $0.append($1) } }
        #expect(ids.count == 2, "\(frontend.updates.map(\.line))")
        let kept = frontend.updates.filter { $0.id == ids[0] }, gone = frontend.updates.filter { $0.id == ids[1] }
        #expect(kept.last?.finished == true && kept.dropLast().allSatisfy { !$0.finished })
        #expect(kept.last?.line.hasPrefix("kept 100%|██████████| 3/3 [") == true, "\(kept.map(\.line))")
        #expect(kept.last?.line.contains("row/s") == true, "\(kept.map(\.line))")
        #expect(gone.last?.finished == true)
        #expect(gone.last?.line == "", "\(gone.map(\.line))")
    }
}
