/*
 * asyncrl kernel contract, version 3 (version 2 plus conv2d, lstm_cell and gaussian_loss_backward;
 * version 2 was version 1 plus q_loss_backward and momentum_sgd).
 *
 * Any shared library that exports every function below (extern "C", these exact names) is an
 * asyncrl kernel: the Java side loads it by name or by path, calls asyncrl_kernel_version() and
 * refuses it unless the version equals ASYNCRL_KERNEL_VERSION.
 *
 * Rules every function keeps:
 *   - outputs first, then inputs, then sizes (int64_t), then scalar coefficients;
 *   - all memory belongs to the caller; a kernel never allocates, frees, starts threads, prints,
 *     exits or aborts;
 *   - every function returns an asyncrl_status; ASYNCRL_OK (0) on success;
 *   - all tensors are dense, row-major, float32 unless marked otherwise;
 *   - elementwise functions (relu, tanh, copy) allow an output to alias its input exactly, and
 *     lstm_cell_backward allows dc_prev to alias dc exactly; no other aliasing is allowed;
 *   - "accumulates" means the function adds into the output (+=); the caller zeroes it first;
 *   - required pointers are required even when a size is 0; a refused call writes nothing
 *     (clip_grad_norm alone still reports the norm it refuses);
 *   - coefficients must be finite unless a function says otherwise; checks run in the order
 *     pointers, sizes, values.
 *
 * Dimension legend:
 *   B  batch: rows processed in one call (for A3C, the steps of one t_max segment)
 *   I  input features of a dense layer
 *   O  output features of a dense layer
 *   A  number of discrete actions
 *   D  dimension of a continuous action (the Gaussian policy's mean)
 *   N  element count of a flat buffer (a tensor, or the whole parameter block)
 * conv2d only (images are NCHW: batch, channel, row, column):
 *   C  input channels          F  output channels (filters)
 *   H  input height            W  input width
 *   K  kernel height and width S  stride, the same along both axes
 *   Ho = (H - K) / S + 1, Wo = (W - K) / S + 1: output height and width (integer division)
 * lstm_cell only:
 *   H  hidden units (the size of h and c); the four gates make 4H rows
 */
#ifndef ASYNCRL_KERNEL_H
#define ASYNCRL_KERNEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ASYNCRL_KERNEL_VERSION 3

#if defined(_WIN32)
#define ASYNCRL_API __declspec(dllexport)
#else
#define ASYNCRL_API __attribute__((visibility("default")))
#endif

typedef int32_t asyncrl_status;
enum {
    ASYNCRL_OK = 0,
    ASYNCRL_ERR_NULL_POINTER = 1,  /* a required pointer was NULL */
    ASYNCRL_ERR_BAD_SIZE = 2,      /* a size was negative, zero where it must be positive, or so large
                                      that its byte count overflows */
    ASYNCRL_ERR_BAD_ARGUMENT = 3,  /* a value outside its domain (an action index, a coefficient) */
    ASYNCRL_ERR_NON_FINITE = 4     /* a NaN or infinity where a finite number is required */
};

/* The contract version this library implements: must equal ASYNCRL_KERNEL_VERSION. */
ASYNCRL_API int32_t asyncrl_kernel_version(void);

/* A short static name of the implementation, e.g. "reference". Never NULL. */
ASYNCRL_API const char *asyncrl_kernel_name(void);

/* A static English description of a status code. Never NULL (unknown codes give "unknown status"). */
ASYNCRL_API const char *asyncrl_status_string(asyncrl_status status);

/* ---- dense (fully connected) layer: y = x W^T + b ---------------------------------------- */

/*
 * y (B,O) = x (B,I) · w (O,I)^T + b (O)
 * w is stored as (O,I), as in ONNX Gemm with transB = 1.
 */
ASYNCRL_API asyncrl_status asyncrl_dense_forward(float *y, const float *x, const float *w,
                                                 const float *b, int64_t B, int64_t I, int64_t O);

/*
 * Given dy (B,O) = dL/dy, accumulates
 *   dx (B,I) += dy · w          (dx may be NULL: the input gradient is then not computed)
 *   dw (O,I) += dy^T · x
 *   db (O)   += sum over rows of dy
 * x (B,I) and w (O,I) are the forward pass's inputs.
 */
ASYNCRL_API asyncrl_status asyncrl_dense_backward(float *dx, float *dw, float *db, const float *dy,
                                                  const float *x, const float *w, int64_t B,
                                                  int64_t I, int64_t O);

