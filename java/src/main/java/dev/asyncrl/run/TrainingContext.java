package dev.asyncrl.run;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
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
    private volatile boolean stop;
    private volatile String stopReason = "step budget reached";

    /** @param stopReturn stop once mean_return_100 over 100+ episodes reaches it; NaN never stops early */
    public TrainingContext(Kernel kernel, SharedParams shared, long totalSteps, double stopReturn) {
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

    /** T ← T + t after a thread's segment of t steps; returns the new T. */
    public long addSteps(int t) {
        return globalSteps.addAndGet(t);
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
