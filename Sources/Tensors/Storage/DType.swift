// Element types: PyTorch's dtypes, and the Swift types whose loops serve them.
//
// A dtype is a property of storage. Code that moves elements without looking at
// them (views, copies, concatenation, files) goes by `itemSize`; code that
// computes is written once, generic over `TensorElement` (or `TensorFloat` for
// the elementary functions), and picks its specialisation by switching on the dtype.

import CKernels
import Foundation

public enum DType: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    // Declared in PyTorch's promotion order: a wider category (bool < integer <
    // floating) wins, and within one the later case.
    case bool, uint8, int32, int64, float32, float64

    public var itemSize: Int {
        switch self {
        case .bool, .uint8: 1
        case .int32, .float32: 4
        case .int64, .float64: 8
        }
    }

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
    public var isInteger: Bool { self == .uint8 || self == .int32 || self == .int64 }

    /// "float32": PyTorch's name without the module.
    public var name: String {
        switch self {
        case .bool: "bool"
        case .uint8: "uint8"
        case .int32: "int32"
        case .int64: "int64"
        case .float32: "float32"
        case .float64: "float64"
        }
    }

    /// "torch.float32", as PyTorch prints a dtype.
    public var description: String { "torch." + name }

    /// The legacy type name PyTorch's t.type() gives.
    public var typeName: String {
        switch self {
        case .bool: "torch.BoolTensor"
        case .uint8: "torch.ByteTensor"
        case .int32: "torch.IntTensor"
        case .int64: "torch.LongTensor"
        case .float32: "torch.FloatTensor"
        case .float64: "torch.DoubleTensor"
        }
    }

    /// PyTorch's check on a number filled into this dtype (c10::checked_convert): what the
    /// type cannot hold is an error, not a wrapped or saturated value. Floats truncate into
    /// integers; unsigned bytes take -255...255 (negatives wrap, as PyTorch allows); an
    /// integer given exactly is checked as it is.
    public func checkConversion(_ value: Double, exactly integer: Int64? = nil) throws(TensorError) {
        let fits: Bool
        switch self {
        case .bool, .float64: fits = true
        case .float32: fits = !value.isFinite || Swift.abs(value) <= Double(Float.greatestFiniteMagnitude)
        case .int64: fits = integer != nil || (value >= -0x1p63 && value < 0x1p63)
        case .int32: fits = integer.map { Int32(exactly: $0) != nil } ?? (value >= -0x1p31 && value <= 0x1p31 - 1)
        case .uint8: fits = integer.map { $0 >= -255 && $0 <= 255 } ?? (value >= -255 && value <= 255)
        }
        if !fits { throw TensorError("value cannot be converted to type \(cTypeName) without overflow") }
    }

    /// The C++ type PyTorch's messages name (uint8_t, int, int64_t...).
    private var cTypeName: String {
        switch self {
        case .bool: "bool"
        case .uint8: "uint8_t"
        case .int32: "int"
        case .int64: "int64_t"
        case .float32: "float"
        case .float64: "double"
        }
    }

    /// PyTorch's default floating dtype, what integer input to float math becomes.
    public static let defaultFloat = DType.float32

    /// A dtype from any of PyTorch's spellings: "float64", "torch.float64", "double", "long"...
    public init?(name: String) {
        let bare = name.hasPrefix("torch.") ? String(name.dropFirst(6)) : name
        switch bare {
        case "float32", "float": self = .float32
        case "float64", "double": self = .float64
        case "int64", "long": self = .int64
        case "int32", "int": self = .int32
        case "uint8": self = .uint8
        case "bool": self = .bool
        default: return nil
        }
    }

    /// torch.promote_types for two tensors: the wider of the two categories, then the larger type.
    public static func promote(_ a: DType, _ b: DType) -> DType {
        a.rawValue >= b.rawValue ? a : b
    }

    /// bool < integer < floating: a zero-dimensional operand only counts when it is of a wider one.
    public var category: Int { self == .bool ? 0 : (isFloatingPoint ? 2 : 1) }

    /// torch.result_type for two tensors of `a` and `b` dims: dimensioned operands decide, and a
    /// zero-dimensional one only when it is of a wider category (x * torch.tensor(2.0, float64) stays float32).
    public static func result(_ a: DType, zeroDim aIsScalar: Bool, _ b: DType, zeroDim bIsScalar: Bool) -> DType {
        if aIsScalar == bIsScalar { return promote(a, b) }
        let (tensor, scalar) = aIsScalar ? (b, a) : (a, b)
        return scalar.category > tensor.category ? scalar : tensor
    }

    /// The result type of a tensor with a Lua number, as PyTorch treats a Python scalar:
    /// it only matters when it is of a wider category than the tensor.
    public func promoted(withScalarIsInteger integer: Bool, isBool: Bool = false) -> DType {
        if isBool { return self }
        if integer { return self == .bool ? .int64 : self }
        return isFloatingPoint ? self : DType.defaultFloat
    }

    /// What math without an integer meaning (exp, mean, /) computes in.
    public var floating: DType { isFloatingPoint ? self : DType.defaultFloat }
}

