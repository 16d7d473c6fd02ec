/*
 * Native tests of the reference kernel (linked as libasyncrl_reference.so):
 *   - every backward against central finite differences of a loss computed here in double (for
 *     the LSTM cell, a 3-step unroll chained through dh_prev and dc_prev);
 *   - shared RMSProp and momentum SGD against their scalar formulas, gradient-norm clipping, copy;
 *   - the status codes: NULL pointers, negative or zero sizes, bad actions and coefficients, and
 *     that a refused call writes nothing.
 * With `--libraries REF WRONG_VERSION INCOMPLETE` it instead opens the three libraries with dlopen
 * and checks what each exports. Plain C++, no framework: prints "N passed, M failed", exits 1 on
 * any failure.
 */
#include "asyncrl/kernel.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

namespace {

/* ---- a tiny test harness ------------------------------------------------------------------- */

int g_failures_in_test = 0;

void report_failure(const char *file, int line, const char *what) {
    ++g_failures_in_test;
    if (g_failures_in_test <= 10) std::fprintf(stderr, "  %s:%d: %s\n", file, line, what);
}

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (!(cond)) report_failure(__FILE__, __LINE__, "CHECK(" #cond ") failed");             \
    } while (0)

#define CHECK_STATUS(call, expected)                                                             \
    do {                                                                                         \
        const asyncrl_status got_ = (call);                                                      \
        if (got_ != (expected)) {                                                                \
            char msg_[512];                                                                      \
            std::snprintf(msg_, sizeof msg_, "%s returned %d (%s), expected %s", #call,          \
                          static_cast<int>(got_), asyncrl_status_string(got_), #expected);       \
            report_failure(__FILE__, __LINE__, msg_);                                            \
        }                                                                                        \
    } while (0)

/* |actual - expected| <= atol + rtol * |expected| */
#define CHECK_CLOSE(actual, expected, rtol, atol)                                                \
    do {                                                                                         \
        const double a_ = static_cast<double>(actual);                                           \
        const double e_ = static_cast<double>(expected);                                         \
        if (!(std::fabs(a_ - e_) <= (atol) + (rtol) * std::fabs(e_))) {                          \
            char msg_[512];                                                                      \
            std::snprintf(msg_, sizeof msg_, "%s = %.9g, expected %s = %.9g", #actual, a_,       \
                          #expected, e_);                                                        \
            report_failure(__FILE__, __LINE__, msg_);                                            \
        }                                                                                        \
    } while (0)

struct TestCase {
    const char *name;
    void (*run)();
};

/* Deterministic uniform numbers in [lo, hi) (splitmix64), the same on every platform. */
struct Rng {
    uint64_t state;
    explicit Rng(uint64_t seed) : state(seed) {}
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    float uniform(float lo, float hi) {
        const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
        return static_cast<float>(static_cast<double>(lo) + u * static_cast<double>(hi - lo));
    }
    std::vector<float> vec(size_t n, float lo, float hi) {
        std::vector<float> v(n);
        for (float &f : v) f = uniform(lo, hi);
        return v;
    }
};

std::vector<double> to_double(const std::vector<float> &v) {
    return std::vector<double>(v.begin(), v.end());
}

/* R - V per row, in double: a constant of the policy loss, taken before any perturbation. */
std::vector<double> advantages(const std::vector<float> &returns, const std::vector<float> &values) {
    std::vector<double> a(returns.size());
    for (size_t i = 0; i < a.size(); i++) {
        a[i] = static_cast<double>(returns[i]) - static_cast<double>(values[i]);
    }
    return a;
}

/*
 * Central difference of loss with respect to each element of p (perturbed in place and restored):
 * grad[k] = (L(p + h e_k) - L(p - h e_k)) / 2h.
 */
std::vector<double> numeric_gradient(std::vector<double> &p, const std::function<double()> &loss,
                                     double h = 1e-4) {
    std::vector<double> grad(p.size());
    for (size_t k = 0; k < p.size(); k++) {
        const double saved = p[k];
        p[k] = saved + h;
        const double plus = loss();
        p[k] = saved - h;
        const double minus = loss();
        p[k] = saved;
        grad[k] = (plus - minus) / (2.0 * h);
    }
    return grad;
}

// Tolerances of a float kernel against a double finite difference.
constexpr double kRtol = 1e-4;
constexpr double kAtol = 1e-5;

/* ---- dense ------------------------------------------------------------------------------------- */

void test_dense_forward() {
    const int64_t B = 3, I = 5, O = 4;
    Rng rng(1);
    std::vector<float> x = rng.vec(B * I, -1, 1), w = rng.vec(O * I, -1, 1), b = rng.vec(O, -1, 1);
    std::vector<float> y(B * O, 123.0f);
    CHECK_STATUS(asyncrl_dense_forward(y.data(), x.data(), w.data(), b.data(), B, I, O), ASYNCRL_OK);
    for (int64_t r = 0; r < B; r++) {
        for (int64_t o = 0; o < O; o++) {
            double expected = b[o];
            for (int64_t i = 0; i < I; i++) {
                expected += static_cast<double>(x[r * I + i]) * static_cast<double>(w[o * I + i]);
            }
            CHECK_CLOSE(y[r * O + o], expected, 1e-6, 1e-6);
        }
    }
    // B = 0 is a valid empty batch and writes nothing
    std::vector<float> untouched(1, 7.0f);
    CHECK_STATUS(asyncrl_dense_forward(untouched.data(), x.data(), w.data(), b.data(), 0, I, O),
                 ASYNCRL_OK);
    CHECK(untouched[0] == 7.0f);
}

void test_dense_backward() {
    const int64_t B = 3, I = 5, O = 4;
    Rng rng(2);
    std::vector<float> x = rng.vec(B * I, -1, 1), w = rng.vec(O * I, -1, 1), b = rng.vec(O, -1, 1);
    std::vector<float> dy = rng.vec(B * O, -1, 1);  // dL/dy, so L = sum dy * y

    std::vector<double> xd = to_double(x), wd = to_double(w), bd = to_double(b);
    const std::vector<double> r = to_double(dy);
    auto loss = [&]() {
        double L = 0.0;
        for (int64_t row = 0; row < B; row++) {
            for (int64_t o = 0; o < O; o++) {
                double y = bd[o];
                for (int64_t i = 0; i < I; i++) y += xd[row * I + i] * wd[o * I + i];
                L += r[row * O + o] * y;
            }
        }
        return L;
    };
    const std::vector<double> gx = numeric_gradient(xd, loss);
    const std::vector<double> gw = numeric_gradient(wd, loss);
    const std::vector<double> gb = numeric_gradient(bd, loss);

    // outputs start at 0.5 to check that the kernel accumulates (+=)
    const float start = 0.5f;
    std::vector<float> dx(B * I, start), dw(O * I, start), db(O, start);
    CHECK_STATUS(asyncrl_dense_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(),
                                        w.data(), B, I, O),
                 ASYNCRL_OK);
    for (size_t k = 0; k < dx.size(); k++) CHECK_CLOSE(dx[k] - start, gx[k], kRtol, kAtol);
    for (size_t k = 0; k < dw.size(); k++) CHECK_CLOSE(dw[k] - start, gw[k], kRtol, kAtol);
    for (size_t k = 0; k < db.size(); k++) CHECK_CLOSE(db[k] - start, gb[k], kRtol, kAtol);

    // dx = NULL skips the input gradient and gives the same dw, db
    std::vector<float> dw2(O * I, start), db2(O, start);
    CHECK_STATUS(asyncrl_dense_backward(nullptr, dw2.data(), db2.data(), dy.data(), x.data(),
                                        w.data(), B, I, O),
                 ASYNCRL_OK);
    CHECK(dw2 == dw);
    CHECK(db2 == db);

    // B = 0 adds nothing
    CHECK_STATUS(asyncrl_dense_backward(dx.data(), dw2.data(), db2.data(), dy.data(), x.data(),
                                        w.data(), 0, I, O),
                 ASYNCRL_OK);
    CHECK(dw2 == dw);
    CHECK(db2 == db);
}

/* ---- activations -------------------------------------------------------------------------------- */

/* Inputs in [-2, 2], kept at least 0.05 away from 0 so no difference straddles relu's kink. */
std::vector<float> activation_inputs(uint64_t seed, size_t n) {
    Rng rng(seed);
    std::vector<float> x = rng.vec(n, -2, 2);
    for (float &v : x) {
        if (std::fabs(v) < 0.05f) v = v < 0.0f ? -0.05f - v : 0.05f + v;
    }
    return x;
}

void check_activation(asyncrl_status (*forward)(float *, const float *, int64_t),
                      asyncrl_status (*backward)(float *, const float *, const float *, int64_t),
                      double (*f)(double), uint64_t seed) {
    const int64_t N = 40;
    std::vector<float> x = activation_inputs(seed, N);
    Rng rng(seed + 100);
    std::vector<float> dy = rng.vec(N, -1, 1);

    std::vector<double> xd = to_double(x);
    const std::vector<double> r = to_double(dy);
    auto loss = [&]() {
        double L = 0.0;
        for (int64_t n = 0; n < N; n++) L += r[n] * f(xd[n]);
        return L;
    };
    const std::vector<double> gx = numeric_gradient(xd, loss);

    std::vector<float> y(N), dx(N, 99.0f);
    CHECK_STATUS(forward(y.data(), x.data(), N), ASYNCRL_OK);
    for (int64_t n = 0; n < N; n++) CHECK_CLOSE(y[n], f(static_cast<double>(x[n])), 1e-6, 1e-7);
    CHECK_STATUS(backward(dx.data(), dy.data(), y.data(), N), ASYNCRL_OK);
    for (int64_t n = 0; n < N; n++) CHECK_CLOSE(dx[n], gx[n], kRtol, kAtol);

    // in place: y aliases x, dx aliases dy
    std::vector<float> inplace = x;
    CHECK_STATUS(forward(inplace.data(), inplace.data(), N), ASYNCRL_OK);
    CHECK(inplace == y);
    std::vector<float> dinplace = dy;
    CHECK_STATUS(backward(dinplace.data(), dinplace.data(), y.data(), N), ASYNCRL_OK);
    CHECK(dinplace == dx);

    CHECK_STATUS(forward(y.data(), x.data(), 0), ASYNCRL_OK);
    CHECK_STATUS(backward(dx.data(), dy.data(), y.data(), 0), ASYNCRL_OK);
}

double relu_d(double v) { return v > 0.0 ? v : 0.0; }

void test_relu() {
    check_activation(asyncrl_relu_forward, asyncrl_relu_backward, relu_d, 3);
    // NaN passes through (so a norm check downstream sees it); -0 becomes +0
    const float nan = std::numeric_limits<float>::quiet_NaN();
    float x[3] = {nan, -0.0f, -3.0f}, y[3];
    CHECK_STATUS(asyncrl_relu_forward(y, x, 3), ASYNCRL_OK);
    CHECK(std::isnan(y[0]));
    CHECK(y[1] == 0.0f && !std::signbit(y[1]));
    CHECK(y[2] == 0.0f);
}

double tanh_d(double v) { return std::tanh(v); }

void test_tanh() {
    check_activation(asyncrl_tanh_forward, asyncrl_tanh_backward, tanh_d, 4);
}

/* ---- A3C loss ------------------------------------------------------------------------------------ */

struct A3cProblem {
    int64_t B, A;
    float beta, value_coef;
    std::vector<float> logits, values, returns;
    std::vector<int32_t> actions;
};

A3cProblem make_a3c_problem(uint64_t seed, int64_t B, int64_t A, float logit_scale) {
    Rng rng(seed);
    A3cProblem p{B, A, 0.5f, 0.5f, rng.vec(B * A, -logit_scale, logit_scale),
                 rng.vec(B, -1, 1), rng.vec(B, -2, 2), std::vector<int32_t>(B)};
    for (int64_t i = 0; i < B; i++) p.actions[i] = static_cast<int32_t>(rng.next() % uint64_t(A));
    return p;
}

/* The terms of Lp + Lv in double for one row: -log p(a), H. */
void softmax_terms(const double *z, int64_t A, int32_t action, double *neg_log_p_action,
                   double *entropy) {
    double m = z[0];
    for (int64_t j = 1; j < A; j++) m = std::fmax(m, z[j]);
    double s = 0.0;
    for (int64_t j = 0; j < A; j++) s += std::exp(z[j] - m);
    const double log_s = std::log(s);
    double H = 0.0;
    for (int64_t j = 0; j < A; j++) {
        const double log_p = z[j] - m - log_s;
        H -= std::exp(log_p) * log_p;
    }
    *neg_log_p_action = -(z[action] - m - log_s);
    *entropy = H;
}

void test_a3c_loss_backward() {
    const A3cProblem p = make_a3c_problem(5, 4, 5, 2.0f);
    const int64_t B = p.B, A = p.A;

    std::vector<double> z = to_double(p.logits), v = to_double(p.values);
    const std::vector<double> advantage = advantages(p.returns, p.values);
    auto loss = [&]() {
        double L = 0.0;
        for (int64_t i = 0; i < B; i++) {
            double nlp, H;
            softmax_terms(&z[i * A], A, p.actions[i], &nlp, &H);
            const double err = static_cast<double>(p.returns[i]) - v[i];
            L += nlp * advantage[i] - static_cast<double>(p.beta) * H;
            L += static_cast<double>(p.value_coef) * err * err;
        }
        return L;
    };
    const std::vector<double> gz = numeric_gradient(z, loss);
    const std::vector<double> gv = numeric_gradient(v, loss);

    std::vector<float> dlogits(B * A, 99.0f), dvalues(B, 99.0f), stats(3, 99.0f);
    CHECK_STATUS(asyncrl_a3c_loss_backward(dlogits.data(), dvalues.data(), stats.data(),
                                           p.logits.data(), p.values.data(), p.actions.data(),
                                           p.returns.data(), B, A, p.beta, p.value_coef),
                 ASYNCRL_OK);
    for (size_t k = 0; k < dlogits.size(); k++) CHECK_CLOSE(dlogits[k], gz[k], kRtol, kAtol);
    for (size_t k = 0; k < dvalues.size(); k++) CHECK_CLOSE(dvalues[k], gv[k], kRtol, kAtol);

    double policy = 0.0, value = 0.0, entropy = 0.0;
    for (int64_t i = 0; i < B; i++) {
        double nlp, H;
        softmax_terms(&z[i * A], A, p.actions[i], &nlp, &H);
        policy += nlp * advantage[i];
        value += static_cast<double>(p.value_coef) * advantage[i] * advantage[i];
        entropy += H;
    }
    CHECK_CLOSE(stats[0], policy, 1e-5, 1e-6);
    CHECK_CLOSE(stats[1], value, 1e-5, 1e-6);
    CHECK_CLOSE(stats[2], entropy, 1e-5, 1e-6);
}

void test_a3c_extreme_logits() {
    // exp overflows float beyond 88.7: without the max subtraction these would give inf and NaN
    A3cProblem p = make_a3c_problem(6, 3, 4, 200.0f);
    p.logits[0] = 300.0f;
    p.logits[1] = -300.0f;
    std::vector<float> dlogits(p.B * p.A), dvalues(p.B), stats(3);
    CHECK_STATUS(asyncrl_a3c_loss_backward(dlogits.data(), dvalues.data(), stats.data(),
                                           p.logits.data(), p.values.data(), p.actions.data(),
                                           p.returns.data(), p.B, p.A, p.beta, p.value_coef),
                 ASYNCRL_OK);
    for (float d : dlogits) CHECK(std::isfinite(d));
    for (float s : stats) CHECK(std::isfinite(s));
    // each row of dlogits sums to 0: softmax's gradient lies in the plane sum_j dz_j = 0
    for (int64_t i = 0; i < p.B; i++) {
        double sum = 0.0;
        for (int64_t j = 0; j < p.A; j++) sum += static_cast<double>(dlogits[i * p.A + j]);
        CHECK_CLOSE(sum, 0.0, 0.0, 1e-4);
    }

    // softmax ignores a constant shift of the logits: +150 gives the gradient of +0
    const A3cProblem q = make_a3c_problem(11, 3, 4, 1.0f);
    std::vector<float> shifted = q.logits;
    for (float &z : shifted) z += 150.0f;
    std::vector<float> d0(q.B * q.A), d1(q.B * q.A), v0(q.B), v1(q.B), s0(3), s1(3);
    CHECK_STATUS(asyncrl_a3c_loss_backward(d0.data(), v0.data(), s0.data(), q.logits.data(),
                                           q.values.data(), q.actions.data(), q.returns.data(),
                                           q.B, q.A, q.beta, q.value_coef),
                 ASYNCRL_OK);
    CHECK_STATUS(asyncrl_a3c_loss_backward(d1.data(), v1.data(), s1.data(), shifted.data(),
                                           q.values.data(), q.actions.data(), q.returns.data(),
                                           q.B, q.A, q.beta, q.value_coef),
                 ASYNCRL_OK);
    // float spacing at 150 is 1.5e-5, so the shifted logits themselves differ by that much
    for (size_t k = 0; k < d0.size(); k++) CHECK_CLOSE(d1[k], d0[k], 1e-3, 1e-4);
    for (int k = 0; k < 3; k++) CHECK_CLOSE(s1[k], s0[k], 1e-3, 1e-4);
}

void test_a3c_empty_batch() {
    // B = 0: nothing to do, and the stats are the empty sums
    float dlogits[1] = {9.0f}, dvalues[1] = {9.0f}, stats[3] = {9.0f, 9.0f, 9.0f};
    const float logits[1] = {0.0f}, values[1] = {0.0f}, returns[1] = {0.0f};
    const int32_t actions[1] = {0};
    CHECK_STATUS(asyncrl_a3c_loss_backward(dlogits, dvalues, stats, logits, values, actions,
                                           returns, 0, 3, 0.01f, 0.5f),
                 ASYNCRL_OK);
    CHECK(dlogits[0] == 9.0f && dvalues[0] == 9.0f);
    CHECK(stats[0] == 0.0f && stats[1] == 0.0f && stats[2] == 0.0f);
}

/* ---- conv2d ------------------------------------------------------------------------------------ */

struct ConvShape {
    int64_t B, C, H, W, F, K, S;
    int64_t Ho() const { return (H - K) / S + 1; }
    int64_t Wo() const { return (W - K) / S + 1; }
};

/* y of conv2d_forward in double, from kernel.h's formula. */
std::vector<double> conv_forward_d(const ConvShape &s, const std::vector<double> &x,
                                   const std::vector<double> &w, const std::vector<double> &b) {
    const int64_t Ho = s.Ho(), Wo = s.Wo();
    std::vector<double> y(s.B * s.F * Ho * Wo);
    for (int64_t n = 0; n < s.B; n++)
        for (int64_t f = 0; f < s.F; f++)
            for (int64_t oy = 0; oy < Ho; oy++)
                for (int64_t ox = 0; ox < Wo; ox++) {
                    double acc = b[f];
                    for (int64_t c = 0; c < s.C; c++)
                        for (int64_t ki = 0; ki < s.K; ki++)
                            for (int64_t kj = 0; kj < s.K; kj++)
                                acc += x[((n * s.C + c) * s.H + oy * s.S + ki) * s.W + ox * s.S + kj] *
                                       w[((f * s.C + c) * s.K + ki) * s.K + kj];
                    y[((n * s.F + f) * Ho + oy) * Wo + ox] = acc;
                }
    return y;
}

void check_conv2d_forward(const ConvShape &s, uint64_t seed) {
    Rng rng(seed);
    std::vector<float> x = rng.vec(s.B * s.C * s.H * s.W, -1, 1);
    std::vector<float> w = rng.vec(s.F * s.C * s.K * s.K, -1, 1), b = rng.vec(s.F, -1, 1);
    std::vector<float> y(s.B * s.F * s.Ho() * s.Wo(), 123.0f);
    CHECK_STATUS(asyncrl_conv2d_forward(y.data(), x.data(), w.data(), b.data(), s.B, s.C, s.H, s.W,
                                        s.F, s.K, s.S),
                 ASYNCRL_OK);
    const std::vector<double> expected = conv_forward_d(s, to_double(x), to_double(w), to_double(b));
    for (size_t k = 0; k < y.size(); k++) CHECK_CLOSE(y[k], expected[k], 1e-5, 1e-5);
}

void test_conv2d_forward() {
    check_conv2d_forward({2, 3, 7, 6, 4, 3, 2}, 40);   // S does not divide W - K: last column unread
    check_conv2d_forward({1, 1, 5, 5, 1, 5, 1}, 41);   // K = H = W: one output pixel
    check_conv2d_forward({2, 2, 9, 9, 3, 2, 3}, 42);   // S > K: rows and columns skipped
    check_conv2d_forward({1, 4, 20, 20, 8, 8, 4}, 43); // the paper's first layer, scaled down
    // B = 0 is a valid empty batch and writes nothing
    float untouched[1] = {7.0f};
    const float in[64] = {};
    CHECK_STATUS(asyncrl_conv2d_forward(untouched, in, in, in, 0, 1, 3, 3, 1, 2, 1), ASYNCRL_OK);
    CHECK(untouched[0] == 7.0f);
}

void check_conv2d_backward(const ConvShape &s, uint64_t seed) {
    Rng rng(seed);
    std::vector<float> x = rng.vec(s.B * s.C * s.H * s.W, -1, 1);
    std::vector<float> w = rng.vec(s.F * s.C * s.K * s.K, -1, 1), b = rng.vec(s.F, -1, 1);
    std::vector<float> dy = rng.vec(s.B * s.F * s.Ho() * s.Wo(), -1, 1);  // L = sum dy * y

    std::vector<double> xd = to_double(x), wd = to_double(w), bd = to_double(b);
    const std::vector<double> r = to_double(dy);
    auto loss = [&]() {
        const std::vector<double> y = conv_forward_d(s, xd, wd, bd);
        double L = 0.0;
        for (size_t k = 0; k < y.size(); k++) L += r[k] * y[k];
        return L;
    };
    const std::vector<double> gx = numeric_gradient(xd, loss);
    const std::vector<double> gw = numeric_gradient(wd, loss);
    const std::vector<double> gb = numeric_gradient(bd, loss);

    // outputs start at 0.5 to check that the kernel accumulates (+=)
    const float start = 0.5f;
    std::vector<float> dx(x.size(), start), dw(w.size(), start), db(b.size(), start);
    CHECK_STATUS(asyncrl_conv2d_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(),
                                         w.data(), s.B, s.C, s.H, s.W, s.F, s.K, s.S),
                 ASYNCRL_OK);
    for (size_t k = 0; k < dx.size(); k++) CHECK_CLOSE(dx[k] - start, gx[k], kRtol, kAtol);
    for (size_t k = 0; k < dw.size(); k++) CHECK_CLOSE(dw[k] - start, gw[k], kRtol, kAtol);
    for (size_t k = 0; k < db.size(); k++) CHECK_CLOSE(db[k] - start, gb[k], kRtol, kAtol);
    // a pixel that no output reads gets exactly 0 added
    for (size_t k = 0; k < dx.size(); k++) {
        if (gx[k] == 0.0) CHECK(dx[k] == start);
    }

    // dx = NULL skips the input gradient and gives the same dw, db
    std::vector<float> dw2(w.size(), start), db2(b.size(), start);
    CHECK_STATUS(asyncrl_conv2d_backward(nullptr, dw2.data(), db2.data(), dy.data(), x.data(),
                                         w.data(), s.B, s.C, s.H, s.W, s.F, s.K, s.S),
                 ASYNCRL_OK);
    CHECK(dw2 == dw);
    CHECK(db2 == db);
}

void test_conv2d_backward() {
    check_conv2d_backward({2, 3, 7, 6, 4, 3, 2}, 50);
    check_conv2d_backward({1, 1, 5, 5, 1, 5, 1}, 51);
    check_conv2d_backward({2, 2, 9, 9, 3, 2, 3}, 52);
    check_conv2d_backward({3, 2, 4, 6, 2, 1, 1}, 53);  // K = 1: a per-pixel dense layer
    check_conv2d_backward({1, 2, 12, 12, 3, 4, 2}, 54);
    // B = 0 adds nothing
    float dw[8] = {1, 2, 3, 4, 5, 6, 7, 8}, db[2] = {9, 10};
    const float in[64] = {};
    CHECK_STATUS(asyncrl_conv2d_backward(nullptr, dw, db, in, in, in, 0, 1, 3, 3, 2, 2, 1), ASYNCRL_OK);
    CHECK(dw[0] == 1.0f && dw[7] == 8.0f && db[0] == 9.0f && db[1] == 10.0f);
}

/* ---- LSTM cell ----------------------------------------------------------------------------------- */

double sigmoid_d(double z) { return 1.0 / (1.0 + std::exp(-z)); }

/*
 * One LSTM step in double from kernel.h's formula: (h, c) from (x, h_prev, c_prev). x is (B,I),
 * h_prev and c_prev (B,H), w_ih (4H,I), w_hh (4H,H), b (4H).
 */
void lstm_step_d(int64_t B, int64_t I, int64_t H, const double *x, const double *h_prev,
                 const double *c_prev, const std::vector<double> &w_ih,
                 const std::vector<double> &w_hh, const std::vector<double> &b, double *h,
                 double *c) {
    std::vector<double> z(4 * H);
    for (int64_t n = 0; n < B; n++) {
        for (int64_t k = 0; k < 4 * H; k++) {
            double acc = b[k];
            for (int64_t i = 0; i < I; i++) acc += x[n * I + i] * w_ih[k * I + i];
            for (int64_t j = 0; j < H; j++) acc += h_prev[n * H + j] * w_hh[k * H + j];
            z[k] = acc;
        }
        for (int64_t j = 0; j < H; j++) {
            const double ig = sigmoid_d(z[j]), fg = sigmoid_d(z[H + j]);
            const double gg = std::tanh(z[2 * H + j]), og = sigmoid_d(z[3 * H + j]);
            c[n * H + j] = fg * c_prev[n * H + j] + ig * gg;
            h[n * H + j] = og * std::tanh(c[n * H + j]);
        }
    }
}

struct LstmProblem {
    int64_t T, B, I, H;
    std::vector<float> x;           // (T,B,I)
    std::vector<float> h0, c0;      // (B,H)
    std::vector<float> w_ih, w_hh;  // (4H,I), (4H,H)
    std::vector<float> b;           // (4H)
    std::vector<float> r;           // (T,B,H): L = sum_t r_t . h_t + rc . c_{T-1}
    std::vector<float> rc;          // (B,H)
};

LstmProblem make_lstm_problem(uint64_t seed, int64_t T, int64_t B, int64_t I, int64_t H) {
    Rng rng(seed);
    LstmProblem p{T, B, I, H, rng.vec(T * B * I, -1, 1), rng.vec(B * H, -1, 1),
                  rng.vec(B * H, -1, 1), rng.vec(4 * H * I, -0.8f, 0.8f),
                  rng.vec(4 * H * H, -0.8f, 0.8f), rng.vec(4 * H, -0.5f, 0.5f),
                  rng.vec(T * B * H, -1, 1), rng.vec(B * H, -1, 1)};
    return p;
}

/* The loss of the whole unroll in double. */
double lstm_unroll_loss_d(const LstmProblem &p, const std::vector<double> &x,
                          const std::vector<double> &h0, const std::vector<double> &c0,
                          const std::vector<double> &w_ih, const std::vector<double> &w_hh,
                          const std::vector<double> &b) {
    const int64_t BH = p.B * p.H;
    std::vector<double> h = h0, c = c0, hn(BH), cn(BH);
    double L = 0.0;
    for (int64_t t = 0; t < p.T; t++) {
        lstm_step_d(p.B, p.I, p.H, &x[t * p.B * p.I], h.data(), c.data(), w_ih, w_hh, b, hn.data(),
                    cn.data());
        h.swap(hn);
        c.swap(cn);
        for (int64_t k = 0; k < BH; k++) L += static_cast<double>(p.r[t * BH + k]) * h[k];
    }
    for (int64_t k = 0; k < BH; k++) L += static_cast<double>(p.rc[k]) * c[k];
    return L;
}

void test_lstm_cell_forward() {
    const LstmProblem p = make_lstm_problem(60, 1, 3, 4, 5);
    const int64_t BH = p.B * p.H;
    std::vector<float> h(BH, 9.0f), c(BH, 9.0f), gates(4 * BH, 9.0f);
    CHECK_STATUS(asyncrl_lstm_cell_forward(h.data(), c.data(), gates.data(), p.x.data(), p.h0.data(),
                                           p.c0.data(), p.w_ih.data(), p.w_hh.data(), p.b.data(),
                                           p.B, p.I, p.H),
                 ASYNCRL_OK);
    std::vector<double> hd(BH), cd(BH);
    const std::vector<double> xd = to_double(p.x), h0 = to_double(p.h0), c0 = to_double(p.c0);
    lstm_step_d(p.B, p.I, p.H, xd.data(), h0.data(), c0.data(), to_double(p.w_ih),
                to_double(p.w_hh), to_double(p.b), hd.data(), cd.data());
    for (int64_t k = 0; k < BH; k++) {
        CHECK_CLOSE(h[k], hd[k], 1e-5, 1e-6);
        CHECK_CLOSE(c[k], cd[k], 1e-5, 1e-6);
    }
    // gates holds i, f, o in (0, 1) and g in (-1, 1); c = f c_prev + i g from them
    for (int64_t n = 0; n < p.B; n++) {
        for (int64_t j = 0; j < p.H; j++) {
            const float *g = &gates[n * 4 * p.H];
            CHECK(g[j] > 0.0f && g[j] < 1.0f && g[p.H + j] > 0.0f && g[p.H + j] < 1.0f);
            CHECK(g[2 * p.H + j] > -1.0f && g[2 * p.H + j] < 1.0f);
            CHECK(g[3 * p.H + j] > 0.0f && g[3 * p.H + j] < 1.0f);
            CHECK_CLOSE(c[n * p.H + j], g[p.H + j] * p.c0[n * p.H + j] + g[j] * g[2 * p.H + j], 1e-6, 1e-7);
        }
    }
    // saturated gates stay finite: exp overflows inside sigmoid, 1 / inf gives 0
    std::vector<float> big_b(4 * p.H, 200.0f);
    for (int64_t k = 0; k < p.H; k++) big_b[k] = -200.0f;
    CHECK_STATUS(asyncrl_lstm_cell_forward(h.data(), c.data(), gates.data(), p.x.data(), p.h0.data(),
                                           p.c0.data(), p.w_ih.data(), p.w_hh.data(), big_b.data(),
                                           p.B, p.I, p.H),
                 ASYNCRL_OK);
    for (float g : gates) CHECK(std::isfinite(g));
    for (int64_t k = 0; k < BH; k++) CHECK(h[k] == std::tanh(c[k]) && c[k] == p.c0[k]);
}

/*
 * The unroll through the kernel: T forward calls, then T backward calls from the last step to the
 * first, each step's dh = r_t + dh_prev of the step after, dc = dc_prev of the step after (rc for
 * the last). Gradients of the whole unroll against finite differences of lstm_unroll_loss_d.
 */
void check_lstm_unroll(const LstmProblem &p, bool dc_in_place) {
    const int64_t T = p.T, B = p.B, I = p.I, H = p.H, BH = B * H, G = 4 * H;
    std::vector<float> hs((T + 1) * BH), cs((T + 1) * BH), gates(T * B * G);  // hs[0] = h0
    std::copy(p.h0.begin(), p.h0.end(), hs.begin());
    std::copy(p.c0.begin(), p.c0.end(), cs.begin());
    for (int64_t t = 0; t < T; t++) {
        CHECK_STATUS(asyncrl_lstm_cell_forward(&hs[(t + 1) * BH], &cs[(t + 1) * BH], &gates[t * B * G],
                                               &p.x[t * B * I], &hs[t * BH], &cs[t * BH],
                                               p.w_ih.data(), p.w_hh.data(), p.b.data(), B, I, H),
                     ASYNCRL_OK);
    }

    const float start = 0.5f;  // the accumulated outputs start here
    std::vector<float> dx(T * B * I, start), dw_ih(G * I, start), dw_hh(G * H, start), db(G, start);
    std::vector<float> dh(BH), dh_prev(BH, 0.0f), dc = p.rc, dc_prev(BH, 99.0f);
    for (int64_t t = T - 1; t >= 0; t--) {
        for (int64_t k = 0; k < BH; k++) dh[k] = p.r[t * BH + k] + dh_prev[k];
        float *dc_out = dc_in_place ? dc.data() : dc_prev.data();
        CHECK_STATUS(asyncrl_lstm_cell_backward(dh_prev.data(), dc_out, &dx[t * B * I], dw_ih.data(),
                                                dw_hh.data(), db.data(), dh.data(), dc.data(),
                                                &p.x[t * B * I], &hs[t * BH], &cs[t * BH],
                                                &cs[(t + 1) * BH], &gates[t * B * G],
                                                p.w_ih.data(), p.w_hh.data(), B, I, H),
                     ASYNCRL_OK);
        if (!dc_in_place) dc = dc_prev;
    }

    std::vector<double> xd = to_double(p.x), h0 = to_double(p.h0), c0 = to_double(p.c0);
    std::vector<double> wi = to_double(p.w_ih), wh = to_double(p.w_hh), bd = to_double(p.b);
    auto loss = [&]() { return lstm_unroll_loss_d(p, xd, h0, c0, wi, wh, bd); };
    const std::vector<double> gx = numeric_gradient(xd, loss), gh0 = numeric_gradient(h0, loss);
    const std::vector<double> gc0 = numeric_gradient(c0, loss), gwi = numeric_gradient(wi, loss);
    const std::vector<double> gwh = numeric_gradient(wh, loss), gb = numeric_gradient(bd, loss);

    for (size_t k = 0; k < dx.size(); k++) CHECK_CLOSE(dx[k] - start, gx[k], kRtol, kAtol);
    for (size_t k = 0; k < dw_ih.size(); k++) CHECK_CLOSE(dw_ih[k] - start, gwi[k], kRtol, kAtol);
    for (size_t k = 0; k < dw_hh.size(); k++) CHECK_CLOSE(dw_hh[k] - start, gwh[k], kRtol, kAtol);
    for (size_t k = 0; k < db.size(); k++) CHECK_CLOSE(db[k] - start, gb[k], kRtol, kAtol);
    for (int64_t k = 0; k < BH; k++) {
        CHECK_CLOSE(dh_prev[k], gh0[k], kRtol, kAtol);  // after step 0: dL/dh0
        CHECK_CLOSE(dc[k], gc0[k], kRtol, kAtol);       // and dL/dc0
    }
}

void test_lstm_cell_backward() {
    check_lstm_unroll(make_lstm_problem(61, 3, 2, 3, 4), false);
    check_lstm_unroll(make_lstm_problem(62, 3, 1, 1, 1), true);
    check_lstm_unroll(make_lstm_problem(63, 3, 3, 5, 2), true);

    // dx = NULL gives the same weight gradients; dc_prev in place gives the same dc_prev
    const LstmProblem p = make_lstm_problem(64, 1, 2, 3, 4);
    const int64_t BH = p.B * p.H, G = 4 * p.H;
    std::vector<float> h(BH), c(BH), gates(p.B * G);
    CHECK_STATUS(asyncrl_lstm_cell_forward(h.data(), c.data(), gates.data(), p.x.data(), p.h0.data(),
                                           p.c0.data(), p.w_ih.data(), p.w_hh.data(), p.b.data(),
                                           p.B, p.I, p.H),
                 ASYNCRL_OK);
    std::vector<float> dh_prev1(BH, 7.0f), dc_prev1(BH, 7.0f), dx1(p.B * p.I, 0.0f);
    std::vector<float> dwi1(G * p.I, 0.0f), dwh1(G * p.H, 0.0f), db1(G, 0.0f);
    CHECK_STATUS(asyncrl_lstm_cell_backward(dh_prev1.data(), dc_prev1.data(), dx1.data(), dwi1.data(),
                                            dwh1.data(), db1.data(), p.r.data(), p.rc.data(),
                                            p.x.data(), p.h0.data(), p.c0.data(), c.data(),
                                            gates.data(), p.w_ih.data(), p.w_hh.data(), p.B, p.I, p.H),
                 ASYNCRL_OK);
    std::vector<float> dh_prev2(BH, -7.0f), dc2 = p.rc;
    std::vector<float> dwi2(G * p.I, 0.0f), dwh2(G * p.H, 0.0f), db2(G, 0.0f);
    CHECK_STATUS(asyncrl_lstm_cell_backward(dh_prev2.data(), dc2.data(), nullptr, dwi2.data(),
                                            dwh2.data(), db2.data(), p.r.data(), dc2.data(),
                                            p.x.data(), p.h0.data(), p.c0.data(), c.data(),
                                            gates.data(), p.w_ih.data(), p.w_hh.data(), p.B, p.I, p.H),
                 ASYNCRL_OK);
    CHECK(dh_prev2 == dh_prev1);  // overwritten, whatever it held
    CHECK(dc2 == dc_prev1);
    CHECK(dwi2 == dwi1 && dwh2 == dwh1 && db2 == db1);

    // B = 0 writes and adds nothing
    float out[4] = {3, 3, 3, 3};
    const float in[64] = {};
    CHECK_STATUS(asyncrl_lstm_cell_backward(out, out + 1, out + 2, out + 3, out + 3, out + 3, in, in,
                                            in, in, in, in, in, in, in, 0, 1, 1),
                 ASYNCRL_OK);
    CHECK(out[0] == 3.0f && out[1] == 3.0f && out[2] == 3.0f && out[3] == 3.0f);
}

/* ---- Gaussian policy loss ---------------------------------------------------------------------- */

struct GaussianProblem {
    int64_t B, D;
    float beta, value_coef;
    std::vector<float> mu, v, values, actions, returns;
};

double softplus_d(double v) { return std::log1p(std::exp(-std::fabs(v))) + std::fmax(v, 0.0); }

/* sigma^2 of kernel.h in double, with the same floor. */
double variance_d(double v) {
    return softplus_d(v) + static_cast<double>(ASYNCRL_GAUSSIAN_VAR_FLOOR);
}

/* The actions are sampled from the policy, a = mu + sigma * u, so |a - mu|^2 / sigma^2 stays O(D). */
GaussianProblem make_gaussian_problem(uint64_t seed, int64_t B, int64_t D, float v_lo, float v_hi) {
    Rng rng(seed);
    GaussianProblem p{B, D, 0.5f, 0.5f, rng.vec(B * D, -2, 2), rng.vec(B, v_lo, v_hi),
                      rng.vec(B, -1, 1), std::vector<float>(B * D), rng.vec(B, -2, 2)};
    for (int64_t i = 0; i < B; i++) {
        const double sigma = std::sqrt(variance_d(static_cast<double>(p.v[i])));
        for (int64_t d = 0; d < D; d++) {
            p.actions[i * D + d] = static_cast<float>(static_cast<double>(p.mu[i * D + d]) +
                                                      sigma * static_cast<double>(rng.uniform(-2, 2)));
        }
    }
    return p;
}

/* The terms of one row in double: -log N(a; mu, sigma^2 I) and H. */
void gaussian_terms(const double *mu, double v, const float *a, int64_t D, double *neg_log_n,
                    double *entropy) {
    const double var = variance_d(v), log_2pi = std::log(2.0 * M_PI);
    double sq = 0.0;
    for (int64_t d = 0; d < D; d++) {
        const double diff = static_cast<double>(a[d]) - mu[d];
        sq += diff * diff;
    }
    *neg_log_n = 0.5 * static_cast<double>(D) * (log_2pi + std::log(var)) + sq / (2.0 * var);
    *entropy = 0.5 * static_cast<double>(D) * (log_2pi + std::log(var) + 1.0);
}

void check_gaussian_loss(const GaussianProblem &p) {
    const int64_t B = p.B, D = p.D;
    std::vector<double> mu = to_double(p.mu), v = to_double(p.v), values = to_double(p.values);
    const std::vector<double> advantage = advantages(p.returns, p.values);
    auto loss = [&]() {
        double L = 0.0;
        for (int64_t i = 0; i < B; i++) {
            double nln, H;
            gaussian_terms(&mu[i * D], v[i], &p.actions[i * D], D, &nln, &H);
            const double err = static_cast<double>(p.returns[i]) - values[i];
            L += nln * advantage[i] - static_cast<double>(p.beta) * H;
            L += static_cast<double>(p.value_coef) * err * err;
        }
        return L;
    };
    // h small against the smallest sigma^2 in the problem (the floor is 1e-6)
    const std::vector<double> gmu = numeric_gradient(mu, loss, 1e-7);
    const std::vector<double> gv = numeric_gradient(v, loss, 1e-5);
    const std::vector<double> gval = numeric_gradient(values, loss);

    std::vector<float> dmu(B * D, 99.0f), dv(B, 99.0f), dvalues(B, 99.0f), stats(3, 99.0f);
    CHECK_STATUS(asyncrl_gaussian_loss_backward(dmu.data(), dv.data(), dvalues.data(), stats.data(),
                                                p.mu.data(), p.v.data(), p.values.data(),
                                                p.actions.data(), p.returns.data(), B, D, p.beta,
                                                p.value_coef),
                 ASYNCRL_OK);
    for (size_t k = 0; k < dmu.size(); k++) CHECK_CLOSE(dmu[k], gmu[k], kRtol, kAtol);
    for (size_t k = 0; k < dv.size(); k++) CHECK_CLOSE(dv[k], gv[k], kRtol, kAtol);
    for (size_t k = 0; k < dvalues.size(); k++) CHECK_CLOSE(dvalues[k], gval[k], kRtol, kAtol);

    double policy = 0.0, value = 0.0, entropy = 0.0, policy_scale = 0.0, entropy_scale = 0.0;
    for (int64_t i = 0; i < B; i++) {
        double nln, H;
        gaussian_terms(&mu[i * D], v[i], &p.actions[i * D], D, &nln, &H);
        policy += nln * advantage[i];
        policy_scale += std::fabs(nln * advantage[i]);
        value += static_cast<double>(p.value_coef) * advantage[i] * advantage[i];
        entropy += H;
        entropy_scale += std::fabs(H);
    }
    CHECK_CLOSE(stats[0], policy, 0.0, 1e-5 * policy_scale + 1e-6);
    CHECK_CLOSE(stats[1], value, 1e-5, 1e-6);
    CHECK_CLOSE(stats[2], entropy, 0.0, 1e-5 * entropy_scale + 1e-6);
}

void test_gaussian_loss_backward() {
    check_gaussian_loss(make_gaussian_problem(70, 1, 1, -1, 1));
    check_gaussian_loss(make_gaussian_problem(71, 5, 3, -3, 3));
    check_gaussian_loss(make_gaussian_problem(72, 4, 6, -2, 2));
    check_gaussian_loss(make_gaussian_problem(73, 3, 2, 5, 20));     // softplus(v) ~ v
    check_gaussian_loss(make_gaussian_problem(74, 3, 2, -20, -12));  // the floor dominates sigma^2
    GaussianProblem p = make_gaussian_problem(75, 4, 3, -2, 2);
    p.beta = 0.0f;
    check_gaussian_loss(p);
    p.returns = p.values;  // zero advantage: dv is the entropy term alone, dmu is 0
    p.beta = 0.7f;
    check_gaussian_loss(p);
}

void test_gaussian_loss_extremes() {
    // v far out: softplus neither overflows (v = 300) nor reaches sigma^2 = 0 (v = -300)
    GaussianProblem p = make_gaussian_problem(76, 4, 2, -1, 1);
    p.v = {300.0f, -300.0f, 88.0f, -88.0f};
    std::vector<float> dmu(p.B * p.D), dv(p.B), dvalues(p.B), stats(3);
    CHECK_STATUS(asyncrl_gaussian_loss_backward(dmu.data(), dv.data(), dvalues.data(), stats.data(),
                                                p.mu.data(), p.v.data(), p.values.data(),
                                                p.actions.data(), p.returns.data(), p.B, p.D, p.beta,
                                                p.value_coef),
                 ASYNCRL_OK);
    for (float d : dmu) CHECK(std::isfinite(d));
    for (float d : dv) CHECK(std::isfinite(d));
    for (float s : stats) CHECK(std::isfinite(s));
    // at v = -300 sigma^2 is the floor exactly: H = (D/2)(log(2 pi 1e-6) + 1)
    double nln, H;
    std::vector<double> mu1 = to_double(p.mu);
    gaussian_terms(&mu1[1 * p.D], -300.0, &p.actions[1 * p.D], p.D, &nln, &H);
    CHECK_CLOSE(H, static_cast<double>(p.D) * 0.5 * (std::log(2.0 * M_PI * 1e-6) + 1.0), 1e-6, 0.0);

    // B = 0: nothing to do, and the stats are the empty sums
    float out[4] = {9, 9, 9, 9}, st[3] = {9, 9, 9};
    const float in[4] = {};
    CHECK_STATUS(asyncrl_gaussian_loss_backward(out, out + 1, out + 2, st, in, in, in, in, in, 0, 2,
                                                0.01f, 0.5f),
                 ASYNCRL_OK);
    CHECK(out[0] == 9.0f && out[1] == 9.0f && out[2] == 9.0f);
    CHECK(st[0] == 0.0f && st[1] == 0.0f && st[2] == 0.0f);
}

void test_gaussian_loss_bad_arguments() {
    const GaussianProblem p = make_gaussian_problem(77, 3, 2, -1, 1);
    std::vector<float> dmu(p.B * p.D, 42.0f), dv(p.B, 42.0f), dvalues(p.B, 42.0f), stats(3, 42.0f);
    auto call = [&](float beta, float value_coef) {
        return asyncrl_gaussian_loss_backward(dmu.data(), dv.data(), dvalues.data(), stats.data(),
                                              p.mu.data(), p.v.data(), p.values.data(),
                                              p.actions.data(), p.returns.data(), p.B, p.D, beta,
                                              value_coef);
    };
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    for (float bad : {-1e-4f, nan, inf, -inf}) {
        CHECK_STATUS(call(bad, 0.5f), ASYNCRL_ERR_BAD_ARGUMENT);
        CHECK_STATUS(call(1e-4f, bad), ASYNCRL_ERR_BAD_ARGUMENT);
    }
    for (float d : dmu) CHECK(d == 42.0f);
    for (float d : dv) CHECK(d == 42.0f);
    for (float d : dvalues) CHECK(d == 42.0f);
    for (float s : stats) CHECK(s == 42.0f);
    CHECK_STATUS(call(0.0f, 0.0f), ASYNCRL_OK);
    CHECK_STATUS(call(std::numeric_limits<float>::max(), std::numeric_limits<float>::max()), ASYNCRL_OK);
}

/* ---- Q-learning loss ------------------------------------------------------------------------------ */

struct QProblem {
    int64_t B, A;
    float coef;
    std::vector<float> q, targets;
    std::vector<int32_t> actions;
};

QProblem make_q_problem(uint64_t seed, int64_t B, int64_t A, float coef) {
    Rng rng(seed);
    QProblem p{B, A, coef, rng.vec(B * A, -3, 3), rng.vec(B, -3, 3), std::vector<int32_t>(B)};
    for (int64_t i = 0; i < B; i++) p.actions[i] = static_cast<int32_t>(rng.next() % uint64_t(A));
    return p;
}

/* L = sum_i coef * (y_i - q[i, a_i])^2 in double; the targets are constants. */
double q_loss(const std::vector<double> &q, const QProblem &p) {
    double L = 0.0;
    for (int64_t i = 0; i < p.B; i++) {
        const double err = static_cast<double>(p.targets[i]) - q[i * p.A + p.actions[i]];
        L += static_cast<double>(p.coef) * err * err;
    }
    return L;
}

void check_q_loss(const QProblem &p) {
    const int64_t B = p.B, A = p.A;
    std::vector<double> qd = to_double(p.q);
    const std::vector<double> gq = numeric_gradient(qd, [&]() { return q_loss(qd, p); });
    const double expected_loss = q_loss(qd, p);

    // outputs start at 99: the loss overwrites them (every column, not only the taken one)
    std::vector<float> dq(B * A, 99.0f), stats(1, 99.0f);
    CHECK_STATUS(asyncrl_q_loss_backward(dq.data(), stats.data(), p.q.data(), p.actions.data(),
                                         p.targets.data(), B, A, p.coef),
                 ASYNCRL_OK);
    for (size_t k = 0; k < dq.size(); k++) CHECK_CLOSE(dq[k], gq[k], kRtol, kAtol);
    for (int64_t i = 0; i < B; i++) {
        for (int64_t j = 0; j < A; j++) {
            if (j != p.actions[i]) CHECK(dq[i * A + j] == 0.0f);
        }
    }
    CHECK_CLOSE(stats[0], expected_loss, 1e-6, 1e-7);
}

void test_q_loss_backward() {
    check_q_loss(make_q_problem(20, 1, 1, 1.0f));
    check_q_loss(make_q_problem(21, 5, 4, 0.5f));
    check_q_loss(make_q_problem(22, 16, 6, 1.0f));
    check_q_loss(make_q_problem(23, 7, 18, 2.5f));
    check_q_loss(make_q_problem(24, 4, 3, 0.0f));  // coef 0: zero gradient, zero loss

    // the same action on every row, and a row whose target equals its Q-value
    QProblem p = make_q_problem(25, 6, 4, 0.5f);
    for (int32_t &a : p.actions) a = 3;
    p.targets[2] = p.q[2 * p.A + 3];
    check_q_loss(p);
}

void test_q_loss_empty_batch() {
    // B = 0: nothing to do, and the loss is the empty sum
    float dq[1] = {9.0f}, stats[1] = {9.0f};
    const float q[1] = {0.0f}, targets[1] = {0.0f};
    const int32_t actions[1] = {0};
    CHECK_STATUS(asyncrl_q_loss_backward(dq, stats, q, actions, targets, 0, 3, 1.0f), ASYNCRL_OK);
    CHECK(dq[0] == 9.0f);
    CHECK(stats[0] == 0.0f);
}

void test_q_loss_bad_arguments() {
    const QProblem p = make_q_problem(26, 4, 3, 1.0f);
    const asyncrl_status E = ASYNCRL_ERR_BAD_ARGUMENT;
    std::vector<float> dq(p.B * p.A, 42.0f), stats(1, 42.0f);
    auto call = [&](const std::vector<int32_t> &actions, float coef) {
        return asyncrl_q_loss_backward(dq.data(), stats.data(), p.q.data(), actions.data(),
                                       p.targets.data(), p.B, p.A, coef);
    };
    // an action out of range in the last row: refused before any output is written
    std::vector<int32_t> actions = p.actions;
    for (int32_t bad : {-1, 3, 1000, std::numeric_limits<int32_t>::min()}) {
        actions[3] = bad;
        CHECK_STATUS(call(actions, 1.0f), E);
    }
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    for (float bad : {-1.0f, -0.0001f, nan, inf, -inf}) CHECK_STATUS(call(p.actions, bad), E);
    for (float d : dq) CHECK(d == 42.0f);
    CHECK(stats[0] == 42.0f);
    // the edges of coef's domain are accepted
    CHECK_STATUS(call(p.actions, 0.0f), ASYNCRL_OK);
    CHECK_STATUS(call(p.actions, std::numeric_limits<float>::max()), ASYNCRL_OK);
}

/* ---- optimisation ------------------------------------------------------------------------------ */

void test_shared_rmsprop() {
    const int64_t N = 64;
    Rng rng(7);
    std::vector<float> theta = rng.vec(N, -1, 1), g = rng.vec(N, 0, 0.1f), dtheta = rng.vec(N, -1, 1);
    g[0] = 0.0f;  // with eps > 0 a zero statistic is fine
    const float lr = 7e-4f, alpha = 0.99f, eps = 0.1f;

    std::vector<double> theta_d = to_double(theta), g_d = to_double(g);
    for (int step = 0; step < 3; step++) {
        CHECK_STATUS(asyncrl_shared_rmsprop(theta.data(), g.data(), dtheta.data(), N, lr, alpha, eps),
                     ASYNCRL_OK);
        for (int64_t i = 0; i < N; i++) {
            const double d = dtheta[i];
            g_d[i] = static_cast<double>(alpha) * g_d[i] + (1.0 - static_cast<double>(alpha)) * d * d;
            theta_d[i] -= static_cast<double>(lr) * d / std::sqrt(g_d[i] + static_cast<double>(eps));
        }
        for (int64_t i = 0; i < N; i++) {
            CHECK_CLOSE(g[i], g_d[i], 1e-5, 1e-9);
            CHECK_CLOSE(theta[i], theta_d[i], 1e-6, 1e-7);
        }
    }

    // refused coefficients leave theta and g as they were
    const std::vector<float> theta_before = theta, g_before = g;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float bad[][3] = {{lr, 1.5f, eps}, {lr, -0.1f, eps}, {lr, nan, eps}, {lr, alpha, -1.0f},
                            {-1.0f, alpha, eps}, {nan, alpha, eps}, {lr, alpha, nan}};
    for (const auto &c : bad) {
        CHECK_STATUS(asyncrl_shared_rmsprop(theta.data(), g.data(), dtheta.data(), N, c[0], c[1], c[2]),
                     ASYNCRL_ERR_BAD_ARGUMENT);
    }
    CHECK(theta == theta_before && g == g_before);
    // the edges of the domain are accepted
    CHECK_STATUS(asyncrl_shared_rmsprop(theta.data(), g.data(), dtheta.data(), N, 0.0f, 1.0f, 0.0f),
                 ASYNCRL_OK);
    CHECK_STATUS(asyncrl_shared_rmsprop(theta.data(), g.data(), dtheta.data(), N, 0.0f, 0.0f, eps),
                 ASYNCRL_OK);
    CHECK_STATUS(asyncrl_shared_rmsprop(theta.data(), g.data(), dtheta.data(), 0, lr, alpha, eps),
                 ASYNCRL_OK);
}

void test_momentum_sgd() {
    const int64_t N = 64;
    const float lr = 1e-2f, alpha = 0.9f;
    Rng rng(12);
    std::vector<float> theta = rng.vec(N, -1, 1), m = rng.vec(N, -0.5f, 0.5f);
    std::vector<double> theta_d = to_double(theta), m_d = to_double(m);
    for (int step = 0; step < 5; step++) {
        std::vector<float> dtheta = rng.vec(N, -2, 2);
        const std::vector<float> dtheta_before = dtheta;
        CHECK_STATUS(asyncrl_momentum_sgd(theta.data(), m.data(), dtheta.data(), N, lr, alpha),
                     ASYNCRL_OK);
        CHECK(dtheta == dtheta_before);  // read only
        for (int64_t i = 0; i < N; i++) {
            const double d = dtheta[i];
            m_d[i] = static_cast<double>(alpha) * m_d[i] + (1.0 - static_cast<double>(alpha)) * d;
            theta_d[i] -= static_cast<double>(lr) * m_d[i];
        }
        for (int64_t i = 0; i < N; i++) {
            CHECK_CLOSE(m[i], m_d[i], 1e-5, 1e-6);
            CHECK_CLOSE(theta[i], theta_d[i], 1e-6, 1e-7);
        }
    }

    // the ends of alpha's domain: alpha = 0 is plain SGD, alpha = 1 keeps m and ignores dtheta
    {
        float t[3] = {1.0f, -2.0f, 3.0f}, mm[3] = {5.0f, 5.0f, 5.0f};
        const float d[3] = {1.0f, 2.0f, -4.0f};
        CHECK_STATUS(asyncrl_momentum_sgd(t, mm, d, 3, 0.5f, 0.0f), ASYNCRL_OK);
        CHECK(mm[0] == 1.0f && mm[1] == 2.0f && mm[2] == -4.0f);
        CHECK(t[0] == 0.5f && t[1] == -3.0f && t[2] == 5.0f);
        CHECK_STATUS(asyncrl_momentum_sgd(t, mm, d, 3, 0.5f, 1.0f), ASYNCRL_OK);
        CHECK(mm[0] == 1.0f && mm[1] == 2.0f && mm[2] == -4.0f);
        CHECK(t[0] == 0.0f && t[1] == -4.0f && t[2] == 7.0f);
        // lr = 0 updates m only
        const float d2[3] = {3.0f, 0.0f, 0.0f};
        CHECK_STATUS(asyncrl_momentum_sgd(t, mm, d2, 3, 0.0f, 0.5f), ASYNCRL_OK);
        CHECK(mm[0] == 2.0f && mm[1] == 1.0f && mm[2] == -2.0f);
        CHECK(t[0] == 0.0f && t[1] == -4.0f && t[2] == 7.0f);
    }

    // refused coefficients leave theta and m as they were
    std::vector<float> dtheta = rng.vec(N, -1, 1);
    const std::vector<float> theta_before = theta, m_before = m;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const float bad[][2] = {{lr, 1.5f}, {lr, -0.1f}, {lr, nan}, {lr, inf}, {-1.0f, alpha},
                            {nan, alpha}, {inf, alpha}, {-inf, alpha}};
    for (const auto &c : bad) {
        CHECK_STATUS(asyncrl_momentum_sgd(theta.data(), m.data(), dtheta.data(), N, c[0], c[1]),
                     ASYNCRL_ERR_BAD_ARGUMENT);
    }
    CHECK(theta == theta_before && m == m_before);
    CHECK_STATUS(asyncrl_momentum_sgd(theta.data(), m.data(), dtheta.data(), 0, lr, alpha), ASYNCRL_OK);
    CHECK(theta == theta_before && m == m_before);
    CHECK_STATUS(asyncrl_momentum_sgd(theta.data(), m.data(), dtheta.data(), N,
                                      std::numeric_limits<float>::max(), alpha),
                 ASYNCRL_OK);
}

void test_clip_grad_norm() {
    float norm = -1.0f;
    {
        float grad[2] = {3.0f, 4.0f};
        CHECK_STATUS(asyncrl_clip_grad_norm(grad, &norm, 2, 10.0f), ASYNCRL_OK);
        CHECK(norm == 5.0f && grad[0] == 3.0f && grad[1] == 4.0f);  // under the limit: untouched
        CHECK_STATUS(asyncrl_clip_grad_norm(grad, &norm, 2, 2.5f), ASYNCRL_OK);
        CHECK(norm == 5.0f);  // the norm before clipping
        CHECK_CLOSE(grad[0], 1.5, 1e-7, 0.0);
        CHECK_CLOSE(grad[1], 2.0, 1e-7, 0.0);
        CHECK_STATUS(asyncrl_clip_grad_norm(grad, &norm, 2, 0.0f), ASYNCRL_OK);  // only measures
        CHECK_CLOSE(norm, 2.5, 1e-7, 0.0);
        CHECK_CLOSE(grad[0], 1.5, 1e-7, 0.0);
        CHECK_STATUS(asyncrl_clip_grad_norm(grad, &norm, 2, -1.0f), ASYNCRL_OK);
        CHECK_CLOSE(grad[0], 1.5, 1e-7, 0.0);
        CHECK_STATUS(asyncrl_clip_grad_norm(grad, &norm, 2, std::numeric_limits<float>::quiet_NaN()),
                     ASYNCRL_ERR_BAD_ARGUMENT);
    }
    {
        const int64_t N = 1000;
        Rng rng(8);
        std::vector<float> grad = rng.vec(N, -1, 1);
        const std::vector<float> before = grad;
        double sum = 0.0;
        for (float v : grad) sum += static_cast<double>(v) * static_cast<double>(v);
        const double expected = std::sqrt(sum);
        CHECK_STATUS(asyncrl_clip_grad_norm(grad.data(), &norm, N, 1.0f), ASYNCRL_OK);
        CHECK_CLOSE(norm, expected, 1e-7, 0.0);
        double clipped = 0.0;
        for (int64_t i = 0; i < N; i++) {
            CHECK_CLOSE(grad[i], static_cast<double>(before[i]) / expected, 1e-6, 0.0);
            clipped += static_cast<double>(grad[i]) * static_cast<double>(grad[i]);
        }
        CHECK_CLOSE(std::sqrt(clipped), 1.0, 1e-6, 0.0);
    }
    {
        // a NaN or infinite gradient: NON_FINITE and the gradient is left as it was
        const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                                  std::numeric_limits<float>::infinity()};
        for (float special : specials) {
            float grad[3] = {1.0f, special, 2.0f};
            CHECK_STATUS(asyncrl_clip_grad_norm(grad, &norm, 3, 1.0f), ASYNCRL_ERR_NON_FINITE);
            CHECK(!std::isfinite(norm));
            CHECK(grad[0] == 1.0f && grad[2] == 2.0f);
        }
        // finite elements whose norm exceeds FLT_MAX cannot be reported either
        float big[2] = {3e38f, 3e38f};
        CHECK_STATUS(asyncrl_clip_grad_norm(big, &norm, 2, 1.0f), ASYNCRL_ERR_NON_FINITE);
        CHECK(big[0] == 3e38f);
    }
    {
        float empty[1] = {5.0f};
        CHECK_STATUS(asyncrl_clip_grad_norm(empty, &norm, 0, 1.0f), ASYNCRL_OK);
        CHECK(norm == 0.0f && empty[0] == 5.0f);
    }
}

