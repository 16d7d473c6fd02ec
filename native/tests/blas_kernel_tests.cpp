/*
 * Tests of the blas kernel that need no OpenBLAS: usage `blas_kernel_tests LIBBLAS LIBREFERENCE`.
 * Opens both libraries with dlopen and checks that the blas kernel
 *   - exports the contract and asyncrl_blas_bind, and not its hidden reference copies;
 *   - refuses every compute function with ASYNCRL_ERR_NULL_POINTER before it is bound, and a
 *     NULL bind;
 *   - once bound to the plain-loop sgemm below (a stand-in with cblas_sgemm's signature and
 *     row-major semantics), agrees with the reference kernel on dense, conv2d and the LSTM cell,
 *     on shapes that take one scratch block, several, and (conv2d) the reference fallback.
 * Java's conformance check (asyncrl kernel check blas) runs the same comparisons with OpenBLAS.
 */
#include "asyncrl/blas_ext.h"

#include <dlfcn.h>

#include "dl_kernel.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

int g_failures = 0;

void expect(bool ok, const char *what) {
    if (!ok) {
        std::fprintf(stderr, "  FAIL: %s\n", what);
        g_failures++;
    }
}

/* cblas_sgemm for row-major storage, as plain loops in double. */
void naive_sgemm(int order, int trans_a, int trans_b, int32_t M, int32_t N, int32_t K, float alpha,
                 const float *A, int32_t lda, const float *B, int32_t ldb, float beta, float *C,
                 int32_t ldc) {
    if (order != ASYNCRL_CBLAS_ROW_MAJOR) return;
    for (int32_t i = 0; i < M; i++) {
        for (int32_t j = 0; j < N; j++) {
            double acc = 0.0;
            for (int32_t k = 0; k < K; k++) {
                const float a = trans_a == ASYNCRL_CBLAS_TRANS ? A[k * lda + i] : A[i * lda + k];
                const float b = trans_b == ASYNCRL_CBLAS_TRANS ? B[j * ldb + k] : B[k * ldb + j];
                acc += static_cast<double>(a) * static_cast<double>(b);
            }
            float &c = C[i * ldc + j];
            c = static_cast<float>(static_cast<double>(alpha) * acc +
                                   (beta == 0.0f ? 0.0 : static_cast<double>(beta) * static_cast<double>(c)));
        }
    }
}


std::vector<float> random(int64_t n) {
    std::vector<float> v(static_cast<size_t>(n > 0 ? n : 1));
    for (float &x : v) x = next_uniform();
    return v;
}