/* ---- activations ---------------------------------------------------------------------------- */

/* y (N) = max(x, 0). y may alias x. */
ASYNCRL_API asyncrl_status asyncrl_relu_forward(float *y, const float *x, int64_t N);

/* dx (N) = dy where y > 0, else 0; y (N) is the forward output. dx may alias dy. */
ASYNCRL_API asyncrl_status asyncrl_relu_backward(float *dx, const float *dy, const float *y,
                                                 int64_t N);

/* y (N) = tanh(x). y may alias x. */
ASYNCRL_API asyncrl_status asyncrl_tanh_forward(float *y, const float *x, int64_t N);

/* dx (N) = dy * (1 - y^2); y (N) is the forward output. dx may alias dy. */
ASYNCRL_API asyncrl_status asyncrl_tanh_backward(float *dx, const float *dy, const float *y,
                                                 int64_t N);

/* ---- 2-D convolution: NCHW, square kernel, no padding ----------------------------------------- */

/*
 * y (B,F,Ho,Wo) = conv(x (B,C,H,W), w (F,C,K,K)) + b (F), stride S, no padding, no dilation:
 *   y[n,f,oy,ox] = b[f] + sum over c < C, ki < K, kj < K of x[n,c,oy*S+ki,ox*S+kj] * w[f,c,ki,kj]
 * This is ONNX Conv with group 1, pads 0, strides [S,S], kernel_shape [K,K] (the same x, w and y
 * layouts, and the same floor for Ho and Wo). When S does not divide H - K (or W - K) the last
 * rows (columns) of x are not read. Requires B >= 0, C, H, W, F, K, S >= 1, K <= H and K <= W.
 */
ASYNCRL_API asyncrl_status asyncrl_conv2d_forward(float *y, const float *x, const float *w,
                                                  const float *b, int64_t B, int64_t C, int64_t H,
                                                  int64_t W, int64_t F, int64_t K, int64_t S);

/*
 * Given dy (B,F,Ho,Wo) = dL/dy, accumulates
 *   dx (B,C,H,W) += the gradient through w   (dx may be NULL: not computed; pixels that no
 *                                             output reads get 0 added)
 *   dw (F,C,K,K) += the gradient through x
 *   db (F)       += sum of dy over n, oy, ox
 * x (B,C,H,W) and w (F,C,K,K) are the forward pass's inputs. Sizes as in conv2d_forward.
 */
ASYNCRL_API asyncrl_status asyncrl_conv2d_backward(float *dx, float *dw, float *db, const float *dy,
                                                   const float *x, const float *w, int64_t B,
                                                   int64_t C, int64_t H, int64_t W, int64_t F,
                                                   int64_t K, int64_t S);

/* ---- LSTM cell: one time step for a batch --------------------------------------------------- */

/*
 * Gates in PyTorch's order i, f, g, o (rows [0,H), [H,2H), [2H,3H), [3H,4H) of w_ih, w_hh, b):
 *   z (B,4H) = x (B,I) · w_ih (4H,I)^T + h_prev (B,H) · w_hh (4H,H)^T + b (4H)
 *   i = sigmoid(z_i), f = sigmoid(z_f), g = tanh(z_g), o = sigmoid(z_o)
 *   c (B,H) = f * c_prev + i * g
 *   h (B,H) = o * tanh(c)
 * with sigmoid(z) = 1 / (1 + exp(-z)). One bias: PyTorch's b_ih + b_hh, or ONNX LSTM's Wb + Rb
 * (ONNX LSTM orders its gates i, o, f, c: an exporter permutes the row blocks).
 * Writes h, c and gates (B,4H): the activated gates [i | f | g | o] per row, the cache that
 * lstm_cell_backward reads. c_prev (B,H) and h_prev (B,H) are the previous step's state (zeros at
 * an episode's start). Requires B >= 0, I >= 1, H >= 1.
 */
ASYNCRL_API asyncrl_status asyncrl_lstm_cell_forward(float *h, float *c, float *gates,
                                                     const float *x, const float *h_prev,
                                                     const float *c_prev, const float *w_ih,
                                                     const float *w_hh, const float *b, int64_t B,
                                                     int64_t I, int64_t H);

