package dev.asyncrl.run;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Map;

/**
 * A run directory: config.json (every setting, resolved), metrics.csv (a row per report, flushed as
 * written, so a crash keeps what came before), checkpoint.safetensors (see {@link Checkpoint}),
 * summary.json, learning_curve.png and params.f32 (the shared θ at the end of training, raw, kept
 * for tools that read it). A new run refuses a directory that already holds a run, so nothing
 * written before is overwritten; {@link #resume} reopens one to continue it. JSON files and
 * params.f32 are written to a temporary name and moved into place, so a reader never sees half a
 * file. While a run trains, its process holds a lock on metrics.csv, so that a second process
 * cannot resume the same directory at the same time (the OS drops the lock when the process dies,
 * however it dies).
 */
public final class RunDirectory implements AutoCloseable {
    public static final String CONFIG = "config.json";
    public static final String METRICS = "metrics.csv";
    public static final String SUMMARY = "summary.json";
    public static final String CURVE = "learning_curve.png";
    /** The trained parameters θ: raw little-endian float32 in the layout table's index space. */
    public static final String PARAMS = "params.f32";
    /**
     * metrics.csv's columns: the five DESIGN.md names, then the update telemetry: U (updates of θ
     * so far) and the staleness of the updates landed since the previous row (empty if none did).
     */
    public static final String METRICS_HEADER =
            "global_step,wall_seconds,episodes,mean_return_100,env_steps_per_second,updates,staleness_min,staleness_mean,staleness_max";
    /** The header of a metrics.csv written before the update telemetry; resume upgrades it. */
    public static final String METRICS_HEADER_V1 =
            "global_step,wall_seconds,episodes,mean_return_100,env_steps_per_second";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final FileChannel metricsChannel;
    private final BufferedWriter metrics;
    private final List<Trainer.Report> earlierReports;

    private RunDirectory(Path dir, FileChannel metricsChannel, List<Trainer.Report> earlierReports) {
        this.dir = dir;
        this.metricsChannel = metricsChannel;
        this.metrics = new BufferedWriter(Channels.newWriter(metricsChannel, StandardCharsets.UTF_8));
        this.earlierReports = List.copyOf(earlierReports);
    }

    private RunDirectory(Path dir) throws IOException {
        this(dir, lockedMetrics(dir, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING), List.of());
        metrics.write(METRICS_HEADER);
        metrics.newLine();
        metrics.flush();
    }

    /** metrics.csv opened for writing and locked; IllegalArgumentException if another process holds it. */
    private static FileChannel lockedMetrics(Path dir, StandardOpenOption... options) throws IOException {
        Set<StandardOpenOption> o = new HashSet<>(List.of(options));
        o.add(StandardOpenOption.WRITE);
        FileChannel ch = FileChannel.open(dir.resolve(METRICS), o);
        try {
            if (ch.tryLock() == null) {
                ch.close();
                throw new IllegalArgumentException(dir + " is in use: another asyncrl process is training into it");
            }
        } catch (java.nio.channels.OverlappingFileLockException e) {
            ch.close();
            throw new IllegalArgumentException(dir + " is in use: this process is already training into it");
        }
        return ch;
    }