void test_copy() {
    Rng rng(9);
    std::vector<float> src = rng.vec(33, -1, 1), dst(33, 0.0f);
    CHECK_STATUS(asyncrl_copy(dst.data(), src.data(), 33), ASYNCRL_OK);
    CHECK(dst == src);
    CHECK_STATUS(asyncrl_copy(dst.data(), dst.data(), 33), ASYNCRL_OK);
    CHECK(dst == src);
    // overlapping ranges behave as memmove
    CHECK_STATUS(asyncrl_copy(dst.data() + 1, dst.data(), 32), ASYNCRL_OK);
    CHECK(dst[0] == src[0] && dst[1] == src[0] && dst[32] == src[31]);
    CHECK_STATUS(asyncrl_copy(dst.data(), src.data(), 0), ASYNCRL_OK);
}

/* ---- status codes --------------------------------------------------------------------------- */

void test_identity_and_status_strings() {
    CHECK(asyncrl_kernel_version() == ASYNCRL_KERNEL_VERSION);
    CHECK(std::strcmp(asyncrl_kernel_name(), "reference") == 0);
    for (asyncrl_status s = ASYNCRL_OK; s <= ASYNCRL_ERR_NON_FINITE; s++) {
        const char *text = asyncrl_status_string(s);
        CHECK(text != nullptr && std::strcmp(text, "unknown status") != 0);
        for (asyncrl_status t = ASYNCRL_OK; t < s; t++) {
            CHECK(std::strcmp(text, asyncrl_status_string(t)) != 0);
        }
    }
    CHECK(std::strcmp(asyncrl_status_string(-1), "unknown status") == 0);
    CHECK(std::strcmp(asyncrl_status_string(5), "unknown status") == 0);
}

