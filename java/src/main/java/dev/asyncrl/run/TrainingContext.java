package dev.asyncrl.run;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What all actor-learner threads of one run share besides θ and g: the kernel, the global step
 * counter T, the episode statistics and the stop signal (step budget reached, target return
 * reached, a worker failed, or the user interrupted).
 */
public final class TrainingContext {
    private final Kernel kernel;
    private final SharedParams shared;
    private final long totalSteps;
    private final double stopReturn;
    private final AtomicLong globalSteps = new AtomicLong();
    private final EpisodeStats episodes = new EpisodeStats();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final long reportEvery;
    private final long startNanos = System.nanoTime();
    private final ConcurrentLinkedQueue<Trainer.Report> reports = new ConcurrentLinkedQueue<>();
    private volatile boolean stop;
    private volatile String stopReason = "step budget reached";

    /**
     * @param stopReturn  stop once mean_return_100 over 100+ episodes reaches it; NaN never stops early
     * @param reportEvery a report is taken each time T crosses a multiple of this
     */
    public TrainingContext(Kernel kernel, SharedParams shared, long totalSteps, double stopReturn, long reportEvery) {
        if (reportEvery < 1) throw new IllegalArgumentException("reportEvery must be >= 1");
        this.reportEvery = reportEvery;
        this.kernel = kernel;
        this.shared = shared;
        this.totalSteps = totalSteps;
        this.stopReturn = stopReturn;
    }

    public Kernel kernel() {
        return kernel;
    }

    public SharedParams shared() {
        return shared;
    }

    /** T_max: the step budget, also the horizon of learning-rate annealing. */
    public long totalSteps() {
        return totalSteps;
    }

    /** T, the global step counter. */
    public long globalSteps() {
        return globalSteps.get();
    }

    /**
     * T ← T + t after a thread's segment of t steps; returns the new T. The thread whose segment
     * crosses a multiple of reportEvery takes the report (one small object per report, not per step).
     */
    public long addSteps(int t) {
        long T = globalSteps.addAndGet(t);
        if (T / reportEvery != (T - t) / reportEvery) reports.add(report());
        return T;
    }

    /** The state now, as one metrics row. */
    public Trainer.Report report() {
        double wall = (System.nanoTime() - startNanos) / 1e9;
        long T = globalSteps.get();
        return new Trainer.Report(T, wall, episodes.episodes(), episodes.meanReturn100(), wall > 0 ? T / wall : 0);
    }

    /** The next report taken by a worker, or null. */
    public Trainer.Report pollReport() {
        return reports.poll();
    }

    public EpisodeStats episodes() {
        return episodes;
    }

    public boolean shouldStop() {
        return stop || globalSteps.get() >= totalSteps;
    }

    public void episodeFinished(double episodeReturn) {
        episodes.add(episodeReturn);
        if (!Double.isNaN(stopReturn) && episodes.episodes() >= EpisodeStats.WINDOW
                && episodes.meanReturn100() >= stopReturn) {
            requestStop("mean_return_100 reached " + stopReturn);
        }
    }

    public void requestStop(String reason) {
        if (!stop) {
            stopReason = reason;
            stop = true;
        }
    }

    /** A worker died: remember the first cause and stop the others. */
    public void fail(Throwable t) {
        if (failure.compareAndSet(null, t)) requestStop("a worker failed: " + t.getMessage());
    }

    public Throwable failure() {
        return failure.get();
    }

    public String stopReason() {
        return shouldStop() && !stop ? "step budget reached" : stopReason;
    }
}
