// Tensor memory the garbage collector answers for (torch/torch7#229).
//
// Lua's collector paces itself by its own heap, where a tensor is a 16-byte
// handle, so a loop of large temporaries would outrun it. The core counts every
// byte tensors hold (its context's MemoryAccount); when a new block would take that past
// a threshold, a full collection runs first and frees the tensors nothing references, so
// the new block can take their memory, still in the cache. The threshold then becomes
// twice what survived (at least 64 MiB), so collections stay proportional to allocation
// and memory proportional to what is live.

import LuaBridge
import Tensors

final class TensorMemory {
    static let minimumThreshold = 64 << 20
    private unowned let state: LuaState
    /// The runtime's own account: another runtime's tensors never count here.
    private let account: MemoryAccount
    private(set) var collections = 0

    init(state: LuaState, account: MemoryAccount) {
        self.state = state
        self.account = account
    }

    func install() {
        account.threshold = max(TensorMemory.minimumThreshold, 2 * account.liveBytes)
        account.onPressure = { [unowned self] in self.collect() }
    }

    func uninstall() {
        account.onPressure = nil
        account.threshold = Int.max
    }

    /// A full collection (finalizers included), then the next threshold.
    func collect() {
        state.collectGarbage()
        collections += 1
        // with the block being allocated, which set this collection off
        account.threshold = max(TensorMemory.minimumThreshold, 2 * (account.liveBytes + account.pendingBytes))
    }
}
