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

    /// word_language_model's --tied: the weight shared by encoder and decoder crosses under both names.
    @Test func tiedWeightsCrossBothWays() throws {
        let dir = try Command.temporaryDirectory()
        let lua = try Command.script("""
            torch.manual_seed(6)
            local Model = nn.Module:extend("Model")
            function Model:init()
              self.encoder = nn.Embedding(10, 4)
              self.rnn = nn.LSTM(4, 4)
              self.decoder = nn.Linear(4, 10)
              self.decoder.weight = self.encoder.weight
            end
            function Model:forward(x) local out = self.rnn(self.encoder(x)); return self.decoder(out) end
            local model = Model()
            local n = 0
            for _ in pairs(model:state_dict()) do n = n + 1 end
            assert(n == 7, "both names of the tied weight are in the state_dict, got " .. n)
            assert(#model:parameters() == 6, "the tied weight is one parameter")
            local x = torch.tensor{{1, 2}, {3, 4}, {9, 0}}
            torch.save(model, "tied.safetensors")
            torch.save({x = x, y = model(x + 1)}, "io.safetensors")
            """)
        let r = try Command.run([lua.path], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let (status, output) = try PyTorch.run("""
            import torch, torch.nn as nn
            from safetensors.torch import load_file, save_model
            class Model(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.encoder = nn.Embedding(10, 4)
                    self.rnn = nn.LSTM(4, 4)
                    self.decoder = nn.Linear(4, 10)
                    self.decoder.weight = self.encoder.weight
                def forward(self, x):
                    out, _ = self.rnn(self.encoder(x))
                    return self.decoder(out)
            model = Model()
            state = load_file("tied.safetensors")
            assert "decoder.weight" in state and "encoder.weight" in state, sorted(state)
            model.load_state_dict(state)   # strict
            assert model.decoder.weight is model.encoder.weight
            io = load_file("io.safetensors")
            assert io["x"].dtype == torch.int64, io["x"].dtype
            with torch.no_grad():
                d = (model(io["x"]) - io["y"]).abs().max().item()
            print("max difference", d)
            assert d < 1e-5, d
            torch.manual_seed(7)
            back = Model()
            save_model(back, "from_pytorch.safetensors")   # one name for the shared tensor
            with torch.no_grad():
                y = back(io["x"])
            from safetensors.torch import save_file
            save_file({"y": y}, "expected.safetensors")
            """, in: dir)
        #expect(status == 0, "\(output)")
        let back = try Command.script("""
            local Model = nn.Module:extend("Model")
            function Model:init()
              self.encoder = nn.Embedding(10, 4)
              self.rnn = nn.LSTM(4, 4)
              self.decoder = nn.Linear(4, 10)
              self.decoder.weight = self.encoder.weight
            end
            function Model:forward(x) local out = self.rnn(self.encoder(x)); return self.decoder(out) end
            local model = Model()
            model:load_state_dict(torch.load("from_pytorch.safetensors"))
            local io, expected = torch.load("io.safetensors"), torch.load("expected.safetensors")
            local d = (model(io.x + 1) - expected.y):abs():max():item()
            print("max difference", d)
            assert(d < 1e-5, d)
            """)
        let r2 = try Command.run([back.path], directory: dir)
        #expect(r2.status == 0, "\(r2.stdout)\(r2.stderr)")
    }

    /// A float64 model crosses as float64 (no silent downcast), both ways.
    @Test func float64CheckpointsStayFloat64() throws {
        let dir = try Command.temporaryDirectory()
        let lua = try Command.script("""
            torch.manual_seed(8)
            local rnn = nn.GRU(3, 5):double()
            local x = torch.randn(4, 2, 3, {dtype = torch.float64})
            torch.save(rnn, "gru64.safetensors")
            torch.save({x = x, y = rnn(x)}, "io.safetensors")
            """)
        let r = try Command.run([lua.path], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let (status, output) = try PyTorch.run("""
            import torch, torch.nn as nn, numpy as np
            from safetensors.torch import load_file, save_file
            state = load_file("gru64.safetensors")
            assert all(t.dtype == torch.float64 for t in state.values()), {k: t.dtype for k, t in state.items()}
            gru = nn.GRU(3, 5).double()
            gru.load_state_dict(state)
            io = load_file("io.safetensors")
            with torch.no_grad():
                d = (gru(io["x"])[0] - io["y"]).abs().max().item()
            print("max difference", d)
            assert d < 1e-12, d
            torch.manual_seed(9)
            lin = nn.Linear(3, 2).double()
            x = torch.randn(5, 3, dtype=torch.float64)
            with torch.no_grad():
                save_file({**lin.state_dict(), "x": x, "y": lin(x)}, "linear64.safetensors")
            np.save("x.npy", x.numpy())
            """, in: dir)
        #expect(status == 0, "\(output)")
        let back = try Command.script("""
            local s = torch.load("linear64.safetensors")
            assert(s.weight.dtype == "torch.float64", s.weight.dtype)
            local lin = nn.Linear(3, 2):double()
            lin:load_state_dict({weight = s.weight, bias = s.bias})
            local d = (lin(s.x) - s.y):abs():max():item()
            assert(d < 1e-12, d)
            local x = torch.load_npy("x.npy")
            assert(x.dtype == "torch.float64" and torch.equal(x, s.x))
            torch.save_npz("back.npz", {x = x, n = torch.arange(3)})
            """)
        let r2 = try Command.run([back.path], directory: dir)
        #expect(r2.status == 0, "\(r2.stdout)\(r2.stderr)")
        let (status3, output3) = try PyTorch.run("""
            import numpy as np
            z = np.load("back.npz")
            assert z["x"].dtype == np.float64 and z["n"].dtype == np.int64, (z["x"].dtype, z["n"].dtype)
            assert (z["n"] == np.arange(3)).all()
            assert np.array_equal(z["x"], np.load("x.npy"))
            """, in: dir)
        #expect(status3 == 0, "\(output3)")
    }
}
