/*
 * Protects the gradients: every backward of the kernel contract (dense, relu, tanh, conv2d, the LSTM
 * cell, the A3C loss, the Gaussian-policy loss, the Q-learning loss), in the Java kernel and in the
 * reference C++ kernel, against central finite differences of a double-precision forward written
 * here from the formulas of kernel.h; the LSTM cell through a 3-step unroll whose backward is
 * chained through dh_prev and dc_prev, as truncated BPTT does it. The forwards of conv2d and the
 * LSTM cell against the same double-precision forwards. Also the contract's bookkeeping around the
 * gradients: dense, conv2d and LSTM backwards accumulate (+=) and skip a NULL dx; the losses
 * overwrite their outputs and report their statistics.
 */
package dev.asyncrl.kernel;

import static dev.asyncrl.kernel.KernelTestSupport.actions;
import static dev.asyncrl.kernel.KernelTestSupport.assertClose;
import static dev.asyncrl.kernel.KernelTestSupport.floats;
import static dev.asyncrl.kernel.KernelTestSupport.ints;
import static dev.asyncrl.kernel.KernelTestSupport.read;
import static dev.asyncrl.kernel.KernelTestSupport.toDouble;
import static dev.asyncrl.kernel.KernelTestSupport.uniform;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GradientCheckTest {

    /** Sum over rows of dy · y for y = x wᵀ + b, all in double: dL/dx = dy·w etc. */
    private static double denseLoss(double[] x, double[] w, double[] b, double[] dy, int batch, int in, int out) {
        double loss = 0;
        for (int r = 0; r < batch; r++) {
            for (int o = 0; o < out; o++) {
                double y = b[o];
                for (int i = 0; i < in; i++) y += x[r * in + i] * w[o * in + i];
                loss += dy[r * out + o] * y;
            }
        }
        return loss;
    }

    /** Central differences of loss with respect to every element of v (perturbed in place). */
    private static double[] centralDifferences(double[] v, double h, ToDoubleFunction<double[]> loss) {
        double[] grad = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double saved = v[i];
            v[i] = saved + h;
            double plus = loss.applyAsDouble(v);
            v[i] = saved - h;
            double minus = loss.applyAsDouble(v);
            v[i] = saved;
            grad[i] = (plus - minus) / (2 * h);
        }
        return grad;
    }

    private static double[] plus(float[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] + b[i];
        return out;
    }

    static Stream<Arguments> denseShapes() {
        return KernelTestSupport.withKernels(
                new Object[] {1, 1, 1}, new Object[] {1, 7, 3}, new Object[] {3, 5, 2},
                new Object[] {7, 13, 5}, new Object[] {16, 9, 11});
    }

    @ParameterizedTest(name = "{0} B={1} I={2} O={3}")
    @MethodSource("denseShapes")
    void denseBackwardMatchesFiniteDifferencesAndAccumulates(Kernel kernel, int batch, int in, int out) {
        SplittableRandom rng = new SplittableRandom(1000L * batch + 10L * in + out);
        float[] x = uniform(rng, batch * in, -1, 1);
        float[] w = uniform(rng, out * in, -1, 1);
        float[] b = uniform(rng, out, -1, 1);
        float[] dy = uniform(rng, batch * out, -1, 1);
        // the outputs start non-zero: the kernel must add into them
        float[] dx0 = uniform(rng, batch * in, -1, 1);
        float[] dw0 = uniform(rng, out * in, -1, 1);
        float[] db0 = uniform(rng, out, -1, 1);

        double[] xd = toDouble(x), wd = toDouble(w), bd = toDouble(b), dyd = toDouble(dy);
        double h = 1e-3;
        double[] gx = centralDifferences(xd, h, v -> denseLoss(v, wd, bd, dyd, batch, in, out));
        double[] gw = centralDifferences(wd, h, v -> denseLoss(xd, v, bd, dyd, batch, in, out));
        double[] gb = centralDifferences(bd, h, v -> denseLoss(xd, wd, v, dyd, batch, in, out));

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dx = floats(arena, dx0), dw = floats(arena, dw0), db = floats(arena, db0);
            kernel.denseBackward(dx, dw, db, floats(arena, dy), floats(arena, x), floats(arena, w), batch, in, out);
            assertClose("dx", read(dx, batch * in), plus(dx0, gx), 1e-4, 1e-5);
            assertClose("dw", read(dw, out * in), plus(dw0, gw), 1e-4, 1e-5);
            assertClose("db", read(db, out), plus(db0, gb), 1e-4, 1e-5);

            // dx = NULL: the input gradient is skipped, dw and db still accumulate
            MemorySegment dw2 = floats(arena, dw0), db2 = floats(arena, db0);
            kernel.denseBackward(MemorySegment.NULL, dw2, db2, floats(arena, dy), floats(arena, x), floats(arena, w),
                    batch, in, out);
            assertClose("dw (dx NULL)", read(dw2, out * in), plus(dw0, gw), 1e-4, 1e-5);
            assertClose("db (dx NULL)", read(db2, out), plus(db0, gb), 1e-4, 1e-5);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void denseBackwardCalledTwiceAddsTwice(Kernel kernel) {
        int batch = 4, in = 3, out = 5;
        SplittableRandom rng = new SplittableRandom(7);
        float[] x = uniform(rng, batch * in, -1, 1), w = uniform(rng, out * in, -1, 1), dy = uniform(rng, batch * out, -1, 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xs = floats(arena, x), ws = floats(arena, w), dys = floats(arena, dy);
            MemorySegment dx1 = floats(arena, new float[batch * in]), dw1 = floats(arena, new float[out * in]),
                    db1 = floats(arena, new float[out]);
            kernel.denseBackward(dx1, dw1, db1, dys, xs, ws, batch, in, out);
            MemorySegment dx2 = floats(arena, new float[batch * in]), dw2 = floats(arena, new float[out * in]),
                    db2 = floats(arena, new float[out]);
            kernel.denseBackward(dx2, dw2, db2, dys, xs, ws, batch, in, out);
            kernel.denseBackward(dx2, dw2, db2, dys, xs, ws, batch, in, out);
            assertClose("dx twice", read(dx2, batch * in), scaled(read(dx1, batch * in), 2), 1e-6, 1e-7);
            assertClose("dw twice", read(dw2, out * in), scaled(read(dw1, out * in), 2), 1e-6, 1e-7);
            assertClose("db twice", read(db2, out), scaled(read(db1, out), 2), 1e-6, 1e-7);
        }
    }

    private static double[] scaled(float[] a, double k) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = k * a[i];
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void denseBackwardWithEmptyBatchAddsNothing(Kernel kernel) {
        int in = 3, out = 2;
        float[] dw0 = {1, 2, 3, 4, 5, 6}, db0 = {7, 8};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dw = floats(arena, dw0), db = floats(arena, db0);
            kernel.denseBackward(floats(arena), dw, db, floats(arena), floats(arena), floats(arena, new float[6]), 0, in, out);
            assertArrayEquals(dw0, read(dw, 6));
            assertArrayEquals(db0, read(db, 2));
        }
    }

    static Stream<Arguments> elementwiseSizes() {
        return KernelTestSupport.withKernels(new Object[] {1}, new Object[] {2}, new Object[] {17}, new Object[] {64});
    }

    @ParameterizedTest(name = "{0} N={1}")
    @MethodSource("elementwiseSizes")
    void reluBackwardMatchesFiniteDifferences(Kernel kernel, int n) {
        SplittableRandom rng = new SplittableRandom(100 + n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // keep every x at least 10 steps h away from the kink at 0
            float v;
            do v = (float) (rng.nextDouble() * 2 - 1); while (Math.abs(v) < 0.05f);
            x[i] = v;
        }
        float[] dy = uniform(rng, n, -1, 1);
        double[] dyd = toDouble(dy);
        double[] expected = centralDifferences(toDouble(x), 1e-3, v -> {
            double loss = 0;
            for (int i = 0; i < n; i++) loss += dyd[i] * Math.max(v[i], 0);
            return loss;
        });
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = arena.allocate(Float.BYTES * n);
            kernel.reluForward(y, floats(arena, x), n);
            MemorySegment dx = floats(arena, uniform(rng, n, 5, 6));  // overwritten, not accumulated
            kernel.reluBackward(dx, floats(arena, dy), y, n);
            assertClose("relu dx", read(dx, n), expected, 1e-6, 1e-7);

            // dx may alias dy
            MemorySegment inPlace = floats(arena, dy);
            kernel.reluBackward(inPlace, inPlace, y, n);
            assertClose("relu dx in place", read(inPlace, n), expected, 1e-6, 1e-7);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void reluBackwardAtZeroPassesNothing(Kernel kernel) {
        // the contract's subgradient: dx = dy only where y > 0, so y = 0 (from x <= 0) gives 0
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dx = floats(arena, 9, 9, 9);
            kernel.reluBackward(dx, floats(arena, 1, 2, 3), floats(arena, 0f, -0f, 1e-30f), 3);
            assertArrayEquals(new float[] {0, 0, 3}, read(dx, 3));
        }
    }

    @ParameterizedTest(name = "{0} N={1}")
    @MethodSource("elementwiseSizes")
    void tanhBackwardMatchesFiniteDifferences(Kernel kernel, int n) {
        SplittableRandom rng = new SplittableRandom(200 + n);
        float[] x = uniform(rng, n, -3, 3);
        float[] dy = uniform(rng, n, -1, 1);
        double[] dyd = toDouble(dy);
        double[] expected = centralDifferences(toDouble(x), 1e-4, v -> {
            double loss = 0;
            for (int i = 0; i < n; i++) loss += dyd[i] * Math.tanh(v[i]);
            return loss;
        });
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = arena.allocate(Float.BYTES * n);
            kernel.tanhForward(y, floats(arena, x), n);
            MemorySegment dx = floats(arena, uniform(rng, n, 5, 6));  // overwritten, not accumulated
            kernel.tanhBackward(dx, floats(arena, dy), y, n);
            // y carries float rounding, which 1 - y² amplifies near |x| = 3 to ~1e-5 relative
            assertClose("tanh dx", read(dx, n), expected, 1e-4, 1e-6);

            MemorySegment inPlace = floats(arena, dy);
            kernel.tanhBackward(inPlace, inPlace, y, n);
            assertClose("tanh dx in place", read(inPlace, n), expected, 1e-4, 1e-6);
        }
    }

    // ---- A3C loss ----------------------------------------------------------------------------

    /**
     * Lp + Lv of kernel.h in double, with the advantage held at the given constants (the contract
     * lets no gradient flow through it into the value):
     * Σ_i [−log p(a_i)·adv_i − β·H_i] + Σ_i c·(R_i − V_i)².
     */
    private static double a3cLoss(double[] logits, double[] values, double[] adv, int[] act, double[] returns,
                                  int batch, int actionCount, double beta, double c) {
        double loss = 0;
        for (int r = 0; r < batch; r++) {
            double[] logp = logSoftmax(logits, r, actionCount);
            double h = 0;
            for (int j = 0; j < actionCount; j++) h -= Math.exp(logp[j]) * logp[j];
            loss += -logp[act[r]] * adv[r] - beta * h;
            double e = returns[r] - values[r];
            loss += c * e * e;
        }
        return loss;
    }

    private static double[] logSoftmax(double[] logits, int row, int actionCount) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < actionCount; j++) m = Math.max(m, logits[row * actionCount + j]);
        double s = 0;
        for (int j = 0; j < actionCount; j++) s += Math.exp(logits[row * actionCount + j] - m);
        double lse = m + Math.log(s);
        double[] out = new double[actionCount];
        for (int j = 0; j < actionCount; j++) out[j] = logits[row * actionCount + j] - lse;
        return out;
    }

    static Stream<Arguments> a3cCases() {
        // (B, A, entropy_beta, value_coef); beta large enough that a wrong entropy term shows
        return KernelTestSupport.withKernels(
                new Object[] {1, 1, 0.01f, 0.5f}, new Object[] {1, 2, 0.3f, 0.5f}, new Object[] {5, 3, 0.01f, 0.5f},
                new Object[] {8, 6, 0.7f, 1.3f}, new Object[] {13, 4, 1.0f, 0.0f}, new Object[] {3, 9, 0.0f, 0.25f});
    }

    @ParameterizedTest(name = "{0} B={1} A={2} beta={3} c={4}")
    @MethodSource("a3cCases")
    void a3cLossBackwardMatchesFiniteDifferences(Kernel kernel, int batch, int actionCount, float beta, float c) {
        SplittableRandom rng = new SplittableRandom(31L * batch + actionCount);
        float[] logits = uniform(rng, batch * actionCount, -3, 3);
        float[] values = uniform(rng, batch, -1, 1);
        float[] returns = uniform(rng, batch, -2, 2);
        int[] act = actions(rng, batch, actionCount);
        checkA3c(kernel, batch, actionCount, beta, c, logits, values, returns, act);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void a3cEntropyGradientAloneMatchesFiniteDifferences(Kernel kernel) {
        // returns = values: zero advantage, so dlogits is the entropy term alone
        int batch = 6, actionCount = 5;
        SplittableRandom rng = new SplittableRandom(77);
        float[] logits = uniform(rng, batch * actionCount, -2, 2);
        float[] values = uniform(rng, batch, -1, 1);
        checkA3c(kernel, batch, actionCount, 0.5f, 0.5f, logits, values, values.clone(), actions(rng, batch, actionCount));
    }

    private static void checkA3c(Kernel kernel, int batch, int actionCount, float beta, float c,
                                 float[] logits, float[] values, float[] returns, int[] act) {
        double[] zd = toDouble(logits), vd = toDouble(values), rd = toDouble(returns);
        double[] adv = new double[batch];
        for (int r = 0; r < batch; r++) adv[r] = rd[r] - vd[r];
        double h = 1e-5;
        double[] gLogits = centralDifferences(zd, h,
                z -> a3cLoss(z, vd, adv, act, rd, batch, actionCount, beta, c));
        double[] gValues = centralDifferences(vd, h,
                v -> a3cLoss(zd, v, adv, act, rd, batch, actionCount, beta, c));

        // the statistics in double, with the scale of their terms (for a tolerance under cancellation)
        double policy = 0, value = 0, entropy = 0, policyScale = 0, valueScale = 0, entropyScale = 0;
        for (int r = 0; r < batch; r++) {
            double[] logp = logSoftmax(zd, r, actionCount);
            double hr = 0;
            for (int j = 0; j < actionCount; j++) hr -= Math.exp(logp[j]) * logp[j];
            policy += -logp[act[r]] * adv[r];
            policyScale += Math.abs(logp[act[r]] * adv[r]);
            value += (double) c * adv[r] * adv[r];
            valueScale += (double) c * adv[r] * adv[r];
            entropy += hr;
            entropyScale += Math.abs(hr);
        }

        try (Arena arena = Arena.ofConfined()) {
            // outputs start as NaN: the loss overwrites them, it does not accumulate
            float[] nan = new float[batch * actionCount];
            Arrays.fill(nan, Float.NaN);
            MemorySegment dLogits = floats(arena, nan);
            MemorySegment dValues = floats(arena, Arrays.copyOf(nan, batch));
            MemorySegment stats = floats(arena, Float.NaN, Float.NaN, Float.NaN);
            kernel.a3cLossBackward(dLogits, dValues, stats, floats(arena, logits), floats(arena, values),
                    ints(arena, act), floats(arena, returns), batch, actionCount, beta, c);

            assertClose("dlogits", read(dLogits, batch * actionCount), gLogits, 1e-4, 1e-5);
            assertClose("dvalues", read(dValues, batch), gValues, 1e-5, 1e-6);
            float[] s = read(stats, 3);
            assertEquals(policy, s[0], 1e-5 * policyScale + 1e-6, "stats[0] policy loss without entropy");
            assertEquals(value, s[1], 1e-5 * valueScale + 1e-6, "stats[1] value loss");
            assertEquals(entropy, s[2], 1e-5 * entropyScale + 1e-6, "stats[2] entropy sum");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void a3cLossWithEmptyBatchReportsZeroStats(Kernel kernel) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stats = floats(arena, Float.NaN, Float.NaN, Float.NaN);
            kernel.a3cLossBackward(floats(arena), floats(arena), stats, floats(arena), floats(arena), ints(arena),
                    floats(arena), 0, 4, 0.01f, 0.5f);
            assertArrayEquals(new float[] {0, 0, 0}, read(stats, 3));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void a3cLossIsStableForLargeLogits(Kernel kernel) {
        // max-subtraction: logits of ±80 overflow a naive exp in float; the gradient must still be right
        int batch = 2, actionCount = 3;
        float[] logits = {80, -80, 0, 100, 99, -100};
        float[] values = {0.5f, -0.5f};
        float[] returns = {1, -1};
        int[] act = {1, 0};
        checkA3c(kernel, batch, actionCount, 0.01f, 0.5f, logits, values, returns, act);
    }

    // ---- conv2d ------------------------------------------------------------------------------

    /** y of conv2d_forward in double, from kernel.h's formula; shape = {B, C, H, W, F, K, S}. */
    private static double[] convForward(double[] x, double[] w, double[] b, int[] shape) {
        int batch = shape[0], ch = shape[1], height = shape[2], width = shape[3], filters = shape[4], k = shape[5], s = shape[6];
        int ho = (height - k) / s + 1, wo = (width - k) / s + 1;
        double[] y = new double[batch * filters * ho * wo];
        for (int n = 0; n < batch; n++)
            for (int f = 0; f < filters; f++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double acc = b[f];
                        for (int c = 0; c < ch; c++)
                            for (int ki = 0; ki < k; ki++)
                                for (int kj = 0; kj < k; kj++)
                                    acc += x[((n * ch + c) * height + oy * s + ki) * width + ox * s + kj]
                                            * w[((f * ch + c) * k + ki) * k + kj];
                        y[((n * filters + f) * ho + oy) * wo + ox] = acc;
                    }
        return y;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += a[i] * b[i];
        return sum;
    }

    static Stream<Arguments> convShapes() {
        // (B, C, H, W, F, K, S): K = H = W; S not dividing W − K (last column unread); S > K (gaps);
        // K = 1; the paper's first layer (8×8 stride 4) on a small image
        return KernelTestSupport.withKernels(
                new Object[] {1, 1, 3, 3, 1, 3, 1}, new Object[] {2, 3, 7, 6, 4, 3, 2}, new Object[] {2, 2, 9, 9, 3, 2, 3},
                new Object[] {3, 2, 4, 6, 2, 1, 1}, new Object[] {1, 4, 16, 16, 3, 8, 4});
    }

    @ParameterizedTest(name = "{0} B={1} C={2} H={3} W={4} F={5} K={6} S={7}")
    @MethodSource("convShapes")
    void conv2dMatchesTheFormulaAndFiniteDifferences(Kernel kernel, int batch, int ch, int height, int width,
                                                     int filters, int k, int s) {
        int[] shape = {batch, ch, height, width, filters, k, s};
        int ho = (height - k) / s + 1, wo = (width - k) / s + 1;
        int xn = batch * ch * height * width, wn = filters * ch * k * k, yn = batch * filters * ho * wo;
        SplittableRandom rng = new SplittableRandom(Arrays.hashCode(shape));
        float[] x = uniform(rng, xn, -1, 1), w = uniform(rng, wn, -1, 1), b = uniform(rng, filters, -1, 1);
        float[] dy = uniform(rng, yn, -1, 1);
        float[] dx0 = uniform(rng, xn, -1, 1), dw0 = uniform(rng, wn, -1, 1), db0 = uniform(rng, filters, -1, 1);

        double[] xd = toDouble(x), wd = toDouble(w), bd = toDouble(b), dyd = toDouble(dy);
        double h = 1e-3;  // the loss is linear in each of x, w, b: central differences are exact up to rounding
        double[] gx = centralDifferences(xd, h, v -> dot(dyd, convForward(v, wd, bd, shape)));
        double[] gw = centralDifferences(wd, h, v -> dot(dyd, convForward(xd, v, bd, shape)));
        double[] gb = centralDifferences(bd, h, v -> dot(dyd, convForward(xd, wd, v, shape)));

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = floats(arena, new float[yn]);
            kernel.conv2dForward(y, floats(arena, x), floats(arena, w), floats(arena, b), batch, ch, height, width,
                    filters, k, s);
            assertClose("y", read(y, yn), convForward(xd, wd, bd, shape), 1e-5, 1e-6);

            // the outputs start non-zero: the kernel must add into them
            MemorySegment dx = floats(arena, dx0), dw = floats(arena, dw0), db = floats(arena, db0);
            kernel.conv2dBackward(dx, dw, db, floats(arena, dy), floats(arena, x), floats(arena, w),
                    batch, ch, height, width, filters, k, s);
            float[] got = read(dx, xn);
            assertClose("dx", got, plus(dx0, gx), 1e-4, 1e-5);
            assertClose("dw", read(dw, wn), plus(dw0, gw), 1e-4, 1e-5);
            assertClose("db", read(db, filters), plus(db0, gb), 1e-4, 1e-5);
            for (int i = 0; i < xn; i++) {
                if (gx[i] == 0) assertEquals(dx0[i], got[i], "dx[" + i + "]: a pixel no output reads gets 0 added");
            }

            // dx = NULL: the input gradient is skipped, dw and db still accumulate
            MemorySegment dw2 = floats(arena, dw0), db2 = floats(arena, db0);
            kernel.conv2dBackward(MemorySegment.NULL, dw2, db2, floats(arena, dy), floats(arena, x), floats(arena, w),
                    batch, ch, height, width, filters, k, s);
            assertArrayEquals(read(dw, wn), read(dw2, wn), "dw (dx NULL)");
            assertArrayEquals(read(db, filters), read(db2, filters), "db (dx NULL)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void conv2dWithEmptyBatchWritesAndAddsNothing(Kernel kernel) {
        float[] dw0 = {1, 2, 3, 4, 5, 6, 7, 8}, db0 = {7, 8};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = floats(arena, 9f), dw = floats(arena, dw0), db = floats(arena, db0);
            kernel.conv2dForward(y, floats(arena), floats(arena, dw0), floats(arena, db0), 0, 1, 3, 3, 2, 2, 1);
            assertArrayEquals(new float[] {9}, read(y, 1));
            kernel.conv2dBackward(floats(arena), dw, db, floats(arena), floats(arena), floats(arena, dw0), 0, 1, 3, 3, 2, 2, 1);
            assertArrayEquals(dw0, read(dw, 8));
            assertArrayEquals(db0, read(db, 2));
        }
    }

    // ---- LSTM cell -----------------------------------------------------------------------------

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /**
     * A T-step LSTM unroll in double, from kernel.h's formulas: returns {h_1..h_T, c_1..c_T}, each
     * (B,H) flattened, with x (T,B,I), h0, c0 (B,H), wIh (4H,I), wHh (4H,H), b (4H).
     */
    private static double[][] lstmUnroll(int steps, int batch, int in, int hidden, double[] x, double[] h0, double[] c0,
                                         double[] wIh, double[] wHh, double[] b) {
        double[][] out = new double[2 * steps][];
        double[] h = h0, c = c0;
        for (int t = 0; t < steps; t++) {
            double[] hn = new double[batch * hidden], cn = new double[batch * hidden];
            for (int n = 0; n < batch; n++) {
                double[] z = new double[4 * hidden];
                for (int k = 0; k < 4 * hidden; k++) {
                    double acc = b[k];
                    for (int i = 0; i < in; i++) acc += x[(t * batch + n) * in + i] * wIh[k * in + i];
                    for (int j = 0; j < hidden; j++) acc += h[n * hidden + j] * wHh[k * hidden + j];
                    z[k] = acc;
                }
                for (int j = 0; j < hidden; j++) {
                    double ig = sigmoid(z[j]), fg = sigmoid(z[hidden + j]);
                    double gg = Math.tanh(z[2 * hidden + j]), og = sigmoid(z[3 * hidden + j]);
                    cn[n * hidden + j] = fg * c[n * hidden + j] + ig * gg;
                    hn[n * hidden + j] = og * Math.tanh(cn[n * hidden + j]);
                }
            }
            out[t] = hn;
            out[steps + t] = cn;
            h = hn;
            c = cn;
        }
        return out;
    }

    /** The test's loss on the unroll: Σ_t r_t·h_t + rc·c_T. */
    private static double lstmLoss(double[][] states, double[][] r, double[] rc) {
        int steps = r.length;
        double loss = dot(rc, states[2 * steps - 1]);
        for (int t = 0; t < steps; t++) loss += dot(r[t], states[t]);
        return loss;
    }

    static Stream<Arguments> lstmShapes() {
        // (B, I, H, dc in place): one unit; several of each; more inputs than units
        return KernelTestSupport.withKernels(
                new Object[] {1, 1, 1, false}, new Object[] {2, 3, 4, true}, new Object[] {3, 5, 2, false},
                new Object[] {4, 7, 6, true});
    }

    @ParameterizedTest(name = "{0} B={1} I={2} H={3} dc in place={4}")
    @MethodSource("lstmShapes")
    void lstmUnrollOfThreeStepsMatchesFiniteDifferences(Kernel kernel, int batch, int in, int hidden, boolean dcInPlace) {
        int steps = 3, bh = batch * hidden, g = 4 * hidden;
        SplittableRandom rng = new SplittableRandom(100L * batch + 10L * in + hidden);
        float[] x = uniform(rng, steps * batch * in, -1, 1);
        float[] h0 = uniform(rng, bh, -1, 1), c0 = uniform(rng, bh, -1, 1);
        float[] wIh = uniform(rng, g * in, -0.8, 0.8), wHh = uniform(rng, g * hidden, -0.8, 0.8);
        float[] b = uniform(rng, g, -0.5, 0.5);
        double[][] r = new double[steps][];
        for (int t = 0; t < steps; t++) r[t] = toDouble(uniform(rng, bh, -1, 1));
        double[] rc = toDouble(uniform(rng, bh, -1, 1));
        // the accumulated outputs start non-zero
        float[] dx0 = uniform(rng, steps * batch * in, -1, 1), dwIh0 = uniform(rng, g * in, -1, 1);
        float[] dwHh0 = uniform(rng, g * hidden, -1, 1), db0 = uniform(rng, g, -1, 1);

        double[] xd = toDouble(x), h0d = toDouble(h0), c0d = toDouble(c0);
        double[] wIhd = toDouble(wIh), wHhd = toDouble(wHh), bd = toDouble(b);
        double[][] states = lstmUnroll(steps, batch, in, hidden, xd, h0d, c0d, wIhd, wHhd, bd);
        double h = 1e-5;
        double[] gx = centralDifferences(xd, h,
                v -> lstmLoss(lstmUnroll(steps, batch, in, hidden, v, h0d, c0d, wIhd, wHhd, bd), r, rc));
        double[] gh0 = centralDifferences(h0d, h,
                v -> lstmLoss(lstmUnroll(steps, batch, in, hidden, xd, v, c0d, wIhd, wHhd, bd), r, rc));
        double[] gc0 = centralDifferences(c0d, h,
                v -> lstmLoss(lstmUnroll(steps, batch, in, hidden, xd, h0d, v, wIhd, wHhd, bd), r, rc));
        double[] gwIh = centralDifferences(wIhd, h,
                v -> lstmLoss(lstmUnroll(steps, batch, in, hidden, xd, h0d, c0d, v, wHhd, bd), r, rc));
        double[] gwHh = centralDifferences(wHhd, h,
                v -> lstmLoss(lstmUnroll(steps, batch, in, hidden, xd, h0d, c0d, wIhd, v, bd), r, rc));
        double[] gb = centralDifferences(bd, h,
                v -> lstmLoss(lstmUnroll(steps, batch, in, hidden, xd, h0d, c0d, wIhd, wHhd, v), r, rc));

        try (Arena arena = Arena.ofConfined()) {
            long fb = Float.BYTES;
            MemorySegment xs = floats(arena, x), wIhs = floats(arena, wIh), wHhs = floats(arena, wHh), bs = floats(arena, b);
            // states: hs and cs hold step 0 (h0, c0) then steps 1..T; gates one (B,4H) block per step
            MemorySegment hs = arena.allocate(fb * (steps + 1) * bh), cs = arena.allocate(fb * (steps + 1) * bh);
            MemorySegment gates = arena.allocate(fb * steps * batch * g);
            MemorySegment.copy(floats(arena, h0), 0, hs, 0, fb * bh);
            MemorySegment.copy(floats(arena, c0), 0, cs, 0, fb * bh);
            for (int t = 0; t < steps; t++) {
                kernel.lstmCellForward(hs.asSlice(fb * (t + 1) * bh, fb * bh), cs.asSlice(fb * (t + 1) * bh, fb * bh),
                        gates.asSlice(fb * t * batch * g, fb * batch * g), xs.asSlice(fb * t * batch * in, fb * batch * in),
                        hs.asSlice(fb * t * bh, fb * bh), cs.asSlice(fb * t * bh, fb * bh), wIhs, wHhs, bs, batch, in, hidden);
                assertClose("h of step " + (t + 1), read(hs.asSlice(fb * (t + 1) * bh), bh), states[t], 1e-5, 1e-6);
                assertClose("c of step " + (t + 1), read(cs.asSlice(fb * (t + 1) * bh), bh), states[steps + t], 1e-5, 1e-6);
            }

            // backward from the last step to the first: dh = r_t + dh_prev of the step after;
            // dc = dc_prev of the step after (rc for the last step)
            MemorySegment dx = floats(arena, dx0), dwIh = floats(arena, dwIh0), dwHh = floats(arena, dwHh0), db = floats(arena, db0);
            MemorySegment dh = floats(arena, new float[bh]), dhPrev = floats(arena, new float[bh]);
            MemorySegment dc = floats(arena, toFloat(rc)), dcPrev = dcInPlace ? dc : floats(arena, new float[bh]);
            for (int t = steps - 1; t >= 0; t--) {
                for (int k = 0; k < bh; k++) dh.setAtIndex(JAVA_FLOAT, k, (float) r[t][k] + dhPrev.getAtIndex(JAVA_FLOAT, k));
                kernel.lstmCellBackward(dhPrev, dcPrev, dx.asSlice(fb * t * batch * in, fb * batch * in), dwIh, dwHh, db,
                        dh, dc, xs.asSlice(fb * t * batch * in, fb * batch * in), hs.asSlice(fb * t * bh, fb * bh),
                        cs.asSlice(fb * t * bh, fb * bh), cs.asSlice(fb * (t + 1) * bh, fb * bh),
                        gates.asSlice(fb * t * batch * g, fb * batch * g), wIhs, wHhs, batch, in, hidden);
                if (!dcInPlace) MemorySegment.copy(dcPrev, 0, dc, 0, fb * bh);
            }
            assertClose("dx", read(dx, x.length), plus(dx0, gx), 1e-4, 1e-5);
            assertClose("dw_ih", read(dwIh, wIh.length), plus(dwIh0, gwIh), 1e-4, 1e-5);
            assertClose("dw_hh", read(dwHh, wHh.length), plus(dwHh0, gwHh), 1e-4, 1e-5);
            assertClose("db", read(db, g), plus(db0, gb), 1e-4, 1e-5);
            assertClose("dh0 (dh_prev of step 1)", read(dhPrev, bh), gh0, 1e-4, 1e-5);
            assertClose("dc0 (dc_prev of step 1)", read(dc, bh), gc0, 1e-4, 1e-5);
        }
    }

    private static float[] toFloat(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void lstmBackwardOverwritesDhPrevAndSkipsANullDx(Kernel kernel) {
        int batch = 3, in = 4, hidden = 5, bh = batch * hidden, g = 4 * hidden;
        SplittableRandom rng = new SplittableRandom(55);
        float[] x = uniform(rng, batch * in, -1, 1), hPrev = uniform(rng, bh, -1, 1), cPrev = uniform(rng, bh, -1, 1);
        float[] wIh = uniform(rng, g * in, -1, 1), wHh = uniform(rng, g * hidden, -1, 1), b = uniform(rng, g, -1, 1);
        float[] dh = uniform(rng, bh, -1, 1), dc = uniform(rng, bh, -1, 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment h = floats(arena, new float[bh]), c = floats(arena, new float[bh]), gates = floats(arena, new float[batch * g]);
            MemorySegment xs = floats(arena, x), hs = floats(arena, hPrev), cs = floats(arena, cPrev);
            MemorySegment wIhs = floats(arena, wIh), wHhs = floats(arena, wHh);
            kernel.lstmCellForward(h, c, gates, xs, hs, cs, wIhs, wHhs, floats(arena, b), batch, in, hidden);

            float[] nan = new float[bh];
            Arrays.fill(nan, Float.NaN);
            MemorySegment dhPrev1 = floats(arena, nan), dcPrev1 = floats(arena, nan), dx1 = floats(arena, new float[batch * in]);
            MemorySegment dwIh1 = floats(arena, new float[g * in]), dwHh1 = floats(arena, new float[g * hidden]), db1 = floats(arena, new float[g]);
            kernel.lstmCellBackward(dhPrev1, dcPrev1, dx1, dwIh1, dwHh1, db1, floats(arena, dh), floats(arena, dc),
                    xs, hs, cs, c, gates, wIhs, wHhs, batch, in, hidden);
            for (float v : read(dhPrev1, bh)) assertTrue(Float.isFinite(v), "dh_prev is overwritten, not added to");
            for (float v : read(dcPrev1, bh)) assertTrue(Float.isFinite(v), "dc_prev is overwritten, not added to");

            MemorySegment dhPrev2 = floats(arena, uniform(rng, bh, 5, 6));
            MemorySegment dwIh2 = floats(arena, new float[g * in]), dwHh2 = floats(arena, new float[g * hidden]), db2 = floats(arena, new float[g]);
            MemorySegment dcInPlace = floats(arena, dc);
            kernel.lstmCellBackward(dhPrev2, dcInPlace, MemorySegment.NULL, dwIh2, dwHh2, db2, floats(arena, dh), dcInPlace,
                    xs, hs, cs, c, gates, wIhs, wHhs, batch, in, hidden);
            assertArrayEquals(read(dhPrev1, bh), read(dhPrev2, bh), "dh_prev");
            assertArrayEquals(read(dcPrev1, bh), read(dcInPlace, bh), "dc_prev in place of dc");
            assertArrayEquals(read(dwIh1, g * in), read(dwIh2, g * in), "dw_ih (dx NULL)");
            assertArrayEquals(read(dwHh1, g * hidden), read(dwHh2, g * hidden), "dw_hh (dx NULL)");
            assertArrayEquals(read(db1, g), read(db2, g), "db (dx NULL)");
        }
    }

    // ---- Gaussian policy loss -----------------------------------------------------------------

    private static double softplus(double v) {
        return Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
    }

    /** σ² of kernel.h in double, with the same floor. */
    private static double variance(double v) {
        return softplus(v) + Kernel.GAUSSIAN_VAR_FLOOR;
    }

    /** {−log N(a; μ, σ²I), H} for one row, in double. */
    private static double[] gaussianTerms(double[] mu, double v, float[] actions, int row, int dim) {
        double var = variance(v), log2pi = Math.log(2 * Math.PI), sq = 0;
        for (int d = 0; d < dim; d++) {
            double diff = actions[row * dim + d] - mu[row * dim + d];
            sq += diff * diff;
        }
        return new double[] {0.5 * dim * (log2pi + Math.log(var)) + sq / (2 * var), 0.5 * dim * (log2pi + Math.log(var) + 1)};
    }

    /**
     * Lp + Lv of kernel.h in double, the advantage held at the given constants:
     * Σ_i [−log N(a_i)·adv_i − β·H_i] + Σ_i c·(R_i − V_i)².
     */
    private static double gaussianLoss(double[] mu, double[] v, double[] values, float[] actions, double[] returns,
                                       double[] adv, int batch, int dim, double beta, double c) {
        double loss = 0;
        for (int r = 0; r < batch; r++) {
            double[] t = gaussianTerms(mu, v[r], actions, r, dim);
            double e = returns[r] - values[r];
            loss += t[0] * adv[r] - beta * t[1] + c * e * e;
        }
        return loss;
    }

    static Stream<Arguments> gaussianCases() {
        // (B, D, entropy_beta, value_coef, v from, v to): the paper's β = 1e-4; softplus(v) ≈ v;
        // σ² dominated by the floor; β = 0
        return KernelTestSupport.withKernels(
                new Object[] {1, 1, 0.01f, 0.5f, -1f, 1f}, new Object[] {5, 3, 0.5f, 0.5f, -3f, 3f},
                new Object[] {4, 6, 1e-4f, 0.25f, -2f, 2f}, new Object[] {3, 2, 0.5f, 0.5f, 5f, 20f},
                new Object[] {3, 2, 0.5f, 0.5f, -20f, -12f}, new Object[] {6, 1, 0f, 1f, -2f, 2f});
    }

    @ParameterizedTest(name = "{0} B={1} D={2} beta={3} c={4} v in [{5}, {6}]")
    @MethodSource("gaussianCases")
    void gaussianLossBackwardMatchesFiniteDifferences(Kernel kernel, int batch, int dim, float beta, float c,
                                                      float vFrom, float vTo) {
        SplittableRandom rng = new SplittableRandom(41L * batch + dim + (long) vFrom);
        float[] mu = uniform(rng, batch * dim, -2, 2), v = uniform(rng, batch, vFrom, vTo);
        float[] values = uniform(rng, batch, -1, 1), returns = uniform(rng, batch, -2, 2);
        checkGaussian(kernel, batch, dim, beta, c, mu, v, values, returns, sampledActions(rng, mu, v, dim));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void gaussianEntropyGradientAloneMatchesFiniteDifferences(Kernel kernel) {
        // returns = values: zero advantage, so dmu is 0 and dv is the entropy term alone
        int batch = 5, dim = 3;
        SplittableRandom rng = new SplittableRandom(78);
        float[] mu = uniform(rng, batch * dim, -2, 2), v = uniform(rng, batch, -3, 3), values = uniform(rng, batch, -1, 1);
        checkGaussian(kernel, batch, dim, 0.7f, 0.5f, mu, v, values, values.clone(), sampledActions(rng, mu, v, dim));
    }

    /** Actions drawn as the policy would, a = μ + σ·u with u uniform in [−2, 2]: |a − μ|²/σ² stays O(D). */
    private static float[] sampledActions(SplittableRandom rng, float[] mu, float[] v, int dim) {
        float[] a = new float[mu.length];
        for (int i = 0; i < mu.length; i++) {
            a[i] = (float) (mu[i] + Math.sqrt(variance(v[i / dim])) * (rng.nextDouble() * 4 - 2));
        }
        return a;
    }

    private static void checkGaussian(Kernel kernel, int batch, int dim, float beta, float c,
                                      float[] mu, float[] v, float[] values, float[] returns, float[] actions) {
        double[] mud = toDouble(mu), vd = toDouble(v), valuesd = toDouble(values), rd = toDouble(returns);
        double[] adv = new double[batch];
        for (int r = 0; r < batch; r++) adv[r] = rd[r] - valuesd[r];
        // the loss is quadratic in μ and in V (differences exact up to rounding); h for v is small
        // against σ²'s scale where the floor dominates
        double[] gMu = centralDifferences(mud, 1e-4,
                m -> gaussianLoss(m, vd, valuesd, actions, rd, adv, batch, dim, beta, c));
        double[] gV = centralDifferences(vd, 1e-5,
                x -> gaussianLoss(mud, x, valuesd, actions, rd, adv, batch, dim, beta, c));
        double[] gValues = centralDifferences(valuesd, 1e-3,
                x -> gaussianLoss(mud, vd, x, actions, rd, adv, batch, dim, beta, c));

        double policy = 0, value = 0, entropy = 0, policyScale = 0, entropyScale = 0;
        for (int r = 0; r < batch; r++) {
            double[] t = gaussianTerms(mud, vd[r], actions, r, dim);
            policy += t[0] * adv[r];
            policyScale += Math.abs(t[0] * adv[r]);
            value += (double) c * adv[r] * adv[r];
            entropy += t[1];
            entropyScale += Math.abs(t[1]);
        }

        try (Arena arena = Arena.ofConfined()) {
            // outputs start as NaN: the loss overwrites them, it does not accumulate
            float[] nan = new float[batch * dim];
            Arrays.fill(nan, Float.NaN);
            MemorySegment dMu = floats(arena, nan), dV = floats(arena, Arrays.copyOf(nan, batch));
            MemorySegment dValues = floats(arena, Arrays.copyOf(nan, batch)), stats = floats(arena, Float.NaN, Float.NaN, Float.NaN);
            kernel.gaussianLossBackward(dMu, dV, dValues, stats, floats(arena, mu), floats(arena, v), floats(arena, values),
                    floats(arena, actions), floats(arena, returns), batch, dim, beta, c);

            assertClose("dmu", read(dMu, batch * dim), gMu, 1e-4, 1e-5);
            assertClose("dv", read(dV, batch), gV, 1e-4, 1e-5);
            assertClose("dvalues", read(dValues, batch), gValues, 1e-5, 1e-6);
            float[] s = read(stats, 3);
            assertEquals(policy, s[0], 1e-5 * policyScale + 1e-6, "stats[0] policy loss without entropy");
            assertEquals(value, s[1], 1e-5 * value + 1e-6, "stats[1] value loss");
            assertEquals(entropy, s[2], 1e-5 * entropyScale + 1e-6, "stats[2] entropy sum");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void gaussianLossIsFiniteForExtremeV(Kernel kernel) {
        // softplus(300) does not overflow; at v = −300 σ² is the floor exactly, so H is known
        int batch = 4, dim = 2;
        float[] mu = {0.5f, -0.5f, 1, 2, 0, 0, -1, 1}, v = {300, -300, 88, -88};
        float[] actions = {0.7f, -0.1f, 1.0005f, 2.0005f, 1, -1, -1.5f, 0.5f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dMu = floats(arena, new float[batch * dim]), dV = floats(arena, new float[batch]);
            MemorySegment dValues = floats(arena, new float[batch]), stats = floats(arena, new float[3]);
            kernel.gaussianLossBackward(dMu, dV, dValues, stats, floats(arena, mu), floats(arena, v),
                    floats(arena, 0, 0, 0, 0), floats(arena, actions), floats(arena, 1, -1, 0.5f, 2), batch, dim, 0.01f, 0.5f);
            for (float[] out : new float[][] {read(dMu, batch * dim), read(dV, batch), read(stats, 3)}) {
                for (float x : out) assertTrue(Float.isFinite(x), Arrays.toString(out));
            }
            // Σ H against the double formula; the row at v = −300 has σ² = the floor
            double entropy = 0, scale = 0;
            for (int r = 0; r < batch; r++) {
                double h = gaussianTerms(toDouble(mu), v[r], actions, r, dim)[1];
                entropy += h;
                scale += Math.abs(h);
            }
            assertEquals(entropy, read(stats, 3)[2], 1e-5 * scale, "stats[2] entropy sum");
            assertEquals(0.5 * dim * (Math.log(2 * Math.PI * 1e-6) + 1), gaussianTerms(toDouble(mu), -300, actions, 1, dim)[1],
                    1e-6, "H at the floor σ² = 1e-6");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void gaussianLossWithEmptyBatchReportsZeroStats(Kernel kernel) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dMu = floats(arena, 9f), stats = floats(arena, Float.NaN, Float.NaN, Float.NaN);
            kernel.gaussianLossBackward(dMu, floats(arena), floats(arena), stats, floats(arena), floats(arena),
                    floats(arena), floats(arena), floats(arena), 0, 2, 0.01f, 0.5f);
            assertArrayEquals(new float[] {0, 0, 0}, read(stats, 3));
            assertArrayEquals(new float[] {9}, read(dMu, 1));
        }
    }

    // ---- Q-learning loss ---------------------------------------------------------------------

    /** L = Σ_i coef·(y_i − q[i, a_i])² of kernel.h in double; the targets y are constants. */
    private static double qLoss(double[] q, int[] act, double[] targets, int batch, int actionCount, double coef) {
        double loss = 0;
        for (int r = 0; r < batch; r++) {
            double e = targets[r] - q[r * actionCount + act[r]];
            loss += coef * e * e;
        }
        return loss;
    }

    static Stream<Arguments> qCases() {
        // (B, A, coef): a single action, the paper's Atari action counts, coef 0 (zero gradient)
        return KernelTestSupport.withKernels(
                new Object[] {1, 1, 1.0f}, new Object[] {1, 2, 0.5f}, new Object[] {5, 3, 1.0f},
                new Object[] {16, 6, 0.5f}, new Object[] {7, 18, 2.5f}, new Object[] {4, 3, 0.0f});
    }

    @ParameterizedTest(name = "{0} B={1} A={2} coef={3}")
    @MethodSource("qCases")
    void qLossBackwardMatchesFiniteDifferences(Kernel kernel, int batch, int actionCount, float coef) {
        SplittableRandom rng = new SplittableRandom(37L * batch + actionCount);
        float[] q = uniform(rng, batch * actionCount, -3, 3);
        float[] targets = uniform(rng, batch, -3, 3);
        int[] act = actions(rng, batch, actionCount);
        checkQLoss(kernel, batch, actionCount, coef, q, targets, act);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void qLossBackwardWithRepeatedActionsAndAnExactTarget(Kernel kernel) {
        // every row takes the last action; row 2's target equals its Q-value (zero error there)
        int batch = 6, actionCount = 4;
        SplittableRandom rng = new SplittableRandom(91);
        float[] q = uniform(rng, batch * actionCount, -2, 2);
        float[] targets = uniform(rng, batch, -2, 2);
        int[] act = new int[batch];
        Arrays.fill(act, actionCount - 1);
        targets[2] = q[2 * actionCount + actionCount - 1];
        checkQLoss(kernel, batch, actionCount, 0.5f, q, targets, act);
    }

    private static void checkQLoss(Kernel kernel, int batch, int actionCount, float coef,
                                   float[] q, float[] targets, int[] act) {
        double[] qd = toDouble(q), yd = toDouble(targets);
        double[] gq = centralDifferences(qd, 1e-3, v -> qLoss(v, act, yd, batch, actionCount, coef));
        double loss = qLoss(qd, act, yd, batch, actionCount, coef);

        try (Arena arena = Arena.ofConfined()) {
            // outputs start as NaN: the loss overwrites every column, it does not accumulate
            float[] nan = new float[batch * actionCount];
            Arrays.fill(nan, Float.NaN);
            MemorySegment dq = floats(arena, nan), stats = floats(arena, Float.NaN);
            MemorySegment qSeg = floats(arena, q), targetSeg = floats(arena, targets);
            kernel.qLossBackward(dq, stats, qSeg, ints(arena, act), targetSeg, batch, actionCount, coef);

            float[] got = read(dq, batch * actionCount);
            assertClose("dq", got, gq, 1e-5, 1e-6);
            for (int r = 0; r < batch; r++) {
                for (int j = 0; j < actionCount; j++) {
                    if (j != act[r]) assertEquals(0f, got[r * actionCount + j], "dq[" + r + "," + j + "], not the taken action");
                }
            }
            assertEquals(loss, read(stats, 1)[0], 1e-6 * loss + 1e-7, "stats[0] the loss");
            assertArrayEquals(q, read(qSeg, q.length), "q is read only");
            assertArrayEquals(targets, read(targetSeg, batch), "targets are read only");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void qLossWithEmptyBatchReportsZeroAndWritesNoGradient(Kernel kernel) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dq = floats(arena, 9f), stats = floats(arena, Float.NaN);
            kernel.qLossBackward(dq, stats, floats(arena), ints(arena), floats(arena), 0, 4, 1f);
            assertArrayEquals(new float[] {0}, read(stats, 1));
            assertArrayEquals(new float[] {9}, read(dq, 1));
        }
    }
}
