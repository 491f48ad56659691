// The Swift core on its own, without Lua: shapes, views, the generator,
// printing, the kernels' agreement with plain references, and autograd's engine.

import Foundation
import Testing
import Tensors

@Suite(.serialized) struct ShapeTests {
    @Test func dimsBehaveLikeAnArray() {
        var d: Dims = [2, 3, 4]
        #expect(d.count == 3)
        #expect(Array(d) == [2, 3, 4])
        d.insert(1, at: 1)
        #expect(Array(d) == [2, 1, 3, 4])
        #expect(d.remove(at: 0) == 2)
        #expect(d == [1, 3, 4])
        #expect(d + [5] == [1, 3, 4, 5])
        #expect(d.slice(1..<3) == [3, 4])
        #expect(Dims(repeating: 7, count: 8).count == Dims.maxRank)
    }

    @Test func broadcastingFollowsPyTorch() {
        #expect(Shape.broadcast([3, 1], [4]) == [3, 4])
        #expect(Shape.broadcast([2, 1, 5], [3, 1]) == [2, 3, 5])
        #expect(Shape.broadcast([3], [4]) == nil)
        #expect(Shape.broadcastStrides([3, 1], [1, 1], to: [2, 3, 4]) == [0, 1, 0])
    }

    @Test func contiguityIgnoresSizeOneDimensions() {
        #expect(Shape.isContiguous([2, 1, 3], [3, 99, 1]))
        #expect(!Shape.isContiguous([2, 3], [1, 2]))
        #expect(Shape.contiguousStrides([2, 3, 4]) == [12, 4, 1])
    }

    @Test func viewFollowsPyTorchsStrideRules() throws {
        let t = Tensor(repeating: 0, shape: [2, 3, 4]).transpose(1, 2)   // [2, 4, 3], strides [12, 1, 4]
        #expect(throws: TensorError.self) { try t.view([2, 12]) }
        #expect(try t.view([2, 4, 3]).strides == [12, 1, 4])
        #expect(try t.view([1, 2, 4, 3]).shape == [1, 2, 4, 3])
        let n = Tensor(repeating: 0, shape: [4, 6]).narrow(1, start: 0, length: 3)   // [4, 3], strides [6, 1]
        #expect(try n.view([4, 3, 1]).strides == [6, 1, 1])
        #expect(throws: TensorError.self) { try n.view([12]) }
        #expect(try n.reshape([12]).isContiguous)
    }
}

@Suite(.serialized) struct GeneratorTests {
    @Test func mt19937MatchesTheStandard() {
        // std::mt19937 with the default seed 5489: the 10000th output is 4123659995.
        let mt = Generator(seed: 5489)
        var v: UInt32 = 0
        for _ in 0..<10000 { v = mt.random() }
        #expect(v == 4_123_659_995)
    }

    @Test func sameSeedSameNumbers() {
        let g = Generator(seed: 42)
        let a = (0..<5).map { _ in g.uniformFloat() }
        g.manualSeed(42)
        let b = (0..<5).map { _ in g.uniformFloat() }
        #expect(a == b)
        #expect(a.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    @Test func permutationIsAPermutation() {
        let p = Generator(seed: 1).permutation(50)
        #expect(p.sorted() == Array(0..<50))
    }
}

@Suite(.serialized) struct FormattingTests {
    @Test func printsAsPyTorchDoes() {
        #expect(Tensor([0.1, 0.2], shape: [1, 2]).description == "tensor([[0.1000, 0.2000]])")
        #expect(Tensor([1, 2, 3], shape: [3]).description == "tensor([1., 2., 3.])")
        #expect(Tensor(scalar: 0.5).description == "tensor(0.5000)")
        #expect(Tensor([1e-5, 1], shape: [2]).description == "tensor([1.0000e-05, 1.0000e+00])")
        #expect(Tensor([-1, 2.5], shape: [2]).description == "tensor([-1.0000,  2.5000])")
        #expect(Tensor.zeros([0]).description == "tensor([])")
        let big = Tensor.zeros([2000]).description
        #expect(big == "tensor([0., 0., 0.,  ..., 0., 0., 0.])")
    }

