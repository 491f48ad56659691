// What tensor code reads and changes as it runs, kept together as Lua keeps its
// state in lua_State: the bytes tensors hold (and the hook that runs when they pass
// a threshold), whether operations record the backward graph, and the random
// generator. Each Runtime owns one and makes it current; the core used without a
// Runtime (its own tests) works in a standard one. Nothing here outlives its owner:
// a Runtime that goes away leaves the next one's context as it was.

public final class TensorContext {
    public let memory = MemoryAccount()
    /// Whether operations record the backward graph (torch.no_grad switches it off).
    public var gradEnabled = true
    /// The generator behind torch.manual_seed and every random draw.
    public let generator = Generator(seed: 67_280_421_310_721)
    /// Who hears about each backward (BackwardObserver), held weakly.
    var backwardObservers: [WeakObserver] = []

    public init() {}

    nonisolated(unsafe) private static var active: TensorContext?
    nonisolated(unsafe) private static let standard = TensorContext()

    /// The context operations use now.
    @inline(__always)
    public static var current: TensorContext { active ?? standard }

    /// Operations use this context from now on.
    public func makeCurrent() { TensorContext.active = self }

    /// Stops being current, if it still is (a newer one may have taken over).
    public func resign() {
        if TensorContext.active === self { TensorContext.active = nil }
    }
}

/// How many bytes tensors made in one context hold, and a hook for when that passes a threshold.
public final class MemoryAccount {
    /// Bytes of live storage, plus an estimate of the objects around each block.
    public private(set) var liveBytes = 0
    /// When liveBytes passes this, `onPressure` runs (once; it should lower liveBytes and reset this).
    public var threshold = Int.max
    public var onPressure: (() -> Void)?
    private var relieving = false

    /// While `onPressure` runs: the bytes about to be allocated, not yet in liveBytes.
    public private(set) var pendingBytes = 0

    /// Counts a block before it is allocated: a collection this sets off frees dropped
    /// blocks first, so a loop's temporaries reuse the memory (and cache lines) of the last.
    @inline(__always)
    func willAllocate(_ bytes: Int) {
        if liveBytes &+ bytes > threshold && !relieving, let onPressure {
            relieving = true
            pendingBytes = bytes
            onPressure()
            pendingBytes = 0
            relieving = false
        }
        liveBytes &+= bytes
    }

    @inline(__always)
    func didFree(_ bytes: Int) { liveBytes &-= bytes }
}
