// Tensor memory the garbage collector answers for (torch/torch7#229).
//
// Lua's collector paces itself by its own heap, where a tensor is a 16-byte
// handle, so a loop of large temporaries would outrun it. The core counts every
// byte tensors hold (its context's MemoryAccount), and a new block that would take the
// count past a threshold first sets off a collection, so the block can take the memory
// of the tensors it frees while that is still in the cache:
//
// - every 16 MiB of new tensors, a young collection (the collector is generational):
//   temporaries are young when they die, and it costs what the young objects cost, where
//   a full collection walks the whole Lua heap (beside a million small tables, 138 MB of
//   Lua heap, a loop making two 2.8 MB tensors took 2.3 ms an iteration; now 0.12 ms);
// - when what survives passes twice what was live after the last full collection (at
//   least 64 MiB), a full one: tensors that lived long enough to grow old are freed only
//   there, and memory stays proportional to what is live.

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

    private func setThreshold() {
        account.threshold = min(fullThreshold, account.liveBytes + TensorMemory.youngBudget)
    }

    /// The bytes that will be live once the block being allocated is.
    private var demand: Int { account.liveBytes + account.pendingBytes }

    private func relieve() {
        if demand <= fullThreshold {
            state.stepGarbageCollector()
            youngCollections += 1
            if demand <= fullThreshold {
                setThreshold()
                return
            }
        }
        collect()
    }

    /// A full collection, then the next thresholds.
    func collect() {
        state.collectGarbage()
        collections += 1
        fullThreshold = max(TensorMemory.minimumThreshold, 2 * demand)
        setThreshold()
    }
}
