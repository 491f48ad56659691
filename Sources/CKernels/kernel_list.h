// Every kernel that exists once per instruction set, as X(name, parameters, arguments):
// dispatch.c declares each set's copy and forwards the public function to one of them.
// The signatures are CKernels.h's.
#define LK_KERNELS(X) \
    X(lk_exp, (float *x, size_t n), (x, n)) \
    X(lk_sigmoid, (float *x, size_t n), (x, n)) \
    X(lk_tanh, (float *x, size_t n), (x, n)) \
    X(lk_sgemm_small, (int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda, \
                       const float *b, size_t ldb, float beta, float *c, size_t ldc), \
      (trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) \
    X(lk_pack_panels, (const float *b, size_t k, size_t n, size_t ldb, int trans, float *bp), (b, k, n, ldb, trans, bp)) \
    X(lk_sgemm_packed, (size_t m, size_t n, size_t k, const float *a, size_t lda, const float *bp, size_t j0, float beta, \
                        float *c, size_t ldc), (m, n, k, a, lda, bp, j0, beta, c, ldc)) \
    X(lk_column_sums, (const float *a, size_t rows, size_t n, size_t lda, float *sums), (a, rows, n, lda, sums)) \
    X(lk_transpose, (const float *src, size_t n, size_t k, float *dst), (src, n, k, dst)) \
    X(lk_adam_moments_span, (float *m, float *v, const float *g, size_t n, float w, float b2, float one_minus_b2), \
      (m, v, g, n, w, b2, one_minus_b2)) \
    X(lk_adam_update_span, (float *x, const float *m, const float *v, size_t n, float step_size, float bias2_sqrt, float eps), \
      (x, m, v, n, step_size, bias2_sqrt, eps)) \
    X(lk_lstm_step_forward, (float *gates, const float *c_prev, float *c, float *tc, float *r, size_t ldr, size_t B, \
                             size_t H, size_t units), (gates, c_prev, c, tc, r, ldr, B, H, units)) \
    X(lk_lstm_step_backward, (const float *gates, const float *c_prev, const float *tc, const float *dr, size_t lddr, \
                              float *dc, float *dgates, size_t B, size_t H, size_t units), \
      (gates, c_prev, tc, dr, lddr, dc, dgates, B, H, units)) \
    X(lk_gru_step_forward, (const float *gi, const float *gh, const float *h_prev, float *saved, float *h, size_t B, \
                            size_t H), (gi, gh, h_prev, saved, h, B, H)) \
    X(lk_gru_step_backward, (const float *saved, const float *h_prev, const float *dh, float *dgi, float *dgh, \
                             float *direct, size_t B, size_t H), (saved, h_prev, dh, dgi, dgh, direct, B, H)) \
    X(lk_unary_span, (int op, const float *x, float *y, size_t n), (op, x, y, n)) \
    X(lk_unary_backward_span, (int op, const float *dy, const float *y, float *dx, size_t n), (op, dy, y, dx, n)) \
    X(lk_binary_span, (int op, const float *a, const float *b, size_t b_step, int reversed, float *c, size_t n), \
      (op, a, b, b_step, reversed, c, n)) \
    X(lk_add_scaled_span, (const float *a, const float *b, float alpha, float *c, size_t n), (a, b, alpha, c, n)) \
    X(lk_sum_span, (const float *x, size_t n, int squares, double *out), (x, n, squares, out)) \
    X(lk_softmax_rows, (const float *x, float *y, size_t rows, size_t n, int log), (x, y, rows, n, log)) \
    X(lk_softmax_backward_rows, (const float *y, const float *dy, float *dx, size_t rows, size_t n, int log), \
      (y, dy, dx, rows, n, log)) \
    X(lk_log_sum_exp, (const float *x, size_t n, float *scratch, float *out), (x, n, scratch, out))
