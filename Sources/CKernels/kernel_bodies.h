// The kernels' bodies, compiled once for each instruction set: kernels_baseline.c,
// kernels_x86_64_v3.c and kernels_avx512.c include this file with the target set
// for the whole file and KERNEL(name) giving each function its set's suffix;
// dispatch.c picks one set for the process (the best the CPU has, or the one
// LSTMLUA_ISA names). Every set gives the same bits: no contraction into fused
// multiply-adds except where written, and reductions keep a fixed order
// (Tests/CLITests/InstructionSetTests.swift compares them).
//
// Included once per translation unit: no include guard on purpose.

#include "CKernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

// ---- Scalar building blocks, inlined into each loop so it vectorizes -------------

static inline float bits_to_float(int32_t i) { float f; memcpy(&f, &i, 4); return f; }
static inline int32_t float_to_bits(float f) { int32_t i; memcpy(&i, &f, 4); return i; }

// exp(x) = 2^n·exp(r), n = round(x·log2 e), r = x - n·ln 2 in two parts (Cephes expf).
// 2^n is applied in two halves so that tiny results come out denormal and huge ones inf.
// The reduction and the polynomial are fused multiply-adds: one rounding a step where
// separate products took two, and a third fewer instructions. Where the CPU has no FMA
// unit, the baseline's fmaf is libm's (the same bits, in software: slower, still exact).
static inline float exp_core(float x0) {
    float x = x0 < -104.0f ? -104.0f : (x0 > 89.0f ? 89.0f : x0);
    float shifted = x * 1.44269504088896341f + 12582912.0f;   // 1.5·2^23: rounds to an integer
    float n = shifted - 12582912.0f;
    // in unsigned arithmetic: for a NaN the signed one would overflow (undefined)
    int32_t ni = (int32_t)((uint32_t)float_to_bits(shifted) - 0x4B400000u);
    float r = __builtin_fmaf(n, -0.693359375f, x);
    r = __builtin_fmaf(n, 2.12194440e-4f, r);
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = __builtin_fmaf(p, r, 1.3981999507e-3f);
    p = __builtin_fmaf(p, r, 8.3334519073e-3f);
    p = __builtin_fmaf(p, r, 4.1665795894e-2f);
    p = __builtin_fmaf(p, r, 1.6666665459e-1f);
    p = __builtin_fmaf(p, r, 5.0000001201e-1f);
    float y = __builtin_fmaf(p, z, r) + 1.0f;
    int32_t half = ni >> 1;
    y = y * bits_to_float((int32_t)(((uint32_t)half + 127u) << 23))
          * bits_to_float((int32_t)(((uint32_t)(ni - half) + 127u) << 23));
    return x0 != x0 ? x0 + x0 : y;   // a NaN comes out quiet, as the vector form has it
}

static inline float sigmoid_core(float x) { return 1.0f / (1.0f + exp_core(-x)); }

// tanh: Cephes' odd polynomial below 0.625, 1 - 2/(e^{2|x|} + 1) above.
static inline float tanh_core(float x) {
    float a = x < 0 ? -x : x;
    float big = 1.0f - 2.0f / (exp_core(2.0f * a) + 1.0f);
    big = x < 0 ? -big : big;
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = __builtin_fmaf(p, z, 2.06390887954e-2f);
    p = __builtin_fmaf(p, z, -5.37397155531e-2f);
    p = __builtin_fmaf(p, z, 1.33314422036e-1f);
    p = __builtin_fmaf(p, z, -3.33332819422e-1f);
    float small = __builtin_fmaf(p * z, x, x);
    small = x == 0.0f ? x : small;   // -0 + +0 would lose the sign of tanh(-0) = -0
    return a > 0.625f ? big : small;
}

// ---- The same on 16 values at once ----------------------------------------------------
//
// AVX-512 has what the scalar form spells out: vrndscaleps rounds to the nearest integer
// as the 1.5·2^23 trick does, and vscalefps multiplies by 2^n with one rounding, as the
// two exact-then-rounded halves do (checked value by value against the baseline build).
// A quarter fewer instructions; elsewhere the compiler vectorises the scalar cores.
#if defined(LK_KERNELS_AVX512)
#include <immintrin.h>

static inline __m512 exp_v16(__m512 x0) {
    __m512 x = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), x0));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 z = _mm512_mul_ps(r, r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, z, r), _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(y, n);
}

// -x by its sign bit, as the scalar code negates (0 - x would keep a NaN's sign)
static inline __m512 negate_v16(__m512 x) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u)));
}

static inline __m512 sigmoid_v16(__m512 x) {
    __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, exp_v16(negate_v16(x))));
}

static inline __m512 tanh_v16(__m512 x) {
    __m512 a = _mm512_abs_ps(x);
    __m512 big = _mm512_sub_ps(_mm512_set1_ps(1.0f),
                               _mm512_div_ps(_mm512_set1_ps(2.0f),
                                             _mm512_add_ps(exp_v16(_mm512_mul_ps(_mm512_set1_ps(2.0f), a)), _mm512_set1_ps(1.0f))));
    big = _mm512_mask_mov_ps(big, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), negate_v16(big));
    __m512 z = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(-5.70498872745e-3f);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(2.06390887954e-2f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-5.37397155531e-2f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.33314422036e-1f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-3.33332819422e-1f));
    __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
    small = _mm512_mask_mov_ps(small, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ), x);
    return _mm512_mask_mov_ps(small, _mm512_cmp_ps_mask(a, _mm512_set1_ps(0.625f), _CMP_GT_OQ), big);
}

