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
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A run directory: config.json (every setting, resolved), metrics.csv (a row per report, flushed as
 * written, so a crash keeps what came before), summary.json, learning_curve.png and params.f32 (the
 * shared θ at the end of training). It refuses a directory that already holds a run, so nothing
 * written before is overwritten. JSON files and params.f32 are written to a temporary name and
 * moved into place, so a reader never sees half a file.
 */
public final class RunDirectory implements AutoCloseable {
    public static final String CONFIG = "config.json";
    public static final String METRICS = "metrics.csv";
    public static final String SUMMARY = "summary.json";
    public static final String CURVE = "learning_curve.png";
    /** The trained parameters θ: raw little-endian float32 in the layout table's index space. */
    public static final String PARAMS = "params.f32";
    public static final String METRICS_HEADER =
            "global_step,wall_seconds,episodes,mean_return_100,env_steps_per_second";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final BufferedWriter metrics;

    private RunDirectory(Path dir) throws IOException {
        this.dir = dir;
        this.metrics = Files.newBufferedWriter(dir.resolve(METRICS));
        metrics.write(METRICS_HEADER);
        metrics.newLine();
        metrics.flush();
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
            metrics.write(String.format(Locale.ROOT, "%d,%.3f,%d,%s,%.1f", r.globalStep(), r.wallSeconds(),
                    r.episodes(), Double.isNaN(r.meanReturn100()) ? "" : String.format(Locale.ROOT, "%.3f", r.meanReturn100()),
                    r.stepsPerSecond()));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.resolve(METRICS), e);
        }
    }

    /** The learning curve: mean_return_100 against global steps, as PNG. */
    public void writeCurve(List<Trainer.Report> reports, String title) {
        double[] x = reports.stream().filter(r -> !Double.isNaN(r.meanReturn100())).mapToDouble(Trainer.Report::globalStep).toArray();
        double[] y = reports.stream().filter(r -> !Double.isNaN(r.meanReturn100())).mapToDouble(Trainer.Report::meanReturn100).toArray();
        if (x.length == 0) {
            x = new double[] {0};
            y = new double[] {0};
        }
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
                .xAxisTitle("global step T").yAxisTitle("mean return (last 100 episodes)").build();
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("mean_return_100", x, y).setMarker(SeriesMarkers.NONE);
        Path tmp = dir.resolve(CURVE + ".tmp");
        try {
            if (!javax.imageio.ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", tmp.toFile())) {
                throw new IOException("no PNG writer in this JVM");
            }
            Files.move(tmp, dir.resolve(CURVE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.resolve(CURVE), e);
        }
    }

    @Override
    public void close() {
        try {
            metrics.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
