package dev.asyncrl.run;

import dev.asyncrl.algo.EpisodeStats;
import dev.asyncrl.algo.EpsilonGreedy;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.algo.Report;
import dev.asyncrl.algo.Staleness;
import dev.asyncrl.algo.TrainingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Takes a run's checkpoints from the watcher thread (see {@link Checkpoint} for what one captures):
 * every checkpointEverySeconds of wall time and/or every checkpointEverySteps of T, and once at
 * the end; and reads back where a resumed run starts.
 */
final class Checkpointer implements AutoCloseable {
    private final TrainConfig cfg;
    private final TrainingContext ctx;
    private final List<Double> epsilons;
    private final List<Long> resumedAt;
    private final Checkpoint.Writer writer;
    private long lastSteps;
    private long lastNanos = System.nanoTime();
    private boolean warned;
    private long written;

    Checkpointer(TrainConfig cfg, TrainingContext ctx, List<Double> epsilons, List<Long> resumedAt, Checkpoint.Writer writer) {
        this.cfg = cfg;
        this.ctx = ctx;
        this.epsilons = epsilons;
        this.resumedAt = resumedAt;
        this.writer = writer;
        this.lastSteps = ctx.startSteps();
        this.written = resumedAt.isEmpty() ? -1 : resumedAt.getLast();
    }

    /** T of the newest checkpoint on disk: this process's last, or the one it resumed from; -1 if none. */
    long written() {
        return written;
    }

    boolean due() {
        long T = ctx.globalSteps();
        if (T == lastSteps) return false;
        return (cfg.checkpointEverySteps() > 0 && T - lastSteps >= cfg.checkpointEverySteps())
                || (cfg.checkpointEverySeconds() > 0 && System.nanoTime() - lastNanos >= cfg.checkpointEverySeconds() * 1e9);
    }

    /** Snapshot (T first, then the tensors), let {@code beforeWrite} flush the metrics, then write. */
    void take(Runnable beforeWrite) {
        long T = ctx.globalSteps();
        Report at = ctx.report();
        EpisodeStats.State ep = ctx.episodes().state();
        TrainingContext.Updates updates = ctx.updates();
        long bad = writer.snapshot();
        lastSteps = T;
        lastNanos = System.nanoTime();
        beforeWrite.run();
        if (bad >= 0) {
            if (!warned) {
                System.err.println("asyncrl: no checkpoint written at T=" + T + ": θ holds a non-finite value at index " + bad
                        + " (the training diverged); the last checkpoint is kept");
                warned = true;
            }
            return;
        }
        writer.write(T, training(T, at.wallSeconds(), ep, updates));
        written = T;
    }

