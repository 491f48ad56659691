// Pointwise ops and sums over large float32 arrays, split over the worker threads.
// The split is by fixed chunks, never by thread count: an elementwise result does
// not care, and a sum adds its chunks' totals in chunk order, so 1, 2 or 3 threads
// give the same bits.

#include "CKernels.h"

#include <stdlib.h>

// Elements per chunk, and chunks a thread takes at least: below a few of them
// waking a thread costs more than it saves.
#define CHUNK 16384
#define MIN_CHUNKS 4
#define SUM_CHUNK 65536

typedef struct {
    int op, reversed, kind;
    const float *a, *b;
    float *c, *d;
    size_t b_step, n;
    float f0, f1, f2;
} span_job;

enum { UNARY, UNARY_BACKWARD, BINARY, ADD_SCALED, ADAM_MOMENTS, ADAM_UPDATE };

static void run_span(const void *ctx, size_t begin, size_t end) {
    const span_job *j = ctx;
    size_t lo = begin * CHUNK, hi = end * CHUNK < j->n ? end * CHUNK : j->n;
    if (lo >= hi) return;
    switch (j->kind) {
    case UNARY: lk_unary_span(j->op, j->a + lo, j->c + lo, hi - lo); break;
    case UNARY_BACKWARD: lk_unary_backward_span(j->op, j->a + lo, j->b + lo, j->c + lo, hi - lo); break;
    case ADD_SCALED: lk_add_scaled_span(j->a + lo, j->b + lo, j->f0, j->c + lo, hi - lo); break;
    case ADAM_MOMENTS: lk_adam_moments_span(j->c + lo, j->d + lo, j->a + lo, hi - lo, j->f0, j->f1, j->f2); break;
    case ADAM_UPDATE: lk_adam_update_span(j->c + lo, j->a + lo, j->b + lo, hi - lo, j->f0, j->f1, j->f2); break;
    default: lk_binary_span(j->op, j->a + lo, j->b_step ? j->b + lo : j->b, j->b_step, j->reversed, j->c + lo, hi - lo);
    }
}

static void run_chunks(const span_job *job) {
    size_t chunks = (job->n + CHUNK - 1) / CHUNK;
    lk_parallel_rows(chunks, MIN_CHUNKS, run_span, job);
}

void lk_unary(int op, const float *x, float *y, size_t n) {
    span_job job = {.op = op, .kind = UNARY, .a = x, .c = y, .n = n};
    run_chunks(&job);
}

void lk_unary_backward(int op, const float *dy, const float *y, float *dx, size_t n) {
    span_job job = {.op = op, .kind = UNARY_BACKWARD, .a = dy, .b = y, .c = dx, .n = n};
    run_chunks(&job);
}

void lk_binary(int op, const float *a, const float *b, size_t b_step, int reversed, float *c, size_t n) {
    span_job job = {.op = op, .kind = BINARY, .a = a, .b = b, .b_step = b_step, .reversed = reversed, .c = c, .n = n};
    run_chunks(&job);
}

void lk_add_scaled(const float *a, const float *b, float alpha, float *c, size_t n) {
    span_job job = {.kind = ADD_SCALED, .a = a, .b = b, .c = c, .n = n, .f0 = alpha};
    run_chunks(&job);
}

void lk_adam_moments(float *m, float *v, const float *g, size_t n, float w, float b2, float one_minus_b2) {
    span_job job = {.kind = ADAM_MOMENTS, .c = m, .d = v, .a = g, .n = n, .f0 = w, .f1 = b2, .f2 = one_minus_b2};
    run_chunks(&job);
}

void lk_adam_update(float *x, const float *m, const float *v, size_t n, float step_size, float bias2_sqrt, float eps) {
    span_job job = {.kind = ADAM_UPDATE, .c = x, .a = m, .b = v, .n = n, .f0 = step_size, .f1 = bias2_sqrt, .f2 = eps};
    run_chunks(&job);
}

typedef struct {
    const float *x;
    size_t n;
    int squares;
    double *totals;
} sum_job;

static void run_sum(const void *ctx, size_t begin, size_t end) {
    const sum_job *j = ctx;
    for (size_t k = begin; k < end; k++) {
        size_t lo = k * SUM_CHUNK, hi = lo + SUM_CHUNK < j->n ? lo + SUM_CHUNK : j->n;
        lk_sum_span(j->x + lo, hi - lo, j->squares, &j->totals[k]);
    }
}

double lk_sum(const float *x, size_t n, int squares) {
    if (n <= SUM_CHUNK) {
        double total = 0;
        lk_sum_span(x, n, squares, &total);
        return total;
    }
    size_t chunks = (n + SUM_CHUNK - 1) / SUM_CHUNK;
    double stack[64];
    double *totals = chunks <= 64 ? stack : malloc(chunks * sizeof(double));
    if (totals == NULL) {
        // no memory for the partial sums: the same chunks, one after another
        double total = 0, part;
        for (size_t k = 0; k < chunks; k++) {
            size_t lo = k * SUM_CHUNK, hi = lo + SUM_CHUNK < n ? lo + SUM_CHUNK : n;
            lk_sum_span(x + lo, hi - lo, squares, &part);
            total += part;
        }
        return total;
    }
    sum_job job = {x, n, squares, totals};
    lk_parallel_rows(chunks, 2, run_sum, &job);
    double total = 0;
    for (size_t k = 0; k < chunks; k++) total += totals[k];
    if (totals != stack) free(totals);
    return total;
}

typedef struct {
    const float *x, *dy;
    float *y;
    size_t n;
    int log, backward;
} rows_job;

static void run_rows(const void *ctx, size_t begin, size_t end) {
    const rows_job *j = ctx;
    if (j->backward)
        lk_softmax_backward_rows(j->x + begin * j->n, j->dy + begin * j->n, j->y + begin * j->n, end - begin, j->n, j->log);
    else
        lk_softmax_rows(j->x + begin * j->n, j->y + begin * j->n, end - begin, j->n, j->log);
}

static size_t min_rows(size_t n) { return n >= CHUNK * MIN_CHUNKS ? 1 : CHUNK * MIN_CHUNKS / (n ? n : 1); }

void lk_softmax(const float *x, float *y, size_t rows, size_t n, int log) {
    rows_job job = {.x = x, .y = y, .n = n, .log = log};
    lk_parallel_rows(rows, min_rows(n), run_rows, &job);
}

void lk_softmax_backward(const float *y, const float *dy, float *dx, size_t rows, size_t n, int log) {
    rows_job job = {.x = y, .dy = dy, .y = dx, .n = n, .log = log, .backward = 1};
    lk_parallel_rows(rows, min_rows(n), run_rows, &job);
}
