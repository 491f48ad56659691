// Every instruction set's kernels give the same bits (Sources/CKernels/kernel_bodies.h):
// the AVX-512 clone computes exp, σ and tanh with instructions the others lack, so the
// pointwise maps and the softmax rows are run under each set this CPU has, and their
// results compared byte for byte.

import Foundation
import Testing

@Suite(.serialized) struct InstructionSetTests {
    @Test func transcendentalKernelsGiveTheSameBitsOnEveryInstructionSet() throws {
        let native = try Command.run(["-e", "io.write(torch.backends.blas_info().isa)"])
        #expect(native.status == 0, "\(native.stderr)")
        let order = ["baseline", "x86-64-v3", "avx512"]
        let sets = Array(order.prefix(through: order.firstIndex(of: native.stdout) ?? 0))
        let script = try Command.script("""
            local path = arg[1]
            torch.manual_seed(5)
            -- every float from -120 to 100 in a fine grid, special values, then random ones
            local x = torch.cat({torch.linspace(-120, 100, 1 << 20),
                                 torch.tensor({math.huge, -math.huge, 0/0, -(0/0), 1e-40, -1e-40, 0, -0.0, 89, -104,
                                               88.72, -87.34, 0.625, -0.625, 1e-8, 3e38, -3e38}),
                                 torch.randn(4099) * 30})
            local rows = torch.randn(301, 1037) * 20
            rows[7]:fill_(-math.huge); rows[8][5] = 0/0; rows[9][3] = math.huge
            local g = torch.randn(301, 1037)
            local r = {exp = x:exp(), sigmoid = x:sigmoid(), tanh = x:tanh()}
            local short = x:narrow(1, 1000, 37) * 0.1
            r.short_exp, r.short_sigmoid, r.short_tanh = short:exp(), short:sigmoid(), short:tanh()
            for _, name in ipairs({"softmax", "log_softmax"}) do
              local a = rows:clone():requires_grad_()
              local y = nn.functional[name](a, 2)
              y:mul(g):sum():backward()
              r[name], r[name .. "_grad"] = y:detach(), a.grad
            end
            local a = rows:narrow(1, 10, 200):clone():requires_grad_()
            local loss = nn.functional.cross_entropy(a, torch.randint(1, 1038, {200}))
            loss:backward()
            r.cross_entropy, r.cross_entropy_grad = loss:view(1):detach(), a.grad
            -- the gates of one recurrent step (products this small stay in lstmlua's own kernels)
            for _, H in ipairs({10, 37}) do
              local input = torch.randn(3, 7) * 3
              local h, c = nn.LSTMCell(7, H)(input, {torch.randn(3, H), torch.randn(3, H)})
              r["lstm_cell" .. H] = torch.cat({h, c}, 2):detach()
              r["gru_cell" .. H] = nn.GRUCell(7, H)(input, torch.randn(3, H)):detach()
            end
            -- a NaN is a NaN: which one an operation makes (sign, payload) is not compared
            for _, t in pairs(r) do t:masked_fill_(t:ne(t), 0/0) end
            torch.save(r, path)
            """)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("isa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String: Data] = [:]
        for set in sets {
            let out = dir.appendingPathComponent("\(set).safetensors")
            let r = try Command.run([script.path, out.path], environment: ["LSTMLUA_ISA": set])
            #expect(r.status == 0, "\(set): \(r.stderr)")
            files[set] = try Data(contentsOf: out)
        }
        for set in sets.dropFirst() {
            #expect(files[set] == files["baseline"], "\(set)'s results differ from the baseline's")
        }
    }
}
