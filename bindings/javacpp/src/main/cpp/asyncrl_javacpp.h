/*
 * The C++ half of the JavaCPP binding (bindings/javacpp): one trampoline per function type of
 * the kernel contract (native/include/asyncrl/kernel.h), which calls the function at the address
 * it is given (relu, tanh and copy share two types, so two trampolines). JavaCPP's Builder compiles the JNI glue of JavaCppFunctions.java against this header;
 * each glue function calls the trampoline of the same name.
 *
 * Why trampolines: JNI glue normally links to one library at build time, but asyncrl picks its
 * kernel at run time, by name or by the path of any .so. So the glue links no kernel at all; the
 * Java side passes the address of the function in the library KernelLibraries found, dlopened and
 * checked (FfmKernel.symbolAddress). Each trampoline casts that address to the type of the
 * contract's own declaration (decltype of the function in kernel.h, an unevaluated use that needs
 * no definition), so the compiler checks every argument against the header.
 */
#ifndef ASYNCRL_JAVACPP_H
#define ASYNCRL_JAVACPP_H

#include <stdint.h>

#include <type_traits>

#include "asyncrl/kernel.h"

#define ASYNCRL_JAVACPP_FN(name, fn) (reinterpret_cast<decltype(&::name)>(fn))

static inline int32_t asyncrl_javacpp_kernel_version(intptr_t fn) {
    return ASYNCRL_JAVACPP_FN(asyncrl_kernel_version, fn)();
}

static inline const char *asyncrl_javacpp_kernel_name(intptr_t fn) {
    return ASYNCRL_JAVACPP_FN(asyncrl_kernel_name, fn)();
}

static inline const char *asyncrl_javacpp_status_string(intptr_t fn, asyncrl_status status) {
    return ASYNCRL_JAVACPP_FN(asyncrl_status_string, fn)(status);
}

static inline asyncrl_status asyncrl_javacpp_dense_forward(intptr_t fn, float *y, const float *x,
                                                           const float *w, const float *b,
                                                           int64_t B, int64_t I, int64_t O) {
    return ASYNCRL_JAVACPP_FN(asyncrl_dense_forward, fn)(y, x, w, b, B, I, O);
}

static inline asyncrl_status asyncrl_javacpp_dense_backward(intptr_t fn, float *dx, float *dw,
                                                            float *db, const float *dy,
                                                            const float *x, const float *w,
                                                            int64_t B, int64_t I, int64_t O) {
    return ASYNCRL_JAVACPP_FN(asyncrl_dense_backward, fn)(dx, dw, db, dy, x, w, B, I, O);
}

/* relu_forward, tanh_forward and copy share one type, asyncrl_status (float *, const float *, int64_t). */
static_assert(std::is_same<decltype(asyncrl_tanh_forward), decltype(asyncrl_relu_forward)>::value &&
                  std::is_same<decltype(asyncrl_copy), decltype(asyncrl_relu_forward)>::value,
              "asyncrl_javacpp_unary calls relu_forward, tanh_forward and copy alike");
static_assert(std::is_same<decltype(asyncrl_tanh_backward), decltype(asyncrl_relu_backward)>::value,
              "asyncrl_javacpp_unary_backward calls relu_backward and tanh_backward alike");

static inline asyncrl_status asyncrl_javacpp_unary(intptr_t fn, float *out, const float *in, int64_t N) {
    return ASYNCRL_JAVACPP_FN(asyncrl_relu_forward, fn)(out, in, N);
}

/* relu_backward and tanh_backward share one type. */
static inline asyncrl_status asyncrl_javacpp_unary_backward(intptr_t fn, float *dx, const float *dy,
                                                            const float *y, int64_t N) {
    return ASYNCRL_JAVACPP_FN(asyncrl_relu_backward, fn)(dx, dy, y, N);
}

static inline asyncrl_status asyncrl_javacpp_conv2d_forward(intptr_t fn, float *y, const float *x,
                                                            const float *w, const float *b,
                                                            int64_t B, int64_t C, int64_t H,
                                                            int64_t W, int64_t F, int64_t K,
                                                            int64_t S) {
    return ASYNCRL_JAVACPP_FN(asyncrl_conv2d_forward, fn)(y, x, w, b, B, C, H, W, F, K, S);
}

