package dev.asyncrl.env.mujoco;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.StepResult;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The six MuJoCo tasks against Gymnasium v4's sizes and rules, on the installed MuJoCo. */
class MujocoEnvTest {
    static final List<String> TASKS = List.of("mujoco-inverted-pendulum", "mujoco-inverted-double-pendulum", "mujoco-reacher",
            "mujoco-half-cheetah", "mujoco-hopper", "mujoco-humanoid");

    private static MemorySegment floats(int n) {
        return Arena.ofAuto().allocate(4L * n, 64);
    }

    private static void randomAction(Env e, MemorySegment a, SplittableRandom r) {
        for (int i = 0; i < e.actionDim(); i++) a.setAtIndex(JAVA_FLOAT, i, (float) r.nextDouble(e.actionLow(), e.actionHigh()));
    }

    @Test
    void sizesAndBoundsAreGymnasiums() {
        int[][] expected = {{4, 1}, {11, 1}, {11, 2}, {17, 6}, {11, 3}};   // observation, action floats
        float[] high = {3, 1, 1, 1, 1};
        int[] limit = {1000, 1000, 50, 1000, 1000};
        for (int i = 0; i < expected.length; i++) {
            Env e = Envs.create(TASKS.get(i));
            assertEquals(expected[i][0], e.observationSize(), e.id());
            assertEquals(expected[i][1], e.actionDim(), e.id());
            assertEquals(0, e.actionCount(), e.id());
            assertEquals(high[i], e.actionHigh(), e.id());
            assertEquals(-high[i], e.actionLow(), e.id());
            assertEquals(limit[i], e.maxEpisodeSteps(), e.id());
        }
        Env h = Envs.create("mujoco-humanoid");   // Debian's model: 28 qpos, 27 qvel, 21 motors, 16 bodies besides the world
        assertEquals(21, h.actionDim());
        assertEquals(26 + 27 + 21 + ((Humanoid) h).model.nbody * 22 - 22, h.observationSize());
    }

    @Test
    void randomEpisodesStayFiniteAndReplayFromTheSeed() {
        for (String task : TASKS) {
            Env a = Envs.create(task), b = Envs.create(task);
            MemorySegment oa = floats(a.observationSize()), ob = floats(b.observationSize()), act = floats(a.actionDim());
            StepResult ra = new StepResult(), rb = new StepResult();
            SplittableRandom pa = new SplittableRandom(3), pb = new SplittableRandom(3);
            a.reset(11, oa);
            b.reset(11, ob);
            int episodes = 0;
            for (int t = 0; t < 3000 && episodes < 3; t++) {
                randomAction(a, act, pa);
                a.step(act, oa, ra);
                randomAction(b, act, pb);
                b.step(act, ob, rb);
                assertEquals(ra.reward, rb.reward, task + " step " + t);
                assertEquals(ra.terminated, rb.terminated);
                assertEquals(ra.truncated, rb.truncated);
                for (int i = 0; i < a.observationSize(); i++) {
                    float v = oa.getAtIndex(JAVA_FLOAT, i);
                    assertTrue(Float.isFinite(v), task + " obs " + i);
                    assertEquals(v, ob.getAtIndex(JAVA_FLOAT, i), task + " obs " + i);
                }
                if (ra.done()) {
                    episodes++;
                    a.reset(oa);
                    b.reset(ob);
                }
            }
            assertTrue(episodes >= 1 || task.contains("cheetah"), task + " never ended in 3000 random steps");
        }
    }

    @Test
    void actionsAreClippedAndNonFiniteOnesRefused() {
        InvertedPendulum e = new InvertedPendulum();
        MemorySegment obs = floats(4), act = floats(1);
        StepResult r = new StepResult();
        e.reset(1, obs);
        act.setAtIndex(JAVA_FLOAT, 0, 50f);
        e.step(act, obs, r);
        assertEquals(3.0, e.data.ctrl.getAtIndex(JAVA_DOUBLE, 0));
        act.setAtIndex(JAVA_FLOAT, 0, Float.NaN);
        assertThrows(IllegalArgumentException.class, () -> e.step(act, obs, r));
        assertThrows(IllegalStateException.class, () -> e.step(0, obs, r));
    }

    @Test
    void invertedPendulumEndsWhenThePoleLeansPastPointTwo() {
        InvertedPendulum e = new InvertedPendulum();
        MemorySegment obs = floats(4), act = floats(1);
        StepResult r = new StepResult();
        e.reset(1, obs);
        assertTrue(Math.abs(obs.getAtIndex(JAVA_FLOAT, 1)) <= 0.01f && Math.abs(obs.getAtIndex(JAVA_FLOAT, 0)) <= 0.01f);
        e.step(act, obs, r);
        assertEquals(1.0, r.reward);
        assertFalse(r.done());
        e.data.qpos.setAtIndex(JAVA_DOUBLE, 1, 0.5);   // leaning: it falls further during the step
        e.step(act, obs, r);
        assertTrue(r.terminated);
        assertEquals(1.0, r.reward);
        assertTrue(obs.getAtIndex(JAVA_FLOAT, 1) > 0.2f);
    }