    @Test func showsInt64PastTwoToThe53Exactly() throws {
        let t = try Tensor.arange(9_007_199_254_740_991, 9_007_199_254_740_994, 1)
        #expect(t.description == "tensor([9007199254740991, 9007199254740992, 9007199254740993])")
        let html = try #require(t.htmlTable())
        #expect(html.contains(">9007199254740993</td>") && html.contains(">9007199254740992</td>"))
    }

    @Test func notesGradients() throws {
        let x = Tensor([1, 2], shape: [2])
        try x.setRequiresGrad(true)
        #expect(x.description == "tensor([1., 2.], requires_grad=True)")
        #expect(x.mul(2).description == "tensor([2., 4.], grad_fn=<MulBackward0>)")
    }
}

@Suite(.serialized) struct KernelTests {
    /// The plain triple loop, in Double.
    func reference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { c[i * n + j] += Double(a[i * k + p]) * Double(b[p * n + j]) } } }
        return c
    }

    @Test(arguments: [(1, 40, 10), (3, 5, 7), (49, 40, 1), (64, 96, 80), (17, 33, 129)])
    func gemmAgreesWithTheReference(_ size: (Int, Int, Int)) {
        let (m, n, k) = size
        let g = Generator(seed: UInt64(m * 1000 + n * 10 + k))
        let a = (0..<(m * k)).map { _ in g.uniformFloat(-1, 1) }, b = (0..<(k * n)).map { _ in g.uniformFloat(-1, 1) }
        let expected = reference(a, b, m: m, n: n, k: k)
        // every transposition, through both the small loops and BLAS
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let at = ta ? (0..<(k * m)).map { a[($0 % m) * k + $0 / m] } : a
            let bt = tb ? (0..<(n * k)).map { b[($0 % k) * n + $0 / k] } : b
            var c = [Float](repeating: 9, count: m * n)
            Gemm.run(transA: ta, transB: tb, m: m, n: n, k: k, a: at, lda: ta ? m : k, b: bt, ldb: tb ? k : n,
                     beta: 0, c: &c, ldc: n)
            let worst = zip(c, expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-4, "transA \(ta) transB \(tb): error \(worst)")
        }
    }

    @Test func vectorMathIsWithinTwoUlp() {
        var worstExp = 0.0, worstTanh = 0.0, worstSigmoid = 0.0
        var xs: [Float] = []
        var x: Float = -20
        while x < 20 { xs.append(x); x += 0.00731 }
        xs += [0, -0, 1e-8, -1e-8, 0.625, -0.625, 88, -87]
        var e = xs, t = xs, s = xs
        VectorMath.exp(&e, count: e.count)
        VectorMath.tanh(&t, count: t.count)
        VectorMath.sigmoid(&s, count: s.count)
        for (i, v) in xs.enumerated() {
            let d = Double(v)
            func ulps(_ got: Float, _ want: Double) -> Double {
                abs(Double(got) - want) / Double(Float(want).ulp == 0 ? Float.leastNormalMagnitude : Float(want).ulp)
            }
            worstExp = max(worstExp, ulps(e[i], Foundation.exp(d)))
            worstTanh = max(worstTanh, ulps(t[i], Foundation.tanh(d)))
            worstSigmoid = max(worstSigmoid, ulps(s[i], 1 / (1 + Foundation.exp(-d))))
        }
        #expect(worstExp <= 2, "exp: \(worstExp) ulp")
        #expect(worstTanh <= 2, "tanh: \(worstTanh) ulp")
        #expect(worstSigmoid <= 3, "sigmoid: \(worstSigmoid) ulp")
        var special: [Float] = [.infinity, -.infinity, .nan, 200, -200]
        VectorMath.exp(&special, count: 5)
        #expect(special[0] == .infinity && special[1] == 0 && special[2].isNaN && special[3] == .infinity && special[4] == 0)
    }
}

@Suite(.serialized) struct AutogradTests {
    @Test func gradientsSumOverEveryPath() throws {
        // y = x·x + 3x through two paths into one node: dy/dx = 2x + 3
        let x = Tensor([1, 2, 3], shape: [3])
        try x.setRequiresGrad(true)
        let y = try x.mul(x).add(x.mul(3)).sum()
        try y.backward()
        #expect(x.grad?.values == [5, 7, 9])
    }

