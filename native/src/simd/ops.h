/*
 * The simd kernel's internal dispatch table: the hot ops with their arguments already checked
 * (pointers non-NULL where required, sizes valid, coefficients in range), one table per
 * instruction set. ops_avx2.cpp (-mavx2 -mfma) and ops_avx512.cpp (-mavx512f) each compile
 * ops_impl.inc into their own namespace; kernel.cpp picks one table at load and never calls a
 * table the CPU cannot run. Nothing here is exported.
 */
#ifndef ASYNCRL_SIMD_OPS_H
#define ASYNCRL_SIMD_OPS_H

#include <cstdint>

namespace asyncrl_simd {

/* Floats of the stack scratch block (64 KB) that conv2d's patch rows and the LSTM's dz rows use. */
constexpr int64_t kScratch = 16384;

struct Ops {
    const char *isa;
    void (*dense_forward)(float *y, const float *x, const float *w, const float *b, int64_t B,
                          int64_t I, int64_t O);
    void (*dense_backward)(float *dx, float *dw, float *db, const float *dy, const float *x,
                           const float *w, int64_t B, int64_t I, int64_t O);
    void (*relu_forward)(float *y, const float *x, int64_t N);
    void (*relu_backward)(float *dx, const float *dy, const float *y, int64_t N);
    void (*tanh_backward)(float *dx, const float *dy, const float *y, int64_t N);
    /* Only when C*K*K <= kScratch. */
    void (*conv2d_forward)(float *y, const float *x, const float *w, const float *b, int64_t B,
                           int64_t C, int64_t H, int64_t W, int64_t F, int64_t K, int64_t S);
    void (*conv2d_backward)(float *dx, float *dw, float *db, const float *dy, const float *x,
                            const float *w, int64_t B, int64_t C, int64_t H, int64_t W, int64_t F,
                            int64_t K, int64_t S);
    void (*lstm_cell_forward)(float *h, float *c, float *gates, const float *x,
                              const float *h_prev, const float *c_prev, const float *w_ih,
                              const float *w_hh, const float *b, int64_t B, int64_t I, int64_t H);
    /* Only when 4*H <= kScratch. */
    void (*lstm_cell_backward)(float *dh_prev, float *dc_prev, float *dx, float *dw_ih,
                               float *dw_hh, float *db, const float *dh, const float *dc,
                               const float *x, const float *h_prev, const float *c_prev,
                               const float *c, const float *gates, const float *w_ih,
                               const float *w_hh, int64_t B, int64_t I, int64_t H);
    /* The sum of grad[i]^2 in double. */
    double (*sum_squares)(const float *grad, int64_t N);
    void (*scale)(float *grad, int64_t N, float s);
    void (*shared_rmsprop)(float *theta, float *g, const float *dtheta, int64_t N, float lr,
                           float alpha, float eps);
    void (*momentum_sgd)(float *theta, float *m, const float *dtheta, int64_t N, float lr,
                         float alpha);
};

/* The table of the ops that ops_impl.inc compiled into namespace ns, under the name isa. */
#define ASYNCRL_SIMD_OPS(isa, ns)                                                                  \
    {                                                                                              \
        isa, ns::dense_forward, ns::dense_backward, ns::relu_forward, ns::relu_backward,           \
            ns::tanh_backward, ns::conv2d_forward, ns::conv2d_backward, ns::lstm_cell_forward,     \
            ns::lstm_cell_backward, ns::sum_squares, ns::scale, ns::shared_rmsprop,                \
            ns::momentum_sgd,                                                                      \
    }

#if defined(ASYNCRL_SIMD_X86)
extern const Ops kOpsAvx2;
extern const Ops kOpsAvx512;
#endif

}  // namespace asyncrl_simd

#endif
