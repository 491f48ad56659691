// The process's malloc policy for tensor memory (glibc).

#include "CKernels.h"

#include <stdlib.h>   // defines __GLIBC__ on glibc
#if defined(__GLIBC__)
#include <malloc.h>
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
