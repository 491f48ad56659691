// Learning-rate schedulers, as torch.optim.lr_scheduler, in PyTorch's chainable
// (recursive) form so that the learning rates match step for step:
//   StepLR             lr·γ every step_size epochs
//   ExponentialLR      lr·γ every epoch
//   CosineAnnealingLR  η_min + (η_0 - η_min)(1 + cos(π·t/T_max))/2, applied recursively

import Tensors

#if canImport(Glibc)
import Glibc
#endif

public final class Scheduler {
    public enum Kind: Sendable {
        case step(stepSize: Int, gamma: Double)
        case exponential(gamma: Double)
        case cosine(tMax: Int, etaMin: Double)
    }

    public let kind: Kind
    public let optimizer: Optimizer
    public private(set) var lastEpoch = -1
    public private(set) var baseLRs: [Double]
    public private(set) var lastLRs: [Double] = []
    private var stepCount = 0

    public init(_ kind: Kind, optimizer: Optimizer) throws(TensorError) {
        switch kind {
        case .step(let s, _) where s <= 0: throw TensorError("step_size must be a positive integer, got \(s)")
        case .cosine(let t, _) where t <= 0: throw TensorError("T_max must be a positive integer, got \(t)")
        // the schedule's period is 2·T_max epochs
        case .cosine(let t, _) where t > 1 << 53: throw TensorError("T_max must be at most 2^53, got \(t)")
        default: break
        }
        self.kind = kind
        self.optimizer = optimizer
        baseLRs = optimizer.groups.map { $0.lr }
        step()
    }

    /// Advances one epoch and sets each group's lr.
    public func step() {
        stepCount += 1
        lastEpoch += 1
        let lrs = nextLRs()
        for (g, lr) in zip(optimizer.groups, lrs) { g.lr = lr }
        lastLRs = lrs
    }

    private func nextLRs() -> [Double] {
        let current = optimizer.groups.map { $0.lr }
        let e = lastEpoch
        switch kind {
        case .step(let size, let gamma):
            return e == 0 || e % size != 0 ? current : current.map { $0 * gamma }
        case .exponential(let gamma):
            return e == 0 ? current : current.map { $0 * gamma }
        case .cosine(let tMax, let etaMin):
            let T = Double(tMax)
            if e == 0 { return current }
            if stepCount == 1 && e > 0 {
                return baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(Double(e) * Double.pi / T)) / 2 }
            }
            if (e - 1 - tMax) % (2 * tMax) == 0 {
                return zip(current, baseLRs).map { lr, base in lr + (base - etaMin) * (1 - cos(Double.pi / T)) / 2 }
            }
            return current.map { lr in
                (1 + cos(Double.pi * Double(e) / T)) / (1 + cos(Double.pi * Double(e - 1) / T)) * (lr - etaMin) + etaMin
            }
        }
    }

    /// Restores the counters (loading a state dict).
    public func restore(lastEpoch: Int, stepCount: Int, baseLRs: [Double], lastLRs: [Double]) {
        self.lastEpoch = lastEpoch
        self.stepCount = stepCount
        self.baseLRs = baseLRs
        self.lastLRs = lastLRs
    }

    public var steps: Int { stepCount }
}
