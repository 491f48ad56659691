// tostring(t) as PyTorch prints tensors: 4 decimals, aligned columns, scientific
// notation when magnitudes call for it, "..." past 1000 elements, and the
// requires_grad / grad_fn suffixes.

import Foundation

extension Tensor: CustomStringConvertible {
    public var description: String { format() }

    public func format(precision: Int = 4, threshold: Int = 1000, edgeItems: Int = 3, lineWidth: Int = 80) -> String {
        let prefix = "tensor("
        let indent = prefix.count
        var suffixes: [String] = []
        var body: String
        if count == 0 {
            body = "[]"
            if dim != 1 { suffixes.append("size=(" + shape.map(String.init).joined(separator: ", ") + (dim == 1 ? ",)" : ")")) }
        } else {
            let summarize = count > threshold
            // int64 read as it is: through doubles, values past 2^53 printed rounded
            let integers: [Int64]? = dtype != .int64 ? nil : summarize ? summarized(edgeItems) { $0.int64(atOffset: $1) }
                : Array(UnsafeBufferPointer(start: contiguous().elements(Int64.self), count: count))
            let values = integers != nil ? [] : summarize ? summarized(edgeItems) { $0.double(atOffset: $1) } : self.doubles
            let formatter = ValueFormatter(values, precision: precision, dtype: dtype, integers: integers)
            body = TensorText(formatter: formatter, edgeItems: edgeItems, lineWidth: lineWidth, summarize: summarize)
                .render(self, indent: indent)
        }
        // PyTorch names the dtype unless it is the default float, or int64/bool shown by their values
        if dtype == .float64 || dtype == .int32 || dtype == .uint8 || (count == 0 && dtype != .float32) {
            suffixes.append("dtype=\(dtype)")
        }
        if let fn = gradFn {
            suffixes.append("grad_fn=<\(fn.name)>")
        } else if requiresGrad {
            suffixes.append("requires_grad=True")
        }
        var out = prefix + body
        let lastNewline = out.lastIndex(of: "\n").map { out.distance(from: out.startIndex, to: $0) } ?? -1
        var lastLine = out.count - lastNewline + 1
        for s in suffixes {
            if lastLine + s.count + 2 > lineWidth {
                out += ",\n" + String(repeating: " ", count: indent) + s
                lastLine = indent + s.count
            } else {
                out += ", " + s
                lastLine += s.count + 2
            }
        }
        return out + ")"
    }

    /// The values PyTorch's formatter sees when summarising: the edges of every dimension.
    private func summarized<V>(_ edge: Int, _ read: (Tensor, Int) -> V) -> [V] {
        if dim == 0 { return [read(self, offset)] }
        var parts: [Tensor] = []
        let n = shape[0]
        let rows = n > 2 * edge ? Array(0..<edge) + Array((n - edge)..<n) : Array(0..<n)
        for i in rows { parts.append(selectUnchecked(0, i)) }
        if dim == 1 { return parts.map { read($0, $0.offset) } }
        return parts.flatMap { $0.summarized(edge, read) }
    }

    func int64(atOffset position: Int) -> Int64 { storage.elements(Int64.self)[position] }
}

/// PyTorch's _Formatter: picks integer, fixed or scientific notation and a common width.
struct ValueFormatter {
    var intMode = true
    var sciMode = false
    var width = 1
    let precision: Int
    let dtype: DType

