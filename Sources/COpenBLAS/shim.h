// Debian's OpenBLAS (libopenblas-dev): cblas_sgemm and friends, openblas_set_num_threads.
#include <cblas.h>

// OpenBLAS's own core selection (dynamic.c), exported by DYNAMIC_ARCH builds
// such as Debian's: quit and init again re-read OPENBLAS_CORETYPE.
void gotoblas_dynamic_init(void);
void gotoblas_dynamic_quit(void);

/// The OpenBLAS core type this CPU can run, by its instruction sets: "SkylakeX"
/// (AVX-512), "Haswell" (AVX2 and FMA), or NULL for anything older.
static inline const char *lstmlua_blas_core_for_cpu(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
    return 0;
}