/*
 * Given dh (B,H) = dL/dh and dc (B,H) = dL/dc of this step (what flows in from above and from the
 * next step), writes (overwrites)
 *   dh_prev (B,H) = dL/dh_prev,  dc_prev (B,H) = dL/dc_prev = (dc + dh * o * (1 - tanh(c)^2)) * f
 * and accumulates (+=)
 *   dx (B,I) (may be NULL: not computed), dw_ih (4H,I), dw_hh (4H,H), db (4H).
 * x, h_prev, c_prev, w_ih, w_hh are the forward pass's inputs; c (B,H) and gates (B,4H) its outputs.
 * dc_prev may alias dc exactly; dh_prev must not alias dh.
 * Truncated BPTT over a segment t = 0..T-1 is a loop by the caller from t = T-1 down to 0: dh of
 * step t is the gradient from above plus dh_prev of step t+1 (let the layers above accumulate
 * into the buffer that holds dh_prev, since dense_backward adds into dx), dc of step t is dc_prev
 * of step t+1 (zeros for the last step).
 */
ASYNCRL_API asyncrl_status asyncrl_lstm_cell_backward(float *dh_prev, float *dc_prev, float *dx,
                                                      float *dw_ih, float *dw_hh, float *db,
                                                      const float *dh, const float *dc,
                                                      const float *x, const float *h_prev,
                                                      const float *c_prev, const float *c,
                                                      const float *gates, const float *w_ih,
                                                      const float *w_hh, int64_t B, int64_t I,
                                                      int64_t H);

/* ---- A3C loss: softmax policy with entropy bonus, and a value head ---------------------------- */

/*
 * For each row i < B, with p = softmax(logits_i), advantage A_i = returns_i - values_i
 * (a constant: no gradient flows through it into the value) and H_i = -sum_j p_j log p_j:
 *
 *   policy loss  Lp = sum_i [ -log p(actions_i) * A_i - entropy_beta * H_i ]
 *   value loss   Lv = sum_i value_coef * (returns_i - values_i)^2
 *
 * writes (overwrites, does not accumulate) the gradient of Lp + Lv:
 *   dlogits (B,A): A_i * (p - onehot(actions_i)) + entropy_beta * p * (log p + H_i)
 *   dvalues (B)  : 2 * value_coef * (values_i - returns_i)
 * and stats (3): [0] = Lp without the entropy term (sum_i -log p(a_i) A_i),
 *                [1] = Lv, [2] = sum_i H_i.
 * logits (B,A), values (B), returns (B) are float32; actions (B) are int32 in [0, A).
 * Status ASYNCRL_ERR_BAD_ARGUMENT if an action is out of range or a coefficient is negative.
 */
ASYNCRL_API asyncrl_status asyncrl_a3c_loss_backward(float *dlogits, float *dvalues, float *stats,
                                                     const float *logits, const float *values,
                                                     const int32_t *actions, const float *returns,
                                                     int64_t B, int64_t A, float entropy_beta,
                                                     float value_coef);

/* ---- A3C loss for continuous actions: spherical Gaussian policy, and a value head ---------- */

/* The floor added to softplus(v) in gaussian_loss_backward: sigma^2 >= 1e-6, sigma >= 1e-3. */
#define ASYNCRL_GAUSSIAN_VAR_FLOOR 1e-6f

/*
 * The paper's continuous-action policy N(mu, sigma^2 I): for each row i < B, with the mean mu_i (D)
 * from a linear layer and one variance per row from the pre-activation v_i,
 *   sigma_i^2 = softplus(v_i) + ASYNCRL_GAUSSIAN_VAR_FLOOR,
 *   softplus(v) = log1p(exp(-|v|)) + max(v, 0)   (= log(1 + exp(v)), without overflow)
 * The floor is added, not a max: it keeps log sigma^2 and 1/sigma^2 finite when softplus underflows
 * (v below about -16 gives softplus < 1e-7) and leaves d sigma^2 / dv = sigmoid(v) > 0 everywhere,
 * so a collapsed variance can still grow back. With the advantage A_i = returns_i - values_i (a
 * constant, as in a3c_loss_backward), q_i = |actions_i - mu_i|^2,
 *   -log N(a_i; mu_i, sigma_i^2 I) = (D/2) (log(2 pi) + log sigma_i^2) + q_i / (2 sigma_i^2)
 *   H_i = (D/2) (log(2 pi) + log sigma_i^2 + 1)          (the differential entropy)
 *   policy loss  Lp = sum_i [ -log N(a_i) * A_i - entropy_beta * H_i ]
 *   value loss   Lv = sum_i value_coef * (returns_i - values_i)^2
 * writes (overwrites, does not accumulate) the gradient of Lp + Lv:
 *   dmu (B,D)   : A_i * (mu_i - a_i) / sigma_i^2
 *   dv (B)      : [A_i * (D/2 - q_i / (2 sigma_i^2)) - entropy_beta * D/2] / sigma_i^2 * sigmoid(v_i)
 *   dvalues (B) : 2 * value_coef * (values_i - returns_i)
 * and stats (3): [0] = sum_i -log N(a_i) * A_i, [1] = Lv, [2] = sum_i H_i.
 * mu (B,D), v (B), values (B), actions (B,D) (float32: the sampled continuous actions), returns (B).
 * Status ASYNCRL_ERR_BAD_ARGUMENT if a coefficient is negative or not finite. Requires B >= 0,
 * D >= 1.
 */
