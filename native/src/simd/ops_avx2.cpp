/*
 * The simd kernel's AVX2 table: ops_impl.inc with 8-float vectors, compiled with -mavx2 -mfma
 * (CMakeLists.txt sets the flags on this file alone). kernel.cpp calls into it only when the CPU
 * reports AVX2 and FMA.
 */
#include "ops.h"

#include <immintrin.h>
#include <math.h>

#include <cstddef>
#include <cstdint>

namespace asyncrl_simd {
namespace avx2 {

#define ASYNCRL_SIMD_WIDTH 8
#include "ops_impl.inc"
#undef ASYNCRL_SIMD_WIDTH

}  // namespace avx2

const Ops kOpsAvx2 = ASYNCRL_SIMD_OPS("avx2", avx2);

}  // namespace asyncrl_simd
