// Ctrl-C for long native loops: they call check() at safe points (a time step,
// an optimizer parameter) and stop with TensorError.interrupted.

import CInterrupt

public enum Interrupt {
    @inline(__always)
    public static func check() throws(TensorError) {
        if lstm_interrupt_pending() != 0 { throw TensorError.interrupted }
    }
}