static inline void exp16(float *t) { _mm512_storeu_ps(t, exp_v16(_mm512_loadu_ps(t))); }
static inline void sigmoid16(float *t) { _mm512_storeu_ps(t, sigmoid_v16(_mm512_loadu_ps(t))); }
static inline void tanh16(float *t) { _mm512_storeu_ps(t, tanh_v16(_mm512_loadu_ps(t))); }
#else
static inline void exp16(float *t) { for (int l = 0; l < 16; l++) t[l] = exp_core(t[l]); }
static inline void sigmoid16(float *t) { for (int l = 0; l < 16; l++) t[l] = sigmoid_core(t[l]); }
static inline void tanh16(float *t) { for (int l = 0; l < 16; l++) t[l] = tanh_core(t[l]); }
#endif

// ---- Small matrix products ---------------------------------------------------------
//
// Each element of C sums its terms in the order p = 0, 1, ..., k-1, starting from
// beta·C, whatever the instruction set: the clones give the same bits. Blocks of C
// stay in registers while p runs, so short rows cost no loads and stores per term.

// Σ x·y with 16 partial sums in a fixed order, whatever the vector width.
static inline float dot(const float *restrict x, const float *restrict y, size_t n) {
    if (n < 16) {
        float s = 0;
        for (size_t p = 0; p < n; p++) s += x[p] * y[p];
        return s;
    }
    float acc[16] = {0};
    size_t p = 0;
    for (; p + 16 <= n; p += 16)
        for (int l = 0; l < 16; l++) acc[l] += x[p + l] * y[p + l];
    float s = 0;
    for (int l = 0; l < 16; l++) s += acc[l];
    for (; p < n; p++) s += x[p] * y[p];
    return s;
}

// Eight floats as one value: the compiler maps it to one AVX register, two SSE
// ones or half an AVX-512 one, lane by lane the same arithmetic.
typedef float v8f __attribute__((vector_size(32), aligned(4)));

// Macros rather than functions: they expand inside each clone, with its registers.
#define load8(p) ({ v8f v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store8(p, v) do { v8f t_ = (v); memcpy((p), &t_, sizeof t_); } while (0)
#define splat8(s) ({ float s_ = (s); (v8f){s_, s_, s_, s_, s_, s_, s_, s_}; })

// C[m,n] += alpha·op(A)·B with B [k,n] row-major; op(A)[i,p] = a[i·ia + p·sa].
// Each row of C runs in blocks of 32 and 8 columns held in registers over p.
static inline void rows_times_b(size_t m, size_t n, size_t k, float alpha, const float *a, size_t ia, size_t sa,
                                const float *restrict b, size_t ldb, float *restrict c, size_t ldc) {
    for (size_t i = 0; i < m; i++) {
        const float *arow = a + i * ia;
        float *crow = c + i * ldc;
        size_t j = 0;
        for (; j + 32 <= n; j += 32) {
            v8f c0 = load8(crow + j), c1 = load8(crow + j + 8), c2 = load8(crow + j + 16), c3 = load8(crow + j + 24);
            for (size_t p = 0; p < k; p++) {
                v8f s = splat8(alpha * arow[p * sa]);
                const float *bp = b + p * ldb + j;
                c0 += s * load8(bp); c1 += s * load8(bp + 8); c2 += s * load8(bp + 16); c3 += s * load8(bp + 24);
            }
            store8(crow + j, c0); store8(crow + j + 8, c1); store8(crow + j + 16, c2); store8(crow + j + 24, c3);
        }
        for (; j + 8 <= n; j += 8) {
            v8f c0 = load8(crow + j);
            for (size_t p = 0; p < k; p++) c0 += splat8(alpha * arow[p * sa]) * load8(b + p * ldb + j);
            store8(crow + j, c0);
        }
        for (; j < n; j++) {
            float acc = crow[j];
            for (size_t p = 0; p < k; p++) acc += (alpha * arow[p * sa]) * b[p * ldb + j];
            crow[j] = acc;
        }
    }
}

// C[m,n] += alpha·Aᵀ·B with A [k,m], B [k,n] and C's columns longer than its rows:
// each column runs along A's rows, C[i, j] += Σ_p (alpha·A[p, i])·B[p, j].
static inline void columns_tn(size_t m, size_t n, size_t k, float alpha, const float *restrict a, size_t lda,
                              const float *restrict b, size_t ldb, float *restrict c, size_t ldc) {
    v8f va = splat8(alpha);
    for (size_t j = 0; j < n; j++) {
        size_t i = 0;
        for (; i + 32 <= m; i += 32) {
            float col[32];
            for (int l = 0; l < 32; l++) col[l] = c[(i + l) * ldc + j];
            v8f c0 = load8(col), c1 = load8(col + 8), c2 = load8(col + 16), c3 = load8(col + 24);
            for (size_t p = 0; p < k; p++) {
                v8f s = splat8(b[p * ldb + j]);
                const float *ap = a + p * lda + i;
                c0 += va * load8(ap) * s; c1 += va * load8(ap + 8) * s;
                c2 += va * load8(ap + 16) * s; c3 += va * load8(ap + 24) * s;
            }
            store8(col, c0); store8(col + 8, c1); store8(col + 16, c2); store8(col + 24, c3);
            for (int l = 0; l < 32; l++) c[(i + l) * ldc + j] = col[l];
        }
        for (; i + 8 <= m; i += 8) {
            float col[8];
            for (int l = 0; l < 8; l++) col[l] = c[(i + l) * ldc + j];
            v8f c0 = load8(col);
            for (size_t p = 0; p < k; p++) c0 += va * load8(a + p * lda + i) * splat8(b[p * ldb + j]);
            store8(col, c0);
            for (int l = 0; l < 8; l++) c[(i + l) * ldc + j] = col[l];
        }
        for (; i < m; i++) {
            float acc = c[i * ldc + j];
            for (size_t p = 0; p < k; p++) acc += (alpha * a[p * lda + i]) * b[p * ldb + j];
            c[i * ldc + j] = acc;
        }
    }
}

