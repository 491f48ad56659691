// CKernels: the innermost loops of the tensor core, in C because C can be
// compiled for several instruction sets at once and pick one at run time
// (AVX-512, AVX2 with FMA, or baseline x86-64: dispatch.c). The Swift core calls them
// for the passes that dominate the recurrent layers. Results do not depend on
// which instruction set runs: no fused multiply-add contraction, and reductions
// keep a fixed order of partial sums.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>

// ---- Which instruction set runs (dispatch.c) ----
/// "avx512", "x86-64-v3" or "baseline": the best this CPU has, or what LSTMLUA_ISA asked for.
const char *lk_isa(void);
/// LSTMLUA_ISA's value when it names no instruction set, or one this CPU lacks; else NULL.
const char *lk_isa_rejected(void);
/// Whether the baseline kernels were forced or are all this CPU has.
int lk_isa_is_baseline(void);

// ---- Vector math, in place over x[0..n) (Cephes' expf/tanhf, within 2 ulp) ----
void lk_exp(float *x, size_t n);
void lk_sigmoid(float *x, size_t n);
void lk_tanh(float *x, size_t n);

// ---- Pointwise ops and sums over float32 arrays (pointwise.c threads them) ----
// Large arrays are cut into fixed chunks over the worker threads: the chunks, and so
// every result bit, are the same whatever the thread count.
enum { LK_EXP, LK_TANH, LK_SIGMOID };
enum { LK_ADD, LK_SUB, LK_MUL, LK_DIV };
/// y = f(x) for op LK_EXP, LK_TANH or LK_SIGMOID; y may be x.
void lk_unary(int op, const float *x, float *y, size_t n);
/// dx = dy·f'(x) from y = f(x): dy·y, dy·(1 - y²), (dy·y)·(1 - y).
void lk_unary_backward(int op, const float *dy, const float *y, float *dx, size_t n);
/// c = a op b elementwise; with b_step 0, b[0] for every element; reversed: b op a.
void lk_binary(int op, const float *a, const float *b, size_t b_step, int reversed, float *c, size_t n);
/// c = a + alpha·b with one rounding (PyTorch's vectorised add with alpha); c may be a.
void lk_add_scaled(const float *a, const float *b, float alpha, float *c, size_t n);
/// Σ x, or Σ x² (squares), in float blocks of 2048 and double between them.
double lk_sum(const float *x, size_t n, int squares);
/// out[0] = m, the maximum of n contiguous values, and out[1] = log Σ e^(x - m) (NaN when m
/// is not finite, as PyTorch's log_softmax); scratch holds n values. One row, on the calling thread.
void lk_log_sum_exp(const float *x, size_t n, float *scratch, float *out);
/// Softmax (or log_softmax) of each of `rows` contiguous rows of n values.
void lk_softmax(const float *x, float *y, size_t rows, size_t n, int log);
/// Its backward from the output y and its gradient dy.
void lk_softmax_backward(const float *y, const float *dy, float *dx, size_t rows, size_t n, int log);

// One instruction set's loop over a span (dispatch.c), for pointwise.c.
void lk_unary_span(int op, const float *x, float *y, size_t n);
void lk_unary_backward_span(int op, const float *dy, const float *y, float *dx, size_t n);
void lk_binary_span(int op, const float *a, const float *b, size_t b_step, int reversed, float *c, size_t n);
void lk_add_scaled_span(const float *a, const float *b, float alpha, float *c, size_t n);
void lk_sum_span(const float *x, size_t n, int squares, double *out);
void lk_softmax_rows(const float *x, float *y, size_t rows, size_t n, int log);
void lk_softmax_backward_rows(const float *y, const float *dy, float *dx, size_t rows, size_t n, int log);
void lk_adam_moments_span(float *m, float *v, const float *g, size_t n, float w, float b2, float one_minus_b2);
void lk_adam_update_span(float *x, const float *m, const float *v, size_t n, float step_size, float bias2_sqrt, float eps);

// ---- Small matrix products (below the size where BLAS pays for its call) ----
/// C[m×n] = alpha·op(A)·op(B) + beta·C, row-major.
void lk_sgemm_small(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                    const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc);

