/*
 * The reference kernel's pieces that every kernel built here (reference, blas, simd) shares: the
 * argument rules (a faster kernel takes its fast path only where the reference would compute, so
 * it asks the same questions), the bias gradient and the LSTM cell's elementwise steps (the blas
 * kernel does the reference's arithmetic around its sgemm calls). Not part of the contract.
 *
 * Every function has internal linkage (static inline): each kernel's translation units compile
 * their own copies with their own flags (the reference's -ffp-contract=off, the simd tables'
 * -mavx2), so no linker can pick one file's copy for another's.
 */
#ifndef ASYNCRL_REFERENCE_COMMON_H
#define ASYNCRL_REFERENCE_COMMON_H

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace asyncrl_common {

/* The largest element count of a float buffer whose size in bytes still fits in ptrdiff_t. */
constexpr int64_t kMaxElements = static_cast<int64_t>(PTRDIFF_MAX / sizeof(float));

/* Whether a buffer of rows x cols floats (both >= 0) is addressable; larger sizes are BAD_SIZE. */
static inline bool fits(int64_t rows, int64_t cols) {
    return rows == 0 || cols <= kMaxElements / rows;
}

/* Whether a tensor of these dimensions (each >= 0) is addressable; larger sizes are BAD_SIZE. */
static inline bool fits_all(std::initializer_list<int64_t> dims) {
    int64_t n = 1;
    for (int64_t d : dims) {
        if (d != 0 && n > kMaxElements / d) return false;
        n *= d;
    }
    return true;
}

/* A coefficient's domain check; false for NaN, since every comparison with NaN is false. */
static inline bool in_range(float v, float lo, float hi) {
    return v >= lo && v <= hi;
}

/* Finite and >= 0: the domain of every coefficient except alpha and max_norm. */
static inline bool non_negative(float v) {
    return in_range(v, 0.0f, FLT_MAX);
}

/* The size rules of conv2d_forward and conv2d_backward: B >= 0; C, H, W, F, K, S >= 1; K <= H, W. */
static inline bool conv2d_sizes_ok(int64_t B, int64_t C, int64_t H, int64_t W, int64_t F, int64_t K,
                                   int64_t S) {
    if (B < 0 || C < 1 || H < 1 || W < 1 || F < 1 || K < 1 || S < 1) return false;
    if (K > H || K > W) return false;
    const int64_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1;
    return fits_all({B, C, H, W}) && fits_all({F, C, K, K}) && fits_all({B, F, Ho, Wo});
}

/* The size rules of lstm_cell_forward and lstm_cell_backward: B >= 0; I, H >= 1. */
static inline bool lstm_sizes_ok(int64_t B, int64_t I, int64_t H) {
    return B >= 0 && I >= 1 && H >= 1 && fits(B, I) && fits_all({B, 4, H}) && fits_all({4, H, I}) &&
           fits_all({4, H, H});
}

/*
 * The bias gradient of dense (P = 1) and of conv2d (P = Ho*Wo): db[c] += the sum over n, then p,
 * of dy[n,c,p], accumulated in float in that order. db is (C), dy is (B,C,P).
 */
static inline void bias_backward(float *db, const float *dy, int64_t B, int64_t C, int64_t P) {
    for (int64_t c = 0; c < C; c++) {
        float acc = 0.0f;
        for (int64_t n = 0; n < B; n++) {
            const float *dy_map = dy + (n * C + c) * P;  // (P)
            for (int64_t p = 0; p < P; p++) {
                acc += dy_map[p];
            }
        }
        db[c] += acc;
    }
}

/* The logistic function, 1 / (1 + exp(-z)): exp overflows to inf for z < -88 and gives 0, not NaN. */
static inline float sigmoid(float z) {
    return 1.0f / (1.0f + std::exp(-z));
}

/*
 * One row of the LSTM cell after its gate products: g_row (4H) holds z = b + W_ih x + W_hh h_prev
 * and becomes the activated gates i | f | g | o (rows [2H, 3H) are the candidate g, under tanh;
 * the other three are sigmoids); then c = f c_prev + i g and h = o tanh(c). h, c, c_prev are (H).
 */
static inline void lstm_row_forward(float *h, float *c, float *g_row, const float *c_prev, int64_t H) {
    for (int64_t k = 0; k < 4 * H; k++) {
        g_row[k] = (k >= 2 * H && k < 3 * H) ? std::tanh(g_row[k]) : sigmoid(g_row[k]);
    }
    for (int64_t j = 0; j < H; j++) {
        const float ig = g_row[j], fg = g_row[H + j], gg = g_row[2 * H + j], og = g_row[3 * H + j];
        const float cj = fg * c_prev[j] + ig * gg;
        c[j] = cj;
        h[j] = og * std::tanh(cj);
    }
}

/*
 * Unit j of one row of the LSTM cell's backward: from the activated gates g_row (4H), c, c_prev and
 * the incoming dh, dc of the unit, writes the four pre-activation gradients dz (i, f, g, o) and
 * returns dc_prev = dL/dc_prev. The caller reads dc before it stores the result (they may alias).
 */
static inline float lstm_unit_backward(float dz[4], const float *g_row, int64_t H, int64_t j, float c,
                                       float c_prev, float dh, float dc) {
    const float ig = g_row[j], fg = g_row[H + j], gg = g_row[2 * H + j], og = g_row[3 * H + j];
    const float tc = std::tanh(c);
    const float dct = dc + dh * og * (1.0f - tc * tc);  // dL/dc, all of it
    dz[0] = dct * gg * ig * (1.0f - ig);                // i = sigmoid(z_i)
    dz[1] = dct * c_prev * fg * (1.0f - fg);            // f = sigmoid(z_f)
    dz[2] = dct * ig * (1.0f - gg * gg);                // g = tanh(z_g)
    dz[3] = dh * tc * og * (1.0f - og);                 // o = sigmoid(z_o)
    return dct * fg;
}

}  // namespace asyncrl_common

#endif /* ASYNCRL_REFERENCE_COMMON_H */
