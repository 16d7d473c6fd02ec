package dev.asyncrl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asyncrl.algo.Algorithm;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.cluster.ClusterSettings;
import dev.asyncrl.cluster.LocalNodes;
import dev.asyncrl.cluster.Node;
import dev.asyncrl.env.Envs;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.ValueNet;
import dev.asyncrl.run.Checkpoint;
import dev.asyncrl.run.Kernels;
import dev.asyncrl.run.Preset;
import dev.asyncrl.run.Progress;
import dev.asyncrl.run.RunDirectory;
import dev.asyncrl.run.TrainConfig;
import dev.asyncrl.run.Trainer;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code asyncrl train}: resolves the preset of the environment, lays the user's flags on top,
 * opens the kernel, and runs the trainer into a fresh run directory. Flags left out keep the
 * preset's value; config.json records every value used.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train an agent. With no flags: A3C on CartPole, one thread per core, until mean_return_100 reaches 475.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--algo", defaultValue = "a3c", description = "Algorithm: a3c, nstep-q, onestep-q or onestep-sarsa (default: ${DEFAULT-VALUE}).")
    String algo;

    @Option(names = "--env", defaultValue = "cartpole", description = "Environment: cartpole, acrobot, mountaincar, pendulum, tmaze, minatar-asterix, minatar-breakout, minatar-freeway, minatar-seaquest, minatar-space-invaders (a -minimal suffix gives a MinAtar game's minimal action set), maze3d (a first-person 3D maze from 84x84 RGB pixels), maze3d-small (42x42), or the MuJoCo tasks mujoco-inverted-pendulum, mujoco-inverted-double-pendulum, mujoco-reacher, mujoco-half-cheetah, mujoco-hopper, mujoco-humanoid (default: ${DEFAULT-VALUE}).")
    String env;

    @Option(names = "--threads", description = "Actor-learner threads (default: one per core the process may use; more than that warns: oversubscribed threads slow the Hogwild updates).")
    Integer threads;

    @Option(names = "--nodes", defaultValue = "1", paramLabel = "N", description = "Run across N processes on this machine, each a node of a Hazelcast cluster with its own threads (--threads each), exchanging θ asynchronously; more nodes may join with asyncrl node --join (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Mixin
    ClusterFlags cluster = new ClusterFlags();

    @Option(names = "--pin-threads", negatable = true, description = "Pin actor-learner i to the i-th CPU the process may use (Linux; elsewhere a warning, unpinned). Off by default: on a shared or SMT machine it can hurt; measure with asyncrl bench --pin-threads.")
    Boolean pinThreads;

    @Option(names = "--steps", description = "Step budget T_max over all threads; also the learning-rate annealing horizon (default: the preset's).")
    Long steps;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of initialisation, environments and action sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--kernel", defaultValue = Kernels.DEFAULT, paramLabel = "NAME|PATH",
            description = "Kernel: java, a built-in native kernel name (reference, blas, simd), auto (the fastest available), or the path of a kernel .so (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory to create (default: runs/ALGO-ENV-TIMESTAMP).")
    Path out;

    @Option(names = "--preset", paramLabel = "NAME", description = "Hyperparameter preset: cartpole, acrobot, mountaincar, tmaze, minatar, pendulum, mujoco (the MuJoCo tasks), maze3d, maze3d-small (the paper's A3C LSTM), paper or paper-continuous (the paper's continuous-control net: 200 ReLU, 128 LSTM, a separate value net) (default: the environment's).")
    String preset;

    /** The hyperparameter flags: each overrides one field of the preset's record. */
    @Mixin
    HyperparameterFlags hpFlags = new HyperparameterFlags();

    @Option(names = "--lr-log-uniform", split = ",", paramLabel = "LO,HI", description = "Draw the initial learning rate from LogUniform(LO, HI) with the seed (overrides --lr).")
    double[] lrLogUniform;

    @Option(names = "--stop-return", paramLabel = "R|none", description = "Stop once mean_return_100 reaches R; none runs the whole budget.")
    String stopReturn;

    @Option(names = "--report-every", paramLabel = "STEPS", description = "A metrics.csv row every this many global steps (default: steps/500, at least 1000).")
    Long reportEvery;

    @Option(names = "--progress", defaultValue = "auto", description = "auto (a bar on a terminal, lines otherwise), lines, or none.")
    String progressMode;

    @Option(names = "--checkpoint-every-seconds", paramLabel = "S", description = "Write checkpoint.safetensors every S seconds of training, and at the end; 0: not on time (default: 60).")
    Double checkpointEverySeconds;

    @Option(names = "--checkpoint-every-steps", paramLabel = "STEPS", description = "Also write it each time T advances by STEPS; 0: not on steps (default: 0).")
    Long checkpointEverySteps;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its checkpoint: its configuration, T, schedules and metrics go on. Only --steps, --stop-return, --kernel, --report-every, --progress, --[no-]pin-threads and the --checkpoint-every flags may differ from the run's.")
    Path resume;

    @Spec
    CommandSpec spec;

    /** What a resumed run may change; every other flag must agree with the checkpoint's configuration. */
    static final Set<String> MAY_CHANGE_ON_RESUME = Set.of("--resume", "--steps", "--stop-return", "--kernel", "--report-every",
            "--progress", "--checkpoint-every-seconds", "--checkpoint-every-steps", "--pin-threads", "--nodes", "--bind", "--port",
            "--secret-file", "--exchange-ms");

    @Override
    public Integer call() {
        if (resume != null) return resumeRun();
        TrainConfig cfg = resolve();
        warnIfOversubscribed(cfg.threads() * nodes, nodes, spec.commandLine().getErr());
        Trainer.Summary s;
        if (clustered()) {
            checkCluster();
            RunDirectory.checkUsable(cfg.out());
            try (Kernel k = Kernels.open(cfg.kernel()); RunDirectory dir = RunDirectory.create(cfg.out())) {
                s = trainClustered(cfg, k, dir, null);
            }
        } else {
            s = run(cfg, progress());
        }
        printSummary(s, cfg);
        return 0;
    }

    private Progress progress() {
        return progress(progressMode);
    }

    /** The --progress mode's reporter on standard error (train and node share it). */
    static Progress progress(String mode) {
        return switch (mode) {
            case "auto" -> Progress.auto(System.err, 5.0);
            case "lines" -> new Progress.Lines(System.err, 5.0);
            default -> Progress.none();
        };
    }

    /**
     * {@code --resume DIR}: reads and checks the checkpoint and the flags before anything is
     * written; then reopens the run directory and continues.
     */
    private int resumeRun() {
        Path dir = resume;
        String where = "--resume " + dir;
        if (dir.toString().isEmpty()) throw new IllegalArgumentException("--resume is empty: give the run directory to continue");
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(where + ": " + (Files.exists(dir) ? "not a directory" : "no such directory"));
        }
        for (String f : List.of(Checkpoint.FILE, RunDirectory.CONFIG)) {
            Path p = dir.resolve(f);
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(p)) {
                // refused before anything opens it: a FIFO would block the read
                throw new IllegalArgumentException(where + ": its " + f + " is not a regular file (a FIFO, a device, a directory?)");
            }
        }
        Path file = dir.resolve(Checkpoint.FILE);
        Path configFile = dir.resolve(RunDirectory.CONFIG);
        Checkpoint ckpt = null;
        JsonNode recorded;
        if (Files.exists(file)) {
            try {
                ckpt = Checkpoint.read(file);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
            String nonFinite = ckpt.firstNonFinite();
            if (nonFinite != null) {
                throw new IllegalArgumentException(where + ": " + Checkpoint.FILE + " holds " + nonFinite
                        + " (the training had diverged when it was written); nothing to resume from, nothing was changed");
            }
            recorded = ckpt.config();
        } else {
            recorded = startOverConfig(dir, where);
        }
        ParseResult given = spec.commandLine().getParseResult();
        if (out != null && !out.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("--out " + out + " conflicts with " + where + ": a resumed run continues in its own directory");
        }
        TrainConfig cfg;
        try {
            cfg = TrainConfig.fromJson(recorded, dir);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + (ckpt != null ? Checkpoint.FILE : RunDirectory.CONFIG) + ": " + e.getMessage());
        }
        // Flags given must agree with the run's configuration, but for those that may change.
        if (!given.hasMatchedOption("--algo")) algo = cfg.algo().flag();
        if (!given.hasMatchedOption("--env")) env = cfg.env();
        Map<String, Object> flags = resolve().toMap("");
        Map<String, Object> run = cfg.toMap("");  // what the run used, also where its checkpoint predates a flag (value_net)
        for (OptionSpec o : given.matchedOptions()) {
            String flag = o.longestName();
            if (MAY_CHANGE_ON_RESUME.contains(flag) || flag.equals("--out")) continue;
            String key = flag.substring(2).replace('-', '_');
            JsonNode want = Checkpoint.JSON.valueToTree(flags.get(key));
            JsonNode have = recorded.has(key) ? recorded.get(key) : run.get(key) == null ? null : Checkpoint.JSON.valueToTree(run.get(key));
            if (have == null || !sameValue(want, have)) {
                throw new IllegalArgumentException(flag + " " + String.join(",", o.stringValues()) + " conflicts with " + where + ", whose run has "
                        + key + " " + (have == null ? "unset (it does not apply)" : have)
                        + "; a resumed run keeps its configuration (only --steps, --stop-return, --kernel, --report-every, --progress,"
                        + " --[no-]pin-threads and --checkpoint-every-* may change)");
            }
        }
        Hyperparameters h = cfg.hp();
        if (steps != null) h = h.withSteps(steps);
        if (stopReturn != null) h = h.withStopReturn(parseStopReturn(stopReturn));
        cfg = cfg.withHp(h).withRun(given.hasMatchedOption("--kernel") ? kernel : cfg.kernel(), dir,
                reportEvery != null ? reportEvery : cfg.reportEvery(),
                checkpointEverySeconds != null ? checkpointEverySeconds : cfg.checkpointEverySeconds(),
                checkpointEverySteps != null ? checkpointEverySteps : cfg.checkpointEverySteps());
        if (pinThreads != null) cfg = cfg.withPinThreads(pinThreads);
        long T = ckpt == null ? 0 : ckpt.globalStep();
        // A run killed after its last checkpoint but before its summary has spent its budget and
        // yet not finished: it is finished now, without training, rather than left stuck.
        boolean onlyTheEnd = T >= cfg.steps() && !finishedAt(dir, T);
        if (T >= cfg.steps() && !onlyTheEnd) {
            throw new IllegalArgumentException(where + ": its checkpoint is at T=" + T + ", which has spent the step budget "
                    + cfg.steps() + "; give a larger --steps to go on");
        }
        if (ckpt != null && Files.isRegularFile(configFile)) {
            JsonNode layout;
            try {
                layout = Checkpoint.JSON.readTree(configFile.toFile()).path("layout");
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(where + ": " + RunDirectory.CONFIG + " cannot be read (" + e.getMessage() + ")");
            }
            if (!layout.equals(ckpt.layoutTable())) {
                throw new IllegalArgumentException(where + ": " + Checkpoint.FILE + " belongs to another network than "
                        + RunDirectory.CONFIG + " (their layout tables differ)");
            }
        }
        if (clustered()) checkCluster();
        try (Kernel k = Kernels.open(cfg.kernel())) {
            // Check the checkpoint against the network before the run directory is touched.
            if (ckpt != null) Trainer.checkResumable(cfg, ckpt);
            try (RunDirectory rd = RunDirectory.resume(dir, T)) {
                var err = spec.commandLine().getErr();
                warnIfOversubscribed(cfg.threads() * nodes, nodes, err);
                if (rd.droppedRows() != null) err.println("asyncrl: warning: " + rd.droppedRows());
                if (onlyTheEnd) err.printf(Locale.ROOT, "asyncrl: %s stopped after its last checkpoint (T=%d, its step budget) but before"
                        + " its summary: writing its last files%n", dir, T);
                else if (ckpt != null) err.printf(Locale.ROOT, "asyncrl: resuming %s at T=%d (%s)%n", dir, T, Checkpoint.FILE);
                else err.printf(Locale.ROOT, "asyncrl: %s has no %s yet (the run stopped before its first): starting it over from T=0"
                        + " with the configuration in its %s%n", dir, Checkpoint.FILE, RunDirectory.CONFIG);
                err.flush();
                Trainer.Summary s = clustered() ? trainClustered(cfg, k, rd, ckpt) : Trainer.train(cfg, k, rd, progress(), ckpt);
                printSummary(s, cfg);
            }
        }
        return 0;
    }

    /** A run across several processes: --nodes above 1, or any cluster flag (a coordinator others join). */
    private boolean clustered() {
        return nodes > 1 || cluster.any();
    }

    /** The cluster flags, checked before anything is written. */
    private void checkCluster() {
        if (nodes < 1 || nodes > 64) throw new IllegalArgumentException("--nodes must be from 1 to 64, got " + nodes);
        cluster.check();
        ClusterSettings.bindAddress(cluster.bind);
        ClusterSettings.secret(cluster.secretFile);
    }

    /**
     * Trains as the coordinator of a cluster: its member first, then the other --nodes − 1 nodes as
     * local processes joining it; the run directory is this process's. The secret: --secret-file, the
     * environment's, or for a run on loopback a random one (only this run's own nodes know it).
     */
    private Trainer.Summary trainClustered(TrainConfig cfg, Kernel k, RunDirectory dir, Checkpoint from) {
        String secret = ClusterSettings.secret(cluster.secretFile);
        InetAddress bind = ClusterSettings.bindAddress(cluster.bind);
        if (secret == null) {
            if (!bind.isLoopbackAddress()) {
                throw new IllegalArgumentException("a run that other machines join (--bind " + cluster.bind + ") needs a shared secret:"
                        + " --secret-file FILE or the environment variable " + ClusterSettings.SECRET_ENV);
            }
            secret = ClusterSettings.randomSecret();
        }
        int port = cluster.port != null ? cluster.port
                : nodes > 1 && cluster.secretFile == null && System.getenv(ClusterSettings.SECRET_ENV) == null
                ? ClusterSettings.freePort(bind) : ClusterSettings.DEFAULT_PORT;
        ClusterSettings settings = new ClusterSettings(bind, port, List.of(), ClusterSettings.clusterName(secret));
        var err = spec.commandLine().getErr();
        Node node = Node.coordinator(settings, Main.VERSION, cfg.threads(), nodes, cluster.exchangeMs, dir.path(), System.err);
        LocalNodes local = null;
        try {
            local = LocalNodes.start(nodes - 1, settings.self(), bind.getHostAddress(), secret, cfg.threads(),
                    List.of("--kernel", cfg.kernel()), dir.path());
            node.othersAlive(local::allAlive);
            err.printf(Locale.ROOT, "asyncrl: coordinator of %d node(s) listening on %s%s%n", nodes, settings.self(),
                    nodes > 1 ? "; the other nodes' logs: " + dir.path().resolve("node-*.log") : "");
            err.flush();
            return Trainer.train(cfg, k, dir, progress(), from, () -> Envs.create(cfg.env()), null, node);
        } finally {
            node.close();
            if (local != null) local.close();
        }
    }

    /**
     * One warning line when a run asks for more actor-learner threads than the CPUs this process
     * may use (availableProcessors honours the affinity mask and the container's quota): the
     * threads then take turns on the cores, and a thread descheduled in the middle of its update
     * holds stale θ′ for a whole time slice. Not an error: it still trains. Returns whether it warned.
     */
    static boolean warnIfOversubscribed(int threads, java.io.PrintWriter err) {
        return warnIfOversubscribed(threads, 1, err);
    }

    /** The same for {@code nodes} processes of threads / nodes threads each. */
    static boolean warnIfOversubscribed(int threads, int nodes, java.io.PrintWriter err) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads <= cores) return false;
        err.printf(Locale.ROOT, "asyncrl: warning: %s is more than the %d core(s) this process may use;"
                + " oversubscribed actor-learners take turns on the cores and slow the Hogwild updates%n",
                nodes > 1 ? "--nodes " + nodes + " × --threads " + threads / nodes + " = " + threads + " threads" : "--threads " + threads, cores);
        err.flush();
        return true;
    }

    /** Whether the run in {@code dir} wrote its summary at T: it ended there, nothing is left to write. */
    private static boolean finishedAt(Path dir, long T) {
        if (!Files.isRegularFile(dir.resolve(RunDirectory.SUMMARY))) return false;
        try {
            return Checkpoint.JSON.readTree(dir.resolve(RunDirectory.SUMMARY).toFile()).path("steps").asLong(-1) == T;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * The configuration of a run that stopped before its first checkpoint (killed, out of memory,
     * a full disk): its config.json, when nothing trained would be lost by starting it over (no
     * params.f32, no summary.json). Anything else is refused with what is there and what to do.
     */
    private static JsonNode startOverConfig(Path dir, String where) {
        Path configFile = dir.resolve(RunDirectory.CONFIG);
        String none = where + ": no " + Checkpoint.FILE + " there, nothing to resume from";
        if (!Files.exists(configFile)) {
            boolean started = Files.exists(dir.resolve(RunDirectory.METRICS));
            throw new IllegalArgumentException(none + (started
                    ? " (the run stopped before it wrote its " + RunDirectory.CONFIG + "; start it anew with --out " + dir + ")"
                    : " (a run writes one every --checkpoint-every-seconds, 60 by default, and at the end)"));
        }
        for (String f : List.of(RunDirectory.PARAMS, RunDirectory.SUMMARY)) {
            if (Files.exists(dir.resolve(f))) {
                throw new IllegalArgumentException(none + " (it holds " + f + " but its checkpoint is gone; a run writes one every"
                        + " --checkpoint-every-seconds, 60 by default, and at the end)");
            }
        }
        try {
            return Checkpoint.JSON.readTree(configFile.toFile());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(where + ": " + RunDirectory.CONFIG + " cannot be read (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /** Two recorded values agree: numbers by value (5 and 5.0), arrays element by element. */
    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) return false;
            for (int i = 0; i < a.size(); i++) if (!sameValue(a.get(i), b.get(i))) return false;
            return true;
        }
        return a.equals(b);
    }

    private static double parseStopReturn(String s) {
        if (s.equals("none")) return Double.NaN;
        double r;
        try {
            r = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--stop-return takes a number or none, got '" + s + "'");
        }
        // NaN is how the config records "none" and would silently mean it; an infinity never or always stops
        if (!Double.isFinite(r)) throw new IllegalArgumentException("--stop-return takes a finite number or none, got '" + s + "'");
        return r;
    }

    private static void printSummary(Trainer.Summary s, TrainConfig cfg) {
        System.out.printf(Locale.ROOT,
                "%s on %s: %d steps in %.1f s (%.0f steps/s), %d episodes, mean_return_100 %.1f, best %.1f (%s)%nrun directory: %s%n",
                s.algo(), s.env(), s.steps(), s.wallSeconds(), s.envStepsPerSecond(), s.episodes(),
                s.meanReturn100(), s.bestMeanReturn100(), s.stopReason(), cfg.out());
    }

    /** Opens the kernel, creates the run directory and trains; what both train and sweep do. */
    static Trainer.Summary run(TrainConfig cfg, Progress progress) {
        RunDirectory.checkUsable(cfg.out());
        try (Kernel k = Kernels.open(cfg.kernel()); RunDirectory dir = RunDirectory.create(cfg.out())) {
            return Trainer.train(cfg, k, dir, progress);
        }
    }

    /** The preset with the flags on top; throws IllegalArgumentException (exit 2) on a bad value. */
    TrainConfig resolve() {
        Algorithm algorithm = Algorithm.parse(algo);
        if (!Envs.exists(env)) {
            throw new IllegalArgumentException("unknown --env '" + env + "' (known: " + String.join(", ", Envs.names()) + ")");
        }
        if (Envs.create(env).actionCount() == 0 && algorithm.valueBased()) {
            throw new IllegalArgumentException("--env " + env + " has continuous actions: only --algo a3c (Gaussian policy) trains it");
        }
        if (!List.of("auto", "lines", "none").contains(progressMode)) {
            throw new IllegalArgumentException("unknown --progress '" + progressMode + "' (auto, lines or none)");
        }
        if (nodes < 1 || nodes > 64) throw new IllegalArgumentException("--nodes must be from 1 to 64, got " + nodes);
        Preset p = preset != null ? Preset.named(preset) : Preset.forEnv(env);
        int nThreads = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, nodes));
        if (nThreads > TrainConfig.MAX_THREADS) {
            throw new IllegalArgumentException("--threads must be at most " + TrainConfig.MAX_THREADS + " (this machine has "
                    + Runtime.getRuntime().availableProcessors() + " cores), got " + nThreads);
        }
        if (hpFlags.conv != null && Envs.create(env).observationShape().length != 3) {
            // a vector environment has no image to convolve: the flag would be ignored yet recorded in config.json
            throw new IllegalArgumentException("--conv is for image observations (the MinAtar games, maze3d); --env " + env + " observes a vector");
        }
        Hyperparameters hp = hpFlags.overlay(p.forAlgorithm(algorithm));
        double[] range = null;
        if (lrLogUniform != null) {
            if (lrLogUniform.length != 2) {
                throw new IllegalArgumentException("--lr-log-uniform takes two numbers LO,HI, got " + lrLogUniform.length);
            }
            double lo = lrLogUniform[0], hi = lrLogUniform[1];
            if (!(lo > 0) || !(hi > lo) || hi > Float.MAX_VALUE) {
                throw new IllegalArgumentException("--lr-log-uniform needs 0 < LO < HI, got " + lo + "," + hi
                        + (hi > Float.MAX_VALUE ? " (HI at most 3.4e38, a float)" : ""));
            }
            range = new double[] {lo, hi};
            hp = hp.withLr(logUniform(lo, hi, seed));
        }
        if (steps != null) hp = hp.withSteps(steps);
        if (stopReturn != null) hp = hp.withStopReturn(parseStopReturn(stopReturn));
        Path dir = out != null ? out : Path.of("runs", algo + "-" + env + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        long every = reportEvery != null ? reportEvery : Math.max(1000, hp.steps() / 500);
        TrainConfig cfg = new TrainConfig(algorithm, env, p.name(), nThreads, seed, kernel, dir, hp, range, every,
                checkpointEverySeconds != null ? checkpointEverySeconds : TrainConfig.DEFAULT_CHECKPOINT_SECONDS,
                checkpointEverySteps != null ? checkpointEverySteps : 0, pinThreads != null && pinThreads);
        checkMemory(cfg);
        return cfg;
    }

    /**
     * Refuses, before anything is allocated or written, a run whose network cannot fit: the shared
     * blocks (θ, g, θ⁻, per-thread optimizer statistics) and each thread's θ′, dθ and (t_max + 1)·K
     * rows of activations, against the machine's memory. An estimate (the activations' exact count depends
     * on the algorithm), so it only catches what is clearly too big; what it lets through and still
     * runs out is caught in Main as one line.
     */
    static void checkMemory(TrainConfig cfg) {
        Mlp net = cfg.network(Envs.create(cfg.env()));
        double paramBytes = (double) net.layout().byteSize();
        boolean perThreadOptimizer = cfg.hp().optimizer() != Hyperparameters.OptimizerKind.SHARED_RMSPROP;
        double shared = paramBytes * (2 + (cfg.valueBased() ? 1 : 0) + (perThreadOptimizer ? cfg.threads() : 0));
        double rowFloats = net.obsSize() + 6.0 * net.lstm();
        for (int h : net.hidden()) rowFloats += h;
        for (Mlp.Conv c : net.convs()) rowFloats += (double) c.filters() * c.outHeight() * c.outWidth();
        for (Mlp.Head h : net.heads()) rowFloats += h.size();
        if (net.valueNet() == ValueNet.SEPARATE) rowFloats *= 2;
        // values and gradients of each row, a target network's pass for the Q methods
        double perThread = 2 * paramBytes + (cfg.hp().tMax() + 1.0) * cfg.hp().envsPerThread() * rowFloats * Float.BYTES * 4;
        double need = shared + cfg.threads() * perThread;
        long have = physicalMemory();
        if (have > 0 && need > have) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "the network (%,d parameters) with %d thread(s), --t-max %d and --envs-per-thread %d needs about %s of memory, more than this machine's %s;"
                            + " choose a smaller --hidden, --conv or --lstm, fewer --threads, a smaller --t-max or fewer --envs-per-thread",
                    net.layout().parameterCount(), cfg.threads(), cfg.hp().tMax(), cfg.hp().envsPerThread(), gib(need), gib(have)));
        }
    }

    private static long physicalMemory() {
        try {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getTotalMemorySize();
        } catch (RuntimeException | LinkageError e) {
            return 0;  // not a HotSpot JVM: no estimate, the allocation itself decides
        }
    }

    private static String gib(double bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1L << 30));
    }

    /** exp(U(log lo, log hi)), drawn from the run's seed so that a sweep over seeds samples learning rates. */
    public static double logUniform(double lo, double hi, long seed) {
        double u = new java.util.SplittableRandom(seed ^ 0x1F2E3D4C5B6A7988L).nextDouble();
        return Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
    }
}
