/*
 * An optional extension of the asyncrl kernel contract (kernel.h, version 3) for kernels that
 * compute through a BLAS they do not link: only the blas kernel (libasyncrl_blas.so) exports it.
 *
 * Why a function pointer: the kernel must not link OpenBLAS at build time (the build machine need
 * not have one), and the JVM loads libraries without RTLD_GLOBAL, so the kernel cannot dlsym
 * cblas_sgemm out of the OpenBLAS that Java loaded (bytedeco's). Java looks the symbol up and hands
 * its address over, once, right after loading a library that exports asyncrl_blas_bind; that keeps
 * one OpenBLAS in the process, the one whose thread count Java sets (to 1: the actor-learner
 * threads are the parallelism).
 *
 * Until a kernel is bound, every compute function of kernel.h returns ASYNCRL_ERR_NULL_POINTER
 * (the required cblas_sgemm pointer is NULL) and writes nothing; asyncrl_kernel_version,
 * asyncrl_kernel_name and asyncrl_status_string work at any time.
 */
#ifndef ASYNCRL_BLAS_EXT_H
#define ASYNCRL_BLAS_EXT_H

#include "asyncrl/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The CBLAS enumerations cblas_sgemm takes (the values of every cblas.h). */
enum { ASYNCRL_CBLAS_ROW_MAJOR = 101, ASYNCRL_CBLAS_NO_TRANS = 111, ASYNCRL_CBLAS_TRANS = 112 };

/*
 * The type of cblas_sgemm with 32-bit integers (OpenBLAS's blasint without INTERFACE64, as the
 * bytedeco build has it):
 *   C (M,N) = alpha * op(A) (M,K) * op(B) (K,N) + beta * C, leading dimensions lda, ldb, ldc.
 */
typedef void (*asyncrl_cblas_sgemm_fn)(int order, int trans_a, int trans_b, int32_t M, int32_t N,
                                       int32_t K, float alpha, const float *A, int32_t lda,
                                       const float *B, int32_t ldb, float beta, float *C,
                                       int32_t ldc);

/*
 * Binds the kernel to cblas_sgemm, given its address. May be called again (say with the same
 * address, by a second load of the library in the same process); calls running meanwhile use the
 * old or the new pointer. ASYNCRL_ERR_NULL_POINTER if cblas_sgemm is NULL (the binding is then
 * left as it was).
 */
ASYNCRL_API asyncrl_status asyncrl_blas_bind(void *cblas_sgemm);

#ifdef __cplusplus
}
#endif

#endif /* ASYNCRL_BLAS_EXT_H */
