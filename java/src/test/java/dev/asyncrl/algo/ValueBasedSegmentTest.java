package dev.asyncrl.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.net.Mlp;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The value-based loops' {@code segment()} (n-step Q, one-step Q, one-step Sarsa) on a scripted
 * environment: each method's targets and where they bootstrap (0 after a terminal state, else from
 * the target network θ⁻, which starts from other weights than θ), Sarsa's next action carried into
 * the next segment, θ⁻ ← θ once per multiple of I_target reached by T, one optimizer update per
 * segment of up to t_max (I_AsyncUpdate) steps, and ε annealed from 1 to the final ε. The
 * environment ignores the actions: what is asserted holds for any random draw (the ε test counts
 * exploratory actions against a bound of six standard deviations).
 */
class ValueBasedSegmentTest {
    private static final int T_MAX = 5, A = 4;
    private static final double GAMMA = 0.9;
    private static final long NEVER = 1L << 40;  // an I_target no test reaches: θ⁻ keeps its own weights

    /** The targets y_i the method should compute for a segment of t steps from episode step k. */
    private static double[] expectedTargets(String algo, SegmentHarness h, float[] target, RecordingKernel.QCall call,
                                            int k, int t, boolean terminal) {
        double[] y = new double[t];
        if (algo.equals("nstep-q")) {
            double R = terminal ? 0 : SegmentHarness.max(h.outputs(target, Mlp.Q, k + t));
            for (int i = t - 1; i >= 0; i--) y[i] = R = ScriptedEnv.reward(k + i) + GAMMA * R;
            return y;
        }
        for (int i = 0; i < t; i++) {
            double next = 0;
            if (!(i == t - 1 && terminal)) {
                float[] q = h.outputs(target, Mlp.Q, k + i + 1);
                next = algo.equals("onestep-q") ? SegmentHarness.max(q) : q[call.actions()[i + 1]];
            }
            y[i] = ScriptedEnv.reward(k + i) + GAMMA * next;
        }
        return y;
    }

