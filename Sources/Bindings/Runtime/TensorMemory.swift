// Tensor memory the garbage collector answers for (torch/torch7#229).
//
// Lua's collector paces itself by its own heap, where a tensor is a 16-byte
// handle, so a loop of large temporaries would outrun it. The core counts every
// byte tensors hold (StorageMemory); when that passes a threshold, a full
// collection runs, whose finalizers free the tensors nothing references. The
// threshold then becomes twice what survived (at least 64 MiB), so collections
// stay proportional to allocation and memory proportional to what is live.

import LuaBridge
import Tensors

final class TensorMemory {
    static let minimumThreshold = 64 << 20
    private unowned let state: LuaState
    private(set) var collections = 0

    init(state: LuaState) {
        self.state = state
    }

    func install() {
        StorageMemory.threshold = max(TensorMemory.minimumThreshold, 2 * StorageMemory.liveBytes)
        StorageMemory.onPressure = { [unowned self] in self.collect() }
    }

    func uninstall() {
        StorageMemory.onPressure = nil
        StorageMemory.threshold = Int.max
    }

    /// A full collection (finalizers included), then the next threshold.
    func collect() {
        state.collectGarbage()
        collections += 1
        StorageMemory.threshold = max(TensorMemory.minimumThreshold, 2 * StorageMemory.liveBytes)
    }
}
