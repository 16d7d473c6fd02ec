package dev.asyncrl.run;

import static dev.asyncrl.run.RunDirectory.METRICS;
import static dev.asyncrl.run.RunDirectory.METRICS_HEADER;
import static dev.asyncrl.run.RunDirectory.METRICS_HEADER_V1;

import dev.asyncrl.algo.Report;
import dev.asyncrl.algo.Staleness;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * metrics.csv's rows, both ways: a {@link Report} written as a row, and, when a run is
 * resumed, the file read back, its valid rows kept (a garbage line or a row out of order costs
 * only itself) and, where needed, the file rewritten in this asyncrl's format. The file itself,
 * its lock and the choice between truncating and rewriting belong to {@link RunDirectory}.
 */
final class MetricsCsv {
    private MetricsCsv() {}

    /** {@code r} as a row of {@link RunDirectory#METRICS_HEADER}'s columns, without its newline; empty fields where a figure is missing. */
    static String row(Report r) {
        Staleness.Window w = r.staleness();
        boolean any = w.count() > 0;
        return String.format(Locale.ROOT, "%d,%.3f,%d,%s,%.1f,%s,%s,%s,%s", r.globalStep(), r.wallSeconds(),
                r.episodes(), Double.isNaN(r.meanReturn100()) ? "" : String.format(Locale.ROOT, "%.3f", r.meanReturn100()),
                r.stepsPerSecond(), r.updates() < 0 ? "" : Long.toString(r.updates()),
                any ? Long.toString(w.min()) : "", any ? String.format(Locale.ROOT, "%.3f", w.mean()) : "",
                any ? Long.toString(w.max()) : "");
    }

    /** The whole file behind {@code ch}, as text. */
    static String readAll(FileChannel ch) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(ch.size()));
        while (all.hasRemaining() && ch.read(all, all.position()) >= 0) { }
        return new String(all.array(), 0, all.position(), StandardCharsets.UTF_8);
    }

    /** metrics.csv's header: this asyncrl's or the one before the update telemetry; anything else is refused. */
    static String checkedHeader(Path dir, String text) {
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
    record Kept(List<Report> reports, String text, boolean prefix, long bytes, String dropped) {}

    /**
     * Reads metrics.csv's rows ({@code text}) and keeps the longest run of whole rows, in file
     * order, whose global_step rises strictly and stays ≤ T: a single row out of place (a huge
     * step, a step from another run) costs only itself. Columns are found by the file's own
     * header, so a metrics.csv from before the update telemetry reads too. A last line without its
     * newline (a crash cut it short) is not a row.
     */
    static Kept keptRows(String text, String header, long globalStep) {
        List<String> columns = List.of(header.split(","));
        List<String> lines = new ArrayList<>();
        List<Report> parsed = new ArrayList<>();  // null where the line is not a row
        for (int at = text.indexOf('\n') + 1; at > 0 && at < text.length(); ) {
            int end = text.indexOf('\n', at);
            if (end < 0) break;
            String line = text.substring(at, end + 1);
            lines.add(line);
            Report r = parse(line.substring(0, line.length() - 1), columns);
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
    private static Report parse(String line, List<String> columns) {
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
    static FileChannel rewrite(Path dir, String keptRows, boolean widen) throws IOException {
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
}
