/*
 * The reference asyncrl kernel: every function of asyncrl/kernel.h as plain loops in portable C++.
 * It is the oracle that faster kernels are tested against, and the pure-Java kernel mirrors it
 * loop for loop to a relative error of 1e-5. So the loop orders, the float accumulators and the
 * order of operations inside each expression are part of what this file defines: change them only
 * together with the Java mirror. Built with -ffp-contract=off (no fused multiply-add), no SIMD.
 * It is not fast, and it is not meant to be.
 * Every function checks its pointers, then its sizes, then its values, and refuses a call before
 * writing anything (clip_grad_norm alone still reports the non-finite norm it refuses).
 */
#include "asyncrl/kernel.h"

#include "common.h"

#include <cmath>
#include <cstdint>

/* The test library asyncrl_test_wrong_version sets this to 99 to prove the loader refuses it. */
#ifndef ASYNCRL_REPORTED_VERSION
#define ASYNCRL_REPORTED_VERSION ASYNCRL_KERNEL_VERSION
#endif

/*
 * The test library asyncrl_test_broken sets this to get relu_backward wrong in one character
 * (y >= 0 instead of y > 0, so the gradient of negative inputs passes through), to prove that
 * `asyncrl kernel check` catches a wrong op and names it.
 */
#ifdef ASYNCRL_TEST_BROKEN_RELU_BACKWARD
#define ASYNCRL_RELU_PASSES(y) ((y) >= 0.0f)
#else
#define ASYNCRL_RELU_PASSES(y) ((y) > 0.0f)
#endif

/* fits, fits_all, in_range, non_negative, the conv2d and LSTM size rules, the LSTM's elementwise steps */
using namespace asyncrl_common;