    init(_ values: [Double], precision: Int, dtype: DType = .float32, integers: [Int64]? = nil) {
        self.precision = precision
        self.dtype = dtype
        if dtype == .bool {
            width = values.contains(0) ? 5 : 4
            return
        }
        if let integers {
            width = integers.map { String($0).count }.max() ?? 1
            return
        }
        if !dtype.isFloatingPoint {
            width = values.map { String(Int64(converting: $0)).count }.max() ?? 1
            return
        }
        let finite = values.filter { $0.isFinite && $0 != 0 }
        guard !finite.isEmpty else { return }
        let absolute = finite.map { Swift.abs($0) }
        let lo = absolute.min()!, hi = absolute.max()!
        intMode = finite.allSatisfy { $0 == $0.rounded(.up) }
        if intMode {
            if hi / lo > 1000 || hi > 1e8 {
                sciMode = true
                width = finite.map { ValueFormatter.c($0, "%.\(precision)e").count }.max()!
            } else {
                width = finite.map { ValueFormatter.c($0, "%.0f").count + 1 }.max()!
            }
        } else if hi / lo > 1000 || hi > 1e8 || lo < 1e-4 {
            sciMode = true
            width = finite.map { ValueFormatter.c($0, "%.\(precision)e").count }.max()!
        } else {
            width = finite.map { ValueFormatter.c($0, "%.\(precision)f").count }.max()!
        }
    }

    /// The element at a storage offset of t (an int64 exactly).
    func format(_ t: Tensor, atOffset position: Int) -> String {
        guard dtype == .int64 else { return format(t.double(atOffset: position)) }
        let s = String(t.int64(atOffset: position))
        return s.count < width ? String(repeating: " ", count: width - s.count) + s : s
    }

    func format(_ v: Double) -> String {
        var s: String
        if dtype == .bool {
            s = v != 0 ? "True" : "False"
        } else if !dtype.isFloatingPoint {
            s = String(Int64(converting: v))
        } else if v.isNaN { s = "nan" } else if v.isInfinite { s = v > 0 ? "inf" : "-inf" } else if sciMode {
            s = ValueFormatter.c(v, "%.\(precision)e")
        } else if intMode {
            s = ValueFormatter.c(v, "%.0f") + "."
        } else {
            s = ValueFormatter.c(v, "%.\(precision)f")
        }
        if s.count < width { s = String(repeating: " ", count: width - s.count) + s }
        return s
    }

    static func c(_ v: Double, _ format: String) -> String {
        String(format: format, v)
    }
}

/// PyTorch's _tensor_str_with_formatter: nested brackets, wrapped rows, "..." when summarising.
struct TensorText {
    let formatter: ValueFormatter
    let edgeItems: Int
    let lineWidth: Int
    let summarize: Bool

    func render(_ t: Tensor, indent: Int) -> String {
        if t.dim == 0 { return formatter.format(t, atOffset: t.offset) }
        if t.dim == 1 { return vector(t, indent: indent) }
        let n = t.shape[0]
        var slices: [String] = []
        if summarize && n > 2 * edgeItems {
            for i in 0..<edgeItems { slices.append(render(t.selectUnchecked(0, i), indent: indent + 1)) }
            slices.append("...")
            for i in (n - edgeItems)..<n { slices.append(render(t.selectUnchecked(0, i), indent: indent + 1)) }
        } else {
            for i in 0..<n { slices.append(render(t.selectUnchecked(0, i), indent: indent + 1)) }
        }
        let separator = "," + String(repeating: "\n", count: t.dim - 1) + String(repeating: " ", count: indent + 1)
        return "[" + slices.joined(separator: separator) + "]"
    }

    private func vector(_ t: Tensor, indent: Int) -> String {
        let elementLength = formatter.width + 2
        let perLine = Swift.max(1, (lineWidth - indent) / elementLength)
        let n = t.shape[0]
        let value = { (i: Int) in formatter.format(t, atOffset: t.offset + i * t.strides[0]) }
        var items: [String]
        if summarize && n > 2 * edgeItems {
            items = (0..<edgeItems).map(value) + [" ..."] + ((n - edgeItems)..<n).map(value)
        } else {
            items = (0..<n).map(value)
        }
        var lines: [String] = []
        var i = 0
        while i < items.count {
            lines.append(items[i..<Swift.min(i + perLine, items.count)].joined(separator: ", "))
            i += perLine
        }
        return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
    }
}
