// Walking strided operands in row-major order of a common shape.
//
// Adjacent dimensions that every operand steps through evenly are merged first,
// so a contiguous or simply broadcast operand costs one long inner loop.

/// Merges dimensions d and d+1 wherever every operand's strides allow it.
func coalesce(_ shape: Dims, _ strides: inout [Dims]) -> Dims {
    var outShape = Dims()
    var outStrides = [Dims](repeating: Dims(), count: strides.count)
    for d in 0..<shape.count where shape[d] != 1 {
        if let last = outShape.indices.last,
           strides.indices.allSatisfy({ outStrides[$0][last] == strides[$0][d] * shape[d] }) {
            outShape[last] *= shape[d]
            for k in strides.indices { outStrides[k][last] = strides[k][d] }
        } else {
            outShape.append(shape[d])
            for k in strides.indices { outStrides[k].append(strides[k][d]) }
        }
    }
    strides = outStrides
    return outShape
}

/// Calls row(n, offsets, innerStrides) for every innermost run of `shape`, where
/// offsets start from `bases` and move by `strides` (one entry per operand).
@inline(__always)
func forEachRow(shape: Dims, strides: [Dims], bases: Dims,
                _ row: (_ n: Int, _ offsets: Dims, _ inner: Dims) -> Void) {
    var strides = strides
    let dims = coalesce(shape, &strides)
    let k = strides.count
    if Shape.count(shape) == 0 { return }
    var offsets = bases
    if dims.isEmpty {
        row(1, offsets, Dims(repeating: 0, count: k))
        return
    }
    let last = dims.count - 1
    let inner = Dims(strides.map { $0[last] })
    var index = Dims(repeating: 0, count: dims.count)
    while true {
        row(dims[last], offsets, inner)
        var d = last - 1
        while d >= 0 {
            index[d] += 1
            for j in 0..<k { offsets[j] += strides[j][d] }
            if index[d] < dims[d] { break }
            for j in 0..<k { offsets[j] -= strides[j][d] * dims[d] }
            index[d] = 0
            d -= 1
        }
        if d < 0 { return }
    }
}
