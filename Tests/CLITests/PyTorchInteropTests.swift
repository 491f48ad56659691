// Checkpoints cross to PyTorch and back: a model saved by lstmlua loads into
// PyTorch with safetensors.torch.load_file and gives the same outputs, and one
// saved by PyTorch loads into lstmlua. Runs when a Python with torch and
// safetensors is found (LSTMLUA_PYTHON, else python3); skipped otherwise.

import Foundation
import Testing

enum PyTorch {
    static let available = Python.has("torch, safetensors")

    static func run(_ script: String, in dir: URL) throws -> (Int32, String) { try Python.run(script, in: dir) }
}

@Suite(.serialized, .enabled(if: PyTorch.available, "needs a Python with torch and safetensors (set LSTMLUA_PYTHON)"))
struct PyTorchInteropTests {
    @Test func lstmluaCheckpointLoadsIntoPyTorch() throws {
        let dir = try Command.temporaryDirectory()
        let lua = try Command.script("""
            torch.manual_seed(4)
            local Net = nn.Module:extend("Net")
            function Net:init()
              self.rnn = nn.LSTM{input_size = 2, hidden_size = 6, num_layers = 2, batch_first = true}
              self.linear = nn.Linear(6, 1)
            end
            function Net:forward(x) local out = self.rnn(x); return self.linear(out) end
            local model = Net()
            local x = torch.randn(3, 5, 2)
            torch.save("model.safetensors", model, {format = "pt"})
            torch.save("io.safetensors", {x = x, y = model(x)})
            """)
        let r = try Command.run([lua.path], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let (status, output) = try PyTorch.run("""
            import torch, torch.nn as nn
            from safetensors.torch import load_file
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.rnn = nn.LSTM(input_size=2, hidden_size=6, num_layers=2, batch_first=True)
                    self.linear = nn.Linear(6, 1)
                def forward(self, x):
                    out, _ = self.rnn(x)
                    return self.linear(out)
            model = Net()
            model.load_state_dict(load_file("model.safetensors"))   # strict: every name must match
            io = load_file("io.safetensors")
            with torch.no_grad():
                d = (model(io["x"]) - io["y"]).abs().max().item()
            print("max difference", d)
            assert d < 1e-5, d
            """, in: dir)
        #expect(status == 0, "\(output)")
    }

    @Test func pytorchCheckpointLoadsIntoLstmlua() throws {
        let dir = try Command.temporaryDirectory()
        let (status, output) = try PyTorch.run("""
            import torch, torch.nn as nn
            from safetensors.torch import save_file
            torch.manual_seed(5)
            gru = nn.GRU(3, 4, num_layers=2, bidirectional=True)
            x = torch.randn(6, 2, 3)
            with torch.no_grad():
                out, h = gru(x)
            save_file(gru.state_dict(), "gru.safetensors", metadata={"source": "pytorch"})
            w = torch.randn(3, 5)
            save_file({"x": x, "out": out, "h": h, "f32": w, "f16": w.half(), "bf16": w.bfloat16(),
                       "f64": w.double(), "i64": torch.arange(6).view(2, 3)}, "io.safetensors")
            """, in: dir)
        #expect(status == 0, "\(output)")
        let lua = try Command.script("""
            local state, meta = torch.load("gru.safetensors")
            assert(meta.source == "pytorch")
            local gru = nn.GRU{input_size = 3, hidden_size = 4, num_layers = 2, bidirectional = true}
            gru:load_state_dict(state)
            local io = torch.load("io.safetensors")
            local out, h = gru(io.x)
            print(string.format("%g %g", (out - io.out):abs():max():item(), (h - io.h):abs():max():item()))
            assert((out - io.out):abs():max():item() < 1e-5)
            assert((h - io.h):abs():max():item() < 1e-5)
            assert((io.f64 - io.f32):abs():max():item() < 1e-7)
            assert((io.f16 - io.f32):abs():max():item() < 4e-3)
            assert((io.bf16 - io.f32):abs():max():item() < 4e-2)
            assert(io.i64[2][3] == 5)
            """)
        let r = try Command.run([lua.path], directory: dir)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }
}
