// The ranks of one job and the collectives among them, over Open MPI.
//
// MPI is process-wide by nature (one MPI_Init per process, never again after
// MPI_Finalize); what lstmlua knows about it (this group, its rank) belongs to the
// runtime that made it. Ranks are 0-based, as MPI's and PyTorch's: a rank is a
// process's name in the job, not a position in a Lua list.
//
// Every collective first agrees on what each rank brings (which call, how many
// elements of which dtype, which op or root, and whether the rank can take part at
// all): a mismatch is then an error on every rank instead of a hang or a buffer
// overrun on one of them.

import CMPI
import Foundation
import Tensors

#if canImport(Glibc)
import Glibc
#endif

public final class ProcessGroup {
    public let rank: Int
    public let worldSize: Int
    /// Seconds a blocking call may wait for the other ranks before the job is ended.
    public let timeout: Double
    let watchdog: Watchdog
    private let comm: MPI_Comm
    public private(set) var isDestroyed = false

    /// Environment variables one of the launchers sets (Open MPI's mpirun, PMIx, PMI-2 as
    /// Slurm's srun --mpi=pmix|pmi2 and MPICH's mpiexec set them).
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"]

    /// The number of processes the launcher says it started, if it says.
    public static var launcherWorldSize: Int? {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"].lazy.compactMap { env[$0].flatMap { Int($0) } }.first
    }

    public static var startedByLauncher: Bool {
        launcherVariables.contains { ProcessInfo.processInfo.environment[$0] != nil }
    }

