package dev.asyncrl.run;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A line plot written as PNG: a run's learning curve, a sweep's sorted final scores. XChart draws
 * it with a title, axis titles, tick labels and a legend. Text needs fonts, which servers and
 * containers often lack: AWT then throws (an Error or a RuntimeException, depending on what is
 * missing) from the first text it measures. The plot is then drawn with Java2D shapes alone (the
 * same lines in the same frame, no text), and one line on stderr says so, once per process. A plot
 * never fails the run that draws it: when even the PNG cannot be written, {@link #write} warns in
 * one line and returns false.
 */
public final class LinePlot {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;
    /** XChart's first series colours, so that both drawings of a sweep colour its series alike. */
    private static final Color[] COLORS = {new Color(0, 55, 255), new Color(255, 172, 0), new Color(128, 0, 255),
            new Color(0, 205, 0), new Color(205, 0, 0), new Color(0, 0, 0), new Color(255, 0, 255), new Color(0, 255, 255)};

    /** Set once text has failed in this process: it fails the same way every time after. */
    private static volatile boolean noText;
    private static final AtomicBoolean warnedNoText = new AtomicBoolean();

    private record Series(String name, double[] x, double[] y) {}

    private final String title;
    private final String xTitle;
    private final String yTitle;
    private final boolean legend;
    private final boolean markers;
    private final List<Series> series = new ArrayList<>();

    /** @param markers a dot at every point as well as the line */
    public LinePlot(String title, String xTitle, String yTitle, boolean legend, boolean markers) {
        this.title = title;
        this.xTitle = xTitle;
        this.yTitle = yTitle;
        this.legend = legend;
        this.markers = markers;
    }

    /** Adds a series: y[i] at x[i], the same length, at least one point. */
    public LinePlot add(String name, double[] x, double[] y) {
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException(name + ": " + x.length + " x values and " + y.length + " y values");
        }
        series.add(new Series(name, x.clone(), y.clone()));
        return this;
    }

    /**
     * Writes the plot to {@code png} (through a temporary name, so a reader never sees half a
     * file). Returns false, after one line on stderr, if it could not: the caller goes on.
     */
    public boolean write(Path png) {
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        try {
            if (!javax.imageio.ImageIO.write(draw(), "png", tmp.toFile())) throw new IOException("this JVM has no PNG writer");
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException | RuntimeException | Error e) {
            if (e instanceof VirtualMachineError v) throw v;  // out of memory: not the plot's to swallow
            System.err.println("asyncrl: " + png + " not drawn: " + describe(e));
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException | RuntimeException ignored) {
                // the warning above already names the problem
            }
            return false;
        }
    }

    /** XChart's drawing, or the one without text when text cannot be drawn here. */
    BufferedImage draw() {
        if (!noText) {
            try {
                return BitmapEncoder.getBufferedImage(chart());
            } catch (RuntimeException | Error e) {
                if (e instanceof VirtualMachineError v) throw v;
                noText = true;
                if (warnedNoText.compareAndSet(false, true)) {
                    System.err.println("asyncrl: plots are drawn without title, labels or legend: AWT cannot draw text here ("
                            + describe(e) + "; no fonts installed?)");
                }
            }
        }
        return withoutText();
    }

    private XYChart chart() {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendVisible(legend);
        for (Series s : series) {
            XYSeries xs = chart.addSeries(s.name(), s.x(), s.y());
            if (!markers) xs.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /**
     * The same lines drawn with shapes only (no text, so no font is ever looked up): the plot area
     * framed, a line at y = 0 where it is in range, and each series in XChart's colour.
     */
    BufferedImage withoutText() {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) continue;
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                yMin = Math.min(yMin, s.y()[i]);
                yMax = Math.max(yMax, s.y()[i]);
            }
        }
        if (xMin > xMax) xMin = xMax = yMin = yMax = 0;  // no finite point: an empty frame
        if (xMin == xMax) { xMin -= 1; xMax += 1; }
        if (yMin == yMax) { yMin -= 1; yMax += 1; }
        // a margin inside the frame, so that the first and last points' dots are not cut off
        double xPad = (xMax - xMin) * 0.02, yPad = (yMax - yMin) * 0.05;
        xMin -= xPad;
        xMax += xPad;
        yMin -= yPad;
        yMax += yPad;

        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int left = 40, top = 30, w = WIDTH - 2 * left, h = HEIGHT - 2 * top;
            g.setColor(new Color(240, 240, 240));
            g.fillRect(left, top, w, h);
            g.setColor(Color.GRAY);
            g.drawRect(left, top, w, h);
            double x0 = xMin, xs = w / (xMax - xMin), y0 = yMin, ys = h / (yMax - yMin);
            if (yMin < 0 && yMax > 0) {
                int zero = (int) Math.round(top + h - (0 - y0) * ys);
                g.drawLine(left, zero, left + w, zero);
            }
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (int k = 0; k < series.size(); k++) {
                Series s = series.get(k);
                g.setColor(COLORS[k % COLORS.length]);
                Path2D.Double line = new Path2D.Double();
                boolean pen = false;
                for (int i = 0; i < s.x().length; i++) {
                    if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
                        pen = false;  // a gap in the line
                        continue;
                    }
                    double px = left + (s.x()[i] - x0) * xs, py = top + h - (s.y()[i] - y0) * ys;
                    if (pen) line.lineTo(px, py);
                    else line.moveTo(px, py);
                    pen = true;
                    if (markers) g.fill(new Ellipse2D.Double(px - 4, py - 4, 8, 8));
                }
                g.draw(line);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static String describe(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getName();
    }
}
