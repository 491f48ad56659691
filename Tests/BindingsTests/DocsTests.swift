// Every function a script can reach from lstmlua's modules has a signature and a
// one-line doc, which the REPL's help shows.

import Bindings
import Testing

@Suite struct DocsTests {
    @Test func everyFunctionHasHelp() {
        let runtime = Runtime()
        #expect(Help.undocumented(in: runtime.state) == [])
    }

    @Test func theCheckFindsAFunctionWithoutHelp() throws {
        let runtime = Runtime()
        try runtime.runChunk("nn.functional.mystery = function() end; torch.Tensor.odd = function() end", name: "=test")
        let missing = Help.undocumented(in: runtime.state)
        #expect(missing.contains("nn.functional.mystery"))
        #expect(missing.contains("torch.Tensor.odd"))
    }

    @Test func helpTextNamesSignatureAndDoc() throws {
        let runtime = Runtime()
        let text = try #require(Help.text(for: "nn.LSTM", in: runtime.state))
        #expect(text.contains("nn.LSTM(input_size, hidden_size"))
        #expect(Help.text(for: "torch.Tensor.view", in: runtime.state)?.contains("view(") == true)
        #expect(Help.text(for: "no.such.thing", in: runtime.state) == nil)
    }
}
