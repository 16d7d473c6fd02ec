/*
 * The blas asyncrl kernel: the contract of asyncrl/kernel.h with its matrix products done by
 * OpenBLAS's cblas_sgemm, reached through a function pointer that Java binds once after loading
 * (asyncrl/blas_ext.h says why). The library links no BLAS.
 *
 * Through sgemm: dense forward and backward, conv2d forward and backward (im2col into a bounded
 * scratch block on the stack, a few pixels' columns at a time), the LSTM cell's gate products
 * forward and backward. Everything else (activations, losses, optimisers, copy) is the reference
 * kernel's code, compiled into this library under the prefix asyncrl_reference_ (hidden, see
 * CMakeLists.txt), and so are the shapes sgemm's 32-bit sizes cannot describe and the ones whose
 * im2col column would not fit the scratch block. Argument checks are the reference's: pointers,
 * then sizes, then values, and a refused call writes nothing.
 *
 * Not here: threads (OpenBLAS runs on the calling thread; Java sets its pool to 1 thread), heap
 * allocation (the scratch is a fixed 64 KB on the caller's stack), results bit-identical to the
 * reference (sgemm blocks and vectorises its sums; the conformance check allows for that).
 */
#include "asyncrl/blas_ext.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>

/* The reference kernel's functions, for the ops not accelerated here and for refused calls. */
#include "../reference/fallback.h"
/* The reference's size rules and the LSTM cell's elementwise steps. */
#include "../reference/common.h"

using namespace asyncrl_common;

namespace {

/* cblas_sgemm, once Java has bound it; NULL before. */
std::atomic<asyncrl_cblas_sgemm_fn> g_sgemm{nullptr};

asyncrl_cblas_sgemm_fn sgemm() {
    return g_sgemm.load(std::memory_order_acquire);
}

/* Floats of the stack scratch block that conv2d's im2col columns and the LSTM's dz rows use. */
constexpr int64_t kScratch = 16384;

/* Whether every value (each >= 0) fits sgemm's 32-bit sizes and leading dimensions. */
bool int32_sizes(std::initializer_list<int64_t> values) {
    for (int64_t v : values) {
        if (v > INT32_MAX) return false;
    }
    return true;
}

/*
 * The ops this kernel does not accelerate: the reference's, once cblas_sgemm is bound (before,
 * every compute function refuses with NULL_POINTER, as blas_ext.h says).
 */
template <typename... Params, typename... Args>
asyncrl_status reference_once_bound(asyncrl_status (*reference)(Params...), Args... args) {
    if (!sgemm()) return ASYNCRL_ERR_NULL_POINTER;
    return reference(args...);
}

int32_t i32(int64_t v) {
    return static_cast<int32_t>(v);
}

/*
 * im2col of one sample for the output pixels [p0, p0 + pb): col (C*K*K, pb) with
 * col[(c*K + ki)*K + kj, j] = x[c, oy*S + ki, ox*S + kj] for pixel p0 + j = oy*Wo + ox.
 * x_n is (C,H,W).
 */
void im2col(float *col, const float *x_n, int64_t p0, int64_t pb, int64_t C, int64_t H, int64_t W,
            int64_t K, int64_t S, int64_t Wo) {
    for (int64_t c = 0; c < C; c++) {
        const float *x_map = x_n + c * H * W;  // (H,W)
        for (int64_t ki = 0; ki < K; ki++) {
            for (int64_t kj = 0; kj < K; kj++) {
                float *col_row = col + ((c * K + ki) * K + kj) * pb;  // (pb)
                int64_t oy = p0 / Wo, ox = p0 % Wo;
                for (int64_t j = 0; j < pb; j++) {
                    col_row[j] = x_map[(oy * S + ki) * W + ox * S + kj];
                    if (++ox == Wo) {
                        ox = 0;
                        oy++;
                    }
                }
            }
        }
    }
}

/* The reverse of im2col, adding: dx_n[c, oy*S + ki, ox*S + kj] += col[(c*K + ki)*K + kj, j]. */
void col2im_add(float *dx_n, const float *col, int64_t p0, int64_t pb, int64_t C, int64_t H,
                int64_t W, int64_t K, int64_t S, int64_t Wo) {
    for (int64_t c = 0; c < C; c++) {
        float *dx_map = dx_n + c * H * W;  // (H,W)
        for (int64_t ki = 0; ki < K; ki++) {
            for (int64_t kj = 0; kj < K; kj++) {
                const float *col_row = col + ((c * K + ki) * K + kj) * pb;  // (pb)
                int64_t oy = p0 / Wo, ox = p0 % Wo;
                for (int64_t j = 0; j < pb; j++) {
                    dx_map[(oy * S + ki) * W + ox * S + kj] += col_row[j];
                    if (++ox == Wo) {
                        ox = 0;
                        oy++;
                    }
                }
            }
        }
    }
}

/* Whether the sgemm path takes this convolution: 32-bit sizes and a column that fits the scratch. */
bool conv2d_sgemm_shape(int64_t C, int64_t H, int64_t W, int64_t F, int64_t K, int64_t S) {
    const int64_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1;
    const int64_t ckk = C * K * K;
    return ckk <= kScratch && int32_sizes({F, Ho * Wo, ckk});
}

}  // namespace

