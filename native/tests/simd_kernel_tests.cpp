/*
 * Tests of the simd kernel against the reference kernel:
 *   usage `simd_kernel_tests LIBSIMD LIBREFERENCE EXPECTED_PATH`
 * with EXPECTED_PATH "best" (the library must run the best path this CPU has), "avx2" or
 * "reference" (ctest runs it three times, with ASYNCRL_SIMD_ISA set to match; simd_ext.h). Opens
 * both libraries with dlopen and checks that the simd kernel
 *   - exports the contract and asyncrl_simd_isa, and not its hidden reference copies;
 *   - runs the path asked for (asyncrl_simd_isa), so every comparison below covers that path;
 *   - agrees with the reference on dense, conv2d and the LSTM cell on many shapes: sizes below,
 *     at and past the vector width, odd tails, the network layers asyncrl trains (CartPole,
 *     MinAtar, Atari), dx NULL, unaligned pointers, a convolution whose patch overflows the
 *     scratch block (the reference fallback); within (2L + 64)·u·M as `asyncrl kernel check`;
 *   - gives relu forward/backward bit for bit (NaN, ±inf, -0), tanh backward, clip_grad_norm,
 *     shared_rmsprop, momentum_sgd, copy and the delegated ops as the reference does, aliasing
 *     where the contract allows it;
 *   - returns exactly the reference's status on NULL pointers, bad sizes and bad values, and
 *     then writes nothing.
 */
#include "asyncrl/simd_ext.h"

#include <dlfcn.h>

#include "dl_kernel.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {

int g_failures = 0, g_checks = 0;

void expect(bool ok, const std::string &what) {
    g_checks++;
    if (!ok) {
        if (g_failures < 40) std::fprintf(stderr, "  FAIL: %s\n", what.c_str());
        g_failures++;
    }
}


/*
 * n random floats that start one float past a 64-byte boundary, so no vector load is aligned
 * (the kernel must not assume alignment), with a guard float after the end.
 */
struct Buf {
    std::vector<float> storage;
    int64_t n;
    explicit Buf(int64_t count, bool randomise = true) : storage(static_cast<size_t>(count + 18)), n(count) {
        for (float &v : storage) v = randomise ? next_uniform() : 0.0f;
        storage[static_cast<size_t>(count + 1)] = 12345.0f;  // the guard
    }
    float *data() { return storage.data() + 1; }
    const float *data() const { return storage.data() + 1; }
    bool guard_intact() const { return storage[static_cast<size_t>(n + 1)] == 12345.0f; }
    std::vector<float> values() const { return std::vector<float>(data(), data() + n); }
    Buf abs() const {
        Buf b(n, false);
        for (int64_t i = 0; i < n; i++) b.data()[i] = std::fabs(data()[i]);
        return b;
    }
};

double max_abs(const std::vector<float> &v) {
    double m = 0.0;
    for (float x : v) m = std::fmax(m, std::fabs(static_cast<double>(x)));
    return m;
}

/* max|got - want| <= (2L + 64) u M, M = max|magnitude| (or max|want| when magnitude is empty) */
void expect_close(const std::vector<float> &got, const std::vector<float> &want,
                  const std::vector<float> &magnitude, double L, const std::string &what) {
    if (got.size() != want.size()) {
        expect(false, what + ": sizes differ");
        return;
    }
    const double M = std::fmax(magnitude.empty() ? max_abs(want) : max_abs(magnitude),
                               static_cast<double>(std::numeric_limits<float>::min()));
    const double bound = (2.0 * L + 64.0) * std::ldexp(1.0, -24) * M;
    double worst = 0.0;
    for (size_t i = 0; i < want.size(); i++) {
        const double d = std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
        if (!(d <= bound)) worst = std::fmax(worst, std::isnan(d) ? INFINITY : d);
    }
    char msg[160];
    std::snprintf(msg, sizeof msg, " (worst error %.3g, bound %.3g)", worst, bound);
    expect(worst == 0.0, what + msg);
}

