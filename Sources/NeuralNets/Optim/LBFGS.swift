// L-BFGS as torch.optim.LBFGS: its two-loop recursion, its optional strong-Wolfe
// line search (_strong_wolfe with _cubic_interpolate, ported from Torch7's
// optim), and its state kept from one step to the next. The parameters are seen
// as one flat vector, as PyTorch's _gather_flat_grad and _add_grad see them.
//
// Numbers follow PyTorch's types: vectors and the scalars PyTorch keeps as 0-d
// tensors (ys, H_diag, ro, al, gtd) are the parameters' type (Float or Double);
// losses and step sizes that are Python floats are Double.

import Tensors

final class LBFGSCore<T: TensorFloat> {
    public let params: [Tensor]
    /// The one parameter group and its options under PyTorch's names (lr, max_iter,
    /// max_eval, tolerance_grad, tolerance_change, history_size): read at every step,
    /// so a script may change them between steps, as in PyTorch.
    public let group: ParamGroup
    public let strongWolfe: Bool

    public var lr: Double { group.lr }
    public var maxIter: Int { LBFGSCore.count(group.number("max_iter")) }
    public var maxEval: Int { LBFGSCore.count(group.number("max_eval")) }
    public var toleranceGrad: Double { group.number("tolerance_grad") }
    public var toleranceChange: Double { group.number("tolerance_change") }
    public var historySize: Int { LBFGSCore.count(group.number("history_size")) }

    /// A count set from Lua as a number: whole, within Int (NaN counts as 0).
    private static func count(_ v: Double) -> Int {
        if v.isNaN { return 0 }
        if v >= 0x1p63 { return Int.max }
        if v <= -0x1p63 { return Int.min }
        return Int(v.rounded(.towardZero))
    }

    /// Closure evaluations and iterations over every step so far (PyTorch's state).
    public private(set) var funcEvals = 0
    public private(set) var iterations = 0

    private var direction: [T] = []
    private var stepSize: Double = 0
    private var oldDirs: [[T]] = []
    private var oldSteps: [[T]] = []
    private var ro: [T] = []
    private var hDiag: T = 1
    private var prevFlatGrad: [T]?
    private var prevLoss: Double = 0

    init(params: [Tensor], lr: Double = 1, maxIter: Int = 20, maxEval: Int? = nil, toleranceGrad: Double = 1e-7,
                toleranceChange: Double = 1e-9, historySize: Int = 100, strongWolfe: Bool = false) throws(TensorError) {
        guard !params.isEmpty else { throw TensorError("optimizer got an empty parameter list") }
        for p in params where !p.isLeaf { throw TensorError("can't optimize a non-leaf Tensor") }
        guard lr >= 0 else { throw TensorError("invalid learning rate: \(lr)") }
        guard maxIter >= 1 else { throw TensorError("max_iter must be at least 1, got \(maxIter)") }
        guard historySize >= 1 else { throw TensorError("history_size must be at least 1, got \(historySize)") }
        self.params = params
        // PyTorch's max_iter * 5 // 4; past Int's range, as many as Int counts
        let evals = maxEval ?? (maxIter > Int.max / 5 ? Int.max : maxIter * 5 / 4)
        group = ParamGroup(params: params, options: [
            "lr": .number(lr), "max_iter": .number(Double(maxIter)), "max_eval": .number(Double(evals)),
            "tolerance_grad": .number(toleranceGrad), "tolerance_change": .number(toleranceChange),
            "history_size": .number(Double(historySize)),
        ])
        self.strongWolfe = strongWolfe
    }

    /// Clears every parameter's gradient (to nil, or to zeros).
    public func zeroGrad(setToNone: Bool = true) {
        for p in params {
            if setToNone { p.grad = nil } else { p.grad?.zeroValues() }
        }
    }

