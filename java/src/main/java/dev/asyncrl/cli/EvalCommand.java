package dev.asyncrl.cli;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.Renderable;
import dev.asyncrl.env.ReportsSuccess;
import dev.asyncrl.env.StepResult;
import dev.asyncrl.export.OnnxPolicy;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.run.Kernels;
import dev.asyncrl.run.RunDirectory;
import dev.asyncrl.run.TrainedPolicy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code asyncrl eval}: plays N seeded episodes with one policy and reports the undiscounted
 * return. Either the greedy policy of a finished run ({@code --run DIR}: the network rebuilt from
 * config.json, θ from params.f32, forward passes on the chosen kernel), the greedy policy of an
 * exported model played by ONNX Runtime ({@code --onnx FILE.onnx --env NAME}, through the same
 * episode loop) or the uniform random baseline ({@code --env NAME --policy random}). Episode i
 * starts from the environment seeded once with --seed and then reset in turn, so every policy
 * evaluated with one seed meets the same start states. Prints one line, writes summary.json into --out, and draws the first episode with
 * {@code --render} (an animated GIF, or PNG frames into a directory).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Play episodes with a trained policy (--run DIR), an exported one (--onnx FILE.onnx --env NAME) or the random baseline (--env NAME --policy random) and report the mean return.")
public final class EvalCommand implements Callable<Integer> {

    @Option(names = "--run", paramLabel = "DIR", description = "Run directory of a finished training (config.json, params.f32): its greedy policy.")
    Path run;

    @Option(names = "--onnx", paramLabel = "FILE.onnx", description = "A model written by asyncrl export: its greedy policy, played by ONNX Runtime (needs --env).")
    Path onnx;

    @Option(names = "--env", paramLabel = "NAME", description = "Environment for --onnx or --policy random.")
    String env;

    @Option(names = "--policy", paramLabel = "NAME", description = "random: uniform random actions (the baseline); needs --env.")
    String policy;

