package dev.asyncrl.algo;

/**
 * One metrics.csv row, as the actor-learner whose segment crossed a report boundary takes it (see
 * {@link TrainingContext#addSteps}). {@code updates} is U, the updates of θ so far (−1 where a row
 * from before the count has none); {@code staleness} the window of updates landed since the
 * previous row.
 */
public record Report(long globalStep, double wallSeconds, long episodes, double meanReturn100,
                     double stepsPerSecond, long updates, Staleness.Window staleness) {
    /** A row without update telemetry (a metrics.csv written before it existed). */
    public Report(long globalStep, double wallSeconds, long episodes, double meanReturn100, double stepsPerSecond) {
        this(globalStep, wallSeconds, episodes, meanReturn100, stepsPerSecond, -1, Staleness.Window.EMPTY);
    }
}
