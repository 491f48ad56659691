// The kernels for x86-64-v3 (AVX2 with FMA: the fused kernels would call libm's fmaf without it).
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("arch=x86-64-v3"))), apply_to = function)
#define KERNEL(name) name##_x86_64_v3
#include "kernel_bodies.h"
#pragma clang attribute pop
#endif