/// A Swift type that holds one dtype's elements.
public protocol TensorElement: Equatable, BitwiseCopyable, Sendable {
    static var dtype: DType { get }
    /// PyTorch's casts: floats to integers truncate toward zero (NaN and out-of-range values
    /// give 0 here, where C leaves them undefined); anything nonzero is true.
    init(converting value: Double)
    init(converting value: Int64)
    var doubleValue: Double { get }
    var int64Value: Int64 { get }
    static var zero: Self { get }
    static var one: Self { get }
    /// The order comparisons, sort and max use (false before true for bool).
    static func isLess(_ a: Self, _ b: Self) -> Bool
}

extension TensorElement where Self: Comparable {
    @inline(__always) public static func isLess(_ a: Self, _ b: Self) -> Bool { a < b }
}

/// The floating types: what autograd and the elementary functions work in.
public protocol TensorFloat: TensorElement, BinaryFloatingPoint {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func sigmoid(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
}

/// The integer types (bool counts as one for arithmetic that PyTorch allows on it).
public protocol TensorInteger: TensorElement, FixedWidthInteger {}

extension Float: TensorFloat {
    public static var dtype: DType { .float32 }
    @inline(__always) public init(converting value: Double) { self = Float(value) }
    @inline(__always) public init(converting value: Int64) { self = Float(value) }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public var int64Value: Int64 { Double(self).clampedInt64 }
    public static var one: Float { 1 }
    // Cephes' approximations in CKernels, as the fused kernels use: a float32 result
    // does not depend on which op computed it.
    @inline(__always) public static func exp(_ x: Float) -> Float { VectorMath.exp(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func sin(_ x: Float) -> Float { sinf(x) }
    @inline(__always) public static func cos(_ x: Float) -> Float { cosf(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { VectorMath.tanh(x) }
    @inline(__always) public static func sigmoid(_ x: Float) -> Float { VectorMath.sigmoid(x) }
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: TensorFloat {
    public static var dtype: DType { .float64 }
    @inline(__always) public init(converting value: Double) { self = value }
    @inline(__always) public init(converting value: Int64) { self = Double(value) }
    @inline(__always) public var doubleValue: Double { self }
    @inline(__always) public var int64Value: Int64 { clampedInt64 }
    public static var one: Double { 1 }
    @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    @inline(__always) public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inline(__always) public static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}

extension Int64: TensorInteger {
    public static var dtype: DType { .int64 }
    @inline(__always) public init(converting value: Double) { self = value.clampedInt64 }
    @inline(__always) public init(converting value: Int64) { self = value }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public var int64Value: Int64 { self }
    public static var one: Int64 { 1 }
}

extension Int32: TensorInteger {
    public static var dtype: DType { .int32 }
    @inline(__always) public init(converting value: Double) { self = Int32(truncatingIfNeeded: value.clampedInt64) }
    @inline(__always) public init(converting value: Int64) { self = Int32(truncatingIfNeeded: value) }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public var int64Value: Int64 { Int64(self) }
    public static var one: Int32 { 1 }
}

extension UInt8: TensorInteger {
    public static var dtype: DType { .uint8 }
    @inline(__always) public init(converting value: Double) { self = UInt8(truncatingIfNeeded: value.clampedInt64) }
    @inline(__always) public init(converting value: Int64) { self = UInt8(truncatingIfNeeded: value) }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public var int64Value: Int64 { Int64(self) }
    public static var one: UInt8 { 1 }
}

extension Bool: TensorElement {
    public static var dtype: DType { .bool }
    @inline(__always) public init(converting value: Double) { self = value != 0 }
    @inline(__always) public init(converting value: Int64) { self = value != 0 }
    @inline(__always) public var doubleValue: Double { self ? 1 : 0 }
    @inline(__always) public var int64Value: Int64 { self ? 1 : 0 }
    public static var zero: Bool { false }
    public static var one: Bool { true }
    @inline(__always) public static func isLess(_ a: Bool, _ b: Bool) -> Bool { !a && b }
}

extension Double {
    /// Truncation toward zero that never traps: NaN gives 0, and values past Int64's range its ends.
    @inline(__always) var clampedInt64: Int64 {
        if self.isNaN { return 0 }
        if self >= 9.2233720368547758e18 { return .max }
        if self <= -9.2233720368547758e18 { return .min }
        return Int64(self)
    }
}

/// Code run once per dtype with the dtype's Swift type: `dtype.visit(v)` calls `v.visit(T.self)`.
public protocol ElementVisitor {
    associatedtype Result
    func visit<T: TensorElement>(_ type: T.Type) -> Result
}

extension DType {
    @inline(__always)
    public func visit<V: ElementVisitor>(_ v: V) -> V.Result {
        switch self {
        case .bool: v.visit(Bool.self)
        case .uint8: v.visit(UInt8.self)
        case .int32: v.visit(Int32.self)
        case .int64: v.visit(Int64.self)
        case .float32: v.visit(Float.self)
        case .float64: v.visit(Double.self)
        }
    }
}
