// Debian's OpenBLAS (libopenblas-dev): cblas_sgemm and friends, openblas_set_num_threads.
#include <cblas.h>
