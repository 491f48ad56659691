// Changing a tensor's dtype: t:to(dtype), :double(), :float(), :long(), :bool().
// Casts follow PyTorch: floats to integers truncate toward zero, nonzero is true.

extension Tensor {
    // to(dtype): g converted back to the input's dtype (floating to floating only)
    public func to(_ target: DType) -> Tensor {
        if target == dtype { return self }
        let out = converted(to: target)
        if Tensor.needsGrad(self) && target.isFloatingPoint {
            let source = dtype
            out.attach(to: Node(name: "ToCopyBackward0", inputs: [self]) { g in [g[0]!.converted(to: source)] })
        }
        return out
    }

    /// The values as `target`, a fresh contiguous tensor (self when the dtype already matches), no autograd.
    public func converted(to target: DType) -> Tensor {
        if target == dtype { return self }
        return dtype.visit(CastFrom(tensor: self, target: target))
    }

    /// What integer input to float math becomes (float32), floats as they are.
    public func floating() -> Tensor { to(dtype.floating) }

    private struct CastFrom: ElementVisitor {
        let tensor: Tensor, target: DType
        func visit<S: TensorElement>(_ type: S.Type) -> Tensor { target.visit(CastInto<S>(tensor: tensor)) }
    }

    private struct CastInto<S: TensorElement>: ElementVisitor {
        let tensor: Tensor
        func visit<U: TensorElement>(_ type: U.Type) -> Tensor {
            if S.dtype.isFloatingPoint {
                return Elementwise.convert(tensor) { (x: S) -> U in U(converting: x.doubleValue) }
            }
            return Elementwise.convert(tensor) { (x: S) -> U in U(converting: x.int64Value) }
        }
    }
}
