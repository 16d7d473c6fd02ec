/*
 * The reference kernel's functions as the faster kernels (blas, simd) link them: the contract's
 * functions renamed asyncrl_reference_* and hidden (the asyncrl_reference_fallback archive in
 * CMakeLists.txt), declared here with the contract's own types. A kernel calls them for the ops it
 * does not accelerate and for every call the reference would refuse, so its statuses are the
 * reference's. Not part of the contract; include it after asyncrl/kernel.h.
 */
#ifndef ASYNCRL_REFERENCE_FALLBACK_H
#define ASYNCRL_REFERENCE_FALLBACK_H

#include "asyncrl/kernel.h"

extern "C" {
#define ASYNCRL_REFERENCE(fn) decltype(asyncrl_##fn) asyncrl_reference_##fn;
ASYNCRL_REFERENCE(status_string)
ASYNCRL_REFERENCE(dense_forward)
ASYNCRL_REFERENCE(dense_backward)
ASYNCRL_REFERENCE(relu_forward)
ASYNCRL_REFERENCE(relu_backward)
ASYNCRL_REFERENCE(tanh_forward)
ASYNCRL_REFERENCE(tanh_backward)
ASYNCRL_REFERENCE(conv2d_forward)
ASYNCRL_REFERENCE(conv2d_backward)
ASYNCRL_REFERENCE(lstm_cell_forward)
ASYNCRL_REFERENCE(lstm_cell_backward)
ASYNCRL_REFERENCE(a3c_loss_backward)
ASYNCRL_REFERENCE(gaussian_loss_backward)
ASYNCRL_REFERENCE(q_loss_backward)
ASYNCRL_REFERENCE(clip_grad_norm)
ASYNCRL_REFERENCE(shared_rmsprop)
ASYNCRL_REFERENCE(momentum_sgd)
ASYNCRL_REFERENCE(copy)
#undef ASYNCRL_REFERENCE
}

#endif /* ASYNCRL_REFERENCE_FALLBACK_H */