extern "C" {

int32_t asyncrl_kernel_version(void) {
    return ASYNCRL_REPORTED_VERSION;
}

const char *asyncrl_kernel_name(void) {
    return "reference";
}

const char *asyncrl_status_string(asyncrl_status status) {
    switch (status) {
    case ASYNCRL_OK: return "ok";
    case ASYNCRL_ERR_NULL_POINTER: return "a required pointer was NULL";
    case ASYNCRL_ERR_BAD_SIZE: return "a size was negative, zero where it must be positive, or too large";
    case ASYNCRL_ERR_BAD_ARGUMENT: return "a value was outside its domain (an action index or a coefficient)";
    case ASYNCRL_ERR_NON_FINITE: return "a NaN or infinity where a finite number is required";
    default: return "unknown status";
    }
}

/* ---- dense -------------------------------------------------------------------------------- */

asyncrl_status asyncrl_dense_forward(float *y, const float *x, const float *w, const float *b,
                                     int64_t B, int64_t I, int64_t O) {
    // y is (B,O), x is (B,I), w is (O,I), b is (O)
    if (!y || !x || !w || !b) return ASYNCRL_ERR_NULL_POINTER;
    if (B < 0 || I < 1 || O < 1) return ASYNCRL_ERR_BAD_SIZE;
    if (!fits(B, I) || !fits(B, O) || !fits(O, I)) return ASYNCRL_ERR_BAD_SIZE;

    for (int64_t row = 0; row < B; row++) {
        const float *x_row = x + row * I;  // (I)
        float *y_row = y + row * O;        // (O)
        for (int64_t o = 0; o < O; o++) {
            const float *w_row = w + o * I;  // (I)
            float acc = b[o];
            for (int64_t i = 0; i < I; i++) {
                acc += x_row[i] * w_row[i];
            }
            y_row[o] = acc;
        }
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_dense_backward(float *dx, float *dw, float *db, const float *dy,
                                      const float *x, const float *w, int64_t B, int64_t I,
                                      int64_t O) {
    // dx is (B,I) or NULL, dw is (O,I), db is (O), dy is (B,O), x is (B,I), w is (O,I)
    if (!dw || !db || !dy || !x || !w) return ASYNCRL_ERR_NULL_POINTER;
    if (B < 0 || I < 1 || O < 1) return ASYNCRL_ERR_BAD_SIZE;
    if (!fits(B, I) || !fits(B, O) || !fits(O, I)) return ASYNCRL_ERR_BAD_SIZE;

    // dx[b,i] += sum over o of dy[b,o] * w[o,i]
    if (dx) {
        for (int64_t row = 0; row < B; row++) {
            const float *dy_row = dy + row * O;  // (O)
            float *dx_row = dx + row * I;        // (I)
            for (int64_t i = 0; i < I; i++) {
                float acc = 0.0f;
                for (int64_t o = 0; o < O; o++) {
                    acc += dy_row[o] * w[o * I + i];
                }
                dx_row[i] += acc;
            }
        }
    }
    // dw[o,i] += sum over rows of dy[b,o] * x[b,i]
    for (int64_t o = 0; o < O; o++) {
        float *dw_row = dw + o * I;  // (I)
        for (int64_t i = 0; i < I; i++) {
            float acc = 0.0f;
            for (int64_t row = 0; row < B; row++) {
                acc += dy[row * O + o] * x[row * I + i];
            }
            dw_row[i] += acc;
        }
    }
    bias_backward(db, dy, B, O, 1);  // db[o] += sum over rows of dy[b,o]
    return ASYNCRL_OK;
}

/* ---- activations ------------------------------------------------------------------------------ */

asyncrl_status asyncrl_relu_forward(float *y, const float *x, int64_t N) {
    // y is (N), x is (N); y may alias x
    if (!y || !x) return ASYNCRL_ERR_NULL_POINTER;
    if (N < 0 || !fits(N, 1)) return ASYNCRL_ERR_BAD_SIZE;

    for (int64_t n = 0; n < N; n++) {
        const float v = x[n];
        // as Java's Math.max(v, 0f): NaN stays NaN (so a later norm check sees it), -0 gives +0
        y[n] = std::isnan(v) ? v : (v > 0.0f ? v : 0.0f);
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_relu_backward(float *dx, const float *dy, const float *y, int64_t N) {
    // dx is (N), dy is (N), y is (N) the forward output; dx may alias dy
    if (!dx || !dy || !y) return ASYNCRL_ERR_NULL_POINTER;
    if (N < 0 || !fits(N, 1)) return ASYNCRL_ERR_BAD_SIZE;

    for (int64_t n = 0; n < N; n++) {
        dx[n] = ASYNCRL_RELU_PASSES(y[n]) ? dy[n] : 0.0f;
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_tanh_forward(float *y, const float *x, int64_t N) {
    // y is (N), x is (N); y may alias x
    if (!y || !x) return ASYNCRL_ERR_NULL_POINTER;
    if (N < 0 || !fits(N, 1)) return ASYNCRL_ERR_BAD_SIZE;

    for (int64_t n = 0; n < N; n++) {
        y[n] = std::tanh(x[n]);
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_tanh_backward(float *dx, const float *dy, const float *y, int64_t N) {
    // dx is (N), dy is (N), y is (N) the forward output; dx may alias dy
    if (!dx || !dy || !y) return ASYNCRL_ERR_NULL_POINTER;
    if (N < 0 || !fits(N, 1)) return ASYNCRL_ERR_BAD_SIZE;

    for (int64_t n = 0; n < N; n++) {
        const float yn = y[n];
        dx[n] = dy[n] * (1.0f - yn * yn);
    }
    return ASYNCRL_OK;
}

/* ---- 2-D convolution ---------------------------------------------------------------------------- */

asyncrl_status asyncrl_conv2d_forward(float *y, const float *x, const float *w, const float *b,
                                      int64_t B, int64_t C, int64_t H, int64_t W, int64_t F,
                                      int64_t K, int64_t S) {
    // y is (B,F,Ho,Wo), x is (B,C,H,W), w is (F,C,K,K), b is (F)
    if (!y || !x || !w || !b) return ASYNCRL_ERR_NULL_POINTER;
    if (!conv2d_sizes_ok(B, C, H, W, F, K, S)) return ASYNCRL_ERR_BAD_SIZE;
    const int64_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1;

    for (int64_t n = 0; n < B; n++) {
        for (int64_t f = 0; f < F; f++) {
            float *y_map = y + (n * F + f) * Ho * Wo;  // (Ho,Wo)
            for (int64_t oy = 0; oy < Ho; oy++) {
                for (int64_t ox = 0; ox < Wo; ox++) {
                    float acc = b[f];
                    for (int64_t c = 0; c < C; c++) {
                        const float *x_map = x + (n * C + c) * H * W;  // (H,W)
                        const float *w_map = w + (f * C + c) * K * K;  // (K,K)
                        for (int64_t ki = 0; ki < K; ki++) {
                            const float *x_row = x_map + (oy * S + ki) * W + ox * S;  // (K)
                            const float *w_row = w_map + ki * K;                      // (K)
                            for (int64_t kj = 0; kj < K; kj++) {
                                acc += x_row[kj] * w_row[kj];
                            }
                        }
                    }
                    y_map[oy * Wo + ox] = acc;
                }
            }
        }
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_conv2d_backward(float *dx, float *dw, float *db, const float *dy,
                                       const float *x, const float *w, int64_t B, int64_t C,
                                       int64_t H, int64_t W, int64_t F, int64_t K, int64_t S) {
    // dx is (B,C,H,W) or NULL, dw is (F,C,K,K), db is (F), dy is (B,F,Ho,Wo), x is (B,C,H,W),
    // w is (F,C,K,K)
    if (!dw || !db || !dy || !x || !w) return ASYNCRL_ERR_NULL_POINTER;
    if (!conv2d_sizes_ok(B, C, H, W, F, K, S)) return ASYNCRL_ERR_BAD_SIZE;
    const int64_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1;

    // dx[n,c,iy,ix] += sum over f and the taps (ki,kj) with iy = oy*S+ki, ix = ox*S+kj of
    // dy[n,f,oy,ox] * w[f,c,ki,kj]: ki runs over iy mod S, + S, ... while oy = (iy-ki)/S >= 0
    if (dx) {
        for (int64_t n = 0; n < B; n++) {
            for (int64_t c = 0; c < C; c++) {
                float *dx_map = dx + (n * C + c) * H * W;  // (H,W)
                for (int64_t iy = 0; iy < H; iy++) {
                    for (int64_t ix = 0; ix < W; ix++) {
                        float acc = 0.0f;
                        for (int64_t f = 0; f < F; f++) {
                            const float *dy_map = dy + (n * F + f) * Ho * Wo;  // (Ho,Wo)
                            const float *w_map = w + (f * C + c) * K * K;      // (K,K)
                            for (int64_t ki = iy % S; ki < K && ki <= iy; ki += S) {
                                const int64_t oy = (iy - ki) / S;
                                if (oy >= Ho) continue;
                                for (int64_t kj = ix % S; kj < K && kj <= ix; kj += S) {
                                    const int64_t ox = (ix - kj) / S;
                                    if (ox >= Wo) continue;
                                    acc += dy_map[oy * Wo + ox] * w_map[ki * K + kj];
                                }
                            }
                        }
                        dx_map[iy * W + ix] += acc;
                    }
                }
            }
        }
    }
    // dw[f,c,ki,kj] += sum over n, oy, ox of dy[n,f,oy,ox] * x[n,c,oy*S+ki,ox*S+kj]
    for (int64_t f = 0; f < F; f++) {
        for (int64_t c = 0; c < C; c++) {
            float *dw_map = dw + (f * C + c) * K * K;  // (K,K)
            for (int64_t ki = 0; ki < K; ki++) {
                for (int64_t kj = 0; kj < K; kj++) {
                    float acc = 0.0f;
                    for (int64_t n = 0; n < B; n++) {
                        const float *dy_map = dy + (n * F + f) * Ho * Wo;  // (Ho,Wo)
                        const float *x_map = x + (n * C + c) * H * W;      // (H,W)
                        for (int64_t oy = 0; oy < Ho; oy++) {
                            for (int64_t ox = 0; ox < Wo; ox++) {
                                acc += dy_map[oy * Wo + ox] * x_map[(oy * S + ki) * W + ox * S + kj];
                            }
                        }
                    }
                    dw_map[ki * K + kj] += acc;
                }
            }
        }
    }
    bias_backward(db, dy, B, F, Ho * Wo);  // db[f] += sum over n, oy, ox of dy[n,f,oy,ox]
    return ASYNCRL_OK;
}

/* ---- LSTM cell ------------------------------------------------------------------------------------ */

asyncrl_status asyncrl_lstm_cell_forward(float *h, float *c, float *gates, const float *x,
                                         const float *h_prev, const float *c_prev,
                                         const float *w_ih, const float *w_hh, const float *b,
                                         int64_t B, int64_t I, int64_t H) {
    // h is (B,H), c is (B,H), gates is (B,4H), x is (B,I), h_prev is (B,H), c_prev is (B,H),
    // w_ih is (4H,I), w_hh is (4H,H), b is (4H)
    if (!h || !c || !gates || !x || !h_prev || !c_prev || !w_ih || !w_hh || !b) {
        return ASYNCRL_ERR_NULL_POINTER;
    }
    if (!lstm_sizes_ok(B, I, H)) return ASYNCRL_ERR_BAD_SIZE;
    const int64_t G = 4 * H;

    for (int64_t n = 0; n < B; n++) {
        const float *x_row = x + n * I;       // (I)
        const float *hp_row = h_prev + n * H;  // (H)
        float *g_row = gates + n * G;          // (4H): z, then i | f | g | o
        for (int64_t k = 0; k < G; k++) {
            const float *wi_row = w_ih + k * I;  // (I)
            const float *wh_row = w_hh + k * H;  // (H)
            float z = b[k];
            for (int64_t i = 0; i < I; i++) {
                z += x_row[i] * wi_row[i];
            }
            for (int64_t j = 0; j < H; j++) {
                z += hp_row[j] * wh_row[j];
            }
            g_row[k] = z;
        }
        lstm_row_forward(h + n * H, c + n * H, g_row, c_prev + n * H, H);
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
    if (!dh_prev || !dc_prev || !dw_ih || !dw_hh || !db || !dh || !dc || !x || !h_prev ||
        !c_prev || !c || !gates || !w_ih || !w_hh) {
        return ASYNCRL_ERR_NULL_POINTER;
    }
    if (!lstm_sizes_ok(B, I, H)) return ASYNCRL_ERR_BAD_SIZE;
    const int64_t G = 4 * H;

    // Row by row, unit by unit: the four pre-activation gradients dz of unit j, then what each
    // adds to db, dw_ih, dx, dw_hh and dh_prev (the products of dz with x, w_ih, h_prev, w_hh).
    for (int64_t n = 0; n < B; n++) {
        const float *x_row = x + n * I;        // (I)
        const float *hp_row = h_prev + n * H;  // (H)
        const float *g_row = gates + n * G;    // (4H): i | f | g | o
        float *dhp_row = dh_prev + n * H;      // (H)
        for (int64_t j = 0; j < H; j++) {
            dhp_row[j] = 0.0f;
        }
        for (int64_t j = 0; j < H; j++) {
            float dz[4];
            const int64_t u = n * H + j;
            dc_prev[u] = lstm_unit_backward(dz, g_row, H, j, c[u], c_prev[u], dh[u], dc[u]);
            for (int64_t q = 0; q < 4; q++) {
                const int64_t k = q * H + j;
                const float d = dz[q];
                db[k] += d;
                float *dwi_row = dw_ih + k * I;        // (I)
                const float *wi_row = w_ih + k * I;    // (I)
                for (int64_t i = 0; i < I; i++) {
                    dwi_row[i] += d * x_row[i];
                }
                if (dx) {
                    float *dx_row = dx + n * I;  // (I)
                    for (int64_t i = 0; i < I; i++) {
                        dx_row[i] += d * wi_row[i];
                    }
                }
                float *dwh_row = dw_hh + k * H;        // (H)
                const float *wh_row = w_hh + k * H;    // (H)
                for (int64_t jj = 0; jj < H; jj++) {
                    dwh_row[jj] += d * hp_row[jj];
                }
                for (int64_t jj = 0; jj < H; jj++) {
                    dhp_row[jj] += d * wh_row[jj];
                }
            }
        }
    }
    return ASYNCRL_OK;
}

/* ---- A3C loss ----------------------------------------------------------------------------------- */

asyncrl_status asyncrl_a3c_loss_backward(float *dlogits, float *dvalues, float *stats,
                                         const float *logits, const float *values,
                                         const int32_t *actions, const float *returns, int64_t B,
                                         int64_t A, float entropy_beta, float value_coef) {
    // dlogits is (B,A), dvalues is (B), stats is (3), logits is (B,A), values is (B),
    // actions is (B) int32 in [0,A), returns is (B)
    if (!dlogits || !dvalues || !stats || !logits || !values || !actions || !returns) {
        return ASYNCRL_ERR_NULL_POINTER;
    }
    if (B < 0 || A < 1 || !fits(B, A)) return ASYNCRL_ERR_BAD_SIZE;
    if (!non_negative(entropy_beta) || !non_negative(value_coef)) return ASYNCRL_ERR_BAD_ARGUMENT;
    // every action is checked before anything is written, so a refused call leaves outputs alone
    for (int64_t row = 0; row < B; row++) {
        if (actions[row] < 0 || actions[row] >= A) return ASYNCRL_ERR_BAD_ARGUMENT;
    }

    double policy_loss = 0.0;  // sum of -log p(a) * advantage
    double value_loss = 0.0;   // sum of value_coef * (R - V)^2
    double entropy = 0.0;      // sum of H
    const float value_scale = 2.0f * value_coef;

    for (int64_t row = 0; row < B; row++) {
        const float *z = logits + row * A;  // (A)
        float *dz = dlogits + row * A;      // (A); holds exp(z - max) until the last pass
        const int64_t action = actions[row];

        float max = z[0];
        for (int64_t j = 1; j < A; j++) {
            if (z[j] > max) max = z[j];
        }
        float sum = 0.0f;
        for (int64_t j = 0; j < A; j++) {
            dz[j] = std::exp(z[j] - max);
            sum += dz[j];
        }
        const float log_sum = std::log(sum);

        // H = -sum_j p_j log p_j, summed in j order
        float p_log_p = 0.0f;
        for (int64_t j = 0; j < A; j++) {
            const float p = dz[j] / sum;
            const float log_p = (z[j] - max) - log_sum;
            p_log_p += p * log_p;
        }
        const float H = -p_log_p;
        const float advantage = returns[row] - values[row];
        const float log_p_action = (z[action] - max) - log_sum;

        for (int64_t j = 0; j < A; j++) {
            const float p = dz[j] / sum;
            const float log_p = (z[j] - max) - log_sum;
            const float onehot = j == action ? 1.0f : 0.0f;
            dz[j] = advantage * (p - onehot) + entropy_beta * p * (log_p + H);
        }
        dvalues[row] = value_scale * (values[row] - returns[row]);

        const double adv = static_cast<double>(advantage);
        policy_loss += -static_cast<double>(log_p_action) * adv;
        value_loss += static_cast<double>(value_coef) * adv * adv;
        entropy += static_cast<double>(H);
    }
    stats[0] = static_cast<float>(policy_loss);
    stats[1] = static_cast<float>(value_loss);
    stats[2] = static_cast<float>(entropy);
    return ASYNCRL_OK;
}

/* ---- Gaussian policy loss ------------------------------------------------------------------------- */

asyncrl_status asyncrl_gaussian_loss_backward(float *dmu, float *dv, float *dvalues, float *stats,
                                              const float *mu, const float *v,
                                              const float *values, const float *actions,
                                              const float *returns, int64_t B, int64_t D,
                                              float entropy_beta, float value_coef) {
    // dmu is (B,D), dv is (B), dvalues is (B), stats is (3), mu is (B,D), v is (B), values is (B),
    // actions is (B,D), returns is (B)
    if (!dmu || !dv || !dvalues || !stats || !mu || !v || !values || !actions || !returns) {
        return ASYNCRL_ERR_NULL_POINTER;
    }
    if (B < 0 || D < 1 || !fits(B, D)) return ASYNCRL_ERR_BAD_SIZE;
    if (!non_negative(entropy_beta) || !non_negative(value_coef)) return ASYNCRL_ERR_BAD_ARGUMENT;

    constexpr float kLog2Pi = 1.83787706641f;  // log(2 pi)
    double policy_loss = 0.0;  // sum of -log N(a) * advantage
    double value_loss = 0.0;   // sum of value_coef * (R - V)^2
    double entropy = 0.0;      // sum of H
    const float half_d = 0.5f * static_cast<float>(D);
    const float value_scale = 2.0f * value_coef;

    for (int64_t row = 0; row < B; row++) {
        const float *mu_row = mu + row * D;      // (D)
        const float *a_row = actions + row * D;  // (D)
        float *dmu_row = dmu + row * D;          // (D)
        const float vr = v[row];

        const float softplus = std::log1p(std::exp(-std::fabs(vr))) + (vr > 0.0f ? vr : 0.0f);
        const float var = softplus + ASYNCRL_GAUSSIAN_VAR_FLOOR;  // sigma^2
        const float log_var = std::log(var);
        float sq = 0.0f;  // |a - mu|^2, summed in d order
        for (int64_t d = 0; d < D; d++) {
            const float diff = a_row[d] - mu_row[d];
            sq += diff * diff;
        }
        const float q = sq / var;
        const float neg_log_n = half_d * (kLog2Pi + log_var) + 0.5f * q;
        const float H = half_d * (kLog2Pi + log_var + 1.0f);
        const float advantage = returns[row] - values[row];

        for (int64_t d = 0; d < D; d++) {
            dmu_row[d] = advantage * (mu_row[d] - a_row[d]) / var;
        }
        const float dvar = (advantage * (half_d - 0.5f * q) - entropy_beta * half_d) / var;
        dv[row] = dvar * sigmoid(vr);  // d softplus / dv = sigmoid(v)
        dvalues[row] = value_scale * (values[row] - returns[row]);

        const double adv = static_cast<double>(advantage);
        policy_loss += static_cast<double>(neg_log_n) * adv;
        value_loss += static_cast<double>(value_coef) * adv * adv;
        entropy += static_cast<double>(H);
    }
    stats[0] = static_cast<float>(policy_loss);
    stats[1] = static_cast<float>(value_loss);
    stats[2] = static_cast<float>(entropy);
    return ASYNCRL_OK;
}

/* ---- Q-learning loss ------------------------------------------------------------------------------ */

asyncrl_status asyncrl_q_loss_backward(float *dq, float *stats, const float *q,
                                       const int32_t *actions, const float *targets, int64_t B,
                                       int64_t A, float coef) {
    // dq is (B,A), stats is (1), q is (B,A), actions is (B) int32 in [0,A), targets is (B)
    if (!dq || !stats || !q || !actions || !targets) return ASYNCRL_ERR_NULL_POINTER;
    if (B < 0 || A < 1 || !fits(B, A)) return ASYNCRL_ERR_BAD_SIZE;
    if (!non_negative(coef)) return ASYNCRL_ERR_BAD_ARGUMENT;
    // every action is checked before anything is written, so a refused call leaves outputs alone
    for (int64_t row = 0; row < B; row++) {
        if (actions[row] < 0 || actions[row] >= A) return ASYNCRL_ERR_BAD_ARGUMENT;
    }

    double loss = 0.0;  // sum of coef * (y - q[a])^2
    const float scale = 2.0f * coef;

    for (int64_t row = 0; row < B; row++) {
        const float *q_row = q + row * A;  // (A)
        float *dq_row = dq + row * A;      // (A)
        const int64_t action = actions[row];

        const float diff = q_row[action] - targets[row];  // q[a] - y
        for (int64_t j = 0; j < A; j++) {
            dq_row[j] = 0.0f;
        }
        dq_row[action] = scale * diff;

        const double d = static_cast<double>(diff);
        loss += static_cast<double>(coef) * d * d;
    }
    stats[0] = static_cast<float>(loss);
    return ASYNCRL_OK;
}

/* ---- optimisation -------------------------------------------------------------------------------- */

asyncrl_status asyncrl_clip_grad_norm(float *grad, float *norm_out, int64_t N, float max_norm) {
    // grad is (N), norm_out is (1)
    if (!grad || !norm_out) return ASYNCRL_ERR_NULL_POINTER;
    if (N < 0 || !fits(N, 1)) return ASYNCRL_ERR_BAD_SIZE;
    if (std::isnan(max_norm)) return ASYNCRL_ERR_BAD_ARGUMENT;

    double sum_sq = 0.0;
    for (int64_t i = 0; i < N; i++) {
        const double g = static_cast<double>(grad[i]);
        sum_sq += g * g;
    }
    const double norm = std::sqrt(sum_sq);
    const float norm_f = static_cast<float>(norm);
    *norm_out = norm_f;
    // a norm beyond FLT_MAX cannot be reported in norm_out and counts as infinite too
    if (!std::isfinite(norm_f)) return ASYNCRL_ERR_NON_FINITE;

    // max_norm <= 0 only measures
    if (max_norm > 0.0f && norm > static_cast<double>(max_norm)) {
        const float scale = static_cast<float>(static_cast<double>(max_norm) / norm);
        for (int64_t i = 0; i < N; i++) {
            grad[i] *= scale;
        }
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_shared_rmsprop(float *theta, float *g, const float *dtheta, int64_t N,
                                      float lr, float alpha, float eps) {
    // theta is (N) shared, g is (N) shared, dtheta is (N) this thread's gradient
    if (!theta || !g || !dtheta) return ASYNCRL_ERR_NULL_POINTER;
    if (N < 0 || !fits(N, 1)) return ASYNCRL_ERR_BAD_SIZE;
    if (!in_range(alpha, 0.0f, 1.0f) || !non_negative(eps) || !non_negative(lr)) {
        return ASYNCRL_ERR_BAD_ARGUMENT;
    }

    // Hogwild!: other threads update theta and g meanwhile, without locks. Each element is read
    // once and written once, so another thread's update to it is either seen or overwritten (a
    // lost update, which Hogwild! accepts); no element is read twice and mixed within one call.
    for (int64_t i = 0; i < N; i++) {
        const float d = dtheta[i];
        const float gi = alpha * g[i] + (1.0f - alpha) * d * d;
        g[i] = gi;
        const float ti = theta[i];
        theta[i] = ti - lr * d / std::sqrt(gi + eps);
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_momentum_sgd(float *theta, float *m, const float *dtheta, int64_t N,
                                    float lr, float alpha) {
    // theta is (N) shared, m is (N) this thread's momentum, dtheta is (N) this thread's gradient
    if (!theta || !m || !dtheta) return ASYNCRL_ERR_NULL_POINTER;
    if (N < 0 || !fits(N, 1)) return ASYNCRL_ERR_BAD_SIZE;
    if (!in_range(alpha, 0.0f, 1.0f) || !non_negative(lr)) return ASYNCRL_ERR_BAD_ARGUMENT;

    // Hogwild! on theta as in shared_rmsprop: each element of theta is read once and written once.
    // m belongs to the calling thread.
    for (int64_t i = 0; i < N; i++) {
        const float mi = alpha * m[i] + (1.0f - alpha) * dtheta[i];
        m[i] = mi;
        const float ti = theta[i];
        theta[i] = ti - lr * mi;
    }
    return ASYNCRL_OK;
}

asyncrl_status asyncrl_copy(float *dst, const float *src, int64_t N) {
    // dst is (N), src is (N); dst may alias src
    if (!dst || !src) return ASYNCRL_ERR_NULL_POINTER;
    if (N < 0 || !fits(N, 1)) return ASYNCRL_ERR_BAD_SIZE;

    // src is often the shared θ, which other threads write meanwhile (Hogwild!): each element is
    // read as one float (alone or in a vector), so that it is a value θ held before or after an
    // update. memmove promises no such thing: the ASan runtime's copies byte by byte, and under it
    // hogwild_tests read floats that θ never held (the sign byte of one value, the rest of a later
    // one). The direction test keeps memmove's overlap semantics.
    if (dst < src) {
        for (int64_t i = 0; i < N; i++) dst[i] = src[i];
    } else if (dst > src) {
        for (int64_t i = N; i-- > 0;) dst[i] = src[i];
    }
    return ASYNCRL_OK;
}

}  // extern "C"
