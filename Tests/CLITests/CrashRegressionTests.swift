// Inputs that once killed lstmlua (issue 10), each run in a child process so that a
// crash fails its test, quoting the code, instead of killing the test runner.

import Foundation
import Testing

/// Runs `code` with `lstmlua -e`; the result, after checking it ended by exiting (not by a signal).
func survive(_ code: String, arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
    let r = try Command.run(["-e", code] + arguments, killAfter: 60)
    #expect(r.status == 0 || r.status == 1, "lstmlua -e '\(code)' died or hung (status \(r.status)):\n\(r.stderr.suffix(2000))",
            sourceLocation: sourceLocation)
    return r
}

/// Runs `code`, expecting it to print `output` and succeed.
func runs(_ code: String, printing output: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let r = try survive(code, sourceLocation: sourceLocation)
    #expect(r.status == 0, "lstmlua -e '\(code)':\n\(r.stderr.suffix(2000))", sourceLocation: sourceLocation)
    #expect(r.stdout == output + "\n", "lstmlua -e '\(code)'", sourceLocation: sourceLocation)
}

/// Runs `code`, expecting a Lua error whose message contains `message`.
func fails(_ code: String, with message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let r = try survive(code, sourceLocation: sourceLocation)
    #expect(r.status == 1, "lstmlua -e '\(code)' did not fail", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(message), "lstmlua -e '\(code)':\n\(r.stderr.prefix(2000))", sourceLocation: sourceLocation)
}

@Suite(.serialized) struct CrashRegressionTests {
    // MARK: Stack room

    /// The API fuzzer's hang: a node with a million edges (a stack of a million views) took
    /// its teardown's deduplication quadratically (hours); a set makes it linear.
    @Test func aNodeWithAMillionEdgesIsFreedAtOnce() throws {
        try runs("""
            local x = torch.randn(1000000, {requires_grad = true})
            local y = torch.stack(x:unbind()) y:sum():backward()
            y = nil collectgarbage() print(x.grad:sum():item())
            """, printing: "1000000.0")
    }

    /// chunk, split and unbind give lists (PyTorch's tuples): as many pieces as the
    /// tensor allows, none of them on the stack.
    @Test func manyPiecesComeAsAList() throws {
        try runs("local t = torch.zeros(100000):chunk(100000) print(#t, t[100000]:size(1))", printing: "100000\t1")
        try runs("local t = torch.chunk(torch.zeros(100000, 1), 100000) print(#t)", printing: "100000")
        try runs("print(#torch.zeros(2000000):chunk(2000000), #torch.zeros(2000000):split(1), #torch.zeros(3000000):unbind())",
                 printing: "2000000\t2000000\t3000000")
    }

    /// The API fuzzer's find (seed 3): tiling nothing 2^32 times built 2^32 references first.
    /// Empty tensors with a huge dimension: nothing may be allocated per piece or per line.
    @Test func splitAndTileOfHugeCountsAllocateNothingPerPiece() throws {
        try runs("print(torch.zeros(0):tile(1 << 32):numel(), select(\"#\", torch.zeros(3):split(1 << 62)))", printing: "0\t1")
        try runs("print(torch.zeros(2, 0):tile(1 << 30, 3):size(1))", printing: "2147483648")
        // as many empty lines as that: sort, topk and cumsum walk none of them
        try runs("local x = torch.zeros(1 << 32, 0) print(x:sort(2):numel(), x:topk(0):numel(), x:cumsum(2):numel())", printing: "0\t0\t0")
        try runs("local x = torch.zeros(1 << 32, 0, {requires_grad = true}) x:sort(2):sum():backward() print(x.grad:numel())", printing: "0")
    }

    // 8000, not 100 000: swift-argument-parser takes time quadratic in passed-through arguments.
    @Test func scriptArgumentsCheckStackRoom() throws {
        let s = try Command.script("local n = select('#', ...) print(n, (select(n, ...)), #arg)")
        let r = try Command.run([s.path] + (1...8000).map(String.init), killAfter: 60)
        #expect(r.status == 0, "\(r.stderr.suffix(2000))")
        #expect(r.stdout == "8000\t8000\t8000\n")
    }

    @Test func gradcheckArgumentsCheckStackRoom() throws {
        try runs("""
            local xs = {}
            for i = 1, 100000 do xs[i] = torch.ones(1, {requires_grad = i == 1}) end
            print(torch.autograd.gradcheck(function(...) local n = select('#', ...) return (...) * n end, xs))
            """, printing: "true")
    }

    // MARK: Strides

