// Ctrl-C for long native loops: they call check() at safe points (a time step,
// an optimizer parameter) and stop with TensorError.interrupted.

import CInterrupt

public enum Interrupt {
    @inline(__always)
    public static func check() throws(TensorError) {
        if pending { throw TensorError.interrupted }
    }

    /// For loops on worker threads, which stop early and leave the throwing to check().
    @inline(__always)
    public static var pending: Bool { lstm_interrupt_pending() != 0 }
}