extern "C" {

asyncrl_status asyncrl_blas_bind(void *cblas_sgemm) {
    if (!cblas_sgemm) return ASYNCRL_ERR_NULL_POINTER;
    g_sgemm.store(reinterpret_cast<asyncrl_cblas_sgemm_fn>(cblas_sgemm), std::memory_order_release);
    return ASYNCRL_OK;
}

int32_t asyncrl_kernel_version(void) {
    return ASYNCRL_KERNEL_VERSION;
}

const char *asyncrl_kernel_name(void) {
    return "blas";
}

const char *asyncrl_status_string(asyncrl_status status) {
    if (status == ASYNCRL_ERR_NULL_POINTER) {
        return "a required pointer was NULL (or cblas_sgemm is not bound yet: call asyncrl_blas_bind first)";
    }
    return asyncrl_reference_status_string(status);  // the same statuses, so the same words
}

/* ---- dense ------------------------------------------------------------------------------------ */

asyncrl_status asyncrl_dense_forward(float *y, const float *x, const float *w, const float *b,
                                     int64_t B, int64_t I, int64_t O) {
    // y is (B,O), x is (B,I), w is (O,I), b is (O)
    const asyncrl_cblas_sgemm_fn gemm = sgemm();
    if (!gemm) return ASYNCRL_ERR_NULL_POINTER;
    if (!y || !x || !w || !b || B < 0 || I < 1 || O < 1 || !fits_all({B, I}) || !fits_all({B, O}) ||
        !fits_all({O, I}) || !int32_sizes({B, I, O})) {
        return asyncrl_reference_dense_forward(y, x, w, b, B, I, O);
    }
    for (int64_t row = 0; row < B; row++) {
        std::memcpy(y + row * O, b, static_cast<size_t>(O) * sizeof(float));
    }
    // y (B,O) += x (B,I) · w (O,I)^T
    if (B > 0) {
        gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_NO_TRANS, ASYNCRL_CBLAS_TRANS, i32(B), i32(O), i32(I),
             1.0f, x, i32(I), w, i32(I), 1.0f, y, i32(O));
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_dense_backward(float *dx, float *dw, float *db, const float *dy,
                                      const float *x, const float *w, int64_t B, int64_t I,
                                      int64_t O) {
    // dx is (B,I) or NULL, dw is (O,I), db is (O), dy is (B,O), x is (B,I), w is (O,I)
    const asyncrl_cblas_sgemm_fn gemm = sgemm();
    if (!gemm) return ASYNCRL_ERR_NULL_POINTER;
    if (!dw || !db || !dy || !x || !w || B < 0 || I < 1 || O < 1 || !fits_all({B, I}) ||
        !fits_all({B, O}) || !fits_all({O, I}) || !int32_sizes({B, I, O})) {
        return asyncrl_reference_dense_backward(dx, dw, db, dy, x, w, B, I, O);
    }
    if (B > 0) {
        // dx (B,I) += dy (B,O) · w (O,I)
        if (dx) {
            gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_NO_TRANS, ASYNCRL_CBLAS_NO_TRANS, i32(B), i32(I),
                 i32(O), 1.0f, dy, i32(O), w, i32(I), 1.0f, dx, i32(I));
        }
        // dw (O,I) += dy^T (O,B) · x (B,I)
        gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_TRANS, ASYNCRL_CBLAS_NO_TRANS, i32(O), i32(I), i32(B),
             1.0f, dy, i32(O), x, i32(I), 1.0f, dw, i32(I));
    }
    bias_backward(db, dy, B, O, 1);  // db[o] += sum over rows of dy[b,o]
    return ASYNCRL_OK;
}

/* ---- activations: the reference's ----------------------------------------------------------- */

asyncrl_status asyncrl_relu_forward(float *y, const float *x, int64_t N) {
    return reference_once_bound(asyncrl_reference_relu_forward, y, x, N);
}

