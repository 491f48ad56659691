// In-place writes: copy_, fill_, zero_, add_, sub_, mul_, div_ (PyTorch's trailing underscore).
//
// They are refused where PyTorch refuses them (a leaf that requires grad, while
// recording) and where lstmlua does not rewrite the graph (a result in a graph).
// Every write bumps the storage version, so a backward that saved the old values fails loudly.

extension Tensor {
    public func checkWritable(_ operands: Tensor...) throws(TensorError) {
        try checkNoInternalOverlap()
        try checkGradWritable(operands)
    }

    /// The autograd half of checkWritable.
    func checkGradWritable(_ operands: [Tensor]) throws(TensorError) {
        guard GradMode.isEnabled else { return }
        if requiresGrad && isLeaf {
            throw TensorError("a leaf Variable that requires grad is being used in an in-place operation")
        }
        if requiresGrad {
            throw TensorError("in-place operations on a tensor that is part of a graph are not supported; use the out-of-place form")
        }
        if operands.contains(where: { $0.requiresGrad }) {
            throw TensorError("in-place operations with an operand that requires grad are not supported; use the out-of-place form")
        }
    }

    /// Refuses a write into a view whose elements share memory (an expanded tensor): each
    /// location would be written several times, as PyTorch refuses it.
    func checkNoInternalOverlap() throws(TensorError) {
        if !isContiguous && Shape.mayOverlap(shape, strides) {
            throw TensorError("unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.")
        }
    }

    func checkBroadcastable(_ src: Tensor) throws(TensorError) {
        guard let s = Shape.broadcast(shape, src.shape), s == shape else {
            throw TensorError("output with shape \(Shape.describe(shape)) doesn't match the broadcast shape of \(Shape.describe(src.shape))")
        }
    }

    public func copy_(_ src: Tensor) throws(TensorError) {
        try checkWritable(src)
        try checkBroadcastable(src)
        // A source that overlaps this view must be read before it is overwritten.
        let source = src.storage === storage ? src.copied() : src
        assign(source)
        storage.bumpVersion()
    }

    public func fill_(_ value: Double) throws(TensorError) {
        try checkWritable()
        fillValues(value)
        storage.bumpVersion()
    }

    public func zero_() throws(TensorError) { try fill_(0) }

    /// self += alpha·other (other converted to self's dtype, as PyTorch's in-place ops cast);
    /// for floats alpha·other + self rounds once, as PyTorch's fused add.
    public func add_(_ other: Tensor, alpha: Double = 1) throws(TensorError) {
        try checkWritable(other)
        try checkBroadcastable(other)
        try checkInPlaceResult(DType.promote(dtype, other.dtype))
        if !dtype.isFloatingPoint && alpha != alpha.rounded(.towardZero) {
            throw TensorError("for integral input tensors, argument alpha must not be a floating point number")
        }
        let source = other.storage === storage ? other.copied() : other
        if alpha == 1 {
            updateValues(.add, source)
        } else {
            addScaled(source.converted(to: dtype), alpha)
        }
        storage.bumpVersion()
    }

    /// self += alpha·b, b of self's dtype and broadcastable to it.
    private func addScaled(_ b: Tensor, _ alpha: Double) {
        switch dtype {
        case .float32:
            if FloatKernels.addScaledInPlace(self, b, alpha: Float(alpha)) { return }
            let a = Float(alpha)
            Elementwise.update(self, b) { (p: Float, q: Float) -> Float in p.addingProduct(q, a) }
        case .float64:
            Elementwise.update(self, b) { (p: Double, q: Double) -> Double in p.addingProduct(q, alpha) }
        default:
            updateValues(.add, b.scaled(alpha))   // integers: exact
        }
    }

    /// self -= alpha·other; PyTorch refuses bool operands (a mask is inverted with logical_not).
    public func sub_(_ other: Tensor, alpha: Double = 1) throws(TensorError) {
        try Tensor.checkSubtraction(dtype, other.dtype)
        if alpha == 1 { try update_(.sub, other) } else { try add_(other, alpha: -alpha) }
    }

    public func sub_(_ s: Double) throws(TensorError) {
        try Tensor.checkSubtraction(dtype, nil)
        try update_(.sub, s)
    }

    static func checkSubtraction(_ a: DType, _ b: DType?) throws(TensorError) {
        if a == .bool && b == .bool {
            throw TensorError("subtraction, the `-` operator, with two bool tensors is not supported; use the `^` or `logical_xor()` operator instead")
        }
        if a == .bool || b == .bool {
            throw TensorError("subtraction, the `-` operator, with a bool tensor is not supported; to invert a mask, use the `~` or `logical_not()` operator instead")
        }
    }

    public func add_(_ s: Double) throws(TensorError) {
        try checkWritable()
        try checkInPlaceScalar(s)
        assign(scalarArithmetic(.add, s))
        storage.bumpVersion()
    }

    public func mul_(_ other: Tensor) throws(TensorError) { try update_(.mul, other) }
    public func mul_(_ s: Double) throws(TensorError) { try update_(.mul, s) }

