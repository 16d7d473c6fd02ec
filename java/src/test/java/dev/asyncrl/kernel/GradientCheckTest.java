/*
 * Protects the gradients: every backward of the kernel contract (dense, relu, tanh, the A3C loss,
 * the Q-learning loss), in the Java kernel and in the reference C++ kernel, against central finite
 * differences of a double-precision forward written here from the formulas of kernel.h. Also the
 * contract's bookkeeping around the gradients: dense_backward accumulates (+=) and skips a NULL dx;
 * the A3C and Q losses overwrite their outputs and report their statistics.
 */
package dev.asyncrl.kernel;

import static dev.asyncrl.kernel.KernelTestSupport.actions;
import static dev.asyncrl.kernel.KernelTestSupport.assertClose;
import static dev.asyncrl.kernel.KernelTestSupport.floats;
import static dev.asyncrl.kernel.KernelTestSupport.ints;
import static dev.asyncrl.kernel.KernelTestSupport.read;
import static dev.asyncrl.kernel.KernelTestSupport.toDouble;
import static dev.asyncrl.kernel.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