bool bitwise_equal(const std::vector<float> &a, const std::vector<float> &b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

std::string shape(const char *op, std::initializer_list<int64_t> dims) {
    std::string s = op;
    for (int64_t d : dims) s += " " + std::to_string(d);
    return s;
}

/* ---- the products ----------------------------------------------------------------------------- */

void check_dense(const Lib &simd, const Lib &ref, int64_t B, int64_t I, int64_t O) {
    const std::string s = shape("dense B I O =", {B, I, O});
    Buf x(B * I), w(O * I), b(O), dy(B * O);
    Buf y1(B * O, false), y2(B * O, false), ym(B * O, false);
    const Buf xa = x.abs(), wa = w.abs(), ba = b.abs(), dya = dy.abs();
    expect(KERNEL_FN(simd, asyncrl_dense_forward)(y1.data(), x.data(), w.data(), b.data(), B, I, O) == 0, s + ": forward ok");
    KERNEL_FN(ref, asyncrl_dense_forward)(y2.data(), x.data(), w.data(), b.data(), B, I, O);
    KERNEL_FN(ref, asyncrl_dense_forward)(ym.data(), xa.data(), wa.data(), ba.data(), B, I, O);
    expect_close(y1.values(), y2.values(), ym.values(), static_cast<double>(I + 1), s + ": forward y");
    expect(y1.guard_intact(), s + ": forward writes nothing past y");

    for (bool with_dx : {true, false}) {
        Buf dx1(B * I), dw1(O * I), db1(O);
        Buf dx2 = dx1, dw2 = dw1, db2 = db1;
        Buf dxm = dx1.abs(), dwm = dw1.abs(), dbm = db1.abs();
        const asyncrl_status st = KERNEL_FN(simd, asyncrl_dense_backward)(
            with_dx ? dx1.data() : nullptr, dw1.data(), db1.data(), dy.data(), x.data(), w.data(), B, I, O);
        expect(st == 0, s + ": backward ok");
        KERNEL_FN(ref, asyncrl_dense_backward)(with_dx ? dx2.data() : nullptr, dw2.data(), db2.data(), dy.data(),
                                                 x.data(), w.data(), B, I, O);
        KERNEL_FN(ref, asyncrl_dense_backward)(dxm.data(), dwm.data(), dbm.data(), dya.data(), xa.data(),
                                                 wa.data(), B, I, O);
        const std::string t = s + (with_dx ? "" : " (dx NULL)");
        expect_close(dx1.values(), dx2.values(), dxm.values(), static_cast<double>(O + 1), t + ": backward dx");
        expect_close(dw1.values(), dw2.values(), dwm.values(), static_cast<double>(B + 1), t + ": backward dw");
        expect_close(db1.values(), db2.values(), dbm.values(), static_cast<double>(B + 1), t + ": backward db");
        expect(dx1.guard_intact() && dw1.guard_intact() && db1.guard_intact(), t + ": backward writes nothing past its outputs");
    }
}

void check_conv(const Lib &simd, const Lib &ref, int64_t B, int64_t C, int64_t H, int64_t W, int64_t F,
                int64_t K, int64_t S) {
    const std::string s = shape("conv2d B C H W F K S =", {B, C, H, W, F, K, S});
    const int64_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1;
    Buf x(B * C * H * W), w(F * C * K * K), b(F), dy(B * F * Ho * Wo);
    const Buf xa = x.abs(), wa = w.abs(), ba = b.abs(), dya = dy.abs();
    Buf y1(B * F * Ho * Wo, false), y2 = y1, ym = y1;
    expect(KERNEL_FN(simd, asyncrl_conv2d_forward)(y1.data(), x.data(), w.data(), b.data(), B, C, H, W, F, K, S) == 0,
           s + ": forward ok");
    KERNEL_FN(ref, asyncrl_conv2d_forward)(y2.data(), x.data(), w.data(), b.data(), B, C, H, W, F, K, S);
    KERNEL_FN(ref, asyncrl_conv2d_forward)(ym.data(), xa.data(), wa.data(), ba.data(), B, C, H, W, F, K, S);
    expect_close(y1.values(), y2.values(), ym.values(), static_cast<double>(C * K * K + 1), s + ": forward y");
    expect(y1.guard_intact(), s + ": forward writes nothing past y");

    for (bool with_dx : {true, false}) {
        Buf dx1(B * C * H * W), dw1(F * C * K * K), db1(F);
        Buf dx2 = dx1, dw2 = dw1, db2 = db1, dxm = dx1.abs(), dwm = dw1.abs(), dbm = db1.abs();
        expect(KERNEL_FN(simd, asyncrl_conv2d_backward)(with_dx ? dx1.data() : nullptr, dw1.data(), db1.data(),
                                                         dy.data(), x.data(), w.data(), B, C, H, W, F, K, S) == 0,
               s + ": backward ok");
        KERNEL_FN(ref, asyncrl_conv2d_backward)(with_dx ? dx2.data() : nullptr, dw2.data(), db2.data(), dy.data(),
                                                 x.data(), w.data(), B, C, H, W, F, K, S);
        KERNEL_FN(ref, asyncrl_conv2d_backward)(dxm.data(), dwm.data(), dbm.data(), dya.data(), xa.data(), wa.data(),
                                                 B, C, H, W, F, K, S);
        const std::string t = s + (with_dx ? "" : " (dx NULL)");
        const double taps = static_cast<double>(F * K * K + 1), pixels = static_cast<double>(B * Ho * Wo + 1);
        expect_close(dx1.values(), dx2.values(), dxm.values(), taps, t + ": backward dx");
        expect_close(dw1.values(), dw2.values(), dwm.values(), pixels, t + ": backward dw");
        expect_close(db1.values(), db2.values(), dbm.values(), pixels, t + ": backward db");
        expect(dx1.guard_intact() && dw1.guard_intact() && db1.guard_intact(), t + ": backward writes nothing past its outputs");
    }
}

void check_lstm(const Lib &simd, const Lib &ref, int64_t B, int64_t I, int64_t H) {
    const std::string s = shape("lstm_cell B I H =", {B, I, H});
    const int64_t G = 4 * H;
    Buf x(B * I), hp(B * H), cp(B * H), wih(G * I), whh(G * H), b(G), dh(B * H), dc(B * H);
    Buf h1(B * H, false), c1 = h1, g1(B * G, false), h2 = h1, c2 = c1, g2 = g1;
    expect(KERNEL_FN(simd, asyncrl_lstm_cell_forward)(h1.data(), c1.data(), g1.data(), x.data(), hp.data(), cp.data(),
                                                       wih.data(), whh.data(), b.data(), B, I, H) == 0,
           s + ": forward ok");
    KERNEL_FN(ref, asyncrl_lstm_cell_forward)(h2.data(), c2.data(), g2.data(), x.data(), hp.data(), cp.data(),
                                               wih.data(), whh.data(), b.data(), B, I, H);
    const double len = static_cast<double>(I + H + 2);
    expect_close(h1.values(), h2.values(), {}, len, s + ": forward h");
    expect_close(c1.values(), c2.values(), {}, len, s + ": forward c");
    expect_close(g1.values(), g2.values(), {}, len, s + ": forward gates");

    for (bool alias : {false, true}) {
        Buf dhp1(B * H), dcp1 = dc, dx1(B * I), dwih1(G * I), dwhh1(G * H), db1(G);
        Buf dhp2 = dhp1, dcp2 = dcp1, dx2 = dx1, dwih2 = dwih1, dwhh2 = dwhh1, db2 = db1;
        Buf dc1 = dc, dc2 = dc;
        // alias: dc_prev is dc itself (the contract allows exactly that)
        float *dcp1p = alias ? dc1.data() : dcp1.data(), *dcp2p = alias ? dc2.data() : dcp2.data();
        expect(KERNEL_FN(simd, asyncrl_lstm_cell_backward)(dhp1.data(), dcp1p, dx1.data(), dwih1.data(), dwhh1.data(),
                                                            db1.data(), dh.data(), dc1.data(), x.data(), hp.data(),
                                                            cp.data(), c2.data(), g2.data(), wih.data(), whh.data(), B,
                                                            I, H) == 0,
               s + ": backward ok");
        KERNEL_FN(ref, asyncrl_lstm_cell_backward)(dhp2.data(), dcp2p, dx2.data(), dwih2.data(), dwhh2.data(),
                                                    db2.data(), dh.data(), dc2.data(), x.data(), hp.data(), cp.data(),
                                                    c2.data(), g2.data(), wih.data(), whh.data(), B, I, H);
        const std::string t = s + (alias ? " (dc_prev aliases dc)" : "");
        const double g4 = static_cast<double>(G + 2), rows = static_cast<double>(B + 2);
        expect_close(dhp1.values(), dhp2.values(), {}, g4, t + ": backward dh_prev");
        expect_close(alias ? dc1.values() : dcp1.values(), alias ? dc2.values() : dcp2.values(), {}, 4, t + ": backward dc_prev");
        expect_close(dx1.values(), dx2.values(), {}, g4, t + ": backward dx");
        expect_close(dwih1.values(), dwih2.values(), {}, rows, t + ": backward dw_ih");
        expect_close(dwhh1.values(), dwhh2.values(), {}, rows, t + ": backward dw_hh");
        expect_close(db1.values(), db2.values(), {}, rows, t + ": backward db");
    }
}

/* ---- elementwise and optimisers ----------------------------------------------------------------- */

void check_elementwise(const Lib &simd, const Lib &ref, int64_t N) {
    const std::string s = shape("elementwise N =", {N});
    Buf x(N), dy(N);
    const float specials[] = {NAN, INFINITY, -INFINITY, -0.0f, 0.0f, 1e-40f, -1e-40f};
    for (int64_t i = 0; i < N && i < 7; i++) x.data()[i * 3 % N] = specials[i];
    for (const char *op : {"asyncrl_relu_forward", "asyncrl_tanh_forward"}) {
        Buf y1(N, false), y2(N, false);
        expect(simd.fn<Unary>(op)(y1.data(), x.data(), N) == 0, s + " " + op + " ok");
        ref.fn<Unary>(op)(y2.data(), x.data(), N);
        expect(bitwise_equal(y1.values(), y2.values()) && y1.guard_intact(), s + " " + op + ": bit for bit");
        Buf in_place = x;
        simd.fn<Unary>(op)(in_place.data(), in_place.data(), N);
        expect(bitwise_equal(in_place.values(), y2.values()), s + " " + op + ": in place (y aliases x)");
    }
    Buf y(N);
    for (int64_t i = 0; i < N && i < 5; i++) y.data()[i * 5 % N] = specials[i];
    {
        Buf dx1(N, false), dx2(N, false);
        KERNEL_FN(simd, asyncrl_relu_backward)(dx1.data(), dy.data(), y.data(), N);
        KERNEL_FN(ref, asyncrl_relu_backward)(dx2.data(), dy.data(), y.data(), N);
        expect(bitwise_equal(dx1.values(), dx2.values()) && dx1.guard_intact(), s + " relu_backward: bit for bit");
        Buf in_place = dy;
        KERNEL_FN(simd, asyncrl_relu_backward)(in_place.data(), in_place.data(), y.data(), N);
        expect(bitwise_equal(in_place.values(), dx2.values()), s + " relu_backward: in place (dx aliases dy)");
    }
    {
        Buf yt(N), dx1(N, false), dx2(N, false);
        KERNEL_FN(simd, asyncrl_tanh_backward)(dx1.data(), dy.data(), yt.data(), N);
        KERNEL_FN(ref, asyncrl_tanh_backward)(dx2.data(), dy.data(), yt.data(), N);
        expect_close(dx1.values(), dx2.values(), {}, 2, s + " tanh_backward");
        Buf in_place = dy;
        KERNEL_FN(simd, asyncrl_tanh_backward)(in_place.data(), in_place.data(), yt.data(), N);
        expect(bitwise_equal(in_place.values(), dx1.values()), s + " tanh_backward: in place (dx aliases dy)");
    }
}

void check_optimisers(const Lib &simd, const Lib &ref, int64_t N) {
    const std::string s = shape("optimisers N =", {N});
    Buf theta(N), g(N), m(N), d(N);
    for (int64_t i = 0; i < N; i++) g.data()[i] = std::fabs(g.data()[i]);
    {
        Buf t1 = theta, g1 = g, t2 = theta, g2 = g;
        expect(KERNEL_FN(simd, asyncrl_shared_rmsprop)(t1.data(), g1.data(), d.data(), N, 7e-4f, 0.99f, 0.1f) == 0, s + " rmsprop ok");
        KERNEL_FN(ref, asyncrl_shared_rmsprop)(t2.data(), g2.data(), d.data(), N, 7e-4f, 0.99f, 0.1f);
        expect_close(t1.values(), t2.values(), {}, 1, s + " rmsprop theta");
        expect_close(g1.values(), g2.values(), {}, 1, s + " rmsprop g");
        expect(t1.guard_intact() && g1.guard_intact(), s + " rmsprop writes nothing past N");
    }
    {
        Buf t1 = theta, m1 = m, t2 = theta, m2 = m;
        expect(KERNEL_FN(simd, asyncrl_momentum_sgd)(t1.data(), m1.data(), d.data(), N, 1e-2f, 0.9f) == 0, s + " momentum ok");
        KERNEL_FN(ref, asyncrl_momentum_sgd)(t2.data(), m2.data(), d.data(), N, 1e-2f, 0.9f);
        expect_close(t1.values(), t2.values(), {}, 1, s + " momentum theta");
        expect_close(m1.values(), m2.values(), {}, 1, s + " momentum m");
    }
    for (float max_norm : {0.5f, 1e9f, 0.0f, -1.0f}) {
        Buf g1 = d, g2 = d, n1(1, false), n2(1, false);
        const asyncrl_status s1 = KERNEL_FN(simd, asyncrl_clip_grad_norm)(g1.data(), n1.data(), N, max_norm);
        const asyncrl_status s2 = KERNEL_FN(ref, asyncrl_clip_grad_norm)(g2.data(), n2.data(), N, max_norm);
        const std::string t = s + " clip_grad_norm max_norm " + std::to_string(max_norm);
        expect(s1 == s2, t + ": status");
        expect_close(n1.values(), n2.values(), {}, static_cast<double>(N + 1), t + ": norm");
        expect_close(g1.values(), g2.values(), {}, static_cast<double>(N + 1), t + ": grad");
    }
    if (N > 0) {
        for (float bad : {NAN, -INFINITY}) {
            Buf g1 = d, n1(1, false);
            g1.data()[N - 1] = bad;
            const std::vector<float> before = g1.values();
            const asyncrl_status st = KERNEL_FN(simd, asyncrl_clip_grad_norm)(g1.data(), n1.data(), N, 1.0f);
            expect(st == ASYNCRL_ERR_NON_FINITE, s + " clip_grad_norm: a non-finite element is NON_FINITE");
            expect(bitwise_equal(g1.values(), before), s + " clip_grad_norm: ... and grad is left untouched");
            expect(!std::isfinite(n1.data()[0]), s + " clip_grad_norm: ... and the norm reported is not finite");
        }
    }
    {
        Buf dst(N, false), src(N);
        KERNEL_FN(simd, asyncrl_copy)(dst.data(), src.data(), N);
        expect(bitwise_equal(dst.values(), src.values()) && dst.guard_intact(), s + " copy");
    }
}

void check_a3c(const Lib &simd, const Lib &ref) {
    const int64_t B = 5, A = 6;
    Buf logits(B * A), values(B), returns(B);
    std::vector<int32_t> actions = {0, 5, 2, 3, 1};
    Buf dl1(B * A, false), dv1(B, false), st1(3, false), dl2 = dl1, dv2 = dv1, st2 = st1;
    KERNEL_FN(simd, asyncrl_a3c_loss_backward)(dl1.data(), dv1.data(), st1.data(), logits.data(), values.data(),
                                              actions.data(), returns.data(), B, A, 0.01f, 0.5f);
    KERNEL_FN(ref, asyncrl_a3c_loss_backward)(dl2.data(), dv2.data(), st2.data(), logits.data(), values.data(),
                                             actions.data(), returns.data(), B, A, 0.01f, 0.5f);
    expect(bitwise_equal(dl1.values(), dl2.values()) && bitwise_equal(st1.values(), st2.values()),
           "a3c_loss_backward: the reference's, bit for bit");
}

/* ---- statuses: exactly the reference's, and a refused call writes nothing ----------------------- */

void check_statuses(const Lib &simd, const Lib &ref) {
    Buf in(4096), out1(4096), out2(4096), out3(4096);
    const Buf o1 = out1, o2 = out2, o3 = out3;
    float *y = out1.data(), *y2 = out2.data(), *y3 = out3.data();
    const float *p = in.data();
    auto untouched = [&]() {
        return bitwise_equal(out1.values(), o1.values()) && bitwise_equal(out2.values(), o2.values()) &&
               bitwise_equal(out3.values(), o3.values());
    };
    const int64_t huge = std::numeric_limits<int64_t>::max() / 2;
    struct Case {
        const char *what;
        asyncrl_status (*call)(const Lib &, float *, float *, float *, const float *, int64_t);
        asyncrl_status expected;
    };
    const Case cases[] = {
        {"dense_forward y NULL", [](const Lib &l, float *, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_dense_forward)(nullptr, q, q, q, 2, 3, 4); }, ASYNCRL_ERR_NULL_POINTER},
        {"dense_forward b NULL, I=0", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_dense_forward)(a, q, q, nullptr, 2, 0, 4); }, ASYNCRL_ERR_NULL_POINTER},
        {"dense_forward I=0", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_dense_forward)(a, q, q, q, 2, 0, 4); }, ASYNCRL_ERR_BAD_SIZE},
        {"dense_forward B=-1", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_dense_forward)(a, q, q, q, -1, 3, 4); }, ASYNCRL_ERR_BAD_SIZE},
        {"dense_forward B*I overflows", [](const Lib &l, float *a, float *, float *, const float *q, int64_t h) {
             return KERNEL_FN(l, asyncrl_dense_forward)(a, q, q, q, h, h, 4); }, ASYNCRL_ERR_BAD_SIZE},
        {"dense_backward dw NULL", [](const Lib &l, float *a, float *, float *c, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_dense_backward)(a, nullptr, c, q, q, q, 2, 3, 4); }, ASYNCRL_ERR_NULL_POINTER},
        {"dense_backward O=0", [](const Lib &l, float *a, float *b, float *c, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_dense_backward)(a, b, c, q, q, q, 2, 3, 0); }, ASYNCRL_ERR_BAD_SIZE},
        {"relu_forward N=-1", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_relu_forward)(a, q, -1); }, ASYNCRL_ERR_BAD_SIZE},
        {"relu_forward x NULL", [](const Lib &l, float *a, float *, float *, const float *, int64_t) {
             return KERNEL_FN(l, asyncrl_relu_forward)(a, nullptr, 4); }, ASYNCRL_ERR_NULL_POINTER},
        {"relu_backward N huge", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_relu_backward)(a, q, q, std::numeric_limits<int64_t>::max()); }, ASYNCRL_ERR_BAD_SIZE},
        {"tanh_backward y NULL", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_tanh_backward)(a, q, nullptr, 4); }, ASYNCRL_ERR_NULL_POINTER},
        {"conv2d_forward K>H", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_conv2d_forward)(a, q, q, q, 1, 1, 3, 3, 1, 4, 1); }, ASYNCRL_ERR_BAD_SIZE},
        {"conv2d_forward S=0", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_conv2d_forward)(a, q, q, q, 1, 1, 3, 3, 1, 2, 0); }, ASYNCRL_ERR_BAD_SIZE},
        {"conv2d_forward w NULL", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_conv2d_forward)(a, q, nullptr, q, 1, 1, 3, 3, 1, 2, 1); }, ASYNCRL_ERR_NULL_POINTER},
        {"conv2d_backward C=0", [](const Lib &l, float *a, float *b, float *c, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_conv2d_backward)(a, b, c, q, q, q, 1, 0, 3, 3, 1, 2, 1); }, ASYNCRL_ERR_BAD_SIZE},
        {"conv2d_backward db NULL", [](const Lib &l, float *a, float *b, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_conv2d_backward)(a, b, nullptr, q, q, q, 1, 1, 3, 3, 1, 2, 1); }, ASYNCRL_ERR_NULL_POINTER},
        {"conv2d_backward B*C*H*W overflows", [](const Lib &l, float *a, float *b, float *c, const float *q, int64_t h) {
             return KERNEL_FN(l, asyncrl_conv2d_backward)(a, b, c, q, q, q, h, h, 3, 3, 1, 2, 1); }, ASYNCRL_ERR_BAD_SIZE},
        {"lstm_cell_forward H=0", [](const Lib &l, float *a, float *b, float *c, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_lstm_cell_forward)(a, b, c, q, q, q, q, q, q, 1, 2, 0); }, ASYNCRL_ERR_BAD_SIZE},
        {"lstm_cell_forward gates NULL", [](const Lib &l, float *a, float *b, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_lstm_cell_forward)(a, b, nullptr, q, q, q, q, q, q, 1, 2, 3); }, ASYNCRL_ERR_NULL_POINTER},
        {"lstm_cell_backward I=0", [](const Lib &l, float *a, float *b, float *c, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_lstm_cell_backward)(a, b, nullptr, c, c, c, q, q, q, q, q, q, q, q, q, 1, 0, 2); }, ASYNCRL_ERR_BAD_SIZE},
        {"lstm_cell_backward B=-2", [](const Lib &l, float *a, float *b, float *c, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_lstm_cell_backward)(a, b, nullptr, c, c, c, q, q, q, q, q, q, q, q, q, -2, 3, 2); }, ASYNCRL_ERR_BAD_SIZE},
        {"clip_grad_norm max_norm NaN", [](const Lib &l, float *a, float *b, float *, const float *, int64_t) {
             return KERNEL_FN(l, asyncrl_clip_grad_norm)(a, b, 4, NAN); }, ASYNCRL_ERR_BAD_ARGUMENT},
        {"clip_grad_norm N=-1", [](const Lib &l, float *a, float *b, float *, const float *, int64_t) {
             return KERNEL_FN(l, asyncrl_clip_grad_norm)(a, b, -1, 1.0f); }, ASYNCRL_ERR_BAD_SIZE},
        {"shared_rmsprop alpha 1.5", [](const Lib &l, float *a, float *b, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_shared_rmsprop)(a, b, q, 4, 1e-3f, 1.5f, 0.1f); }, ASYNCRL_ERR_BAD_ARGUMENT},
        {"shared_rmsprop lr NaN", [](const Lib &l, float *a, float *b, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_shared_rmsprop)(a, b, q, 4, NAN, 0.9f, 0.1f); }, ASYNCRL_ERR_BAD_ARGUMENT},
        {"shared_rmsprop eps -1", [](const Lib &l, float *a, float *b, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_shared_rmsprop)(a, b, q, 4, 1e-3f, 0.9f, -1.0f); }, ASYNCRL_ERR_BAD_ARGUMENT},
        {"shared_rmsprop N=-1 and alpha 1.5 (sizes first)", [](const Lib &l, float *a, float *b, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_shared_rmsprop)(a, b, q, -1, 1e-3f, 1.5f, 0.1f); }, ASYNCRL_ERR_BAD_SIZE},
        {"shared_rmsprop g NULL and N=-1 (pointers first)", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_shared_rmsprop)(a, nullptr, q, -1, 1e-3f, 0.9f, 0.1f); }, ASYNCRL_ERR_NULL_POINTER},
        {"momentum_sgd alpha NaN", [](const Lib &l, float *a, float *b, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_momentum_sgd)(a, b, q, 4, 1e-3f, NAN); }, ASYNCRL_ERR_BAD_ARGUMENT},
        {"momentum_sgd lr inf", [](const Lib &l, float *a, float *b, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_momentum_sgd)(a, b, q, 4, INFINITY, 0.9f); }, ASYNCRL_ERR_BAD_ARGUMENT},
        {"copy N=-1", [](const Lib &l, float *a, float *, float *, const float *q, int64_t) {
             return KERNEL_FN(l, asyncrl_copy)(a, q, -1); }, ASYNCRL_ERR_BAD_SIZE},
    };
    for (const Case &c : cases) {
        const asyncrl_status want = c.call(ref, y, y2, y3, p, huge);
        expect(want == c.expected, std::string(c.what) + ": the reference gives the status kernel.h names");
        const asyncrl_status got = c.call(simd, y, y2, y3, p, huge);
        expect(got == want, std::string(c.what) + ": simd gives the reference's status " + std::to_string(want) +
                                " (got " + std::to_string(got) + ")");
        expect(untouched(), std::string(c.what) + ": a refused call writes nothing");
    }
}