/// bp = B[k×n] in panels of 16 columns, panel q's row p at bp + 16·(q·k + p), the last
/// panel zero-padded: room for 16·k·⌈n/16⌉ floats. B[p, j] is b[p·ldb + j], or with
/// trans b[j·ldb + p].
void lk_pack_panels(const float *b, size_t k, size_t n, size_t ldb, int trans, float *bp);
/// C[m×n] = beta·C + A[m×k]·B[:, j0 ..< j0+n] with B packed by lk_pack_panels. Each element
/// sums its k fused terms in order, whatever m, n and j0: a block of C computed alone
/// equals the same block of a larger product.
void lk_sgemm_packed(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *bp, size_t j0,
                     float beta, float *c, size_t ldc);

/// sums[j] = Σ_r a[r·lda + j] for j < n, rows added in order.
void lk_column_sums(const float *a, size_t rows, size_t n, size_t lda, float *sums);

/// dst[k×n] = srcᵀ for src[n×k], both contiguous.
void lk_transpose(const float *src, size_t n, size_t k, float *dst);

// ---- Adam, elementwise over n parameters (pointwise.c threads them as the other pointwise ops) ----
/// m = m + w·(g - m) (fused, as PyTorch's lerp); v = b2·v + (1 - b2)·g².
void lk_adam_moments(float *m, float *v, const float *g, size_t n, float w, float b2, float one_minus_b2);
/// x -= step_size·m / (sqrt(v)/bias2_sqrt + eps).
void lk_adam_update(float *x, const float *m, const float *v, size_t n, float step_size, float bias2_sqrt, float eps);

// ---- LSTM, one step over B rows (gates i, f, g, o; H units, of which `units` here) ----
/// gates [B, 4H]: pre-activations in, activations out; c = f·c_prev + i·g; tc = tanh(c); r = o·tc.
/// c_prev, c, tc have row stride H, r row stride ldr; every pointer is at the first of `units`
/// units (all H, or one thread's share).
void lk_lstm_step_forward(float *gates, const float *c_prev, float *c, float *tc, float *r, size_t ldr,
                          size_t B, size_t H, size_t units);
/// From dr (gradient of r) and dc (gradient of c, in: from later steps; out: for c_prev),
/// writes dgates [B, 4H], the gradients of the pre-activations; strides and units as forward.
void lk_lstm_step_backward(const float *gates, const float *c_prev, const float *tc, const float *dr, size_t lddr,
                           float *dc, float *dgates, size_t B, size_t H, size_t units);

// ---- GRU, one step over B rows (gates r, z, n; H units) ----
/// gi [B, 3H] input part, gh [B, 3H] hidden part (with b_hh); writes saved [B, 4H] = r, z, n, hn and h [B, H].
void lk_gru_step_forward(const float *gi, const float *gh, const float *h_prev, float *saved, float *h,
                         size_t B, size_t H);
/// dh [B, H] in: gradient of h; writes dgi, dgh [B, 3H] and direct [B, H] = z·dh.
void lk_gru_step_backward(const float *saved, const float *h_prev, const float *dh, float *dgi, float *dgh,
                          float *direct, size_t B, size_t H);

// ---- Memory (memory.c) ----
/// Keeps large freed blocks in the heap for reuse rather than returning them to the system.
void lk_keep_large_blocks(void);
/// The most bytes one more allocation can hope to get: physical memory plus swap, and
/// no more than what the address-space limit (ulimit -v) leaves; -1 when unknown.
long long lk_allocatable_bytes(void);

// ---- Worker threads (parallel.c) ----
/// Runs fn(ctx, begin, end) over [0, rows) split into contiguous chunks of at least
/// min_rows, one per thread, the caller's thread taking the first; returns when all
/// are done. Called from inside a chunk, runs fn over all rows on the calling thread.
typedef void (*lk_rows_fn)(const void *ctx, size_t begin, size_t end);
void lk_parallel_rows(size_t rows, size_t min_rows, lk_rows_fn fn, const void *ctx);
/// Inside a chunk: waits until every chunk of the region has arrived, and returns
/// whether any of them voted (to stop, say). Outside a split region returns vote.
int lk_region_barrier(int vote);
/// How many threads lk_parallel_rows uses (default: the online cores).
int lk_threads(void);
void lk_set_threads(int n);

#endif
