/*
 * asyncrl kernel contract, version 2 (version 1 plus q_loss_backward and momentum_sgd).
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
 *   - elementwise functions (relu, tanh, copy) allow an output to alias its input exactly;
 *     no other aliasing is allowed;
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
 *   N  element count of a flat buffer (a tensor, or the whole parameter block)
 */
#ifndef ASYNCRL_KERNEL_H
#define ASYNCRL_KERNEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ASYNCRL_KERNEL_VERSION 2

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
