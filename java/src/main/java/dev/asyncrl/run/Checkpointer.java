package dev.asyncrl.run;

import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.algo.ValueBasedWorker;
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

    Checkpointer(TrainConfig cfg, TrainingContext ctx, List<Double> epsilons, List<Long> resumedAt, Checkpoint.Writer writer) {
        this.cfg = cfg;
        this.ctx = ctx;
        this.epsilons = epsilons;
        this.resumedAt = resumedAt;
        this.writer = writer;
        this.lastSteps = ctx.startSteps();
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
        Trainer.Report at = ctx.report();
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
            for (double f : epsilons) now.add(ValueBasedWorker.epsilon(f, T, hp.epsilonSteps()));
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

    /** Where a run resumed from {@code from} starts; IllegalArgumentException if its training state is bad. */
    static TrainingContext.Resume resumeState(Checkpoint from) {
        var tr = from.training();
        var ep = tr.path("episodes");
        double[] last = new double[ep.path("last_returns").size()];
        for (int i = 0; i < last.length; i++) last[i] = ep.path("last_returns").get(i).asDouble();
        var best = ep.path("best_mean_return_100");
        // A checkpoint from before the update telemetry has no "updates": they are counted from the resume on.
        var u = tr.path("updates");
        TrainingContext.Updates updates = null;
        if (u.isObject()) {
            var st = u.path("staleness");
            long n = st.path("count").asLong();
            if (u.path("count").asLong(-1) < 0 || n < 0 || (n > 0 && !(st.path("min").isNumber() && st.path("max").isNumber()))) {
                throw new IllegalArgumentException(from.file().getFileName() + " has bad training state: updates " + u);
            }
            updates = new TrainingContext.Updates(u.path("count").asLong(), u.path("counted_since_wall_seconds").asDouble(),
                    n == 0 ? Staleness.Window.EMPTY : new Staleness.Window(n, st.path("sum").asLong(), st.path("min").asLong(), st.path("max").asLong()));
        }
        try {
            return new TrainingContext.Resume(from.globalStep(), tr.path("wall_seconds").asDouble(),
                    new EpisodeStats.State(ep.path("count").asLong(), best.isNumber() ? best.asDouble() : Double.NaN, last), updates);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(from.file().getFileName() + " has bad training state: " + e.getMessage());
        }
    }
}