bool cpu_has_avx2_fma() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

bool cpu_has_avx512() {
#if defined(__x86_64__)
    return cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#else
    return false;
#endif
}

}  // namespace

int main(int argc, char **argv) {
    Lib simd{}, ref{};
    if (!open_libraries(argc, argv, 3, "LIBSIMD LIBREFERENCE best|avx2|reference", &simd, &ref)) return 2;
    const std::string asked = argv[3];

    // exports: the contract and the diagnostic, not the hidden reference copies
    expect(simd.fn<const char *(*)()>("asyncrl_kernel_name") &&
               std::strcmp(simd.fn<const char *(*)()>("asyncrl_kernel_name")(), "simd") == 0,
           "asyncrl_kernel_name() is \"simd\"");
    expect(simd.fn<int32_t (*)()>("asyncrl_kernel_version")() == ASYNCRL_KERNEL_VERSION, "contract version");
    expect(dlsym(simd.handle, "asyncrl_reference_dense_forward") == nullptr, "the reference copies are hidden");
    const auto isa = KERNEL_FN(simd, asyncrl_simd_isa);
    expect(isa != nullptr, "exports asyncrl_simd_isa");
    if (!isa) return 1;
    std::string want_isa = "reference";
    if (asked == "best") want_isa = cpu_has_avx512() ? "avx512" : cpu_has_avx2_fma() ? "avx2" : "reference";
    if (asked == "avx2") want_isa = cpu_has_avx2_fma() ? "avx2" : "reference";
    expect(want_isa == isa(), "runs the " + want_isa + " path (asked: " + asked + ", runs: " + isa() + ")");
    std::printf("simd kernel path: %s\n", isa());

    // dense: below, at and past the vector widths, odd tails, and the layers asyncrl trains
    const int64_t dense_shapes[][3] = {
        {0, 3, 5},    {1, 1, 1},     {1, 4, 64},   {5, 4, 64},    {1, 7, 9},      {2, 17, 33},   {3, 8, 8},
        {4, 16, 16},  {1, 64, 64},   {5, 64, 64},  {5, 64, 2},    {5, 64, 1},     {7, 129, 65},  {6, 31, 97},
        {5, 256, 256}, {32, 100, 37}, {5, 1024, 128}, {1, 1024, 128}, {5, 128, 7}, {13, 15, 300}, {1, 2592, 256},
        {5, 2592, 256}, {32, 256, 256}, {9, 3, 1000}, {2, 700, 130}, {3, 1000, 77}, {6, 513, 261},
        {4, 300, 251}, {7, 1100, 70}, {1, 64, 2}, {1, 64, 1}, {1, 37, 3}, {1, 300, 4}, {2, 2, 5}};
    for (const auto &d : dense_shapes) check_dense(simd, ref, d[0], d[1], d[2]);

    // conv2d: MinAtar (4 and 10 channels), the Atari layers, odd sizes and strides, an empty batch,
    // a patch too large for the scratch block (the reference fallback)
    const int64_t conv_shapes[][7] = {
        {2, 4, 10, 10, 16, 3, 1}, {5, 10, 10, 10, 16, 3, 1}, {1, 4, 84, 84, 16, 8, 4}, {5, 16, 20, 20, 32, 4, 2},
        {3, 3, 11, 9, 5, 2, 3},   {1, 1, 5, 7, 1, 5, 1},     {2, 2, 13, 13, 7, 3, 2},  {0, 2, 5, 5, 3, 3, 1},
        {1, 7, 6, 6, 19, 1, 1},   {2, 5, 17, 12, 9, 4, 3},   {1, 300, 8, 8, 2, 8, 1}};
    for (const auto &c : conv_shapes) check_conv(simd, ref, c[0], c[1], c[2], c[3], c[4], c[5], c[6]);

    const int64_t lstm_shapes[][3] = {{1, 5, 3}, {5, 7, 16}, {4, 33, 64}, {32, 20, 9}, {0, 3, 2}, {5, 128, 256}, {3, 1, 1}};
    for (const auto &l : lstm_shapes) check_lstm(simd, ref, l[0], l[1], l[2]);

    for (int64_t n : {0, 1, 7, 8, 15, 16, 17, 33, 100, 1000, 4099}) check_elementwise(simd, ref, n);
    for (int64_t n : {0, 1, 15, 16, 33, 1000, 4675, 100003}) check_optimisers(simd, ref, n);
    check_a3c(simd, ref);
    check_statuses(simd, ref);

    std::printf("%d checks, %d failed\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
