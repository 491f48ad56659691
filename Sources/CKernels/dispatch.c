// Which instruction set's kernels run: chosen once, before main, from the CPU and
// LSTMLUA_ISA. Every set gives the same bits (kernel_bodies.h), so forcing the
// baseline is how a test suite shows it does not depend on this CPU's extensions.
#include "CKernels.h"

#include <stdlib.h>
#include <string.h>

#include "kernel_list.h"

enum { ISA_BASELINE, ISA_X86_64_V3, ISA_AVX512 };
static const char *const isa_names[] = {"baseline", "x86-64-v3", "avx512"};

// Written once by a constructor before any thread exists; read-only afterwards.
static int isa = ISA_BASELINE;
static const char *isa_rejected = NULL;

static int best_isa(void) {
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return ISA_AVX512;
    if (__builtin_cpu_supports("x86-64-v3")) return ISA_X86_64_V3;
#endif
    return ISA_BASELINE;
}

__attribute__((constructor)) static void choose_isa(void) {
    int best = best_isa();
    isa = best;
    const char *wanted = getenv("LSTMLUA_ISA");
    if (wanted == NULL || wanted[0] == 0 || strcmp(wanted, "native") == 0) return;
    for (int i = 0; i <= ISA_AVX512; i++) {
        if (strcmp(wanted, isa_names[i]) == 0) {
            if (i <= best) isa = i;
            else isa_rejected = wanted;
            return;
        }
    }
    isa_rejected = wanted;
}

const char *lk_isa(void) { return isa_names[isa]; }
const char *lk_isa_rejected(void) { return isa_rejected; }
int lk_isa_is_baseline(void) { return isa == ISA_BASELINE; }

#if defined(__x86_64__) && defined(__clang__)
#define DECLARE(name, params, args) \
    void name##_baseline params; void name##_x86_64_v3 params; void name##_avx512 params;
#define FORWARD(name, params, args) \
    void name params { \
        switch (isa) { \
        case ISA_AVX512: name##_avx512 args; return; \
        case ISA_X86_64_V3: name##_x86_64_v3 args; return; \
        default: name##_baseline args; return; \
        } \
    }
#else
#define DECLARE(name, params, args) void name##_baseline params;
#define FORWARD(name, params, args) void name params { name##_baseline args; }
#endif

LK_KERNELS(DECLARE)
LK_KERNELS(FORWARD)