    @Test func zeroGradOfAnExpandedGradient() throws {
        try runs("""
            local w = torch.zeros(100000, {requires_grad = true})
            w.grad = torch.ones(1):expand(100000)
            local opt = optim.SGD({w}, 0.1)
            opt:zero_grad(false)
            local big = {}
            for i = 1, 100 do big[i] = torch.ones(1000) end
            print(w.grad:sum():item(), w.grad:size(1))
            """, printing: "0.0\t100000")
    }

    // MARK: Long graphs

    @Test func longAutogradGraphsAreTornDownWithoutRecursion() throws {
        try runs("""
            local x = torch.zeros(1, {requires_grad = true})
            local y = x
            for i = 1, 1000000 do y = y + 1 end
            y:backward()
            y = nil
            collectgarbage()
            print(x.grad:item())
            """, printing: "1.0")
        try runs("""
            local x = torch.zeros(1, {requires_grad = true})
            local y = x
            for i = 1, 1000000 do y = y + 1 end
            y = nil
            collectgarbage()
            print(x.grad)
            """, printing: "nil")
    }

    // MARK: Userdata release

    /// Lua's allocator releases a tensor when Lua frees its handle's block, found by the
    /// block's address: freed strings (and the buffers that build them) whose bytes copy a
    /// handle's layout, with Tensor's tag and a bogus object pointer at every offset,
    /// release nothing.
    @Test func bytesShapedLikeATensorHandleReleaseNothing() throws {
        try runs("""
            local h = 0xcbf29ce484222325
            for b in ("Tensor"):gmatch(".") do h = (h ~ b:byte()) * 0x100000001b3 end
            local pattern = string.rep(string.pack("<i8i8", h | 1, 0x1000), 8)
            local n = 0
            for round = 1, 20 do
              local keep = {}
              for len = 1, 100 do
                for off = 0, 15 do keep[#keep + 1] = pattern:sub(1 + off, off + len) .. round end
              end
              keep = nil
              collectgarbage()
              n = n + 1
            end
            print(n, torch.ones(3):sum():item())
            """, printing: "20\t3.0")
    }

    /// A Lua finalizer that makes a userdata runs inside the collector's step of the
    /// allocation of another one, before that one is adopted: adopting it aborted.
    @Test func finalizersThatMakeHandlesDuringAnAllocation() throws {
        try runs("""
            setmetatable({}, {__gc = function() local _ = torch.zeros(1) end})
            local keep = {}
            for i = 1, 200 do setmetatable({}, {__gc = function() keep[#keep % 50 + 1] = torch.ones(2) end}) end
            setmetatable({}, {__gc = function() local f = io.tmpfile() f:close() end})
            for i = 1, 100000 do local t = torch.zeros(1) end
            collectgarbage()
            print("survived", #keep > 0 and keep[1]:sum():item())
            """, printing: "survived\t2.0")
    }

    // MARK: Traps

    @Test func raggedNestingInTensorIsAnError() throws {
        try fails("torch.tensor({{1}, {{2, 3}}})", with: "bad argument #1 to 'tensor' (expected a number at [2][1], got a table)")
        try fails("torch.tensor({{1}, {{}}})", with: "bad argument #1 to 'tensor' (expected a number at [2][1], got a table)")
    }

    @Test func zeroDimensionalTensorsTakeDimOneAndMinusOne() throws {
        try runs("print(torch.sum(torch.tensor(5.0), 1), torch.tensor(5.0):sum():mean(-1))", printing: "tensor(5.)\ttensor(5.)")
        try runs("""
            local five = torch.tensor(5.0)
            local values, indices = five:max(1)
            local x = torch.tensor(2.0, {requires_grad = true})
            ;(x:sum(1):mean(-1) * 3):backward()
            print(five:sum(-1, true):dim(), five:sum({dim = 1}):item(), five:mean(1, true):dim(),
                  values:item(), indices:item(), x.grad:item(), pcall(function() return five:sum(2) end))
            """, printing: "0\t5.0\t0\t5.0\t1\t3.0\tfalse\t(command line):6: bad argument #1 to 'sum' (dimension 2 out of range (expected 1 to 1, or -1 to -1))")
    }