asyncrl_status asyncrl_relu_backward(float *dx, const float *dy, const float *y, int64_t N) {
    return reference_once_bound(asyncrl_reference_relu_backward, dx, dy, y, N);
}

asyncrl_status asyncrl_tanh_forward(float *y, const float *x, int64_t N) {
    return reference_once_bound(asyncrl_reference_tanh_forward, y, x, N);
}

asyncrl_status asyncrl_tanh_backward(float *dx, const float *dy, const float *y, int64_t N) {
    return reference_once_bound(asyncrl_reference_tanh_backward, dx, dy, y, N);
}

/* ---- 2-D convolution: im2col blocks through sgemm ------------------------------------------- */

asyncrl_status asyncrl_conv2d_forward(float *y, const float *x, const float *w, const float *b,
                                      int64_t B, int64_t C, int64_t H, int64_t W, int64_t F,
                                      int64_t K, int64_t S) {
    // y is (B,F,Ho,Wo), x is (B,C,H,W), w is (F,C,K,K) = (F, C*K*K), b is (F)
    const asyncrl_cblas_sgemm_fn gemm = sgemm();
    if (!gemm) return ASYNCRL_ERR_NULL_POINTER;
    if (!y || !x || !w || !b || !conv2d_sizes_ok(B, C, H, W, F, K, S) ||
        !conv2d_sgemm_shape(C, H, W, F, K, S)) {
        return asyncrl_reference_conv2d_forward(y, x, w, b, B, C, H, W, F, K, S);
    }
    const int64_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1, P = Ho * Wo, ckk = C * K * K;
    const int64_t block = kScratch / ckk < P ? kScratch / ckk : P;  // pixels per im2col block
    float col[kScratch];                                              // (C*K*K, block)

    for (int64_t n = 0; n < B; n++) {
        float *y_n = y + n * F * P;            // (F,P)
        const float *x_n = x + n * C * H * W;  // (C,H,W)
        for (int64_t f = 0; f < F; f++) {
            for (int64_t p = 0; p < P; p++) y_n[f * P + p] = b[f];
        }
        for (int64_t p0 = 0; p0 < P; p0 += block) {
            const int64_t pb = P - p0 < block ? P - p0 : block;
            im2col(col, x_n, p0, pb, C, H, W, K, S, Wo);
            // y_n[:, p0:p0+pb] (F,pb) += w (F,ckk) · col (ckk,pb)
            gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_NO_TRANS, ASYNCRL_CBLAS_NO_TRANS, i32(F), i32(pb),
                 i32(ckk), 1.0f, w, i32(ckk), col, i32(pb), 1.0f, y_n + p0, i32(P));
        }
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_conv2d_backward(float *dx, float *dw, float *db, const float *dy,
                                       const float *x, const float *w, int64_t B, int64_t C,
                                       int64_t H, int64_t W, int64_t F, int64_t K, int64_t S) {
    // dx is (B,C,H,W) or NULL, dw is (F,C,K,K), db is (F), dy is (B,F,Ho,Wo), x is (B,C,H,W),
    // w is (F,C,K,K)
    const asyncrl_cblas_sgemm_fn gemm = sgemm();
    if (!gemm) return ASYNCRL_ERR_NULL_POINTER;
    if (!dw || !db || !dy || !x || !w || !conv2d_sizes_ok(B, C, H, W, F, K, S) ||
        !conv2d_sgemm_shape(C, H, W, F, K, S)) {
        return asyncrl_reference_conv2d_backward(dx, dw, db, dy, x, w, B, C, H, W, F, K, S);
    }
    const int64_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1, P = Ho * Wo, ckk = C * K * K;
    const int64_t block = kScratch / ckk < P ? kScratch / ckk : P;
    float col[kScratch];  // (C*K*K, block): x's columns, then dx's

    for (int64_t n = 0; n < B; n++) {
        const float *dy_n = dy + n * F * P;    // (F,P)
        const float *x_n = x + n * C * H * W;  // (C,H,W)
        for (int64_t p0 = 0; p0 < P; p0 += block) {
            const int64_t pb = P - p0 < block ? P - p0 : block;
            im2col(col, x_n, p0, pb, C, H, W, K, S, Wo);
            // dw (F,ckk) += dy_n[:, p0:p0+pb] (F,pb) · col^T (pb,ckk)
            gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_NO_TRANS, ASYNCRL_CBLAS_TRANS, i32(F), i32(ckk),
                 i32(pb), 1.0f, dy_n + p0, i32(P), col, i32(pb), 1.0f, dw, i32(ckk));
            if (dx) {
                // col (ckk,pb) = w^T (ckk,F) · dy_n[:, p0:p0+pb] (F,pb), then added back into dx
                gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_TRANS, ASYNCRL_CBLAS_NO_TRANS, i32(ckk), i32(pb),
                     i32(F), 1.0f, w, i32(ckk), dy_n + p0, i32(P), 0.0f, col, i32(pb));
                col2im_add(dx + n * C * H * W, col, p0, pb, C, H, W, K, S, Wo);
            }
        }
    }
    bias_backward(db, dy, B, F, P);  // db[f] += sum over n, oy, ox of dy[n,f,oy,ox]
    return ASYNCRL_OK;
}

