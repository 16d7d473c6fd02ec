package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The targets of the three value-based methods, on hand-made target-network outputs: one-step Q
 * takes the max over θ⁻, Sarsa the value of the next action taken, n-step Q accumulates backwards
 * from a bootstrap from θ⁻; a terminal state gives 0 and a truncated one bootstraps. Also the
 * paper's per-thread ε draw and its annealing.
 */
class TargetsTest {
    private static final int A = 3;
    private static final float GAMMA = 0.5f;

    /** qTarget rows: row j holds Q(s_j, ·; θ⁻). */
    private static MemorySegment qTarget(Arena arena, float[][] rows) {
        MemorySegment q = arena.allocate((long) rows.length * A * Float.BYTES);
        for (int j = 0; j < rows.length; j++) for (int a = 0; a < A; a++) q.setAtIndex(JAVA_FLOAT, (long) j * A + a, rows[j][a]);
        return q;
    }

    private static float[] read(MemorySegment y, int t) {
        return y.asSlice(0, (long) t * Float.BYTES).toArray(JAVA_FLOAT);
    }

    private final float[][] q = {{0, 0, 0}, {1, 4, 2}, {3, -1, 0}, {-2, -5, 8}};
    private final float[] r = {1, 2, 3};

    @Test
    void oneStepQTakesTheMaxOverTheTargetNetwork() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = arena.allocate(3 * Float.BYTES);
            OneStepQ.targets(y, r, 3, false, qTarget(arena, q), A, GAMMA); // not terminal (or truncated): bootstrap
            assertArrayEquals(new float[] {1 + 0.5f * 4, 2 + 0.5f * 3, 3 + 0.5f * 8}, read(y, 3));
            OneStepQ.targets(y, r, 3, true, qTarget(arena, q), A, GAMMA); // s_3 terminal: y_2 = r_2
            assertArrayEquals(new float[] {1 + 0.5f * 4, 2 + 0.5f * 3, 3}, read(y, 3));
        }
    }

    @Test
    void sarsaUsesTheNextActionTaken() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = arena.allocate(3 * Float.BYTES);
            MemorySegment actions = arena.allocate(4 * Integer.BYTES);
            int[] a = {2, 0, 1, 0}; // a_0..a_3; a_3 chosen in s_3 before the update
            for (int i = 0; i < 4; i++) actions.setAtIndex(JAVA_INT, i, a[i]);
            OneStepSarsa.targets(y, r, 3, false, qTarget(arena, q), actions, A, GAMMA);
            // y_i = r_i + γ Q(s_{i+1}, a_{i+1}; θ⁻), not the max (4, 3, 8)
            assertArrayEquals(new float[] {1 + 0.5f * 1, 2 + 0.5f * -1, 3 + 0.5f * -2}, read(y, 3));
            OneStepSarsa.targets(y, r, 3, true, qTarget(arena, q), actions, A, GAMMA);
            assertEquals(3f, read(y, 3)[2], "terminal: no bootstrap");
        }
    }

    @Test
    void nStepReturnsRunBackwardsFromTheTargetNetwork() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = arena.allocate(3 * Float.BYTES);
            float bootstrap = QLearning.maxQ(qTarget(arena, q), 3, A); // max_a Q(s_3, a; θ⁻) = 8
            assertEquals(8f, bootstrap);
            Returns.nStep(y, r, 3, bootstrap, GAMMA);
            // R_2 = 3 + 4 = 7 ; R_1 = 2 + 3.5 = 5.5 ; R_0 = 1 + 2.75 = 3.75
            assertArrayEquals(new float[] {3.75f, 5.5f, 7f}, read(y, 3));
            Returns.nStep(y, r, 3, 0f, GAMMA); // terminal
            assertArrayEquals(new float[] {1 + 0.5f * (2 + 0.5f * 3), 2 + 0.5f * 3, 3}, read(y, 3));
        }
    }

    @Test
    void argmaxTakesTheFirstOnTies() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = qTarget(arena, new float[][] {{1, 5, 5}});
            assertEquals(1, EpsilonGreedy.argmaxQ(m, 0, A));
        }
    }

    @Test
    void finalEpsilonsAreDrawnWithThePapersProbabilities() {
        int n = 100_000, small = 0, tiny = 0, half = 0;
        for (int seed = 0; seed < n; seed++) {
            double e = EpsilonGreedy.drawFinalEpsilon(new SplittableRandom(seed), Hyperparameters.PAPER_EPSILONS,
                    Hyperparameters.PAPER_EPSILON_PROBS);
            if (e == 0.1) small++;
            else if (e == 0.01) tiny++;
            else if (e == 0.5) half++;
        }
        assertEquals(n, small + tiny + half, "only the paper's three values");
        // the binomial standard deviation at n = 100k is about 0.0015: 0.005 is more than three
        assertEquals(0.4, small / (double) n, 0.005);
        assertEquals(0.3, tiny / (double) n, 0.005);
        assertEquals(0.3, half / (double) n, 0.005);
    }

    @Test
    void epsilonAnnealsLinearlyFromOne() {
        assertEquals(1.0, EpsilonGreedy.epsilon(0.1, 0, 1000));
        assertEquals(0.55, EpsilonGreedy.epsilon(0.1, 500, 1000), 1e-12);
        assertEquals(0.1, EpsilonGreedy.epsilon(0.1, 1000, 1000));
        assertEquals(0.1, EpsilonGreedy.epsilon(0.1, 5000, 1000));
        assertEquals(0.01, EpsilonGreedy.epsilon(0.01, 0, 0), "no annealing");
    }
}