    /// One optimisation step; `closure` re-evaluates the model, runs backward and
    /// returns the loss. Returns the loss of the first evaluation.
    public func step(_ closure: () throws -> Double) throws -> Double {
        let (maxIter, maxEval, historySize, lr) = (self.maxIter, self.maxEval, self.historySize, self.lr)
        guard historySize >= 1 else { throw TensorError("history_size must be at least 1, got \(historySize)") }
        guard lr >= 0 else { throw TensorError("invalid learning rate: \(lr)") }
        let origLoss = try closure()
        var loss = origLoss
        var currentEvals = 1
        funcEvals += 1
        var flatGrad = try gatherFlatGrad()
        if maxAbs(flatGrad) <= T(toleranceGrad) { return origLoss }

        var d = direction
        var t = stepSize
        var nIter = 0
        while nIter < maxIter {
            nIter += 1
            iterations += 1
            try Interrupt.check()

            // the descent direction
            if iterations == 1 {
                d = flatGrad.map { -$0 }
                oldDirs = []; oldSteps = []; ro = []
                hDiag = 1
            } else {
                let prev = prevFlatGrad ?? flatGrad
                let y = zip(flatGrad, prev).map { $0 - $1 }
                let tf = T(t)
                let s = d.map { $0 * tf }
                let ys = dot(y, s)
                if ys > 1e-10 {
                    if oldDirs.count == historySize {
                        oldDirs.removeFirst(); oldSteps.removeFirst(); ro.removeFirst()
                    }
                    oldDirs.append(y)
                    oldSteps.append(s)
                    ro.append(1 / ys)
                    hDiag = ys / dot(y, y)
                }
                // the two-loop recursion: q = -g through the history, then scaled and back
                var q = flatGrad.map { -$0 }
                var al = [T](repeating: 0, count: oldDirs.count)
                for i in stride(from: oldDirs.count - 1, through: 0, by: -1) {
                    al[i] = dot(oldSteps[i], q) * ro[i]
                    axpy(-al[i], oldDirs[i], &q)
                }
                var r = q.map { $0 * hDiag }
                for i in 0..<oldDirs.count {
                    let be = dot(oldDirs[i], r) * ro[i]
                    axpy(al[i] - be, oldSteps[i], &r)
                }
                d = r
            }
            prevFlatGrad = flatGrad
            prevLoss = loss

            // the step length: the first iteration ever is scaled by the gradient's size
            if iterations == 1 {
                let scale = 1 / flatGrad.reduce(T(0)) { $0 + Swift.abs($1) }
                t = Double(Swift.min(1, scale) * T(lr))
            } else {
                t = lr
            }
            let gtd = dot(flatGrad, d)
            if Double(gtd) > -toleranceChange { break }

            var lsFuncEvals = 0
            var optimal = false
            if strongWolfe {
                let x = params.map { LBFGSCore.values($0) }
                let result = try lineSearch(closure, x: x, t: t, d: d, f: loss, g: flatGrad, gtd: gtd)
                (loss, flatGrad, t, lsFuncEvals) = result
                try addToParams(t, d)
                optimal = maxAbs(flatGrad) <= T(toleranceGrad)
            } else {
                try addToParams(t, d)
                if nIter != maxIter {
                    loss = try closure()
                    flatGrad = try gatherFlatGrad()
                    optimal = maxAbs(flatGrad) <= T(toleranceGrad)
                    lsFuncEvals = 1
                }
            }
            currentEvals += lsFuncEvals
            funcEvals += lsFuncEvals

            if nIter == maxIter || currentEvals >= maxEval || optimal { break }
            let tf = T(t)
            if d.reduce(T(0), { Swift.max($0, Swift.abs($1 * tf)) }) <= T(toleranceChange) { break }
            if Swift.abs(loss - prevLoss) < toleranceChange { break }
        }
        direction = d
        stepSize = t
        return origLoss
    }

    // MARK: The strong-Wolfe line search (PyTorch's _strong_wolfe)

    private func lineSearch(_ closure: () throws -> Double, x: [[T]], t startT: Double, d: [T], f: Double,
                            g: [T], gtd: T) throws -> (Double, [T], Double, Int) {
        let c1 = 1e-4, c2: T = 0.9, maxLS = 25
        var t = startT
        let dNorm = maxAbs(d)
        func evaluate(_ t: Double) throws -> (Double, [T], T) {
            try addToParams(t, d)
            let loss = try closure()
            let grad = try gatherFlatGrad()
            try setParams(x)
            return (loss, grad, dot(grad, d))
        }
        func armijoFails(_ fNew: Double, _ t: Double) -> Bool { T(fNew) > T(f + c1 * t * Double(gtd)) }

        var (fNew, gNew, gtdNew) = try evaluate(t)
        var evals = 1
        var (tPrev, fPrev, gPrev, gtdPrev) = (0.0, f, g, gtd)
        var done = false
        var lsIter = 0
        var bracket: [Double] = [], bracketF: [Double] = [], bracketG: [[T]] = [], bracketGtd: [T] = []
        while lsIter < maxLS {
            if armijoFails(fNew, t) || (lsIter > 1 && fNew >= fPrev) {
                (bracket, bracketF, bracketG, bracketGtd) = ([tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew])
                break
            }
            if Swift.abs(gtdNew) <= -c2 * gtd {
                (bracket, bracketF, bracketG) = ([t], [fNew], [gNew])
                done = true
                break
            }
            if gtdNew >= 0 {
                (bracket, bracketF, bracketG, bracketGtd) = ([tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew])
                break
            }
            let minStep = t + 0.01 * (t - tPrev), maxStep = t * 10
            let previous = t
            t = LBFGSCore.cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, bounds: (minStep, maxStep))
            (tPrev, fPrev, gPrev, gtdPrev) = (previous, fNew, gNew, gtdNew)
            (fNew, gNew, gtdNew) = try evaluate(t)
            evals += 1
            lsIter += 1
        }
        if lsIter == maxLS {
            (bracket, bracketF, bracketG) = ([0, t], [f, fNew], [g, gNew])
        }

