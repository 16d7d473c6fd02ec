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
 * Acrobot-v1's contract: the reset distribution and seeding, the book dynamics integrated by RK4
 * checked for a few steps against an independent integration in this test, the goal line, the
 * reward of -1 per step and 0 on reaching the goal, the 500-step truncation, and refusals.
 */
class AcrobotTest {
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment obs = arena.allocate(6 * Float.BYTES);

    private float[] read() {
        return obs.toArray(JAVA_FLOAT);
    }

    @Test
    void sizes() {
        Acrobot env = new Acrobot();
        assertEquals("Acrobot-v1", env.id());
        assertEquals(6, env.observationSize());
        assertEquals(3, env.actionCount());
        assertEquals(500, env.maxEpisodeSteps());
        assertEquals("Acrobot-v1", Envs.create("acrobot").id());
    }

    @Test
    void resetIsSeededAndNearTheBottom() {
        Acrobot env = new Acrobot();
        for (long seed = 0; seed < 50; seed++) {
            env.reset(seed, obs);
            float[] o = read();
            double th1 = Math.atan2(o[1], o[0]);
            double th2 = Math.atan2(o[3], o[2]);
            for (double v : new double[] {th1, th2, o[4], o[5]}) {
                assertTrue(Math.abs(v) <= 0.1 + 1e-6, "reset state in [-0.1, 0.1]: " + v);
            }
            assertEquals(1.0, o[0] * o[0] + o[1] * o[1], 1e-6, "cos² + sin² of θ1");
            assertEquals(1.0, o[2] * o[2] + o[3] * o[3], 1e-6, "cos² + sin² of θ2");
        }
        env.reset(42, obs);
        float[] a = read();
        env.reset(42, obs);
        assertArrayEquals(a, read(), "same seed, same start");
        env.reset(43, obs);
        assertNotEquals(a[4], read()[4], "another seed, another start");
        // reset(obs) continues the stream: the second episode starts elsewhere.
        env.reset(42, obs);
        env.reset(obs);
        assertNotEquals(a[4], read()[4]);
    }

    // ---- An independent integration of the book's equations, constants substituted by hand ----
    // m1 = m2 = 1, l1 = 1, lc1 = lc2 = 0.5, I1 = I2 = 1, g = 9.8:
    //   d1 = 3.5 + cos θ2,  d2 = 1.25 + 0.5 cos θ2,  φ2 = 4.9 sin(θ1 + θ2),
    //   φ1 = -0.5 θ̇2² sin θ2 - θ̇1 θ̇2 sin θ2 + 14.7 sin θ1 + φ2,
    //   θ̈2 = (τ + d2/d1 φ1 - 0.5 θ̇1² sin θ2 - φ2) / (1.25 - d2²/d1),  θ̈1 = -(d2 θ̈2 + φ1) / d1.

    private static double[] f(double[] q, double tau) {
        double t1 = q[0], t2 = q[1], w1 = q[2], w2 = q[3];
        double d1 = 3.5 + Math.cos(t2);
        double d2 = 1.25 + 0.5 * Math.cos(t2);
        double phi2 = 4.9 * Math.sin(t1 + t2);
        double phi1 = -0.5 * w2 * w2 * Math.sin(t2) - w1 * w2 * Math.sin(t2) + 14.7 * Math.sin(t1) + phi2;
        double acc2 = (tau + d2 / d1 * phi1 - 0.5 * w1 * w1 * Math.sin(t2) - phi2) / (1.25 - d2 * d2 / d1);
        double acc1 = -(d2 * acc2 + phi1) / d1;
        return new double[] {w1, w2, acc1, acc2};
    }

    private static double[] axpy(double[] y, double h, double[] k) {
        double[] r = new double[y.length];
        for (int i = 0; i < y.length; i++) r[i] = y[i] + h * k[i];
        return r;
    }

    /** Classical RK4 over h, then the angles wrapped and the speeds bounded. */
    private static double[] rk4Step(double[] y, double tau, double h) {
        double[] a = f(y, tau);
        double[] b = f(axpy(y, h / 2, a), tau);
        double[] c = f(axpy(y, h / 2, b), tau);
        double[] d = f(axpy(y, h, c), tau);
        double[] n = new double[4];
        for (int i = 0; i < 4; i++) n[i] = y[i] + h / 6 * (a[i] + 2 * b[i] + 2 * c[i] + d[i]);
        n[0] = Math.IEEEremainder(n[0], 2 * Math.PI);
        n[1] = Math.IEEEremainder(n[1], 2 * Math.PI);
        n[2] = Math.clamp(n[2], -4 * Math.PI, 4 * Math.PI);
        n[3] = Math.clamp(n[3], -9 * Math.PI, 9 * Math.PI);
        return n;
    }