void test_null_pointers() {
    float f[64] = {};
    float *o = f;  // any valid buffer: every call below is refused before touching memory
    const float *i = f;
    const int32_t act[4] = {};
    const asyncrl_status E = ASYNCRL_ERR_NULL_POINTER;

    CHECK_STATUS(asyncrl_dense_forward(nullptr, i, i, i, 1, 1, 1), E);
    CHECK_STATUS(asyncrl_dense_forward(o, nullptr, i, i, 1, 1, 1), E);
    CHECK_STATUS(asyncrl_dense_forward(o, i, nullptr, i, 1, 1, 1), E);
    CHECK_STATUS(asyncrl_dense_forward(o, i, i, nullptr, 1, 1, 1), E);
    // dx may be NULL, nothing else may
    CHECK_STATUS(asyncrl_dense_backward(o, nullptr, o, i, i, i, 1, 1, 1), E);
    CHECK_STATUS(asyncrl_dense_backward(o, o, nullptr, i, i, i, 1, 1, 1), E);
    CHECK_STATUS(asyncrl_dense_backward(o, o, o, nullptr, i, i, 1, 1, 1), E);
    CHECK_STATUS(asyncrl_dense_backward(o, o, o, i, nullptr, i, 1, 1, 1), E);
    CHECK_STATUS(asyncrl_dense_backward(o, o, o, i, i, nullptr, 1, 1, 1), E);

    asyncrl_status (*forwards[])(float *, const float *, int64_t) = {
        asyncrl_relu_forward, asyncrl_tanh_forward, asyncrl_copy};
    for (auto fwd : forwards) {
        CHECK_STATUS(fwd(nullptr, i, 1), E);
        CHECK_STATUS(fwd(o, nullptr, 1), E);
        CHECK_STATUS(fwd(nullptr, i, 0), E);  // pointers are required even when empty
    }
    asyncrl_status (*backwards[])(float *, const float *, const float *, int64_t) = {
        asyncrl_relu_backward, asyncrl_tanh_backward};
    for (auto bwd : backwards) {
        CHECK_STATUS(bwd(nullptr, i, i, 1), E);
        CHECK_STATUS(bwd(o, nullptr, i, 1), E);
        CHECK_STATUS(bwd(o, i, nullptr, 1), E);
    }

    CHECK_STATUS(asyncrl_a3c_loss_backward(nullptr, o, o, i, i, act, i, 1, 2, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_a3c_loss_backward(o, nullptr, o, i, i, act, i, 1, 2, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_a3c_loss_backward(o, o, nullptr, i, i, act, i, 1, 2, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_a3c_loss_backward(o, o, o, nullptr, i, act, i, 1, 2, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_a3c_loss_backward(o, o, o, i, nullptr, act, i, 1, 2, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_a3c_loss_backward(o, o, o, i, i, nullptr, i, 1, 2, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_a3c_loss_backward(o, o, o, i, i, act, nullptr, 1, 2, 0.0f, 0.5f), E);

    CHECK_STATUS(asyncrl_clip_grad_norm(nullptr, o, 1, 1.0f), E);
    CHECK_STATUS(asyncrl_clip_grad_norm(o, nullptr, 1, 1.0f), E);
    CHECK_STATUS(asyncrl_shared_rmsprop(nullptr, o, i, 1, 0.1f, 0.9f, 0.1f), E);
    CHECK_STATUS(asyncrl_shared_rmsprop(o, nullptr, i, 1, 0.1f, 0.9f, 0.1f), E);
    CHECK_STATUS(asyncrl_shared_rmsprop(o, o, nullptr, 1, 0.1f, 0.9f, 0.1f), E);

    CHECK_STATUS(asyncrl_q_loss_backward(nullptr, o, i, act, i, 1, 2, 1.0f), E);
    CHECK_STATUS(asyncrl_q_loss_backward(o, nullptr, i, act, i, 1, 2, 1.0f), E);
    CHECK_STATUS(asyncrl_q_loss_backward(o, o, nullptr, act, i, 1, 2, 1.0f), E);
    CHECK_STATUS(asyncrl_q_loss_backward(o, o, i, nullptr, i, 1, 2, 1.0f), E);
    CHECK_STATUS(asyncrl_q_loss_backward(o, o, i, act, nullptr, 1, 2, 1.0f), E);
    CHECK_STATUS(asyncrl_q_loss_backward(o, o, i, act, nullptr, 0, 2, 1.0f), E);  // even when empty
    CHECK_STATUS(asyncrl_momentum_sgd(nullptr, o, i, 1, 0.1f, 0.9f), E);
    CHECK_STATUS(asyncrl_momentum_sgd(o, nullptr, i, 1, 0.1f, 0.9f), E);
    CHECK_STATUS(asyncrl_momentum_sgd(o, o, nullptr, 1, 0.1f, 0.9f), E);
    CHECK_STATUS(asyncrl_momentum_sgd(o, o, nullptr, 0, 0.1f, 0.9f), E);
    // pointers come before sizes and values
    CHECK_STATUS(asyncrl_q_loss_backward(nullptr, o, i, act, i, -1, 0, -1.0f), E);
    CHECK_STATUS(asyncrl_momentum_sgd(o, nullptr, i, -1, -1.0f, 2.0f), E);

    // conv2d: dx may be NULL, nothing else may
    CHECK_STATUS(asyncrl_conv2d_forward(nullptr, i, i, i, 1, 1, 2, 2, 1, 2, 1), E);
    CHECK_STATUS(asyncrl_conv2d_forward(o, nullptr, i, i, 1, 1, 2, 2, 1, 2, 1), E);
    CHECK_STATUS(asyncrl_conv2d_forward(o, i, nullptr, i, 1, 1, 2, 2, 1, 2, 1), E);
    CHECK_STATUS(asyncrl_conv2d_forward(o, i, i, nullptr, 1, 1, 2, 2, 1, 2, 1), E);
    CHECK_STATUS(asyncrl_conv2d_forward(o, i, i, nullptr, -1, 0, 0, 0, 0, 9, 0), E);
    CHECK_STATUS(asyncrl_conv2d_backward(o, nullptr, o, i, i, i, 1, 1, 2, 2, 1, 2, 1), E);
    CHECK_STATUS(asyncrl_conv2d_backward(o, o, nullptr, i, i, i, 1, 1, 2, 2, 1, 2, 1), E);
    CHECK_STATUS(asyncrl_conv2d_backward(o, o, o, nullptr, i, i, 1, 1, 2, 2, 1, 2, 1), E);
    CHECK_STATUS(asyncrl_conv2d_backward(o, o, o, i, nullptr, i, 1, 1, 2, 2, 1, 2, 1), E);
    CHECK_STATUS(asyncrl_conv2d_backward(o, o, o, i, i, nullptr, 1, 1, 2, 2, 1, 2, 1), E);

    // lstm_cell: every pointer of the forward; every one of the backward but dx
    for (int k = 0; k < 9; k++) {
        const float *p[9] = {o, o, o, i, i, i, i, i, i};
        p[k] = nullptr;
        CHECK_STATUS(asyncrl_lstm_cell_forward(const_cast<float *>(p[0]), const_cast<float *>(p[1]),
                                               const_cast<float *>(p[2]), p[3], p[4], p[5], p[6],
                                               p[7], p[8], 1, 1, 1),
                     E);
    }
    for (int k = 0; k < 15; k++) {
        if (k == 2) continue;  // dx is optional
        const float *p[15] = {o, o, o, o, o, o, i, i, i, i, i, i, i, i, i};
        p[k] = nullptr;
        CHECK_STATUS(asyncrl_lstm_cell_backward(const_cast<float *>(p[0]), const_cast<float *>(p[1]),
                                                const_cast<float *>(p[2]), const_cast<float *>(p[3]),
                                                const_cast<float *>(p[4]), const_cast<float *>(p[5]),
                                                p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13],
                                                p[14], 1, 1, 1),
                     E);
    }
    CHECK_STATUS(asyncrl_lstm_cell_forward(o, o, o, i, i, i, i, i, nullptr, -1, 0, 0), E);

    // gaussian_loss_backward: all nine
    for (int k = 0; k < 9; k++) {
        const float *p[9] = {o, o, o, o, i, i, i, i, i};
        p[k] = nullptr;
        CHECK_STATUS(asyncrl_gaussian_loss_backward(const_cast<float *>(p[0]), const_cast<float *>(p[1]),
                                                    const_cast<float *>(p[2]), const_cast<float *>(p[3]),
                                                    p[4], p[5], p[6], p[7], p[8], 1, 1, 0.0f, 0.5f),
                     E);
    }
    CHECK_STATUS(asyncrl_gaussian_loss_backward(o, o, o, o, i, i, i, nullptr, i, -1, 0, -1.0f, 0.5f), E);
}

void test_bad_sizes() {
    float f[64] = {};
    float *o = f;
    const float *i = f;
    const int32_t act[4] = {};
    const asyncrl_status E = ASYNCRL_ERR_BAD_SIZE;
    const int64_t huge = std::numeric_limits<int64_t>::max() / 2;

    // B >= 0, I >= 1, O >= 1; products must be addressable
    CHECK_STATUS(asyncrl_dense_forward(o, i, i, i, -1, 1, 1), E);
    CHECK_STATUS(asyncrl_dense_forward(o, i, i, i, 1, 0, 1), E);
    CHECK_STATUS(asyncrl_dense_forward(o, i, i, i, 1, 1, 0), E);
    CHECK_STATUS(asyncrl_dense_forward(o, i, i, i, 1, -4, 1), E);
    CHECK_STATUS(asyncrl_dense_forward(o, i, i, i, 1, 1, -4), E);
    CHECK_STATUS(asyncrl_dense_forward(o, i, i, i, huge, huge, 1), E);
    CHECK_STATUS(asyncrl_dense_backward(o, o, o, i, i, i, -1, 1, 1), E);
    CHECK_STATUS(asyncrl_dense_backward(o, o, o, i, i, i, 1, 0, 1), E);
    CHECK_STATUS(asyncrl_dense_backward(o, o, o, i, i, i, 1, 1, 0), E);
    CHECK_STATUS(asyncrl_dense_backward(o, o, o, i, i, i, 1, huge, huge), E);

    CHECK_STATUS(asyncrl_relu_forward(o, i, -1), E);
    CHECK_STATUS(asyncrl_relu_backward(o, i, i, -1), E);
    CHECK_STATUS(asyncrl_tanh_forward(o, i, -1), E);
    CHECK_STATUS(asyncrl_tanh_backward(o, i, i, -1), E);
    CHECK_STATUS(asyncrl_copy(o, i, -1), E);
    CHECK_STATUS(asyncrl_copy(o, i, huge), E);
    CHECK_STATUS(asyncrl_clip_grad_norm(o, o, -1, 1.0f), E);
    CHECK_STATUS(asyncrl_shared_rmsprop(o, o, i, -1, 0.1f, 0.9f, 0.1f), E);

    CHECK_STATUS(asyncrl_a3c_loss_backward(o, o, o, i, i, act, i, -1, 2, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_a3c_loss_backward(o, o, o, i, i, act, i, 1, 0, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_a3c_loss_backward(o, o, o, i, i, act, i, 1, -2, 0.0f, 0.5f), E);

    CHECK_STATUS(asyncrl_q_loss_backward(o, o, i, act, i, -1, 2, 1.0f), E);
    CHECK_STATUS(asyncrl_q_loss_backward(o, o, i, act, i, 1, 0, 1.0f), E);
    CHECK_STATUS(asyncrl_q_loss_backward(o, o, i, act, i, 1, -2, 1.0f), E);
    CHECK_STATUS(asyncrl_q_loss_backward(o, o, i, act, i, huge, huge, 1.0f), E);
    CHECK_STATUS(asyncrl_momentum_sgd(o, o, i, -1, 0.1f, 0.9f), E);
    CHECK_STATUS(asyncrl_momentum_sgd(o, o, i, huge, 0.1f, 0.9f), E);
    // sizes come before values
    CHECK_STATUS(asyncrl_q_loss_backward(o, o, i, act, i, -1, 2, -1.0f), E);
    CHECK_STATUS(asyncrl_momentum_sgd(o, o, i, -1, -1.0f, 2.0f), E);

    // conv2d: B >= 0; C, H, W, F, K, S >= 1; K <= H and K <= W; products addressable
    asyncrl_status (*conv_forward)(float *, const float *, const float *, const float *, int64_t,
                                   int64_t, int64_t, int64_t, int64_t, int64_t, int64_t) =
        asyncrl_conv2d_forward;
    auto conv_both = [&](int64_t B, int64_t C, int64_t H, int64_t W, int64_t F, int64_t K, int64_t S) {
        CHECK_STATUS(conv_forward(o, i, i, i, B, C, H, W, F, K, S), E);
        CHECK_STATUS(asyncrl_conv2d_backward(o, o, o, i, i, i, B, C, H, W, F, K, S), E);
        CHECK_STATUS(asyncrl_conv2d_backward(nullptr, o, o, i, i, i, B, C, H, W, F, K, S), E);
    };
    conv_both(-1, 1, 2, 2, 1, 2, 1);
    conv_both(1, 0, 2, 2, 1, 2, 1);
    conv_both(1, 1, 0, 2, 1, 1, 1);
    conv_both(1, 1, 2, 0, 1, 1, 1);
    conv_both(1, 1, 2, 2, 0, 2, 1);
    conv_both(1, 1, 2, 2, 1, 0, 1);
    conv_both(1, 1, 2, 2, 1, 2, 0);
    conv_both(1, 1, 2, 2, 1, 2, -3);
    conv_both(1, 1, 2, 3, 1, 3, 1);  // K > H
    conv_both(1, 1, 3, 2, 1, 3, 1);  // K > W
    conv_both(huge, huge, 2, 2, 1, 2, 1);
    conv_both(1, 1, 2, 2, huge, 2, 1);                         // w and y overflow
    conv_both(1, huge / 4, 2, 2, 1, 2, 1);                      // x overflows
    conv_both(-1, 1, 2, 2, 1, 2, 1);
    CHECK_STATUS(conv_forward(o, i, i, i, 0, 1, 2, 2, 1, 2, 1), ASYNCRL_OK);  // B = 0 is fine

    // lstm_cell: B >= 0, I >= 1, H >= 1; 4H x I, 4H x H, B x 4H addressable
    const int64_t lstm_bad[][3] = {{-1, 1, 1}, {1, 0, 1}, {1, 1, 0}, {1, -2, 1}, {1, 1, -2},
                                   {1, huge, 2}, {1, 1, huge / 4}, {huge, 1, 1}};
    for (const auto &d : lstm_bad) {
        CHECK_STATUS(asyncrl_lstm_cell_forward(o, o, o, i, i, i, i, i, i, d[0], d[1], d[2]), E);
        CHECK_STATUS(asyncrl_lstm_cell_backward(o, o, o, o, o, o, i, i, i, i, i, i, i, i, i, d[0],
                                                d[1], d[2]),
                     E);
    }

    // gaussian_loss_backward: B >= 0, D >= 1; sizes before values
    CHECK_STATUS(asyncrl_gaussian_loss_backward(o, o, o, o, i, i, i, i, i, -1, 2, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_gaussian_loss_backward(o, o, o, o, i, i, i, i, i, 1, 0, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_gaussian_loss_backward(o, o, o, o, i, i, i, i, i, 1, -2, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_gaussian_loss_backward(o, o, o, o, i, i, i, i, i, huge, huge, 0.0f, 0.5f), E);
    CHECK_STATUS(asyncrl_gaussian_loss_backward(o, o, o, o, i, i, i, i, i, 1, 0, -1.0f, 0.5f), E);
}

void test_a3c_bad_arguments() {
    const A3cProblem p = make_a3c_problem(10, 4, 3, 1.0f);
    const asyncrl_status E = ASYNCRL_ERR_BAD_ARGUMENT;
    std::vector<float> dlogits(p.B * p.A, 42.0f), dvalues(p.B, 42.0f), stats(3, 42.0f);
    auto call = [&](const std::vector<int32_t> &actions, float beta, float value_coef) {
        return asyncrl_a3c_loss_backward(dlogits.data(), dvalues.data(), stats.data(),
                                         p.logits.data(), p.values.data(), actions.data(),
                                         p.returns.data(), p.B, p.A, beta, value_coef);
    };
    // an action out of range in the last row: refused before any output is written
    std::vector<int32_t> actions = p.actions;
    for (int32_t bad : {-1, 3, 1000}) {
        actions[3] = bad;
        CHECK_STATUS(call(actions, 0.01f, 0.5f), E);
    }
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    CHECK_STATUS(call(p.actions, -0.01f, 0.5f), E);
    CHECK_STATUS(call(p.actions, 0.01f, -0.5f), E);
    CHECK_STATUS(call(p.actions, nan, 0.5f), E);
    CHECK_STATUS(call(p.actions, 0.01f, nan), E);
    CHECK_STATUS(call(p.actions, inf, 0.5f), E);
    for (float d : dlogits) CHECK(d == 42.0f);
    for (float d : dvalues) CHECK(d == 42.0f);
    for (float s : stats) CHECK(s == 42.0f);
    // zero coefficients are allowed
    CHECK_STATUS(call(p.actions, 0.0f, 0.0f), ASYNCRL_OK);
}

const TestCase kKernelTests[] = {
    {"dense_forward", test_dense_forward},
    {"dense_backward (finite differences)", test_dense_backward},
    {"relu (finite differences)", test_relu},
    {"tanh (finite differences)", test_tanh},
    {"a3c_loss_backward (finite differences)", test_a3c_loss_backward},
    {"a3c_loss_backward with extreme logits", test_a3c_extreme_logits},
    {"a3c_loss_backward with B = 0", test_a3c_empty_batch},
    {"conv2d_forward", test_conv2d_forward},
    {"conv2d_backward (finite differences)", test_conv2d_backward},
    {"lstm_cell_forward", test_lstm_cell_forward},
    {"lstm_cell_backward (finite differences of a 3-step unroll)", test_lstm_cell_backward},
    {"gaussian_loss_backward (finite differences)", test_gaussian_loss_backward},
    {"gaussian_loss_backward with extreme v and B = 0", test_gaussian_loss_extremes},
    {"gaussian_loss_backward bad coefficients", test_gaussian_loss_bad_arguments},
    {"q_loss_backward (finite differences)", test_q_loss_backward},
    {"q_loss_backward with B = 0", test_q_loss_empty_batch},
    {"q_loss_backward bad actions and coef", test_q_loss_bad_arguments},
    {"shared_rmsprop against the scalar formula", test_shared_rmsprop},
    {"momentum_sgd against the scalar formula", test_momentum_sgd},
    {"clip_grad_norm", test_clip_grad_norm},
    {"copy", test_copy},
    {"version, name, status strings", test_identity_and_status_strings},
    {"NULL pointers", test_null_pointers},
    {"bad sizes", test_bad_sizes},
    {"bad actions and coefficients", test_a3c_bad_arguments},
};

/* ---- the libraries, as a loader sees them ------------------------------------------------------ */

/* Every symbol of contract version 3, in header order. */
const char *const kContractSymbols[] = {
    "asyncrl_kernel_version",     "asyncrl_kernel_name",
    "asyncrl_status_string",      "asyncrl_dense_forward",
    "asyncrl_dense_backward",     "asyncrl_relu_forward",
    "asyncrl_relu_backward",      "asyncrl_tanh_forward",
    "asyncrl_tanh_backward",      "asyncrl_conv2d_forward",
    "asyncrl_conv2d_backward",    "asyncrl_lstm_cell_forward",
    "asyncrl_lstm_cell_backward", "asyncrl_a3c_loss_backward",
    "asyncrl_gaussian_loss_backward", "asyncrl_q_loss_backward",
    "asyncrl_clip_grad_norm",     "asyncrl_shared_rmsprop",
    "asyncrl_momentum_sgd",       "asyncrl_copy",
};
static_assert(ASYNCRL_KERNEL_VERSION == 3, "kContractSymbols lists contract version 3");
static_assert(sizeof kContractSymbols / sizeof kContractSymbols[0] == 20,
              "contract version 3 has 20 functions");

const char *g_library_paths[3];

/* Calls the library's asyncrl_kernel_version; -1 if it does not export one. */
int32_t library_version(void *handle) {
    void *sym = dlsym(handle, "asyncrl_kernel_version");
    if (!sym) return -1;
    int32_t (*version)(void) = nullptr;
    static_assert(sizeof version == sizeof sym, "function and data pointers differ in size");
    std::memcpy(&version, &sym, sizeof sym);
    return version();
}

/* Opens a library privately (RTLD_LOCAL, as the JVM does), so its symbols do not clash. */
void *open_library(const char *path) {
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) std::fprintf(stderr, "  dlopen(%s): %s\n", path, dlerror());
    return handle;
}

void test_reference_library() {
    void *handle = open_library(g_library_paths[0]);
    CHECK(handle != nullptr);
    if (!handle) return;
    for (const char *name : kContractSymbols) CHECK(dlsym(handle, name) != nullptr);
    CHECK(library_version(handle) == ASYNCRL_KERNEL_VERSION);
    dlclose(handle);
}

void test_wrong_version_library() {
    void *handle = open_library(g_library_paths[1]);
    CHECK(handle != nullptr);
    if (!handle) return;
    for (const char *name : kContractSymbols) CHECK(dlsym(handle, name) != nullptr);
    CHECK(library_version(handle) == 99);
    dlclose(handle);
}

void test_incomplete_library() {
    void *handle = open_library(g_library_paths[2]);
    CHECK(handle != nullptr);
    if (!handle) return;
    CHECK(library_version(handle) == ASYNCRL_KERNEL_VERSION);
    CHECK(dlsym(handle, "asyncrl_kernel_name") != nullptr);
    for (const char *name : kContractSymbols) {
        const bool expected = std::strcmp(name, "asyncrl_kernel_version") == 0 ||
                              std::strcmp(name, "asyncrl_kernel_name") == 0;
        CHECK((dlsym(handle, name) != nullptr) == expected);
    }
    dlclose(handle);
}

const TestCase kLibraryTests[] = {
    {"reference library exports the whole contract", test_reference_library},
    {"wrong-version library reports 99", test_wrong_version_library},
    {"incomplete library exports only version and name", test_incomplete_library},
};

template <size_t Count>
int run_all(const TestCase (&tests)[Count]) {
    int passed = 0, failed = 0;
    for (const TestCase &test : tests) {
        g_failures_in_test = 0;
        test.run();
        if (g_failures_in_test == 0) {
            ++passed;
            std::printf("ok    %s\n", test.name);
        } else {
            ++failed;
            std::printf("FAIL  %s (%d failed checks)\n", test.name, g_failures_in_test);
        }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc >= 2 && std::strcmp(argv[1], "--libraries") == 0) {
        if (argc != 5) {
            std::fprintf(stderr, "usage: %s --libraries REFERENCE WRONG_VERSION INCOMPLETE\n", argv[0]);
            return 2;
        }
        for (int k = 0; k < 3; k++) g_library_paths[k] = argv[k + 2];
        return run_all(kLibraryTests);
    }
    if (argc != 1) {
        std::fprintf(stderr, "usage: %s [--libraries REFERENCE WRONG_VERSION INCOMPLETE]\n", argv[0]);
        return 2;
    }
    return run_all(kKernelTests);
}