    /**
     * Reopens the run directory {@code dir} to continue it from a checkpoint taken at T =
     * {@code globalStep}: metrics.csv keeps its rows up to the first row past that T and is cut
     * there (those rows are trained again), and rows are appended from then on. Checks first,
     * changes the file only once every check has passed.
     */
    public static RunDirectory resume(Path dir, long globalStep) {
        try {
            if (!Files.isRegularFile(dir.resolve(METRICS))) {
                throw new IllegalArgumentException("--resume " + dir + " has no " + METRICS);
            }
            FileChannel ch = lockedMetrics(dir, StandardOpenOption.READ);
            try {
                List<Trainer.Report> kept = new ArrayList<>();
                StringBuilder keptText = new StringBuilder();
                String text = readAll(ch);
                String header = checkedHeader(dir, text);
                long keepBytes = keptMetrics(text, header, globalStep, kept, keptText);
                if (header.equals(METRICS_HEADER_V1)) {
                    FileChannel upgraded = upgradeMetrics(dir, keptText.toString());
                    ch.close();  // the old file's lock; the new file was locked before it took the name
                    return new RunDirectory(dir, upgraded, kept);
                }
                ch.truncate(keepBytes);
                ch.position(keepBytes);
                ch.force(true);
                return new RunDirectory(dir, ch, kept);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reopening " + dir.resolve(METRICS), e);
        }
    }

    private static String readAll(FileChannel ch) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(ch.size()));
        while (all.hasRemaining() && ch.read(all, all.position()) >= 0) { }
        return new String(all.array(), 0, all.position(), StandardCharsets.UTF_8);
    }

    /** metrics.csv's header: this asyncrl's or the one before the update telemetry; anything else is refused. */
    private static String checkedHeader(Path dir, String text) {
        int eol = text.indexOf('\n');
        String header = eol < 0 ? text : text.substring(0, eol);
        if (!header.equals(METRICS_HEADER) && !header.equals(METRICS_HEADER_V1)) {
            throw new IllegalArgumentException("--resume " + dir + ": " + METRICS + " has the header '" + header
                    + "', this asyncrl writes '" + METRICS_HEADER + "'");
        }
        return header;
    }

    /**
     * Reads metrics.csv's rows ({@code text}) up to T into {@code kept} (and their lines into
     * {@code keptText}); returns the bytes to keep (through the last kept row's newline). Columns
     * are found by the file's own header, so a metrics.csv from before the update telemetry reads too.
     */
    private static long keptMetrics(String text, String header, long globalStep, List<Trainer.Report> kept,
                                    StringBuilder keptText) {
        int eol = text.indexOf('\n');
        List<String> columns = List.of(header.split(","));
        boolean telemetry = columns.contains("updates");
        long keep = header.getBytes(StandardCharsets.UTF_8).length + 1;
        for (int at = eol + 1; at < text.length(); ) {
            int end = text.indexOf('\n', at);
            if (end < 0) break;                           // a row cut short by a crash
            String[] f = text.substring(at, end).split(",", -1);
            Trainer.Report r;
            try {
                if (f.length != columns.size()) throw new IllegalArgumentException("not a whole row");
                long T = Long.parseLong(f[columns.indexOf("global_step")]);
                double wall = Double.parseDouble(f[columns.indexOf("wall_seconds")]);
                long episodes = Long.parseLong(f[columns.indexOf("episodes")]);
                double mean = number(f[columns.indexOf("mean_return_100")]);
                double rate = Double.parseDouble(f[columns.indexOf("env_steps_per_second")]);
                if (telemetry) {
                    String u = f[columns.indexOf("updates")];
                    for (String c : List.of("staleness_min", "staleness_mean", "staleness_max")) number(f[columns.indexOf(c)]);
                    // the window's own figures are not kept: earlier rows feed only the learning curve
                    r = new Trainer.Report(T, wall, episodes, mean, rate, u.isEmpty() ? -1 : Long.parseLong(u), Staleness.Window.EMPTY);
                } else {
                    r = new Trainer.Report(T, wall, episodes, mean, rate);
                }
            } catch (RuntimeException e) {
                break;                                    // not a whole row: cut from here
            }
            if (r.globalStep() > globalStep || (!kept.isEmpty() && r.globalStep() <= kept.getLast().globalStep())) break;
            kept.add(r);
            keptText.append(text, at, end + 1);
            keep += text.substring(at, end + 1).getBytes(StandardCharsets.UTF_8).length;
            at = end + 1;
        }
        return keep;
    }

    private static double number(String field) {
        return field.isEmpty() ? Double.NaN : Double.parseDouble(field);
    }

    /**
     * Rewrites a metrics.csv from before the update telemetry with this asyncrl's header, its kept
     * rows' telemetry columns left empty: written to metrics.csv.tmp, locked, forced to disk and
     * renamed over metrics.csv, so a crash leaves the old file or the new one, and the new one is
     * locked before it takes the name. Returns the new file's channel, positioned at its end.
     */
    private static FileChannel upgradeMetrics(Path dir, String keptRows) throws IOException {
        Path tmp = dir.resolve(METRICS + ".tmp");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        try {
            if (ch.tryLock() == null) throw new IllegalArgumentException(dir + " is in use: another asyncrl process is training into it");
            StringBuilder text = new StringBuilder(METRICS_HEADER).append('\n');
            int empty = METRICS_HEADER.split(",").length - METRICS_HEADER_V1.split(",").length;
            for (String row : keptRows.split("\n")) {
                if (!row.isEmpty()) text.append(row).append(",".repeat(empty)).append('\n');
            }
            ByteBuffer buf = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
            Files.move(tmp, dir.resolve(METRICS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(dir);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be opened and forced; the rename itself is atomic
        }
    }

    /** The metrics rows written before a resume (kept by {@link #resume}); empty for a new run. */
    public List<Trainer.Report> earlierReports() {
        return earlierReports;
    }

    /** Creates {@code dir} (and its parents) for a new run; refuses one that holds a run already. */
    public static RunDirectory create(Path dir) {
        checkUsable(dir);
        try {
            Files.createDirectories(dir);
            return new RunDirectory(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot create the run directory (" + e.getMessage() + ")");
        }
    }

    /** Throws IllegalArgumentException if {@code dir} cannot take a new run. Writes nothing. */
    public static void checkUsable(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is a file, not a directory");
        }
        for (String f : List.of(CONFIG, METRICS, SUMMARY)) {
            if (Files.exists(dir.resolve(f))) {
                throw new IllegalArgumentException("--out " + dir + " already holds a run (" + f
                        + "); choose another directory, nothing was overwritten");
            }
        }
    }

    public Path path() {
        return dir;
    }

    public void writeJson(String name, Map<String, Object> content) {
        writeJson(dir, name, content);
    }

    /** Writes {@code dir/name} as indented JSON, to a temporary name first and then moved into place. */
    public static void writeJson(Path dir, String name, Map<String, Object> content) {
        Path tmp = dir.resolve(name + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), content);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.resolve(name), e);
        }
    }

    /**
     * Writes θ to params.f32: {@code floats} float32 values (the layout's size, padding included, so
     * a tensor's offset in the layout table is its index in the file), little-endian whatever the
     * machine, to a temporary name and then moved into place.
     */
    public void writeParams(MemorySegment theta, long floats) {
        Path tmp = dir.resolve(PARAMS + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
            MemorySegment le = arena.allocate(floats * Float.BYTES, Float.BYTES);
            MemorySegment.copy(theta, JAVA_FLOAT, 0, le, JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN), 0, floats);
            ByteBuffer buf = le.asByteBuffer();
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.resolve(PARAMS), e);
        }
        try {
            Files.move(tmp, dir.resolve(PARAMS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.resolve(PARAMS), e);
        }
    }

    public void appendMetrics(Trainer.Report r) {
        try {
            Staleness.Window w = r.staleness();
            boolean any = w.count() > 0;
            metrics.write(String.format(Locale.ROOT, "%d,%.3f,%d,%s,%.1f,%s,%s,%s,%s", r.globalStep(), r.wallSeconds(),
                    r.episodes(), Double.isNaN(r.meanReturn100()) ? "" : String.format(Locale.ROOT, "%.3f", r.meanReturn100()),
                    r.stepsPerSecond(), r.updates() < 0 ? "" : Long.toString(r.updates()),
                    any ? Long.toString(w.min()) : "", any ? String.format(Locale.ROOT, "%.3f", w.mean()) : "",
                    any ? Long.toString(w.max()) : ""));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.resolve(METRICS), e);
        }
    }

    /**
     * The learning curve: mean_return_100 against global steps, as PNG. Never throws: a curve that
     * cannot be drawn or written costs a warning line, not the run (see {@link LinePlot}).
     */
    public void writeCurve(List<Trainer.Report> reports, String title) {
        double[] x = reports.stream().filter(r -> !Double.isNaN(r.meanReturn100())).mapToDouble(Trainer.Report::globalStep).toArray();
        double[] y = reports.stream().filter(r -> !Double.isNaN(r.meanReturn100())).mapToDouble(Trainer.Report::meanReturn100).toArray();
        if (x.length == 0) {
            x = new double[] {0};
            y = new double[] {0};
        }
        new LinePlot(title, "global step T", "mean return (last 100 episodes)", false, false)
                .add("mean_return_100", x, y).write(dir.resolve(CURVE));
    }

    @Override
    public void close() {
        try {
            metrics.close();  // closes the channel, which releases the lock
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