/* ---- LSTM cell: the gate products through sgemm ------------------------------------------------ */

asyncrl_status asyncrl_lstm_cell_forward(float *h, float *c, float *gates, const float *x,
                                         const float *h_prev, const float *c_prev,
                                         const float *w_ih, const float *w_hh, const float *b,
                                         int64_t B, int64_t I, int64_t H) {
    // h is (B,H), c is (B,H), gates is (B,4H), x is (B,I), h_prev is (B,H), c_prev is (B,H),
    // w_ih is (4H,I), w_hh is (4H,H), b is (4H)
    const asyncrl_cblas_sgemm_fn gemm = sgemm();
    if (!gemm) return ASYNCRL_ERR_NULL_POINTER;
    if (!h || !c || !gates || !x || !h_prev || !c_prev || !w_ih || !w_hh || !b ||
        !lstm_sizes_ok(B, I, H) || !int32_sizes({B, I, 4 * H})) {
        return asyncrl_reference_lstm_cell_forward(h, c, gates, x, h_prev, c_prev, w_ih, w_hh, b, B, I, H);
    }
    const int64_t G = 4 * H;
    for (int64_t n = 0; n < B; n++) {
        std::memcpy(gates + n * G, b, static_cast<size_t>(G) * sizeof(float));
    }
    if (B > 0) {
        // z (B,4H) = b + x (B,I) · w_ih (4H,I)^T + h_prev (B,H) · w_hh (4H,H)^T, held in gates
        gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_NO_TRANS, ASYNCRL_CBLAS_TRANS, i32(B), i32(G), i32(I),
             1.0f, x, i32(I), w_ih, i32(I), 1.0f, gates, i32(G));
        gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_NO_TRANS, ASYNCRL_CBLAS_TRANS, i32(B), i32(G), i32(H),
             1.0f, h_prev, i32(H), w_hh, i32(H), 1.0f, gates, i32(G));
    }
    for (int64_t n = 0; n < B; n++) {
        lstm_row_forward(h + n * H, c + n * H, gates + n * G, c_prev + n * H, H);
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_lstm_cell_backward(float *dh_prev, float *dc_prev, float *dx, float *dw_ih,
                                          float *dw_hh, float *db, const float *dh,
                                          const float *dc, const float *x, const float *h_prev,
                                          const float *c_prev, const float *c, const float *gates,
                                          const float *w_ih, const float *w_hh, int64_t B,
                                          int64_t I, int64_t H) {
    // dh_prev, dc_prev are (B,H); dx is (B,I) or NULL; dw_ih is (4H,I), dw_hh is (4H,H), db is (4H);
    // dh, dc are (B,H); x is (B,I); h_prev, c_prev, c are (B,H); gates is (B,4H);
    // w_ih is (4H,I), w_hh is (4H,H). dc_prev may alias dc.
    const asyncrl_cblas_sgemm_fn gemm = sgemm();
    if (!gemm) return ASYNCRL_ERR_NULL_POINTER;
    if (!dh_prev || !dc_prev || !dw_ih || !dw_hh || !db || !dh || !dc || !x || !h_prev || !c_prev ||
        !c || !gates || !w_ih || !w_hh || !lstm_sizes_ok(B, I, H) || 4 * H > kScratch ||
        !int32_sizes({B, I, 4 * H})) {
        return asyncrl_reference_lstm_cell_backward(dh_prev, dc_prev, dx, dw_ih, dw_hh, db, dh, dc, x,
                                                    h_prev, c_prev, c, gates, w_ih, w_hh, B, I, H);
    }
    const int64_t G = 4 * H;
    const int64_t rows = kScratch / G;  // batch rows per block of dz
    float dz[kScratch];                 // (rows, 4H): the pre-activation gradients

    for (int64_t n0 = 0; n0 < B; n0 += rows) {
        const int64_t nb = B - n0 < rows ? B - n0 : rows;
        for (int64_t r = 0; r < nb; r++) {
            const int64_t n = n0 + r;
            const float *g_row = gates + n * G;  // (4H): i | f | g | o
            float *dz_row = dz + r * G;          // (4H)
            for (int64_t j = 0; j < H; j++) {
                float d[4];  // i, f, g, o
                const int64_t u = n * H + j;
                dc_prev[u] = lstm_unit_backward(d, g_row, H, j, c[u], c_prev[u], dh[u], dc[u]);
                for (int64_t q = 0; q < 4; q++) dz_row[q * H + j] = d[q];
            }
        }
        for (int64_t k = 0; k < G; k++) {
            float acc = 0.0f;
            for (int64_t r = 0; r < nb; r++) acc += dz[r * G + k];
            db[k] += acc;
        }
        // dw_ih (4H,I) += dz^T (4H,nb) · x (nb,I);  dw_hh (4H,H) += dz^T · h_prev (nb,H)
        gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_TRANS, ASYNCRL_CBLAS_NO_TRANS, i32(G), i32(I), i32(nb),
             1.0f, dz, i32(G), x + n0 * I, i32(I), 1.0f, dw_ih, i32(I));
        gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_TRANS, ASYNCRL_CBLAS_NO_TRANS, i32(G), i32(H), i32(nb),
             1.0f, dz, i32(G), h_prev + n0 * H, i32(H), 1.0f, dw_hh, i32(H));
        // dx (nb,I) += dz (nb,4H) · w_ih (4H,I);  dh_prev (nb,H) = dz · w_hh (4H,H)
        if (dx) {
            gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_NO_TRANS, ASYNCRL_CBLAS_NO_TRANS, i32(nb), i32(I),
                 i32(G), 1.0f, dz, i32(G), w_ih, i32(I), 1.0f, dx + n0 * I, i32(I));
        }
        gemm(ASYNCRL_CBLAS_ROW_MAJOR, ASYNCRL_CBLAS_NO_TRANS, ASYNCRL_CBLAS_NO_TRANS, i32(nb), i32(H),
             i32(G), 1.0f, dz, i32(G), w_hh, i32(H), 0.0f, dh_prev + n0 * H, i32(H));
    }
    return ASYNCRL_OK;
}

