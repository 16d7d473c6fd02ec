package dev.asyncrl.env;

/** What one step reports, as Gymnasium's step does; one mutable instance per thread, reused. */
public final class StepResult {
    public double reward;
    /** The episode reached a terminal state: bootstrap with 0. */
    public boolean terminated;
    /** The episode hit its time limit: not terminal, bootstrap from the value of the last state. */
    public boolean truncated;

    public boolean done() {
        return terminated || truncated;
    }
}
