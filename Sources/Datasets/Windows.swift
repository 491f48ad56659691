// Cutting a long series into training windows: every window of seq_len + 1
// consecutive values gives x (the first seq_len) and y (the same, one step
// later), batched [batch, seq_len, 1], optionally shuffled, optionally one rank's share.

import Tensors

public final class WindowBatches {
    /// One rank's part of the windows in a data-parallel job (PyTorch's DistributedSampler):
    /// the same order on every rank, padded by repeating its head to a multiple of
    /// `worldSize` (or cut, with drop_last), and rank r takes every worldSize-th window from r.
    public struct Shard {
        public let rank: Int, worldSize: Int
        public init(rank: Int, worldSize: Int) throws(TensorError) {
            guard worldSize >= 1 && worldSize <= 1_000_000 else { throw TensorError("world_size must be between 1 and 1000000, got \(worldSize)") }
            guard rank >= 0 && rank < worldSize else {
                throw TensorError("rank \(rank) is not in 0 to \(worldSize - 1) (ranks are 0-based)")
            }
            self.rank = rank
            self.worldSize = worldSize
        }
    }

    public let series: [Float]
    public let length: Int
    public let batch: Int
    private let allStarts: [Int]
    private let shuffle: Bool, dropLast: Bool
    private let seed: UInt64?
    private let shard: Shard?
    private let generator: Generator
    private var starts: [Int] = []
    private var position = 0

    /// With a `seed`, the shuffle draws from its own generator seeded with seed + epoch (so
    /// every rank draws the same order and set_epoch reshuffles); without, from `generator`.
    /// A sharded shuffle always has a seed (0 by default, as PyTorch's).
    public init(series: [Float], length: Int, batch: Int, stride: Int = 1, shuffle: Bool = false,
                dropLast: Bool = false, generator: Generator = .shared, seed: UInt64? = nil, shard: Shard? = nil,
                epoch: Int = 0) throws(TensorError) {
        guard length >= 1 else { throw TensorError("seq_len must be at least 1, got \(length)") }
        guard batch >= 1 else { throw TensorError("batch must be at least 1, got \(batch)") }
        guard stride >= 1 else { throw TensorError("stride must be at least 1, got \(stride)") }
        guard series.count > length else {
            throw TensorError("a series of \(series.count) values is too short for windows of \(length) + 1")
        }
        self.allStarts = Array(Swift.stride(from: 0, through: series.count - length - 1, by: stride))
        self.series = series
        self.length = length
        self.batch = batch
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed ?? (shard != nil ? 0 : nil)
        self.shard = shard
        self.generator = generator
        try setEpoch(epoch)
    }

    /// Orders the windows for `epoch` and starts again from the first batch.
    public func setEpoch(_ epoch: Int) throws(TensorError) {
        guard epoch >= 0 else { throw TensorError("epoch must be non-negative, got \(epoch)") }
        var order = allStarts
        if shuffle {
            let g = seed.map { Generator(seed: $0 &+ UInt64(epoch)) } ?? generator
            order = g.permutation(order.count).map { order[$0] }
        }
        if let shard, shard.worldSize > 1 {
            let w = shard.worldSize
            if dropLast {
                order = Array(order.prefix(order.count - order.count % w))
            } else if order.count % w != 0 {
                let padding = w - order.count % w
                order += (0..<padding).map { order[$0 % order.count] }
            }
            order = Swift.stride(from: shard.rank, to: order.count, by: w).map { order[$0] }
        }
        if dropLast { order = Array(order.prefix(order.count - order.count % batch)) }
        starts = order
        position = 0
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
