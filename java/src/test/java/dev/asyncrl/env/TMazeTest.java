package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The T-maze's contract: the cue appears in the first observation only, the rewards of each
 * choice and of bumping, the time limit; a policy with memory succeeds every time, while every deterministic
 * function of the current observation (all 3^4 of them) succeeds at chance, about half the time.
 */
class TMazeTest {
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment obs = arena.allocate(4 * Float.BYTES);
    private final StepResult r = new StepResult();

    private float[] read() {
        return obs.toArray(JAVA_FLOAT);
    }

    private static int cue(float[] first) {
        assertEquals(1f, first[0] + first[1], "exactly one cue in the first observation: " + Arrays.toString(first));
        return first[0] == 1f ? TMaze.LEFT : TMaze.RIGHT;
    }

    @Test
    void theCueIsShownOnlyInTheFirstObservation() {
        TMaze env = new TMaze(5);
        SplittableRandom actions = new SplittableRandom(3);
        int lefts = 0, episodes = 400;
        for (int e = 0; e < episodes; e++) {
            env.reset(e, obs);
            float[] first = read();
            if (cue(first) == TMaze.LEFT) lefts++;
            assertEquals(1f, first[2], "the start is in the corridor");
            assertEquals(0f, first[3]);
            do {
                env.step(actions.nextInt(3), obs, r);
                float[] o = read();
                assertEquals(0f, o[0], "no cue after the first step");
                assertEquals(0f, o[1], "no cue after the first step");
                if (!r.terminated) assertEquals(1f, o[2] + o[3], "in the corridor or at the junction: " + Arrays.toString(o));
            } while (!r.done());
        }
        assertTrue(lefts > 150 && lefts < 250, "the goal is left about half the time: " + lefts + " of " + episodes);
    }

    @Test
    void theRewardOfEachChoice() {
        for (int choice : new int[] {TMaze.LEFT, TMaze.RIGHT}) {
            for (int seed = 0; seed < 20; seed++) {
                TMaze env = new TMaze(3);
                env.reset(seed, obs);
                int goal = cue(read());
                env.step(TMaze.LEFT, obs, r); // bumps the corridor's wall: stays
                assertEquals(-0.1, r.reward);
                env.step(TMaze.RIGHT, obs, r);
                assertEquals(-0.1, r.reward);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(new float[] {0, 0, 1, 0}, read(), "still in the corridor");
                    env.step(TMaze.FORWARD, obs, r);
                    assertEquals(0.0, r.reward);
                    assertFalse(r.done());
                }
                assertArrayEquals(new float[] {0, 0, 0, 1}, read(), "at the junction after 3 forward moves");
                env.step(TMaze.FORWARD, obs, r); // forward at the junction: stays
                assertArrayEquals(new float[] {0, 0, 0, 1}, read());
                assertEquals(-0.1, r.reward);
                assertFalse(r.done());
                env.step(choice, obs, r);
                assertTrue(r.terminated && !r.truncated);
                assertEquals(choice == goal ? 1.0 : -1.0, r.reward);
                assertEquals(choice == goal, env.succeeded());
                assertThrows(IllegalStateException.class, () -> env.step(0, obs, r), "step after the end needs a reset");
            }
        }
    }

    @Test
    void waitingAtTheJunctionIsCutByTheTimeLimit() {
        TMaze env = new TMaze(5);
        assertEquals(24, env.maxEpisodeSteps());
        env.reset(1, obs);
        int steps = 0;
        double total = 0;
        do {
            env.step(TMaze.FORWARD, obs, r);
            steps++;
            assertEquals(steps <= 5 ? 0.0 : -0.1, r.reward, "step " + steps);
            total += r.reward;
        } while (!r.done());
        assertEquals(24, steps);
        assertTrue(r.truncated && !r.terminated);
        assertFalse(env.succeeded());
        assertEquals(-0.1 * 19, total, 1e-9, "19 bumps at the junction");
    }

    @Test
    void aPolicyWithMemorySucceedsEveryTime() {
        TMaze env = (TMaze) Envs.create("tmaze");
        env.reset(99, obs);
        for (int e = 0; e < 1000; e++) {
            if (e > 0) env.reset(obs);
            int remembered = cue(read());
            int steps = 0;
            do {
                env.step(read()[3] == 1f ? remembered : TMaze.FORWARD, obs, r);
                steps++;
            } while (!r.done());
            assertTrue(env.succeeded());
            assertEquals(1.0, r.reward);
            assertEquals(TMaze.DEFAULT_LENGTH + 1, steps);
        }
    }

    @Test
    void everyFunctionOfTheCurrentObservationSucceedsAtChance() {
        // The observations a T-maze can show before it ends: the two cued starts, the corridor, the junction.
        List<float[]> kinds = List.of(new float[] {1, 0, 1, 0}, new float[] {0, 1, 1, 0},
                new float[] {0, 0, 1, 0}, new float[] {0, 0, 0, 1});
        Map<String, Integer> index = new LinkedHashMap<>();
        for (float[] k : kinds) index.put(Arrays.toString(k), index.size());
        int episodes = 2000;
        List<Double> rates = new ArrayList<>();
        for (int policy = 0; policy < 81; policy++) { // every map from the 4 observations to the 3 actions
            int[] table = new int[4];
            for (int i = 0, p = policy; i < 4; i++, p /= 3) table[i] = p % 3;
            TMaze env = new TMaze(5);
            env.reset(2024, obs);
            int successes = 0;
            for (int e = 0; e < episodes; e++) {
                if (e > 0) env.reset(obs);
                double total = 0;
                do {
                    Integer kind = index.get(Arrays.toString(read()));
                    assertNotNull(kind, "an observation outside the four kinds: " + Arrays.toString(read()));
                    env.step(table[kind], obs, r);
                    total += r.reward;
                } while (!r.done());
                if (env.succeeded()) successes++;
                assertEquals(env.succeeded(), total > 0, "success is exactly a positive return");
            }
            double rate = successes / (double) episodes;
            assertTrue(rate <= 0.55, "policy " + Arrays.toString(table) + " succeeded " + rate + " of the time");
            rates.add(rate);
        }
        double best = rates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertTrue(best >= 0.45, "the best memoryless policies reach chance, 50%: " + best);
    }

    @Test
    void rendersTheMaze() {
        TMaze env = new TMaze(4);
        env.reset(1, obs);
        var img = env.render();
        assertEquals(3 * 48 + 32, img.getWidth());
        assertEquals(5 * 48 + 32, img.getHeight());
    }

    @Test
    void refusesABadLengthOrAction() {
        assertThrows(IllegalArgumentException.class, () -> new TMaze(0));
        TMaze env = new TMaze();
        env.reset(1, obs);
        assertThrows(IllegalArgumentException.class, () -> env.step(3, obs, r));
    }
}