    /// self op= other (broadcast to self's shape) for op in + - * /: a quotient is a
    /// float, which an integer tensor refuses, as PyTorch's div_.
    public func update_(_ op: ArithmeticOp, _ other: Tensor) throws(TensorError) {
        if op == .sub { try Tensor.checkSubtraction(dtype, other.dtype) }
        try checkWritable(other)
        try checkBroadcastable(other)
        let result = DType.promote(dtype, other.dtype)
        try checkInPlaceResult(op == .div && !result.isFloatingPoint ? DType.defaultFloat : result)
        let source = other.storage === storage ? other.copied() : other
        updateValues(op, source)
        storage.bumpVersion()
    }

    /// self op= s for op in + - * /.
    public func update_(_ op: ArithmeticOp, _ s: Double) throws(TensorError) {
        if op == .sub { try Tensor.checkSubtraction(dtype, nil) }
        try checkWritable()
        try checkInPlaceScalar(op == .div && !dtype.isFloatingPoint ? 0.5 : s)
        assign(scalarArithmetic(op, s))
        storage.bumpVersion()
    }

    /// PyTorch refuses an in-place result that its dtype cannot hold (a float into an integer
    /// tensor, a number into a bool one).
    public func checkInPlaceResult(_ result: DType) throws(TensorError) {
        if (result.isFloatingPoint && !dtype.isFloatingPoint) || (dtype == .bool && result != .bool) {
            throw TensorError("result type \(result.typeName.dropFirst(6).dropLast(6)) can't be cast to the desired output type \(dtype.typeName.dropFirst(6).dropLast(6))")
        }
    }

    /// For self op= s with a floating-point scalar (a Lua float, Python's float): the result
    /// is a float, which an integer or bool tensor cannot hold in place, whatever the value
    /// (add_(2.0) too). Subtraction's own refusals come first, as PyTorch's.
    public func checkInPlaceFloatScalar(_ op: ArithmeticOp) throws(TensorError) {
        if op == .sub { try Tensor.checkSubtraction(dtype, nil) }
        if !dtype.isFloatingPoint { try checkInPlaceResult(DType.defaultFloat) }
    }

    func checkInPlaceScalar(_ s: Double) throws(TensorError) {
        if dtype == .bool { try checkInPlaceResult(.int64) }   // a number makes the result at least Long
        if !dtype.isFloatingPoint && s != s.rounded(.towardZero) { try checkInPlaceResult(.float32) }
    }

    /// Every value set to `value` (as this dtype casts it), outside autograd and version checks.
    func fillValues(_ value: Double) {
        switch dtype {
        case .float32: let v = Float(value); Elementwise.updateEach(self) { (_: Float) -> Float in v }
        case .float64: Elementwise.updateEach(self) { (_: Double) -> Double in value }
        case .int64: let v = Int64(converting: value); Elementwise.updateEach(self) { (_: Int64) -> Int64 in v }
        case .int32: let v = Int32(converting: value); Elementwise.updateEach(self) { (_: Int32) -> Int32 in v }
        case .uint8: let v = UInt8(converting: value); Elementwise.updateEach(self) { (_: UInt8) -> UInt8 in v }
        case .bool: let v = value != 0; Elementwise.updateEach(self) { (_: Bool) -> Bool in v }
        }
    }

    /// self op= other (broadcast to self's shape), in self's dtype.
    func updateValues(_ op: ArithmeticOp, _ other: Tensor) {
        let b = other.converted(to: dtype)
        switch dtype {
        case .float32: if !FloatKernels.updateInPlace(op, self, b) { Tensor.updateLoop(op, self, b, Float.self) }
        case .float64: Tensor.updateLoop(op, self, b, Double.self)
        default: assign(Tensor.zipSame(op, self, b))
        }
    }

    @inline(__always)
    private static func updateLoop<T: TensorFloat>(_ op: ArithmeticOp, _ a: Tensor, _ b: Tensor, _: T.Type) {
        switch op {
        case .add: Elementwise.update(a, b) { (p: T, q: T) -> T in p + q }
        case .sub: Elementwise.update(a, b) { (p: T, q: T) -> T in p - q }
        case .mul: Elementwise.update(a, b) { (p: T, q: T) -> T in p * q }
        case .div: Elementwise.update(a, b) { (p: T, q: T) -> T in p / q }
        case .pow: Elementwise.update(a, b) { (p: T, q: T) -> T in T.pow(p, q) }
        }
    }

    /// self[i] = src along the first dimension (src broadcast), as Lua's t[i] = v.
    public func write(_ src: Tensor, at i: Int) throws(TensorError) {
        let target = selectUnchecked(0, i)
        // only the row written to must not overlap itself, as PyTorch's x[i] = v
        try target.checkNoInternalOverlap()
        try checkGradWritable([src])
        try target.checkBroadcastable(src)
        target.assign(src.storage === storage ? src.copied() : src)
        storage.bumpVersion()
    }

    /// Sets every value to 0 whatever the strides, outside autograd (an optimizer's zero_grad).
    public func zeroValues() {
        fillValues(0)
        storage.bumpVersion()
    }

    /// self += g for gradient accumulation (shapes equal, outside autograd).
    func addInPlaceUnchecked(_ g: Tensor) {
        updateValues(.add, g)
        storage.bumpVersion()
    }
}