// C[m,n] += alpha·A·Bᵀ for a row or two of A (a generation step): eight columns of C
// at a time, their rows of B read lane by lane. The same sums, in the same order, as
// transposing B and calling rows_times_b, without the transposition.
static inline void few_rows_nt(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                               const float *restrict b, size_t ldb, float *restrict c, size_t ldc) {
    for (size_t i = 0; i < m; i++) {
        const float *arow = a + i * lda;
        float *crow = c + i * ldc;
        size_t j = 0;
        for (; j + 8 <= n; j += 8) {
            const float *r = b + j * ldb;
            v8f acc = load8(crow + j);
            for (size_t p = 0; p < k; p++) {
                v8f column = {r[p], r[ldb + p], r[2 * ldb + p], r[3 * ldb + p],
                              r[4 * ldb + p], r[5 * ldb + p], r[6 * ldb + p], r[7 * ldb + p]};
                acc += splat8(alpha * arow[p]) * column;
            }
            store8(crow + j, acc);
        }
        for (; j < n; j++) {
            float acc = crow[j];
            for (size_t p = 0; p < k; p++) acc += (alpha * arow[p]) * b[j * ldb + p];
            crow[j] = acc;
        }
    }
}

void KERNEL(lk_sgemm_small)(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                                 const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                 float *c, size_t ldc) {
    if (beta != 1.0f) {
        for (size_t i = 0; i < m; i++) {
            float *row = c + i * ldc;
            if (beta == 0.0f) memset(row, 0, n * sizeof(float));
            else for (size_t j = 0; j < n; j++) row[j] *= beta;
        }
    }
    if (!trans_a && !trans_b) {
        rows_times_b(m, n, k, alpha, a, lda, 1, b, ldb, c, ldc);
    } else if (trans_a && !trans_b) {
        // along the longer side of C
        if (m > n && m >= 8) columns_tn(m, n, k, alpha, a, lda, b, ldb, c, ldc);
        else rows_times_b(m, n, k, alpha, a, 1, lda, b, ldb, c, ldc);
    } else if (!trans_a && trans_b && k < 32 && n >= 8 && m <= 2) {
        few_rows_nt(m, n, k, alpha, a, lda, b, ldb, c, ldc);
    } else if (!trans_a && trans_b && k < 32 && n >= 8 && k * n <= 4096) {
        // Dot products this short cost more to reduce than to compute: multiply by Bᵀ instead.
        float bt[4096];
        for (size_t j = 0; j < n; j++)
            for (size_t p = 0; p < k; p++) bt[p * n + j] = b[j * ldb + p];
        rows_times_b(m, n, k, alpha, a, lda, 1, bt, n, c, ldc);
    } else if (!trans_a && trans_b) {
        // C[i,j] += alpha·dot(A[i,:], B[j,:])
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) c[i * ldc + j] += alpha * dot(a + i * lda, b + j * ldb, k);
    } else {
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                float s = 0;
                for (size_t p = 0; p < k; p++) s += a[p * lda + i] * b[j * ldb + p];
                c[i * ldc + j] += alpha * s;
            }
    }
}

void KERNEL(lk_column_sums)(const float *restrict a, size_t rows, size_t n, size_t lda, float *restrict sums) {
    for (size_t j = 0; j < n; j++) sums[j] = 0;
    for (size_t r = 0; r < rows; r++) {
        const float *row = a + r * lda;
        for (size_t j = 0; j < n; j++) sums[j] += row[j];
    }
}

// ---- Products with a packed right-hand side --------------------------------------------
//
// A recurrent weight multiplies every time step: packed once per layer call into
// panels of 16 columns, each step's product reads it contiguously and packs
// nothing. Blocks of 8 rows × 2 panels stay in registers (16 accumulators); each
// element sums p = 0, 1, ... in order with fused multiply-adds, which round the
// same on every instruction set (a scalar fmaf where there is no FMA unit).

typedef float v16f __attribute__((vector_size(64), aligned(4)));
#define load16(p) ({ v16f v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store16(p, v) do { v16f t_ = (v); memcpy((p), &t_, sizeof t_); } while (0)
#define splat16(s) ({ float s_ = (s); (v16f){s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_}; })

void KERNEL(lk_pack_panels)(const float *restrict b, size_t k, size_t n, size_t ldb, int trans, float *restrict bp) {
    for (size_t q = 0; q * 16 < n; q++) {
        size_t width = n - q * 16 < 16 ? n - q * 16 : 16;
        size_t p = 0;
        if (trans && width == 16) {
            // 16×16 tiles: each of B's rows read 16 values at a time (a column at a time
            // would touch 16 cache lines for every 16 values written)
            for (; p + 16 <= k; p += 16) {
                float tile[16][16];
                for (size_t l = 0; l < 16; l++) memcpy(tile[l], b + (q * 16 + l) * ldb + p, 16 * sizeof(float));
                float *dst = bp + q * 16 * k + p * 16;
                for (size_t pp = 0; pp < 16; pp++)
                    for (size_t l = 0; l < 16; l++) dst[pp * 16 + l] = tile[l][pp];
            }
        }
        for (; p < k; p++) {
            float *dst = bp + q * 16 * k + p * 16;
            if (trans) for (size_t l = 0; l < width; l++) dst[l] = b[(q * 16 + l) * ldb + p];
            else memcpy(dst, b + p * ldb + q * 16, width * sizeof(float));
            for (size_t l = width; l < 16; l++) dst[l] = 0;
        }
    }
}

