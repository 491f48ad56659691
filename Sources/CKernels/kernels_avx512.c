// The kernels for AVX-512 (its 16-lane vectors hold a whole packed panel row).
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#define KERNEL(name) name##_avx512
#define LK_KERNELS_AVX512 1
#include "kernel_bodies.h"
#pragma clang attribute pop
#endif