    @Test func retainGradKeepsANonLeafGradient() throws {
        let x = Tensor([1, 2], shape: [2])
        try x.setRequiresGrad(true)
        let h = x.mul(2)
        try h.retainGrad()
        try h.mul(h).sum().backward()
        #expect(h.grad?.values == [4, 8])
        #expect(x.grad?.values == [8, 16])
    }

    /// What DistributedDataParallel relies on: each leaf reported once per backward, after
    /// its last gradient arrived (a leaf on several paths), then the end; nothing once
    /// the observer is gone.
    @Test func observersHearEachLeafOnceWhenItsGradientIsComplete() throws {
        final class Recorder: BackwardObserver {
            var events: [String] = []
            let names: [ObjectIdentifier: String]
            init(_ names: [ObjectIdentifier: String]) { self.names = names }
            func gradientReady(_ leaf: Tensor) throws(TensorError) {
                events.append("\(names[ObjectIdentifier(leaf)] ?? "?")=\(leaf.grad?.values ?? [])")
            }
            func backwardEnded(completed: Bool) throws(TensorError) { events.append("end \(completed)") }
        }
        let x = Tensor([1, 2, 3], shape: [3]), w = Tensor([2], shape: [1])
        try x.setRequiresGrad(true)
        try w.setRequiresGrad(true)
        var recorder: Recorder? = Recorder([ObjectIdentifier(x): "x", ObjectIdentifier(w): "w"])
        TensorContext.current.addBackwardObserver(recorder!)
        // x reaches the sum through three paths, w through one
        try x.mul(x).add(x.mul(w)).sum().backward()
        #expect(recorder!.events.count == 3)
        #expect(recorder!.events.contains("x=[4.0, 6.0, 8.0]"))
        #expect(recorder!.events.contains("w=[6.0]"))
        #expect(recorder!.events.last == "end true")
        weak var gone = recorder
        recorder = nil
        #expect(gone == nil)
        try x.mul(2).sum().backward()   // nobody listens, nothing breaks
        #expect(x.grad?.values == [6, 8, 10])
    }

    @Test func noGradRecordsNothing() throws {
        let x = Tensor([1], shape: [1])
        try x.setRequiresGrad(true)
        let y = GradMode.with(enabled: false) { x.mul(2) }
        #expect(!y.requiresGrad && y.gradFn == nil)
    }

    @Test func gradcheckCatchesAWrongDerivative() throws {
        let x = Tensor([0.3, -0.7], shape: [2])
        try x.setRequiresGrad(true)
        let good = try GradCheck.check([x]) { xs in [xs[0].sin()] }
        #expect(good.passed)
        let bad = try GradCheck.check([x]) { xs in [try xs[0].mul(xs[0].detach())] }
        #expect(!bad.passed)
    }

    @Test func storageMemoryIsCounted() {
        let before = StorageMemory.liveBytes
        var t: Tensor? = Tensor(repeating: 1, shape: [1000])
        #expect(StorageMemory.liveBytes >= before + 4000)
        _ = t
        t = nil
        #expect(StorageMemory.liveBytes == before)
    }

    @Test func pressureIsRelievedBeforeTheNewBlockIsTaken() {
        // The hook frees what was dropped before the block that set it off exists, so that
        // block can take the freed memory; it sees the block's bytes as pending.
        let context = TensorContext()
        context.makeCurrent()
        defer { context.resign() }
        var dropped: Tensor? = Tensor(repeating: 1, shape: [1000])
        let afterDrop = context.memory.liveBytes
        var seen: (live: Int, pending: Int, droppedAlive: Bool)?
        context.memory.threshold = afterDrop + 100
        context.memory.onPressure = { [weak context] in
            guard let memory = context?.memory else { return }
            seen = (memory.liveBytes, memory.pendingBytes, dropped != nil)
            dropped = nil
            memory.threshold = Int.max
        }
        let fresh = Tensor(repeating: 2, shape: [500])
        #expect(seen?.live == afterDrop, "the new block is not counted yet")
        #expect(seen?.pending == 500 * 4 + StorageMemory.objectOverhead)
        #expect(seen?.droppedAlive == true)
        #expect(context.memory.liveBytes == 500 * 4 + StorageMemory.objectOverhead, "freed in the hook, then the new block counted")
        #expect(context.memory.pendingBytes == 0)
        _ = fresh
    }
}
