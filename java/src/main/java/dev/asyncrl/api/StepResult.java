package dev.asyncrl.api;

/**
 * What one step of an {@link Environment} reports, as Gymnasium's step does: the reward, and
 * whether the episode ended in a terminal state or was cut short. One instance per environment,
 * reused every step (cleared to 0, false, false before each): set it with {@link #set}.
 */
public final class StepResult {
    private double reward;
    private boolean terminated;
    private boolean truncated;

    /**
     * @param reward     the step's reward (finite)
     * @param terminated the episode reached a terminal state: nothing follows it, its value is 0
     * @param truncated  the episode was cut short (a time limit of its own): the state still has a value
     */
    public void set(double reward, boolean terminated, boolean truncated) {
        this.reward = reward;
        this.terminated = terminated;
        this.truncated = truncated;
    }

    public double reward() {
        return reward;
    }

    public boolean terminated() {
        return terminated;
    }

    public boolean truncated() {
        return truncated;
    }
}
