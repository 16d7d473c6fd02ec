package dev.asyncrl.cli;

import dev.asyncrl.algo.Algorithm;
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
 * the run's own summary: env steps/s (T ÷ wall seconds), updates/s and the updates' staleness.
 * The 2-thread ÷ 1-thread ratio of env steps/s is the scaling of each (algo, env, kernel).
 *
 * <p>{@code asyncrl bench jmh [JMH options] [REGEX]} runs the JMH benchmarks instead.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, subcommands = BenchCommand.Jmh.class,
        description = "Training throughput over a grid of algo x env x threads x kernel (env steps/s, updates/s, staleness,"
                + " 2-thread/1-thread scaling), each cell a real training run; 'bench jmh' runs the JMH benchmarks.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--algo", split = ",", splitSynopsisLabel = ",", paramLabel = "ALGO", description = "Algorithms: a3c, nstep-q, onestep-q, onestep-sarsa (default: a3c).")
    List<String> algos;

    @Option(names = "--env", split = ",", splitSynopsisLabel = ",", paramLabel = "ENV", description = "Environments, as for train (default: cartpole).")
    List<String> envs;

    @Option(names = "--threads", split = ",", splitSynopsisLabel = ",", paramLabel = "N", description = "Actor-learner thread counts (default: 1,2).")
    List<Integer> threads;

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
            log.printf(Locale.ROOT, "bench: %d cells (%s), %s per cell, %s s warm-up per (algo, env, kernel), %d core(s), load average %s%n",
                    algoList.size() * envList.size() * sortedThreads.size() * kernelList.size(),
                    "algo " + String.join(",", algoList) + " x env " + String.join(",", envList) + " x threads "
                            + String.join(",", sortedThreads.stream().map(String::valueOf).toList()) + " x kernel " + String.join(",", kernelList),
                    steps != null ? steps + " steps" : secs + " s", fmt(warm), Runtime.getRuntime().availableProcessors(), load);
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
        if (json != null) writeJson(cells, algoList, envList, sortedThreads, kernelList, secs, warm, reps, load, total);
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

        public void update(Trainer.Report r) {}

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

    private static String kernelLabel(Cell c) {
        return c.kernel().equals(c.kernelName()) ? c.kernel() : c.kernel() + " (" + c.kernelName() + ")";
    }

    private static void printTable(PrintWriter out, List<Cell> cells) {
        String f = "%-14s %-18s %-16s %7s %10s %8s %11s %10s %10s %9s %11s %6s %13s%n";
        out.printf(Locale.ROOT, "%n" + f, "algo", "env", "kernel", "threads", "steps", "seconds", "env steps/s", "updates/s",
                "stale mean", "stale max", "vs 1 thread", "cores", "steps/cpu-s");
        for (Cell c : cells) {
            Trainer.Summary s = c.summary();
            double one = oneThread(cells, c);
            out.printf(Locale.ROOT, f, c.algo(), c.env(), kernelLabel(c), c.threads(), s.steps(), fmt(s.wallSeconds()),
                    String.format(Locale.ROOT, "%.0f", c.medianStepsPerSecond()), String.format(Locale.ROOT, "%.0f", s.updatesPerSecond()),
                    Double.isNaN(s.stalenessMean()) ? "-" : String.format(Locale.ROOT, "%.2f", s.stalenessMean()),
                    Double.isNaN(s.stalenessMean()) ? "-" : Long.toString(s.stalenessMax()),
                    Double.isNaN(one) ? "-" : String.format(Locale.ROOT, "%.2fx", c.medianStepsPerSecond() / one),
                    String.format(Locale.ROOT, "%.2f", c.median().coresUsed()), String.format(Locale.ROOT, "%.0f", c.median().stepsPerCpuSecond()));
        }
        List<Map<String, Object>> scaling = scaling(cells);
        if (!scaling.isEmpty()) {
            out.printf(Locale.ROOT, "%nscaling, env steps/s with 2 threads / 1 thread (and the CPU cores the process got in each;"
                    + " steps per CPU second with 2 threads / 1 thread):%n");
            for (Map<String, Object> m : scaling) {
                out.printf(Locale.ROOT, "  %-14s %-18s %-16s %.2fx   cores %.2f -> %.2f   per cpu-s %.2fx%n", m.get("algo"), m.get("env"),
                        m.get("kernel_label"), (double) m.get("ratio"), (double) m.get("cores_used_1_thread"),
                        (double) m.get("cores_used_2_threads"), (double) m.get("steps_per_cpu_second_ratio"));
            }
        }
    }

    /** The 2-thread / 1-thread ratio of env steps/s for each (algo, env, kernel) that has both. */
    private static List<Map<String, Object>> scaling(List<Cell> cells) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Cell two : cells) {
            if (two.threads() != 2) continue;
            double one = oneThread(cells, two);
            if (Double.isNaN(one)) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algo", two.algo());
            m.put("env", two.env());
            m.put("kernel", two.kernel());
            m.put("kernel_name", two.kernelName());
            m.put("kernel_label", kernelLabel(two));
            m.put("env_steps_per_second_1_thread", one);
            m.put("env_steps_per_second_2_threads", two.medianStepsPerSecond());
            m.put("ratio", two.medianStepsPerSecond() / one);
            Run r1 = oneThreadCell(cells, two).median(), r2 = two.median();
            m.put("cores_used_1_thread", r1.coresUsed());
            m.put("cores_used_2_threads", r2.coresUsed());
            m.put("steps_per_cpu_second_ratio", r2.stepsPerCpuSecond() / r1.stepsPerCpuSecond());
            list.add(m);
        }
        return list;
    }

    private void writeJson(List<Cell> cells, List<String> algoList, List<String> envList, List<Integer> threadList,
                           List<String> kernelList, double secs, double warm, int reps, String load, double total) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("asyncrl_version", Main.VERSION);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("load_average_at_start", load);
        root.put("machine", machine);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("algo", algoList);
        settings.put("env", envList);
        settings.put("threads", threadList);
        settings.put("kernel", kernelList);
        settings.put("steps", steps);
        settings.put("seconds", steps != null ? null : secs);
        settings.put("warmup_seconds", warm);
        settings.put("repeat", reps);
        settings.put("seed", seed);
        root.put("settings", settings);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Cell c : cells) {
            Trainer.Summary s = c.summary();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algo", c.algo());
            m.put("env", c.env());
            m.put("kernel", c.kernel());
            m.put("kernel_name", c.kernelName());
            m.put("threads", c.threads());
            m.put("steps", s.steps());
            m.put("wall_seconds", s.wallSeconds());
            m.put("env_steps_per_second", c.medianStepsPerSecond());
            m.put("env_steps_per_second_runs", c.stepsPerSecond());
            m.put("updates", s.updates());
            m.put("updates_per_second", s.updatesPerSecond());
            m.put("staleness_mean", Double.isNaN(s.stalenessMean()) ? null : s.stalenessMean());
            m.put("staleness_max", Double.isNaN(s.stalenessMean()) ? null : s.stalenessMax());
            m.put("episodes", s.episodes());
            m.put("cpu_seconds", c.median().cpuSeconds());
            m.put("cores_used", c.median().coresUsed());
            m.put("env_steps_per_cpu_second", c.median().stepsPerCpuSecond());
            double one = oneThread(cells, c);
            m.put("vs_1_thread", Double.isNaN(one) ? null : c.medianStepsPerSecond() / one);
            list.add(m);
        }
        root.put("cells", list);
        List<Map<String, Object>> sc = scaling(cells);
        sc.forEach(m -> m.remove("kernel_label"));
        root.put("scaling", sc);
        root.put("bench_seconds", total);
        try {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), root);
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
