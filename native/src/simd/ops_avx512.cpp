/*
 * The simd kernel's AVX-512 table: ops_impl.inc with 16-float vectors, compiled with -mavx512f
 * -mavx512vl -mavx2 -mfma (CMakeLists.txt sets the flags on this file alone). kernel.cpp calls into
 * it only when the CPU reports AVX-512F, AVX-512VL, AVX2 and FMA.
 */
#include "ops.h"

#include <immintrin.h>
#include <math.h>

#include <cstddef>
#include <cstdint>

namespace asyncrl_simd {
namespace avx512 {

#define ASYNCRL_SIMD_WIDTH 16
#include "ops_impl.inc"
#undef ASYNCRL_SIMD_WIDTH

}  // namespace avx512

const Ops kOpsAvx512 = ASYNCRL_SIMD_OPS("avx512", avx512);

}  // namespace asyncrl_simd
