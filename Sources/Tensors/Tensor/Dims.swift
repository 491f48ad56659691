// A tensor's sizes or strides: at most eight numbers, kept inline.
//
// Every view makes a new shape and new strides; as arrays those would be two
// heap allocations per tensor, more than the arithmetic of a small operation.

public struct Dims: RandomAccessCollection, MutableCollection, Hashable, ExpressibleByArrayLiteral, Sendable,
                    CustomStringConvertible {
    /// The most dimensions a tensor has.
    public static let maxRank = 8

    private var values = InlineArray<8, Int>(repeating: 0)
    public private(set) var count = 0

    public init() {}

    public init<S: Sequence>(_ elements: S) where S.Element == Int {
        for e in elements { append(e) }
    }

    public init(arrayLiteral elements: Int...) {
        self.init(elements)
    }

    public init(repeating value: Int, count: Int) {
        precondition(count <= Dims.maxRank, "more than \(Dims.maxRank) dimensions")
        self.count = count
        for i in 0..<count { self[i] = value }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    @inline(__always)
    public subscript(i: Int) -> Int {
        get {
            precondition(i >= 0 && i < count, "dimension index out of range")
            return values[i]
        }
        set {
            precondition(i >= 0 && i < count, "dimension index out of range")
            values[i] = newValue
        }
    }

    public mutating func append(_ value: Int) {
        precondition(count < Dims.maxRank, "more than \(Dims.maxRank) dimensions")
        count += 1
        self[count - 1] = value
    }

    public mutating func insert(_ value: Int, at index: Int) {
        precondition(index >= 0 && index <= count)
        append(0)
        var i = count - 1
        while i > index { self[i] = self[i - 1]; i -= 1 }
        self[index] = value
    }

    @discardableResult
    public mutating func remove(at index: Int) -> Int {
        let v = self[index]
        for i in index..<(count - 1) { self[i] = self[i + 1] }
        count -= 1
        return v
    }

    public static func == (a: Dims, b: Dims) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }

    public func hash(into h: inout Hasher) {
        h.combine(count)
        for v in self { h.combine(v) }
    }

    public static func + (a: Dims, b: Dims) -> Dims {
        var out = a
        for v in b { out.append(v) }
        return out
    }

    /// The numbers from `range`, as Dims.
    public func slice(_ range: Range<Int>) -> Dims { Dims(self[range]) }

    public var description: String { Shape.describe(self) }
}
