package dev.asyncrl.api;

import java.nio.file.Path;

/**
 * What {@link Training#train()} gives back: the figures summary.json records and the trained
 * {@link Policy}. Close it (or the policy) to free the policy's off-heap memory.
 *
 * @param algorithm         a3c, nstep-q, onestep-q or onestep-sarsa
 * @param environment       the built-in environment's name, or the id() of one of your own
 * @param kernel            the kernel that computed (what {@code auto} chose)
 * @param steps             T at the end, environment steps over all threads
 * @param wallSeconds       the training's wall time
 * @param episodes          training episodes finished
 * @param meanReturn100     the mean undiscounted return of the last 100 episodes (NaN if none finished)
 * @param bestMeanReturn100 the best mean_return_100 seen during training
 * @param stepsPerSecond    environment steps per second over the run
 * @param stopReason        why it stopped: the step budget, the stop return reached, ...
 * @param runDirectory      where the run was written, or null where none was asked for
 */
public record TrainingResult(String algorithm, String environment, String kernel, long steps, double wallSeconds, long episodes,
                             double meanReturn100, double bestMeanReturn100, double stepsPerSecond, String stopReason,
                             Path runDirectory, Policy policy) implements AutoCloseable {

    @Override
    public void close() {
        policy.close();
    }
}