        // zoom: shrink the bracket until a point meets the conditions
        var insufficientProgress = false
        var (low, high) = bracketF[0] <= bracketF[bracketF.count - 1] ? (0, 1) : (1, 0)
        while !done && lsIter < maxLS {
            if Swift.abs(bracket[1] - bracket[0]) * Double(dNorm) < toleranceChange { break }
            t = LBFGSCore.cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1])
            let (hi, lo) = (bracket.max()!, bracket.min()!)
            let eps = 0.1 * (hi - lo)
            if Swift.min(hi - t, t - lo) < eps {
                if insufficientProgress || t >= hi || t <= lo {
                    t = Swift.abs(t - hi) < Swift.abs(t - lo) ? hi - eps : lo + eps
                    insufficientProgress = false
                } else {
                    insufficientProgress = true
                }
            } else {
                insufficientProgress = false
            }
            (fNew, gNew, gtdNew) = try evaluate(t)
            evals += 1
            lsIter += 1
            if armijoFails(fNew, t) || fNew >= bracketF[low] {
                (bracket[high], bracketF[high], bracketG[high], bracketGtd[high]) = (t, fNew, gNew, gtdNew)
                (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0)
            } else {
                if Swift.abs(gtdNew) <= -c2 * gtd {
                    done = true
                } else if Double(gtdNew) * (bracket[high] - bracket[low]) >= 0 {
                    (bracket[high], bracketF[high], bracketG[high], bracketGtd[high]) =
                        (bracket[low], bracketF[low], bracketG[low], bracketGtd[low])
                }
                (bracket[low], bracketF[low], bracketG[low], bracketGtd[low]) = (t, fNew, gNew, gtdNew)
            }
        }
        return (bracketF[low], bracketG[low], bracket[low], evals)
    }

    /// The minimiser of the cubic through two points with their slopes, kept within bounds
    /// (the bracket by default); the middle when the cubic has none.
    static func cubicInterpolate(_ x1: Double, _ f1: Double, _ g1: T, _ x2: Double, _ f2: Double, _ g2: T,
                                 bounds: (Double, Double)? = nil) -> Double {
        let (lo, hi) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1))
        let (g1, g2) = (Double(g1), Double(g2))
        let d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        let d2Square = d1 * d1 - g1 * g2
        guard d2Square >= 0 else { return (lo + hi) / 2 }
        let d2 = d2Square.squareRoot()
        // a float32 tensor in PyTorch: its value is rounded so
        let minPos = Double(T(x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                           : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))))
        return Swift.min(Swift.max(minPos, lo), hi)
    }

    // MARK: The parameters as one vector

    private func gatherFlatGrad() throws -> [T] {
        var out: [T] = []
        for p in params {
            if let g = p.grad {
                guard g.shape == p.shape else {
                    throw TensorError("gradient of shape \(Shape.describe(g.shape)) for a parameter of shape \(Shape.describe(p.shape))")
                }
                out.append(contentsOf: LBFGSCore.values(g))
            } else {
                out.append(contentsOf: repeatElement(0, count: p.count))
            }
        }
        return out
    }

    /// p += t·d, parameter by parameter.
    private func addToParams(_ t: Double, _ d: [T]) throws {
        var offset = 0
        try GradMode.with(enabled: false) { () throws(TensorError) in
            for p in params {
                let slice = LBFGSCore.tensor(Array(d[offset..<(offset + p.count)]), shape: p.shape)
                try p.add_(slice, alpha: Double(T(t)))
                offset += p.count
            }
        }
    }

    private func setParams(_ x: [[T]]) throws {
        try GradMode.with(enabled: false) { () throws(TensorError) in
            for (p, values) in zip(params, x) { try p.copy_(LBFGSCore.tensor(values, shape: p.shape)) }
        }
    }

    /// A tensor's values as T, in row-major order.
    static func values(_ t: Tensor) -> [T] {
        let v = t.converted(to: T.dtype).materialized()
        return Array(UnsafeBufferPointer(start: v.elements(T.self), count: v.count))
    }

    static func tensor(_ values: [T], shape: Dims) -> Tensor {
        let t = Tensor(uninitializedShape: shape, dtype: T.dtype)
        values.withUnsafeBufferPointer { if let b = $0.baseAddress { t.elements(T.self).update(from: b, count: values.count) } }
        return t
    }

    private func maxAbs(_ v: [T]) -> T { v.reduce(0) { Swift.max($0, Swift.abs($1)) } }

    private func dot(_ a: [T], _ b: [T]) -> T {
        var s: Double = 0
        for i in a.indices { s += Double(a[i]) * Double(b[i]) }
        return T(s)
    }

    private func axpy(_ alpha: T, _ x: [T], _ y: inout [T]) {
        for i in y.indices { y[i] += alpha * x[i] }
    }
}

