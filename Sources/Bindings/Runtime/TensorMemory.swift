// Tensor memory the garbage collector answers for (torch/torch7#229).
//
// Lua's collector paces itself by its own heap, where a tensor is a 16-byte
// handle, so a loop of large temporaries would outrun it. The core counts every
// byte tensors hold (its context's MemoryAccount), and a new block that would take the
// count past a threshold first sets off a collection, so the block can take the memory
// of the tensors it frees while that is still in the cache:
//
// - a young collection (the collector is generational) every 16 MiB of new tensors, or
//   every as many bytes as Lua's heap holds when that is more (up to half the full
//   threshold): temporaries are young when they die, and a young collection costs what the
//   young objects and the old tables changed since the last one cost, where a full one
//   walks the whole Lua heap. Beside a million small tables (138 MB of Lua heap), a loop
//   making two 2.8 MB tensors took 2.3 ms an iteration; now 0.28 ms. Spaced by the heap's
//   size, they keep a script that grows one large table from walking it every 16 MiB;
// - a full collection when what survives passes twice what was live after the last one
//   (at least 64 MiB), or when that much has been made since, and sixteen times Lua's
//   heap: tensors that lived long enough to grow old are freed only there, so memory
//   stays proportional to what is live, and a full collection's walk of the Lua heap is
//   paid once per many times its size in tensors.
//
// Inside a __gc finalizer Lua cannot collect: the thresholds then stay where they are,
// and the first allocation after it collects.

import LuaBridge
import Tensors

final class TensorMemory {
    static let minimumThreshold = 64 << 20
    static let youngBudget = 16 << 20
    private unowned let state: LuaState
    /// The runtime's own account: another runtime's tensors never count here.
    private let account: MemoryAccount
    /// Full collections set off by tensor memory, and young ones.
    private(set) var collections = 0
    private(set) var youngCollections = 0
    private var fullThreshold = TensorMemory.minimumThreshold
    /// Bytes made since the last full collection (as counted at each collection), and
    /// what was live after the last collection of either kind.
    private var madeSinceFull = 0
    private var liveAfterLast = 0

    init(state: LuaState, account: MemoryAccount) {
        self.state = state
        self.account = account
    }

    func install() {
        fullThreshold = max(TensorMemory.minimumThreshold, 2 * account.liveBytes)
        account.onPressure = { [unowned self] in self.relieve() }
        setThreshold()
    }

    func uninstall() {
        account.onPressure = nil
        account.threshold = Int.max
    }

    /// The bytes that will be live once the block being allocated is.
    private var demand: Int { account.liveBytes + account.pendingBytes }

    private func setThreshold() {
        liveAfterLast = account.liveBytes
        // young collections come before the full threshold: half of it at the most
        let young = min(max(TensorMemory.youngBudget, state.heapBytes), fullThreshold / 2)
        account.threshold = min(fullThreshold, account.liveBytes + young)
    }

    private func relieve() {
        let made = madeSinceFull + max(0, demand - liveAfterLast)
        if demand <= fullThreshold && made <= max(fullThreshold, 16 * state.heapBytes) {
            guard state.stepGarbageCollector() else { return }
            youngCollections += 1
            madeSinceFull = made
            if demand <= fullThreshold {
                setThreshold()
                return
            }
        }
        collect()
    }

    /// A full collection, then the next thresholds.
    func collect() {
        guard state.collectGarbage() else { return }
        collections += 1
        madeSinceFull = 0
        fullThreshold = max(TensorMemory.minimumThreshold, 2 * demand)
        setThreshold()
    }
}
