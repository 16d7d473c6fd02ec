package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.Env;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.ValueNet;
import dev.asyncrl.run.Trainer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The oracle for several environments per thread: one segment of a thread that steps K scripted
 * environments in lock-step changes θ by exactly the sum of what K one-environment threads change
 * it by, each on one of those environments, from the same θ (and θ⁻), segment after segment. The
 * optimizer is momentum SGD with α = 0 and η = 1 from m = 0, so θ's change is −dθ: the K-row
 * forward, the per-environment returns and targets, the waiting rows of an episode that ended
 * early, the per-environment LSTM state and the resets all show in dθ. The environments ignore
 * the actions, ε is 0 and A3C's policy all but certain, so nothing depends on a random draw.
 */
class EnvsPerThreadTest {
    private static final int T_MAX = 5, A = 3, SEGMENTS = 7;
    // Episode lengths and endings of the K environments: one ends mid-segment, one is truncated, one runs long.
    private static final int[] LENGTH = {7, 3, 12};
    private static final boolean[] TERMINATES = {true, false, true};

    /** One actor-learner on its own θ (and θ⁻), momentum block and environments. */
    private static final class Learner implements AutoCloseable {
        final SharedParams shared;
        final ActorLearner.Segments learner;
        final Arena arena = Arena.ofConfined();
        final long n;

        Learner(String algo, Mlp net, Hyperparameters hp, List<Env> envs) {
            boolean valueBased = !algo.equals("a3c");
            shared = new SharedParams(net.layout(), valueBased, 1);
            n = net.layout().size();
            TrainingContext ctx = new TrainingContext(new JavaKernel(), shared, 1_000_000_000L, Double.NaN, 1_000_000_000L);
            learner = Algorithm.parse(algo).worker(ctx, net, hp, envs, 7, 0).learner(arena);
        }

        /** θ ← theta, θ⁻ ← target, m ← 0; one segment; returns θ's change. */
        float[] segment(float[] theta, float[] target) {
            MemorySegment.copy(theta, 0, shared.theta(), JAVA_FLOAT, 0, theta.length);
            if (shared.hasTarget()) MemorySegment.copy(target, 0, shared.target(), JAVA_FLOAT, 0, target.length);
            shared.optimizerState(0).fill((byte) 0);
            learner.segment();
            float[] after = shared.theta().asSlice(0, n * Float.BYTES).toArray(JAVA_FLOAT);
            for (int i = 0; i < after.length; i++) after[i] -= theta[i];
            return after;
        }

        @Override
        public void close() {
            arena.close();
            shared.close();
        }
    }

    @ParameterizedTest(name = "{0}, lstm {1}")
    @CsvSource({"a3c,0", "a3c,4", "nstep-q,0", "onestep-q,0", "onestep-sarsa,0"})
    void aSegmentOfKEnvironmentsIsTheSumOfKOneEnvironmentSegments(String algo, int lstm) {
        int K = LENGTH.length;
        Hyperparameters base = SegmentHarness.hp(T_MAX, 0.9, 1_000_000_000L, 0, 0.0)
                .withOptimizer(Hyperparameters.OptimizerKind.MOMENTUM).withMomentum(0).withLr(1.0);
        Mlp net = Trainer.network(algo, new ScriptedEnv(A, 5, true), null, new int[] {8}, lstm, Activation.TANH, ValueNet.SHARED);
        List<Env> together = new ArrayList<>();
        List<Learner> alone = new ArrayList<>();
        for (int e = 0; e < K; e++) {
            together.add(new ScriptedEnv(A, LENGTH[e], TERMINATES[e]));
            alone.add(new Learner(algo, net, base, List.of(new ScriptedEnv(A, LENGTH[e], TERMINATES[e]))));
        }
        try (Learner all = new Learner(algo, net, base.withEnvsPerThread(K), together)) {
            float[] theta = new float[(int) all.n], target = new float[(int) all.n];
            try (SharedParams init = new SharedParams(net.layout(), true, 0)) {
                net.initialize(init.theta(), 1);
                net.initialize(init.target(), 2);
                MemorySegment.copy(init.theta(), JAVA_FLOAT, 0, theta, 0, theta.length);
                MemorySegment.copy(init.target(), JAVA_FLOAT, 0, target, 0, target.length);
            }
            if (algo.equals("a3c")) {
                // A3C samples its actions, from streams that differ between the threads: a policy
                // whose first action has probability 1 − 4e-9 takes the same actions in all of them.
                // Its policy gradient then vanishes; the value loss's still runs through the torso
                // and the LSTM (the Q methods' losses depend on the actions, greedy here).
                long bias = net.layout().get("policy.bias").offset();
                theta[(int) bias] = 20f;
            }
            for (int s = 0; s < SEGMENTS; s++) {
                float[] got = all.segment(theta, target);
                float[] expect = new float[got.length];
                for (Learner one : alone) {
                    float[] d = one.segment(theta, target);
                    for (int i = 0; i < d.length; i++) expect[i] += d[i];
                }
                double scale = 0, worst = 0;
                for (int i = 0; i < got.length; i++) {
                    scale = Math.max(scale, Math.abs(expect[i]));
                    worst = Math.max(worst, Math.abs(got[i] - expect[i]));
                }
                assertTrue(scale > 1e-3, "segment " + s + ": the update moved θ");
                assertTrue(worst <= 1e-4 * scale, "segment " + s + ": |Δθ(K) − ΣΔθ(1)| = " + worst + " against |Δθ| up to " + scale);
            }
        } finally {
            for (Learner one : alone) one.close();
        }
    }

    @ParameterizedTest
    @CsvSource({"0", "257"})
    void aCountOutsideOneTo256IsRefused(int k) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Hyperparameters.PAPER.withEnvsPerThread(k));
        assertEquals("--envs-per-thread must be in [1, 256], got " + k, e.getMessage());
    }
}