/// torch.optim.LBFGS over parameters of one floating dtype: the algorithm runs in that type.
public final class LBFGS {
    private enum Core { case float32(LBFGSCore<Float>), float64(LBFGSCore<Double>) }
    private let core: Core

    public init(params: [Tensor], lr: Double = 1, maxIter: Int = 20, maxEval: Int? = nil, toleranceGrad: Double = 1e-7,
                toleranceChange: Double = 1e-9, historySize: Int = 100, strongWolfe: Bool = false) throws(TensorError) {
        guard let first = params.first?.dtype else { throw TensorError("optimizer got an empty parameter list") }
        guard params.allSatisfy({ $0.dtype == first }), first.isFloatingPoint else {
            throw TensorError("LBFGS needs parameters of one floating dtype, got \(Set(params.map { $0.dtype.description }).sorted().joined(separator: " and "))")
        }
        if first == .float64 {
            core = .float64(try LBFGSCore(params: params, lr: lr, maxIter: maxIter, maxEval: maxEval, toleranceGrad: toleranceGrad,
                                          toleranceChange: toleranceChange, historySize: historySize, strongWolfe: strongWolfe))
        } else {
            core = .float32(try LBFGSCore(params: params, lr: lr, maxIter: maxIter, maxEval: maxEval, toleranceGrad: toleranceGrad,
                                          toleranceChange: toleranceChange, historySize: historySize, strongWolfe: strongWolfe))
        }
    }

    public var params: [Tensor] { switch core { case .float32(let c): c.params; case .float64(let c): c.params } }
    public var group: ParamGroup { switch core { case .float32(let c): c.group; case .float64(let c): c.group } }
    public var strongWolfe: Bool { switch core { case .float32(let c): c.strongWolfe; case .float64(let c): c.strongWolfe } }
    public var lr: Double { group.lr }
    public var maxIter: Int { switch core { case .float32(let c): c.maxIter; case .float64(let c): c.maxIter } }
    public var maxEval: Int { switch core { case .float32(let c): c.maxEval; case .float64(let c): c.maxEval } }
    public var toleranceGrad: Double { group.number("tolerance_grad") }
    public var toleranceChange: Double { group.number("tolerance_change") }
    public var historySize: Int { switch core { case .float32(let c): c.historySize; case .float64(let c): c.historySize } }
    public var funcEvals: Int { switch core { case .float32(let c): c.funcEvals; case .float64(let c): c.funcEvals } }
    public var iterations: Int { switch core { case .float32(let c): c.iterations; case .float64(let c): c.iterations } }

    public func zeroGrad(setToNone: Bool = true) {
        switch core { case .float32(let c): c.zeroGrad(setToNone: setToNone); case .float64(let c): c.zeroGrad(setToNone: setToNone) }
    }

    public func step(_ closure: () throws -> Double) throws -> Double {
        switch core {
        case .float32(let c): try c.step(closure)
        case .float64(let c): try c.step(closure)
        }
    }

    /// PyTorch's _cubic_interpolate in float32, as its tests know it.
    static func cubicInterpolate(_ x1: Double, _ f1: Double, _ g1: Float, _ x2: Double, _ f2: Double, _ g2: Float,
                                 bounds: (Double, Double)? = nil) -> Double {
        LBFGSCore<Float>.cubicInterpolate(x1, f1, g1, x2, f2, g2, bounds: bounds)
    }
}