    private static float[] observation(double[] q) {
        return new float[] {(float) Math.cos(q[0]), (float) Math.sin(q[0]), (float) Math.cos(q[1]),
                (float) Math.sin(q[1]), (float) q[2], (float) q[3]};
    }

    @Test
    void stepsMatchAnIndependentRk4OfTheBookDynamics() {
        Acrobot env = new Acrobot();
        env.reset(7, obs);
        float[] o = read();
        double[] q = {Math.atan2(o[1], o[0]), Math.atan2(o[3], o[2]), o[4], o[5]};
        int[] actions = {2, 2, 0, 1, 2, 0, 0, 2};
        StepResult r = new StepResult();
        for (int action : actions) {
            env.step(action, obs, r);
            q = rk4Step(q, action - 1.0, 0.2);
            assertArrayEquals(observation(q), read(), 1e-6f, "after action " + action);
            assertEquals(-1.0, r.reward);
            assertFalse(r.terminated || r.truncated);
        }
        // The torques have moved it: not the same as doing nothing.
        Acrobot idle = new Acrobot();
        idle.reset(7, obs);
        for (int i = 0; i < actions.length; i++) idle.step(1, obs, r);
        assertNotEquals(observation(q)[4], read()[4]);
    }

    @Test
    void constantTorqueNeverReachesTheGoalAndIsTruncatedAt500() {
        for (int action = 0; action < 3; action++) {
            Acrobot env = new Acrobot();
            env.reset(11 + action, obs);
            StepResult r = new StepResult();
            int steps = 0;
            double total = 0;
            do {
                env.step(action, obs, r);
                total += r.reward;
                steps++;
                float[] o = read();
                assertTrue(Math.abs(o[4]) <= (float) (4 * Math.PI) && Math.abs(o[5]) <= (float) (9 * Math.PI), "speeds bounded");
            } while (!r.done());
            assertEquals(500, steps, "action " + action);
            assertTrue(r.truncated && !r.terminated, "time limit, not a terminal state");
            assertEquals(-500.0, total);
            assertFalse(env.succeeded(), "the time limit is no success");
            final StepResult last = r;
            assertThrows(IllegalStateException.class, () -> env.step(1, obs, last), "step after the end needs a reset");
        }
    }

    /** Height of the tip above the pivot, in link lengths, from an observation: -cos θ1 - cos(θ1 + θ2). */
    private static double tipHeight(float[] o) {
        double cos12 = (double) o[0] * o[2] - (double) o[1] * o[3];
        return -o[0] - cos12;
    }

    @Test
    void pumpingEnergyThroughTheJointReachesTheGoal() {
        // Torque in the direction of θ̇2 feeds energy in (power τ·θ̇2 ≥ 0). Torque along θ̇1 alone
        // does not get there in 500 steps; this does, in about 70 to 150.
        for (long seed = 0; seed < 10; seed++) {
            Acrobot env = new Acrobot();
            env.reset(seed, obs);
            StepResult r = new StepResult();
            int steps = 0;
            double total = 0;
            do {
                float w2 = read()[5];
                env.step(w2 > 0 ? 2 : w2 < 0 ? 0 : 1, obs, r);
                steps++;
                total += r.reward;
                if (!r.terminated) {
                    assertEquals(-1.0, r.reward);
                    assertTrue(tipHeight(read()) <= 1.0 + 1e-5, "below the line and not terminated");
                }
            } while (!r.done());
            assertTrue(r.terminated && !r.truncated, "seed " + seed + ": reached the goal, not the time limit");
            assertEquals(0.0, r.reward, "the goal step is rewarded 0");
            assertTrue(env.succeeded(), "reaching the line is a success");
            assertTrue(tipHeight(read()) > 1.0 - 1e-5, "tip above the line");
            assertTrue(steps < 500, "seed " + seed + ": " + steps);
            assertEquals(-(steps - 1), total, "-1 for every step but the last");
            final StepResult last = r;
            assertThrows(IllegalStateException.class, () -> env.step(1, obs, last));
        }
    }

    @Test
    void badActionIsRefused() {
        Acrobot env = new Acrobot();
        assertThrows(IllegalStateException.class, () -> env.step(1, obs, new StepResult()), "step before reset");
        env.reset(1, obs);
        assertThrows(IllegalArgumentException.class, () -> env.step(3, obs, new StepResult()));
        assertThrows(IllegalArgumentException.class, () -> env.step(-1, obs, new StepResult()));
    }
}
