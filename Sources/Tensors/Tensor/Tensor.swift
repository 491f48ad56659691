// A Float32 tensor: a strided view of a Storage, plus what autograd needs.
//
// Shapes, strides and offsets are PyTorch's (row-major, in elements). Dimension
// numbers in this core are 0-based; the Lua layer converts from Lua's 1-based ones.

public final class Tensor {
    public let storage: Storage
    public let shape: Dims
    public let strides: Dims
    public let offset: Int
    public let count: Int
    public let isContiguous: Bool
    /// The first element's address (stored, so kernels in other modules read it directly).
    public let data: UnsafeMutablePointer<Float>

    /// Autograd: a leaf that wants .grad, or (when gradFn is set) a result in a graph.
    public internal(set) var requiresGrad: Bool
    /// Gradients accumulated here by backward (leaves, and results that retain it).
    public var grad: Tensor?
    /// The node that made this tensor, and which of its outputs this is.
    public internal(set) var gradFn: Node?
    public internal(set) var outputIndex = 0

    public convenience init(storage: Storage, shape: Dims, strides: Dims, offset: Int = 0) {
        self.init(storage: storage, shape: shape, strides: strides, offset: offset, count: Shape.count(shape),
                  contiguous: Shape.isContiguous(shape, strides))
    }

    init(storage: Storage, shape: Dims, strides: Dims, offset: Int, count: Int, contiguous: Bool) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.data = storage.data + offset
        self.count = count
        self.isContiguous = contiguous
        self.requiresGrad = false
    }

    /// A fresh contiguous tensor, its values uninitialised.
    public convenience init(uninitializedShape shape: Dims) {
        let n = Shape.count(shape)
        self.init(storage: Storage.make(count: n), shape: shape, strides: Shape.contiguousStrides(shape), offset: 0,
                  count: n, contiguous: true)
    }

    /// A fresh contiguous tensor with every value `value`.
    public convenience init(repeating value: Float, shape: Dims) {
        let n = Shape.count(shape)
        self.init(storage: Storage.make(repeating: value, count: n), shape: shape, strides: Shape.contiguousStrides(shape),
                  offset: 0, count: n, contiguous: true)
    }

    /// A fresh contiguous tensor holding `values` (row-major) with `shape`.
    public convenience init(_ values: [Float], shape: Dims) {
        precondition(values.count == Shape.count(shape), "values do not fill the shape")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A 0-dimensional tensor.
    public convenience init(scalar: Float) {
        self.init(repeating: scalar, shape: [])
    }

    public var dim: Int { shape.count }
    public var isLeaf: Bool { gradFn == nil }

    /// The values in row-major order, whatever the strides.
    public var values: [Float] {
        if isContiguous { return Array(UnsafeBufferPointer(start: data, count: count)) }
        var out = [Float]()
        out.reserveCapacity(count)
        forEachOffset { out.append(storage.data[$0]) }
        return out
    }

    /// The single value of a one-element tensor.
    public func item() throws(TensorError) -> Float {
        guard count == 1 else {
            throw TensorError("a Tensor with \(count) elements cannot be converted to a number")
        }
        return data.pointee
    }

    /// Calls body with the storage offset of every element, in row-major order.
    @inline(__always)
    public func forEachOffset(_ body: (Int) -> Void) {
        forEachRow { start, length, stride in
            var p = start
            for _ in 0..<length { body(p); p += stride }
        }
    }

    /// Calls `body(start, length, stride)` for each run of the innermost dimension, in order.
    public func forEachRow(_ body: (_ start: Int, _ length: Int, _ stride: Int) -> Void) {
        if count == 0 { return }
        if dim == 0 { body(offset, 1, 1); return }
        var index = Dims(repeating: 0, count: dim)
        var position = offset
        let last = dim - 1
        let innerSize = shape[last], innerStride = strides[last]
        while true {
            body(position, innerSize, innerStride)
            var d = last - 1
            while d >= 0 {
                index[d] += 1
                position += strides[d]
                if index[d] < shape[d] { break }
                position -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// The same values and view, cut off from autograd.
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// Sets requires_grad on a leaf, as PyTorch's requires_grad_().
    public func setRequiresGrad(_ flag: Bool) throws(TensorError) {
        if !isLeaf {
            if flag { return }
            throw TensorError("you can only change requires_grad flags of leaf variables; use detach() to get a tensor that does not require grad")
        }
        requiresGrad = flag
    }
}

/// A problem with a tensor operation's input, in words for the user.
public struct TensorError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// Ctrl-C stopped a long native loop.
    public static let interrupted = TensorError("interrupted!")
}
