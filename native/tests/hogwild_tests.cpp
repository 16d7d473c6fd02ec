/*
 * Hogwild! on one kernel library: usage `hogwild_tests LIB [best|avx2|reference]` (the last
 * argument for the simd kernel only: the code path it must run, as in simd_kernel_tests).
 * Several std::threads share one θ and one g, as the actor-learners do, and each, without locks,
 *   - copies θ into its own θ' (asyncrl_copy, reading θ while the others write it), then
 *   - applies its gradient to the shared θ and g (asyncrl_shared_rmsprop),
 * many times over. Built with ThreadSanitizer (ASYNCRL_SANITIZE_THREAD) that is a data race, on
 * purpose: tsan.supp names those two functions and nothing else, and the test
 * hogwild_race_reported runs this without it to show that TSan does see the race.
 *
 * What must still hold, under any interleaving (aligned float accesses do not tear, so every
 * value read is one that some thread wrote): every gradient is positive, so every write of θ[i]
 * is some earlier value of θ[i] minus a step in [s_min, s_max] (bounds from the smallest and
 * largest gradient, g lying in [(1-α) d_min², d_max²] after a write). Hence, per element: g ends
 * in that range; θ ends below θ0 by at least one step (some update landed) and by at most all
 * of them (none was lost); every θ' a thread copied lies between θ0 and that floor; all finite.
 */
#include "asyncrl/blas_ext.h"
#include "asyncrl/simd_ext.h"

#include <dlfcn.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

int g_failures = 0;

void expect(bool ok, const std::string &what) {
    if (!ok) {
        std::fprintf(stderr, "  FAIL: %s\n", what.c_str());
        g_failures++;
    }
}

/* The blas kernel refuses every call until bound; the two ops tested here never call sgemm. */
void unused_sgemm(int, int, int, int32_t, int32_t, int32_t, float, const float *, int32_t, const float *,
                  int32_t, float, float *, int32_t) {}

bool cpu_has_avx2_fma() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpu_has_avx512() {
    return cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}

using RmsProp = decltype(&asyncrl_shared_rmsprop);
using Copy = decltype(&asyncrl_copy);

constexpr int kThreads = 4;
#ifdef ASYNCRL_HOGWILD_TSAN
// ThreadSanitizer handles every racy access on its slow path (about 20 s of CPU for the sizes
// below): a few updates suffice for it, since it sees a race whether or not the threads overlap.
constexpr int kUpdates = 25;       // per thread
constexpr int64_t kN = 1031;
#else
constexpr int kUpdates = 200;      // per thread
constexpr int64_t kN = 4099;       // no multiple of any vector width: every call has a tail
#endif
constexpr float kLr = 1e-3f, kAlpha = 0.99f, kEps = 1e-2f;