ASYNCRL_API asyncrl_status asyncrl_gaussian_loss_backward(float *dmu, float *dv, float *dvalues,
                                                          float *stats, const float *mu,
                                                          const float *v, const float *values,
                                                          const float *actions,
                                                          const float *returns, int64_t B,
                                                          int64_t D, float entropy_beta,
                                                          float value_coef);

/* ---- Q-learning loss: one-step Q, one-step Sarsa and n-step Q ------------------------------------ */

/*
 * For each row i < B, with the taken action a_i = actions_i and its target y_i = targets_i
 * (computed by the caller from the target network; a constant here):
 *
 *   loss  L = sum_i coef * (y_i - q[i, a_i])^2
 *
 * writes (overwrites, does not accumulate) dq (B,A): 2 * coef * (q[i, a_i] - y_i) at column a_i,
 * 0 in every other column; and stats (1) = L (summed in double).
 * q (B,A) and targets (B) are float32; actions (B) are int32 in [0, A).
 * Status ASYNCRL_ERR_BAD_ARGUMENT if an action is out of range or coef is negative or not finite.
 */
ASYNCRL_API asyncrl_status asyncrl_q_loss_backward(float *dq, float *stats, const float *q,
                                                   const int32_t *actions, const float *targets,
                                                   int64_t B, int64_t A, float coef);

/* ---- optimisation ------------------------------------------------------------------------------ */

/*
 * Global-norm clipping: norm_out (1) = ||grad||_2 before clipping; if it exceeds max_norm > 0,
 * grad (N) is scaled in place by max_norm / norm. Status ASYNCRL_ERR_NON_FINITE if the norm is
 * NaN or infinite (grad is then left untouched).
 */
ASYNCRL_API asyncrl_status asyncrl_clip_grad_norm(float *grad, float *norm_out, int64_t N,
                                                  float max_norm);

/*
 * Shared RMSProp, exactly as the paper writes it (non-centred, epsilon inside the root):
 *   g     <- alpha * g + (1 - alpha) * dtheta^2
 *   theta <- theta - lr * dtheta / sqrt(g + eps)
 * theta (N) and g (N) may be shared by many threads that call this concurrently without locks
 * (Hogwild!); the kernel reads and writes each element once per call. dtheta (N) is read only.
 * Requires lr >= 0, 0 <= alpha <= 1, eps >= 0 (eps > 0 in practice: with eps = 0 a zero gradient
 * on a zero g gives 0/0).
 * On the race: formally, unsynchronised float reads and writes from several threads are a data
 * race in C and C++; on the platforms asyncrl targets (x86-64, aarch64) aligned 4-byte accesses do
 * not tear, so a concurrent reader sees each element either before or after an update. That is
 * the paper's design, and ThreadSanitizer will report it.
 */
ASYNCRL_API asyncrl_status asyncrl_shared_rmsprop(float *theta, float *g, const float *dtheta,
                                                  int64_t N, float lr, float alpha, float eps);

/*
 * Momentum SGD, as the paper's supplementary section 7 writes it (m is per thread):
 *   m     <- alpha * m + (1 - alpha) * dtheta
 *   theta <- theta - lr * m
 * theta (N) may be shared by many threads (Hogwild!, as for shared_rmsprop); m (N) is the calling
 * thread's own. Requires lr >= 0 and 0 <= alpha <= 1, both finite.
 */
ASYNCRL_API asyncrl_status asyncrl_momentum_sgd(float *theta, float *m, const float *dtheta, int64_t N,
                                                float lr, float alpha);

/* dst (N) = src (N). dst may alias src. */
ASYNCRL_API asyncrl_status asyncrl_copy(float *dst, const float *src, int64_t N);

#ifdef __cplusplus
}
#endif

#endif /* ASYNCRL_KERNEL_H */
