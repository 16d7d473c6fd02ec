package dev.asyncrl.api;

/**
 * Watches a training: a metrics row every {@link Training#reportEvery(long)} global steps and one
 * at the end, in rising global step. Called on the thread that called {@link Training#train()},
 * between the workers' steps, never concurrently; a listener that throws stops the training and the
 * exception reaches train()'s caller.
 */
@FunctionalInterface
public interface TrainingListener {

    /** Once, before the workers start: the step budget. */
    default void onStart(long totalSteps) {}

    void onMetrics(Metrics row);
}