// C[rows, 16·panels] += A[rows, p0..p1)·(panels at bp), for rows ≤ 8 and panels ≤ 2 known where inlined.
static inline __attribute__((always_inline)) void packed_block(size_t rows, size_t panels, size_t p0, size_t p1,
                                                               const float *a, size_t lda, const float *bp, size_t k,
                                                               float *c, size_t ldc) {
    v16f x[8][2];
    for (size_t r = 0; r < rows; r++)
        for (size_t q = 0; q < panels; q++) x[r][q] = load16(c + r * ldc + q * 16);
    for (size_t p = p0; p < p1; p++) {
        v16f b0 = load16(bp + p * 16), b1 = panels > 1 ? load16(bp + 16 * k + p * 16) : b0;
        for (size_t r = 0; r < rows; r++) {
            v16f s = splat16(a[r * lda + p]);
            x[r][0] = __builtin_elementwise_fma(s, b0, x[r][0]);
            if (panels > 1) x[r][1] = __builtin_elementwise_fma(s, b1, x[r][1]);
        }
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t q = 0; q < panels; q++) store16(c + r * ldc + q * 16, x[r][q]);
}

// k runs in passes of PACKED_KC (the whole-panel path's KC) so that partial panels sum alike.
#define PACKED_KC 256

// `width` columns of one panel, from lane `lane0`: the whole panel runs on a copy of
// those columns (the panel's padding is zeros), and only they are written back. A
// vector per row instead of one element at a time; the same fused terms in the same
// order, so the same bits as the whole-panel path.
static inline void packed_partial(size_t m, size_t k, const float *a, size_t lda, const float *panel, size_t lane0,
                                  size_t width, float *c, size_t ldc) {
    float t[8 * 16];
    for (size_t i = 0; i < m; i += 8) {
        size_t rows = m - i < 8 ? m - i : 8;
        memset(t, 0, sizeof t);
        for (size_t r = 0; r < rows; r++)
            for (size_t l = 0; l < width; l++) t[r * 16 + lane0 + l] = c[(i + r) * ldc + l];
        const float *ai = a + i * lda;
        switch (rows) {
#define PARTIAL_CASE(n_) case n_: for (size_t p0 = 0; p0 < k; p0 += PACKED_KC) \
            packed_block(n_, 1, p0, p0 + PACKED_KC < k ? p0 + PACKED_KC : k, ai, lda, panel, k, t, 16); break;
        PARTIAL_CASE(8) PARTIAL_CASE(7) PARTIAL_CASE(6) PARTIAL_CASE(5)
        PARTIAL_CASE(4) PARTIAL_CASE(3) PARTIAL_CASE(2) PARTIAL_CASE(1)
#undef PARTIAL_CASE
        default: break;
        }
        for (size_t r = 0; r < rows; r++)
            for (size_t l = 0; l < width; l++) c[(i + r) * ldc + l] = t[r * 16 + lane0 + l];
    }
}

void KERNEL(lk_sgemm_packed)(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *bp,
                                  size_t j0, float beta, float *c, size_t ldc) {
    enum { KC = PACKED_KC };
    if (beta != 1.0f) {
        for (size_t i = 0; i < m; i++) {
            float *row = c + i * ldc;
            if (beta == 0.0f) memset(row, 0, n * sizeof(float));
            else for (size_t j = 0; j < n; j++) row[j] *= beta;
        }
    }
    // Columns before the first panel boundary (a thread's share of the units may start
    // inside a panel), then whole panels, then the rest: each element sums the same
    // fused terms in the same order on every path, so where a share starts changes nothing.
    size_t lead = (16 - j0 % 16) % 16;
    if (lead > n) lead = n;
    if (lead) packed_partial(m, k, a, lda, bp + j0 / 16 * 16 * k, j0 % 16, lead, c, ldc);
    size_t j = lead;
    for (; j + 16 <= n; ) {
        size_t panels = j + 32 <= n ? 2 : 1;
        const float *panel = bp + (j0 + j) * k;
        for (size_t p0 = 0; p0 < k; p0 += KC) {
            size_t p1 = p0 + KC < k ? p0 + KC : k;
            size_t i = 0;
            // The rows past the last block of 8 as one block of their own: one at a time,
            // each would read the panels again for a single row (batch 20: 4 extra passes).
#define PACKED_BLOCKS(panels_) \
            for (; i + 8 <= m; i += 8) packed_block(8, panels_, p0, p1, a + i * lda, lda, panel, k, c + i * ldc + j, ldc); \
            switch (m - i) { \
            case 7: packed_block(7, panels_, p0, p1, a + i * lda, lda, panel, k, c + i * ldc + j, ldc); break; \
            case 6: packed_block(6, panels_, p0, p1, a + i * lda, lda, panel, k, c + i * ldc + j, ldc); break; \
            case 5: packed_block(5, panels_, p0, p1, a + i * lda, lda, panel, k, c + i * ldc + j, ldc); break; \
            case 4: packed_block(4, panels_, p0, p1, a + i * lda, lda, panel, k, c + i * ldc + j, ldc); break; \
            case 3: packed_block(3, panels_, p0, p1, a + i * lda, lda, panel, k, c + i * ldc + j, ldc); break; \
            case 2: packed_block(2, panels_, p0, p1, a + i * lda, lda, panel, k, c + i * ldc + j, ldc); break; \
            case 1: packed_block(1, panels_, p0, p1, a + i * lda, lda, panel, k, c + i * ldc + j, ldc); break; \
            default: break; \
            }
            if (panels == 2) { PACKED_BLOCKS(2) } else { PACKED_BLOCKS(1) }
#undef PACKED_BLOCKS
        }
        j += 16 * panels;
    }
    // fewer than 16 columns left: their lanes of the last panel
    if (j < n) packed_partial(m, k, a, lda, bp + (j0 + j) * k, 0, n - j, c + j, ldc);
}

