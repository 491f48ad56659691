// The process's malloc policy for tensor memory (glibc).

#include "CKernels.h"

#include <stdlib.h>   // defines __GLIBC__ on glibc
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <stdio.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#endif

void lk_keep_large_blocks(void) {
#if defined(__GLIBC__)
    // Training allocates the same large blocks (gates, their gradients) every
    // iteration. glibc maps and unmaps blocks above its threshold each time, and
    // faulting their pages in anew costs more than the arithmetic on them; kept
    // in the heap (up to 32 MB a block, 256 MB held free) they are reused.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

long long lk_allocatable_bytes(void) {
#if defined(__linux__)
    long long limit = -1;
    struct sysinfo info;
    if (sysinfo(&info) == 0) {
        limit = ((long long)info.totalram + (long long)info.totalswap) * (long long)info.mem_unit;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        // what the limit leaves: the limit less the address space already mapped
        long long used = 0, pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (f) {
            if (fscanf(f, "%lld", &pages) == 1) used = pages * (long long)sysconf(_SC_PAGESIZE);
            fclose(f);
        }
        long long left = (long long)rl.rlim_cur - used;
        if (left < 0) left = 0;
        if (limit < 0 || left < limit) limit = left;
    }
    return limit;
#else
    return -1;
#endif
}
