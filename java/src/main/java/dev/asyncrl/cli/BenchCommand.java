package dev.asyncrl.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.asyncrl.algo.Algorithm;
import dev.asyncrl.algo.Report;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.run.Kernels;
import dev.asyncrl.run.Progress;
import dev.asyncrl.run.RunDirectory;
import dev.asyncrl.run.TrainConfig;
import dev.asyncrl.run.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code asyncrl bench}: end-to-end training throughput over a grid of algorithm × environment ×
 * threads × kernel. Each cell is a real training run through {@link Trainer} (the preset's
 * hyperparameters, exactly as {@code asyncrl train} resolves them) into a temporary run directory
 * that is deleted afterwards, for --steps global steps or --seconds of wall time, after a warm-up
 * run of the same algorithm, environment and kernel (the JIT's and the caches'). The figures are
 * the run's own summary: env steps/s (T ÷ wall seconds), updates/s and the updates' staleness;
 * beside them the process's CPU time while the workers ran (workers, watcher, JIT and GC, from
 * {@code OperatingSystemMXBean.getProcessCpuTime}). Each (algo, env, kernel)'s cells are set against
 * its baseline, the cell with 1 thread or else the fewest measured: speed-up (env steps/s ÷ the
 * baseline's) and efficiency (env steps per CPU second ÷ the baseline's: 1 when each added thread
 * does as much work per CPU second as one alone, less as they contend for the shared θ and g).
 *
 * <p>{@code asyncrl bench jmh [JMH options] [REGEX]} runs the JMH benchmarks instead.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, subcommands = BenchCommand.Jmh.class,
        description = "Training throughput over a grid of algo x env x threads x kernel, each cell a real training run: env steps/s,"
                + " updates/s, staleness, speed-up (env steps/s / the 1-thread cell's, or the fewest threads measured), steps per"
                + " CPU second (env steps / the process's CPU seconds while the cell trained, OperatingSystemMXBean.getProcessCpuTime:"
                + " workers, JIT and GC) and efficiency (that / the 1-thread cell's); 'bench jmh' runs the JMH benchmarks.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--algo", split = ",", splitSynopsisLabel = ",", paramLabel = "ALGO", description = "Algorithms: a3c, nstep-q, onestep-q, onestep-sarsa (default: a3c).")
    List<String> algos;

    @Option(names = "--env", split = ",", splitSynopsisLabel = ",", paramLabel = "ENV", description = "Environments, as for train (default: cartpole).")
    List<String> envs;

    @Option(names = "--threads", split = ",", splitSynopsisLabel = ",", paramLabel = "N", description = "Actor-learner thread counts, e.g. 1,2,4,8,16 (default: 1,2).")
    List<Integer> threads;

    @Option(names = "--pin-threads", description = "Pin each cell's actor-learner i to the i-th CPU the process may use, as train --pin-threads does.")
    boolean pinThreads;

    @Option(names = "--kernel", split = ",", splitSynopsisLabel = ",", paramLabel = "KERNEL", description = "Kernels, as for train: java, reference, blas, simd, auto or a path (default: auto).")
    List<String> kernels;

    @Option(names = "--steps", paramLabel = "N", description = "Global steps per cell (the run's budget and annealing horizon); instead of --seconds.")
    Long steps;

    @Option(names = "--seconds", paramLabel = "S", description = "Wall seconds per cell (default: 5; --quick: 2); instead of --steps.")
    Double seconds;

    @Option(names = "--warmup", paramLabel = "S", description = "Seconds of training before each (algo, env, kernel)'s cells, not measured; 0: none (default: 3; --quick: 2).")
    Double warmup;

    @Option(names = "--repeat", paramLabel = "R", description = "Measure each cell R times, alternating thread counts, and report the median (default: 1).")
    Integer repeat;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of every cell's run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE (refused if it exists).")
    Path json;

    @Option(names = "--quick", description = "A small grid: a3c and nstep-q on cartpole and minatar-breakout, 1 and 2 threads, kernel auto, 2 s per cell after 2 s of warm-up. Flags given as well override it.")
    boolean quick;

    /**
     * One run of a cell: its summary, and the CPU time the process spent while the workers ran
     * (from the watcher's start to the workers' join: the workers, plus the watcher, JIT and GC).
     */
    record Run(Trainer.Summary summary, double cpuSeconds, double trainSeconds) {
        /** CPU cores this process got while training: at most the thread count (plus a little). */
        double coresUsed() {
            return trainSeconds > 0 ? cpuSeconds / trainSeconds : Double.NaN;
        }

        double stepsPerCpuSecond() {
            return cpuSeconds > 0 ? summary.steps() / cpuSeconds : Double.NaN;
        }
    }

    /** One measured cell: the median run (by env steps/s), every run's env steps/s. */
    record Cell(String algo, String env, String kernel, String kernelName, int threads, Run median,
                double[] stepsPerSecond) {
        Trainer.Summary summary() {
            return median.summary();
        }

        double medianStepsPerSecond() {
            return BenchCommand.median(stepsPerSecond);
        }
    }

    @Spec
    CommandSpec spec;

    static final int MAX_REPEAT = 1000;

    @Override
    public Integer call() {
        List<String> algoList = algos != null ? algos : quick ? List.of(Algorithm.A3C.flag(), Algorithm.NSTEP_Q.flag()) : List.of(Algorithm.A3C.flag());
        List<String> envList = envs != null ? envs : quick ? List.of("cartpole", "minatar-breakout") : List.of("cartpole");
        List<Integer> threadList = threads != null ? threads : List.of(1, 2);
        List<String> kernelList = kernels != null ? kernels : List.of(Kernels.DEFAULT);
        if (steps != null && seconds != null) throw new IllegalArgumentException("--steps and --seconds: give one of them");
        double secs = seconds != null ? seconds : quick ? 2 : 5;
        double warm = warmup != null ? warmup : quick ? 2 : 3;
        int reps = repeat != null ? repeat : 1;
        if (steps != null && steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (steps == null && !(secs > 0 && secs < 1e6)) throw new IllegalArgumentException("--seconds must be > 0, got " + secs);
        if (!(warm >= 0 && warm < 1e6)) throw new IllegalArgumentException("--warmup must be >= 0, got " + warm);
        if (reps < 1) throw new IllegalArgumentException("--repeat must be >= 1, got " + reps);
        // each repeat is a full run of every cell; beyond this it is a typo, not a measurement plan
        if (reps > MAX_REPEAT) throw new IllegalArgumentException("--repeat must be at most " + MAX_REPEAT + ", got " + reps);
        for (int t : threadList) if (t < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + t);
        if (json != null && Files.exists(json)) {
            throw new IllegalArgumentException("--json " + json + " exists; choose another file, nothing was overwritten");
        }
        List<Integer> sortedThreads = threadList.stream().distinct().sorted().toList();

        // Every cell's configuration, resolved as train resolves it, before anything runs.
        for (String a : algoList) for (String e : envList) for (int t : sortedThreads) config(a, e, t, Kernels.DEFAULT, Path.of("bench-cell"), 1);

        PrintWriter out = spec.commandLine().getOut();
        PrintWriter log = spec.commandLine().getErr();
        Map<String, Kernel> opened = new LinkedHashMap<>();
        List<Cell> cells = new ArrayList<>();
        String load = loadAverage();
        long started = System.nanoTime();
        try {
            for (String k : kernelList) opened.put(k, Kernels.open(k));  // a kernel that cannot load: exit 2 before any run
            log.printf(Locale.ROOT, "bench: %d cells (%s), %s per cell, %s s warm-up per (algo, env, kernel), %d core(s), load average %s%s%n",
                    algoList.size() * envList.size() * sortedThreads.size() * kernelList.size(),
                    "algo " + String.join(",", algoList) + " x env " + String.join(",", envList) + " x threads "
                            + String.join(",", sortedThreads.stream().map(String::valueOf).toList()) + " x kernel " + String.join(",", kernelList),
                    steps != null ? steps + " steps" : secs + " s", fmt(warm), Runtime.getRuntime().availableProcessors(), load,
                    pinThreads ? ", threads pinned" : "");
            TrainCommand.warnIfOversubscribed(sortedThreads.getLast(), log);
            for (String a : algoList) {
                for (String e : envList) {
                    for (String k : kernelList) {
                        Kernel kernel = opened.get(k);
                        if (warm > 0) run(a, e, sortedThreads.getLast(), k, Long.MAX_VALUE / 4, kernel, warm);
                        Run[][] runs = new Run[sortedThreads.size()][reps];
                        for (int r = 0; r < reps; r++) {
                            for (int i = 0; i < sortedThreads.size(); i++) {
                                int t = sortedThreads.get(i);
                                runs[i][r] = run(a, e, t, k, steps != null ? steps : Long.MAX_VALUE / 4, kernel, steps != null ? 0 : secs);
                                log.printf(Locale.ROOT, "  %s %s %s %d thread(s): %.0f steps/s, %.2f cores%n", a, e, k, t,
                                        runs[i][r].summary().envStepsPerSecond(), runs[i][r].coresUsed());
                                log.flush();
                            }
                        }
                        for (int i = 0; i < sortedThreads.size(); i++) {
                            Run[] rs = runs[i].clone();
                            Arrays.sort(rs, Comparator.comparingDouble((Run x) -> x.summary().envStepsPerSecond()));
                            double[] rates = Arrays.stream(runs[i]).mapToDouble(x -> x.summary().envStepsPerSecond()).toArray();
                            cells.add(new Cell(a, e, k, kernel.name(), sortedThreads.get(i), rs[(rs.length - 1) / 2], rates));
                        }
                    }
                }
            }
        } finally {
            for (Kernel k : opened.values()) k.close();
        }
        double total = (System.nanoTime() - started) / 1e9;
        printTable(out, cells);
        if (json != null) {
            writeJson(cells, new Settings(algoList, envList, sortedThreads, kernelList, steps, steps != null ? null : secs, warm, reps, seed,
                    pinThreads), load, total);
        }
        out.printf(Locale.ROOT, "bench took %.1f s%s%n", total, json != null ? "; results in " + json : "");
        out.flush();
        return 0;
    }

    /** The cell's configuration, through train's own flag resolution (its preset, its defaults). */
    private TrainConfig config(String algo, String env, int threads, String kernel, Path out, long budget) {
        List<String> args = new ArrayList<>(List.of("--algo", algo, "--env", env, "--threads", Integer.toString(threads),
                "--steps", Long.toString(budget), "--seed", Long.toString(seed), "--kernel", kernel,
                "--out", out.toString(), "--progress", "none", "--stop-return", "none",
                "--checkpoint-every-seconds", "0"));
        if (steps == null) args.addAll(List.of("--report-every", "10000"));
        if (pinThreads) args.add("--pin-threads");
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        return cmd.resolve();
    }

    /** Process CPU time (all threads), in seconds. */
    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /**
     * Notes the process CPU time and the wall clock when the workers start and when they have
     * joined; with maxSeconds &gt; 0 ends the run once it has trained that long.
     */
    private static final class CpuClock implements Progress {
        private final double maxSeconds;
        double cpu0, cpu1, wall0, wall1;

        CpuClock(double maxSeconds) {
            this.maxSeconds = maxSeconds;
        }

        public void start(long totalSteps) {
            cpu0 = processCpuSeconds();
            wall0 = System.nanoTime() / 1e9;
        }

        public void update(Report r) {}

        public void finish() {
            cpu1 = processCpuSeconds();
            wall1 = System.nanoTime() / 1e9;
        }

        @Override
        public String stopReason() {
            return maxSeconds > 0 && System.nanoTime() / 1e9 - wall0 >= maxSeconds ? "time budget reached" : null;
        }
    }

    /** One training run of the cell into a temporary directory, deleted afterwards; maxSeconds &gt; 0 bounds its time. */
    private Run run(String algo, String env, int threads, String kernelFlag, long budget, Kernel kernel, double maxSeconds) {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("asyncrl-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException("creating a temporary run directory", e);
        }
        try {
            TrainConfig c = config(algo, env, threads, kernelFlag, tmp.resolve("run"), budget);
            CpuClock clock = new CpuClock(maxSeconds);
            try (RunDirectory rd = RunDirectory.create(c.out())) {
                Trainer.Summary s = Trainer.train(c, kernel, rd, clock);
                return new Run(s, clock.cpu1 - clock.cpu0, clock.wall1 - clock.wall0);
            }
        } finally {
            deleteTree(tmp);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("asyncrl: bench: could not delete " + root + " (" + e.getMessage() + ")");
        }
    }

    /** The same (algo, env, kernel)'s cell with 1 thread, or null if the grid has none. */
    private static Cell oneThreadCell(List<Cell> cells, Cell c) {
        for (Cell o : cells) {
            if (o.threads() == 1 && o.algo().equals(c.algo()) && o.env().equals(c.env()) && o.kernel().equals(c.kernel())) return o;
        }
        return null;
    }

    /** env steps/s of the same (algo, env, kernel) with 1 thread, or NaN if the grid has none. */
    private static double oneThread(List<Cell> cells, Cell c) {
        Cell o = oneThreadCell(cells, c);
        return o == null ? Double.NaN : o.medianStepsPerSecond();
    }

    /** The kernel flag, and the kernel it chose where the two differ (e.g. "auto (simd)"). */
    private static String kernelLabel(String kernel, String kernelName) {
        return kernel.equals(kernelName) ? kernel : kernel + " (" + kernelName + ")";
    }

    private static void printTable(PrintWriter out, List<Cell> cells) {
        String f = "%-14s %-18s %-16s %7s %10s %8s %11s %10s %10s %9s %8s %6s %11s %10s%n";
        out.printf(Locale.ROOT, "%n" + f, "algo", "env", "kernel", "threads", "steps", "seconds", "env steps/s", "updates/s",
                "stale mean", "stale max", "speed-up", "cores", "steps/cpu-s", "efficiency");
        Map<Cell, Relative> rel = relative(cells);
        for (Cell c : cells) {
            Trainer.Summary s = c.summary();
            Relative r = rel.get(c);
            out.printf(Locale.ROOT, f, c.algo(), c.env(), kernelLabel(c.kernel(), c.kernelName()), c.threads(), s.steps(), fmt(s.wallSeconds()),
                    String.format(Locale.ROOT, "%.0f", c.medianStepsPerSecond()), String.format(Locale.ROOT, "%.0f", s.updatesPerSecond()),
                    Double.isNaN(s.stalenessMean()) ? "-" : String.format(Locale.ROOT, "%.2f", s.stalenessMean()),
                    Double.isNaN(s.stalenessMean()) ? "-" : Long.toString(s.stalenessMax()),
                    String.format(Locale.ROOT, "%.2fx", r.speedup()), String.format(Locale.ROOT, "%.2f", c.median().coresUsed()),
                    String.format(Locale.ROOT, "%.0f", c.median().stepsPerCpuSecond()), String.format(Locale.ROOT, "%.2f", r.efficiency()));
        }
        if (!cells.isEmpty()) {
            int base = rel.get(cells.getFirst()).baselineThreads();
            out.printf(Locale.ROOT, "speed-up: env steps/s / the same algo, env and kernel's with %s; steps/cpu-s: env steps / the process's"
                    + " CPU seconds (workers, JIT, GC); efficiency: steps/cpu-s / the same's with %1$s%n",
                    base == 1 ? "1 thread" : base + " threads (the fewest measured)");
        }
        List<Scaling> scaling = scaling(cells);
        if (!scaling.isEmpty()) {
            out.printf(Locale.ROOT, "%nscaling, env steps/s with 2 threads / 1 thread (and the CPU cores the process got in each;"
                    + " steps per CPU second with 2 threads / 1 thread):%n");
            for (Scaling m : scaling) {
                out.printf(Locale.ROOT, "  %-14s %-18s %-16s %.2fx   cores %.2f -> %.2f   per cpu-s %.2fx%n", m.algo(), m.env(),
                        kernelLabel(m.kernel(), m.kernelName()), m.ratio(), m.coresUsedOneThread(), m.coresUsedTwoThreads(),
                        m.stepsPerCpuSecondRatio());
            }
        }
    }

    /**
     * A cell against its baseline, the same (algo, env, kernel) with the fewest threads measured (1
     * if the grid has it): speed-up = env steps/s ÷ the baseline's, efficiency = env steps per CPU
     * second ÷ the baseline's.
     */
    record Relative(int baselineThreads, double speedup, double efficiency) {}

    /**
     * The scaling of one (algo, env, kernel): {@code threads[i]}'s cell measured {@code stepsPerSecond[i]}
     * env steps/s and {@code stepsPerCpuSecond[i]} env steps per CPU second; each against the cell with
     * the fewest threads.
     */
    static Relative[] relative(int[] threads, double[] stepsPerSecond, double[] stepsPerCpuSecond) {
        if (threads.length != stepsPerSecond.length || threads.length != stepsPerCpuSecond.length) {
            throw new IllegalArgumentException("one figure per thread count");
        }
        int b = 0;
        for (int i = 1; i < threads.length; i++) if (threads[i] < threads[b]) b = i;
        Relative[] out = new Relative[threads.length];
        for (int i = 0; i < threads.length; i++) {
            out[i] = new Relative(threads[b], stepsPerSecond[i] / stepsPerSecond[b], stepsPerCpuSecond[i] / stepsPerCpuSecond[b]);
        }
        return out;
    }

    /** {@link #relative(int[], double[], double[])} for every cell, within its (algo, env, kernel). */
    private static Map<Cell, Relative> relative(List<Cell> cells) {
        Map<Cell, Relative> out = new java.util.IdentityHashMap<>();
        Map<List<String>, List<Cell>> groups = new LinkedHashMap<>();
        for (Cell c : cells) groups.computeIfAbsent(List.of(c.algo(), c.env(), c.kernel()), g -> new ArrayList<>()).add(c);
        for (List<Cell> g : groups.values()) {
            Relative[] r = relative(g.stream().mapToInt(Cell::threads).toArray(), g.stream().mapToDouble(Cell::medianStepsPerSecond).toArray(),
                    g.stream().mapToDouble(c -> c.median().stepsPerCpuSecond()).toArray());
            for (int i = 0; i < r.length; i++) out.put(g.get(i), r[i]);
        }
        return out;
    }

    /**
     * The 2-thread / 1-thread figures of one (algo, env, kernel): env steps/s, the CPU cores the
     * process got, env steps per CPU second.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Scaling(String algo, String env, String kernel, String kernelName,
                   @JsonProperty("env_steps_per_second_1_thread") double oneThread,
                   @JsonProperty("env_steps_per_second_2_threads") double twoThreads, double ratio,
                   @JsonProperty("cores_used_1_thread") double coresUsedOneThread,
                   @JsonProperty("cores_used_2_threads") double coresUsedTwoThreads, double stepsPerCpuSecondRatio) {}

    /** The 2-thread / 1-thread ratio of env steps/s for each (algo, env, kernel) that has both. */
    private static List<Scaling> scaling(List<Cell> cells) {
        List<Scaling> list = new ArrayList<>();
        for (Cell two : cells) {
            if (two.threads() != 2) continue;
            Cell oneCell = oneThreadCell(cells, two);
            if (oneCell == null) continue;
            double one = oneCell.medianStepsPerSecond();
            Run r1 = oneCell.median(), r2 = two.median();
            list.add(new Scaling(two.algo(), two.env(), two.kernel(), two.kernelName(), one, two.medianStepsPerSecond(),
                    two.medianStepsPerSecond() / one, r1.coresUsed(), r2.coresUsed(), r2.stepsPerCpuSecond() / r1.stepsPerCpuSecond()));
        }
        return list;
    }

    /**
     * One cell in bench.json: its run's summary figures, the median run's CPU figures, the ratio to 1
     * thread (null if none), and speed-up and efficiency against the baseline ({@link Relative}).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CellFigures(String algo, String env, String kernel, String kernelName, int threads, long steps, double wallSeconds,
                       double envStepsPerSecond, double[] envStepsPerSecondRuns, long updates, double updatesPerSecond,
                       Double stalenessMean, Long stalenessMax, long episodes, double cpuSeconds, double coresUsed,
                       double envStepsPerCpuSecond, @JsonProperty("vs_1_thread") Double vsOneThread, int baselineThreads,
                       double speedup, double efficiency) {

        static CellFigures of(Cell c, List<Cell> cells, Relative r) {
            Trainer.Summary s = c.summary();
            boolean stale = !Double.isNaN(s.stalenessMean());
            double one = oneThread(cells, c);
            return new CellFigures(c.algo(), c.env(), c.kernel(), c.kernelName(), c.threads(), s.steps(), s.wallSeconds(),
                    c.medianStepsPerSecond(), c.stepsPerSecond(), s.updates(), s.updatesPerSecond(),
                    stale ? s.stalenessMean() : null, stale ? s.stalenessMax() : null, s.episodes(), c.median().cpuSeconds(),
                    c.median().coresUsed(), c.median().stepsPerCpuSecond(), Double.isNaN(one) ? null : c.medianStepsPerSecond() / one,
                    r.baselineThreads(), r.speedup(), r.efficiency());
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Machine(int cores, String os, String java, String loadAverageAtStart) {}

    /** The grid and budget as run (seconds: null when --steps bounds the cells). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Settings(List<String> algo, List<String> env, List<Integer> threads, List<String> kernel, Long steps, Double seconds,
                    double warmupSeconds, int repeat, long seed, boolean pinThreads) {}

    /** bench.json: what ran where, every cell, the scaling figures and how long it all took. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Results(String asyncrlVersion, Machine machine, Settings settings, List<CellFigures> cells, List<Scaling> scaling,
                   double benchSeconds) {}

    private void writeJson(List<Cell> cells, Settings settings, String load, double total) {
        Machine machine = new Machine(Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), load);
        Map<Cell, Relative> rel = relative(cells);
        Results results = new Results(Main.VERSION, machine, settings, cells.stream().map(c -> CellFigures.of(c, cells, rel.get(c))).toList(),
                scaling(cells), total);
        try {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), results);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + json, e);
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.2f", d);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    /**
     * {@code asyncrl bench jmh [JMH options] [REGEX]}: the JMH benchmarks built into asyncrl
     * (java/src/jmh/java). With no arguments it lists them; every argument goes to JMH as is, e.g.
     * {@code asyncrl bench jmh -prof gc HotLoopBench}.
     */
    @Command(name = "jmh", mixinStandardHelpOptions = false,
            description = "Run JMH benchmarks: asyncrl bench jmh [JMH options] [REGEX]. No arguments lists them; -h shows JMH's options.")
    public static final class Jmh implements Callable<Integer> {

        // Main sets unmatchedOptionsArePositionalParams on this command: every argument, options
        // included, arrives here in order and goes to JMH untouched.
        @Parameters(arity = "0..*", paramLabel = "JMH_ARGS", description = "JMH options and benchmark regexes.")
        List<String> jmhArgs = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            List<String> args = new ArrayList<>(jmhArgs);
            if (args.isEmpty()) args.add("-l");
            org.openjdk.jmh.Main.main(args.toArray(String[]::new));
            return 0;
        }
    }
}
