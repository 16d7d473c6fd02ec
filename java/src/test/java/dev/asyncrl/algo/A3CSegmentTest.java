package dev.asyncrl.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.asyncrl.net.Mlp;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A3C's {@code segment()} on a scripted environment: which states the loss sees, the n-step
 * returns and where each bootstraps (a terminal state from 0, a truncated episode and a full
 * segment from V(s_t; θ'), θ' the copy the segment acted with), one optimizer update per segment,
 * and an LSTM's state carried from segment to segment and zeroed when an episode starts. The
 * environment ignores the actions, so none of this depends on what the policy samples.
 */
class A3CSegmentTest {
    private static final int T_MAX = 5, A = 3;
    private static final double GAMMA = 0.9;

    /**
     * Plays {@code segments} segments and checks each against the script: t = min(t_max, steps
     * left in the episode), V(s_i; θ') for the states k..k+t−1 the episode is at, and the returns
     * R_i = r_i + γR_{i+1} from R_t = 0 after a terminal state, else V(s_t; θ').
     */
    private static void playAndCheck(ScriptedEnv env, int length, boolean terminates, int segments) {
        try (SegmentHarness h = new SegmentHarness("a3c", env, SegmentHarness.hp(T_MAX, GAMMA, 1, 0, 0), 0)) {
            int k = 0;
            for (int s = 0; s < segments; s++) {
                float[] thetaPrime = h.theta();  // one thread: θ' of the next segment is θ now
                int t = h.segment();
                int expectT = Math.min(T_MAX, length - k);
                assertEquals(expectT, t, "segment " + s + ": steps");
                boolean end = k + t == length;
                double R = end && terminates ? 0 : h.outputs(thetaPrime, Mlp.VALUE, k + t)[0];
                double[] expectReturns = new double[t];
                float[] expectValues = new float[t];
                for (int i = t - 1; i >= 0; i--) {
                    R = ScriptedEnv.reward(k + i) + GAMMA * R;
                    expectReturns[i] = R;
                    expectValues[i] = h.outputs(thetaPrime, Mlp.VALUE, k + i)[0];
                }
                assertEquals(1, h.kernel.a3c.size(), "segment " + s + ": one loss");
                RecordingKernel.A3cCall call = h.kernel.a3c.getFirst();
                assertArrayEquals(expectValues, call.values(), 1e-6f, "segment " + s + ": V(s_i; θ') of states " + k + "..");
                for (int i = 0; i < t; i++) {
                    assertEquals(expectReturns[i], call.returns()[i], 1e-4, "segment " + s + ": R_" + i
                            + " (episode steps " + k + ".." + (k + t) + ", " + (end ? terminates ? "terminal" : "truncated" : "mid-episode")
                            + "), got " + Arrays.toString(call.returns()));
                }
                k = end ? 0 : k + t;
            }
        }
    }

    @Test
    void aTerminalStateBootstrapsZeroAndAFullSegmentFromV() {
        // episodes of 7: segments of 5 (bootstrap V(s_5)) and 2 (terminal), then a new episode
        playAndCheck(new ScriptedEnv(A, 7, true), 7, true, 5);
    }

    @Test
    void aTruncatedEpisodeBootstrapsFromVOfItsLastState() {
        playAndCheck(new ScriptedEnv(A, 7, false), 7, false, 5);
    }

    @Test
    void episodesShorterThanTMaxEndTheirSegments() {
        playAndCheck(new ScriptedEnv(A, 3, true), 3, true, 4);
        playAndCheck(new ScriptedEnv(A, 3, false), 3, false, 4);
    }

    @Test
    void eachSegmentAppliesExactlyOneUpdate() {
        try (SegmentHarness h = new SegmentHarness("a3c", new ScriptedEnv(A, 7, true), SegmentHarness.hp(T_MAX, GAMMA, 1, 0, 0), 0)) {
            for (int s = 0; s < 6; s++) {
                float[] before = h.theta();
                int t = h.segment();
                assertEquals(1, h.kernel.optimizerUpdates, "segment " + s + " (" + t + " steps): updates of θ");
                assertEquals(t, h.kernel.a3c.getFirst().returns().length, "segment " + s + ": every step in the one loss");
                assertFalse(Arrays.equals(before, h.theta()), "segment " + s + ": θ moved");
                assertEquals(s + 1, h.ctx.staleness().updates(), "updates counted");
            }
        }
    }

    @Test
    void anLstmCarriesItsStateAcrossSegmentsAndZeroesItAtAnEpisodesStart() {
        // episodes of 12: segments of 5, 5 and 2 (terminal), then the next episode's 5, ...
        ScriptedEnv env = new ScriptedEnv(A, 12, true);
        try (SegmentHarness h = new SegmentHarness("a3c", env, SegmentHarness.hp(T_MAX, GAMMA, 1, 0, 0), 4)) {
            List<RecordingKernel.LstmCall> previous = null;
            int k = 0;
            for (int s = 0; s < 6; s++) {
                int t = h.segment();
                List<RecordingKernel.LstmCall> calls = List.copyOf(h.kernel.lstm);
                boolean end = k + t == 12;
                assertEquals(end ? t : t + 1, calls.size(), "segment " + s + ": a step per state, and one for V(s_t) unless terminal");
                RecordingKernel.LstmCall first = calls.getFirst();
                if (k == 0) {
                    assertArrayEquals(new float[4], first.hPrev(), "segment " + s + ": an episode starts from h = 0");
                    assertArrayEquals(new float[4], first.cPrev(), "segment " + s + ": an episode starts from c = 0");
                } else {
                    // s_k was last seen as the previous segment's s_t: the state after its step t−1
                    RecordingKernel.LstmCall lastStep = previous.get(previous.size() - 2);
                    assertNotEquals(0f, lastStep.h()[0], "a state worth carrying");
                    assertArrayEquals(lastStep.h(), first.hPrev(), "segment " + s + ": h carried from the previous segment");
                    assertArrayEquals(lastStep.c(), first.cPrev(), "segment " + s + ": c carried from the previous segment");
                }
                for (int i = 1; i < calls.size(); i++) {
                    assertArrayEquals(calls.get(i - 1).h(), calls.get(i).hPrev(), "segment " + s + ": row " + i + " reads row " + (i - 1) + "'s h");
                }
                previous = calls;
                k = end ? 0 : k + t;
            }
        }
    }
}
