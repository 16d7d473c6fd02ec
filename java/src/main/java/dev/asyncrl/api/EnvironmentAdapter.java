package dev.asyncrl.api;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.env.Env;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A user's {@link Environment} as the trainer's {@link Env}: observations go through one float[]
 * of this adapter into the off-heap row the kernel reads, actions of a continuous environment
 * through another, both allocated here once; nothing is allocated per step. Each episode's seed is
 * drawn from a stream seeded by {@link #reset(long, MemorySegment)}; episodes that reach
 * maxEpisodeSteps() are truncated here.
 */
final class EnvironmentAdapter implements Env {
    private final Environment env;
    private final String id;
    private final int observationSize, actionCount, actionDim, maxEpisodeSteps;
    private final float low, high;
    private final float[] observation;  // (observationSize) the user's environment writes here
    private final float[] action;       // (actionDim) a continuous action, clipped to the bounds
    private final StepResult result = new StepResult();
    private SplittableRandom episodeSeeds = new SplittableRandom(0);
    private int t;                      // steps into the episode

    /** Checks what {@code env} declares; IllegalArgumentException naming it otherwise. */
    EnvironmentAdapter(Environment env) {
        this.env = env;
        this.id = env.id();
        this.observationSize = env.observationSize();
        this.actionCount = env.actionCount();
        this.actionDim = env.actionDim();
        this.maxEpisodeSteps = env.maxEpisodeSteps();
        this.low = env.actionLow();
        this.high = env.actionHigh();
        int[] shape = env.observationShape();
        String what = "environment " + id + ": ";
        if (observationSize < 1) throw new IllegalArgumentException(what + "observationSize() must be >= 1, got " + observationSize);
        if ((shape.length != 1 && shape.length != 3) || Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b) != observationSize
                || Arrays.stream(shape).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException(what + "observationShape() must be {" + observationSize + "} or {C, H, W} with C*H*W = "
                    + observationSize + ", got " + Arrays.toString(shape));
        }
        if (actionCount < 0 || actionDim < 0 || (actionCount > 0) == (actionDim > 0)) {
            throw new IllegalArgumentException(what + "give actionCount() > 0 (discrete) or actionDim() > 0 (continuous), one of them;"
                    + " got " + actionCount + " and " + actionDim);
        }
        if (actionDim > 0 && !(low < high && Float.isFinite(low) && Float.isFinite(high))) {
            throw new IllegalArgumentException(what + "actionLow() < actionHigh() must be finite, got " + low + " and " + high);
        }
        if (maxEpisodeSteps < 1) throw new IllegalArgumentException(what + "maxEpisodeSteps() must be >= 1, got " + maxEpisodeSteps);
        this.observation = new float[observationSize];
        this.action = new float[actionDim];
    }

    // What the user's environment declared, read once and checked in the constructor.
    @Override public String id() { return id; }
    @Override public int observationSize() { return observationSize; }
    @Override public int[] observationShape() { return env.observationShape(); }
    @Override public int actionCount() { return actionCount; }
    @Override public int actionDim() { return actionDim; }
    @Override public float actionLow() { return low; }
    @Override public float actionHigh() { return high; }
    @Override public int maxEpisodeSteps() { return maxEpisodeSteps; }

    /** The next episode: its seed is the next of the stream {@link #reset(long, MemorySegment)} seeded. */
    @Override
    public void reset(MemorySegment obs) {
        t = 0;
        env.reset(episodeSeeds.nextLong(), observation);
        MemorySegment.copy(observation, 0, obs, JAVA_FLOAT, 0, observationSize);
    }

    @Override
    public void reset(long seed, MemorySegment obs) {
        episodeSeeds = new SplittableRandom(seed);
        reset(obs);
    }

    @Override
    public void step(int a, MemorySegment obs, dev.asyncrl.env.StepResult out) {
        result.set(0, false, false);
        env.step(a, observation, result);
        finish(obs, out);
    }

    @Override
    public void step(MemorySegment a, MemorySegment obs, dev.asyncrl.env.StepResult out) {
        for (int d = 0; d < actionDim; d++) action[d] = Math.clamp(a.getAtIndex(JAVA_FLOAT, d), low, high);
        result.set(0, false, false);
        env.step(action, observation, result);
        finish(obs, out);
    }

    private void finish(MemorySegment obs, dev.asyncrl.env.StepResult out) {
        if (!Double.isFinite(result.reward)) {
            throw new IllegalStateException("environment " + id + " returned the reward " + result.reward + " at step " + (t + 1));
        }
        MemorySegment.copy(observation, 0, obs, JAVA_FLOAT, 0, observationSize);
        t++;
        out.reward = result.reward;
        out.terminated = result.terminated;
        out.truncated = !out.terminated && (result.truncated || t >= maxEpisodeSteps);
    }
}