/* ---- losses, optimisation, copy: the reference's ----------------------------------------------- */

asyncrl_status asyncrl_a3c_loss_backward(float *dlogits, float *dvalues, float *stats,
                                         const float *logits, const float *values,
                                         const int32_t *actions, const float *returns, int64_t B,
                                         int64_t A, float entropy_beta, float value_coef) {
    return reference_once_bound(asyncrl_reference_a3c_loss_backward, dlogits, dvalues, stats, logits,
                                values, actions, returns, B, A, entropy_beta, value_coef);
}

asyncrl_status asyncrl_gaussian_loss_backward(float *dmu, float *dv, float *dvalues, float *stats,
                                              const float *mu, const float *v,
                                              const float *values, const float *actions,
                                              const float *returns, int64_t B, int64_t D,
                                              float entropy_beta, float value_coef) {
    return reference_once_bound(asyncrl_reference_gaussian_loss_backward, dmu, dv, dvalues, stats, mu, v,
                                values, actions, returns, B, D, entropy_beta, value_coef);
}

asyncrl_status asyncrl_q_loss_backward(float *dq, float *stats, const float *q,
                                       const int32_t *actions, const float *targets, int64_t B,
                                       int64_t A, float coef) {
    return reference_once_bound(asyncrl_reference_q_loss_backward, dq, stats, q, actions, targets, B, A, coef);
}

asyncrl_status asyncrl_clip_grad_norm(float *grad, float *norm_out, int64_t N, float max_norm) {
    return reference_once_bound(asyncrl_reference_clip_grad_norm, grad, norm_out, N, max_norm);
}

asyncrl_status asyncrl_shared_rmsprop(float *theta, float *g, const float *dtheta, int64_t N,
                                      float lr, float alpha, float eps) {
    return reference_once_bound(asyncrl_reference_shared_rmsprop, theta, g, dtheta, N, lr, alpha, eps);
}

asyncrl_status asyncrl_momentum_sgd(float *theta, float *m, const float *dtheta, int64_t N,
                                    float lr, float alpha) {
    return reference_once_bound(asyncrl_reference_momentum_sgd, theta, m, dtheta, N, lr, alpha);
}

asyncrl_status asyncrl_copy(float *dst, const float *src, int64_t N) {
    return reference_once_bound(asyncrl_reference_copy, dst, src, N);
}

}  // extern "C"