void KERNEL(lk_transpose)(const float *src, size_t n, size_t k, float *dst) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) dst[j * n + i] = src[i * k + j];
}

// ---- Adam ---------------------------------------------------------------------------

// m = m + w·(g - m) as one fused multiply-add (PyTorch's vectorised lerp); v = b2·v + (1 - b2)·g²
void KERNEL(lk_adam_moments_span)(float *restrict m, float *restrict v, const float *restrict g, size_t n,
                                  float w, float b2, float one_minus_b2) {
    for (size_t i = 0; i < n; i++) {
        m[i] = __builtin_fmaf(w, g[i] - m[i], m[i]);
        v[i] = v[i] * b2 + one_minus_b2 * g[i] * g[i];
    }
}

// x -= step_size·m / (sqrt(v)/bias2_sqrt + eps)
void KERNEL(lk_adam_update_span)(float *restrict x, const float *restrict m, const float *restrict v, size_t n,
                                 float step_size, float bias2_sqrt, float eps) {
    for (size_t i = 0; i < n; i++) {
        float denom = __builtin_sqrtf(v[i]) / bias2_sqrt + eps;
        x[i] += -step_size * (m[i] / denom);
    }
}

// ---- LSTM step -----------------------------------------------------------------------

// One row's n units; gate blocks `gs` apart.
static inline __attribute__((always_inline)) void lstm_units_forward(float *restrict g, size_t gs, const float *restrict cp,
                                                                     float *restrict c, float *restrict tc,
                                                                     float *restrict r, size_t n) {
    // n is a whole number of vectors
    for (size_t j = 0; j < n; j += 16) {
        sigmoid16(g + j);
        sigmoid16(g + gs + j);
        tanh16(g + 2 * gs + j);
        sigmoid16(g + 3 * gs + j);
        float t[16];
        for (size_t l = 0; l < 16; l++) t[l] = c[j + l] = g[gs + j + l] * cp[j + l] + g[j + l] * g[2 * gs + j + l];
        tanh16(t);
        for (size_t l = 0; l < 16; l++) {
            tc[j + l] = t[l];
            r[j + l] = g[3 * gs + j + l] * t[l];
        }
    }
}

// i, f, o = σ(·), g = tanh(·);  c = f·c_prev + i·g;  tc = tanh(c);  r = o·tc
// for `units` units of H per row (a thread's share), the pointers at the first of them.
// The last units short of a full vector run padded to one, in registers-sized scratch:
// a 10-unit layer would otherwise take every transcendental one lane at a time.
void KERNEL(lk_lstm_step_forward)(float *restrict gates, const float *restrict c_prev, float *restrict c,
                                       float *restrict tc, float *restrict r, size_t ldr, size_t B, size_t H,
                                       size_t units) {
    enum { V = 16 };
    size_t full = units / V * V, tail = units - full;
    for (size_t b = 0; b < B; b++) {
        float *g = gates + b * 4 * H;
        const float *cp = c_prev + b * H;
        float *cb = c + b * H, *tcb = tc + b * H, *rb = r + b * ldr;
        lstm_units_forward(g, H, cp, cb, tcb, rb, full);
        if (tail) {
            float pg[4 * V] = {0}, pcp[V] = {0}, pc[V], ptc[V], pr[V];
            for (size_t q = 0; q < 4; q++) memcpy(pg + q * V, g + q * H + full, tail * sizeof(float));
            memcpy(pcp, cp + full, tail * sizeof(float));
            lstm_units_forward(pg, V, pcp, pc, ptc, pr, V);
            for (size_t q = 0; q < 4; q++) memcpy(g + q * H + full, pg + q * V, tail * sizeof(float));
            memcpy(cb + full, pc, tail * sizeof(float));
            memcpy(tcb + full, ptc, tail * sizeof(float));
            memcpy(rb + full, pr, tail * sizeof(float));
        }
    }
}

// r = o·tanh(c): do = dr·tanh(c), dc += dr·o·(1 - tanh²c)
// c = f·c_prev + i·g: di = dc·g, df = dc·c_prev, dg = dc·i, dc_prev = dc·f
// through the activations: σ' = σ(1-σ), tanh' = 1 - tanh²
void KERNEL(lk_lstm_step_backward)(const float *restrict gates, const float *restrict c_prev,
                                        const float *restrict tc, const float *restrict dr, size_t lddr,
                                        float *restrict dc, float *restrict dgates, size_t B, size_t H, size_t units) {
    for (size_t b = 0; b < B; b++) {
        const float *g = gates + b * 4 * H, *cp = c_prev + b * H, *tcb = tc + b * H, *drb = dr + b * lddr;
        float *dcb = dc + b * H, *dg = dgates + b * 4 * H;
        for (size_t j = 0; j < units; j++) {
            float i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j], t = tcb[j];
            float dO = drb[j] * t;
            float dC = dcb[j] + drb[j] * o * (1.0f - t * t);
            dcb[j] = dC * f;
            dg[j] = dC * gg * i * (1.0f - i);
            dg[H + j] = dC * cp[j] * f * (1.0f - f);
            dg[2 * H + j] = dC * i * (1.0f - gg * gg);
            dg[3 * H + j] = dO * o * (1.0f - o);
        }
    }
}

// ---- GRU step ------------------------------------------------------------------------

