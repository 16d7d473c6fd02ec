package dev.asyncrl.cli;

import dev.asyncrl.run.JsonRecords;
import dev.asyncrl.run.LinePlot;
import dev.asyncrl.run.Progress;
import dev.asyncrl.run.RunDirectory;
import dev.asyncrl.run.TrainConfig;
import dev.asyncrl.run.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code asyncrl sweep}: N runs of one training configuration over seeds S, S+1, ..., each a full
 * run directory under --out; with {@code --lr-log-uniform LO,HI} among the train flags every seed
 * draws its own learning rate, which is the paper's robustness experiment. {@code --grid
 * FLAG=V1,V2,...} repeats the N runs once per value (a series each). Runs go one after another, or
 * {@code --parallel P} at a time. At the end: a table of final scores per run and per series
 * (sweep.csv, and on stdout), and the sorted final scores of each series as a PNG (sweep.png, the
 * shape of the paper's Figure S5).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run one configuration over seeds (and learning rates drawn from LogUniform) and compare the final scores.")
public final class SweepCommand implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--runs", required = true, description = "Runs per series (seeds --seed, --seed+1, ...).")
    int runs;

    @Option(names = "--seed", defaultValue = "1", description = "The first seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--parallel", defaultValue = "1", description = "Runs at a time (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--grid", paramLabel = "FLAG=V1,V2,...", description = "Repeat the runs for each value of a train flag, e.g. optimizer=shared-rmsprop,rmsprop,momentum.")
    String grid;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Sweep directory: one run directory per run, sweep.csv, sweep.json, sweep.png.")
    Path out;

    @Parameters(arity = "0..*", paramLabel = "TRAIN_FLAGS", description = "Any asyncrl train flags, e.g. --algo nstep-q --steps 200000 --lr-log-uniform 1e-4,1e-2.")
    List<String> trainFlags = new ArrayList<>();

    /** The most runs one sweep may hold, over all series. */
    static final int MAX_RUNS = 1000;

    /** One finished run. */
    /** One series of sweep.json: its runs' final and best mean_return_100 averaged, and the final scores sorted. */
    record SeriesSummary(String series, int runs, double meanFinalMeanReturn100, double medianFinalMeanReturn100,
                         double meanBestMeanReturn100, double meanSteps, double meanWallSeconds, double[] sortedFinalScores) {}

    record Row(String series, long seed, double lr, long steps, double seconds, double finalScore, double best,
               String status) {}

    @Override
    public Integer call() throws Exception {
        if (runs < 1) throw new IllegalArgumentException("--runs must be >= 1, got " + runs);
        if (parallel < 1) throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
        for (String f : List.of("--seed", "--out", "--progress")) {
            if (trainFlags.contains(f)) throw new IllegalArgumentException("sweep sets " + f + " for each run; leave it out of the train flags");
        }
        String flag = null;
        List<String> values = List.of("");
        if (grid != null) {
            int eq = grid.indexOf('=');
            if (eq <= 0 || eq == grid.length() - 1) throw new IllegalArgumentException("--grid takes FLAG=V1,V2,..., got '" + grid + "'");
            flag = "--" + grid.substring(0, eq);
            values = List.of(grid.substring(eq + 1).split(","));
        }
        // The configurations are resolved (and listed) before anything runs; a count past any real
        // sweep (the paper's used 50 runs a series) is a typo that would go silent for hours.
        if ((long) runs * values.size() > MAX_RUNS) {
            throw new IllegalArgumentException("a sweep runs at most " + MAX_RUNS + " runs, got --runs " + runs
                    + (values.size() > 1 ? " x " + values.size() + " --grid values" : ""));
        }
        try {
            Math.addExact(seed, runs - 1L);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("--seed " + seed + " with --runs " + runs + " runs past the largest seed, "
                    + Long.MAX_VALUE + "; choose a smaller --seed");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a file, not a directory");
        if (Files.exists(out.resolve("sweep.csv"))) {
            throw new IllegalArgumentException("--out " + out + " already holds a sweep (sweep.csv); choose another directory, nothing was overwritten");
        }

        // Resolve every run's configuration first: a bad flag fails before anything runs.
        List<String> series = new ArrayList<>();
        List<TrainConfig> configs = new ArrayList<>();
        for (String v : values) {
            String name = flag == null ? "all" : grid.substring(0, grid.indexOf('=')) + "=" + v;
            for (int i = 0; i < runs; i++) {
                List<String> args = new ArrayList<>(trainFlags);
                if (flag != null) args.addAll(List.of(flag, v));
                String dirName = (flag == null ? "" : sanitize(name) + "-") + "seed" + (seed + i);
                args.addAll(List.of("--seed", Long.toString(seed + i), "--out", out.resolve(dirName).toString(), "--progress", "none"));
                TrainCommand cmd = new TrainCommand();
                try {
                    new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
                } catch (CommandLine.ParameterException e) {
                    throw new IllegalArgumentException("train flags of the sweep: " + e.getMessage(), e);
                }
                TrainConfig cfg = cmd.resolve();
                RunDirectory.checkUsable(cfg.out());
                configs.add(cfg);
                series.add(name);
            }
        }
        Files.createDirectories(out);

        System.err.printf(Locale.ROOT, "sweep: %d runs (%d per series), %d at a time, into %s%n", configs.size(), runs, parallel, out);
        List<Row> rows = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, Thread.ofPlatform().name("sweep-", 0).factory());
        try {
            List<Future<Trainer.Summary>> futures = new ArrayList<>();
            for (TrainConfig cfg : configs) futures.add(pool.submit(() -> TrainCommand.run(cfg, Progress.none())));
            for (int i = 0; i < futures.size(); i++) {
                TrainConfig cfg = configs.get(i);
                Row row;
                try {
                    Trainer.Summary s = futures.get(i).get();
                    row = new Row(series.get(i), cfg.seed(), cfg.hp().lr(), s.steps(), s.wallSeconds(), s.meanReturn100(),
                            s.bestMeanReturn100(), s.status());
                } catch (ExecutionException e) {
                    row = new Row(series.get(i), cfg.seed(), cfg.hp().lr(), 0, 0, Double.NaN, Double.NaN,
                            "failed: " + e.getCause().getMessage());
                }
                rows.add(row);
                System.err.printf(Locale.ROOT, "  [%d/%d] %s seed %d lr %.3g: final mean_return_100 %.1f (best %.1f) after %d steps, %.1f s%n",
                        i + 1, configs.size(), row.series(), row.seed(), row.lr(), row.finalScore(), row.best(), row.steps(), row.seconds());
            }
        } finally {
            pool.shutdownNow();
        }
        write(rows);
        return rows.stream().anyMatch(r -> r.status().startsWith("failed")) ? Main.EXIT_FAILED : 0;
    }

    private static String sanitize(String s) {
        return s.replaceAll("[^A-Za-z0-9._=-]", "_");
    }

    private void write(List<Row> rows) throws IOException {
        StringBuilder csv = new StringBuilder("series,seed,lr,steps,wall_seconds,final_mean_return_100,best_mean_return_100,status\n");
        for (Row r : rows) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%.6g,%d,%.3f,%s,%s,%s%n", r.series(), r.seed(), r.lr(), r.steps(),
                    r.seconds(), num(r.finalScore()), num(r.best()), r.status().replace(',', ';')));
        }
        Files.writeString(out.resolve("sweep.csv"), csv);

        Map<String, List<Row>> bySeries = new LinkedHashMap<>();
        for (Row r : rows) bySeries.computeIfAbsent(r.series(), k -> new ArrayList<>()).add(r);
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%n%-32s %5s %12s %12s %12s %10s %10s%n",
                "series", "runs", "mean final", "median final", "mean best", "mean steps", "mean s"));
        List<SeriesSummary> summary = new ArrayList<>();
        LinePlot plot = new LinePlot("Final scores, sorted", "run (sorted by final score)",
                "final mean return (last 100 episodes)", true, true);
        for (var e : bySeries.entrySet()) {
            List<Row> rs = e.getValue();
            double[] finals = rs.stream().mapToDouble(r -> Double.isNaN(r.finalScore()) ? Double.NEGATIVE_INFINITY : r.finalScore())
                    .boxed().sorted(Comparator.reverseOrder()).mapToDouble(Double::doubleValue).toArray();
            double mean = rs.stream().mapToDouble(Row::finalScore).filter(d -> !Double.isNaN(d)).average().orElse(Double.NaN);
            double median = median(rs.stream().mapToDouble(Row::finalScore).filter(d -> !Double.isNaN(d)).sorted().toArray());
            double best = rs.stream().mapToDouble(Row::best).filter(d -> !Double.isNaN(d)).average().orElse(Double.NaN);
            double steps = rs.stream().mapToDouble(Row::steps).average().orElse(0);
            double secs = rs.stream().mapToDouble(Row::seconds).average().orElse(0);
            table.append(String.format(Locale.ROOT, "%-32s %5d %12.1f %12.1f %12.1f %10.0f %10.1f%n", e.getKey(), rs.size(), mean, median, best, steps, secs));
            summary.add(new SeriesSummary(e.getKey(), rs.size(), mean, median, best, steps, secs, finals));
            double[] x = new double[finals.length];
            double[] y = new double[finals.length];
            for (int i = 0; i < finals.length; i++) {
                x[i] = i + 1;
                y[i] = Double.isInfinite(finals[i]) ? 0 : finals[i];
            }
            plot.add(e.getKey(), x, y);
        }
        System.out.print(table);
        JsonRecords.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValue(out.resolve("sweep.json").toFile(), summary);
        plot.write(out.resolve("sweep.png"));  // a plot that cannot be drawn is a warning: the runs are done
        System.out.println("sweep directory: " + out);
    }

    private static String num(double d) {
        return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.3f", d);
    }

    private static double median(double[] sorted) {
        if (sorted.length == 0) return Double.NaN;
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
