package dev.asyncrl.run;

import dev.asyncrl.algo.ActorLearner;
import dev.asyncrl.algo.Algorithm;
import dev.asyncrl.algo.EpisodeStats;
import dev.asyncrl.algo.EpsilonGreedy;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.algo.Report;
import dev.asyncrl.algo.TrainingContext;
import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.ValueNet;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs one training: builds the network and the shared memory (fresh, or restored from a
 * checkpoint), starts one platform thread per actor-learner, watches the global step counter from
 * the calling thread (metrics rows, progress, periodic checkpoints) and, once the workers have
 * joined, writes the last checkpoint, the parameters θ (params.f32), the summary and the learning
 * curve. The shared arena is closed only after every worker has joined.
 */
public final class Trainer {
    private Trainer() {}

    /**
     * What summary.json holds. The shared-memory figures: the bytes this process wrote into shared
     * memory (θ, and the shared g, by updates; plus what the methods count, such as θ⁻ syncs), and
     * those bytes per step this process took.
     * The update figures: U, U per second of the wall time it was counted over, and the mean and
     * largest staleness over every update of the run.
     */
    public record Summary(String algo, String env, int threads, String kernel, long seed, long steps,
                          double wallSeconds, long episodes, double meanReturn100,
                          double bestMeanReturn100, double envStepsPerSecond, long sharedBytesWritten,
                          double sharedBytesPerStep, String status,
                          String stopReason, long updates, double updatesPerSecond, double stalenessMean,
                          long stalenessMax) {
        /** summary.json's fields, in this order; NaN as null, and no largest staleness without updates. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = JsonRecords.toMap(this);
            if (m.get("staleness_mean") == null) m.put("staleness_max", null);
            return m;
        }
    }

    /** Thrown after the run directory is written when a worker failed; names the cause. */
    public static final class TrainingFailedException extends RuntimeException {
        public TrainingFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final long POLL_MILLIS = 20;

    public static Summary train(TrainConfig cfg, Kernel kernel, RunDirectory dir, Progress progress) {
        return train(cfg, kernel, dir, progress, null);
    }

    /**
     * Trains, or with {@code from} continues a run from its checkpoint: θ, the optimizer statistics,
     * θ⁻, T, the wall clock and the episode statistics are restored; the schedules follow from T.
     * The checkpoint must match the network and optimizer {@code cfg} builds (IllegalArgumentException).
     */
    public static Summary train(TrainConfig cfg, Kernel kernel, RunDirectory dir, Progress progress, Checkpoint from) {
        return train(cfg, kernel, dir, progress, from, () -> Envs.create(cfg.env()), null);
    }

    /**
     * The same, for a library caller (dev.asyncrl.api): {@code envs} makes each thread's environment
     * (one call per thread, plus none more: thread 0 gets the first); {@code dir} null writes nothing
     * (no run directory, no checkpoint); {@code finalTheta}, if not null, is handed θ once every worker
     * has joined and before the shared arena closes (to copy, not to keep), when the run succeeded.
     */
    public static Summary train(TrainConfig cfg, Kernel kernel, RunDirectory dir, Progress progress, Checkpoint from,
                                Supplier<Env> envs, Consumer<MemorySegment> finalTheta) {
        return train(cfg, kernel, dir, progress, from, envs, finalTheta, null);
    }

    /**
     * The same as one node of a run across several ({@code link} not null, see {@link ClusterLink}):
     * its θ is exchanged with the cluster's, its T is the run's global T, and its checkpoints hold
     * the cluster's θ.
     */
    public static Summary train(TrainConfig cfg, Kernel kernel, RunDirectory dir, Progress progress, Checkpoint from,
                                Supplier<Env> envs, Consumer<MemorySegment> finalTheta, ClusterLink link) {
        Algorithm algorithm = cfg.algo();
        Env probe = envs.get();
        Mlp net = cfg.network(probe);
        Map<String, Object> config = cfg.toMap(kernel.name());
        Map<String, Object> checkpointConfig = new LinkedHashMap<>(config);
        config = withLayout(config, net);

        List<Report> reports = new ArrayList<>(dir != null ? dir.earlierReports() : List.of());
        boolean perThreadOptimizer = cfg.hp().optimizer() != Hyperparameters.OptimizerKind.SHARED_RMSPROP;
        try (SharedParams shared = new SharedParams(net.layout(), cfg.valueBased(), perThreadOptimizer ? cfg.threads() : 0)) {
            List<Checkpoint.Block> blocks = new ArrayList<>(Checkpoint.blocks(shared, cfg.hp().optimizer()));
            List<Checkpoint.Block> checkpointBlocks = blocks;
            if (link != null && link.checkpointTheta() != null) {   // a node's checkpoints hold the cluster's θ
                checkpointBlocks = new ArrayList<>(blocks);
                checkpointBlocks.set(0, new Checkpoint.Block(blocks.getFirst().prefix(), link.checkpointTheta()));
            }
            TrainingContext.Resume resume = null;
            List<Long> resumedAt = new ArrayList<>();
            if (from == null) {
                net.initialize(shared.theta(), cfg.seed());
                if (cfg.valueBased()) kernel.copy(shared.target(), shared.theta(), net.layout().size()); // θ⁻ ← θ
            } else {
                checkResumable(cfg, from);
                from.restore(net.layout(), blocks);
                resume = Checkpointer.resumeState(from);
                for (var t : from.training().path("resumed_at_steps")) resumedAt.add(t.asLong());
                resumedAt.add(from.globalStep());
                config.put("resumed_at_steps", resumedAt);
            }
            TrainingContext ctx = new TrainingContext(kernel, shared, cfg.threads(), cfg.steps(), cfg.stopReturn(),
                    cfg.reportEvery(), resume);
            List<Thread> threads = new ArrayList<>();
            List<ActorLearner> workers = new ArrayList<>();
            List<Double> epsilons = new ArrayList<>();
            for (int i = 0; i < cfg.threads(); i++) {
                List<Env> own = new ArrayList<>();                       // the thread's K environments
                for (int e = 0; e < cfg.hp().envsPerThread(); e++) own.add(i == 0 && e == 0 ? probe : envs.get());
                workers.add(algorithm.worker(ctx, net, cfg.hp(), own, cfg.threadSeed(i), i));
                if (algorithm.valueBased()) epsilons.add(EpsilonGreedy.finalEpsilon(cfg.threadSeed(i), cfg.hp()));
            }
            if (!epsilons.isEmpty()) config.put("thread_final_epsilons", epsilons);
            if (link != null) {
                link.config(config);
                link.start(ctx, shared);
                ctx.startClockNow();   // wall_seconds counts training, not the cluster's forming
            }
            if (dir != null) dir.writeJson(RunDirectory.CONFIG, config);
            Map<String, Object> envInfo = new LinkedHashMap<>();
            envInfo.put("name", cfg.env());
            envInfo.put("id", probe.id());
            envInfo.put("observation_shape", probe.observationShape());
            envInfo.put("action_count", probe.actionCount());
            envInfo.put("action_dim", probe.actionDim());
            Checkpointer checkpointer = dir == null ? null : new Checkpointer(cfg, ctx, epsilons, resumedAt,
                    new Checkpoint.Writer(dir.path(), net.layout(), checkpointBlocks, checkpointConfig, envInfo));
            // --pin-threads: the allowed CPUs read here, on the starting thread, before any worker pins itself
            ThreadAffinity pins = cfg.pinThreads() ? ThreadAffinity.ofCallingThread() : null;
            for (int i = 0; i < cfg.threads(); i++) {
                ActorLearner w = workers.get(i);
                int index = i;
                threads.add(Thread.ofPlatform().name("actor-learner-" + i).start(() -> {
                    try {
                        if (pins != null) pins.pin(index);
                        w.run();
                    } catch (Throwable t) {
                        ctx.fail(t);
                    }
                }));
            }
            // Ctrl-C: stop the workers, then hold the JVM until the run directory is written.
            CountDownLatch written = new CountDownLatch(1);
            Thread hook = Thread.ofPlatform().unstarted(() -> {
                ctx.requestStop("interrupted");
                try {
                    written.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            try (checkpointer) {  // null without a run directory
                Summary s = watch(cfg, kernel, dir, progress, probe, ctx, threads, reports, hook, checkpointer, resumedAt, link);
                if (finalTheta != null) finalTheta.accept(ctx.shared().theta());
                return s;
            } catch (RuntimeException | Error e) {
                // The watcher failed (a metrics row, a checkpoint, the progress) while workers may
                // still run: one inside a kernel call holds the shared arena, and closing it would
                // fail too, on top of this cause. Stop them and wait for them first.
                ctx.requestStop("failed: " + e);
                for (Thread t : threads) joinQuietly(t, 0);
                throw e;
            } finally {
                written.countDown();
            }
        }
    }

    /**
     * Throws IllegalArgumentException unless {@code from} can continue the run {@code cfg}
     * describes: the same network, the blocks its optimizer and algorithm keep, the same per-thread
     * final ε. Reads only.
     */
    public static void checkResumable(TrainConfig cfg, Checkpoint from) {
        Env probe = Envs.create(cfg.env());
        Mlp net = cfg.network(probe);
        from.requireTensors(net.layout(), Checkpoint.prefixes(cfg.hp().optimizer(), cfg.threads(), cfg.valueBased()));
        if (cfg.valueBased()) {
            List<Double> epsilons = new ArrayList<>();
            for (int i = 0; i < cfg.threads(); i++) epsilons.add(EpsilonGreedy.finalEpsilon(cfg.threadSeed(i), cfg.hp()));
            String recorded = from.training().path("schedules").path("thread_final_epsilons").toString();
            if (!recorded.equals(Checkpoint.JSON.valueToTree(epsilons).toString())) {
                throw new IllegalArgumentException(from.file().getFileName() + " records the threads' final epsilons " + recorded
                        + ", but this run draws " + epsilons);
            }
        }
        Checkpointer.resumeState(from);
    }

    private static Summary watch(TrainConfig cfg, Kernel kernel, RunDirectory dir, Progress progress, Env probe,
                                 TrainingContext ctx, List<Thread> threads, List<Report> reports,
                                 Thread hook, Checkpointer checkpointer, List<Long> resumedAt, ClusterLink link) {
        // A file that cannot be written (a full disk, the directory deleted, metrics.csv made
        // immutable) stops the run rather than the watcher: the workers are stopped and joined
        // before anything is closed, and what was written before stays as it was.
        RunDirectory.WriteFailedException writeFailed = null;
        progress.start(cfg.steps());
        while (anyAlive(threads)) {
            joinQuietly(threads.getFirst(), POLL_MILLIS);
            String enough = progress.stopReason();      // e.g. asyncrl bench's time budget
            if (enough != null) ctx.requestStop(enough);
            if (writeFailed != null) {
                while (ctx.pollReport() != null) { }    // nowhere to write them
                continue;
            }
            try {
                drain(ctx, dir, progress, reports);
                // the rows up to the checkpoint's T are on disk before the checkpoint is
                if (checkpointer != null && checkpointer.due()) {
                    if (link != null) link.refreshCheckpoint();
                    checkpointer.take(() -> drain(ctx, dir, progress, reports));
                }
            } catch (RunDirectory.WriteFailedException e) {
                writeFailed = e;
                ctx.requestStop(e.getMessage());
            }
        }
        for (Thread t : threads) joinQuietly(t, 0);
        if (link != null) link.finish(ctx, ctx.shared());  // the last exchange; the coordinator reads the cluster's θ and T
        Report last = ctx.takeReport();  // every worker has joined: the last window holds every update left
        if (writeFailed == null) {
            try {
                drain(ctx, dir, progress, reports);
                if (reports.isEmpty() || reports.getLast().globalStep() < last.globalStep()) {
                    reports.add(last);
                    if (dir != null) dir.appendMetrics(last);
                }
            } catch (RunDirectory.WriteFailedException e) {
                writeFailed = e;
            }
        }
        progress.update(last);
        progress.finish();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting (Ctrl-C): the hook has stopped the workers; finish writing
        }

        Throwable failure = ctx.failure();
        boolean failed = failure != null || writeFailed != null;
        String status = failed ? "failed" : ctx.stopReason().equals("interrupted") ? "interrupted" : "completed";
        // Every worker has joined, so θ no longer moves: the last checkpoint is exact. Written
        // before summary.json, so a run with a summary has its parameters. A failed worker keeps
        // the last periodic checkpoint instead (what failed may have damaged θ); a failed write
        // does not, θ is as good as ever, and the final checkpoint may still find room.
        if (failure == null && checkpointer != null) writeFailed = attempt(writeFailed, () -> {
            if (link != null) link.refreshCheckpoint();
            checkpointer.take(() -> {});
        });
        // A failed run does not replace the params.f32 and summary.json of an earlier process of the
        // run (a resumed run that fails would put worse data over good); nor writes a θ that diverged.
        boolean keepEarlier = failed && !resumedAt.isEmpty();
        if (dir != null && !(keepEarlier && Files.exists(dir.path().resolve(RunDirectory.PARAMS)))
                && (!failed || Checkpoint.firstNonFinite(ctx.shared().theta(), ctx.shared().layout().size()) < 0)) {
            writeFailed = attempt(writeFailed, () -> dir.writeParams(ctx.shared().theta(), ctx.shared().layout().size()));
        }
        EpisodeStats ep = ctx.episodes();
        TrainingContext.Updates u = ctx.updates();
        double counted = last.wallSeconds() - u.sinceWallSeconds();
        long written = ctx.sharedBytesWritten(), stepsHere = last.globalStep() - ctx.startSteps() - ctx.remoteSteps();
        Summary s = new Summary(cfg.algo().flag(), cfg.env(), cfg.threads(), kernel.name(), cfg.seed(), last.globalStep(),
                last.wallSeconds(), ep.episodes(), ep.meanReturn100(), ep.bestMeanReturn100(),
                last.stepsPerSecond(), written, stepsHere > 0 ? (double) written / stepsHere : Double.NaN, status,
                writeFailed != null ? writeFailed.getMessage() : ctx.stopReason(), u.count(),
                counted > 0 ? u.count() / counted : 0, u.staleness().mean(), u.staleness().max());
        Map<String, Object> summary = s.toMap();
        if (!resumedAt.isEmpty()) summary.put("resumed_at_steps", resumedAt);
        if (link != null) link.summary(summary);
        if (dir != null && !(keepEarlier && Files.exists(dir.path().resolve(RunDirectory.SUMMARY)))) {
            writeFailed = attempt(writeFailed, () -> dir.writeJson(RunDirectory.SUMMARY, summary));
        }
        String title = cfg.algo() + " on " + probe.id() + " (" + cfg.threads() + " threads, seed " + cfg.seed() + ")";
        if (dir != null) writeFailed = attempt(writeFailed, () -> {
            Path curve = dir.path().resolve(RunDirectory.CURVE);
            // ImageIO prints a stack trace of its own when it cannot open the file: not tried where the directory is gone
            if (!Files.isDirectory(dir.path())) throw new RunDirectory.WriteFailedException(curve, new NoSuchFileException(dir.path().toString()));
            try {
                dir.writeCurve(reports, title);
            } catch (java.io.UncheckedIOException e) {
                try {
                    Files.deleteIfExists(curve.resolveSibling(RunDirectory.CURVE + ".tmp"));
                } catch (java.io.IOException ignored) {
                    // the write's own failure is the one to report
                }
                throw new RunDirectory.WriteFailedException(curve, e.getCause());
            }
        });
        if (writeFailed != null) {
            long kept = checkpointer.written();
            throw new RunDirectory.WriteFailedException(writeFailed.getMessage() + "; training stopped at T=" + last.globalStep() + "; "
                    + (kept >= 0 ? Checkpoint.FILE + " (T=" + kept + ") and the files written before are kept: make room and continue with"
                    + " asyncrl train --resume " + dir.path() : "the files written before are kept"), writeFailed);
        }
        if (failure != null) {
            throw new TrainingFailedException("training failed in an actor-learner thread: " + failure.getMessage(), failure);
        }
        return s;
    }

    /**
     * Runs one of the last writes even after another failed (metrics.csv made immutable leaves
     * the other files writable); returns the first failure.
     */
    private static RunDirectory.WriteFailedException attempt(RunDirectory.WriteFailedException first, Runnable write) {
        try {
            write.run();
            return first;
        } catch (RunDirectory.WriteFailedException e) {
            return first != null ? first : e;
        }
    }

    /**
     * The network an algorithm trains on an environment: an actor-critic for A3C (its value head on
     * the policy's torso or, with {@link ValueNet#SEPARATE}, on one of its own), a Q network for the
     * value-based methods. What config.json records (algo, env, conv, hidden, lstm, activation,
     * value_net) rebuilds it.
     */
    public static Mlp network(String algo, Env env, int[] conv, int[] hidden, int lstm, Activation activation, ValueNet valueNet) {
        return network(Algorithm.parse(algo), env, conv, hidden, lstm, activation, valueNet);
    }

    /** {@link #network(String, Env, int[], int[], int, Activation, ValueNet)} for an algorithm. */
    public static Mlp network(Algorithm algo, Env env, int[] conv, int[] hidden, int lstm, Activation activation, ValueNet valueNet) {
        List<Mlp.Conv> c = new ArrayList<>();
        int[] shape = env.observationShape();
        if (shape.length == 3) {  // an image (C, H, W): convolutions {filters, kernel, stride}... read it
            if (conv == null || conv.length == 0 || conv.length % 3 != 0) {
                throw new IllegalArgumentException(env.id() + " needs convolutions: filters,kernel,stride for each");
            }
            int C = shape[0], H = shape[1], W = shape[2];
            for (int i = 0; i < conv.length; i += 3) {
                Mlp.Conv layer = new Mlp.Conv(C, H, W, conv[i], conv[i + 1], conv[i + 2]);
                c.add(layer);
                C = layer.filters();
                H = layer.outHeight();
                W = layer.outWidth();
            }
        }
        if (env.actionCount() == 0) {
            if (algo.valueBased()) throw new IllegalArgumentException(env.id() + " has continuous actions: only a3c trains it");
            if (!c.isEmpty()) throw new IllegalArgumentException(env.id() + ": a Gaussian policy over images is not built yet");
            return Mlp.gaussianActorCritic(env.observationSize(), env.actionDim(), hidden, lstm, activation, valueNet);
        }
        if (lstm > 0 && algo.valueBased()) throw new IllegalArgumentException("--lstm is for a3c");
        if (valueNet == ValueNet.SEPARATE && algo.valueBased()) throw new IllegalArgumentException("--value-net separate is for a3c");
        return !algo.valueBased()
                ? Mlp.actorCritic(env.observationSize(), c, env.actionCount(), hidden, lstm, activation, valueNet)
                : Mlp.qNetwork(env.observationSize(), c, env.actionCount(), hidden, activation);
    }

    private static Map<String, Object> withLayout(Map<String, Object> m, Mlp net) {
        m.put("parameters", net.layout().parameterCount());
        m.put("layout", Checkpoint.layoutTable(net.layout()));
        return m;
    }

    /**
     * Writes the reports the workers took since the last call, in step order. A report reads T when
     * it is taken, so a thread held up between its step and its report can produce one no later
     * than a row already written: it is dropped, and global_step rises strictly row by row.
     */
    private static void drain(TrainingContext ctx, RunDirectory dir, Progress progress, List<Report> reports) {
        List<Report> fresh = new ArrayList<>();
        for (Report r; (r = ctx.pollReport()) != null; ) fresh.add(r);
        fresh.sort(java.util.Comparator.comparingLong(Report::globalStep));
        for (Report r : fresh) {
            if (!reports.isEmpty() && r.globalStep() <= reports.getLast().globalStep()) continue;
            reports.add(r);
            if (dir != null) dir.appendMetrics(r);
            progress.update(r);
        }
    }

    private static boolean anyAlive(List<Thread> threads) {
        for (Thread t : threads) if (t.isAlive()) return true;
        return false;
    }

    private static void joinQuietly(Thread t, long millis) {
        try {
            if (millis == 0) t.join();
            else t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
