// DistributedDataParallel's gradient averaging: parameters in buckets of about 25 MB
// (PyTorch's bucket_cap_mb), in reverse order (backward reaches the last layers
// first). When backward has finished a bucket's every gradient, the bucket starts its
// all-reduce (MPI_Iallreduce) while backward goes on; buckets start in the same order
// on every rank, whatever order their gradients complete in. When backward ends, the
// rest start, all are waited for, and each gradient becomes the mean over the ranks.
//
// A backward that reaches none of the parameters (an evaluation, another model) is
// left alone. A parameter backward did not reach contributes its current .grad (or
// zeros), so every rank still takes part in every bucket.

import CMPI
import Tensors

#if canImport(Glibc)
import Glibc
#endif

public final class GradientReducer: BackwardObserver {
    struct Slot {
        let parameter: Tensor
        let offset: Int
    }

    final class Bucket {
        let dtype: DType
        var slots: [Slot] = []
        var count = 0
        lazy var buffer = Tensor(uninitializedShape: [count], dtype: dtype)
        var filled = Set<Int>()
        var request = lm_request_null()
        var launched = false
        init(dtype: DType) { self.dtype = dtype }
    }

    let group: ProcessGroup
    let buckets: [Bucket]
    /// Where each parameter lives: bucket and slot.
    private let place: [ObjectIdentifier: (bucket: Int, slot: Int)]
    /// no_sync switches this off: gradients then only accumulate locally.
    public var synchronizing = true
    private var active = false
    private var nextToLaunch = 0
    /// Seconds spent waiting for all-reduces at the end of backward (the communication
    /// backward could not hide), summed since the last reset: for benchmarks.
    public private(set) var waitSeconds = 0.0

    public init(group: ProcessGroup, parameters: [Tensor], bucketBytes: Int) throws(DistributedError) {
        self.group = group
        var buckets: [Bucket] = []
        var place: [ObjectIdentifier: (Int, Int)] = [:]
        var open: [DType: Int] = [:]
        for p in parameters.reversed() where place[ObjectIdentifier(p)] == nil {
            guard p.dtype.isFloatingPoint else { throw DistributedError("parameters must be floating-point tensors, got \(p.dtype)") }
            var b = open[p.dtype].map { buckets[$0] }
            if b == nil || (b!.count > 0 && (b!.count + p.count) * p.dtype.itemSize > bucketBytes) {
                b = Bucket(dtype: p.dtype)
                buckets.append(b!)
                open[p.dtype] = buckets.count - 1
            }
            place[ObjectIdentifier(p)] = (open[p.dtype]!, b!.slots.count)
            b!.slots.append(Slot(parameter: p, offset: b!.count))
            b!.count += p.count
        }
        self.buckets = buckets
        self.place = place
        // The same buckets on every rank, or the all-reduces would not match.
        let layout = Tensor(filling: 0, shape: [2], dtype: .int64)
        layout.elements(Int64.self)[0] = Int64(buckets.count)
        layout.elements(Int64.self)[1] = Int64(buckets.reduce(0) { $0 + $1.count })
        let all = try group.allGather(layout)
        for (r, t) in all.enumerated() where t.doubles != layout.doubles {
            throw DistributedError("the model differs across ranks: rank \(r) has \(Int(t.doubles[1])) parameter elements, rank \(group.rank) has \(buckets.reduce(0) { $0 + $1.count })")
        }
    }

    public func gradientReady(_ leaf: Tensor) throws(TensorError) {
        guard synchronizing, let (b, s) = place[ObjectIdentifier(leaf)] else { return }
        active = true
        let bucket = buckets[b]
        fill(bucket, slot: s)
        if bucket.filled.count == bucket.slots.count { try launchReady() }
        progress()
    }

    /// Open MPI advances a non-blocking collective inside MPI calls: a test of the
    /// started ones as each gradient completes moves them along while backward runs.
    private func progress() {
        var flag: Int32 = 0
        for bucket in buckets.prefix(nextToLaunch) where bucket.request != lm_request_null() {
            MPI_Test(&bucket.request, &flag, lm_status_ignore())
        }
    }

    public func backwardEnded(completed: Bool) throws(TensorError) {
        guard active else { return }
        active = false
        defer { reset() }
        if completed {
            for bucket in buckets where bucket.filled.count < bucket.slots.count {
                for s in bucket.slots.indices where !bucket.filled.contains(s) { fill(bucket, slot: s) }
            }
            try launchReady()
        }
        var requests = buckets.filter(\.launched).map(\.request)
        let started = GradientReducer.now()
        let status = group.watchdog.guarding("DistributedDataParallel's gradient all_reduce") {
            MPI_Waitall(Int32(requests.count), &requests, lm_statuses_ignore())
        }
        waitSeconds += GradientReducer.now() - started
        guard status == MPI_SUCCESS else { throw TensorError("all_reduce of the gradients failed (\(ProcessGroup.describe(status)))") }
        guard completed else { return }
        for bucket in buckets { scatter(bucket) }
    }

    public func resetWaitTime() { waitSeconds = 0 }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    private func reset() {
        for bucket in buckets {
            bucket.filled.removeAll(keepingCapacity: true)
            bucket.launched = false
            bucket.request = lm_request_null()
        }
        nextToLaunch = 0
    }

    /// Copies the parameter's gradient (zeros when it has none) into its bucket.
    private func fill(_ bucket: Bucket, slot s: Int) {
        let slot = bucket.slots[s]
        let target = bucket.buffer.raw + slot.offset * bucket.dtype.itemSize
        let bytes = slot.parameter.count * bucket.dtype.itemSize
        if let g = slot.parameter.grad {
            target.copyMemory(from: g.converted(to: bucket.dtype).materialized().raw, byteCount: bytes)
        } else {
            target.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        }
        bucket.filled.insert(s)
    }

    /// Starts the all-reduce of every full bucket whose predecessors have started.
    private func launchReady() throws(TensorError) {
        while nextToLaunch < buckets.count, buckets[nextToLaunch].filled.count == buckets[nextToLaunch].slots.count {
            let bucket = buckets[nextToLaunch]
            let status = MPI_Iallreduce(lm_in_place(), bucket.buffer.raw, Int32(bucket.count), bucket.dtype.mpiType, lm_sum(),
                                        lm_comm_world(), &bucket.request)
            guard status == MPI_SUCCESS else { throw TensorError("all_reduce of the gradients failed (\(ProcessGroup.describe(status)))") }
            bucket.launched = true
            nextToLaunch += 1
        }
    }

    /// Each gradient becomes its bucket's sum over the ranks, divided by their number.
    private func scatter(_ bucket: Bucket) {
        ProcessGroup.divide(bucket.buffer.raw, count: bucket.count, dtype: bucket.dtype, by: group.worldSize)
        for slot in bucket.slots {
            let p = slot.parameter
            let source = bucket.buffer.raw + slot.offset * bucket.dtype.itemSize
            let bytes = p.count * bucket.dtype.itemSize
            if let g = p.grad, g.isContiguous, g.dtype == bucket.dtype, g.count == p.count {
                g.raw.copyMemory(from: source, byteCount: bytes)
                g.storage.bumpVersion()
            } else {
                let g = Tensor(uninitializedShape: p.shape, dtype: bucket.dtype)
                g.raw.copyMemory(from: source, byteCount: bytes)
                p.grad = g
            }
        }
    }
}
