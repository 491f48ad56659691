// Which instruction set CKernels run on, and LSTMLUA_ISA: the switch that makes this
// machine compute as a plainer one would. LSTMLUA_ISA=baseline forces the baseline
// (SSE2) kernels and lstmlua's own blocked products in place of OpenBLAS's, whose
// kernels and blocking differ from CPU to CPU: a test suite that passes both ways
// does not depend on this CPU's rounding. OPENBLAS_CORETYPE is left alone (some
// machines need it set against an old OpenBLAS bug).

import CKernels

#if canImport(Glibc)
import Glibc
#endif

public enum InstructionSet {
    /// "avx512", "x86-64-v3" or "baseline".
    public static var name: String { String(cString: lk_isa()) }

    /// The values LSTMLUA_ISA takes.
    public static let choices = ["native", "avx512", "x86-64-v3", "baseline"]

    /// Why LSTMLUA_ISA cannot be honoured, when it cannot.
    public static var problem: String? {
        guard let rejected = lk_isa_rejected() else { return nil }
        let value = String(cString: rejected)
        if choices.contains(value) { return "LSTMLUA_ISA=\(value): this CPU has only \(name)" }
        return "LSTMLUA_ISA=\(value) names no instruction set: use \(choices.joined(separator: ", "))"
    }

    /// Products run in lstmlua's own kernels only, never OpenBLAS (LSTMLUA_ISA=baseline).
    static let ownProductsOnly: Bool = {
        guard let value = getenv("LSTMLUA_ISA") else { return false }
        return String(cString: value) == "baseline"
    }()
}
