/*
 * What the tests that open kernels with dlopen share (blas_kernel_tests, simd_kernel_tests): a
 * library handle whose fn<F>(name) looks up a function (KERNEL_FN with the header's type),
 * opening the two libraries named on the command line, and a seeded generator of inputs in
 * [-1, 1) (the same sequence in every run).
 */
#ifndef ASYNCRL_TESTS_DL_KERNEL_H
#define ASYNCRL_TESTS_DL_KERNEL_H

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>

#include "asyncrl/kernel.h"

struct Lib {
    void *handle;
    template <typename F>
    F fn(const char *name) const {
        return reinterpret_cast<F>(dlsym(handle, name));
    }
};

/* The contract function `name` in lib, typed as its header declares it: KERNEL_FN(lib, asyncrl_copy)(...). */
#define KERNEL_FN(lib, name) ((lib).fn<decltype(&name)>(#name))

/* relu_forward, tanh_forward and copy share this type, for lookups by a name chosen at run time. */
using Unary = decltype(&asyncrl_relu_forward);

/*
 * main's first steps: argc must be args + 1 (else prints usage), then dlopen argv[1] into kernel and
 * argv[2] into ref. False, with the reason printed, when either fails.
 */
static inline bool open_libraries(int argc, char **argv, int args, const char *usage, Lib *kernel, Lib *ref) {
    if (argc != args + 1) {
        std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        return false;
    }
    kernel->handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    ref->handle = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    if (!kernel->handle || !ref->handle) {
        std::fprintf(stderr, "dlopen: %s\n", dlerror());
        return false;
    }
    return true;
}

/* A 64-bit LCG: the next float in [-1, 1). */
static uint64_t g_state = 12345;
static inline float next_uniform() {
    g_state = g_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<float>(static_cast<double>(g_state >> 40) / 8388608.0 - 1.0);
}

#endif /* ASYNCRL_TESTS_DL_KERNEL_H */