uint64_t g_state = 2016;
float next_unit() {  // in [0, 1)
    g_state = g_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<float>(static_cast<double>(g_state >> 40) / 16777216.0);
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: %s LIB [best|avx2|reference]\n", argv[0]);
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        std::fprintf(stderr, "dlopen failed: %s\n", dlerror());
        return 2;
    }
    const auto rmsprop = reinterpret_cast<RmsProp>(dlsym(lib, "asyncrl_shared_rmsprop"));
    const auto copy = reinterpret_cast<Copy>(dlsym(lib, "asyncrl_copy"));
    if (!rmsprop || !copy) {
        std::fprintf(stderr, "%s lacks asyncrl_shared_rmsprop or asyncrl_copy\n", argv[1]);
        return 2;
    }
    const char *name = reinterpret_cast<const char *(*)()>(dlsym(lib, "asyncrl_kernel_name"))();
    if (auto bind = reinterpret_cast<decltype(&asyncrl_blas_bind)>(dlsym(lib, "asyncrl_blas_bind"))) {
        expect(bind(reinterpret_cast<void *>(&unused_sgemm)) == ASYNCRL_OK, "asyncrl_blas_bind");
    }
    std::string path = "";
    if (auto isa = reinterpret_cast<decltype(&asyncrl_simd_isa)>(dlsym(lib, "asyncrl_simd_isa"))) {
        path = isa();
        if (argc == 3) {  // the path this run covers must be the one asked for
            const std::string asked = argv[2];
            std::string want = "reference";
            if (asked == "best") want = cpu_has_avx512() ? "avx512" : cpu_has_avx2_fma() ? "avx2" : "reference";
            if (asked == "avx2") want = cpu_has_avx2_fma() ? "avx2" : "reference";
            expect(path == want, "runs the " + want + " path (asked: " + asked + ", runs: " + path + ")");
        }
    }
    std::printf("kernel %s%s%s: %d threads x %d updates of N=%lld\n", name, path.empty() ? "" : ", path ",
                path.c_str(), kThreads, kUpdates, static_cast<long long>(kN));

    // θ0 in [-1, 1); g0 = 0; thread t's gradient d_t[i] in [0.5, 2), positive everywhere
    std::vector<float> theta0(kN), theta(kN), g(kN, 0.0f);
    for (float &x : theta0) x = 2.0f * next_unit() - 1.0f;
    theta = theta0;
    std::vector<std::vector<float>> grad(kThreads, std::vector<float>(kN));
    std::vector<float> dmin(kN, 1e9f), dmax(kN, 0.0f);
    for (auto &d : grad) {
        for (int64_t i = 0; i < kN; i++) {
            d[i] = 0.5f + 1.5f * next_unit();
            dmin[i] = std::fmin(dmin[i], d[i]);
            dmax[i] = std::fmax(dmax[i], d[i]);
        }
    }
    // per element: the step bounds, and the lowest value θ can reach (with slack for rounding)
    std::vector<float> step_min(kN), theta_floor(kN);
    for (int64_t i = 0; i < kN; i++) {
        const double lo = static_cast<double>(dmin[i]), hi = static_cast<double>(dmax[i]);
        const double lr = static_cast<double>(kLr), alpha = static_cast<double>(kAlpha), eps = static_cast<double>(kEps);
        step_min[i] = static_cast<float>(lr * lo / std::sqrt(hi * hi + eps));
        const double step_max = lr * hi / std::sqrt((1.0 - alpha) * lo * lo + eps);
        theta_floor[i] = static_cast<float>(static_cast<double>(theta0[i]) - 1.01 * kThreads * kUpdates * step_max - 1e-3);
    }

    std::atomic<int> ready{0};
    std::vector<int> bad_status(kThreads, 0), bad_copies(kThreads, 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < kThreads; t++) {
        workers.emplace_back([&, t] {
            std::vector<float> local(kN);  // θ', this thread's own
            // Start together, so that the updates overlap; nothing after this orders the threads.
            ready.fetch_add(1);
            while (ready.load() < kThreads) std::this_thread::yield();
            for (int u = 0; u < kUpdates; u++) {
                if (copy(local.data(), theta.data(), kN) != ASYNCRL_OK) bad_status[t]++;
                for (int64_t i = 0; i < kN; i++) {
                    if (!(local[i] <= theta0[i] && local[i] >= theta_floor[i])) bad_copies[t]++;
                }
                if (rmsprop(theta.data(), g.data(), grad[t].data(), kN, kLr, kAlpha, kEps) != ASYNCRL_OK) bad_status[t]++;
            }
        });
    }
    for (auto &w : workers) w.join();

    for (int t = 0; t < kThreads; t++) {
        expect(bad_status[t] == 0, "thread " + std::to_string(t) + ": every call returns ASYNCRL_OK");
        expect(bad_copies[t] == 0, "thread " + std::to_string(t) + ": every θ' it copied lies in [floor, θ0] (" +
                                       std::to_string(bad_copies[t]) + " values outside)");
    }
    int64_t bad_g = 0, not_moved = 0, too_far = 0, non_finite = 0;
    double moved = 0.0;
    for (int64_t i = 0; i < kN; i++) {
        if (!std::isfinite(theta[i]) || !std::isfinite(g[i])) non_finite++;
        const float g_lo = (1.0f - kAlpha) * dmin[i] * dmin[i], g_hi = dmax[i] * dmax[i];
        if (!(g[i] >= g_lo * (1.0f - 1e-5f) && g[i] <= g_hi * (1.0f + 1e-5f))) bad_g++;
        if (!(theta[i] <= theta0[i] - 0.5f * step_min[i])) not_moved++;
        if (!(theta[i] >= theta_floor[i])) too_far++;
        moved += static_cast<double>(theta0[i] - theta[i]);
    }
    expect(non_finite == 0, std::to_string(non_finite) + " elements of θ or g are not finite");
    expect(bad_g == 0, std::to_string(bad_g) + " elements of g lie outside [(1-α) d_min², d_max²]");
    expect(not_moved == 0, std::to_string(not_moved) + " elements of θ did not move down by at least one step");
    expect(too_far == 0, std::to_string(too_far) + " elements of θ moved further than all the updates could take them");
    std::printf("mean decrease of θ after %d updates: %.4g\n", kThreads * kUpdates, moved / kN);
    std::printf("%s\n", g_failures == 0 ? "ok" : "FAILED");
    dlclose(lib);
    return g_failures == 0 ? 0 : 1;
}
