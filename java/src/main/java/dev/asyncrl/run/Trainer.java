package dev.asyncrl.run;

import dev.asyncrl.algo.A3C;
import dev.asyncrl.algo.ActorLearner;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.algo.NStepQ;
import dev.asyncrl.algo.OneStepQ;
import dev.asyncrl.algo.OneStepSarsa;
import dev.asyncrl.algo.ValueBasedWorker;
import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one training: builds the network and the shared memory, starts one platform thread per
 * actor-learner, watches the global step counter from the calling thread (metrics rows, progress)
 * and, once the workers have joined, writes the parameters θ (params.f32), the summary and the
 * learning curve. The shared arena
 * is closed only after every worker has joined.
 */
public final class Trainer {
    private Trainer() {}

    /** One metrics.csv row. */
    public record Report(long globalStep, double wallSeconds, long episodes, double meanReturn100,
                         double stepsPerSecond) {}

    /** What summary.json holds. */
    public record Summary(String algo, String env, int threads, String kernel, long seed, long steps,
                          double wallSeconds, long episodes, double meanReturn100,
                          double bestMeanReturn100, double envStepsPerSecond, String status,
                          String stopReason) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algo", algo);
            m.put("env", env);
            m.put("threads", threads);
            m.put("kernel", kernel);
            m.put("seed", seed);
            m.put("steps", steps);
            m.put("wall_seconds", wallSeconds);
            m.put("episodes", episodes);
            m.put("mean_return_100", Double.isNaN(meanReturn100) ? null : meanReturn100);
            m.put("best_mean_return_100", Double.isNaN(bestMeanReturn100) ? null : bestMeanReturn100);
            m.put("env_steps_per_second", envStepsPerSecond);
            m.put("status", status);
            m.put("stop_reason", stopReason);
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
        if (!ALGOS.contains(cfg.algo())) throw new IllegalArgumentException("unknown --algo '" + cfg.algo() + "'");
        Env probe = Envs.create(cfg.env());
        Mlp net = network(cfg.algo(), probe, cfg.conv(), cfg.hidden(), cfg.lstm(), Activation.parse(cfg.activation()));
        Map<String, Object> config = withLayout(cfg.toMap(kernel.name()), net);

