// A node of the backward graph: what one operation needs to send gradients back
// to its inputs. Nodes are built while the forward pass runs (define-by-run) and
// let go of their saved tensors as soon as backward has used them.

/// Where a gradient goes: a node's output, or a leaf tensor's .grad.
public enum Edge {
    case node(Node, outputIndex: Int)
    case leaf(Tensor)
}

public class Node {
    /// PyTorch's grad_fn name, e.g. "AddBackward0".
    public let name: String
    /// One edge per differentiable input (nil where the input needs no gradient).
    public private(set) var edges: [Edge?]
    /// How many tensors this node produced.
    public let outputCount: Int
    private var saved: [(storage: Storage, version: Int)]
    /// Outputs that keep their gradient in .grad (retain_grad), held weakly.
    var retainedOutputs: [(index: Int, tensor: WeakTensor)] = []
    private var backwardFunction: (([Tensor?]) throws(TensorError) -> [Tensor?])?

    /// `backward` maps the gradients of the outputs (nil where none arrived) to the
    /// gradients of the inputs, in the order of `inputs`. `saving` lists the tensors
    /// it reads, so an in-place change to one is caught rather than giving wrong numbers.
    public init(name: String, inputs: [Tensor?], outputCount: Int = 1, saving: [Tensor] = [],
                backward: @escaping ([Tensor?]) throws(TensorError) -> [Tensor?]) {
        self.name = name
        self.edges = inputs.map { $0.flatMap(Node.edge(to:)) }
        self.outputCount = outputCount
        self.saved = saving.map { ($0.storage, $0.storage.version) }
        self.backwardFunction = backward
    }

    static func edge(to t: Tensor) -> Edge? {
        if let fn = t.gradFn { return .node(fn, outputIndex: t.outputIndex) }
        return t.requiresGrad ? .leaf(t) : nil
    }

    func apply(_ gradOutputs: [Tensor?]) throws(TensorError) -> [Tensor?] {
        guard let backwardFunction else {
            throw TensorError("trying to backward through the graph a second time (or directly access saved tensors after they have already been freed); call backward with retain_graph=true the first time")
        }
        for s in saved where s.storage.version != s.version {
            throw TensorError("one of the variables needed for gradient computation has been modified by an inplace operation (\(name))")
        }
        return try backwardFunction(gradOutputs)
    }

    /// Frees what backward needed; a second backward through this node is an error.
    func release() {
        backwardFunction = nil
        saved = []
    }

    // Releasing a graph's last node would release the node before it from inside this
    // deinit, and so on down the chain: a million chained operations overflowed the
    // native stack. As PyTorch's deleteNode, the nodes only this one holds are taken
    // from it and torn down from a work list, each with nothing left to release recursively.
    deinit {
        guard edges.contains(where: { if case .node? = $0 { true } else { false } }) else { return }
        backwardFunction = nil
        var stack = Node.takeNextNodes(self)
        while !stack.isEmpty {
            var node = stack.removeLast()
            if isKnownUniquelyReferenced(&node) {
                // its captures first: they may hold tensors whose nodes its edges hold too
                node.backwardFunction = nil
                node.saved = []
                stack.append(contentsOf: Node.takeNextNodes(node))
            }
            // released here: a node taken apart has nothing left to release, and one still
            // on the stack is torn down when its last copy there comes up
        }
    }

    /// The nodes `node`'s edges lead to (each once), which it no longer holds.
    private static func takeNextNodes(_ node: Node) -> [Node] {
        let taken = node.edges
        node.edges = []
        var next: [Node] = []
        // a set, not a search of `next`: a cat or stack of a million tensors has a million edges
        var seen = Set<ObjectIdentifier>()
        for case let .node(n, _)? in taken where seen.insert(ObjectIdentifier(n)).inserted { next.append(n) }
        return next
    }
}

struct WeakTensor {
    weak var tensor: Tensor?
}

extension Tensor {
    /// Keeps .grad on a non-leaf after backward, as PyTorch's retain_grad (a no-op on leaves).
    public func retainGrad() throws(TensorError) {
        guard requiresGrad else { throw TensorError("can't retain_grad on a tensor that has requires_grad=False") }
        guard let fn = gradFn else { return }
        fn.retainedOutputs.append((outputIndex, WeakTensor(tensor: self)))
    }
}
