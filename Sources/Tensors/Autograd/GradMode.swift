// Whether operations record the backward graph (torch.no_grad switches it off).

public enum GradMode {
    /// The current context's setting (TensorContext).
    @inline(__always)
    public static var isEnabled: Bool { TensorContext.current.gradEnabled }

    /// Runs body with recording switched to `enabled`, restoring it afterwards.
    public static func with<T, E: Error>(enabled: Bool, _ body: () throws(E) -> T) throws(E) -> T {
        let context = TensorContext.current
        let previous = context.gradEnabled
        context.gradEnabled = enabled
        defer { context.gradEnabled = previous }
        return try body()
    }

    public static func set(_ enabled: Bool) { TensorContext.current.gradEnabled = enabled }
}

extension Tensor {
    /// Records `node` as this result's origin when any input needs a gradient.
    /// Returns true when it did, so callers can skip saving work otherwise.
    @inline(__always)
    public static func needsGrad(_ a: Tensor) -> Bool {
        GradMode.isEnabled && a.requiresGrad
    }

    @inline(__always)
    public static func needsGrad(_ a: Tensor, _ b: Tensor) -> Bool {
        GradMode.isEnabled && (a.requiresGrad || b.requiresGrad)
    }

    /// Whether recording is on and any of `inputs` needs a gradient.
    public static func needsGrad(_ inputs: [Tensor?]) -> Bool {
        guard GradMode.isEnabled else { return false }
        for case let t? in inputs where t.requiresGrad { return true }
        return false
    }

    /// Makes this tensor output `index` of `node`.
    public func attach(to node: Node, index: Int = 0) {
        gradFn = node
        outputIndex = index
        requiresGrad = true
    }
}
