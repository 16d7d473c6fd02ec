/*
 * Protects momentum SGD (contract version 2), in both kernels, against the formula of the paper's
 * supplementary section 7 (m ← αm + (1−α)dθ, θ ← θ − η·m) run in double over several steps; the
 * ends of alpha's domain (α = 0 is plain SGD, α = 1 keeps m and ignores dθ); lr = 0 moving only m;
 * and m being per thread: two momentum buffers stepping the same shared θ each add their own step.
 */
package dev.asyncrl.kernel;

import static dev.asyncrl.kernel.KernelTestSupport.assertClose;
import static dev.asyncrl.kernel.KernelTestSupport.floats;
import static dev.asyncrl.kernel.KernelTestSupport.read;
import static dev.asyncrl.kernel.KernelTestSupport.toDouble;
import static dev.asyncrl.kernel.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MomentumSgdTest {

    static Stream<Arguments> momentumCases() {
        // (N, lr, alpha): a usual momentum, a heavy one, an even mix, and the ends of alpha's domain
        return KernelTestSupport.withKernels(
                new Object[] {1, 1e-2f, 0.9f}, new Object[] {13, 1e-3f, 0.99f},
                new Object[] {257, 0.05f, 0.5f}, new Object[] {5, 0.1f, 0f},
                new Object[] {5, 0.1f, 1f});
    }

    @ParameterizedTest(name = "{0} N={1} lr={2} alpha={3}")
    @MethodSource("momentumCases")
    void momentumSgdFollowsThePaperOverSeveralSteps(Kernel kernel, int n, float lr, float alpha) {
        SplittableRandom rng = new SplittableRandom(61 + n);
        float[] theta0 = uniform(rng, n, -1, 1);
        float[] m0 = uniform(rng, n, -0.5, 0.5);  // non-zero, so a dropped alpha * m shows
        double[] theta = toDouble(theta0), m = toDouble(m0);
        int steps = 8;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment thetaSeg = floats(arena, theta0), mSeg = floats(arena, m0);
            for (int step = 0; step < steps; step++) {
                float[] d = uniform(rng, n, -2, 2);
                float[] dCopy = d.clone();
                MemorySegment dSeg = floats(arena, d);
                kernel.momentumSgd(thetaSeg, mSeg, dSeg, n, lr, alpha);
                for (int i = 0; i < n; i++) {
                    m[i] = (double) alpha * m[i] + (1.0 - alpha) * d[i];
                    theta[i] = theta[i] - (double) lr * m[i];
                }
                assertArrayEquals(dCopy, read(dSeg, n), "dtheta is read only");
                assertClose("m after step " + (step + 1), read(mSeg, n), m, 1e-5, 1e-6);
                assertClose("theta after step " + (step + 1), read(thetaSeg, n), theta, 1e-5, 1e-7);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void theEndsOfAlphaAndAZeroLearningRate(Kernel kernel) {
        // exact in float: every product below is by 0, 1 or 0.5 of small integers
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment theta = floats(arena, 1, -2, 3), m = floats(arena, 5, 5, 5);
            MemorySegment d = floats(arena, 1, 2, -4);
            // alpha = 0: plain SGD, m becomes dtheta
            kernel.momentumSgd(theta, m, d, 3, 0.5f, 0f);
            assertArrayEquals(new float[] {1, 2, -4}, read(m, 3), "alpha 0: m = dtheta");
            assertArrayEquals(new float[] {0.5f, -3, 5}, read(theta, 3), "alpha 0: theta -= lr * dtheta");
            // alpha = 1: m is kept, dtheta is ignored
            kernel.momentumSgd(theta, m, floats(arena, 100, -100, 7), 3, 0.5f, 1f);
            assertArrayEquals(new float[] {1, 2, -4}, read(m, 3), "alpha 1: m unchanged");
            assertArrayEquals(new float[] {0, -4, 7}, read(theta, 3), "alpha 1: theta -= lr * m");
            // lr = 0: m moves, theta does not
            kernel.momentumSgd(theta, m, floats(arena, 3, 0, 0), 3, 0f, 0.5f);
            assertArrayEquals(new float[] {2, 1, -2}, read(m, 3), "lr 0: m still updated");
            assertArrayEquals(new float[] {0, -4, 7}, read(theta, 3), "lr 0: theta unchanged");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void eachThreadHasItsOwnMomentumOnTheSharedParameters(Kernel kernel) {
        // two "threads" (called in turn) with their own m and gradients step one shared theta
        int n = 9;
        float lr = 0.1f, alpha = 0.9f;
        SplittableRandom rng = new SplittableRandom(67);
        float[] theta0 = uniform(rng, n, -1, 1), mA0 = uniform(rng, n, -1, 1), mB0 = uniform(rng, n, -1, 1);
        float[] dA = uniform(rng, n, -1, 1), dB = uniform(rng, n, -1, 1);
        double[] theta = toDouble(theta0), mA = toDouble(mA0), mB = toDouble(mB0);
        for (int i = 0; i < n; i++) {
            mA[i] = alpha * mA[i] + (1.0 - alpha) * dA[i];
            mB[i] = alpha * mB[i] + (1.0 - alpha) * dB[i];
            theta[i] -= (double) lr * mA[i] + (double) lr * mB[i];
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shared = floats(arena, theta0), mASeg = floats(arena, mA0), mBSeg = floats(arena, mB0);
            kernel.momentumSgd(shared, mASeg, floats(arena, dA), n, lr, alpha);
            kernel.momentumSgd(shared, mBSeg, floats(arena, dB), n, lr, alpha);
            assertClose("m of thread A", read(mASeg, n), mA, 1e-6, 1e-7);
            assertClose("m of thread B", read(mBSeg, n), mB, 1e-6, 1e-7);
            assertClose("shared theta", read(shared, n), theta, 1e-6, 1e-7);
        }
    }
}
