// Which OpenBLAS kernels run.
//
// OpenBLAS 0.3.20 to 0.3.24 (Debian 12 ships 0.3.21) does not recognise recent
// Intel CPUs and falls back to its Prescott (SSE3) kernels, about five times
// slower than the AVX-512 ones on the same machine (OpenMathLib/OpenBLAS#4267,
// fixed in 0.3.25). When OPENBLAS_CORETYPE is unset and OpenBLAS fell back so,
// lstmlua asks OpenBLAS to select again with the core type the CPU's instruction
// sets call for, through OpenBLAS's own OPENBLAS_CORETYPE mechanism. A machine or
// user that sets OPENBLAS_CORETYPE keeps exactly what it set.

import CKernels
import COpenBLAS

#if canImport(Glibc)
import Glibc
#endif

public enum BLASKernels {
    /// Runs once, before the first BLAS call or parallel region.
    static let selected: Void = {
        // lstmlua's regions take over the threads OpenBLAS would have used. OpenBLAS's
        // idle threads would otherwise spin on sched_yield for a while after start-up,
        // taking a core from the regions; its pthreads build can stop them.
        lk_set_threads(openblas_get_num_threads())
        openblas_set_num_threads(1)
        if let shutdown = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") {
            _ = unsafeBitCast(shutdown, to: (@convention(c) () -> Int32).self)()
        }
        guard getenv("OPENBLAS_CORETYPE") == nil, let detected = openblas_get_corename(),
              String(cString: detected) == "Prescott", let better = lstmlua_blas_core_for_cpu() else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        gotoblas_dynamic_quit()
        gotoblas_dynamic_init()
        // Child processes (os.execute) see the environment as it was.
        unsetenv("OPENBLAS_CORETYPE")
    }()

    /// The OpenBLAS core type in use, e.g. "SkylakeX".
    public static var coreName: String {
        _ = selected
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }


    /// OpenBLAS's build configuration, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ...".
    public static var configuration: String {
        guard let c = openblas_get_config() else { return "unknown" }
        return String(cString: c)
    }
}
