/*
 * Protects the optimiser, in both kernels: shared RMSProp against the paper's formula
 * (g ← αg + (1−α)dθ², θ ← θ − η·dθ/√(g+ε), non-centred, ε inside the root) run in double over
 * several steps; and global-norm gradient clipping: the norm it reports, scaling only above
 * max_norm, max_norm ≤ 0 only measuring, and a non-finite gradient refused with NON_FINITE and
 * left untouched.
 */
package dev.asyncrl.kernel;

import static dev.asyncrl.kernel.KernelTestSupport.assertClose;
import static dev.asyncrl.kernel.KernelTestSupport.floats;
import static dev.asyncrl.kernel.KernelTestSupport.read;
import static dev.asyncrl.kernel.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RmsPropTest {

    static Stream<Arguments> rmspropCases() {
        // (N, lr, alpha, eps): the paper's setting, a small eps, and the ends of alpha's domain
        return KernelTestSupport.withKernels(
                new Object[] {1, 7e-4f, 0.99f, 0.1f}, new Object[] {13, 1e-2f, 0.9f, 1e-6f},
                new Object[] {257, 1e-3f, 0.99f, 1e-8f}, new Object[] {5, 0.05f, 0f, 1e-3f},
                new Object[] {5, 0.05f, 1f, 1e-3f});
    }

    @ParameterizedTest(name = "{0} N={1} lr={2} alpha={3} eps={4}")
    @MethodSource("rmspropCases")
    void sharedRmspropFollowsThePaperOverSeveralSteps(Kernel kernel, int n, float lr, float alpha, float eps) {
        SplittableRandom rng = new SplittableRandom(41 + n);
        float[] theta0 = uniform(rng, n, -1, 1);
        float[] g0 = uniform(rng, n, 0, 0.05);
        double[] theta = KernelTestSupport.toDouble(theta0), g = KernelTestSupport.toDouble(g0);
        int steps = 8;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment thetaSeg = floats(arena, theta0), gSeg = floats(arena, g0);
            for (int step = 0; step < steps; step++) {
                float[] d = uniform(rng, n, -2, 2);
                float[] dCopy = d.clone();
                MemorySegment dSeg = floats(arena, d);
                kernel.sharedRmsprop(thetaSeg, gSeg, dSeg, n, lr, alpha, eps);
                for (int i = 0; i < n; i++) {
                    g[i] = alpha * g[i] + (1.0 - alpha) * d[i] * d[i];
                    theta[i] = theta[i] - lr * d[i] / Math.sqrt(g[i] + eps);
                }
                assertArrayEquals(dCopy, read(dSeg, n), "dtheta is read only");
                assertClose("g after step " + (step + 1), read(gSeg, n), g, 1e-5, 1e-7);
                assertClose("theta after step " + (step + 1), read(thetaSeg, n), theta, 1e-5, 1e-7);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void sharedRmspropWithZeroLearningRateOnlyUpdatesTheStatistic(Kernel kernel) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment theta = floats(arena, 1, -2, 3), g = floats(arena, 0, 0, 0);
            kernel.sharedRmsprop(theta, g, floats(arena, 1, 2, -3), 3, 0f, 0.5f, 0.1f);
            assertArrayEquals(new float[] {1, -2, 3}, read(theta, 3));
            assertArrayEquals(new float[] {0.5f, 2f, 4.5f}, read(g, 3));
        }
    }

    // ---- clip_grad_norm --------------------------------------------------------------------------

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s);
    }

    static Stream<Arguments> clipSizes() {
        return KernelTestSupport.withKernels(new Object[] {1}, new Object[] {6}, new Object[] {101}, new Object[] {4096});
    }

    @ParameterizedTest(name = "{0} N={1}")
    @MethodSource("clipSizes")
    void clipScalesOnlyAboveMaxNorm(Kernel kernel, int n) {
        float[] grad = uniform(new SplittableRandom(53 + n), n, -1, 1);
        double norm = norm(grad);
        try (Arena arena = Arena.ofConfined()) {
            // above max_norm: reports the norm before clipping, scales to max_norm
            float maxNorm = (float) (norm / 3);
            MemorySegment g = floats(arena, grad), normOut = floats(arena, -1f);
            kernel.clipGradNorm(g, normOut, n, maxNorm);
            assertEquals(norm, read(normOut, 1)[0], 1e-6 * norm, "reported norm");
            double[] scaled = new double[n];
            for (int i = 0; i < n; i++) scaled[i] = grad[i] * (maxNorm / norm);
            float[] clipped = read(g, n);
            assertClose("clipped gradient", clipped, scaled, 1e-6, 1e-7);
            assertEquals(maxNorm, norm(clipped), 1e-5 * maxNorm, "norm after clipping");

            // at or below max_norm: untouched, bit for bit
            for (float above : new float[] {(float) (norm * 1.01), (float) (norm * 1000)}) {
                g = floats(arena, grad);
                kernel.clipGradNorm(g, normOut, n, above);
                assertArrayEquals(grad, read(g, n), "max_norm " + above + " above the norm " + norm);
                assertEquals(norm, read(normOut, 1)[0], 1e-6 * norm);
            }

            // max_norm <= 0 only measures
            for (float measureOnly : new float[] {0f, -1f, Float.NEGATIVE_INFINITY}) {
                g = floats(arena, grad);
                normOut = floats(arena, -1f);
                kernel.clipGradNorm(g, normOut, n, measureOnly);
                assertArrayEquals(grad, read(g, n), "max_norm " + measureOnly + " must not scale");
                assertEquals(norm, read(normOut, 1)[0], 1e-6 * norm, "max_norm " + measureOnly + " still measures");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void clipOfAnEmptyGradientReportsZero(Kernel kernel) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment normOut = floats(arena, -1f);
            kernel.clipGradNorm(floats(arena), normOut, 0, 1f);
            assertEquals(0f, read(normOut, 1)[0]);
        }
    }

    static Stream<Arguments> nonFiniteGradients() {
        return KernelTestSupport.withKernels(
                new Object[] {"NaN", new float[] {1, Float.NaN, 2}},
                new Object[] {"+inf", new float[] {Float.POSITIVE_INFINITY, 0, 0, 1}},
                new Object[] {"-inf", new float[] {3, Float.NEGATIVE_INFINITY}},
                new Object[] {"norm beyond FLT_MAX", new float[] {3e38f, 3e38f, 1}});
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("nonFiniteGradients")
    void clipRefusesANonFiniteNormAndLeavesTheGradient(Kernel kernel, String what, float[] grad) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment g = floats(arena, grad), normOut = floats(arena, 0f);
            KernelException e = assertThrows(KernelException.class,
                    () -> kernel.clipGradNorm(g, normOut, grad.length, 1f));
            assertEquals(Status.NON_FINITE, e.status(), e.getMessage());
            assertEquals("clip_grad_norm", e.operation());
            assertTrue(e.getMessage().startsWith("clip_grad_norm"), e.getMessage());
            assertArrayEquals(grad, read(g, grad.length), "a refused gradient is left untouched");
            // the refused norm is still reported
            assertTrue(!Float.isFinite(read(normOut, 1)[0]), "norm_out holds the non-finite norm");
        }
    }
}
