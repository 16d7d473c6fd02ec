/*
 * Native tests of the reference kernel (linked as libasyncrl_reference.so):
 *   - every backward against central finite differences of a loss computed here in double;
 *   - shared RMSProp and momentum SGD against their scalar formulas, gradient-norm clipping, copy;
 *   - the status codes: NULL pointers, negative or zero sizes, bad actions and coefficients.
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
    // The advantage is a constant of the policy loss: it uses the values before any perturbation.
    std::vector<double> advantage(B);
    for (int64_t i = 0; i < B; i++) {
        advantage[i] = static_cast<double>(p.returns[i]) - static_cast<double>(p.values[i]);
    }
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

/* Every symbol of contract version 2, in header order. */
const char *const kContractSymbols[] = {
    "asyncrl_kernel_version",    "asyncrl_kernel_name",     "asyncrl_status_string",
    "asyncrl_dense_forward",     "asyncrl_dense_backward",  "asyncrl_relu_forward",
    "asyncrl_relu_backward",     "asyncrl_tanh_forward",    "asyncrl_tanh_backward",
    "asyncrl_a3c_loss_backward", "asyncrl_q_loss_backward", "asyncrl_clip_grad_norm",
    "asyncrl_shared_rmsprop",    "asyncrl_momentum_sgd",    "asyncrl_copy",
};
static_assert(ASYNCRL_KERNEL_VERSION == 2, "kContractSymbols lists contract version 2");
static_assert(sizeof kContractSymbols / sizeof kContractSymbols[0] == 15,
              "contract version 2 has 15 functions");

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