    @Test func integerOverflowIsALuaError() throws {
        try runs("""
            local function range(...) local out = {} for i in torch.progress(...) do out[#out + 1] = i end return table.concat(out, " ") end
            torch.progress(math.mininteger, math.maxinteger, {disable = true})
            print(range(1, 0, math.mininteger, {disable = true}), range(math.maxinteger - 1, math.maxinteger, {disable = true}),
                  range(math.mininteger, math.mininteger + 1, {disable = true}), range(10, 1, math.mininteger, {disable = true}),
                  range(1, 10, 3, {disable = true}))
            """, printing: "1\t9223372036854775806 9223372036854775807\t-9223372036854775808 -9223372036854775807\t10\t1 4 7 10")
        try runs("print(torch.randint(math.mininteger, math.maxinteger, {1000}):numel(), #torch.chunk(torch.ones(5), math.maxinteger))",
                 printing: "1000\t5")
        try fails("torch.narrow(torch.ones(5), 1, 2, math.maxinteger)",
                  with: "bad argument #4 to 'narrow' (start (2) + length (9223372036854775807) exceeds dimension size (5))")
        try fails("nn.GRUCell(4, 2^62)", with: "bad argument #1 to 'GRUCell' (input_size 4, hidden_size 4611686018427387904 and num_layers 1 make more than")
        try fails("nn.LSTM(100, 2^62)", with: "bad argument #1 to 'LSTM' (input_size 100, hidden_size 4611686018427387904")
        try fails("nn.functional.embedding(torch.tensor({1}), torch.ones(3, 2), math.mininteger)",
                  with: "bad argument #3 to 'embedding' (padding_idx must be within num_embeddings")
        try fails("nn.functional.embedding(torch.tensor({-2^63}), torch.ones(3, 2))", with: "bad argument #1 to 'embedding' (indices must be integers")
        try fails("data.windows(torch.arange(10), math.maxinteger)", with: "bad argument #2 to 'windows' (a series of 10 values is too short")
        try runs("print(#data.windows(torch.arange(10), 3, {batch = math.maxinteger}))", printing: "1")
        // refused by expand where the machine has less than 32 GiB, else by the product's count
        try fails("local a, b = torch.ones(1, 1):expand(2^31, 1), torch.ones(1, 1):expand(1, 2^33) return a + b", with: "bad argument #")
        try fails("return torch.ones(1, 1):expand(2^33, 1):matmul(torch.ones(1, 1):expand(1, 2^33))", with: "bad argument #")
        try fails("return torch.ones(1, 1):expand(2^20, 1) + torch.ones(1, 1):expand(1, 2^20)",
                  with: "bad argument #2 to 'add' (shapes [1048576, 1] and [1, 1048576] broadcast to [1048576, 1048576], more than 8589934592 elements)")
        try fails("return torch.ones(1, 1):expand(2^20, 1):matmul(torch.ones(1, 1):expand(1, 2^20))",
                  with: "bad argument #1 to 'matmul' (the product of [1048576, 1] and [1, 1048576] needs more than 8589934592 elements)")
        try fails("local opt = optim.SGD({torch.zeros(1, {requires_grad = true})}, 0.1) optim.lr_scheduler.CosineAnnealingLR(opt, 2^62)",
                  with: "T_max must be at most 2^53")
        let r = try survive("plot.line({1e308, -1e308}):show() plot.line({-1e308, 1e308, 0}):show({columns = 30}) "
                            + "plot.line({1, 2, 3}):xticks({2}, {string.rep('x', 100)}):show()")   // a tick label wider than the axis
        #expect(r.status == 0, "\(r.stderr.prefix(2000))")
    }

    // MARK: Allocation

