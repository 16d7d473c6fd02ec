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
 * CartPole-v1's contract: Gymnasium's reset distribution, its Euler dynamics for one step checked
 * against the equations worked by hand, the 12° and 2.4 m terminations, the 500-step truncation,
 * and seeding.
 */
class CartPoleTest {
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment obs = arena.allocate(4 * Float.BYTES);

    private float[] read() {
        return obs.toArray(JAVA_FLOAT);
    }

    @Test
    void resetIsSeededAndSmall() {
        CartPole env = new CartPole();
        env.reset(42, obs);
        float[] a = read();
        for (float v : a) assertTrue(Math.abs(v) <= 0.05f, "reset state in [-0.05, 0.05]: " + v);
        env.reset(42, obs);
        assertArrayEquals(a, read(), "same seed, same start");
        env.reset(43, obs);
        assertNotEquals(a[0], read()[0], "another seed, another start");
    }

    @Test
    void oneStepMatchesTheEquationsOfMotion() {
        CartPole env = new CartPole();
        env.reset(7, obs);
        float[] s = read();
        StepResult r = new StepResult();
        env.step(1, obs, r);
        // Gymnasium's CartPole-v1 step from state s with force +10 N, worked by hand (Euler, tau 0.02):
        double x = s[0], xd = s[1], th = s[2], thd = s[3];
        double temp = (10.0 + 0.05 * thd * thd * Math.sin(th)) / 1.1;
        double thacc = (9.8 * Math.sin(th) - Math.cos(th) * temp) / (0.5 * (4.0 / 3.0 - 0.1 * Math.cos(th) * Math.cos(th) / 1.1));
        double xacc = temp - 0.05 * thacc * Math.cos(th) / 1.1;
        float[] expected = {(float) (x + 0.02 * xd), (float) (xd + 0.02 * xacc), (float) (th + 0.02 * thd), (float) (thd + 0.02 * thacc)};
        assertArrayEquals(expected, read(), 1e-6f);
        assertEquals(1.0, r.reward);
        assertFalse(r.terminated || r.truncated);
    }

    @Test
    void pushingOneWayTerminatesOnTheAngle() {
        CartPole env = new CartPole();
        env.reset(1, obs);
        StepResult r = new StepResult();
        int steps = 0;
        do {
            env.step(1, obs, r);
            steps++;
        } while (!r.done());
        assertTrue(r.terminated && !r.truncated);
        assertEquals(1.0, r.reward, "the terminating step is rewarded too");
        assertTrue(Math.abs(read()[2]) > 12 * 2 * Math.PI / 360, "pole past 12 degrees");
        assertTrue(steps > 5 && steps < 30, "falls in a few steps: " + steps);
        assertThrows(IllegalStateException.class, () -> env.step(0, obs, r), "step after the end needs a reset");
    }

    @Test
    void aBalancingControllerIsTruncatedAt500() {
        CartPole env = new CartPole();
        env.reset(3, obs);
        StepResult r = new StepResult();
        int steps = 0;
        double total = 0;
        do {
            float[] s = read();
            int a = s[2] + 0.5f * s[3] + 0.01f * s[0] + 0.1f * s[1] > 0 ? 1 : 0; // lean and cart feedback
            env.step(a, obs, r);
            total += r.reward;
            steps++;
        } while (!r.done());
        assertEquals(500, steps);
        assertTrue(r.truncated && !r.terminated, "time limit, not a terminal state");
        assertEquals(500.0, total);
    }

    @Test
    void badActionIsRefused() {
        CartPole env = new CartPole();
        env.reset(1, obs);
        assertThrows(IllegalArgumentException.class, () -> env.step(2, obs, new StepResult()));
    }
}
