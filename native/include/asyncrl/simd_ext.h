/*
 * A diagnostic extension of the asyncrl kernel contract (kernel.h, version 3) that only the simd
 * kernel (libasyncrl_simd.so) exports. It is not part of the contract: Java never calls it, and
 * no other kernel needs it. The native tests use it to prove which code path they exercised.
 *
 * The simd kernel picks one code path when it is loaded, by what the CPU reports
 * (__builtin_cpu_supports): "avx512" (AVX-512F and VL, AVX2 and FMA), else "avx2" (AVX2 and FMA), else
 * "reference" (the reference kernel's loops, compiled into the library). The environment variable
 * ASYNCRL_SIMD_ISA, read once at load, caps that choice for testing: "avx2" keeps an AVX-512 CPU
 * on the AVX2 path, "reference" forces the fallback; a path the CPU lacks is never taken, and any
 * other value (or none) means the best path available.
 */
#ifndef ASYNCRL_SIMD_EXT_H
#define ASYNCRL_SIMD_EXT_H

#include "asyncrl/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The code path this load of the library runs: "avx512", "avx2" or "reference". Never NULL. */
ASYNCRL_API const char *asyncrl_simd_isa(void);

#ifdef __cplusplus
}
#endif

#endif /* ASYNCRL_SIMD_EXT_H */
