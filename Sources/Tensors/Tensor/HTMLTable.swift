// A tensor as Jupyter frontends show tables: what the kernel sends as text/html next
// to the text PyTorch prints. Values are formatted as tostring formats them; indices
// are 1-based, as everywhere in lstmlua; long dimensions show their edges.

import Foundation

extension Tensor {
    /// A table for a 1-D or 2-D tensor with elements; nil for other tensors.
    public func htmlTable(edgeItems: Int = 10) -> String? {
        guard (dim == 1 || dim == 2), count > 0 else { return nil }
        let rows = dim == 2 ? shape[0] : 1, columns = shape[dim - 1]
        func shown(_ n: Int) -> [Int?] {
            n > 2 * edgeItems ? Array(0..<edgeItems) + [nil] + Array((n - edgeItems)..<n) : Array(0..<n)
        }
        let rowIndices = shown(rows), columnIndices = shown(columns)
        func position(_ r: Int, _ c: Int) -> Int { offset + (dim == 2 ? r * strides[0] : 0) + c * strides[dim - 1] }
        var positions: [Int] = []
        for r in rowIndices.compactMap({ $0 }) { for c in columnIndices.compactMap({ $0 }) { positions.append(position(r, c)) } }
        let integers = dtype == .int64 ? positions.map { int64(atOffset: $0) } : nil
        let formatter = ValueFormatter(integers != nil ? [] : positions.map { double(atOffset: $0) }, precision: 4,
                                       dtype: dtype, integers: integers)
        var html = "<table class=\"lstmlua-tensor\">\n<caption style=\"text-align: left\">tensor "
            + Shape.describe(shape) + ", " + "\(dtype)"
            + (gradFn.map { ", grad_fn=&lt;\($0.name)&gt;" } ?? (requiresGrad ? ", requires_grad" : "")) + "</caption>\n"
        html += "<thead><tr>" + (dim == 2 ? "<th></th>" : "")
            + columnIndices.map { "<th>" + ($0.map { String($0 + 1) } ?? "…") + "</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for r in rowIndices {
            html += "<tr>" + (dim == 2 ? "<th>" + (r.map { String($0 + 1) } ?? "⋮") + "</th>" : "")
            for c in columnIndices {
                let text = r.flatMap { r in c.map { formatter.format(self, atOffset: position(r, $0)).trimmingCharacters(in: .whitespaces) } } ?? "…"
                html += "<td style=\"text-align: right; font-family: monospace\">" + text + "</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table>"
    }
}
