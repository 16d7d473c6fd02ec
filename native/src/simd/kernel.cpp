/*
 * The simd asyncrl kernel: the contract of asyncrl/kernel.h with its hot ops hand-vectorised for
 * x86-64, AVX-512 or AVX2+FMA, chosen once when the library is loaded (asyncrl/simd_ext.h says
 * how, and how a test forces a path). The library itself is built for baseline x86-64 (no
 * -march): only ops_avx2.cpp and ops_avx512.cpp are compiled with those instruction sets, and
 * nothing in them runs unless the CPU has them. On a CPU without AVX2 and FMA, and on a non-x86
 * build, every function is the reference kernel's.
 *
 * Vectorised (ops_impl.inc): dense forward and backward, conv2d forward and backward (direct tiles
 * that broadcast inputs straight from x against w^T, or patches of a few output pixels packed into
 * a fixed block on the stack), the LSTM cell's gate products
 * forward and backward, relu forward and backward, tanh backward, clip_grad_norm, shared_rmsprop,
 * momentum_sgd. The reference kernel's code, compiled into this library under the prefix
 * asyncrl_reference_ (hidden, see CMakeLists.txt), does the rest: tanh forward, the three losses,
 * copy (a memmove), and the shapes whose scratch block would not fit (conv2d with C*K*K > 16384
 * floats, an LSTM with 4H > 16384).
 *
 * Argument checks are the reference's: any call that the reference would refuse goes to the
 * reference, which returns the status and writes nothing. So statuses agree exactly.
 *
 * Not here: threads, heap allocation (scratch is fixed arrays on the caller's stack: at most about
 * 115 KB in one frame, conv2d_backward's), prints,
 * results bit-identical to the reference (the sums are blocked, vectorised and fused;
 * `asyncrl kernel check simd` allows for that).
 */
#include "asyncrl/simd_ext.h"

#include "ops.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

/* The reference kernel's functions, for the ops not accelerated here and for refused calls. */
#include "../reference/fallback.h"
/* The reference's size rules, so the fast path is taken only where the reference would compute. */
#include "../reference/common.h"

using namespace asyncrl_common;

namespace {

using asyncrl_simd::kScratch;
using asyncrl_simd::Ops;

/* The table the CPU can run (capped by ASYNCRL_SIMD_ISA), or NULL for the reference code. */
const Ops *select_ops() {
#if defined(ASYNCRL_SIMD_X86)
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    int cap = 2;  // 2: avx512, 1: avx2, 0: reference
    if (const char *want = std::getenv("ASYNCRL_SIMD_ISA")) {
        if (std::strcmp(want, "avx2") == 0) cap = 1;
        if (std::strcmp(want, "reference") == 0) cap = 0;
    }
    if (avx512 && cap >= 2) return &asyncrl_simd::kOpsAvx512;
    if (avx2 && cap >= 1) return &asyncrl_simd::kOpsAvx2;
#endif
    return nullptr;
}

/* Chosen once, when the library is loaded. */
const Ops *const g_ops = select_ops();

bool dense_sizes_ok(int64_t B, int64_t I, int64_t O) {
    return B >= 0 && I >= 1 && O >= 1 && fits(B, I) && fits(B, O) && fits(O, I);
}

bool flat_size_ok(int64_t N) {
    return N >= 0 && fits(N, 1);
}

/* The fast path's own limit: one pixel's patch (C*K*K floats) must fit the scratch block. */
bool conv2d_patch_fits(int64_t C, int64_t K) {
    return C <= kScratch && K <= kScratch && C * K <= kScratch && C * K * K <= kScratch;
}

}  // namespace