    @Option(names = "--episodes", defaultValue = "10", paramLabel = "N", description = "Episodes to play (default: ${DEFAULT-VALUE}).")
    int episodes;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the environment's starts and the random policy (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--kernel", defaultValue = Kernels.DEFAULT, paramLabel = "NAME|PATH",
            description = "Kernel for the --run policy's forward passes: java, reference, blas, simd, auto (the fastest available), or the path of a kernel .so (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--render", paramLabel = "FILE.gif|DIR/", description = "Draw the first episode: an animated GIF, or PNG frames into a directory (a path ending in /).")
    String render;

    @Option(names = "--render-frames", defaultValue = "0", paramLabel = "N",
            description = "Draw at most the first N frames of the episode (the episode still plays to its end); 0: all (default: ${DEFAULT-VALUE}).")
    int renderFrames;

    @Option(names = "--out", paramLabel = "DIR2", description = "Directory to write summary.json into.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static final String SUMMARY = "summary.json";

    /**
     * The most episodes one eval plays: each episode's return and length are kept (a few bytes
     * each), and a million is far past any evaluation protocol (the paper's used 30 and 100).
     */
    static final int MAX_EPISODES = 1_000_000;

    /** What the episodes came to. Returns are undiscounted and unscaled. */
    record Result(double[] returns, int[] lengths, int successes, boolean reportsSuccess, int frames) {
        double meanReturn() {
            return mean(returns);
        }

        /** The population standard deviation (divides by N). */
        double stdReturn() {
            double m = meanReturn(), s = 0;
            for (double r : returns) s += (r - m) * (r - m);
            return Math.sqrt(s / returns.length);
        }

        double meanLength() {
            double s = 0;
            for (int l : lengths) s += l;
            return s / lengths.length;
        }

        double successRate() {
            return successes / (double) returns.length;
        }

        private static double mean(double[] v) {
            double s = 0;
            for (double x : v) s += x;
            return s / v.length;
        }
    }

    /** Picks an action for the observation the environment last wrote. */
    private interface Policy {
        /** Discrete: the action. Continuous: writes actionDim() floats into {@code action}, returns -1. */
        int act(MemorySegment action);

        /** Called before each episode (an LSTM policy resets its state). */
        default void startEpisode() {}
    }

    @Override
    public Integer call() throws IOException {
        if (episodes < 1) throw new IllegalArgumentException("--episodes must be >= 1, got " + episodes);
        if (episodes > MAX_EPISODES) throw new IllegalArgumentException("--episodes must be at most " + MAX_EPISODES + ", got " + episodes);
        if (renderFrames < 0) throw new IllegalArgumentException("--render-frames must be >= 0, got " + renderFrames);
        if (run != null) {
            if (onnx != null) throw new IllegalArgumentException("--run and --onnx are two policies; give one");
            if (env != null) throw new IllegalArgumentException("--run plays the run's own env; leave out --env");
            if (policy != null) throw new IllegalArgumentException("--run plays the run's greedy policy; leave out --policy");
        } else if (onnx != null) {
            if (env == null) throw new IllegalArgumentException("--onnx " + onnx + " needs --env NAME, the environment to play it in");
            if (policy != null) throw new IllegalArgumentException("--onnx plays the model's greedy policy; leave out --policy");
            if (!Envs.exists(env)) {
                throw new IllegalArgumentException("unknown --env '" + env + "' (known: " + String.join(", ", Envs.names()) + ")");
            }
        } else {
            if (env == null) {
                throw new IllegalArgumentException("eval needs --run DIR (a trained policy), --onnx FILE.onnx --env NAME (an exported one) or --env NAME --policy random");
            }
            if (policy == null) {
                throw new IllegalArgumentException("--env " + env + " needs --policy random (a trained policy comes from --run DIR or --onnx FILE.onnx)");
            }
            if (!policy.equals("random")) {
                throw new IllegalArgumentException("unknown --policy '" + policy + "' (only random; a trained policy comes from --run DIR)");
            }
            if (!Envs.exists(env)) {
                throw new IllegalArgumentException("unknown --env '" + env + "' (known: " + String.join(", ", Envs.names()) + ")");
            }
        }
        checkOut();
        PrintWriter stdout = spec.commandLine().getOut();

        Result result;
        String name, policyName, algo = null, kernelName = null;
        Env e;
        if (run != null) {
            try (TrainedPolicy trained = TrainedPolicy.load(run)) {
                name = trained.envName();
                e = Envs.create(name);
                Render target = Render.parse(render, e);
                try (Kernel k = Kernels.open(kernel)) {
                    kernelName = k.name();
                    algo = trained.algo();
                    policyName = "greedy";
                    result = play(e, trained.observation(), new Policy() {
                        public int act(MemorySegment action) {
                            if (e.actionCount() > 0) return trained.act(k);
                            trained.act(k, action);  // the Gaussian policy's mean
                            return -1;
                        }

                        public void startEpisode() {
                            trained.startEpisode();
                        }
                    }, target);
                }
            }
        } else if (onnx != null) {
            name = env;
            e = Envs.create(name);
            Render target = Render.parse(render, e);
            try (OnnxPolicy model = OnnxPolicy.open(onnx, name, e)) {
                algo = model.algo();
                policyName = "greedy";
                result = play(e, model.observation(), new Policy() {
                    public int act(MemorySegment action) {
                        if (e.actionCount() > 0) return model.act();
                        model.act(action);  // the Gaussian policy's mean
                        return -1;
                    }

                    public void startEpisode() {
                        model.startEpisode();
                    }
                }, target);
            }
        } else {
            name = env;
            e = Envs.create(name);
            Render target = Render.parse(render, e);
            policyName = "random";
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment obs = arena.allocate((long) e.observationSize() * Float.BYTES, 64);
                result = play(e, obs, random(e, new SplittableRandom(seed ^ 0x5DEECE66DL)), target);
            }
        }

        String what = run != null ? algo + " greedy policy of " + run
                : onnx != null ? algo + " greedy policy of " + onnx + " (ONNX Runtime)" : "random policy";
        stdout.printf(Locale.ROOT, "%s on %s, %d episodes (seed %d): mean return %.2f ± %.2f, mean length %.1f%s%n",
                what, e.id(), episodes, seed, result.meanReturn(), result.stdReturn(), result.meanLength(),
                result.reportsSuccess() ? String.format(Locale.ROOT, ", success %.1f%%", 100 * result.successRate()) : "");
        if (render != null) stdout.printf("render: %s (%d frames)%n", render, result.frames());
        if (out != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("episodes", episodes);
            m.put("mean_return", result.meanReturn());
            m.put("mean_episode_length", result.meanLength());
            m.put("std_return", result.stdReturn());
            if (result.reportsSuccess()) m.put("success_rate", result.successRate());
            m.put("min_return", Arrays.stream(result.returns()).min().orElseThrow());
            m.put("max_return", Arrays.stream(result.returns()).max().orElseThrow());
            m.put("env", name);
            m.put("env_id", e.id());
            m.put("policy", policyName);
            if (run != null) {
                m.put("run", run.toString());
                m.put("algo", algo);
                m.put("kernel", kernelName);
            }
            if (onnx != null) {
                m.put("onnx", onnx.toString());
                m.put("algo", algo);
                m.put("runtime", "onnxruntime");
            }
            m.put("seed", seed);
            Files.createDirectories(out);
            RunDirectory.writeJson(out, SUMMARY, m);
            stdout.printf("summary: %s%n", out.resolve(SUMMARY));
        }
        stdout.flush();
        return 0;
    }

    /** Uniform over the discrete actions, or uniform in [low, high) in every dimension of a continuous one. */
    private static Policy random(Env e, SplittableRandom rng) {
        if (e.actionCount() > 0) return action -> rng.nextInt(e.actionCount());
        return action -> {
            for (int i = 0; i < e.actionDim(); i++) {
                action.setAtIndex(JAVA_FLOAT, i, (float) rng.nextDouble(e.actionLow(), e.actionHigh()));
            }
            return -1;
        };
    }

    /** --out must be a directory (made when the summary is written) that holds no summary.json yet: nothing is overwritten. */
    private void checkOut() {
        if (out == null) return;
        if (Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a file, not a directory");
        if (Files.exists(out.resolve(SUMMARY))) {
            throw new IllegalArgumentException("--out " + out + " already holds a " + SUMMARY + "; choose another directory, nothing was overwritten");
        }
    }

    /** Plays the episodes; the first one is drawn into {@code target} if there is one. */
    private Result play(Env e, MemorySegment obs, Policy policy, Render target) throws IOException {
        double[] returns = new double[episodes];
        int[] lengths = new int[episodes];
        int successes = 0;
        int frames = 0;
        boolean reportsSuccess = e instanceof ReportsSuccess;
        StepResult r = new StepResult();
        try (Arena arena = Arena.ofConfined();
             FrameSink sink = target == null ? null : target.open()) {
            MemorySegment action = arena.allocate(Math.max(1, e.actionDim()) * (long) Float.BYTES, 64);
            for (int ep = 0; ep < episodes; ep++) {
                if (ep == 0) e.reset(seed, obs);
                else e.reset(obs);
                policy.startEpisode();
                boolean draw = ep == 0 && sink != null;
                if (draw) sink.add(((Renderable) e).render());
                double ret = 0;
                int len = 0;
                do {
                    int a = policy.act(action);
                    if (e.actionCount() > 0) e.step(a, obs, r);
                    else e.step(action, obs, r);
                    ret += r.reward;
                    len++;
                    if (draw && (renderFrames == 0 || sink.frames() < renderFrames)) sink.add(((Renderable) e).render());
                } while (!r.done());
                returns[ep] = ret;
                lengths[ep] = len;
                if (reportsSuccess && ((ReportsSuccess) e).succeeded()) successes++;
            }
            if (sink != null) frames = sink.frames();
        }
        return new Result(returns, lengths, successes, reportsSuccess, frames);
    }

    /** Where --render draws: an animated GIF file, or a directory of PNG frames. */
    private record Render(Path path, boolean gif, int framesPerSecond) {

        /** Checks --render against the environment before anything is played; null when not asked for. */
        static Render parse(String spec, Env e) {
            if (spec == null) return null;
            if (!(e instanceof Renderable view)) {
                throw new IllegalArgumentException("--render: " + e.id() + " cannot draw itself (it is not Renderable)");
            }
            Path p = Path.of(spec);
            boolean dir = spec.endsWith("/") || Files.isDirectory(p);
            if (dir) {
                if (Files.exists(p.resolve(PngFrames.name(0)))) {
                    throw new IllegalArgumentException("--render " + spec + " already holds frames; choose another directory, nothing was overwritten");
                }
                return new Render(p, false, view.framesPerSecond());
            }
            if (!spec.toLowerCase(Locale.ROOT).endsWith(".gif")) {
                throw new IllegalArgumentException("--render takes FILE.gif or DIR/ (PNG frames), got '" + spec + "'");
            }
            if (Files.exists(p)) {
                throw new IllegalArgumentException("--render " + spec + " already exists; choose another name, nothing was overwritten");
            }
            return new Render(p, true, view.framesPerSecond());
        }

        FrameSink open() throws IOException {
            if (gif) {
                Path parent = path.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                // Written under a temporary name and moved into place once complete.
                Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
                AnimatedGif g = new AnimatedGif(tmp, framesPerSecond);
                return new FrameSink() {
                    @Override
                    public void add(BufferedImage frame) throws IOException {
                        g.add(frame);
                    }

                    @Override
                    public int frames() {
                        return g.frames();
                    }

                    @Override
                    public void close() throws IOException {
                        g.close();
                        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
                    }
                };
            }
            Files.createDirectories(path);
            return new PngFrames(path);
        }
    }

    private interface FrameSink extends AutoCloseable {
        void add(BufferedImage frame) throws IOException;

        int frames();

        @Override
        void close() throws IOException;
    }

    /** frame-00000.png, frame-00001.png, ... in a directory. */
    private static final class PngFrames implements FrameSink {
        private final Path dir;
        private int frames;

        PngFrames(Path dir) {
            this.dir = dir;
        }

        static String name(int i) {
            return String.format(Locale.ROOT, "frame-%05d.png", i);
        }

        @Override
        public void add(BufferedImage frame) throws IOException {
            if (!ImageIO.write(frame, "png", dir.resolve(name(frames)).toFile())) throw new IOException("this JVM has no PNG writer");
            frames++;
        }

        @Override
        public int frames() {
            return frames;
        }

        @Override
        public void close() {}
    }
}
