// The article's data: windows of a sine curve. Each window samples
// sin over linspace(start, start + span, n), in double precision as the
// article's numpy code does, then becomes float: x = samples 1..n-1 and
// y = samples 2..n, so the model learns to predict the next sample.

import Foundation
import Tensors

public struct SineWave {
    public var numPoints = 50
    public var span = 10.0
    /// A fixed start for every window, or nil to draw one per row.
    public var start: Double? = nil
    /// Starts are drawn from the integers 0 ..< startMax.
    public var startMax = 10
    public var batch = 1
    public var amplitude = 1.0
    public var frequency = 1.0
    public var phase = 0.0
    /// Standard deviation of Gaussian noise added to the samples.
    public var noise = 0.0
    /// float32 or float64.
    public var dtype = DType.float32
    /// In a data-parallel job every rank draws the windows of all worldSize ranks (so the
    /// generator stays in step on every rank) and keeps rank's batch of them: together
    /// the ranks see what one process drawing batch × worldSize windows would.
    public var rank = 0
    public var worldSize = 1

    public init() {}

    public func validate() throws(TensorError) {
        guard numPoints >= 2 else { throw TensorError("num_points must be at least 2, got \(numPoints)") }
        guard numPoints <= 10_000_000 else { throw TensorError("num_points must be at most 10000000, got \(numPoints)") }
        guard batch >= 1 && batch <= 1_000_000 else { throw TensorError("batch must be between 1 and 1000000, got \(batch)") }
        guard startMax >= 1 || start != nil else { throw TensorError("start_max must be at least 1, got \(startMax)") }
        guard span.isFinite && span > 0 else { throw TensorError("span must be a positive number, got \(span)") }
        guard noise >= 0 && noise.isFinite else { throw TensorError("noise must be a non-negative number, got \(noise)") }
        guard Double(batch) * Double(numPoints) <= 1e8 else { throw TensorError("batch × num_points is too large") }
        guard worldSize >= 1 && worldSize <= 1_000_000 else { throw TensorError("world_size must be between 1 and 1000000, got \(worldSize)") }
        guard rank >= 0 && rank < worldSize else { throw TensorError("rank \(rank) is not in 0 to \(worldSize - 1) (ranks are 0-based)") }
        // every rank draws every rank's rows
        guard Double(batch) * Double(worldSize) <= 1e6 else { throw TensorError("batch × world_size must be at most 1000000") }
        guard Double(batch) * Double(worldSize) * Double(numPoints) <= 1e8 else { throw TensorError("batch × world_size × num_points is too large") }
    }

    /// numpy.linspace(start, start + span, n): i·step + start, the last point exactly the stop.
    public func timeSteps(from start: Double) -> [Double] {
        let step = span / Double(numPoints - 1)
        var t = (0..<numPoints).map { Double($0) * step + start }
        t[numPoints - 1] = start + span
        return t
    }

    /// x [batch, n-1, 1], y [batch, n-1, 1] and the time steps [batch, n], computed in
    /// float64 (numpy's sin) and rounded once to `dtype`.
    public func generate(generator: Generator = .shared) throws(TensorError) -> (x: Tensor, y: Tensor, t: Tensor) {
        try validate()
        switch dtype {
        case .float32: return generate(generator, Float.self)
        case .float64: return generate(generator, Double.self)
        default: throw TensorError("dtype must be torch.float32 or torch.float64, got \(dtype)")
        }
    }

    private func generate<T: TensorFloat>(_ generator: Generator, _: T.Type) -> (x: Tensor, y: Tensor, t: Tensor) {
        let n = numPoints
        let x = Tensor(uninitializedShape: [batch, n - 1, 1], dtype: T.dtype)
        let y = Tensor(uninitializedShape: [batch, n - 1, 1], dtype: T.dtype)
        let steps = Tensor(uninitializedShape: [batch, n], dtype: T.dtype)
        let (px, py, pt) = (x.elements(T.self), y.elements(T.self), steps.elements(T.self))
        for row in 0..<(batch * worldSize) {
            let s = start ?? Double(generator.integer(0, startMax))
            var noiseDraws: [Double] = []
            if noise > 0 { noiseDraws = (0..<n).map { _ in noise * generator.normalDouble() } }
            guard row / batch == rank else { continue }
            let b = row % batch
            let t = timeSteps(from: s)
            var samples = t.map { amplitude * sin(frequency * $0 + phase) }
            for i in 0..<noiseDraws.count { samples[i] += noiseDraws[i] }
            for i in 0..<n { pt[b * n + i] = T(t[i]) }
            for i in 0..<(n - 1) {
                px[b * (n - 1) + i] = T(samples[i])
                py[b * (n - 1) + i] = T(samples[i + 1])
            }
        }
        return (x, y, steps)
    }
}