extern "C" {

const char *asyncrl_simd_isa(void) {
    return g_ops ? g_ops->isa : "reference";
}

int32_t asyncrl_kernel_version(void) {
    return ASYNCRL_KERNEL_VERSION;
}

const char *asyncrl_kernel_name(void) {
    return "simd";
}

const char *asyncrl_status_string(asyncrl_status status) {
    return asyncrl_reference_status_string(status);  // the same statuses, so the same words
}

/* ---- dense ---------------------------------------------------------------------------------- */

asyncrl_status asyncrl_dense_forward(float *y, const float *x, const float *w, const float *b,
                                     int64_t B, int64_t I, int64_t O) {
    if (!g_ops || !y || !x || !w || !b || !dense_sizes_ok(B, I, O)) {
        return asyncrl_reference_dense_forward(y, x, w, b, B, I, O);
    }
    g_ops->dense_forward(y, x, w, b, B, I, O);
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_dense_backward(float *dx, float *dw, float *db, const float *dy,
                                      const float *x, const float *w, int64_t B, int64_t I,
                                      int64_t O) {
    if (!g_ops || !dw || !db || !dy || !x || !w || !dense_sizes_ok(B, I, O)) {
        return asyncrl_reference_dense_backward(dx, dw, db, dy, x, w, B, I, O);
    }
    g_ops->dense_backward(dx, dw, db, dy, x, w, B, I, O);
    return ASYNCRL_OK;
}

/* ---- activations ------------------------------------------------------------------------------ */

asyncrl_status asyncrl_relu_forward(float *y, const float *x, int64_t N) {
    if (!g_ops || !y || !x || !flat_size_ok(N)) return asyncrl_reference_relu_forward(y, x, N);
    g_ops->relu_forward(y, x, N);
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_relu_backward(float *dx, const float *dy, const float *y, int64_t N) {
    if (!g_ops || !dx || !dy || !y || !flat_size_ok(N)) return asyncrl_reference_relu_backward(dx, dy, y, N);
    g_ops->relu_backward(dx, dy, y, N);
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_tanh_forward(float *y, const float *x, int64_t N) {
    return asyncrl_reference_tanh_forward(y, x, N);
}

asyncrl_status asyncrl_tanh_backward(float *dx, const float *dy, const float *y, int64_t N) {
    if (!g_ops || !dx || !dy || !y || !flat_size_ok(N)) return asyncrl_reference_tanh_backward(dx, dy, y, N);
    g_ops->tanh_backward(dx, dy, y, N);
    return ASYNCRL_OK;
}

/* ---- 2-D convolution -------------------------------------------------------------------------- */

asyncrl_status asyncrl_conv2d_forward(float *y, const float *x, const float *w, const float *b,
                                      int64_t B, int64_t C, int64_t H, int64_t W, int64_t F,
                                      int64_t K, int64_t S) {
    if (!g_ops || !y || !x || !w || !b || !conv2d_sizes_ok(B, C, H, W, F, K, S) || !conv2d_patch_fits(C, K)) {
        return asyncrl_reference_conv2d_forward(y, x, w, b, B, C, H, W, F, K, S);
    }
    g_ops->conv2d_forward(y, x, w, b, B, C, H, W, F, K, S);
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_conv2d_backward(float *dx, float *dw, float *db, const float *dy,
                                       const float *x, const float *w, int64_t B, int64_t C,
                                       int64_t H, int64_t W, int64_t F, int64_t K, int64_t S) {
    if (!g_ops || !dw || !db || !dy || !x || !w || !conv2d_sizes_ok(B, C, H, W, F, K, S) ||
        !conv2d_patch_fits(C, K)) {
        return asyncrl_reference_conv2d_backward(dx, dw, db, dy, x, w, B, C, H, W, F, K, S);
    }
    g_ops->conv2d_backward(dx, dw, db, dy, x, w, B, C, H, W, F, K, S);
    return ASYNCRL_OK;
}

/* ---- LSTM cell ---------------------------------------------------------------------------------- */

asyncrl_status asyncrl_lstm_cell_forward(float *h, float *c, float *gates, const float *x,
                                         const float *h_prev, const float *c_prev,
                                         const float *w_ih, const float *w_hh, const float *b,
                                         int64_t B, int64_t I, int64_t H) {
    if (!g_ops || !h || !c || !gates || !x || !h_prev || !c_prev || !w_ih || !w_hh || !b ||
        !lstm_sizes_ok(B, I, H)) {
        return asyncrl_reference_lstm_cell_forward(h, c, gates, x, h_prev, c_prev, w_ih, w_hh, b, B, I, H);
    }
    g_ops->lstm_cell_forward(h, c, gates, x, h_prev, c_prev, w_ih, w_hh, b, B, I, H);
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_lstm_cell_backward(float *dh_prev, float *dc_prev, float *dx, float *dw_ih,
                                          float *dw_hh, float *db, const float *dh,
                                          const float *dc, const float *x, const float *h_prev,
                                          const float *c_prev, const float *c, const float *gates,
                                          const float *w_ih, const float *w_hh, int64_t B,
                                          int64_t I, int64_t H) {
    if (!g_ops || !dh_prev || !dc_prev || !dw_ih || !dw_hh || !db || !dh || !dc || !x || !h_prev ||
        !c_prev || !c || !gates || !w_ih || !w_hh || !lstm_sizes_ok(B, I, H) || H > kScratch / 4) {
        return asyncrl_reference_lstm_cell_backward(dh_prev, dc_prev, dx, dw_ih, dw_hh, db, dh, dc, x,
                                                    h_prev, c_prev, c, gates, w_ih, w_hh, B, I, H);
    }
    g_ops->lstm_cell_backward(dh_prev, dc_prev, dx, dw_ih, dw_hh, db, dh, dc, x, h_prev, c_prev, c,
                              gates, w_ih, w_hh, B, I, H);
    return ASYNCRL_OK;
}

/* ---- losses: the reference's ------------------------------------------------------------------ */

asyncrl_status asyncrl_a3c_loss_backward(float *dlogits, float *dvalues, float *stats,
                                         const float *logits, const float *values,
                                         const int32_t *actions, const float *returns, int64_t B,
                                         int64_t A, float entropy_beta, float value_coef) {
    return asyncrl_reference_a3c_loss_backward(dlogits, dvalues, stats, logits, values, actions, returns,
                                               B, A, entropy_beta, value_coef);
}

asyncrl_status asyncrl_gaussian_loss_backward(float *dmu, float *dv, float *dvalues, float *stats,
                                              const float *mu, const float *v,
                                              const float *values, const float *actions,
                                              const float *returns, int64_t B, int64_t D,
                                              float entropy_beta, float value_coef) {
    return asyncrl_reference_gaussian_loss_backward(dmu, dv, dvalues, stats, mu, v, values, actions,
                                                    returns, B, D, entropy_beta, value_coef);
}

asyncrl_status asyncrl_q_loss_backward(float *dq, float *stats, const float *q,
                                       const int32_t *actions, const float *targets, int64_t B,
                                       int64_t A, float coef) {
    return asyncrl_reference_q_loss_backward(dq, stats, q, actions, targets, B, A, coef);
}

/* ---- optimisation ------------------------------------------------------------------------------ */

asyncrl_status asyncrl_clip_grad_norm(float *grad, float *norm_out, int64_t N, float max_norm) {
    if (!g_ops || !grad || !norm_out || !flat_size_ok(N) || std::isnan(max_norm)) {
        return asyncrl_reference_clip_grad_norm(grad, norm_out, N, max_norm);
    }
    const double norm = std::sqrt(g_ops->sum_squares(grad, N));
    const float norm_f = static_cast<float>(norm);
    *norm_out = norm_f;
    // a norm beyond FLT_MAX cannot be reported in norm_out and counts as infinite too
    if (!std::isfinite(norm_f)) return ASYNCRL_ERR_NON_FINITE;
    // max_norm <= 0 only measures
    if (max_norm > 0.0f && norm > static_cast<double>(max_norm)) {
        g_ops->scale(grad, N, static_cast<float>(static_cast<double>(max_norm) / norm));
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_shared_rmsprop(float *theta, float *g, const float *dtheta, int64_t N,
                                      float lr, float alpha, float eps) {
    if (!g_ops || !theta || !g || !dtheta || !flat_size_ok(N) || !in_range(alpha, 0.0f, 1.0f) ||
        !non_negative(eps) || !non_negative(lr)) {
        return asyncrl_reference_shared_rmsprop(theta, g, dtheta, N, lr, alpha, eps);
    }
    g_ops->shared_rmsprop(theta, g, dtheta, N, lr, alpha, eps);
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_momentum_sgd(float *theta, float *m, const float *dtheta, int64_t N,
                                    float lr, float alpha) {
    if (!g_ops || !theta || !m || !dtheta || !flat_size_ok(N) || !in_range(alpha, 0.0f, 1.0f) ||
        !non_negative(lr)) {
        return asyncrl_reference_momentum_sgd(theta, m, dtheta, N, lr, alpha);
    }
    g_ops->momentum_sgd(theta, m, dtheta, N, lr, alpha);
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_copy(float *dst, const float *src, int64_t N) {
    return asyncrl_reference_copy(dst, src, N);
}

}  // extern "C"
