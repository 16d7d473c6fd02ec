package dev.asyncrl.env;

import java.lang.foreign.MemorySegment;

/**
 * An environment with Gymnasium's semantics, for discrete or continuous actions. {@code reset(seed, obs)} seeds
 * the environment's own random stream and starts an episode; {@code reset(obs)} starts the next one
 * from the same stream; {@code step} advances one step and reports the reward and whether the
 * episode ended by reaching a terminal state ({@code terminated}: the value after it is 0) or by the
 * time limit ({@code truncated}: the episode was cut, the state still has a value).
 *
 * <p>Observations are float32 and written straight into the caller's off-heap buffer (the row the
 * kernel will read), never returned as objects; an environment allocates nothing per step. An
 * instance belongs to one thread. Environments know nothing of learning or kernels.
 */
public interface Env {

    /** Gymnasium's id, e.g. "CartPole-v1". */
    String id();

    /** Floats in one observation. */
    int observationSize();

    /**
     * The observation's shape: {observationSize()} for a vector, {C, H, W} (channel-major) for an
     * image, which the network then reads with a convolution.
     */
    default int[] observationShape() {
        return new int[] {observationSize()};
    }

    /** Discrete actions are 0 .. actionCount()-1; 0 for an environment with continuous actions. */
    int actionCount();

    /** Continuous actions: floats per action (a Box of this size); 0 for a discrete environment. */
    default int actionDim() {
        return 0;
    }

    /** Continuous actions: the Box's bounds, the same for every dimension. */
    default float actionLow() {
        return 0f;
    }

    default float actionHigh() {
        return 0f;
    }

    /** The time limit after which an episode is truncated. */
    int maxEpisodeSteps();

    /** Seeds the random stream, starts an episode, writes the first observation into {@code obs}. */
    void reset(long seed, MemorySegment obs);

    /** Starts the next episode from the current random stream. */
    void reset(MemorySegment obs);

    /**
     * Takes {@code action}, writes the next observation into {@code obs} and the outcome into
     * {@code result}. After a terminated or truncated step the caller must reset.
     */
    void step(int action, MemorySegment obs, StepResult result);

    /**
     * Continuous actions: takes {@code action} (actionDim() float32; values outside the bounds are
     * clipped, as Gymnasium's environments do), writes the next observation and the outcome.
     */
    default void step(MemorySegment action, MemorySegment obs, StepResult result) {
        throw new IllegalStateException(id() + " has discrete actions: step(int, ...)");
    }
}
