package dev.asyncrl.env;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * The episode bookkeeping every built-in {@link Env} shares, written once: the spaces' sizes, the
 * time limit and the frame rate of its pictures given at construction (Gymnasium keeps the last in
 * its env's metadata, render_fps), the environment's own random stream (seeded by
 * {@link #reset(long, MemorySegment)}, carried over by {@link #reset(MemorySegment)}), the step
 * counter, and the refusal to step after an episode ended. A subclass draws its start state in
 * {@link #startEpisode}, pictures its current state in {@link #render()} (every built-in
 * environment can be watched with {@code eval --render}), and its {@code step} opens with
 * {@link #requireRunning()} and closes with {@link #endStep}, which counts the step and reports
 * terminated or truncated as Gymnasium does (truncated only when the time limit cuts an episode
 * that did not terminate).
 */
public abstract class EpisodicEnv implements Env, Renderable {
    private final String id;
    private final int observationSize;
    private final int actionCount;
    private final int maxSteps;
    private final int framesPerSecond;

    /** The environment's one random stream: start states and any draw during an episode. */
    protected SplittableRandom rng = new SplittableRandom(0);
    private int elapsed;
    private boolean needsReset = true;
    /** The last step reached a terminal state (cleared at reset). */
    private boolean terminated;

    /**
     * @param id              Gymnasium's id, e.g. "CartPole-v1"; error messages name the environment by it
     * @param observationSize floats in one observation
     * @param actionCount     discrete actions; 0 for continuous actions
     * @param maxSteps        the time limit: steps after which an episode is truncated
     * @param framesPerSecond how fast {@link #render()}'s pictures are meant to be shown
     */
    protected EpisodicEnv(String id, int observationSize, int actionCount, int maxSteps, int framesPerSecond) {
        this.id = id;
        this.observationSize = observationSize;
        this.actionCount = actionCount;
        this.maxSteps = maxSteps;
        this.framesPerSecond = framesPerSecond;
    }

    /** Draws the start state from {@link #rng} and writes the first observation into {@code obs}. */
    protected abstract void startEpisode(MemorySegment obs);

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final int observationSize() {
        return observationSize;
    }

    @Override
    public final int actionCount() {
        return actionCount;
    }

    @Override
    public final int maxEpisodeSteps() {
        return maxSteps;
    }

    @Override
    public final int framesPerSecond() {
        return framesPerSecond;
    }

    @Override
    public void reset(long seed, MemorySegment obs) {
        rng = new SplittableRandom(seed);
        reset(obs);
    }

    @Override
    public final void reset(MemorySegment obs) {
        elapsed = 0;
        needsReset = false;
        terminated = false;
        startEpisode(obs);
    }

    /** The first thing a step does: refuses a step after the episode ended. */
    protected final void requireRunning() {
        if (needsReset) throw new IllegalStateException(id + ": step after the episode ended; call reset first");
    }

    /**
     * The last bookkeeping of a step, once the state has advanced: counts the step and reports
     * {@code reward}, {@code terminated}, and truncated when the time limit is reached without a
     * terminal state. The caller writes the observation.
     */
    protected final void endStep(StepResult result, double reward, boolean terminated) {
        elapsed++;
        this.terminated = terminated;
        result.reward = reward;
        result.terminated = terminated;
        result.truncated = !terminated && elapsed >= maxSteps;
        needsReset = result.terminated || result.truncated;
    }

    /**
     * Whether the episode ended in a terminal state: for the environments whose terminal states
     * are all goals (Acrobot's line, MountainCar's flag), that the episode succeeded.
     */
    protected final boolean reachedTerminal() {
        return terminated;
    }
}