    private static void playAndCheck(String algo, int length, boolean terminates) {
        ScriptedEnv env = new ScriptedEnv(A, length, terminates);
        // ε = 1: uniformly random actions, so Sarsa's a_{i+1} vary
        try (SegmentHarness h = new SegmentHarness(algo, env, SegmentHarness.hp(T_MAX, GAMMA, NEVER, 0, 1.0), 0)) {
            float[] target = h.target();
            assertFalse(Arrays.equals(target, h.theta()), "θ⁻ and θ differ, so the network a bootstrap reads shows");
            int k = 0;
            for (int s = 0; s < 5; s++) {
                float[] thetaPrime = h.theta();
                int takenBefore = env.taken.size();
                int t = h.segment();
                assertEquals(Math.min(T_MAX, length - k), t, "segment " + s + ": steps");
                boolean end = k + t == length;
                RecordingKernel.QCall call = h.kernel.q.getFirst();
                for (int i = 0; i < t; i++) {
                    assertArrayEquals(h.outputs(thetaPrime, Mlp.Q, k + i), Arrays.copyOfRange(call.q(), i * A, (i + 1) * A), 1e-6f,
                            "segment " + s + ": Q(s_" + (k + i) + "; θ')");
                    assertEquals(env.taken.get(takenBefore + i), call.actions()[i], "segment " + s + ": a_" + i + " is the action taken");
                }
                double[] y = expectedTargets(algo, h, target, call, k, t, end && terminates);
                for (int i = 0; i < t; i++) {
                    assertEquals(y[i], call.targets()[i], 1e-4, algo + " segment " + s + ": y_" + i + " (episode steps " + k + ".."
                            + (k + t) + ", " + (end ? terminates ? "terminal" : "truncated" : "mid-episode") + "), got "
                            + Arrays.toString(call.targets()));
                }
                assertArrayEquals(target, h.target(), "θ⁻ untouched before I_target");
                k = end ? 0 : k + t;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nstep-q", "onestep-q", "onestep-sarsa"})
    void terminalStatesBootstrapZeroAndOthersFromTheTargetNetwork(String algo) {
        playAndCheck(algo, 7, true);   // segments of 5 (mid-episode) and 2 (terminal)
        playAndCheck(algo, 3, true);   // episodes shorter than t_max
    }

    @ParameterizedTest
    @ValueSource(strings = {"nstep-q", "onestep-q", "onestep-sarsa"})
    void aTruncatedEpisodeBootstrapsFromTheTargetNetwork(String algo) {
        playAndCheck(algo, 7, false);
        playAndCheck(algo, 3, false);
    }

    @Test
    void sarsaTakesTheNextActionItBootstrappedFrom() {
        ScriptedEnv env = new ScriptedEnv(A, 1000, true);
        try (SegmentHarness h = new SegmentHarness("onestep-sarsa", env, SegmentHarness.hp(T_MAX, GAMMA, NEVER, 0, 1.0), 0)) {
            int chosen = -1;
            for (int s = 0; s < 20; s++) {
                int takenBefore = env.taken.size();
                int t = h.segment();
                if (chosen >= 0) {
                    assertEquals(chosen, env.taken.get(takenBefore), "segment " + s + ": the first action is a_t of the segment before");
                }
                chosen = h.kernel.q.getFirst().actions()[t];
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nstep-q", "onestep-q", "onestep-sarsa"})
    void theTargetNetworkSyncsOncePerMultipleOfITarget(String algo) {
        // I_target = 7 and segments of 5: T = 10 passes 7, T = 35 lands on 5·7, T = 20 reaches no multiple
        long I = 7;
        try (SegmentHarness h = new SegmentHarness(algo, new ScriptedEnv(A, 1000, true), SegmentHarness.hp(T_MAX, GAMMA, I, 0, 1.0), 0)) {
            float[] target = h.target();
            int syncs = 0;
            boolean heldOnce = false;
            for (int s = 0; s < 15; s++) {
                h.segment();
                long T = h.ctx.globalSteps();
                float[] now = h.target();
                if (!Arrays.equals(now, target)) {
                    syncs++;
                    assertArrayEquals(h.theta(), now, "T = " + T + ": θ⁻ is a copy of θ after the update");
                } else {
                    heldOnce |= !Arrays.equals(now, h.theta());
                }
                assertEquals(T / I, syncs, "T = " + T + ": one sync per multiple of I_target reached");
                target = now;
            }
            assertTrue(heldOnce, "between syncs θ⁻ stays behind θ");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nstep-q", "onestep-q", "onestep-sarsa"})
    void eachSegmentOfUpToTMaxStepsIsOneUpdate(String algo) {
        // the one-step methods accumulate I_AsyncUpdate = t_max steps, or up to an episode's end, into one update
        try (SegmentHarness h = new SegmentHarness(algo, new ScriptedEnv(A, 7, true), SegmentHarness.hp(T_MAX, GAMMA, NEVER, 0, 1.0), 0)) {
            for (int s = 0; s < 6; s++) {
                float[] before = h.theta();
                int t = h.segment();
                assertEquals(s % 2 == 0 ? 5 : 2, t, "segment " + s + ": steps");
                assertEquals(1, h.kernel.optimizerUpdates, "segment " + s + ": updates of θ");
                assertEquals(List.of(t), h.kernel.q.stream().map(c -> c.targets().length).toList(), "segment " + s + ": one loss over every step");
                assertFalse(Arrays.equals(before, h.theta()), "segment " + s + ": θ moved");
                assertEquals(s + 1, h.ctx.staleness().updates(), "updates counted");
            }
        }
    }

    @Test
    void epsilonAnnealsFromOneToItsFinalValue() {
        // final ε 0 over 2000 steps: a step at T explores with probability ε(T)·(A−1)/A (a random
        // action may be the greedy one), ε(T) = 1 − T/2000, then never
        long steps = 2000;
        try (SegmentHarness h = new SegmentHarness("nstep-q", new ScriptedEnv(A, 50, false), SegmentHarness.hp(T_MAX, GAMMA, NEVER, steps, 0.0), 0)) {
            double expected = 0, variance = 0, expectedEarly = 0;
            int explored = 0, exploredEarly = 0, exploredAfter = 0;
            while (h.ctx.globalSteps() < steps + 1000) {
                long T = h.ctx.globalSteps();
                int t = h.segment();
                RecordingKernel.QCall call = h.kernel.q.getFirst();
                int n = 0;
                for (int i = 0; i < t; i++) if (call.actions()[i] != SegmentHarness.argmax(call.q(), i, A)) n++;
                double p = Math.max(0, 1 - (double) T / steps) * (A - 1) / A;
                if (T >= steps) {
                    exploredAfter += n;
                    continue;
                }
                explored += n;
                expected += t * p;
                variance += t * p * (1 - p);
                if (T < 500) {
                    exploredEarly += n;
                    expectedEarly += t * p;
                }
            }
            assertEquals(0, exploredAfter, "past the annealing: greedy only");
            double sd = Math.sqrt(variance);
            assertEquals(expected, explored, 6 * sd, "exploratory actions while ε anneals (expected " + expected + ")");
            // the first quarter alone: about ε = 0.875 on average, far from the final 0 or a flat mean of 0.5
            assertEquals(expectedEarly, exploredEarly, 6 * Math.sqrt(expectedEarly), "exploratory actions in T < 500");
        }
    }
}