// One row's n units; blocks `gs` apart in gi and gh, `ss` apart in saved.
static inline __attribute__((always_inline)) void gru_units_forward(const float *restrict ib, const float *restrict hb,
                                                                    size_t gs, const float *restrict hp,
                                                                    float *restrict s, size_t ss, float *restrict ob,
                                                                    size_t n) {
    // n is a whole number of vectors
    for (size_t j = 0; j < n; j += 16) {
        float r[16], z[16], nn[16];
        for (size_t l = 0; l < 16; l++) r[l] = ib[j + l] + hb[j + l];
        for (size_t l = 0; l < 16; l++) z[l] = ib[gs + j + l] + hb[gs + j + l];
        sigmoid16(r);
        sigmoid16(z);
        for (size_t l = 0; l < 16; l++) nn[l] = ib[2 * gs + j + l] + r[l] * hb[2 * gs + j + l];
        tanh16(nn);
        for (size_t l = 0; l < 16; l++) {
            float hn = hb[2 * gs + j + l];
            s[j + l] = r[l];
            s[ss + j + l] = z[l];
            s[2 * ss + j + l] = nn[l];
            s[3 * ss + j + l] = hn;
            ob[j + l] = (1.0f - z[l]) * nn[l] + z[l] * hp[j + l];
        }
    }
}

// r, z = σ(gi + gh);  n = tanh(gi_n + r·gh_n);  h = (1 - z)·n + z·h_prev
// The last units short of a full vector run padded to one, as in the LSTM step.
void KERNEL(lk_gru_step_forward)(const float *restrict gi, const float *restrict gh, const float *restrict h_prev, float *restrict saved, float *restrict h,
                                      size_t B, size_t H) {
    enum { V = 16 };
    size_t full = H / V * V, tail = H - full;
    for (size_t b = 0; b < B; b++) {
        const float *ib = gi + b * 3 * H, *hb = gh + b * 3 * H, *hp = h_prev + b * H;
        float *s = saved + b * 4 * H, *ob = h + b * H;
        gru_units_forward(ib, hb, H, hp, s, H, ob, full);
        if (tail) {
            float pi[3 * V] = {0}, ph[3 * V] = {0}, php[V] = {0}, ps[4 * V], po[V];
            for (size_t q = 0; q < 3; q++) {
                memcpy(pi + q * V, ib + q * H + full, tail * sizeof(float));
                memcpy(ph + q * V, hb + q * H + full, tail * sizeof(float));
            }
            memcpy(php, hp + full, tail * sizeof(float));
            gru_units_forward(pi, ph, V, php, ps, V, po, V);
            for (size_t q = 0; q < 4; q++) memcpy(s + q * H + full, ps + q * V, tail * sizeof(float));
            memcpy(ob + full, po, tail * sizeof(float));
        }
    }
}

// dn = dh·(1 - z), dz = dh·(h_prev - n), direct = dh·z; through n = tanh(a + r·hn) and σ
void KERNEL(lk_gru_step_backward)(const float *restrict saved, const float *restrict h_prev, const float *restrict dh, float *restrict dgi, float *restrict dgh,
                                       float *restrict direct, size_t B, size_t H) {
    for (size_t b = 0; b < B; b++) {
        const float *s = saved + b * 4 * H, *hp = h_prev + b * H, *d = dh + b * H;
        float *di = dgi + b * 3 * H, *dhh = dgh + b * 3 * H, *dd = direct + b * H;
        for (size_t j = 0; j < H; j++) {
            float r = s[j], z = s[H + j], n = s[2 * H + j], hn = s[3 * H + j];
            float dn = d[j] * (1.0f - z), dz = d[j] * (hp[j] - n);
            dd[j] = d[j] * z;
            float dnPre = dn * (1.0f - n * n);
            float drPre = dnPre * hn * r * (1.0f - r);
            float dzPre = dz * z * (1.0f - z);
            di[j] = drPre; di[H + j] = dzPre; di[2 * H + j] = dnPre;
            dhh[j] = drPre; dhh[H + j] = dzPre; dhh[2 * H + j] = dnPre * r;
        }
    }
}

// ---- Pointwise maps, their backward passes, and plain arithmetic ------------------------
//
// Out of place, x and y may be the same array: each block of 16 goes through a local
// copy, so the compiler vectorises without proving the arrays apart.

#define BLOCK16(n, ...) do { \
        size_t i_ = 0; \
        for (; i_ + 16 <= (n); i_ += 16) { const size_t base_ = i_, len_ = 16; __VA_ARGS__ } \
        if (i_ < (n)) { const size_t base_ = i_, len_ = (n) - i_; __VA_ARGS__ } \
    } while (0)

// y = exp(x), tanh(x) or σ(x); a short last block is padded with zeros
void KERNEL(lk_unary_span)(int op, const float *x, float *y, size_t n) {
    switch (op) {
#define UNARY_CASE(code, block) \
    case code: \
        BLOCK16(n, { float t[16] = {0}; memcpy(t, x + base_, len_ * 4); block(t); memcpy(y + base_, t, len_ * 4); }); \
        return;
    UNARY_CASE(LK_EXP, exp16)
    UNARY_CASE(LK_TANH, tanh16)
    UNARY_CASE(LK_SIGMOID, sigmoid16)
#undef UNARY_CASE
    }
}

void KERNEL(lk_exp)(float *x, size_t n) { KERNEL(lk_unary_span)(LK_EXP, x, x, n); }
void KERNEL(lk_sigmoid)(float *x, size_t n) { KERNEL(lk_unary_span)(LK_SIGMOID, x, x, n); }
void KERNEL(lk_tanh)(float *x, size_t n) { KERNEL(lk_unary_span)(LK_TANH, x, x, n); }

