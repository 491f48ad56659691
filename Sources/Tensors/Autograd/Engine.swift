// Backward: sends gradients from the roots through the graph to the leaves.
//
// Nodes run in dependency order: a node runs once every node that feeds it a
// gradient has run, so each node's incoming gradients are summed before it runs.

extension Tensor {
    /// Accumulates d(self)/d(leaf) * gradient into every leaf's .grad, as PyTorch's
    /// backward. `gradient` may be omitted for a one-element tensor.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) throws(TensorError) {
        guard requiresGrad else {
            throw TensorError("element 0 of tensors does not require grad and does not have a grad_fn")
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                throw TensorError("gradient has shape \(Shape.describe(gradient.shape)) but the tensor has shape \(Shape.describe(shape))")
            }
            seed = gradient.converted(to: dtype)
        } else {
            guard count == 1 else { throw TensorError("grad can be implicitly created only for scalar outputs") }
            seed = Tensor(filling: 1, shape: shape, dtype: dtype)
        }
        try GradMode.with(enabled: false) { () throws(TensorError) in
            try Engine.run(root: self, gradient: seed, retainGraph: retainGraph)
        }
    }
}

enum Engine {
    static func run(root: Tensor, gradient: Tensor, retainGraph: Bool) throws(TensorError) {
        let observers = TensorContext.current.liveBackwardObservers
        if observers.isEmpty { return try propagate(root: root, gradient: gradient, retainGraph: retainGraph, observers: []) }
        do {
            try propagate(root: root, gradient: gradient, retainGraph: retainGraph, observers: observers)
        } catch {
            for o in observers { try? o.backwardEnded(completed: false) }
            throw error
        }
        for o in observers { try o.backwardEnded(completed: true) }
    }

    private static func propagate(root: Tensor, gradient: Tensor, retainGraph: Bool, observers: [any BackwardObserver]) throws(TensorError) {
        guard let rootNode = root.gradFn else {
            accumulate(gradient, into: root)
            for o in observers { try o.gradientReady(root) }
            return
        }
        // Count, for every node, how many gradients it will receive.
        var pending: [ObjectIdentifier: Int] = [ObjectIdentifier(rootNode): 0]
        var order: [Node] = [rootNode]
        var i = 0
        while i < order.count {
            for case let .node(next, _)? in order[i].edges {
                let id = ObjectIdentifier(next)
                if let n = pending[id] { pending[id] = n + 1 } else { pending[id] = 1; order.append(next) }
            }
            i += 1
        }
        // A leaf's gradient is complete once every edge into it has been followed.
        var leafEdges: [ObjectIdentifier: Int] = [:]
        if !observers.isEmpty {
            for node in order {
                for case let .leaf(leaf)? in node.edges { leafEdges[ObjectIdentifier(leaf), default: 0] += 1 }
            }
        }

        var buffers: [ObjectIdentifier: [Tensor?]] = [:]
        buffers[ObjectIdentifier(rootNode)] = slots(for: rootNode, index: root.outputIndex, gradient: gradient)
        var ready: [Node] = [rootNode]
        while let node = ready.popLast() {
            let id = ObjectIdentifier(node)
            let incoming = buffers.removeValue(forKey: id) ?? []
            for r in node.retainedOutputs {
                if let t = r.tensor.tensor, r.index < incoming.count, let g = incoming[r.index] { accumulate(g, into: t) }
            }
            var outgoing = incoming.contains(where: { $0 != nil })
                ? try node.apply(incoming) : [Tensor?](repeating: nil, count: node.edges.count)
            if !retainGraph { node.release() }
            for (k, edge) in node.edges.enumerated() where k < outgoing.count {
                guard let edge else { continue }
                // moved out of the list, so that a gradient nothing else holds is seen as such
                var g = outgoing[k]
                outgoing[k] = nil
                switch edge {
                case .leaf(let leaf):
                    if g != nil { accumulate(consuming: &g!, into: leaf) }
                    if !observers.isEmpty {
                        let id = ObjectIdentifier(leaf)
                        let left = leafEdges[id]! - 1
                        leafEdges[id] = left
                        if left == 0 { for o in observers { try o.gradientReady(leaf) } }
                    }
                case .node(let next, let index):
                    let nextID = ObjectIdentifier(next)
                    if let g {
                        // in place in the dictionary: a copy per edge would be n² for a node of n outputs
                        buffers[nextID, default: [Tensor?](repeating: nil, count: next.outputCount)][index] =
                            buffers[nextID]?[index].map { $0.adding(g) } ?? g
                    }
                    let left = pending[nextID]! - 1
                    pending[nextID] = left
                    if left == 0 { ready.append(next) }
                }
            }
        }
    }

    private static func slots(for node: Node, index: Int, gradient: Tensor) -> [Tensor?] {
        var s = [Tensor?](repeating: nil, count: node.outputCount)
        s[index] = gradient
        return s
    }

    /// leaf.grad += g, keeping .grad a tensor of its own (never an alias of g).
    static func accumulate(_ g: Tensor, into leaf: Tensor) {
        if let existing = leaf.grad {
            existing.addInPlaceUnchecked(g)
        } else {
            leaf.grad = g.copied()
        }
    }

    /// accumulate, except that a g nothing else holds becomes .grad itself (as PyTorch
    /// steals a gradient only the engine references): a copy of every large weight's
    /// gradient each step saved, and still no alias, since no one else can see g.
    static func accumulate(consuming g: inout Tensor, into leaf: Tensor) {
        if leaf.grad == nil, g.dtype == leaf.dtype, g.shape == leaf.shape, g.gradFn == nil, !g.requiresGrad,
           Tensor.isSoleOwner(&g) {
            leaf.grad = g
        } else {
            accumulate(g, into: leaf)
        }
    }
}