    @Test
    void doublePendulumRewardFollowsTheTip() {
        InvertedDoublePendulum e = new InvertedDoublePendulum();
        MemorySegment obs = floats(11), act = floats(1);
        StepResult r = new StepResult();
        e.reset(1, obs);
        e.step(act, obs, r);
        // near upright the tip is near 1.2 m: 10 − (1.2 − 2)² ≈ 9.36, less a little for the lean and speed
        assertTrue(r.reward > 9.0 && r.reward <= 9.36, "reward " + r.reward);
        assertEquals(Math.sin(e.data.qpos(1)), obs.getAtIndex(JAVA_FLOAT, 1), 1e-6);
        assertEquals(Math.cos(e.data.qpos(2)), obs.getAtIndex(JAVA_FLOAT, 4), 1e-6);
    }

    @Test
    void reacherIsPaidForTheDistanceBeforeTheActionAndItsEffort() {
        Reacher e = new Reacher();
        MemorySegment obs = floats(11), act = floats(2);
        StepResult r = new StepResult();
        e.reset(4, obs);
        double gx = obs.getAtIndex(JAVA_FLOAT, 8), gy = obs.getAtIndex(JAVA_FLOAT, 9), gz = obs.getAtIndex(JAVA_FLOAT, 10);
        double goal = Math.hypot(obs.getAtIndex(JAVA_FLOAT, 4), obs.getAtIndex(JAVA_FLOAT, 5));
        assertTrue(goal < 0.2, "the target is inside the disc of radius 0.2: " + goal);
        act.setAtIndex(JAVA_FLOAT, 0, 0.5f);
        act.setAtIndex(JAVA_FLOAT, 1, -2f);   // clipped to −1
        e.step(act, obs, r);
        assertEquals(-Math.sqrt(gx * gx + gy * gy + gz * gz) - (0.25 + 1.0), r.reward, 1e-6);
    }

    @Test
    void halfCheetahIsPaidItsForwardSpeed() {
        HalfCheetah e = new HalfCheetah();
        MemorySegment obs = floats(17), act = floats(6);
        StepResult r = new StepResult();
        e.reset(2, obs);
        double x0 = e.data.qpos(0);
        e.step(act, obs, r);
        assertEquals((e.data.qpos(0) - x0) / 0.05, r.reward, 1e-9);   // zero action: no control cost; dt = 5 × 0.01
        assertEquals(e.data.qpos(1), obs.getAtIndex(JAVA_FLOAT, 0), 1e-6);   // x is left out
        assertEquals(20, e.framesPerSecond());
    }

    @Test
    void hopperEndsWhenItFalls() {
        Hopper e = new Hopper();
        MemorySegment obs = floats(11), act = floats(3);
        StepResult r = new StepResult();
        e.reset(2, obs);
        assertEquals(1.25, obs.getAtIndex(JAVA_FLOAT, 0), 0.006);   // the torso's height
        e.step(act, obs, r);
        assertFalse(r.terminated);
        e.data.qpos.setAtIndex(JAVA_DOUBLE, 2, 0.5);   // tipped over
        e.step(act, obs, r);
        assertTrue(r.terminated);
    }

    @Test
    void noAllocationPerStep() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        for (String task : List.of("mujoco-inverted-pendulum", "mujoco-hopper", "mujoco-humanoid")) {
            int steps = task.contains("humanoid") ? 3_000 : 20_000;
            Env e = Envs.create(task);
            MemorySegment obs = floats(e.observationSize()), act = floats(e.actionDim());
            StepResult r = new StepResult();
            SplittableRandom pol = new SplittableRandom(5);
            e.reset(5, obs);
            run(e, obs, act, r, pol, steps);   // warm up
            long before = mx.getThreadAllocatedBytes(thread);
            run(e, obs, act, r, pol, steps);
            long bytes = mx.getThreadAllocatedBytes(thread) - before;
            assertTrue(bytes < 4096, task + ": " + bytes + " bytes over " + steps + " steps");
        }
    }

    private static void run(Env e, MemorySegment obs, MemorySegment act, StepResult r, SplittableRandom pol, int steps) {
        for (int t = 0; t < steps; t++) {
            randomAction(e, act, pol);
            e.step(act, obs, r);
            if (r.done()) e.reset(obs);
        }
    }

    @Test
    void everyTaskDraws() {
        for (String task : TASKS) {
            MujocoEnv e = (MujocoEnv) Envs.create(task);
            e.reset(1, floats(e.observationSize()));
            var img = e.render();
            assertEquals(480, img.getWidth());
            int first = img.getRGB(0, 0);
            boolean drawn = false;
            for (int y = 0; y < img.getHeight() && !drawn; y += 2) for (int x = 0; x < img.getWidth(); x += 2) {
                if (img.getRGB(x, y) != first && (img.getRGB(x, y) & 0xffffff) != 0x78828c) {
                    drawn = true;
                    break;
                }
            }
            assertTrue(drawn, task + ": nothing but background");
        }
    }
}
