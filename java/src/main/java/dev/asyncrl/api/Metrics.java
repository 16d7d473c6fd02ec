package dev.asyncrl.api;

/**
 * One metrics row, as metrics.csv holds it.
 *
 * @param globalStep     T, environment steps taken over all threads
 * @param wallSeconds    seconds since training started
 * @param episodes       training episodes finished, over all threads
 * @param meanReturn100  the mean undiscounted return of the last 100 finished episodes (NaN before the first)
 * @param stepsPerSecond environment steps per second since the previous row
 */
public record Metrics(long globalStep, double wallSeconds, long episodes, double meanReturn100, double stepsPerSecond) {}