// from y = f(x): exp' = y, tanh' = 1 - y², σ' = σ(1 - σ);  dx = dy·f'
// (a plain loop per op, which the compiler vectorises to the full width, as the binary
// ops below)
void KERNEL(lk_unary_backward_span)(int op, const float *dy, const float *y, float *dx, size_t n) {
    if (op == LK_EXP) for (size_t i = 0; i < n; i++) dx[i] = dy[i] * y[i];
    else if (op == LK_TANH) for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
    else for (size_t i = 0; i < n; i++) dx[i] = (dy[i] * y[i]) * (1.0f - y[i]);
}

#define BINARY_LOOPS(expr) do { \
        if (b_step) { for (size_t i = 0; i < n; i++) { const float p = a[i], q = b[i]; c[i] = (expr); } } \
        else if (reversed) { const float p = b[0]; for (size_t i = 0; i < n; i++) { const float q = a[i]; c[i] = (expr); } } \
        else { const float q = b[0]; for (size_t i = 0; i < n; i++) { const float p = a[i]; c[i] = (expr); } } \
    } while (0)

// c = a op b, or with b_step 0 the scalar b[0] (reversed: b op a). A plain loop per op:
// a 16-value block through the stack with the op chosen inside ran x·y at two thirds of
// this loop's speed.
void KERNEL(lk_binary_span)(int op, const float *a, const float *b, size_t b_step, int reversed, float *c, size_t n) {
    if (b_step && reversed) { const float *t = a; a = b; b = t; }
    switch (op) {
    case LK_ADD: BINARY_LOOPS(p + q); return;
    case LK_SUB: BINARY_LOOPS(p - q); return;
    case LK_MUL: BINARY_LOOPS(p * q); return;
    default: BINARY_LOOPS(p / q); return;
    }
}
#undef BINARY_LOOPS

// c = a + alpha·b, fused as PyTorch's vectorised add with alpha (fmadd(b, alpha, a))
void KERNEL(lk_add_scaled_span)(const float *a, const float *b, float alpha, float *c, size_t n) {
    for (size_t i = 0; i < n; i++) c[i] = __builtin_fmaf(alpha, b[i], a[i]);
}

// ---- Sums ----------------------------------------------------------------------------
//
// 64 float lanes (four vectors on AVX-512: one would chain every addition to the one
// before), added in a fixed tree; a sum over many values adds blocks of 2048 that way
// and their totals in double. The same bits on every instruction set; a lane sums 32
// terms in float at most (the tree's cost is paid once a block).

static inline float lanes_total(float acc[64]) {
    for (int w = 32; w >= 1; w /= 2)
        for (int l = 0; l < w; l++) acc[l] += acc[l + w];
    return acc[0];
}

// Σ x (squares: Σ x²) over n values
void KERNEL(lk_sum_span)(const float *x, size_t n, int squares, double *out) {
    double total = 0;
    size_t i = 0;
    for (; i + 2048 <= n; i += 2048) {
        float acc[64] = {0};
        if (squares) for (size_t p = 0; p < 2048; p += 64) for (int l = 0; l < 64; l++) acc[l] += x[i + p + l] * x[i + p + l];
        else for (size_t p = 0; p < 2048; p += 64) for (int l = 0; l < 64; l++) acc[l] += x[i + p + l];
        total += lanes_total(acc);
    }
    float rest = 0;
    for (; i < n; i++) rest += squares ? x[i] * x[i] : x[i];
    *out = total + rest;
}

// ---- Softmax along rows ------------------------------------------------------------------
//
// Each row of n values on its own: max, e^(x - max) and its sum, then the scaling; the
// row's result does not depend on which thread ran it. Maxima and sums run in 64 lanes
// and a fixed tree, as above.

// The largest value, NaNs passed over (one vmaxps a vector, where keeping a NaN took a
// compare, a second compare and a blend): a NaN in the row still makes every result NaN,
// through its own e^(NaN - m) in the sum.
static inline float row_max(const float *x, size_t n) {
    float acc[64];
    for (int l = 0; l < 64; l++) acc[l] = -__builtin_inff();
    size_t k = 0;
    for (; k + 64 <= n; k += 64)
        for (int l = 0; l < 64; l++) { float v = x[k + l]; acc[l] = v > acc[l] ? v : acc[l]; }
    float m = -__builtin_inff();
    for (int l = 0; l < 64; l++) m = acc[l] > m ? acc[l] : m;
    for (; k < n; k++) m = x[k] > m ? x[k] : m;
    return m;
}

static inline float row_sum(const float *x, size_t n) {
    float acc[64] = {0};
    size_t k = 0;
    for (; k + 64 <= n; k += 64) for (int l = 0; l < 64; l++) acc[l] += x[k + l];
    float s = lanes_total(acc);
    for (; k < n; k++) s += x[k];
    return s;
}

static inline float row_dot(const float *x, const float *y, size_t n) {
    float acc[64] = {0};
    size_t k = 0;
    for (; k + 64 <= n; k += 64) for (int l = 0; l < 64; l++) acc[l] += x[k + l] * y[k + l];
    float s = lanes_total(acc);
    for (; k < n; k++) s += x[k] * y[k];
    return s;
}