        List<Report> reports = new ArrayList<>();
        try (SharedParams shared = new SharedParams(net.layout(), cfg.valueBased())) {
            net.initialize(shared.theta(), cfg.seed());
            if (cfg.valueBased()) kernel.copy(shared.target(), shared.theta(), net.layout().size()); // θ⁻ ← θ
            TrainingContext ctx = new TrainingContext(kernel, shared, cfg.steps(), cfg.stopReturn(), cfg.reportEvery());
            List<Thread> threads = new ArrayList<>();
            List<ActorLearner> workers = new ArrayList<>();
            List<Double> epsilons = new ArrayList<>();
            for (int i = 0; i < cfg.threads(); i++) {
                ActorLearner w = worker(cfg.algo(), ctx, net, cfg.hp(), i == 0 ? probe : Envs.create(cfg.env()),
                        cfg.threadSeed(i));
                workers.add(w);
                if (w instanceof ValueBasedWorker v) epsilons.add(v.finalEpsilon());
            }
            if (!epsilons.isEmpty()) config.put("thread_final_epsilons", epsilons);
            dir.writeJson(RunDirectory.CONFIG, config);
            for (int i = 0; i < cfg.threads(); i++) {
                ActorLearner w = workers.get(i);
                threads.add(Thread.ofPlatform().name("actor-learner-" + i).start(() -> {
                    try {
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
            try {
                return watch(cfg, kernel, dir, progress, probe, ctx, threads, reports, hook);
            } finally {
                written.countDown();
            }
        }
    }

    private static Summary watch(TrainConfig cfg, Kernel kernel, RunDirectory dir, Progress progress, Env probe,
                                 TrainingContext ctx, List<Thread> threads, List<Report> reports,
                                 Thread hook) {
        progress.start(cfg.steps());
        while (anyAlive(threads)) {
            joinQuietly(threads.getFirst(), POLL_MILLIS);
            drain(ctx, dir, progress, reports);
        }
        for (Thread t : threads) joinQuietly(t, 0);
        drain(ctx, dir, progress, reports);
        Report last = ctx.report();
        if (reports.isEmpty() || reports.getLast().globalStep() != last.globalStep()) {
            reports.add(last);
            dir.appendMetrics(last);
        }
        progress.update(last);
        progress.finish();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting (Ctrl-C): the hook has stopped the workers; finish writing
        }

        Throwable failure = ctx.failure();
        String status = failure != null ? "failed" : ctx.stopReason().equals("interrupted") ? "interrupted" : "completed";
        // Every worker has joined, so θ no longer moves; written before summary.json, so a run
        // with a summary has its parameters.
        dir.writeParams(ctx.shared().theta(), ctx.shared().layout().size());
        EpisodeStats ep = ctx.episodes();
        Summary s = new Summary(cfg.algo(), cfg.env(), cfg.threads(), kernel.name(), cfg.seed(), last.globalStep(),
                last.wallSeconds(), ep.episodes(), ep.meanReturn100(), ep.bestMeanReturn100(),
                last.stepsPerSecond(), status, ctx.stopReason());
        dir.writeJson(RunDirectory.SUMMARY, s.toMap());
        dir.writeCurve(reports, cfg.algo() + " on " + probe.id() + " (" + cfg.threads() + " threads, seed " + cfg.seed() + ")");
        if (failure != null) {
            throw new TrainingFailedException("training failed in an actor-learner thread: " + failure.getMessage(), failure);
        }
        return s;
    }

    /**
     * The network an algorithm trains on an environment: an actor-critic for A3C, a Q network for
     * the value-based methods. What config.json records (algo, env, hidden, activation) rebuilds it.
     */
    public static Mlp network(String algo, Env env, int[] conv, int[] hidden, int lstm, Activation activation) {
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
            if (!algo.equals("a3c")) throw new IllegalArgumentException(env.id() + " has continuous actions: only a3c trains it");
            if (!c.isEmpty()) throw new IllegalArgumentException(env.id() + ": a Gaussian policy over images is not built yet");
            return Mlp.gaussianActorCritic(env.observationSize(), env.actionDim(), hidden, lstm, activation);
        }
        if (lstm > 0 && !algo.equals("a3c")) throw new IllegalArgumentException("--lstm is for a3c");
        return algo.equals("a3c")
                ? Mlp.actorCritic(env.observationSize(), c, env.actionCount(), hidden, lstm, activation)
                : Mlp.qNetwork(env.observationSize(), c, env.actionCount(), hidden, activation);
    }

    /** The algorithms by their command-line name. */
    public static final List<String> ALGOS = List.of("a3c", "nstep-q", "onestep-q", "onestep-sarsa");

    /** One actor-learner of {@code algo} with its own environment and seed. */
    public static ActorLearner worker(String algo, TrainingContext ctx, Mlp net, Hyperparameters hp, Env env, long seed) {
        return switch (algo) {
            case "a3c" -> new A3C.Worker(ctx, net, hp, env, seed);
            case "nstep-q" -> new NStepQ(ctx, net, hp, env, seed);
            case "onestep-q" -> new OneStepQ(ctx, net, hp, env, seed);
            case "onestep-sarsa" -> new OneStepSarsa(ctx, net, hp, env, seed);
            default -> throw new IllegalArgumentException("unknown --algo '" + algo + "'");
        };
    }

    private static Map<String, Object> withLayout(Map<String, Object> m, Mlp net) {
        List<Map<String, Object>> tensors = new ArrayList<>();
        for (var t : net.layout().tensors()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", t.name());
            e.put("offset", t.offset());
            e.put("shape", t.shape());
            tensors.add(e);
        }
        m.put("parameters", net.layout().parameterCount());
        m.put("layout", tensors);
        return m;
    }

    /** Writes the reports the workers took since the last call, in step order. */
    private static void drain(TrainingContext ctx, RunDirectory dir, Progress progress, List<Report> reports) {
        int from = reports.size();
        for (Report r; (r = ctx.pollReport()) != null; ) reports.add(r);
        List<Report> fresh = reports.subList(from, reports.size());
        fresh.sort(java.util.Comparator.comparingLong(Report::globalStep));
        for (Report r : fresh) {
            dir.appendMetrics(r);
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