/* max|a - b| <= 1e-5 * max(max|b|, 1) */
bool close(const std::vector<float> &a, const std::vector<float> &b) {
    double diff = 0.0, scale = 1.0;
    for (size_t i = 0; i < a.size(); i++) {
        diff = std::fmax(diff, std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
        scale = std::fmax(scale, std::fabs(static_cast<double>(b[i])));
    }
    return diff <= 1e-5 * scale;
}

void check_dense(const Lib &blas, const Lib &ref, int64_t B, int64_t I, int64_t O) {
    std::vector<float> x = random(B * I), w = random(O * I), b = random(O), dy = random(B * O);
    std::vector<float> y1(static_cast<size_t>(B * O + 1)), y2 = y1;
    expect(KERNEL_FN(blas, asyncrl_dense_forward)(y1.data(), x.data(), w.data(), b.data(), B, I, O) == 0 &&
               KERNEL_FN(ref, asyncrl_dense_forward)(y2.data(), x.data(), w.data(), b.data(), B, I, O) == 0 &&
               close(y1, y2),
           "dense_forward agrees with the reference");
    std::vector<float> dx1 = random(B * I), dw1 = random(O * I), db1 = random(O);
    std::vector<float> dx2 = dx1, dw2 = dw1, db2 = db1;
    expect(KERNEL_FN(blas, asyncrl_dense_backward)(dx1.data(), dw1.data(), db1.data(), dy.data(), x.data(),
                                                     w.data(), B, I, O) == 0 &&
               KERNEL_FN(ref, asyncrl_dense_backward)(dx2.data(), dw2.data(), db2.data(), dy.data(), x.data(),
                                                        w.data(), B, I, O) == 0 &&
               close(dx1, dx2) && close(dw1, dw2) && close(db1, db2),
           "dense_backward agrees with the reference");
}

void check_conv(const Lib &blas, const Lib &ref, int64_t B, int64_t C, int64_t H, int64_t W, int64_t F,
                int64_t K, int64_t S) {
    const int64_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1;
    std::vector<float> x = random(B * C * H * W), w = random(F * C * K * K), b = random(F),
                       dy = random(B * F * Ho * Wo);
    std::vector<float> y1(static_cast<size_t>(B * F * Ho * Wo + 1)), y2 = y1;
    expect(KERNEL_FN(blas, asyncrl_conv2d_forward)(y1.data(), x.data(), w.data(), b.data(), B, C, H, W, F, K, S) == 0 &&
               KERNEL_FN(ref, asyncrl_conv2d_forward)(y2.data(), x.data(), w.data(), b.data(), B, C, H, W, F, K, S) == 0 &&
               close(y1, y2),
           "conv2d_forward agrees with the reference");
    std::vector<float> dx1 = random(B * C * H * W), dw1 = random(F * C * K * K), db1 = random(F);
    std::vector<float> dx2 = dx1, dw2 = dw1, db2 = db1;
    expect(KERNEL_FN(blas, asyncrl_conv2d_backward)(dx1.data(), dw1.data(), db1.data(), dy.data(), x.data(),
                                                     w.data(), B, C, H, W, F, K, S) == 0 &&
               KERNEL_FN(ref, asyncrl_conv2d_backward)(dx2.data(), dw2.data(), db2.data(), dy.data(), x.data(),
                                                        w.data(), B, C, H, W, F, K, S) == 0 &&
               close(dx1, dx2) && close(dw1, dw2) && close(db1, db2),
           "conv2d_backward agrees with the reference");
}

void check_lstm(const Lib &blas, const Lib &ref, int64_t B, int64_t I, int64_t H) {
    const int64_t G = 4 * H;
    std::vector<float> x = random(B * I), hp = random(B * H), cp = random(B * H), wih = random(G * I),
                       whh = random(G * H), b = random(G), dh = random(B * H), dc = random(B * H);
    std::vector<float> h1(static_cast<size_t>(B * H + 1)), c1 = h1, g1(static_cast<size_t>(B * G + 1));
    std::vector<float> h2 = h1, c2 = c1, g2 = g1;
    expect(KERNEL_FN(blas, asyncrl_lstm_cell_forward)(h1.data(), c1.data(), g1.data(), x.data(), hp.data(),
                                                       cp.data(), wih.data(), whh.data(), b.data(), B, I, H) == 0 &&
               KERNEL_FN(ref, asyncrl_lstm_cell_forward)(h2.data(), c2.data(), g2.data(), x.data(), hp.data(),
                                                          cp.data(), wih.data(), whh.data(), b.data(), B, I, H) == 0 &&
               close(h1, h2) && close(c1, c2) && close(g1, g2),
           "lstm_cell_forward agrees with the reference");
    std::vector<float> dhp1(h1.size()), dcp1(h1.size()), dx1 = random(B * I), dwih1 = random(G * I),
                       dwhh1 = random(G * H), db1 = random(G);
    std::vector<float> dhp2 = dhp1, dcp2 = dcp1, dx2 = dx1, dwih2 = dwih1, dwhh2 = dwhh1, db2 = db1;
    expect(KERNEL_FN(blas, asyncrl_lstm_cell_backward)(dhp1.data(), dcp1.data(), dx1.data(), dwih1.data(),
                                                        dwhh1.data(), db1.data(), dh.data(), dc.data(), x.data(),
                                                        hp.data(), cp.data(), c2.data(), g2.data(), wih.data(),
                                                        whh.data(), B, I, H) == 0 &&
               KERNEL_FN(ref, asyncrl_lstm_cell_backward)(dhp2.data(), dcp2.data(), dx2.data(), dwih2.data(),
                                                           dwhh2.data(), db2.data(), dh.data(), dc.data(), x.data(),
                                                           hp.data(), cp.data(), c2.data(), g2.data(), wih.data(),
                                                           whh.data(), B, I, H) == 0 &&
               close(dhp1, dhp2) && close(dcp1, dcp2) && close(dx1, dx2) && close(dwih1, dwih2) &&
               close(dwhh1, dwhh2) && close(db1, db2),
           "lstm_cell_backward agrees with the reference");
}

}  // namespace