static inline asyncrl_status asyncrl_javacpp_conv2d_backward(intptr_t fn, float *dx, float *dw,
                                                             float *db, const float *dy,
                                                             const float *x, const float *w,
                                                             int64_t B, int64_t C, int64_t H,
                                                             int64_t W, int64_t F, int64_t K,
                                                             int64_t S) {
    return ASYNCRL_JAVACPP_FN(asyncrl_conv2d_backward, fn)(dx, dw, db, dy, x, w, B, C, H, W, F, K, S);
}

static inline asyncrl_status asyncrl_javacpp_lstm_cell_forward(intptr_t fn, float *h, float *c,
                                                               float *gates, const float *x,
                                                               const float *h_prev,
                                                               const float *c_prev,
                                                               const float *w_ih,
                                                               const float *w_hh, const float *b,
                                                               int64_t B, int64_t I, int64_t H) {
    return ASYNCRL_JAVACPP_FN(asyncrl_lstm_cell_forward, fn)(h, c, gates, x, h_prev, c_prev, w_ih,
                                                             w_hh, b, B, I, H);
}

static inline asyncrl_status asyncrl_javacpp_lstm_cell_backward(
    intptr_t fn, float *dh_prev, float *dc_prev, float *dx, float *dw_ih, float *dw_hh, float *db,
    const float *dh, const float *dc, const float *x, const float *h_prev, const float *c_prev,
    const float *c, const float *gates, const float *w_ih, const float *w_hh, int64_t B, int64_t I,
    int64_t H) {
    return ASYNCRL_JAVACPP_FN(asyncrl_lstm_cell_backward, fn)(dh_prev, dc_prev, dx, dw_ih, dw_hh, db,
                                                              dh, dc, x, h_prev, c_prev, c, gates,
                                                              w_ih, w_hh, B, I, H);
}

static inline asyncrl_status asyncrl_javacpp_a3c_loss_backward(
    intptr_t fn, float *dlogits, float *dvalues, float *stats, const float *logits,
    const float *values, const int32_t *actions, const float *returns, int64_t B, int64_t A,
    float entropy_beta, float value_coef) {
    return ASYNCRL_JAVACPP_FN(asyncrl_a3c_loss_backward, fn)(dlogits, dvalues, stats, logits, values,
                                                             actions, returns, B, A, entropy_beta,
                                                             value_coef);
}

static inline asyncrl_status asyncrl_javacpp_gaussian_loss_backward(
    intptr_t fn, float *dmu, float *dv, float *dvalues, float *stats, const float *mu,
    const float *v, const float *values, const float *actions, const float *returns, int64_t B,
    int64_t D, float entropy_beta, float value_coef) {
    return ASYNCRL_JAVACPP_FN(asyncrl_gaussian_loss_backward, fn)(dmu, dv, dvalues, stats, mu, v,
                                                                  values, actions, returns, B, D,
                                                                  entropy_beta, value_coef);
}

static inline asyncrl_status asyncrl_javacpp_q_loss_backward(intptr_t fn, float *dq, float *stats,
                                                             const float *q,
                                                             const int32_t *actions,
                                                             const float *targets, int64_t B,
                                                             int64_t A, float coef) {
    return ASYNCRL_JAVACPP_FN(asyncrl_q_loss_backward, fn)(dq, stats, q, actions, targets, B, A, coef);
}

static inline asyncrl_status asyncrl_javacpp_clip_grad_norm(intptr_t fn, float *grad,
                                                            float *norm_out, int64_t N,
                                                            float max_norm) {
    return ASYNCRL_JAVACPP_FN(asyncrl_clip_grad_norm, fn)(grad, norm_out, N, max_norm);
}

static inline asyncrl_status asyncrl_javacpp_shared_rmsprop(intptr_t fn, float *theta, float *g,
                                                            const float *dtheta, int64_t N,
                                                            float lr, float alpha, float eps) {
    return ASYNCRL_JAVACPP_FN(asyncrl_shared_rmsprop, fn)(theta, g, dtheta, N, lr, alpha, eps);
}

static inline asyncrl_status asyncrl_javacpp_momentum_sgd(intptr_t fn, float *theta, float *m,
                                                          const float *dtheta, int64_t N, float lr,
                                                          float alpha) {
    return ASYNCRL_JAVACPP_FN(asyncrl_momentum_sgd, fn)(theta, m, dtheta, N, lr, alpha);
}

#endif /* ASYNCRL_JAVACPP_H */