// y = e^(x - m), and Σ y as row_sum adds it (the same lanes, the same order)
static inline float exp_store_sum(const float *x, float m, float *y, size_t n) {
    float acc[64] = {0};
    size_t k = 0;
#if defined(LK_KERNELS_AVX512)
    // 64 lanes in four registers: no block copies, no lane sums through memory
    const __m512 vm = _mm512_set1_ps(m);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (; k + 64 <= n; k += 64) {
        // the next row, while this one's exps compute
        for (size_t b = 0; b < 64; b += 16) {
            __builtin_prefetch(x + n + k + b, 0, 3);
            __builtin_prefetch(y + n + k + b, 1, 3);
        }
        __m512 e0 = exp_v16(_mm512_sub_ps(_mm512_loadu_ps(x + k), vm));
        __m512 e1 = exp_v16(_mm512_sub_ps(_mm512_loadu_ps(x + k + 16), vm));
        __m512 e2 = exp_v16(_mm512_sub_ps(_mm512_loadu_ps(x + k + 32), vm));
        __m512 e3 = exp_v16(_mm512_sub_ps(_mm512_loadu_ps(x + k + 48), vm));
        _mm512_storeu_ps(y + k, e0);
        _mm512_storeu_ps(y + k + 16, e1);
        _mm512_storeu_ps(y + k + 32, e2);
        _mm512_storeu_ps(y + k + 48, e3);
        a0 = _mm512_add_ps(a0, e0);
        a1 = _mm512_add_ps(a1, e1);
        a2 = _mm512_add_ps(a2, e2);
        a3 = _mm512_add_ps(a3, e3);
    }
    _mm512_storeu_ps(acc, a0);
    _mm512_storeu_ps(acc + 16, a1);
    _mm512_storeu_ps(acc + 32, a2);
    _mm512_storeu_ps(acc + 48, a3);
#else
    for (; k + 64 <= n; k += 64) {
        for (size_t b = 0; b < 64; b += 16) {
            __builtin_prefetch(x + n + k + b, 0, 3);
            __builtin_prefetch(y + n + k + b, 1, 3);
            float t[16];
            for (size_t l = 0; l < 16; l++) t[l] = x[k + b + l] - m;
            exp16(t);
            for (size_t l = 0; l < 16; l++) { y[k + b + l] = t[l]; acc[b + l] += t[l]; }
        }
    }
#endif
    const size_t whole = k;
    for (; k < n; k += 16) {
        size_t len = n - k < 16 ? n - k : 16;
        float t[16] = {0};
        for (size_t l = 0; l < len; l++) t[l] = x[k + l] - m;
        exp16(t);
        memcpy(y + k, t, len * 4);
    }
    float s = lanes_total(acc);
    for (k = whole; k < n; k++) s += y[k];
    return s;
}

// out[0] = m, the maximum, and out[1] = log Σ e^(x - m), NaN when m is not finite (as
// PyTorch's log_softmax has it: e^(m - m) is NaN there); scratch holds n. Kept apart:
// m + log Σ would round at m's scale.
void KERNEL(lk_log_sum_exp)(const float *x, size_t n, float *scratch, float *out) {
    float m = row_max(x, n);
    float s = m - m != 0 ? __builtin_nanf("") : exp_store_sum(x, m, scratch, n);
    out[0] = m;
    // one NaN whatever NaN the sum met, so that every instruction set gives the same bits
    out[1] = s != s ? __builtin_nanf("") : logf(s);
}

// softmax: y = e^(x - m) / Σ e^(x - m);  log_softmax: y = x - m - log Σ e^(x - m)
void KERNEL(lk_softmax_rows)(const float *x, float *y, size_t rows, size_t n, int log) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        float m = row_max(xr, n);
        float s = exp_store_sum(xr, m, yr, n);
        if (s != s) {
            // every result is NaN; one NaN for all, whichever the terms met in the sum
            // (the order in which a compiler adds or multiplies two NaNs picks one)
            for (size_t k = 0; k < n; k++) yr[k] = __builtin_nanf("");
            continue;
        }
        if (log) {
            // (x - m) - log s, not x - (m + log s): the sum m + log s would round at m's scale
            float ls = logf(s);
            for (size_t k = 0; k < n; k++) yr[k] = (xr[k] - m) - ls;
        } else {
            float inv = 1.0f / s;
            for (size_t k = 0; k < n; k++) yr[k] = yr[k] * inv;
        }
    }
}

// softmax: dx = y·(dy - Σ dy·y);  log_softmax: dx = dy - e^y·Σ dy
// The next rows are fetched during each row's last pass, as in the forward.
void KERNEL(lk_softmax_backward_rows)(const float *y, const float *dy, float *dx, size_t rows, size_t n, int log) {
    for (size_t r = 0; r < rows; r++) {
        const float *yr = y + r * n, *gr = dy + r * n;
        float *dr = dx + r * n;
        float s = log ? row_sum(gr, n) : row_dot(gr, yr, n);
        if (s != s) {
            // every result is NaN, as in the forward
            for (size_t k = 0; k < n; k++) dr[k] = __builtin_nanf("");
            continue;
        }
        if (log) {
            BLOCK16(n, { __builtin_prefetch(yr + n + base_, 0, 3); __builtin_prefetch(gr + n + base_, 0, 3);
                         __builtin_prefetch(dr + n + base_, 1, 3);
                         float t[16] = {0}, g[16] = {0}; memcpy(t, yr + base_, len_ * 4); memcpy(g, gr + base_, len_ * 4);
                         exp16(t);
                         for (size_t l = 0; l < 16; l++) t[l] = g[l] - t[l] * s;
                         memcpy(dr + base_, t, len_ * 4); });
        } else {
            BLOCK16(n, { __builtin_prefetch(yr + n + base_, 0, 3); __builtin_prefetch(gr + n + base_, 0, 3);
                         __builtin_prefetch(dr + n + base_, 1, 3);
                         float t[16], g[16]; memcpy(t, yr + base_, len_ * 4); memcpy(g, gr + base_, len_ * 4);
                         for (size_t l = 0; l < len_; l++) t[l] = t[l] * (g[l] - s);
                         memcpy(dr + base_, t, len_ * 4); });
        }
    }
}
