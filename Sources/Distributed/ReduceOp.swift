// The reductions all_reduce and reduce_scatter apply, PyTorch's ReduceOp by name.

import CMPI
import Tensors

public enum ReduceOp: String, CaseIterable, Sendable {
    case sum, avg, max, min

    var code: Int64 { Int64(ReduceOp.allCases.firstIndex(of: self)!) }

    /// Why this reduction has no meaning for `dtype`, or nil when it has one.
    func problem(with dtype: DType) -> String? {
        if self == .avg && !dtype.isFloatingPoint {
            return "op 'avg' needs a floating-point tensor, got \(dtype) (use 'sum' and divide)"
        }
        return nil
    }

    /// The MPI operation. A bool tensor's bytes are 0 or 1: as PyTorch's NCCL backend,
    /// sum and max are a logical or, min a logical and.
    func mpiOp(for dtype: DType) -> MPI_Op {
        switch (self, dtype) {
        case (.sum, .bool), (.max, _): lm_max()
        case (.min, _): lm_min()
        case (.sum, _), (.avg, _): lm_sum()
        }
    }
}

extension DType {
    var mpiType: MPI_Datatype {
        switch self {
        case .float32: lm_float()
        case .float64: lm_double()
        case .int64: lm_int64()
        case .int32: lm_int32()
        case .uint8, .bool: lm_uint8()
        }
    }

    var code: Int64 { Int64(DType.allCases.firstIndex(of: self)!) }
}
