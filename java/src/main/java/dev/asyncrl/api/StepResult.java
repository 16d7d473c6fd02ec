package dev.asyncrl.api;

/**
 * What one step of an {@link Environment} reports, as Gymnasium's step does. One instance per
 * environment, reused every step and cleared to (0, false, false) before each: the environment
 * sets it, with {@link #set} or field by field.
 */
public final class StepResult {
    /** The step's reward; finite. */
    public double reward;
    /** The episode reached a terminal state: nothing follows it, its value is 0. */
    public boolean terminated;
    /** The episode was cut short (a time limit of the environment's own): the state still has a value. */
    public boolean truncated;

    /** A result of reward 0 with the episode going on. */
    public StepResult() {}

    /** Sets all three: {@link #reward}, {@link #terminated}, {@link #truncated}. */
    public void set(double reward, boolean terminated, boolean truncated) {
        this.reward = reward;
        this.terminated = terminated;
        this.truncated = truncated;
    }
}
