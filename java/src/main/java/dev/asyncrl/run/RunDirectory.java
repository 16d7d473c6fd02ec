package dev.asyncrl.run;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.asyncrl.algo.Report;
import dev.asyncrl.algo.Staleness;
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
import java.nio.file.LinkOption;
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
        FileChannel ch;
        try {
            ch = lockedMetrics(dir, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new IllegalArgumentException("--resume " + dir + ": cannot open " + METRICS + " for writing (" + reason(e) + ")");
        }
        try {
            String text = readAll(ch);
            String header = checkedHeader(dir, text);
            Kept kept = keptMetrics(text, header, globalStep);
            RunDirectory rd;
            if (header.equals(METRICS_HEADER_V1) || !kept.prefix()) {
                FileChannel rewritten = rewriteMetrics(dir, kept.text(), header.equals(METRICS_HEADER_V1));
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
        } catch (IOException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            throw new IllegalArgumentException("--resume " + dir + ": cannot rewrite " + METRICS + " (" + reason(e) + "); it is as it was");
        } catch (RuntimeException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            throw e;
        }
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
     * The rows kept: their reports, their lines (each with its newline), whether they are the
     * file's rows from the first on with nothing dropped between them (then truncating the file
     * keeps them), the bytes to keep in that case, and what was dropped before the last kept row.
     */
    private record Kept(List<Report> reports, String text, boolean prefix, long bytes, String dropped) {}

    /**
     * Reads metrics.csv's rows ({@code text}) and keeps the longest run of whole rows, in file
     * order, whose global_step rises strictly and stays ≤ T: a single row out of place (a huge
     * step, a step from another run) costs only itself. Columns are found by the file's own
     * header, so a metrics.csv from before the update telemetry reads too. A last line without its
     * newline (a crash cut it short) is not a row.
     */
    private static Kept keptMetrics(String text, String header, long globalStep) {
        List<String> columns = List.of(header.split(","));
        List<String> lines = new ArrayList<>();
        List<Report> parsed = new ArrayList<>();  // null where the line is not a row
        for (int at = text.indexOf('\n') + 1; at > 0 && at < text.length(); ) {
            int end = text.indexOf('\n', at);
            if (end < 0) break;
            String line = text.substring(at, end + 1);
            lines.add(line);
            Report r = row(line.substring(0, line.length() - 1), columns);
            parsed.add(r != null && r.globalStep() <= globalStep ? r : null);
            at = end + 1;
        }
        int[] keep = risingRows(parsed);
        List<Report> reports = new ArrayList<>();
        StringBuilder keptText = new StringBuilder();
        List<String> dropped = new ArrayList<>();
        int lastKept = keep.length == 0 ? -1 : keep[keep.length - 1];
        int next = 0;
        for (int i = 0; i <= lastKept; i++) {
            if (next < keep.length && keep[next] == i) {
                reports.add(parsed.get(i));
                keptText.append(lines.get(i));
                next++;
            } else {
                String l = lines.get(i).strip();
                dropped.add("line " + (i + 2) + " '" + (l.length() > 60 ? l.substring(0, 60) + "..." : l) + "'");
            }
        }
        long bytes = (header + "\n" + keptText).getBytes(StandardCharsets.UTF_8).length;
        String note = dropped.isEmpty() ? null : dropped.size() + " row" + (dropped.size() == 1 ? "" : "s") + " of " + METRICS
                + " dropped (not a row, or out of order; the rows around kept): " + String.join(", ", dropped.subList(0, Math.min(3, dropped.size())))
                + (dropped.size() > 3 ? ", ..." : "");
        return new Kept(reports, keptText.toString(), dropped.isEmpty(), bytes, note);
    }

    /** One metrics.csv line as a report, or null if it is not a whole row with sane numbers. */
    private static Report row(String line, List<String> columns) {
        String[] f = line.split(",", -1);
        if (f.length != columns.size()) return null;
        try {
            long T = Long.parseLong(f[columns.indexOf("global_step")]);
            double wall = Double.parseDouble(f[columns.indexOf("wall_seconds")]);
            long episodes = Long.parseLong(f[columns.indexOf("episodes")]);
            double mean = number(f[columns.indexOf("mean_return_100")]);
            double rate = Double.parseDouble(f[columns.indexOf("env_steps_per_second")]);
            if (T < 0 || episodes < 0 || !(wall >= 0) || Double.isInfinite(wall) || Double.isInfinite(mean) || !Double.isFinite(rate)) return null;
            if (!columns.contains("updates")) return new Report(T, wall, episodes, mean, rate);
            String u = f[columns.indexOf("updates")];
            for (String c : List.of("staleness_min", "staleness_mean", "staleness_max")) number(f[columns.indexOf(c)]);
            long updates = u.isEmpty() ? -1 : Long.parseLong(u);
            if (!u.isEmpty() && updates < 0) return null;
            // the window's own figures are not kept: earlier rows feed only the learning curve
            return new Report(T, wall, episodes, mean, rate, updates, Staleness.Window.EMPTY);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The indices of the longest subsequence of non-null rows whose global_step rises strictly
     * (patience sorting, n log n; ties go to the earliest rows), in order.
     */
    private static int[] risingRows(List<Report> rows) {
        int n = rows.size();
        int[] tailIndex = new int[n];   // tailIndex[k]: the row ending the best rising run of length k+1
        int[] previous = new int[n];
        int length = 0;
        for (int i = 0; i < n; i++) {
            Report r = rows.get(i);
            if (r == null) continue;
            int lo = 0, hi = length;     // first k whose run ends at a step >= this one
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (rows.get(tailIndex[mid]).globalStep() < r.globalStep()) lo = mid + 1;
                else hi = mid;
            }
            if (lo == length) length++;
            else if (rows.get(tailIndex[lo]).globalStep() == r.globalStep() && tailIndex[lo] < i) continue;  // a repeat: keep the first
            tailIndex[lo] = i;
            previous[i] = lo > 0 ? tailIndex[lo - 1] : -1;
        }
        int[] keep = new int[length];
        for (int k = length - 1, i = length == 0 ? -1 : tailIndex[length - 1]; k >= 0; k--, i = previous[i]) keep[k] = i;
        return keep;
    }

    private static double number(String field) {
        return field.isEmpty() ? Double.NaN : Double.parseDouble(field);
    }

    /**
     * Rewrites metrics.csv with this asyncrl's header and {@code keptRows} (from before the update
     * telemetry: {@code widen}, their telemetry columns left empty): written to metrics.csv.tmp,
     * locked, forced to disk and renamed over metrics.csv, so a crash leaves the old file or the
     * new one, and the new one is locked before it takes the name. Returns the new file's
     * channel, positioned at its end.
     */
    private static FileChannel rewriteMetrics(Path dir, String keptRows, boolean widen) throws IOException {
        Path tmp = dir.resolve(METRICS + ".tmp");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        try {
            if (ch.tryLock() == null) throw new IllegalArgumentException(dir + " is in use: another asyncrl process is training into it");
            StringBuilder text = new StringBuilder(METRICS_HEADER).append('\n');
            int empty = widen ? METRICS_HEADER.split(",").length - METRICS_HEADER_V1.split(",").length : 0;
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
        FileChannel ch;
        try {
            ch = lockedMetrics(dir, StandardOpenOption.CREATE);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot create " + METRICS + " there (" + reason(e) + ")");
        }
        try {
            checkUsable(dir);
            ch.truncate(0);
            return new RunDirectory(dir, ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IllegalArgumentException("--out " + dir + ": cannot write " + METRICS + " there (" + reason(e) + ")");
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
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
        Path tmp = dir.resolve(name + ".tmp");
        try {
            // through NIO rather than java.io.File, whose exceptions bury the reason in their message
            try (java.io.OutputStream o = Files.newOutputStream(tmp)) {
                JSON.writeValue(o, content);
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
        Path tmp = dir.resolve(PARAMS + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
                MemorySegment le = arena.allocate(floats * Float.BYTES, Float.BYTES);
                MemorySegment.copy(theta, JAVA_FLOAT, 0, le, JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN), 0, floats);
                ByteBuffer buf = le.asByteBuffer();
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Files.move(tmp, dir.resolve(PARAMS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new WriteFailedException(dir.resolve(PARAMS), e);
        }
    }

    public void appendMetrics(Report r) {
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