    private Map<String, Object> training(long T, double wall, EpisodeStats.State ep, TrainingContext.Updates updates) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("global_step", T);
        m.put("wall_seconds", wall);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("count", ep.episodes());
        e.put("best_mean_return_100", Double.isNaN(ep.bestMeanReturn100()) ? null : ep.bestMeanReturn100());
        e.put("last_returns", ep.lastReturns());
        m.put("episodes", e);
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("count", updates.count());
        u.put("counted_since_wall_seconds", updates.sinceWallSeconds());
        Staleness.Window w = updates.staleness();
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("count", w.count());
        st.put("sum", w.sum());
        st.put("min", w.count() == 0 ? null : w.min());
        st.put("max", w.count() == 0 ? null : w.max());
        u.put("staleness", st);
        m.put("updates", u);
        Hyperparameters hp = cfg.hp();
        Map<String, Object> sched = new LinkedHashMap<>();
        sched.put("lr_schedule", hp.lrSchedule().flag());
        sched.put("lr_initial", hp.lr());
        sched.put("lr_horizon_steps", cfg.steps());
        sched.put("lr_at_step", hp.learningRate(T, cfg.steps()));
        if (!epsilons.isEmpty()) {
            sched.put("epsilon_steps", hp.epsilonSteps());
            sched.put("thread_final_epsilons", epsilons);
            List<Double> now = new ArrayList<>();
            for (double f : epsilons) now.add(EpsilonGreedy.epsilon(f, T, hp.epsilonSteps()));
            sched.put("thread_epsilons_at_step", now);
        }
        m.put("schedules", sched);
        Map<String, Object> rng = new LinkedHashMap<>();
        rng.put("scheme", "thread i's streams (actions, environment) are seeded with thread_seeds[i] in a new run; a run"
                + " resumed at T seeds them with a SplitMix64 mix of thread_seeds[i] and T, and starts new episodes");
        rng.put("seed", cfg.seed());
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < cfg.threads(); i++) seeds.add(cfg.threadSeed(i));
        rng.put("thread_seeds", seeds);
        rng.put("streams_started_at_step", ctx.startSteps());
        m.put("rng", rng);
        m.put("resumed_at_steps", resumedAt);
        m.put("written_at", java.time.Instant.now().toString());
        return m;
    }

    @Override
    public void close() {
        writer.close();
    }

    /**
     * Where a run resumed from {@code from} starts; IllegalArgumentException if its training state
     * is bad. The checksum only says the file is as written: a hand-made or buggy file can still
     * hold a count below 0 or a NaN clock, which would start T, the schedules or the metrics cut
     * somewhere meaningless, so every number used is checked for its range here.
     */
    static TrainingContext.Resume resumeState(Checkpoint from) {
        var tr = from.training();
        String bad = from.file().getFileName() + " has bad training state: ";
        long T = from.globalStep();
        if (tr.has("global_step") && tr.path("global_step").asLong(-1) != T) {
            throw new IllegalArgumentException(bad + "its training global_step " + tr.path("global_step") + " is not its global_step " + T);
        }
        double wall = tr.path("wall_seconds").asDouble(Double.NaN);
        if (!(wall >= 0) || Double.isInfinite(wall)) throw new IllegalArgumentException(bad + "wall_seconds " + tr.path("wall_seconds"));
        var ep = tr.path("episodes");
        double[] last = new double[ep.path("last_returns").size()];
        for (int i = 0; i < last.length; i++) {
            var r = ep.path("last_returns").get(i);
            if (!r.isNumber() || !Double.isFinite(r.asDouble())) throw new IllegalArgumentException(bad + "episode return " + r);
            last[i] = r.asDouble();
        }
        if (!ep.path("count").canConvertToLong()) throw new IllegalArgumentException(bad + "episodes count " + ep.path("count"));
        var best = ep.path("best_mean_return_100");
        if (best.isNumber() && !Double.isFinite(best.asDouble())) throw new IllegalArgumentException(bad + "best_mean_return_100 " + best);
        long previous = 0;
        for (var at : tr.path("resumed_at_steps")) {
            if (!at.canConvertToLong() || at.asLong() < previous || at.asLong() > T) {
                throw new IllegalArgumentException(bad + "resumed_at_steps " + tr.path("resumed_at_steps") + " (each in 0.." + T + ", rising)");
            }
            previous = at.asLong();
        }
        // A checkpoint from before the update telemetry has no "updates": they are counted from the resume on.
        var u = tr.path("updates");
        TrainingContext.Updates updates = null;
        if (u.isObject()) {
            var st = u.path("staleness");
            long n = st.path("count").asLong();
            double since = u.has("counted_since_wall_seconds") ? u.path("counted_since_wall_seconds").asDouble(Double.NaN) : 0;
            if (u.path("count").asLong(-1) < 0 || n < 0 || !(since >= 0) || Double.isInfinite(since)
                    || (n > 0 && !(st.path("min").isNumber() && st.path("max").isNumber() && st.path("min").asLong() >= 0
                    && st.path("min").asLong() <= st.path("max").asLong() && st.path("sum").asLong(-1) >= 0))) {
                throw new IllegalArgumentException(bad + "updates " + u);
            }
            updates = new TrainingContext.Updates(u.path("count").asLong(), since,
                    n == 0 ? Staleness.Window.EMPTY : new Staleness.Window(n, st.path("sum").asLong(), st.path("min").asLong(), st.path("max").asLong()));
        }
        try {
            return new TrainingContext.Resume(T, wall,
                    new EpisodeStats.State(ep.path("count").asLong(), best.isNumber() ? best.asDouble() : Double.NaN, last), updates);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(bad + e.getMessage());
        }
    }
}
