package dev.asyncrl.api;

import dev.asyncrl.algo.Algorithm;
import dev.asyncrl.algo.Report;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.export.OnnxExport;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.kernel.KernelLoadException;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.ValueNet;
import dev.asyncrl.run.Checkpoint;
import dev.asyncrl.run.Kernels;
import dev.asyncrl.run.Preset;
import dev.asyncrl.run.Progress;
import dev.asyncrl.run.RunDirectory;
import dev.asyncrl.run.TrainConfig;
import dev.asyncrl.run.TrainedPolicy;
import dev.asyncrl.run.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Configures and runs one training: an algorithm, an environment, the run's settings and any
 * hyperparameters to change; {@link #train()} runs the trainer {@code asyncrl train} runs, on the
 * calling thread (which watches) and {@code threads} actor-learner threads.
 *
 * <p>Hyperparameters left unset come from a preset: the built-in environment's (as {@code asyncrl
 * train --env NAME} uses), the paper's for an environment of your own, or the one named by
 * {@link #preset(String)}. Without {@link #runDirectory(Path)} nothing is written to disk; with it
 * the directory gets what {@code asyncrl train --out} writes (config.json, metrics.csv,
 * checkpoint.safetensors, params.f32, summary.json, learning_curve.png). Values are checked when
 * {@code train()} starts: a bad one is an IllegalArgumentException saying what is wrong (its
 * message names the value by its {@code asyncrl train} flag). A builder may train more than once.
 */
public final class Training {

    private final Algorithm algorithm;
    private Supplier<Env> envs;
    private String builtIn;  // the built-in environment's name, or null for one of the user's own
    private int threads = Runtime.getRuntime().availableProcessors();
    private boolean pinThreads;
    private long seed = 1;
    private String kernel = Kernels.DEFAULT;
    private Path runDirectory;
    private final List<TrainingListener> listeners = new ArrayList<>();
    // Hyperparameters: null keeps the preset's value.
    private String preset;
    private Long reportEvery;
    /** The hyperparameters set, in order: each a wither of the record, laid over the preset's values at train(). */
    private final List<UnaryOperator<Hyperparameters>> overrides = new ArrayList<>();

    private Training(Algorithm algorithm) {
        this.algorithm = algorithm;
    }

    /** A3C, asynchronous advantage actor-critic (a softmax or, for continuous actions, a Gaussian policy). */
    public static Training a3c() {
        return new Training(Algorithm.A3C);
    }

    /** Asynchronous n-step Q-learning. */
    public static Training nStepQ() {
        return new Training(Algorithm.NSTEP_Q);
    }

    /** Asynchronous one-step Q-learning. */
    public static Training oneStepQ() {
        return new Training(Algorithm.ONESTEP_Q);
    }

    /** Asynchronous one-step Sarsa. */
    public static Training oneStepSarsa() {
        return new Training(Algorithm.ONESTEP_SARSA);
    }

    /** The method named as {@code --algo} names it: a3c, nstep-q, onestep-q or onestep-sarsa. */
    public static Training of(String algorithm) {
        return new Training(Algorithm.parse(algorithm));
    }

    /** An environment of your own: {@code factory} makes one instance per actor-learner thread. */
    public Training environment(Supplier<? extends Environment> factory) {
        Objects.requireNonNull(factory, "factory");
        this.envs = () -> new EnvironmentAdapter(Objects.requireNonNull(factory.get(), "the environment factory returned null"));
        this.builtIn = null;
        return this;
    }

    /** A built-in environment by its {@code --env} name (cartpole, acrobot, minatar-breakout, ...). */
    public Training environment(String name) {
        if (!Envs.exists(name)) {
            throw new IllegalArgumentException("unknown environment '" + name + "' (known: " + String.join(", ", Envs.names()) + ")");
        }
        this.envs = () -> Envs.create(name);
        this.builtIn = name;
        return this;
    }

    /** Actor-learner threads (default: one per core). */
    public Training threads(int threads) {
        this.threads = threads;
        return this;
    }

    /**
     * Pins actor-learner i to the i-th CPU the process may use, as {@code --pin-threads} does (Linux;
     * elsewhere one warning line and unpinned). Off by default: on a shared or SMT machine it can hurt.
     */
    public Training pinThreads(boolean pin) {
        this.pinThreads = pin;
        return this;
    }

    /** The step budget T_max over all threads, also the learning rate's annealing horizon (default: the preset's). */
    public Training steps(long steps) {
        return set(h -> h.withSteps(steps));
    }

    /** Seeds initialisation, environments and action sampling (default 1). */
    public Training seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** The kernel, as {@code --kernel} takes it: auto (default), java, reference, blas, simd or a library's path. */
    public Training kernel(String kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        return this;
    }

    /** Writes the run into {@code dir}, as {@code asyncrl train --out} does; a directory holding a run is refused. */
    public Training runDirectory(Path dir) {
        this.runDirectory = Objects.requireNonNull(dir, "dir");
        return this;
    }

    /** Adds a listener of the metrics rows. */
    public Training listener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** A metrics row every this many global steps (default: steps/500, at least 1000). */
    public Training reportEvery(long steps) {
        this.reportEvery = steps;
        return this;
    }

    /** Stops once mean_return_100 reaches {@code r}; NaN runs the whole budget (default: the preset's). */
    public Training stopReturn(double r) {
        if (Double.isInfinite(r)) throw new IllegalArgumentException("stopReturn takes a finite number or NaN (none), got " + r);
        return set(h -> h.withStopReturn(r));
    }

    /** The preset unset hyperparameters come from: cartpole, acrobot, mountaincar, tmaze, minatar, pendulum, mujoco, maze3d, maze3d-small, paper, paper-continuous. */
    public Training preset(String name) {
        Preset.named(name);
        this.preset = name;
        return this;
    }

    /** The torso's hidden layer sizes, e.g. {@code hidden(64, 64)}. */
    public Training hidden(int... sizes) {
        return set(h -> h.withHidden(sizes));
    }

    /** Image observations: filters, kernel size and stride of each convolution, e.g. {@code conv(16, 3, 1)}. */
    public Training conv(int... filtersKernelStride) {
        return set(h -> h.withConv(filtersKernelStride));
    }

    /** A3C: LSTM cells after the torso; 0 for none. */
    public Training lstm(int cells) {
        return set(h -> h.withLstm(cells));
    }

    /** The torso's activation: relu or tanh. */
    public Training activation(String name) {
        return set(h -> h.withActivation(Activation.parse(name)));
    }

    /** A3C: the value head on the policy's torso (shared) or on a network of its own (separate). */
    public Training valueNet(String sharedOrSeparate) {
        return set(h -> h.withValueNet(ValueNet.parse(sharedOrSeparate)));
    }

    /** The initial learning rate η. */
    public Training lr(double lr) {
        return set(h -> h.withLr(lr));
    }

    /** linear (η annealed to 0 over the step budget, the paper's) or constant. */
    public Training lrSchedule(String schedule) {
        return set(h -> h.withLrSchedule(Hyperparameters.LrSchedule.parse(schedule)));
    }

    /** shared-rmsprop (default), rmsprop (per-thread statistics) or momentum. */
    public Training optimizer(String optimizer) {
        return set(h -> h.withOptimizer(Hyperparameters.OptimizerKind.parse(optimizer)));
    }

    /** Steps per segment before an update: t_max, or I_AsyncUpdate for the one-step methods. */
    public Training tMax(int tMax) {
        return set(h -> h.withTMax(tMax));
    }

    /**
     * K environments per actor-learner thread, stepped in lock-step: each step forwards one K-row
     * batch, each update covers K·t_max steps (1 is the paper's form). The environment supplier is
     * called K times per thread.
     */
    public Training envsPerThread(int k) {
        return set(h -> h.withEnvsPerThread(k));
    }

    /** The discount γ. */
    public Training gamma(double gamma) {
        return set(h -> h.withGamma(gamma));
    }

    /** A3C: the entropy bonus β. */
    public Training entropyBeta(double beta) {
        return set(h -> h.withEntropyBeta(beta));
    }

    /** A3C: c in the value loss c·(R−V)². */
    public Training valueCoef(double c) {
        return set(h -> h.withValueCoef(c));
    }

    /** RMSProp's decay α. */
    public Training rmsAlpha(double alpha) {
        return set(h -> h.withRmsAlpha(alpha));
    }

    /** RMSProp's ε, inside the square root. */
    public Training rmsEps(double eps) {
        return set(h -> h.withRmsEps(eps));
    }

    /** The global gradient-norm clip; 0 disables it. */
    public Training maxGradNorm(double norm) {
        return set(h -> h.withMaxGradNorm(norm));
    }

    /** Rewards are multiplied by this for learning; returns are reported unscaled. */
    public Training rewardScale(double scale) {
        return set(h -> h.withRewardScale(scale));
    }

    /** Q methods: I_target, θ⁻ ← θ every this many global steps. */
    public Training targetInterval(long steps) {
        return set(h -> h.withTargetInterval(steps));
    }

    /** Q methods: ε anneals from 1 to each thread's final ε over this many global steps. */
    public Training epsilonSteps(long steps) {
        return set(h -> h.withEpsilonSteps(steps));
    }

    /** Records one hyperparameter, checked at once by the record (on the paper's values) as well as at train(). */
    private Training set(UnaryOperator<Hyperparameters> override) {
        override.apply(Hyperparameters.PAPER);
        overrides.add(override);
        return this;
    }

    /**
     * Trains, and returns the figures and the policy. IllegalArgumentException for a bad value
     * (before anything runs), IllegalStateException without an environment; a training that fails
     * (an environment that throws, a run directory that cannot be written) throws a RuntimeException
     * naming the cause, after the run directory, if any, is written as {@code asyncrl train} leaves it.
     */
    public TrainingResult train() {
        if (envs == null) throw new IllegalStateException("no environment: call environment(...) before train()");
        Env probe = envs.get();
        TrainConfig cfg = config(probe);
        Mlp net = cfg.network(probe);
        Map<String, String> metadata = OnnxExport.metadata(algorithm.flag(), cfg.env(), probe, Checkpoint.ASYNCRL_VERSION);
        if (runDirectory != null) RunDirectory.checkUsable(runDirectory);
        Kernel k;
        try {
            k = Kernels.open(cfg.kernel());
        } catch (KernelLoadException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        TrainedPolicy[] trained = new TrainedPolicy[1];
        try (RunDirectory dir = runDirectory == null ? null : RunDirectory.create(runDirectory)) {
            Trainer.Summary s = Trainer.train(cfg, k, dir, new Listeners(listeners), null, firstThen(probe, envs),
                    theta -> trained[0] = TrainedPolicy.of(algorithm.flag(), cfg.env(), net, theta));
            Policy policy = new Policy(trained[0], k, metadata, probe.actionCount(), probe.actionDim(), probe.actionLow(), probe.actionHigh());
            return new TrainingResult(s.algo(), s.env(), s.kernel(), s.steps(), s.wallSeconds(), s.episodes(), s.meanReturn100(),
                    s.bestMeanReturn100(), s.envStepsPerSecond(), s.stopReason(), runDirectory, policy);
        } catch (RuntimeException | Error e) {
            if (trained[0] != null) trained[0].close();
            k.close();
            throw e;
        }
    }

    /**
     * The one place the builder's values become a run's configuration: the preset, with every value
     * set on top. IllegalArgumentException for a bad value (the records' checks).
     */
    private TrainConfig config(Env probe) {
        String envName = builtIn != null ? builtIn : probe.id();
        Preset p = preset != null ? Preset.named(preset) : builtIn != null ? Preset.forEnv(builtIn) : Preset.PAPER;
        if (probe.actionCount() == 0 && algorithm.valueBased()) {
            throw new IllegalArgumentException(envName + " has continuous actions: only a3c (a Gaussian policy) trains it");
        }
        if (threads > TrainConfig.MAX_THREADS) throw new IllegalArgumentException("--threads must be at most " + TrainConfig.MAX_THREADS + ", got " + threads);
        Hyperparameters hp = p.forAlgorithm(algorithm);
        for (UnaryOperator<Hyperparameters> o : overrides) hp = o.apply(hp);
        // Without a run directory nothing is written, and config.json's "out" is recorded nowhere.
        Path out = runDirectory != null ? runDirectory : Path.of("");
        return new TrainConfig(algorithm, envName, p.name(), threads, seed, kernel, out, hp, null,
                reportEvery != null ? reportEvery : Math.max(1000, hp.steps() / 500), TrainConfig.DEFAULT_CHECKPOINT_SECONDS, 0, pinThreads);
    }

    /** Thread 0 gets the environment already made (the one the network was sized from), the others new ones. */
    private static Supplier<Env> firstThen(Env first, Supplier<Env> more) {
        Env[] next = {first};
        return () -> {
            Env e = next[0] != null ? next[0] : more.get();
            next[0] = null;
            return e;
        };
    }

    /** The listeners as the trainer's progress: each row once, in rising global step. */
    private static final class Listeners implements Progress {
        private final List<TrainingListener> listeners;
        private long last = -1;

        Listeners(List<TrainingListener> listeners) {
            this.listeners = List.copyOf(listeners);
        }

        @Override
        public void start(long totalSteps) {
            for (TrainingListener l : listeners) l.onStart(totalSteps);
        }

        @Override
        public void update(Report r) {
            if (r.globalStep() <= last) return;  // the trainer hands the last row again at the end
            last = r.globalStep();
            Metrics m = new Metrics(r.globalStep(), r.wallSeconds(), r.episodes(), r.meanReturn100(), r.stepsPerSecond());
            for (TrainingListener l : listeners) l.onMetrics(m);
        }

        @Override
        public void finish() {}
    }
}
