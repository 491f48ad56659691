// A tensor: a strided view of a Storage (whose dtype it has), plus what autograd needs.
//
// Shapes, strides and offsets are PyTorch's (row-major, in elements). Dimension
// numbers in this core are 0-based; the Lua layer converts from Lua's 1-based ones.

public final class Tensor {
    // var only so that the autograd engine can ask whether this tensor is its storage's only holder
    public private(set) var storage: Storage
    public let shape: Dims
    public let strides: Dims
    public let offset: Int
    public let count: Int
    public let isContiguous: Bool
    /// The first element's address (stored, so kernels in other modules read it directly).
    public let raw: UnsafeMutableRawPointer
    public var dtype: DType { storage.dtype }

    /// The first element of a float32 tensor; any other dtype is a programmer's error.
    public var data: UnsafeMutablePointer<Float> {
        precondition(storage.dtype == .float32, "float32 access to a \(storage.dtype) tensor")
        return raw.assumingMemoryBound(to: Float.self)
    }

    /// The first element as T, which must be the tensor's element type.
    @inline(__always)
    public func elements<T: TensorElement>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        precondition(storage.dtype == T.dtype, "\(T.dtype) access to a \(storage.dtype) tensor")
        return raw.assumingMemoryBound(to: T.self)
    }

    /// Autograd: a leaf that wants .grad, or (when gradFn is set) a result in a graph.
    public internal(set) var requiresGrad: Bool
    /// Gradients accumulated here by backward (leaves, and results that retain it).
    public var grad: Tensor?
    /// The node that made this tensor, and which of its outputs this is.
    public internal(set) var gradFn: Node?
    public internal(set) var outputIndex = 0

    /// Whether `tensor` is the only reference to itself and to its storage, which it fills
    /// exactly: then nothing else can see its values, and they may be handed on without a copy.
    static func isSoleOwner(_ tensor: inout Tensor) -> Bool {
        isKnownUniquelyReferenced(&tensor) && tensor.isContiguous && tensor.offset == 0
            && tensor.count == tensor.storage.count && isKnownUniquelyReferenced(&tensor.storage)
    }

    public convenience init(storage: Storage, shape: Dims, strides: Dims, offset: Int = 0) {
        self.init(storage: storage, shape: shape, strides: strides, offset: offset, count: Shape.count(shape),
                  contiguous: Shape.isContiguous(shape, strides))
    }

    init(storage: Storage, shape: Dims, strides: Dims, offset: Int, count: Int, contiguous: Bool) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.raw = storage.raw + offset * storage.dtype.itemSize
        self.count = count
        self.isContiguous = contiguous
        self.requiresGrad = false
    }

    /// A fresh contiguous tensor, its values uninitialised.
    public convenience init(uninitializedShape shape: Dims, dtype: DType = .float32) {
        let n = Shape.count(shape)
        self.init(storage: Storage.make(count: n, dtype: dtype), shape: shape, strides: Shape.contiguousStrides(shape),
                  offset: 0, count: n, contiguous: true)
    }

    /// A fresh contiguous tensor of `dtype` with every value `value` (converted as PyTorch casts).
    public convenience init(filling value: Double, shape: Dims, dtype: DType) {
        self.init(uninitializedShape: shape, dtype: dtype)
        dtype.visit(Fill(tensor: self, value: value))
    }

    private struct Fill: ElementVisitor {
        let tensor: Tensor, value: Double
        func visit<T: TensorElement>(_ type: T.Type) {
            let v = T(converting: value)
            if T.self == Float.self {
                FloatKernels.fill(tensor.data, repeating: unsafeBitCast(v, to: Float.self), count: tensor.count)
            } else if withUnsafeBytes(of: v, { $0.allSatisfy { $0 == 0 } }) {
                FloatKernels.zeroBytes(tensor.raw, count: tensor.count * MemoryLayout<T>.stride)
            } else {
                tensor.elements(T.self).initialize(repeating: v, count: tensor.count)
            }
        }
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

    /// The values in row-major order as Double, whatever the strides and dtype.
    public var doubles: [Double] { dtype.visit(Doubles(tensor: self)) }

    private struct Doubles: ElementVisitor {
        let tensor: Tensor
        func visit<T: TensorElement>(_ type: T.Type) -> [Double] {
            let base = tensor.storage.elements(T.self)
            var out = [Double]()
            out.reserveCapacity(tensor.count)
            tensor.forEachOffset { out.append(base[$0].doubleValue) }
            return out
        }
    }

    /// The value at a storage offset as Double, whatever the dtype.
    public func double(atOffset position: Int) -> Double { dtype.visit(ValueAt(tensor: self, position: position)) }

    /// Writes the value at a storage offset (cast to the dtype), outside autograd and version checks.
    public func setValue(_ value: Double, atOffset position: Int) {
        dtype.visit(SetValue(tensor: self, position: position, value: value))
    }

    private struct SetValue: ElementVisitor {
        let tensor: Tensor, position: Int, value: Double
        func visit<T: TensorElement>(_ type: T.Type) { tensor.storage.elements(T.self)[position] = T(converting: value) }
    }

    private struct ValueAt: ElementVisitor {
        let tensor: Tensor, position: Int
        func visit<T: TensorElement>(_ type: T.Type) -> Double { tensor.storage.elements(T.self)[position].doubleValue }
    }

    /// The values in row-major order, whatever the strides (a float32 tensor's).
    public var values: [Float] {
        if isContiguous { return Array(UnsafeBufferPointer(start: data, count: count)) }
        var out = [Float]()
        out.reserveCapacity(count)
        forEachOffset { out.append(storage.data[$0]) }
        return out
    }

    /// The single value of a one-element tensor.
    public func item() throws(TensorError) -> Double {
        guard count == 1 else {
            throw TensorError("a Tensor with \(count) elements cannot be converted to a number")
        }
        return double(atOffset: offset)
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
        if flag && !dtype.isFloatingPoint {
            throw TensorError("only Tensors of floating point dtype can require gradients")
        }
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
