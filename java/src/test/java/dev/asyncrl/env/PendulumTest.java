package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Pendulum-v1's contract: Gymnasium's reset distribution, its dynamics for several steps checked
 * against the equations (cost of the old state first, then θ̇, then θ with the new θ̇), the clipping
 * of torque and speed, angle_normalize, the 200-step truncation without termination, and the
 * random policy's return near Gymnasium's known figure of about −1200.
 */
class PendulumTest {
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment obs = arena.allocate(3 * Float.BYTES);
    private final MemorySegment action = arena.allocate(Float.BYTES);
    private final StepResult r = new StepResult();

    private void step(Pendulum env, float u) {
        action.setAtIndex(JAVA_FLOAT, 0, u);
        env.step(action, obs, r);
    }

    private float[] read() {
        return obs.toArray(JAVA_FLOAT);
    }

    @Test
    void describesItsContinuousActions() {
        Pendulum env = new Pendulum();
        assertEquals("Pendulum-v1", env.id());
        assertEquals(3, env.observationSize());
        assertEquals(0, env.actionCount());
        assertEquals(1, env.actionDim());
        assertEquals(-2f, env.actionLow());
        assertEquals(2f, env.actionHigh());
        assertEquals(200, env.maxEpisodeSteps());
        assertTrue(Envs.create("pendulum") instanceof Pendulum);
    }

    @Test
    void resetIsSeededAndCoversTheCircle() {
        Pendulum env = new Pendulum();
        env.reset(42, obs);
        float[] a = read();
        env.reset(42, obs);
        assertArrayEquals(a, read(), "same seed, same start");
        double minTheta = 9, maxTheta = -9;
        for (int seed = 0; seed < 500; seed++) {
            env.reset(seed, obs);
            float[] o = read();
            assertEquals(1.0, o[0] * o[0] + o[1] * o[1], 1e-6, "[cos θ, sin θ]");
            assertTrue(Math.abs(o[2]) <= 1f, "θ̇ in [-1, 1]: " + o[2]);
            double theta = Math.atan2(o[1], o[0]);
            minTheta = Math.min(minTheta, theta);
            maxTheta = Math.max(maxTheta, theta);
        }
        assertTrue(minTheta < -3.0 && maxTheta > 3.0, "θ spans [-π, π]: " + minTheta + " .. " + maxTheta);
    }

    @Test
    void stepsFollowTheEquations() {
        Pendulum env = new Pendulum();
        env.reset(1, obs);
        double th = 2.5, thd = -0.7;
        env.setState(th, thd);
        float[] torques = {1.5f, -0.25f, 2f, 0f, -2f, 0.75f};
        for (float u : torques) {
            // Gymnasium's step, worked by hand: the cost of the state before the update, then
            // semi-implicit Euler with g = 10, m = l = 1, dt = 0.05.
            double normalized = ((th + Math.PI) % (2 * Math.PI) + 2 * Math.PI) % (2 * Math.PI) - Math.PI;
            double cost = normalized * normalized + 0.1 * thd * thd + 0.001 * u * u;
            double newThd = thd + (3 * 10.0 / 2 * Math.sin(th) + 3.0 * u) * 0.05;
            newThd = Math.max(-8, Math.min(8, newThd));
            th = th + newThd * 0.05;
            thd = newThd;
            step(env, u);
            assertEquals(-cost, r.reward, 1e-12);
            assertArrayEquals(new float[] {(float) Math.cos(th), (float) Math.sin(th), (float) thd}, read(), 1e-7f);
            assertFalse(r.terminated || r.truncated);
        }
    }

    @Test
    void torqueIsClippedToTwo() {
        for (float[] pair : new float[][] {{5f, 2f}, {-7f, -2f}, {Float.MAX_VALUE, 2f}}) {
            Pendulum a = new Pendulum(), b = new Pendulum();
            a.reset(3, obs);
            b.reset(3, obs);
            step(a, pair[0]);
            float[] oa = read();
            double ra = r.reward;
            step(b, pair[1]);
            assertArrayEquals(read(), oa, "torque " + pair[0] + " acts as " + pair[1]);
            assertEquals(r.reward, ra, 0.0, "and costs as " + pair[1]);
        }
        Pendulum env = new Pendulum();
        env.reset(3, obs);
        env.setState(0, 0);
        step(env, 100f);
        assertEquals(-0.001 * 4, r.reward, 1e-12, "the cost counts the clipped torque");
    }

    @Test
    void speedIsClippedToEight() {
        Pendulum env = new Pendulum();
        env.reset(1, obs);
        env.setState(Math.PI / 2, 7.9);
        step(env, 2f);
        assertEquals(8f, read()[2]);
        env.setState(-Math.PI / 2, -7.9);
        step(env, -2f);
        assertEquals(-8f, read()[2]);
    }

    @Test
    void angleNormalizeIsPythonsFlooredModulo() {
        assertEquals(0.0, Pendulum.angleNormalize(0.0), 1e-12);
        assertEquals(0.1, Pendulum.angleNormalize(2 * Math.PI + 0.1), 1e-12);
        assertEquals(-0.1, Pendulum.angleNormalize(-0.1), 1e-12);
        assertEquals(-0.1, Pendulum.angleNormalize(-4 * Math.PI - 0.1), 1e-12);
        assertEquals(-Math.PI, Pendulum.angleNormalize(Math.PI), 1e-12, "π maps to −π, as in Gymnasium");
    }

    @Test
    void truncatedAt200NeverTerminated() {
        Pendulum env = new Pendulum();
        env.reset(5, obs);
        int steps = 0;
        do {
            step(env, (steps % 7) - 3f);
            steps++;
            assertFalse(r.terminated);
        } while (!r.done());
        assertEquals(200, steps);
        assertTrue(r.truncated);
        assertThrows(IllegalStateException.class, () -> step(env, 0f), "step after the end needs a reset");
    }

    @Test
    void refusesDiscreteAndNonFiniteActions() {
        Pendulum env = new Pendulum();
        env.reset(1, obs);
        assertThrows(IllegalStateException.class, () -> env.step(0, obs, r));
        assertThrows(IllegalArgumentException.class, () -> step(env, Float.NaN));
    }

    @Test
    void randomPolicyScoresAboutMinus1200() {
        // Gymnasium's Pendulum-v1 under uniform random torques averages about −1200 per episode.
        Pendulum env = new Pendulum();
        SplittableRandom rng = new SplittableRandom(11);
        int episodes = 500;
        double sum = 0;
        env.reset(7, obs);
        for (int e = 0; e < episodes; e++) {
            if (e > 0) env.reset(obs);
            double ret = 0;
            do {
                step(env, (float) rng.nextDouble(-2, 2));
                ret += r.reward;
            } while (!r.done());
            sum += ret;
        }
        double mean = sum / episodes;
        assertTrue(mean > -1450 && mean < -950, "mean random return " + mean);
    }
}