    /// Joins the job this process was launched in. MPI_Init happens here and nowhere
    /// else, so lstmlua started without a launcher never touches MPI.
    public init(timeout: Double) throws(DistributedError) {
        var flag: Int32 = 0
        MPI_Finalized(&flag)
        if flag != 0 {
            throw DistributedError("MPI was shut down in this process (destroy_process_group); it cannot be started again")
        }
        MPI_Initialized(&flag)
        if flag != 0 { throw DistributedError("MPI is already initialised in this process") }
        guard ProcessGroup.startedByLauncher else {
            throw DistributedError("this process was not started by an MPI launcher: run it as `mpirun -np N lstmlua script.lua` (or `srun` under Slurm)")
        }
        self.timeout = timeout
        // before MPI_Init answers, the rank the launcher gave (for the timeout's message)
        let env = ProcessInfo.processInfo.environment
        let rankBox = RankBox()
        rankBox.rank = ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"].lazy.compactMap { env[$0].flatMap { Int($0) } }.first
        watchdog = Watchdog(timeout: timeout) { message in ProcessGroup.abortJob(message, rank: rankBox.rank) }
        var provided: Int32 = 0
        let status = watchdog.guarding("init_process_group") { MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided) }
        guard status == MPI_SUCCESS else { throw DistributedError("MPI_Init failed (\(ProcessGroup.describe(status)))") }
        comm = lm_comm_world()
        MPI_Comm_set_errhandler(comm, lm_errors_return())
        var r: Int32 = 0, n: Int32 = 0
        MPI_Comm_rank(comm, &r)
        MPI_Comm_size(comm, &n)
        rank = Int(r)
        worldSize = Int(n)
        rankBox.rank = rank
        // Every rank is here before anyone goes on: a rank that never calls
        // init_process_group is caught by the timeout.
        try barrier(name: "init_process_group")
    }

    /// Prints "rank R: message" on stderr and ends every process of the job (MPI_Abort).
    public static func abortJob(_ message: String, rank: Int?) {
        let text = "lstmlua: " + (rank.map { "rank \($0): " } ?? "") + message + "\n"
        // what the script printed first, then the message, straight to fd 2
        fflush(nil)
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        MPI_Abort(lm_comm_world(), 1)
        _exit(1)
    }

    public func abort(_ message: String) -> Never {
        ProcessGroup.abortJob(message, rank: rank)
        _exit(1)
    }

    /// Leaves the job (MPI_Finalize): every rank does, and nothing of MPI works afterwards.
    public func destroy() throws(DistributedError) {
        guard !isDestroyed else { return }
        isDestroyed = true
        let status = watchdog.guarding("destroy_process_group") { MPI_Finalize() }
        try check(status, "MPI_Finalize")
    }

    // MARK: Collectives

    public func barrier() throws(DistributedError) {
        try alive("barrier")
        // agreeing is itself a barrier, and catches a rank that called another collective
        try agree("barrier", Tensor(uninitializedShape: [0], dtype: .uint8), extra: 0, extraName: "", problem: nil)
    }

    private func barrier(name: String) throws(DistributedError) {
        try check(watchdog.guarding(name) { MPI_Barrier(comm) }, name)
    }

    /// Copies rank `src`'s values into `t` on every rank.
    public func broadcast(_ t: Tensor, src: Int) throws(DistributedError) {
        try alive("broadcast")
        let problem = writeProblem(t)
        try agree("broadcast", t, extra: Int64(src), extraName: "src", problem: problem)
        try inPlace(t) { (p: UnsafeMutableRawPointer) throws(DistributedError) in
            try check(watchdog.guarding("broadcast") { MPI_Bcast(p, Int32(t.count), t.dtype.mpiType, Int32(src), comm) }, "broadcast")
        }
    }

    /// Reduces `t` over the ranks, in place on every rank.
    public func allReduce(_ t: Tensor, op: ReduceOp) throws(DistributedError) {
        try alive("all_reduce")
        let problem = op.problem(with: t.dtype) ?? writeProblem(t)
        try agree("all_reduce", t, extra: op.code, extraName: "op", problem: problem)
        try inPlace(t) { (p: UnsafeMutableRawPointer) throws(DistributedError) in
            try check(watchdog.guarding("all_reduce") {
                MPI_Allreduce(lm_in_place(), p, Int32(t.count), t.dtype.mpiType, op.mpiOp(for: t.dtype), comm)
            }, "all_reduce")
            if op == .avg { ProcessGroup.divide(p, count: t.count, dtype: t.dtype, by: worldSize) }
        }
    }

    /// Every rank's `t`, in rank order (each a new tensor shaped as t).
    public func allGather(_ t: Tensor) throws(DistributedError) -> [Tensor] {
        try alive("all_gather")
        try agree("all_gather", t, extra: 0, extraName: "", problem: nil)
        let out = Tensor(uninitializedShape: Dims([worldSize] + Array(t.shape)), dtype: t.dtype)
        let source = t.materialized()
        try check(watchdog.guarding("all_gather") {
            MPI_Allgather(source.raw, Int32(t.count), t.dtype.mpiType, out.raw, Int32(t.count), t.dtype.mpiType, comm)
        }, "all_gather")
        return (0..<worldSize).map { out.select(0, index: $0) }
    }

    /// `inputs[i]` reduced over the ranks lands in rank i's `output`.
    public func reduceScatter(_ output: Tensor, _ inputs: [Tensor], op: ReduceOp) throws(DistributedError) {
        try alive("reduce_scatter")
        var problem = op.problem(with: output.dtype) ?? writeProblem(output)
        if inputs.count != worldSize {
            problem = problem ?? "the input list has \(inputs.count) tensors; it needs one per rank (\(worldSize))"
        } else if let bad = inputs.firstIndex(where: { $0.count != output.count || $0.dtype != output.dtype }) {
            problem = problem ?? "input \(bad + 1) has \(inputs[bad].count) elements of \(inputs[bad].dtype); the output has \(output.count) of \(output.dtype)"
        }
        try agree("reduce_scatter", output, extra: op.code, extraName: "op", problem: problem)
        let send = Tensor(uninitializedShape: [worldSize * output.count], dtype: output.dtype)
        let size = output.count * output.dtype.itemSize
        for (i, t) in inputs.enumerated() {
            (send.raw + i * size).copyMemory(from: t.materialized().raw, byteCount: size)
        }
        try inPlace(output) { (p: UnsafeMutableRawPointer) throws(DistributedError) in
            try check(watchdog.guarding("reduce_scatter") {
                MPI_Reduce_scatter_block(send.raw, p, Int32(output.count), output.dtype.mpiType, op.mpiOp(for: output.dtype), comm)
            }, "reduce_scatter")
            if op == .avg { ProcessGroup.divide(p, count: output.count, dtype: output.dtype, by: worldSize) }
        }
    }

    /// Sends `t` to rank `dst`: a small header (its size and dtype) first, so that the
    /// receiver can refuse a tensor that does not fit without leaving the sender stuck.
    public func send(_ t: Tensor, dst: Int, tag: Int) throws(DistributedError) {
        try alive("send")
        if t.count > Int(Int32.max) { throw DistributedError("tensors of more than \(Int32.max) elements are not supported (one MPI message)") }
        var header: [Int64] = [Int64(t.count), t.dtype.code]
        try check(watchdog.guarding("send") { MPI_Send(&header, 2, lm_int64(), Int32(dst), Int32(tag), comm) }, "send")
        let source = t.materialized()
        try check(watchdog.guarding("send") { MPI_Send(source.raw, Int32(t.count), t.dtype.mpiType, Int32(dst), Int32(tag), comm) }, "send")
    }

    /// Receives into `t` from rank `src` (any rank when nil); returns the sender's rank.
    public func recv(_ t: Tensor, src: Int?, tag: Int) throws(DistributedError) -> Int {
        try alive("recv")
        var header: [Int64] = [0, 0]
        var status = MPI_Status()
        try check(watchdog.guarding("recv") {
            MPI_Recv(&header, 2, lm_int64(), src.map { Int32($0) } ?? lm_any_source(), Int32(tag), comm, &status)
        }, "recv")
        let sender = Int(lm_source(&status))
        let count = Int(header[0])
        let dtype = DType.allCases.indices.contains(Int(header[1])) ? DType.allCases[Int(header[1])] : .uint8
        let problem: String? = count != t.count || dtype != t.dtype
            ? "rank \(sender) sent \(count) elements of \(dtype); the tensor holds \(t.count) of \(t.dtype)" : writeProblem(t)
        if let problem {
            // taken all the same, so the sender is not left waiting
            let sink = Tensor(uninitializedShape: [Swift.max(count, 1)], dtype: dtype)
            try check(watchdog.guarding("recv") {
                MPI_Recv(sink.raw, Int32(count), dtype.mpiType, Int32(sender), Int32(tag), comm, lm_status_ignore())
            }, "recv")
            throw DistributedError(problem)
        }
        try inPlace(t) { (p: UnsafeMutableRawPointer) throws(DistributedError) in
            try check(watchdog.guarding("recv") {
                MPI_Recv(p, Int32(t.count), t.dtype.mpiType, Int32(sender), Int32(tag), comm, lm_status_ignore())
            }, "recv")
        }
        return sender
    }

    // MARK: Helpers

    func alive(_ name: String) throws(DistributedError) {
        if isDestroyed { throw DistributedError("the process group was destroyed (destroy_process_group)") }
    }

    func check(_ status: Int32, _ name: String) throws(DistributedError) {
        guard status != MPI_SUCCESS else { return }
        throw DistributedError("MPI failed (\(ProcessGroup.describe(status)))")
    }

    static func describe(_ status: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(status, &buffer, &length)
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Why `t` cannot be written in place: a view whose elements share memory.
    func writeProblem(_ t: Tensor) -> String? {
        if t.count > Int(Int32.max) { return "tensors of more than \(Int32.max) elements are not supported (one MPI message)" }
        if !t.isContiguous && Shape.mayOverlap(t.shape, t.strides) {
            return "more than one element of the tensor refers to a single memory location; clone() it first"
        }
        return nil
    }

    /// Runs `body` on contiguous memory holding t's values, and writes the result back into t.
    func inPlace(_ t: Tensor, _ body: (UnsafeMutableRawPointer) throws(DistributedError) -> Void) throws(DistributedError) {
        if t.isContiguous {
            try body(t.raw)
        } else {
            let c = t.copied()
            try body(c.raw)
            do { try GradMode.with(enabled: false) { () throws(TensorError) in try t.copy_(c) } } catch {
                throw DistributedError(error.message)
            }
        }
        t.storage.bumpVersion()
    }

    /// What each rank brings to a collective, compared on every rank.
    func agree(_ name: String, _ t: Tensor, extra: Int64, extraName: String, problem: String?) throws(DistributedError) {
        let kinds = ["barrier", "broadcast", "all_reduce", "all_gather", "reduce_scatter"]
        let mine: [Int64] = [Int64(kinds.firstIndex(of: name) ?? -1), Int64(t.count), t.dtype.code, extra, problem == nil ? 0 : 1]
        var all = [Int64](repeating: 0, count: mine.count * worldSize)
        var send = mine
        try check(watchdog.guarding(name) {
            MPI_Allgather(&send, Int32(mine.count), lm_int64(), &all, Int32(mine.count), lm_int64(), comm)
        }, name)
        let ranks = (0..<worldSize).map { Array(all[$0 * mine.count..<($0 + 1) * mine.count]) }
        if let problem { throw DistributedError(problem) }
        if let failed = ranks.firstIndex(where: { $0[4] != 0 }) {
            throw DistributedError("rank \(failed) could not take part (its error says why)")
        }
        if ranks.contains(where: { $0[0] != mine[0] }) {
            let calls = ranks.enumerated().map { "rank \($0.offset) called \(kinds.indices.contains(Int($0.element[0])) ? kinds[Int($0.element[0])] : "?")" }
            throw DistributedError("the ranks called different collectives: " + calls.joined(separator: ", "))
        }
        if ranks.contains(where: { $0[1] != mine[1] || $0[2] != mine[2] }) {
            let sizes = ranks.enumerated().map { "rank \($0.offset) has \($0.element[1]) elements of \(DType.allCases[Int($0.element[2])])" }
            throw DistributedError("tensor sizes differ across ranks: " + sizes.joined(separator: ", "))
        }
        if ranks.contains(where: { $0[3] != mine[3] }) {
            let values = ranks.enumerated().map { r in
                "rank \(r.offset) gave \(extraName) " + (extraName == "op" ? ReduceOp.allCases[Int(r.element[3])].rawValue : String(r.element[3]))
            }
            throw DistributedError("the ranks gave different arguments: " + values.joined(separator: ", "))
        }
    }

    static func divide(_ p: UnsafeMutableRawPointer, count: Int, dtype: DType, by n: Int) {
        switch dtype {
        case .float32:
            let x = p.assumingMemoryBound(to: Float.self)
            for i in 0..<count { x[i] /= Float(n) }
        case .float64:
            let x = p.assumingMemoryBound(to: Double.self)
            for i in 0..<count { x[i] /= Double(n) }
        default: preconditionFailure("avg of \(dtype) is refused before the collective")
        }
    }
}

/// The rank, once known, for the watchdog's message.
final class RankBox: @unchecked Sendable {
    var rank: Int?
}
