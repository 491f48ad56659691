// What the pointwise workloads of issue 16 cannot go below on this machine, whoever
// runs them: the same memory traffic and the one instruction nobody may skip, in
// plain C with nothing else around it. BENCHMARKS.md sets these against PyTorch's
// times and the targets (half of PyTorch's).
//
//   clang -O2 -mavx512f -pthread Scripts/bench/floors.c -o /tmp/floors && /tmp/floors
//
// On [700, 4000] float32 (11.2 MB, as the workloads), the best of 50 runs, 1 and 2 threads:
// - read:    Σ x with eight vector accumulators (sum's floor: every value read once);
// - σ floor: y = 1 / (1 + x), an exact division a value and sigmoid's traffic, as if
//            its exp were free (PyTorch's sigmoid divides too);
// - x*y+z:   two passes into two reused results, as PyTorch runs it (its best case),
//            and one fused pass, which an eager `x * y + z` cannot do.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N (700 * 4000)

static float *x, *y, *z, *t, *r;
static volatile float sink;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void read_sum(size_t lo, size_t hi) {
    __m512 a[8];
    for (int j = 0; j < 8; j++) a[j] = _mm512_setzero_ps();
    for (size_t i = lo; i + 128 <= hi; i += 128)
        for (int j = 0; j < 8; j++) a[j] = _mm512_add_ps(a[j], _mm512_loadu_ps(x + i + 16 * j));
    for (int j = 1; j < 8; j++) a[0] = _mm512_add_ps(a[0], a[j]);
    sink = _mm512_reduce_add_ps(a[0]);
}

static void sigmoid_floor(size_t lo, size_t hi) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (size_t i = lo; i + 16 <= hi; i += 16)
        _mm512_storeu_ps(y + i, _mm512_div_ps(one, _mm512_add_ps(one, _mm512_loadu_ps(x + i))));
}

static void two_passes(size_t lo, size_t hi) {
    for (size_t i = lo; i + 16 <= hi; i += 16)
        _mm512_storeu_ps(t + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    for (size_t i = lo; i + 16 <= hi; i += 16)
        _mm512_storeu_ps(r + i, _mm512_add_ps(_mm512_loadu_ps(t + i), _mm512_loadu_ps(z + i)));
}

static void fused(size_t lo, size_t hi) {
    for (size_t i = lo; i + 16 <= hi; i += 16)
        _mm512_storeu_ps(r + i, _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), _mm512_loadu_ps(z + i)));
}

// The second thread waits spinning, as lstmlua's and PyTorch's workers do between
// calls: starting a thread per run would cost more than a read of the array.
static void (*_Atomic job)(size_t, size_t);
static _Atomic int done;

static void *worker(void *unused) {
    (void)unused;
    for (;;) {
        void (*fn)(size_t, size_t) = job;
        if (fn == NULL) continue;
        job = NULL;
        fn(N / 2, N);
        done = 1;
    }
    return NULL;
}

// best of 50 runs over the whole array, split into `threads` equal parts
static double best(void (*fn)(size_t, size_t), int threads) {
    double b = 1e9;
    for (int k = 0; k < 50; k++) {
        double s = now();
        if (threads == 2) {
            done = 0;
            job = fn;
            fn(0, N / 2);
            while (!done) {}
        } else {
            fn(0, N);
        }
        double d = now() - s;
        if (d < b) b = d;
    }
    return b * 1e3;
}

int main(void) {
    pthread_t other;
    pthread_create(&other, NULL, worker, NULL);
    float **arrays[] = {&x, &y, &z, &t, &r};
    for (int a = 0; a < 5; a++) {
        *arrays[a] = aligned_alloc(64, N * sizeof(float));
        for (size_t i = 0; i < N; i++) (*arrays[a])[i] = (float)(i % 1000) * 1e-3f;
    }
    for (int threads = 1; threads <= 2; threads++) {
        double rd = best(read_sum, threads);
        printf("%d thread%s: read %.3f ms (%.0f GB/s); sigma floor %.3f ms; x*y+z two passes %.3f ms, fused %.3f ms\n",
               threads, threads == 1 ? "" : "s", rd, N * 4.0 / rd / 1e6, best(sigmoid_floor, threads),
               best(two_passes, threads), best(fused, threads));
    }
    return 0;
}
