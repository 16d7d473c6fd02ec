/*
 * A deliberately incomplete kernel, built only for tests (libasyncrl_test_incomplete.so): it passes
 * the version check but exports nothing beyond asyncrl_kernel_version and asyncrl_kernel_name, so
 * the Java loader must refuse it by naming the first missing function, not crash on a later call.
 */
#include "asyncrl/kernel.h"

extern "C" {

int32_t asyncrl_kernel_version(void) {
    return ASYNCRL_KERNEL_VERSION;
}

const char *asyncrl_kernel_name(void) {
    return "incomplete";
}

}  // extern "C"
