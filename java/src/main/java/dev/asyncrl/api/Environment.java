package dev.asyncrl.api;

/**
 * An environment of your own, with Gymnasium's semantics: discrete actions 0 .. actionCount()-1,
 * or continuous ones (actionCount() 0, actionDim() floats in [actionLow(), actionHigh()]).
 * Observations are float vectors, or images (C, H, W) channel-major, which the network reads with
 * convolutions.
 *
 * <p>Training makes one instance per actor-learner thread (from the supplier given to
 * {@link Training#environment(java.util.function.Supplier)}) and uses each from one thread only.
 * The trainer passes the same observation array and the same {@link StepResult} at every call:
 * write into them, allocate nothing per step. Episodes that run {@link #maxEpisodeSteps()} steps
 * without ending are truncated by the trainer.
 */
public interface Environment {

    /** Floats in one observation. */
    int observationSize();

    /** The time limit: an episode that lasts this many steps is truncated. */
    int maxEpisodeSteps();

    /** How many discrete actions there are; 0 where actions are continuous (then see {@link #actionDim()}). */
    int actionCount();

    /**
     * Starts an episode and writes its first observation into {@code observation}
     * (observationSize() floats). {@code seed} differs from episode to episode and follows from
     * the run's seed: draw the episode's randomness from it (e.g. {@code random.setSeed(seed)}).
     */
    void reset(long seed, float[] observation);

    /**
     * Takes a discrete {@code action}, writes the next observation into {@code observation} and
     * the outcome into {@code result}. After a step that ended the episode the next call is a reset.
     */
    void step(int action, float[] observation, StepResult result);

    /** Continuous actions: the same with {@code action} (actionDim() floats, within the bounds). */
    default void step(float[] action, float[] observation, StepResult result) {
        throw new UnsupportedOperationException(id() + " has discrete actions: step(int, float[], StepResult)");
    }

    /** For images: {C, H, W}, channel-major, with C·H·W = observationSize(); a vector's shape by default. */
    default int[] observationShape() {
        return new int[] {observationSize()};
    }

    /** Continuous actions: how many floats one action holds; leave it 0 for discrete actions. */
    default int actionDim() {
        return 0;
    }

    /** Continuous actions: the lower bound of every dimension (default −1); actions are clipped to the bounds. */
    default float actionLow() {
        return -1f;
    }

    /** Continuous actions: the upper bound of every dimension (default 1). */
    default float actionHigh() {
        return 1f;
    }

    /** A name for logs, config.json and the ONNX metadata; by default the class's simple name. */
    default String id() {
        return getClass().getSimpleName();
    }
}