int main(int argc, char **argv) {
    Lib blas{}, ref{};
    if (!open_libraries(argc, argv, 2, "LIBBLAS LIBREFERENCE", &blas, &ref)) return 2;

    expect(KERNEL_FN(blas, asyncrl_blas_bind) != nullptr, "exports asyncrl_blas_bind");
    expect(KERNEL_FN(ref, asyncrl_blas_bind) == nullptr, "the reference kernel does not export asyncrl_blas_bind");
    expect(blas.fn<Unary>("asyncrl_reference_copy") == nullptr, "the hidden reference copies are not exported");
    const char *(*name)() = blas.fn<const char *(*)()>("asyncrl_kernel_name");
    expect(name && std::strcmp(name(), "blas") == 0, "asyncrl_kernel_name is \"blas\"");

    // before binding: every compute function refuses, writing nothing
    float y[4] = {7, 7, 7, 7}, x[4] = {1, -1, 2, -2}, w[4] = {1, 1, 1, 1}, b[2] = {0, 0};
    expect(KERNEL_FN(blas, asyncrl_dense_forward)(y, x, w, b, 2, 2, 2) == ASYNCRL_ERR_NULL_POINTER,
           "dense_forward before bind is NULL_POINTER");
    expect(KERNEL_FN(blas, asyncrl_relu_forward)(y, x, 4) == ASYNCRL_ERR_NULL_POINTER,
           "relu_forward before bind is NULL_POINTER");
    expect(KERNEL_FN(blas, asyncrl_copy)(y, x, 4) == ASYNCRL_ERR_NULL_POINTER, "copy before bind is NULL_POINTER");
    expect(y[0] == 7 && y[3] == 7, "a refused call writes nothing");
    expect(KERNEL_FN(blas, asyncrl_blas_bind)(nullptr) == ASYNCRL_ERR_NULL_POINTER, "binding NULL is NULL_POINTER");
    expect(KERNEL_FN(blas, asyncrl_copy)(y, x, 4) == ASYNCRL_ERR_NULL_POINTER, "still unbound after a NULL bind");

    expect(KERNEL_FN(blas, asyncrl_blas_bind)(reinterpret_cast<void *>(&naive_sgemm)) == ASYNCRL_OK, "bind");
    expect(KERNEL_FN(blas, asyncrl_copy)(y, x, 4) == ASYNCRL_OK && y[1] == -1.0f, "copy once bound");
    expect(KERNEL_FN(blas, asyncrl_dense_forward)(y, x, w, b, 2, 2, 0) == ASYNCRL_ERR_BAD_SIZE,
           "bound, bad sizes are still BAD_SIZE");

    check_dense(blas, ref, 1, 1, 1);
    check_dense(blas, ref, 5, 64, 64);
    check_dense(blas, ref, 0, 3, 2);
    check_dense(blas, ref, 7, 13, 3);
    check_conv(blas, ref, 2, 4, 10, 10, 16, 3, 1);   // MinAtar's: one block per sample
    check_conv(blas, ref, 1, 4, 84, 84, 16, 8, 4);   // the paper's first layer: 400 pixels, several blocks
    check_conv(blas, ref, 2, 3, 9, 7, 5, 2, 3);      // stride that skips the last rows and columns
    check_conv(blas, ref, 0, 2, 5, 5, 3, 3, 1);      // empty batch
    check_conv(blas, ref, 1, 300, 8, 8, 2, 8, 1);    // C*K*K > scratch: the reference fallback
    check_lstm(blas, ref, 1, 3, 2);
    check_lstm(blas, ref, 70, 5, 64);                // 4H = 256: 64 rows a block, two blocks

    if (g_failures) {
        std::fprintf(stderr, "blas_kernel_tests: %d failures\n", g_failures);
        return 1;
    }
    std::printf("blas_kernel_tests: all passed\n");
    return 0;
}
