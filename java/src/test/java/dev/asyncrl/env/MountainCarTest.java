package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * MountainCar-v0's contract: the reset distribution and seeding, one step checked against the
 * equations worked by hand, the inelastic left wall, termination at the flag under an
 * energy-pumping policy, the 200-step truncation of a car left alone, and refusals.
 */
class MountainCarTest {
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment obs = arena.allocate(2 * Float.BYTES);

    private float[] read() {
        return obs.toArray(JAVA_FLOAT);
    }

    @Test
    void sizes() {
        MountainCar env = new MountainCar();
        assertEquals("MountainCar-v0", env.id());
        assertEquals(2, env.observationSize());
        assertEquals(3, env.actionCount());
        assertEquals(200, env.maxEpisodeSteps());
        assertEquals("MountainCar-v0", Envs.create("mountaincar").id());
    }

    @Test
    void resetIsSeededAndAtRestInTheValley() {
        MountainCar env = new MountainCar();
        for (long seed = 0; seed < 50; seed++) {
            env.reset(seed, obs);
            float[] o = read();
            assertTrue(o[0] >= -0.6f && o[0] <= -0.4f, "position in [-0.6, -0.4]: " + o[0]);
            assertEquals(0.0f, o[1], "starts at rest");
        }
        env.reset(42, obs);
        float[] a = read();
        env.reset(42, obs);
        assertArrayEquals(a, read(), "same seed, same start");
        env.reset(43, obs);
        assertNotEquals(a[0], read()[0], "another seed, another start");
        env.reset(42, obs);
        env.reset(obs);
        assertNotEquals(a[0], read()[0], "reset(obs) continues the stream");
    }

    @Test
    void oneStepMatchesTheEquations() {
        for (int action = 0; action < 3; action++) {
            MountainCar env = new MountainCar();
            env.reset(7, obs);
            float[] s = read();
            StepResult r = new StepResult();
            env.step(action, obs, r);
            // v' = v + (a - 1)·0.001 - 0.0025·cos(3p), within ±0.07; p' = p + v', within [-1.2, 0.6].
            double v = s[1] + (action - 1) * 0.001 - 0.0025 * Math.cos(3 * s[0]);
            double p = s[0] + v;
            assertArrayEquals(new float[] {(float) p, (float) v}, read(), 1e-7f, "action " + action);
            assertEquals(-1.0, r.reward);
            assertFalse(r.terminated || r.truncated);
        }
    }

    @Test
    void theLeftWallStopsTheCar() {
        // Pump towards the left wall (push along the velocity, but never right of the bottom) until
        // the car hits it: it stops dead there. Some seeds get there before 200 steps.
        int hits = 0;
        for (long seed = 0; seed < 20; seed++) {
            MountainCar env = new MountainCar();
            env.reset(seed, obs);
            StepResult r = new StepResult();
            do {
                float[] o = read();
                env.step(o[1] < 0 ? 0 : o[0] < 0 ? 2 : 0, obs, r);
            } while (!r.done() && read()[0] != -1.2f);
            if (read()[0] != -1.2f) continue;
            hits++;
            assertEquals(0.0f, read()[1], "stopped dead at the wall");
            // From rest at the wall, even pushing left, gravity rolls it back out.
            env.step(0, obs, r);
            double v = -0.001 - 0.0025 * Math.cos(3 * -1.2);
            assertArrayEquals(new float[] {(float) (-1.2 + v), (float) v}, read(), 1e-7f);
            assertTrue(v > 0);
        }
        assertTrue(hits > 0, "some seed reaches the wall");
    }

    @Test
    void pumpingEnergyReachesTheFlagBefore200() {
        for (long seed = 0; seed < 10; seed++) {
            MountainCar env = new MountainCar();
            env.reset(seed, obs);
            StepResult r = new StepResult();
            int steps = 0;
            double total = 0;
            do {
                env.step(read()[1] >= 0 ? 2 : 0, obs, r); // push along the velocity
                steps++;
                total += r.reward;
                assertEquals(-1.0, r.reward, "-1 on every step, the last one included");
                float[] o = read();
                assertTrue(Math.abs(o[1]) <= 0.07f && o[0] >= -1.2f && o[0] <= 0.6f, "state within bounds");
            } while (!r.done());
            assertTrue(r.terminated && !r.truncated, "seed " + seed + ": reached the flag, not the time limit");
            assertTrue(env.succeeded(), "reaching the flag is a success");
            assertTrue(steps < 200, "seed " + seed + ": " + steps);
            assertTrue(read()[0] >= 0.5f && read()[1] >= 0f, "at the flag, not moving back");
            assertEquals(-steps, total);
            final StepResult last = r;
            assertThrows(IllegalStateException.class, () -> env.step(1, obs, last), "step after the end needs a reset");
        }
    }

    @Test
    void aCarLeftAloneIsTruncatedAt200() {
        MountainCar env = new MountainCar();
        env.reset(3, obs);
        StepResult r = new StepResult();
        int steps = 0;
        double total = 0;
        do {
            env.step(1, obs, r);
            steps++;
            total += r.reward;
        } while (!r.done());
        assertEquals(200, steps);
        assertTrue(r.truncated && !r.terminated, "time limit, not a terminal state");
        assertEquals(-200.0, total);
        assertFalse(env.succeeded(), "the time limit is no success");
        assertThrows(IllegalStateException.class, () -> env.step(1, obs, r));
    }

    @Test
    void badActionIsRefused() {
        MountainCar env = new MountainCar();
        assertThrows(IllegalStateException.class, () -> env.step(1, obs, new StepResult()), "step before reset");
        env.reset(1, obs);
        assertThrows(IllegalArgumentException.class, () -> env.step(3, obs, new StepResult()));
        assertThrows(IllegalArgumentException.class, () -> env.step(-1, obs, new StepResult()));
    }
}
