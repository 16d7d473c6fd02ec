package dev.asyncrl.algo;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What all actor-learner threads of one run share besides θ and g: the kernel, the global step
 * counter T, the episode statistics and the stop signal (step budget reached, target return
 * reached, a worker failed, or the user interrupted), and the update telemetry ({@link Staleness}:
 * the global update counter and each update's staleness). A run resumed from a checkpoint starts
 * T, the wall clock, the episode statistics and the update counts where the checkpoint left them.
 *
 * <p>Cache lines: what several workers write, each on lines of its own, away from each other and
 * from the read-mostly fields here: T and the stop flag in slots 32 longs apart of one array, the
 * update counters in {@link Staleness}, each thread's shared-write count in its own padded block.
 * The episode statistics are written once per finished episode, under their lock.
 */
public final class TrainingContext {
    private final Kernel kernel;
    private final SharedParams shared;
    private final int threads;
    private final long totalSteps;
    private final double stopReturn;
    // T and the stop flag each in the middle of its own 128 bytes (two cache lines, for the
    // adjacent-line prefetcher): T is written by every segment, the flag read by every segment.
    private static final int T_SLOT = 16, STOP_SLOT = 48;
    private final AtomicLongArray counters = new AtomicLongArray(64);
    private final EpisodeStats episodes = new EpisodeStats();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final long reportEvery;
    private volatile long startNanos = System.nanoTime();
    private final long startSteps;
    private final double startWallSeconds;
    private final ConcurrentLinkedQueue<Report> reports = new ConcurrentLinkedQueue<>();
    private final Staleness staleness;
    private final double updatesSinceWallSeconds;
    private final List<WriteCounter> writeCounters = new CopyOnWriteArrayList<>();
    private final LongAdder otherSharedWrites = new LongAdder();
    private volatile String stopReason = "step budget reached";
    private final java.util.concurrent.atomic.AtomicLong remoteSteps = new java.util.concurrent.atomic.AtomicLong();
    private volatile java.util.function.DoubleConsumer episodeListener;

    /**
     * @param stopReturn  stop once mean_return_100 over 100+ episodes reaches it; NaN never stops early
     * @param reportEvery a report is taken each time T crosses a multiple of this
     */
    public TrainingContext(Kernel kernel, SharedParams shared, long totalSteps, double stopReturn, long reportEvery) {
        this(kernel, shared, 1, totalSteps, stopReturn, reportEvery, null);
    }

    /**
     * Where a resumed run starts: T, the wall seconds trained so far, the episode statistics, and
     * the updates counted so far with their staleness (null for a checkpoint written before asyncrl
     * counted updates: they are then counted from the resume on).
     */
    public record Resume(long globalStep, double wallSeconds, EpisodeStats.State episodes, Updates updates) {
        public Resume(long globalStep, double wallSeconds, EpisodeStats.State episodes) {
            this(globalStep, wallSeconds, episodes, null);
        }
    }

    /**
     * Updates counted so far: U, the wall seconds at which counting began (0, or the resume of a
     * run from before the count), and the staleness of every update in a drained report window.
     */
    public record Updates(long count, double sinceWallSeconds, Staleness.Window staleness) {}

    /**
     * @param threads the actor-learner threads of the run (their optimizers stagger their updates by it)
     * @param resume  where a resumed run starts, or null for a new run
     */
    public TrainingContext(Kernel kernel, SharedParams shared, int threads, long totalSteps, double stopReturn,
                           long reportEvery, Resume resume) {
        if (reportEvery < 1) throw new IllegalArgumentException("reportEvery must be >= 1");
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
        this.threads = threads;
        this.startSteps = resume == null ? 0 : resume.globalStep();
        this.startWallSeconds = resume == null ? 0 : resume.wallSeconds();
        counters.set(T_SLOT, startSteps);
        if (resume != null) episodes.restore(resume.episodes());
        Updates u = resume == null ? new Updates(0, 0, Staleness.Window.EMPTY)
                : resume.updates() != null ? resume.updates() : new Updates(0, startWallSeconds, Staleness.Window.EMPTY);
        this.staleness = new Staleness(u.count(), u.staleness());
        this.updatesSinceWallSeconds = u.sinceWallSeconds();
        this.reportEvery = reportEvery;
        this.kernel = kernel;
        this.shared = shared;
        this.totalSteps = totalSteps;
        this.stopReturn = stopReturn;
    }

    public Kernel kernel() { return kernel; }

    public SharedParams shared() { return shared; }

    /** How many actor-learner threads the run has. */
    public int threads() { return threads; }

    /** T_max: the step budget, also the horizon of learning-rate annealing. */
    public long totalSteps() { return totalSteps; }

    /** T when this process started: 0, or the checkpoint's T for a resumed run. */
    public long startSteps() { return startSteps; }

    /**
     * The seed of a thread's random streams (actions, environment) in this process: the thread's
     * seed itself in a new run; in a resumed run, a stream derived from it and the T resumed at,
     * so that each resume draws fresh, reproducible streams (see Checkpoint).
     */
    public long streamSeed(long threadSeed) {
        if (startSteps == 0) return threadSeed;
        long z = threadSeed ^ (startSteps * 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** T, the global step counter. */
    public long globalSteps() { return counters.get(T_SLOT); }

    /**
     * T ← T + t after a thread's segment of t steps; returns the new T. The thread whose segment
     * crosses a multiple of reportEvery takes the report (one small object per report, not per step).
     */
    public long addSteps(int t) {
        long T = counters.addAndGet(T_SLOT, t);
        if (T / reportEvery != (T - t) / reportEvery) reports.add(takeReport());
        return T;
    }

    /**
     * T ← T + d for steps other processes took (a cluster node's view of the run's global T: its
     * exchanger adds the other nodes' steps). Reports are taken as in {@link #addSteps}; returns the new T.
     */
    public long addRemoteSteps(long d) {
        if (d <= 0) return counters.get(T_SLOT);
        remoteSteps.addAndGet(d);
        long T = counters.addAndGet(T_SLOT, d);
        if (T / reportEvery != (T - d) / reportEvery) reports.add(takeReport());
        return T;
    }

    /**
     * Starts the wall clock now: for a cluster node whose set-up (joining, waiting for the other
     * nodes) comes between this context and its first step. Only before any worker starts.
     */
    public void startClockNow() { startNanos = System.nanoTime(); }

    /** The steps {@link #addRemoteSteps} added: T − startSteps − this is what this process's threads took. */
    public long remoteSteps() { return remoteSteps.get(); }

    /**
     * Also hands each finished episode's return to {@code listener} (a cluster node forwards them to
     * the coordinator); called on the worker's thread, once per episode. Set before the workers start.
     */
    public void onEpisode(java.util.function.DoubleConsumer listener) { episodeListener = listener; }

    /** The state now, without the staleness of a window (which only {@link #takeReport} drains). */
    public Report report() {
        double wall = wallSeconds();
        long T = counters.get(T_SLOT);
        return new Report(T, wall, episodes.episodes(), episodes.meanReturn100(), wall > 0 ? T / wall : 0,
                staleness.updates(), Staleness.Window.EMPTY);
    }

    /**
     * The state now as one metrics row, with the staleness of the updates landed since the last
     * row. T is read under the same lock as the window is drained, so rows taken by different
     * threads rise in T in the order their windows were drained.
     */
    public Report takeReport() {
        synchronized (staleness) {
            Staleness.Window w = staleness.drain();
            double wall = wallSeconds();
            long T = counters.get(T_SLOT);
            return new Report(T, wall, episodes.episodes(), episodes.meanReturn100(), wall > 0 ? T / wall : 0,
                    staleness.updates(), w);
        }
    }

    private double wallSeconds() {
        return startWallSeconds + (System.nanoTime() - startNanos) / 1e9;
    }

    /** The update counter and its per-thread staleness recorders (see {@link Staleness}). */
    public Staleness staleness() { return staleness; }

    /** Updates counted so far, the wall seconds counting began at, and the staleness totals of drained windows. */
    public Updates updates() {
        return new Updates(staleness.updates(), updatesSinceWallSeconds, staleness.totals());
    }

    /** The next report taken by a worker, or null. */
    public Report pollReport() { return reports.poll(); }

    public EpisodeStats episodes() { return episodes; }

    public boolean shouldStop() {
        return counters.get(STOP_SLOT) != 0 || counters.get(T_SLOT) >= totalSteps;
    }

    public void episodeFinished(double episodeReturn) {
        episodes.add(episodeReturn);
        java.util.function.DoubleConsumer l = episodeListener;
        if (l != null) l.accept(episodeReturn);
        if (!Double.isNaN(stopReturn) && episodes.episodes() >= EpisodeStats.WINDOW
                && episodes.meanReturn100() >= stopReturn) {
            requestStop("mean_return_100 reached " + stopReturn);
        }
    }

    public void requestStop(String reason) {
        if (counters.get(STOP_SLOT) == 0) {
            stopReason = reason;
            counters.set(STOP_SLOT, 1);
        }
    }

    /** A worker died: remember the first cause and stop the others. */
    public void fail(Throwable t) {
        if (failure.compareAndSet(null, t)) requestStop("a worker failed: " + t.getMessage());
    }

    public Throwable failure() { return failure.get(); }

    public String stopReason() {
        return shouldStop() && counters.get(STOP_SLOT) == 0 ? "step budget reached" : stopReason;
    }

    /**
     * A new counter of the bytes one thread's updates write into shared memory; allocated once,
     * before the thread's hot loop, and added to only by that thread.
     */
    public WriteCounter sharedWriteCounter() {
        WriteCounter c = new WriteCounter();
        writeCounters.add(c);
        return c;
    }

    /**
     * Counts bytes written into shared memory outside the optimizer's update, e.g. the target
     * network's sync θ⁻ ← θ (4n bytes). Any thread; meant for rare writes (one shared adder).
     */
    public void countSharedWrite(long bytes) {
        otherSharedWrites.add(bytes);
    }

    /**
     * Bytes written into shared memory by this process so far: every thread's updates (θ, and g
     * with Shared RMSProp) plus what {@link #countSharedWrite} counted. Exact once the workers
     * have joined; a resumed run counts from its resume.
     */
    public long sharedBytesWritten() {
        long sum = otherSharedWrites.sum();
        for (WriteCounter c : writeCounters) sum += c.get();
        return sum;
    }

    /** One thread's count of bytes written into shared memory, in the middle of its own 256 bytes. */
    public static final class WriteCounter {
        private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
        private static final int SLOT = 16;
        private final long[] a = new long[2 * SLOT + 1];

        private WriteCounter() {}

        /** Only the owning thread calls this: a plain read and an opaque write, no atomic. */
        public void add(long bytes) {
            LONGS.setOpaque(a, SLOT, a[SLOT] + bytes);
        }

        long get() {
            return (long) LONGS.getOpaque(a, SLOT);
        }
    }
}
