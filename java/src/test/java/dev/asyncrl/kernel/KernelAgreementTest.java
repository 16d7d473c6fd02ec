/*
 * Protects the claim that the pure-Java kernel is the oracle of the native ones: the reference C++
 * kernel (through FFM) and the Java kernel compute the same thing for every function of the
 * contract (version 3, with conv2d, lstm_cell and gaussian_loss_backward), to a relative error of
 * at most 1e-5 (max|a − b| / max(max|b|, 1e-30), b = Java), on
 * random inputs of several shapes; they treat the special values (NaN, ±0, ±inf, empty batches)
 * the same; and they refuse the same bad calls with the same status.
 */
package dev.asyncrl.kernel;

import static dev.asyncrl.kernel.KernelTestSupport.actions;
import static dev.asyncrl.kernel.KernelTestSupport.floats;
import static dev.asyncrl.kernel.KernelTestSupport.ints;
import static dev.asyncrl.kernel.KernelTestSupport.read;
import static dev.asyncrl.kernel.KernelTestSupport.relativeError;
import static dev.asyncrl.kernel.KernelTestSupport.uniform;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.asyncrl.bindings.ffm.KernelLibraries;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KernelAgreementTest {
    private static final double TOLERANCE = 1e-5;

    private static Kernel reference;
    private static final Kernel JAVA = new JavaKernel();

    @BeforeAll
    static void loadReference() {
        reference = KernelLibraries.load("reference");
    }

    @AfterAll
    static void closeReference() {
        if (reference != null) reference.close();
    }

    /** A call of one kernel on fresh copies of the same inputs; returns the outputs to compare. */
    @FunctionalInterface
    interface Call {
        float[][] run(Kernel kernel, Arena arena);
    }

    /** Runs the call on both kernels and compares every output. */
    private static void assertAgree(String what, Call call) {
        float[][] expected, actual;
        try (Arena arena = Arena.ofConfined()) {
            expected = call.run(JAVA, arena);
        }
        try (Arena arena = Arena.ofConfined()) {
            actual = call.run(reference, arena);
        }
        assertEquals(expected.length, actual.length, what + ": number of outputs");
        for (int k = 0; k < expected.length; k++) {
            double err = relativeError(actual[k], expected[k]);
            if (!(err <= TOLERANCE)) {
                fail(what + ", output " + k + ": relative error " + err + " > " + TOLERANCE
                        + "\n  reference " + Arrays.toString(head(actual[k])) + "\n  java      " + Arrays.toString(head(expected[k])));
            }
        }
    }

    private static float[] head(float[] a) {
        return Arrays.copyOf(a, Math.min(a.length, 12));
    }

    static Stream<Arguments> denseShapes() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(1, 4, 3), Arguments.of(5, 7, 3),
                Arguments.of(16, 33, 17), Arguments.of(20, 128, 64), Arguments.of(0, 5, 2));
    }

    @ParameterizedTest(name = "B={0} I={1} O={2}")
    @MethodSource("denseShapes")
    void denseForward(int batch, int in, int out) {
        SplittableRandom rng = new SplittableRandom(11L * batch + in + 7L * out);
        float[] x = uniform(rng, batch * in, -2, 2), w = uniform(rng, out * in, -1, 1), b = uniform(rng, out, -1, 1);
        assertAgree("dense_forward", (k, arena) -> {
            MemorySegment y = floats(arena, new float[batch * out]);
            k.denseForward(y, floats(arena, x), floats(arena, w), floats(arena, b), batch, in, out);
            return new float[][] {read(y, batch * out)};
        });
    }

    @ParameterizedTest(name = "B={0} I={1} O={2}")
    @MethodSource("denseShapes")
    void denseBackward(int batch, int in, int out) {
        SplittableRandom rng = new SplittableRandom(13L * batch + in + 5L * out);
        float[] x = uniform(rng, batch * in, -2, 2), w = uniform(rng, out * in, -1, 1), dy = uniform(rng, batch * out, -1, 1);
        float[] dx0 = uniform(rng, batch * in, -1, 1), dw0 = uniform(rng, out * in, -1, 1), db0 = uniform(rng, out, -1, 1);
        assertAgree("dense_backward", (k, arena) -> {
            MemorySegment dx = floats(arena, dx0), dw = floats(arena, dw0), db = floats(arena, db0);
            k.denseBackward(dx, dw, db, floats(arena, dy), floats(arena, x), floats(arena, w), batch, in, out);
            return new float[][] {read(dx, batch * in), read(dw, out * in), read(db, out)};
        });
        assertAgree("dense_backward, dx NULL", (k, arena) -> {
            MemorySegment dw = floats(arena, dw0), db = floats(arena, db0);
            k.denseBackward(MemorySegment.NULL, dw, db, floats(arena, dy), floats(arena, x), floats(arena, w), batch, in, out);
            return new float[][] {read(dw, out * in), read(db, out)};
        });
    }

    static Stream<Integer> sizes() {
        return Stream.of(0, 1, 3, 64, 1001);
    }

    @ParameterizedTest(name = "N={0}")
    @MethodSource("sizes")
    void activations(int n) {
        SplittableRandom rng = new SplittableRandom(17 + n);
        float[] x = uniform(rng, n, -4, 4), dy = uniform(rng, n, -1, 1);
        assertAgree("relu_forward", (k, arena) -> {
            MemorySegment y = floats(arena, new float[n]);
            k.reluForward(y, floats(arena, x), n);
            return new float[][] {read(y, n)};
        });
        assertAgree("relu_backward", (k, arena) -> {
            MemorySegment y = floats(arena, new float[n]), dx = floats(arena, new float[n]);
            k.reluForward(y, floats(arena, x), n);
            k.reluBackward(dx, floats(arena, dy), y, n);
            return new float[][] {read(dx, n)};
        });
        assertAgree("tanh_forward", (k, arena) -> {
            MemorySegment y = floats(arena, new float[n]);
            k.tanhForward(y, floats(arena, x), n);
            return new float[][] {read(y, n)};
        });
        assertAgree("tanh_backward", (k, arena) -> {
            MemorySegment y = floats(arena, uniform(new SplittableRandom(n), n, -1, 1)), dx = floats(arena, new float[n]);
            k.tanhBackward(dx, floats(arena, dy), y, n);
            return new float[][] {read(dx, n)};
        });
        assertAgree("in place relu, tanh", (k, arena) -> {
            MemorySegment r = floats(arena, x), t = floats(arena, x);
            k.reluForward(r, r, n);
            k.tanhForward(t, t, n);
            return new float[][] {read(r, n), read(t, n)};
        });
        assertAgree("copy", (k, arena) -> {
            MemorySegment dst = floats(arena, new float[n]);
            k.copy(dst, floats(arena, x), n);
            return new float[][] {read(dst, n)};
        });
    }

    @Test
    void activationsOfSpecialValues() {
        // NaN propagates through relu (as Math.max(x, 0f)); -0 and +0 both give +0; infinities saturate
        float[] x = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE};
        int n = x.length;
        assertAgree("relu and tanh of special values", (k, arena) -> {
            MemorySegment r = floats(arena, new float[n]), t = floats(arena, new float[n]);
            k.reluForward(r, floats(arena, x), n);
            k.tanhForward(t, floats(arena, x), n);
            return new float[][] {read(r, n), read(t, n)};
        });
        try (Arena arena = Arena.ofConfined()) {
            for (Kernel k : new Kernel[] {JAVA, reference}) {
                MemorySegment r = floats(arena, new float[n]);
                k.reluForward(r, floats(arena, x), n);
                float[] y = read(r, n);
                assertTrue(Float.isNaN(y[0]), k.name() + ": relu(NaN) is NaN");
                assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(y[1]), k.name() + ": relu(-0) is +0");
                assertEquals(Float.POSITIVE_INFINITY, y[3], k.name() + ": relu(+inf)");
                assertEquals(0f, y[4], k.name() + ": relu(-inf)");
            }
        }
    }

    static Stream<Arguments> a3cCases() {
        return Stream.of(Arguments.of(1, 1, 0.01f, 0.5f), Arguments.of(5, 3, 0.01f, 0.5f), Arguments.of(20, 4, 0.5f, 1f),
                Arguments.of(32, 18, 0f, 0.25f), Arguments.of(7, 6, 2f, 0f), Arguments.of(0, 3, 0.01f, 0.5f));
    }

    @ParameterizedTest(name = "B={0} A={1} beta={2} c={3}")
    @MethodSource("a3cCases")
    void a3cLossBackward(int batch, int actionCount, float beta, float c) {
        SplittableRandom rng = new SplittableRandom(19L * batch + actionCount);
        float[] logits = uniform(rng, batch * actionCount, -5, 5);
        float[] values = uniform(rng, batch, -3, 3), returns = uniform(rng, batch, -3, 3);
        int[] act = actions(rng, batch, actionCount);
        assertAgree("a3c_loss_backward", (k, arena) -> {
            MemorySegment dLogits = floats(arena, new float[batch * actionCount]);
            MemorySegment dValues = floats(arena, new float[batch]);
            MemorySegment stats = floats(arena, new float[3]);
            k.a3cLossBackward(dLogits, dValues, stats, floats(arena, logits), floats(arena, values), ints(arena, act),
                    floats(arena, returns), batch, actionCount, beta, c);
            float[] s = read(stats, 3);
            // each statistic on its own scale
            return new float[][] {read(dLogits, batch * actionCount), read(dValues, batch), {s[0]}, {s[1]}, {s[2]}};
        });
    }

    static Stream<Arguments> convShapes() {
        // (B, C, H, W, F, K, S): the paper's two layers on 84×84 (84 → 20 → 9), odd leftovers, K = 1, B = 0
        return Stream.of(Arguments.of(1, 1, 1, 1, 1, 1, 1), Arguments.of(2, 3, 7, 6, 4, 3, 2), Arguments.of(2, 2, 9, 9, 3, 2, 3),
                Arguments.of(1, 4, 84, 84, 16, 8, 4), Arguments.of(2, 16, 20, 20, 32, 4, 2), Arguments.of(3, 5, 10, 10, 16, 3, 1),
                Arguments.of(4, 2, 5, 8, 3, 1, 1), Arguments.of(0, 2, 5, 5, 3, 3, 1));
    }

    @ParameterizedTest(name = "B={0} C={1} H={2} W={3} F={4} K={5} S={6}")
    @MethodSource("convShapes")
    void conv2d(int batch, int ch, int height, int width, int filters, int k, int s) {
        int ho = (height - k) / s + 1, wo = (width - k) / s + 1;
        int xn = batch * ch * height * width, wn = filters * ch * k * k, yn = batch * filters * ho * wo;
        SplittableRandom rng = new SplittableRandom(7L * xn + 3L * wn + s);
        float[] x = uniform(rng, xn, -2, 2), w = uniform(rng, wn, -1, 1), b = uniform(rng, filters, -1, 1);
        float[] dy = uniform(rng, yn, -1, 1);
        float[] dx0 = uniform(rng, xn, -1, 1), dw0 = uniform(rng, wn, -1, 1), db0 = uniform(rng, filters, -1, 1);
        assertAgree("conv2d_forward", (kn, arena) -> {
            MemorySegment y = floats(arena, new float[yn]);
            kn.conv2dForward(y, floats(arena, x), floats(arena, w), floats(arena, b), batch, ch, height, width, filters, k, s);
            return new float[][] {read(y, yn)};
        });
        assertAgree("conv2d_backward", (kn, arena) -> {
            MemorySegment dx = floats(arena, dx0), dw = floats(arena, dw0), db = floats(arena, db0);
            kn.conv2dBackward(dx, dw, db, floats(arena, dy), floats(arena, x), floats(arena, w), batch, ch, height, width,
                    filters, k, s);
            return new float[][] {read(dx, xn), read(dw, wn), read(db, filters)};
        });
        assertAgree("conv2d_backward, dx NULL", (kn, arena) -> {
            MemorySegment dw = floats(arena, dw0), db = floats(arena, db0);
            kn.conv2dBackward(MemorySegment.NULL, dw, db, floats(arena, dy), floats(arena, x), floats(arena, w),
                    batch, ch, height, width, filters, k, s);
            return new float[][] {read(dw, wn), read(db, filters)};
        });
    }

    static Stream<Arguments> lstmShapes() {
        // (B, I, H): one unit; the paper's FC256 → LSTM256 at batch 5 scaled to 64 → 32; B = 0
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(5, 7, 3), Arguments.of(16, 33, 17), Arguments.of(5, 64, 32),
                Arguments.of(0, 4, 3));
    }

    @ParameterizedTest(name = "B={0} I={1} H={2}")
    @MethodSource("lstmShapes")
    void lstmCell(int batch, int in, int hidden) {
        int bh = batch * hidden, g = 4 * hidden;
        SplittableRandom rng = new SplittableRandom(101L * batch + 11L * in + hidden);
        float[] x = uniform(rng, batch * in, -2, 2), hPrev = uniform(rng, bh, -1, 1), cPrev = uniform(rng, bh, -3, 3);
        float[] wIh = uniform(rng, g * in, -1, 1), wHh = uniform(rng, g * hidden, -1, 1), b = uniform(rng, g, -1, 1);
        float[] dh = uniform(rng, bh, -1, 1), dc = uniform(rng, bh, -1, 1);
        float[] dx0 = uniform(rng, batch * in, -1, 1), dwIh0 = uniform(rng, g * in, -1, 1);
        float[] dwHh0 = uniform(rng, g * hidden, -1, 1), db0 = uniform(rng, g, -1, 1);
        assertAgree("lstm_cell_forward", (k, arena) -> {
            MemorySegment h = floats(arena, new float[bh]), c = floats(arena, new float[bh]), gates = floats(arena, new float[batch * g]);
            k.lstmCellForward(h, c, gates, floats(arena, x), floats(arena, hPrev), floats(arena, cPrev), floats(arena, wIh),
                    floats(arena, wHh), floats(arena, b), batch, in, hidden);
            return new float[][] {read(h, bh), read(c, bh), read(gates, batch * g)};
        });
        // the backward of each kernel reads the Java kernel's forward: the same cache for both
        float[] c = new float[bh], gates = new float[batch * g];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = floats(arena, c), gs = floats(arena, gates);
            JAVA.lstmCellForward(floats(arena, new float[bh]), cs, gs, floats(arena, x), floats(arena, hPrev),
                    floats(arena, cPrev), floats(arena, wIh), floats(arena, wHh), floats(arena, b), batch, in, hidden);
            MemorySegment.copy(cs, JAVA_FLOAT, 0, c, 0, bh);
            MemorySegment.copy(gs, JAVA_FLOAT, 0, gates, 0, batch * g);
        }
        assertAgree("lstm_cell_backward", (k, arena) -> {
            MemorySegment dhPrev = floats(arena, new float[bh]), dcPrev = floats(arena, new float[bh]);
            MemorySegment dx = floats(arena, dx0), dwIh = floats(arena, dwIh0), dwHh = floats(arena, dwHh0), db = floats(arena, db0);
            k.lstmCellBackward(dhPrev, dcPrev, dx, dwIh, dwHh, db, floats(arena, dh), floats(arena, dc), floats(arena, x),
                    floats(arena, hPrev), floats(arena, cPrev), floats(arena, c), floats(arena, gates), floats(arena, wIh),
                    floats(arena, wHh), batch, in, hidden);
            return new float[][] {read(dhPrev, bh), read(dcPrev, bh), read(dx, batch * in), read(dwIh, g * in),
                    read(dwHh, g * hidden), read(db, g)};
        });
        assertAgree("lstm_cell_backward, dx NULL and dc_prev in place of dc", (k, arena) -> {
            MemorySegment dhPrev = floats(arena, new float[bh]), dcInPlace = floats(arena, dc);
            MemorySegment dwIh = floats(arena, dwIh0), dwHh = floats(arena, dwHh0), db = floats(arena, db0);
            k.lstmCellBackward(dhPrev, dcInPlace, MemorySegment.NULL, dwIh, dwHh, db, floats(arena, dh), dcInPlace,
                    floats(arena, x), floats(arena, hPrev), floats(arena, cPrev), floats(arena, c), floats(arena, gates),
                    floats(arena, wIh), floats(arena, wHh), batch, in, hidden);
            return new float[][] {read(dhPrev, bh), read(dcInPlace, bh), read(dwIh, g * in), read(dwHh, g * hidden), read(db, g)};
        });
    }

    @Test
    void lstmCellWithSaturatedGates() {
        // pre-activations of ±200: exp overflows inside sigmoid in both kernels, and gives 0 or 1, not NaN
        int batch = 2, in = 3, hidden = 2, g = 4 * hidden;
        float[] b = {-200, 200, 200, -200, 200, -200, 200, -200};
        float[] x = uniform(new SplittableRandom(3), batch * in, -1, 1);
        assertAgree("lstm_cell_forward, saturated", (k, arena) -> {
            MemorySegment h = floats(arena, new float[batch * hidden]), c = floats(arena, new float[batch * hidden]);
            MemorySegment gates = floats(arena, new float[batch * g]);
            k.lstmCellForward(h, c, gates, floats(arena, x), floats(arena, 1, -1, 0.5f, 0), floats(arena, 2, -2, 0.1f, 3),
                    floats(arena, new float[g * in]), floats(arena, new float[g * hidden]), floats(arena, b), batch, in, hidden);
            return new float[][] {read(h, batch * hidden), read(c, batch * hidden), read(gates, batch * g)};
        });
    }

    static Stream<Arguments> gaussianCases() {
        // (B, D, entropy_beta, value_coef, v from, v to): the paper's β = 1e-4; the floor; large v; B = 0
        return Stream.of(Arguments.of(1, 1, 1e-4f, 0.5f, -1f, 1f), Arguments.of(5, 3, 0.01f, 0.5f, -3f, 3f),
                Arguments.of(20, 6, 0.5f, 1f, -5f, 5f), Arguments.of(7, 2, 1e-4f, 0.25f, -30f, -10f),
                Arguments.of(7, 2, 2f, 0f, 10f, 90f), Arguments.of(32, 1, 0f, 0.5f, -2f, 2f), Arguments.of(0, 3, 0.01f, 0.5f, 0f, 1f));
    }

    @ParameterizedTest(name = "B={0} D={1} beta={2} c={3} v in [{4}, {5}]")
    @MethodSource("gaussianCases")
    void gaussianLossBackward(int batch, int dim, float beta, float c, float vFrom, float vTo) {
        SplittableRandom rng = new SplittableRandom(47L * batch + dim);
        float[] mu = uniform(rng, batch * dim, -2, 2), v = uniform(rng, batch, vFrom, vTo);
        float[] actions = uniform(rng, batch * dim, -3, 3);
        float[] values = uniform(rng, batch, -3, 3), returns = uniform(rng, batch, -3, 3);
        assertAgree("gaussian_loss_backward", (k, arena) -> {
            MemorySegment dMu = floats(arena, new float[batch * dim]), dV = floats(arena, new float[batch]);
            MemorySegment dValues = floats(arena, new float[batch]), stats = floats(arena, new float[3]);
            k.gaussianLossBackward(dMu, dV, dValues, stats, floats(arena, mu), floats(arena, v), floats(arena, values),
                    floats(arena, actions), floats(arena, returns), batch, dim, beta, c);
            float[] s = read(stats, 3);
            // each statistic on its own scale
            return new float[][] {read(dMu, batch * dim), read(dV, batch), read(dValues, batch), {s[0]}, {s[1]}, {s[2]}};
        });
    }

    static Stream<Arguments> qCases() {
        return Stream.of(Arguments.of(1, 1, 1f), Arguments.of(5, 3, 0.5f), Arguments.of(32, 18, 1f),
                Arguments.of(20, 4, 2.5f), Arguments.of(7, 6, 0f), Arguments.of(0, 3, 1f));
    }

    @ParameterizedTest(name = "B={0} A={1} coef={2}")
    @MethodSource("qCases")
    void qLossBackward(int batch, int actionCount, float coef) {
        SplittableRandom rng = new SplittableRandom(43L * batch + actionCount);
        float[] q = uniform(rng, batch * actionCount, -5, 5), targets = uniform(rng, batch, -5, 5);
        int[] act = actions(rng, batch, actionCount);
        assertAgree("q_loss_backward", (k, arena) -> {
            float[] nan = new float[batch * actionCount];
            Arrays.fill(nan, Float.NaN);
            MemorySegment dq = floats(arena, nan), stats = floats(arena, Float.NaN);
            k.qLossBackward(dq, stats, floats(arena, q), ints(arena, act), floats(arena, targets), batch, actionCount, coef);
            return new float[][] {read(dq, batch * actionCount), read(stats, 1)};
        });
    }

    static Stream<Arguments> clipCases() {
        // (N, max_norm): below the norm (clips), far above (no-op), 0 and negative (measure only)
        return Stream.of(Arguments.of(1, 0.1f), Arguments.of(7, 0.5f), Arguments.of(300, 1f), Arguments.of(300, 1e6f),
                Arguments.of(33, 0f), Arguments.of(33, -1f), Arguments.of(0, 1f), Arguments.of(5, Float.POSITIVE_INFINITY));
    }

    @ParameterizedTest(name = "N={0} max_norm={1}")
    @MethodSource("clipCases")
    void clipGradNorm(int n, float maxNorm) {
        float[] grad = uniform(new SplittableRandom(23 + n), n, -1, 1);
        assertAgree("clip_grad_norm", (k, arena) -> {
            MemorySegment g = floats(arena, grad), norm = floats(arena, -1f);
            k.clipGradNorm(g, norm, n, maxNorm);
            return new float[][] {read(g, n), read(norm, 1)};
        });
    }

    static Stream<Arguments> rmspropCases() {
        // (N, lr, alpha, eps)
        return Stream.of(Arguments.of(1, 7e-4f, 0.99f, 0.1f), Arguments.of(17, 1e-2f, 0.9f, 1e-6f),
                Arguments.of(1000, 1e-3f, 0.99f, 1e-8f), Arguments.of(5, 0.1f, 0f, 1e-3f), Arguments.of(5, 0.1f, 1f, 1e-3f),
                Arguments.of(0, 0.1f, 0.5f, 0.1f));
    }

    @ParameterizedTest(name = "N={0} lr={1} alpha={2} eps={3}")
    @MethodSource("rmspropCases")
    void sharedRmsprop(int n, float lr, float alpha, float eps) {
        SplittableRandom rng = new SplittableRandom(29 + n);
        float[] theta = uniform(rng, n, -1, 1), g = uniform(rng, n, 0, 0.01);
        float[][] grads = new float[5][];
        for (int s = 0; s < grads.length; s++) grads[s] = uniform(rng, n, -1, 1);
        assertAgree("shared_rmsprop", (k, arena) -> {
            MemorySegment t = floats(arena, theta), gs = floats(arena, g);
            for (float[] d : grads) k.sharedRmsprop(t, gs, floats(arena, d), n, lr, alpha, eps);
            return new float[][] {read(t, n), read(gs, n)};
        });
    }

    static Stream<Arguments> momentumCases() {
        // (N, lr, alpha)
        return Stream.of(Arguments.of(1, 1e-2f, 0.9f), Arguments.of(17, 1e-3f, 0.99f), Arguments.of(1000, 0.05f, 0.5f),
                Arguments.of(5, 0.1f, 0f), Arguments.of(5, 0.1f, 1f), Arguments.of(0, 0.1f, 0.5f));
    }

    @ParameterizedTest(name = "N={0} lr={1} alpha={2}")
    @MethodSource("momentumCases")
    void momentumSgd(int n, float lr, float alpha) {
        SplittableRandom rng = new SplittableRandom(31 + n);
        float[] theta = uniform(rng, n, -1, 1), m = uniform(rng, n, -0.5, 0.5);
        float[][] grads = new float[5][];
        for (int s = 0; s < grads.length; s++) grads[s] = uniform(rng, n, -1, 1);
        assertAgree("momentum_sgd", (k, arena) -> {
            MemorySegment t = floats(arena, theta), ms = floats(arena, m);
            for (float[] d : grads) k.momentumSgd(t, ms, floats(arena, d), n, lr, alpha);
            return new float[][] {read(t, n), read(ms, n)};
        });
    }

    /** The same bad call must be refused by both kernels, with the same operation and status. */
    private static void assertBothRefuse(String what, Status status, Consumer<Kernel> call) {
        for (Kernel k : new Kernel[] {JAVA, reference}) {
            KernelException e = assertThrows(KernelException.class, () -> call.accept(k), k.name() + ": " + what);
            assertEquals(status, e.status(), k.name() + ": " + what + ": " + e.getMessage());
        }
    }

    @Test
    void bothRefuseTheSameValues() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = floats(arena, 1f), three = floats(arena, 0, 0, 0), act = ints(arena, 0);
            for (float bad : new float[] {-1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                assertBothRefuse("entropy_beta " + bad, Status.BAD_ARGUMENT,
                        k -> k.a3cLossBackward(one, one, three, one, one, act, one, 1, 1, bad, 0.5f));
                assertBothRefuse("value_coef " + bad, Status.BAD_ARGUMENT,
                        k -> k.a3cLossBackward(one, one, three, one, one, act, one, 1, 1, 0.01f, bad));
                assertBothRefuse("lr " + bad, Status.BAD_ARGUMENT, k -> k.sharedRmsprop(one, one, one, 1, bad, 0.9f, 0.1f));
                assertBothRefuse("eps " + bad, Status.BAD_ARGUMENT, k -> k.sharedRmsprop(one, one, one, 1, 0.1f, 0.9f, bad));
                assertBothRefuse("q coef " + bad, Status.BAD_ARGUMENT,
                        k -> k.qLossBackward(one, floats(arena, 0), one, act, one, 1, 1, bad));
                assertBothRefuse("momentum lr " + bad, Status.BAD_ARGUMENT, k -> k.momentumSgd(one, one, one, 1, bad, 0.9f));
                assertBothRefuse("gaussian entropy_beta " + bad, Status.BAD_ARGUMENT,
                        k -> k.gaussianLossBackward(one, one, one, three, one, one, one, one, one, 1, 1, bad, 0.5f));
                assertBothRefuse("gaussian value_coef " + bad, Status.BAD_ARGUMENT,
                        k -> k.gaussianLossBackward(one, one, one, three, one, one, one, one, one, 1, 1, 1e-4f, bad));
            }
            for (float bad : new float[] {-0.01f, 1.01f, Float.NaN, Float.POSITIVE_INFINITY}) {
                assertBothRefuse("alpha " + bad, Status.BAD_ARGUMENT, k -> k.sharedRmsprop(one, one, one, 1, 0.1f, bad, 0.1f));
                assertBothRefuse("momentum alpha " + bad, Status.BAD_ARGUMENT, k -> k.momentumSgd(one, one, one, 1, 0.1f, bad));
            }
            for (int bad : new int[] {-1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
                assertBothRefuse("q action " + bad, Status.BAD_ARGUMENT,
                        k -> k.qLossBackward(floats(arena, 0, 0), floats(arena, 0), floats(arena, 1, 2), ints(arena, bad), one, 1, 2, 1f));
            }
            assertBothRefuse("max_norm NaN", Status.BAD_ARGUMENT, k -> k.clipGradNorm(one, floats(arena, 0), 1, Float.NaN));
            // a norm beyond FLT_MAX cannot be reported as a float: non-finite for both
            assertBothRefuse("norm beyond FLT_MAX", Status.NON_FINITE,
                    k -> k.clipGradNorm(floats(arena, 3e38f, 3e38f), floats(arena, 0), 2, 1f));
            assertBothRefuse("infinite gradient", Status.NON_FINITE,
                    k -> k.clipGradNorm(floats(arena, 1f, Float.NEGATIVE_INFINITY), floats(arena, 0), 2, 1f));
        }
    }

    /**
     * The edges of every coefficient's domain (0, alpha 0 and 1, the largest finite float, an
     * infinite max_norm) and the smallest shapes: both kernels accept them and compute the same,
     * overflow to the same infinities included, on inputs where each term of the formula counts.
     */
    @Test
    void bothComputeTheSameAtTheEdgesOfEveryDomain() {
        float max = Float.MAX_VALUE;
        for (float[] bc : new float[][] {{0f, 0f}, {max, 0f}, {0f, max}, {max, max}}) {
            float beta = bc[0], c = bc[1];
            assertAgree("a3c_loss_backward, beta " + beta + ", c " + c, (k, arena) -> {
                MemorySegment dLogits = floats(arena, new float[3]), dValues = floats(arena, 0), stats = floats(arena, 0, 0, 0);
                k.a3cLossBackward(dLogits, dValues, stats, floats(arena, 0.3f, -0.2f, 1f), floats(arena, 0.5f), ints(arena, 1),
                        floats(arena, 1.5f), 1, 3, beta, c);
                float[] st = read(stats, 3);
                return new float[][] {read(dLogits, 3), read(dValues, 1), {st[0]}, {st[1]}, {st[2]}};
            });
            assertAgree("gaussian_loss_backward, beta " + beta + ", c " + c, (k, arena) -> {
                MemorySegment dMu = floats(arena, 0, 0), dV = floats(arena, 0), dValues = floats(arena, 0), stats = floats(arena, 0, 0, 0);
                k.gaussianLossBackward(dMu, dV, dValues, stats, floats(arena, 0.5f, -1f), floats(arena, 0.2f), floats(arena, 0.3f),
                        floats(arena, 1f, -0.5f), floats(arena, 2f), 1, 2, beta, c);
                float[] st = read(stats, 3);
                return new float[][] {read(dMu, 2), read(dV, 1), read(dValues, 1), {st[0]}, {st[1]}, {st[2]}};
            });
        }
        for (float coef : new float[] {0f, 1e-30f, max}) {
            assertAgree("q_loss_backward, coef " + coef, (k, arena) -> {
                MemorySegment dq = floats(arena, Float.NaN, Float.NaN), stats = floats(arena, Float.NaN);
                k.qLossBackward(dq, stats, floats(arena, 1f, 2f), ints(arena, 1), floats(arena, 0.5f), 1, 2, coef);
                return new float[][] {read(dq, 2), read(stats, 1)};
            });
        }
        // (lr, alpha, eps): nothing moves; only the newest gradient counts; g frozen; the largest step and eps
        for (float[] p : new float[][] {{0f, 0f, 0f}, {0.1f, 0f, 0f}, {0.1f, 1f, 1e-3f}, {max, 1f, max}, {max, 0.5f, 1e-3f}}) {
            assertAgree("shared_rmsprop, lr " + p[0] + ", alpha " + p[1] + ", eps " + p[2], (k, arena) -> {
                MemorySegment theta = floats(arena, 1f, -2f, 0.5f), g = floats(arena, 1f, 0.25f, 0.01f);
                k.sharedRmsprop(theta, g, floats(arena, 1f, -3f, 0.5f), 3, p[0], p[1], p[2]);
                return new float[][] {read(theta, 3), read(g, 3)};
            });
        }
        for (float[] p : new float[][] {{0f, 0f}, {0.1f, 0f}, {0.1f, 1f}, {max, 1f}, {max, 0.5f}}) {
            assertAgree("momentum_sgd, lr " + p[0] + ", alpha " + p[1], (k, arena) -> {
                MemorySegment theta = floats(arena, 1f, -2f, 0.5f), m = floats(arena, 1e-3f, -0.5f, 0f);
                k.momentumSgd(theta, m, floats(arena, 1f, -3f, 0.5f), 3, p[0], p[1]);
                return new float[][] {read(theta, 3), read(m, 3)};
            });
        }
        for (float maxNorm : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, Float.MIN_VALUE, 5f}) {
            assertAgree("clip_grad_norm, max_norm " + maxNorm, (k, arena) -> {
                MemorySegment grad = floats(arena, 3f, -4f), norm = floats(arena, -1f);
                k.clipGradNorm(grad, norm, 2, maxNorm);
                return new float[][] {read(grad, 2), read(norm, 1)};
            });
        }
        // the smallest shapes: K = H = W with a stride past the image, and one LSTM unit
        assertAgree("conv2d_forward, K = H = W", (k, arena) -> {
            MemorySegment y = floats(arena, Float.NaN);
            k.conv2dForward(y, floats(arena, 1, 2, 3, 4), floats(arena, 0.5f, -1, 0.25f, 2), floats(arena, 0.1f), 1, 1, 2, 2, 1, 2, 5);
            return new float[][] {read(y, 1)};
        });
        assertAgree("lstm_cell_forward, one unit", (k, arena) -> {
            MemorySegment h = floats(arena, Float.NaN), c = floats(arena, Float.NaN), gates = floats(arena, 0, 0, 0, 0);
            k.lstmCellForward(h, c, gates, floats(arena, 0.7f), floats(arena, -0.3f), floats(arena, 0.9f),
                    floats(arena, 0.5f, -1f, 0.25f, 2f), floats(arena, -0.5f, 1f, 0.75f, -2f), floats(arena, 0.1f, 0.2f, -0.3f, 0f),
                    1, 1, 1);
            return new float[][] {read(h, 1), read(c, 1), read(gates, 4)};
        });
    }
}
