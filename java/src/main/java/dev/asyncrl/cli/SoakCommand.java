package dev.asyncrl.cli;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.env.Envs;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.run.Checkpoint;
import dev.asyncrl.run.Kernels;
import dev.asyncrl.run.RunDirectory;
import dev.asyncrl.run.TrainConfig;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code asyncrl soak [--minutes M] [--out DIR]}: a long training run watched from outside, for
 * what short tests cannot show (memory that grows, a θ that drifts to NaN, a checkpoint that stops
 * loading). Not part of the test suite. It starts {@code asyncrl train} (A3C on minatar-breakout, 2
 * threads, a checkpoint every 10 s, no step budget to speak of) as a child process writing to
 * DIR/run, so that the child's memory is measured apart from this watcher's, and every second it
 * looks for a new checkpoint, which it reads (format, CRC-32C) and restores into a scratch θ and g
 * of the network its config.json describes. Every --sample-seconds it appends a row to
 * DIR/soak.csv; at the end it stops the child (SIGTERM: it writes its last checkpoint), checks that
 * one too, and prints one summary line. Exit 0 only if every checkpoint loaded, θ stayed finite and
 * the child trained to the end.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train A3C on minatar-breakout in a child process for a while and record its memory, T, θ's finiteness and "
                + "whether each checkpoint loads (soak.csv); not part of the test suite.")
public final class SoakCommand implements Callable<Integer> {

    @Option(names = "--minutes", defaultValue = "60", description = "How long to train (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--out", paramLabel = "DIR", description = "Where soak.csv, train.log and the run (DIR/run) go; must not hold a soak already (default: runs/soak-TIMESTAMP).")
    Path out;

    @Option(names = "--env", defaultValue = "minatar-breakout", description = "Environment (default: ${DEFAULT-VALUE}).")
    String env;

    @Option(names = "--threads", defaultValue = "2", description = "Actor-learner threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--kernel", defaultValue = Kernels.DEFAULT, description = "Kernel of the training (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--checkpoint-every-seconds", defaultValue = "10", description = "The training's checkpoint interval (default: ${DEFAULT-VALUE}).")
    double checkpointSeconds;

    @Option(names = "--sample-seconds", defaultValue = "10", description = "A soak.csv row every this many seconds (default: ${DEFAULT-VALUE}).")
    double sampleSeconds;

