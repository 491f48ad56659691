// Cutting a long series into training windows: every window of seq_len + 1
// consecutive values gives x (the first seq_len) and y (the same, one step
// later), batched [batch, seq_len, 1], optionally shuffled by the shared generator.

import Tensors

public final class WindowBatches {
    public let series: [Float]
    public let length: Int
    public let batch: Int
    private let starts: [Int]
    private var position = 0

    public init(series: [Float], length: Int, batch: Int, stride: Int = 1, shuffle: Bool = false,
                dropLast: Bool = false, generator: Generator = .shared) throws(TensorError) {
        guard length >= 1 else { throw TensorError("seq_len must be at least 1, got \(length)") }
        guard batch >= 1 else { throw TensorError("batch must be at least 1, got \(batch)") }
        guard stride >= 1 else { throw TensorError("stride must be at least 1, got \(stride)") }
        guard series.count > length else {
            throw TensorError("a series of \(series.count) values is too short for windows of \(length) + 1")
        }
        var starts = Array(Swift.stride(from: 0, through: series.count - length - 1, by: stride))
        if shuffle { starts = generator.permutation(starts.count).map { starts[$0] } }
        if dropLast { starts = Array(starts.prefix(starts.count - starts.count % batch)) }
        self.series = series
        self.length = length
        self.batch = batch
        self.starts = starts
    }

    public var count: Int { starts.count / batch + (starts.count % batch == 0 ? 0 : 1) }

    /// The next batch, or nil when all windows were given.
    public func next() -> (x: Tensor, y: Tensor)? {
        guard position < starts.count else { return nil }
        let chosen = starts[position..<position + Swift.min(batch, starts.count - position)]
        position += chosen.count
        let x = Tensor(uninitializedShape: [chosen.count, length, 1]), y = Tensor(uninitializedShape: [chosen.count, length, 1])
        for (b, s) in chosen.enumerated() {
            for t in 0..<length {
                x.data[b * length + t] = series[s + t]
                y.data[b * length + t] = series[s + t + 1]
            }
        }
        return (x, y)
    }
}
