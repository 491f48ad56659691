// What data-parallel training needs from backward: to hear the moment a leaf's
// gradient for this pass is complete (so its all-reduce can start while the rest of
// backward runs, as PyTorch's post-accumulate-grad hooks), and the moment backward ends.
//
// Observers are held weakly by the context: a wrapper that goes away stops observing.
// With no observer, backward does not count leaf edges at all.

public protocol BackwardObserver: AnyObject {
    /// Every gradient `leaf` receives in this backward has been added to its .grad
    /// (which stays nil when none arrived).
    func gradientReady(_ leaf: Tensor) throws(TensorError)
    /// The backward is over: `completed` is false when it failed part way.
    func backwardEnded(completed: Bool) throws(TensorError)
}

struct WeakObserver {
    weak var observer: (any BackwardObserver)?
}

extension TensorContext {
    /// Starts telling `observer` about every backward run in this context.
    public func addBackwardObserver(_ observer: any BackwardObserver) {
        backwardObservers.removeAll { $0.observer == nil }
        backwardObservers.append(WeakObserver(observer: observer))
    }

    public func removeBackwardObserver(_ observer: any BackwardObserver) {
        backwardObservers.removeAll { $0.observer == nil || $0.observer === observer }
    }

    /// The observers still alive.
    var liveBackwardObservers: [any BackwardObserver] { backwardObservers.compactMap(\.observer) }
}