    /// Runs `code` under a 4 GB address-space limit, expecting a Lua error containing `message`.
    func refusedUnderLimit(_ code: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try Command.run(["-e", code], killAfter: 60, memoryLimitKB: 4_000_000)
        #expect(r.status == 1, "lstmlua -e '\(code)' under ulimit -v: status \(r.status)\n\(r.stderr.prefix(2000))",
                sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "lstmlua -e '\(code)':\n\(r.stderr.prefix(2000))", sourceLocation: sourceLocation)
    }

    @Test func sizesTheMachineCannotHoldAreRefusedBeforeAllocating() throws {
        try refusedUnderLimit("torch.zeros(2^33)", "bad argument #1 to 'zeros' (cannot allocate 32 GiB for a tensor of size [8589934592])")
        try refusedUnderLimit("torch.ones(2^30)", "bad argument #1 to 'ones' (cannot allocate 4 GiB for a tensor of size [1073741824])")
        try refusedUnderLimit("torch.randperm(2^32)", "bad argument #1 to 'randperm' (cannot allocate 64 GiB for a tensor of size [4294967296])")
        try refusedUnderLimit("nn.LSTM(1, 2^31)", "bad argument #1 to 'LSTM' (input_size 1, hidden_size 2147483648 and num_layers 1 make more than")
        try refusedUnderLimit("nn.LSTM(1, 20000)", "bad argument #1 to 'LSTM' (input_size 1, hidden_size 20000 and num_layers 1 make 1600240000 parameters; with their gradients, 11.9 GiB, more than this machine can hold)")
        try refusedUnderLimit("nn.LSTM(10, 1e9)", "bad argument #1 to 'LSTM' (input_size 10, hidden_size 1000000000")
        try refusedUnderLimit("nn.GRU(3, 3, 2^53)", "bad argument #1 to 'GRU' (num_layers must be at most 10000, got 9007199254740992)")
        try refusedUnderLimit("return torch.ones(1, 1):expand(2^20, 1) + torch.ones(1, 1):expand(1, 2^20)", "bad argument #2 to 'add' (shapes")
        try refusedUnderLimit("return torch.ones(1, 1):expand(2^16, 1) * torch.ones(1, 1):expand(1, 2^16)",
                              "bad argument #2 to 'mul' (cannot allocate 16 GiB for a tensor of size [65536, 65536])")
        try refusedUnderLimit("return torch.ones(1):expand(2^30) * 2", "bad argument #1 to 'expand' (cannot allocate 4 GiB")
        try refusedUnderLimit("return torch.linspace(0, 1, 2^30)", "bad argument #3 to 'linspace' (cannot allocate 4 GiB")
        try refusedUnderLimit("local x = torch.ones(2^27) return torch.cat({x, x, x, x, x, x, x, x})", "bad argument #1 to 'cat' (cannot allocate 4 GiB")
        // what fits is still made
        let r = try Command.run(["-e", "print(torch.zeros(2^27):numel())"], killAfter: 60, memoryLimitKB: 4_000_000)
        #expect(r.stdout == "134217728\n", "\(r.stderr.prefix(2000))")
    }

    // MARK: Threads

    // The SIGINT and SIGALRM handlers call lua_sethook on the state the main thread runs.
    @Test func workerThreadsBlockInterruptSignals() throws {
        let s = try Command.script("""
            torch.set_num_threads(3)
            torch.mm(torch.randn(1200, 200), torch.randn(200, 120))  -- 4 blocks: every thread busy
            local pid = io.open("/proc/self/stat"):read("l"):match("^(%d+)")
            local workers, blocking, main = 0, 0, nil
            for tid in io.popen("ls /proc/" .. pid .. "/task"):lines() do
              local status = io.open("/proc/" .. pid .. "/task/" .. tid .. "/status"):read("a")
              local mask = tonumber(status:match("SigBlk:%s*(%x+)"), 16)
              local both = mask & 0x2002 == 0x2002  -- bits of SIGINT (2) and SIGALRM (14)
              if tid == pid then main = both else
                workers = workers + 1
                if both then blocking = blocking + 1 end
              end
            end
            print(main, workers >= 2, blocking == workers)
            """)
        let r = try Command.run([s.path], killAfter: 60)
        #expect(r.status == 0, "\(r.stderr.prefix(2000))")
        #expect(r.stdout == "false\ttrue\ttrue\n")
    }

    // Values pushed past the stack's end are lost when it grows, so the numbers printed show it.
    @Test func notebookCellResultsCheckStackRoom() throws {
        let url = try notebookCopy("""
            -- %% Many
            t = {}
            for i = 1, 100000 do t[i] = i end
            table.unpack(t, 1, 45)

            -- %% Lots
            table.unpack(t)

            -- %% After
            1 + 1

            """)
        let r = try Command.run(["replay", "--update", url.path], killAfter: 60)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr.suffix(2000))")
        let text = try String(contentsOf: url, encoding: .utf8)
        let values = text.split(separator: "\n").filter { $0.hasPrefix("--= ") }
        #expect(values.count == 3)
        #expect(values.first == "--= " + (1...45).map(String.init).joined(separator: "\t"))
        #expect(values.dropFirst().first == "--= " + (1...100_000).map(String.init).joined(separator: "\t"))
        #expect(values.last == "--= 2")
    }

    @Test func replResultsCheckStackRoom() throws {
        let s = try PTYSession(environment: ["LSTMLUA_HISTORY": FileManager.default.temporaryDirectory
            .appendingPathComponent("lstmlua-history-\(UUID().uuidString)").path])
        try s.prompt()
        s.send("t = {} for i = 1, 100000 do t[i] = i end\r")
        try s.prompt()
        s.send("table.unpack(t, 1, 45)\r")
        #expect(try s.prompt().contains((1...45).map(String.init).joined(separator: "\t") + "\n"))
        s.send("table.unpack(t)\r")
        let shown = try s.prompt()
        #expect(shown.contains("\n1\t2\t3\t"))
        #expect(shown.contains("\t99999\t100000\n"))
        #expect(shown.components(separatedBy: "\t").count == 100_000)
        s.send("1 + 1\r")
        #expect(try s.prompt().contains("\n2\n"))
        s.send("\u{04}")
        #expect(try s.wait() == 0)
    }
}