    static final String CSV = "soak.csv";
    static final String CSV_HEADER = "wall_seconds,rss_kb,global_step,theta_finite,checkpoint_step,checkpoints_seen,checkpoints_loaded";

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0) || Double.isInfinite(minutes)) throw new IllegalArgumentException("--minutes must be > 0, got " + minutes);
        if (!(sampleSeconds > 0)) throw new IllegalArgumentException("--sample-seconds must be > 0, got " + sampleSeconds);
        if (!(checkpointSeconds > 0)) throw new IllegalArgumentException("--checkpoint-every-seconds must be > 0, got " + checkpointSeconds);
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (!Envs.exists(env)) throw new IllegalArgumentException("--env: unknown environment '" + env + "'");
        if (out == null) out = Path.of("runs", "soak-" + System.currentTimeMillis() / 1000);
        if (Files.exists(out.resolve(CSV))) throw new IllegalArgumentException("--out " + out + " already holds a soak (" + CSV + ")");
        Files.createDirectories(out);
        Path run = out.resolve("run");

        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true"));
        String nativeDir = System.getProperty("asyncrl.native.dir");
        if (nativeDir != null) cmd.add("-Dasyncrl.native.dir=" + nativeDir);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", "--algo", "a3c",
                "--env", env, "--threads", Integer.toString(threads), "--kernel", kernel,
                "--steps", "1000000000000",  // the clock, not the budget, ends a soak
                "--stop-return", "none", "--report-every", "10000", "--progress", "none",
                "--checkpoint-every-seconds", Double.toString(checkpointSeconds), "--out", run.toString()));
        Path log = out.resolve("train.log");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        System.err.printf(Locale.ROOT, "asyncrl: soak of %.1f min: training in %s (pid %d, log %s), rows in %s%n", minutes, run, child.pid(),
                log, out.resolve(CSV));

        Watch watch = new Watch(run);
        long start = System.nanoTime(), end = start + (long) (minutes * 60e9);
        long nextRow = start + (long) (sampleSeconds * 1e9);  // the first row once the JVM is up, not its first milliseconds
        try (BufferedWriter csv = Files.newBufferedWriter(out.resolve(CSV), StandardCharsets.UTF_8)) {
            csv.write(CSV_HEADER);
            csv.newLine();
            while (System.nanoTime() < end && child.isAlive()) {
                watch.checkpoint();
                if (System.nanoTime() >= nextRow) {
                    double wall = (System.nanoTime() - start) / 1e9;
                    long rss = rssKb(child.pid());
                    watch.rss(rss);
                    csv.write(String.format(Locale.ROOT, "%.1f,%d,%d,%s,%d,%d,%d", wall, rss, lastGlobalStep(run),
                            watch.thetaFinite == null ? "" : watch.thetaFinite.toString(), watch.checkpointStep, watch.seen, watch.loaded));
                    csv.newLine();
                    csv.flush();
                    nextRow += (long) (sampleSeconds * 1e9);
                }
                Thread.sleep(1000);
            }
        }
        boolean aliveAtEnd = child.isAlive();
        child.destroy();  // SIGTERM: the training stops as on Ctrl-C and writes its last checkpoint
        if (!child.waitFor(120, TimeUnit.SECONDS)) child.destroyForcibly().waitFor();
        watch.checkpoint();
        boolean ok = aliveAtEnd && watch.seen > 0 && watch.loaded == watch.seen && !Boolean.FALSE.equals(watch.thetaFinite)
                && !watch.everNonFinite;
        System.out.printf(Locale.ROOT, "soak: %.1f min, %s; RSS first %d MB, last %d MB, max %d MB; NaN/Inf in θ: %s; checkpoints loaded %d/%d "
                        + "(last at T=%d); T=%d; %s%n",
                (System.nanoTime() - start) / 60e9, env, watch.rssFirst / 1024, watch.rssLast / 1024, watch.rssMax / 1024,
                watch.everNonFinite ? "seen" : "never", watch.loaded, watch.seen, watch.checkpointStep, lastGlobalStep(run),
                aliveAtEnd ? "training ran to the end (exit " + child.exitValue() + " after SIGTERM)"
                        : "training exited early with " + child.exitValue() + ", see " + log);
        if (!watch.problems.isEmpty()) System.out.println("soak: checkpoint problems: " + String.join("; ", watch.problems));
        return ok ? 0 : Main.EXIT_FAILED;
    }

    /** The child's resident set (VmRSS, kB) from /proc; 0 where there is no /proc or it has exited. */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** T of metrics.csv's last whole row, or 0 before the first. */
    static long lastGlobalStep(Path run) {
        try {
            List<String> lines = Files.readAllLines(run.resolve(RunDirectory.METRICS));
            for (int i = lines.size() - 1; i >= 1; i--) {
                String[] f = lines.get(i).split(",");
                if (f.length > 1) return Long.parseLong(f[0]);
            }
        } catch (IOException | RuntimeException e) {
            return 0;  // not written yet, or a row being written
        }
        return 0;
    }

    /** The checkpoints seen so far and what reading each gave; the child's RSS over time. */
    private static final class Watch {
        final Path run;
        FileTime lastModified;
        int seen, loaded;
        long checkpointStep = -1;
        Boolean thetaFinite;
        boolean everNonFinite;
        long rssFirst = -1, rssLast, rssMax;
        final List<String> problems = new ArrayList<>();

        Watch(Path run) {
            this.run = run;
        }

        void rss(long kb) {
            if (rssFirst < 0) rssFirst = kb;
            rssLast = kb;
            rssMax = Math.max(rssMax, kb);
        }

        /** Reads the checkpoint if it changed since the last look: format and CRC, then a restore into a scratch θ and g. */
        void checkpoint() {
            Path file = run.resolve(Checkpoint.FILE);
            FileTime t;
            try {
                t = Files.getLastModifiedTime(file);
            } catch (IOException e) {
                return;  // none yet
            }
            if (t.equals(lastModified)) return;
            lastModified = t;
            seen++;
            try {
                Checkpoint c = Checkpoint.read(file);
                TrainConfig cfg = TrainConfig.fromJson(c.config(), run);
                var net = cfg.network(Envs.create(cfg.env()));
                Layout layout = net.layout();
                boolean target = cfg.valueBased();
                int threadStates = cfg.hp().optimizer() == Hyperparameters.OptimizerKind.SHARED_RMSPROP ? 0 : cfg.threads();
                try (SharedParams scratch = new SharedParams(layout, target, threadStates)) {
                    c.restore(layout, Checkpoint.blocks(scratch, cfg.hp().optimizer()));
                    thetaFinite = finite(scratch.theta(), layout.size());
                }
                if (!thetaFinite) everNonFinite = true;
                checkpointStep = c.globalStep();
                loaded++;
            } catch (IllegalArgumentException | UncheckedIOException e) {
                problems.add(e.getMessage());
            }
        }

        private static boolean finite(MemorySegment theta, long floats) {
            for (long i = 0; i < floats; i++) if (!Float.isFinite(theta.getAtIndex(JAVA_FLOAT, i))) return false;
            return true;
        }
    }
}
