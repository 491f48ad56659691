// The kernels for any x86-64 (SSE2) or other CPU: the fallback, and what LSTMLUA_ISA=baseline forces.
#define KERNEL(name) name##_baseline
#include "kernel_bodies.h"
