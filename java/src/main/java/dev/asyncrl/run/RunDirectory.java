package dev.asyncrl.run;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.asyncrl.algo.Report;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

    /** The files a run writes: a directory holding any of them holds a run (metrics.csv: with a row). */
    static final List<String> RUN_FILES = List.of(CONFIG, METRICS, SUMMARY, CURVE, PARAMS, Checkpoint.FILE);

    /**
     * A file of the run could not be written (a full disk, a directory deleted while training, a
     * file made immutable): a failed run (exit 1), whose message names the file and the operating
     * system's reason. It carries no cause, so that the command line prints this one line; the
     * IOException is attached as suppressed for library users.
     */
    public static final class WriteFailedException extends RuntimeException {
        public WriteFailedException(Path file, IOException e) {
            super("cannot write " + file + ": " + reason(e));
            addSuppressed(e);
        }

        public WriteFailedException(String message, WriteFailedException first) {
            super(message);
            for (Throwable t : first.getSuppressed()) addSuppressed(t);
        }
    }

    /**
     * What went wrong in words: Java's NoSuchFileException and its kin carry only the path as their
     * message ("asyncrl: /proc/x.onnx.tmp" said nothing), the reason sits apart.
     */
    public static String reason(IOException e) {
        String why = switch (e) {
            case java.nio.file.NoSuchFileException x -> "no such file or directory";
            case java.nio.file.AccessDeniedException x -> "permission denied";
            case java.nio.file.FileAlreadyExistsException x -> x.getFile() + " already exists";
            case java.nio.file.NotDirectoryException x -> "not a directory";
            case java.nio.file.DirectoryNotEmptyException x -> "directory not empty";
            case java.nio.file.FileSystemException x when x.getReason() != null -> x.getReason();
            default -> e.getMessage();
        };
        return why == null ? e.getClass().getSimpleName() : why;
    }

    private final Path dir;
    private final FileChannel metricsChannel;
    private final BufferedWriter metrics;
    private final List<Report> earlierReports;
    private String droppedRows;
    private boolean metricsFailed;

    private RunDirectory(Path dir, FileChannel metricsChannel, List<Report> earlierReports) {
        this.dir = dir;
        this.metricsChannel = metricsChannel;
        this.metrics = new BufferedWriter(Channels.newWriter(metricsChannel, StandardCharsets.UTF_8));
        this.earlierReports = List.copyOf(earlierReports);
    }

    private RunDirectory(Path dir, FileChannel locked) throws IOException {
        this(dir, locked, List.of());
        metrics.write(METRICS_HEADER);
        metrics.newLine();
        metrics.flush();
    }

    /**
     * metrics.csv opened for writing and locked; IllegalArgumentException if another process holds
     * it, or if it cannot be opened ({@code cannotOpen}, then the reason in parentheses).
     */
    private static FileChannel lockedMetrics(Path dir, String cannotOpen, StandardOpenOption... options) {
        Set<StandardOpenOption> o = new HashSet<>(List.of(options));
        o.add(StandardOpenOption.WRITE);
        FileChannel ch;
        try {
            ch = FileChannel.open(dir.resolve(METRICS), o);
        } catch (IOException e) {
            throw new IllegalArgumentException(cannotOpen + " (" + reason(e) + ")");
        }
        try {
            if (ch.tryLock() != null) return ch;
            closeQuietly(ch);
            throw new IllegalArgumentException(dir + " is in use: another asyncrl process is training into it");
        } catch (java.nio.channels.OverlappingFileLockException e) {
            closeQuietly(ch);
            throw new IllegalArgumentException(dir + " is in use: this process is already training into it");
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IllegalArgumentException(cannotOpen + " (" + reason(e) + ")");
        }
    }

    /** What is done to metrics.csv once it is open and locked. */
    private interface MetricsWork {
        RunDirectory run() throws IOException;
    }

    /**
     * Runs {@code work} on the locked {@code ch}; if it fails, closes the channel (which releases
     * the lock) and throws: an IOException as IllegalArgumentException({@code failed} of the reason).
     */
    private static RunDirectory orRelease(FileChannel ch, java.util.function.UnaryOperator<String> failed, MetricsWork work) {
        try {
            return work.run();
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IllegalArgumentException(failed.apply(reason(e)));
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /**
     * Reopens the run directory {@code dir} to continue it from a checkpoint taken at T =
     * {@code globalStep} (0: a run started over): metrics.csv keeps its rows up to that T, those
     * past it are cut (they are trained again), and rows are appended from then on. A row that
     * cannot be read, or that breaks the rise of global_step (a garbage line, a row out of order),
     * is dropped on its own and counted in {@link #droppedRows}, so that one bad line never takes
     * the valid rows after it along. Checks first, changes the file only once every check has passed.
     */
    public static RunDirectory resume(Path dir, long globalStep) {
        Path file = dir.resolve(METRICS);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("--resume " + dir + " has no " + METRICS);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--resume " + dir + ": its " + METRICS + " is not a regular file (a FIFO, a device, a directory?)");
        }
        FileChannel ch = lockedMetrics(dir, "--resume " + dir + ": cannot open " + METRICS + " for writing", StandardOpenOption.READ);
        return orRelease(ch, why -> "--resume " + dir + ": cannot rewrite " + METRICS + " (" + why + "); it is as it was", () -> {
            String text = MetricsCsv.readAll(ch);
            String header = MetricsCsv.checkedHeader(dir, text);
            MetricsCsv.Kept kept = MetricsCsv.keptRows(text, header, globalStep);
            RunDirectory rd;
            if (header.equals(METRICS_HEADER_V1) || !kept.prefix()) {
                FileChannel rewritten = MetricsCsv.rewrite(dir, kept.text(), header.equals(METRICS_HEADER_V1));
                ch.close();  // the old file's lock; the new file was locked before it took the name
                rd = new RunDirectory(dir, rewritten, kept.reports());
            } else {
                ch.truncate(kept.bytes());
                ch.position(kept.bytes());
                ch.force(true);
                rd = new RunDirectory(dir, ch, kept.reports());
            }
            rd.droppedRows = kept.dropped();
            return rd;
        });
    }

    /**
     * The rows {@link #resume} dropped although a kept row followed them: a line that is not a
     * whole row, or a row whose global_step breaks the rise (e.g. "3 rows dropped: line 7 'x,y'
     * is not a row; ..."); null when none was. Rows past the checkpoint's T at the end of the file
     * are cut as a matter of course and not counted here.
     */
    public String droppedRows() {
        return droppedRows;
    }

    /** The metrics rows written before a resume (kept by {@link #resume}); empty for a new run. */
    public List<Report> earlierReports() {
        return earlierReports;
    }

    /**
     * Creates {@code dir} (and its parents) for a new run; refuses one that holds a run already.
     * metrics.csv is locked before it is emptied, so that a process starting into the same
     * directory at the same moment is turned away rather than having its header cut.
     */
    public static RunDirectory create(Path dir) {
        checkUsable(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot create the run directory (" + reason(e) + ")");
        }
        FileChannel ch = lockedMetrics(dir, "--out " + dir + ": cannot create " + METRICS + " there", StandardOpenOption.CREATE);
        return orRelease(ch, why -> "--out " + dir + ": cannot write " + METRICS + " there (" + why + ")", () -> {
            checkUsable(dir);
            ch.truncate(0);
            return new RunDirectory(dir, ch);
        });
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // the failure being reported is the first one
        }
    }

    /**
     * Throws IllegalArgumentException if {@code dir} cannot take a new run. Writes nothing. Any of
     * the run's files counts (a checkpoint alone is a run's worth of training), except a
     * metrics.csv with nothing past its header: what a start that failed before training (out of
     * memory, a full disk) leaves, which a new run may take over. A file of the run's names that
     * is not a regular file (a FIFO would block the open) is refused before anything opens it.
     */
    public static void checkUsable(Path dir) {
        if (dir.toString().isEmpty()) {
            throw new IllegalArgumentException("--out is empty: give the directory to write the run into");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is a file, not a directory");
        }
        for (String f : RUN_FILES) {
            Path p = dir.resolve(f);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) continue;
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("--out " + dir + ": its " + f + " is not a regular file (a FIFO, a device, a directory?);"
                        + " choose another directory, nothing was touched");
            }
            if (f.equals(METRICS) && !hasRows(p)) continue;
            boolean resumable = Files.exists(dir.resolve(CONFIG));
            throw new IllegalArgumentException("--out " + dir + " already holds a run (" + f + "); choose another directory"
                    + (resumable ? " or continue it with --resume " + dir : "") + ", nothing was overwritten");
        }
    }

    /** Whether metrics.csv holds more than (a start of) this asyncrl's header: anything else is kept. */
    private static boolean hasRows(Path metrics) {
        String header = METRICS_HEADER + "\n";
        try {
            if (Files.size(metrics) > header.length()) return true;
            return !header.startsWith(Files.readString(metrics, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return true;  // unreadable: not ours to overwrite
        }
    }

    public Path path() {
        return dir;
    }

    public void writeJson(String name, Map<String, Object> content) {
        writeJson(dir, name, content);
    }

    /**
     * Writes {@code dir/name} as indented JSON, to a temporary name first and then moved into
     * place; a failed write leaves the old file and removes the temporary one.
     */
    public static void writeJson(Path dir, String name, Map<String, Object> content) {
        replace(dir, name, tmp -> {
            // through NIO rather than java.io.File, whose exceptions bury the reason in their message
            try (java.io.OutputStream o = Files.newOutputStream(tmp)) {
                JSON.writeValue(o, content);
            }
        });
    }

    /** Writes a file's whole content to {@code tmp}. */
    private interface Content {
        void writeTo(Path tmp) throws IOException;
    }

    /**
     * Replaces {@code dir/name}: {@code content} is written to {@code dir/name.tmp}, which is then
     * moved into place, so a reader sees the old file or the new one. A failed write removes the
     * temporary file (a half-written one is worth nothing and holds space a full disk needs) and
     * is a {@link WriteFailedException}.
     */
    private static void replace(Path dir, String name, Content content) {
        Path tmp = dir.resolve(name + ".tmp");
        try {
            try {
                content.writeTo(tmp);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new WriteFailedException(dir.resolve(name), e);
        }
    }

    /**
     * Writes θ to params.f32: {@code floats} float32 values (the layout's size, padding included, so
     * a tensor's offset in the layout table is its index in the file), little-endian whatever the
     * machine, to a temporary name and then moved into place.
     */
    public void writeParams(MemorySegment theta, long floats) {
        replace(dir, PARAMS, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
                MemorySegment le = arena.allocate(floats * Float.BYTES, Float.BYTES);
                MemorySegment.copy(theta, JAVA_FLOAT, 0, le, JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN), 0, floats);
                ByteBuffer buf = le.asByteBuffer();
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
        });
    }

    public void appendMetrics(Report r) {
        try {
            metrics.write(MetricsCsv.row(r));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            metricsFailed = true;
            throw new WriteFailedException(dir.resolve(METRICS), e);
        }
    }

    /**
     * The learning curve: mean_return_100 against global steps, as PNG. Never throws: a curve that
     * cannot be drawn or written costs a warning line, not the run (see {@link LinePlot}).
     */
    public void writeCurve(List<Report> reports, String title) {
        double[] x = reports.stream().filter(r -> !Double.isNaN(r.meanReturn100())).mapToDouble(Report::globalStep).toArray();
        double[] y = reports.stream().filter(r -> !Double.isNaN(r.meanReturn100())).mapToDouble(Report::meanReturn100).toArray();
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
            // after a failed row the writer still holds it: closing would try it again
            if (metricsFailed) metricsChannel.close();
            else metrics.close();  // closes the channel, which releases the lock
        } catch (IOException e) {
            throw new WriteFailedException(dir.resolve(METRICS), e);
        }
    }
}
