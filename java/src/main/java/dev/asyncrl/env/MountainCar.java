package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * MountainCar-v0 with Gymnasium's dynamics: velocity += (action - 1)·0.001 - cos(3·position)·0.0025,
 * clipped to ±0.07; position += velocity, clipped to [-1.2, 0.6], the car stopping dead against the
 * left wall. Starts at rest at a position uniform in [-0.6, -0.4]. Terminates once position ≥ 0.5
 * with velocity ≥ 0; truncated at 200 steps. Reward -1 on every step, the terminating one included.
 * The state is kept in double and observed as float32: [position, velocity]. Actions: 0 pushes
 * left, 1 does nothing, 2 pushes right.
 */
public final class MountainCar implements Env {
    private static final double MIN_POSITION = -1.2;
    private static final double MAX_POSITION = 0.6;
    private static final double MAX_SPEED = 0.07;
    private static final double GOAL_POSITION = 0.5;
    private static final double GOAL_VELOCITY = 0.0;
    private static final double FORCE = 0.001;
    private static final double GRAVITY = 0.0025;
    public static final int MAX_STEPS = 200;

    private SplittableRandom rng = new SplittableRandom(0);
    private double position, velocity;
    private int elapsed;
    private boolean needsReset = true;

    @Override
    public String id() {
        return "MountainCar-v0";
    }

    @Override
    public int observationSize() {
        return 2;
    }

    @Override
    public int actionCount() {
        return 3;
    }

    @Override
    public int maxEpisodeSteps() {
        return MAX_STEPS;
    }

    @Override
    public void reset(long seed, MemorySegment obs) {
        rng = new SplittableRandom(seed);
        reset(obs);
    }

    @Override
    public void reset(MemorySegment obs) {
        position = rng.nextDouble(-0.6, -0.4);
        velocity = 0.0;
        elapsed = 0;
        needsReset = false;
        observe(obs);
    }

    @Override
    public void step(int action, MemorySegment obs, StepResult result) {
        if (needsReset) throw new IllegalStateException("MountainCar: step after the episode ended; call reset first");
        if (action < 0 || action > 2) throw new IllegalArgumentException("MountainCar: action must be 0, 1 or 2, got " + action);
        velocity += (action - 1) * FORCE + Math.cos(3 * position) * (-GRAVITY);
        velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
        position += velocity;
        position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
        if (position == MIN_POSITION && velocity < 0) velocity = 0.0;
        elapsed++;

        result.reward = -1.0;
        result.terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
        result.truncated = !result.terminated && elapsed >= MAX_STEPS;
        needsReset = result.terminated || result.truncated;
        observe(obs);
    }

    private void observe(MemorySegment obs) {
        obs.setAtIndex(JAVA_FLOAT, 0, (float) position);
        obs.setAtIndex(JAVA_FLOAT, 1, (float) velocity);
    }
}
