package dev.asyncrl.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.algo.Report;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plot never fails the run that draws it: a learning curve that cannot be written is a warning
 * and leaves no temporary file. The drawing without text (what is drawn where fonts are missing;
 * NoFontsTest runs the CLI so) draws each series, gaps and all.
 */
class LinePlotTest {

    @TempDir
    Path tmp;

    @Test
    void aCurveThatCannotBeWrittenDoesNotFailTheRun() throws Exception {
        Path run = tmp.resolve("run");
        try (RunDirectory dir = RunDirectory.create(run)) {
            // a non-empty directory where the PNG goes: the move into place fails
            Files.createDirectories(run.resolve(RunDirectory.CURVE).resolve("taken"));
            dir.writeCurve(List.of(new Report(1000, 1, 10, 20, 1000), new Report(2000, 2, 20, 30, 1000)), "t");
        }
        assertTrue(Files.isDirectory(run.resolve(RunDirectory.CURVE)), "what was there is left alone");
        assertFalse(Files.exists(run.resolve(RunDirectory.CURVE + ".tmp")), "no temporary file left behind");
    }

    @Test
    void withoutTextDrawsEverySeriesInItsColour() {
        LinePlot plot = new LinePlot("t", "x", "y", true, true)
                .add("rising", new double[] {0, 1, 2, 3}, new double[] {0, 1, Double.NaN, 3})
                .add("falling", new double[] {0, 1, 2, 3}, new double[] {3, 2, 1, 0})
                .add("nothing finite", new double[] {0}, new double[] {Double.NEGATIVE_INFINITY});
        BufferedImage img = plot.withoutText();
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
        assertTrue(count(img, 0x0037ff) > 100, "the first series, in XChart's blue");
        assertTrue(count(img, 0xffac00) > 100, "the second, in XChart's orange");
    }

    @Test
    void withoutTextDrawsAFrameWithNoFinitePoint() {
        BufferedImage img = new LinePlot("t", "x", "y", false, false)
                .add("none", new double[] {0, 1}, new double[] {Double.NaN, Double.NaN}).withoutText();
        assertEquals(0, count(img, 0x0037ff));
    }

    private static int count(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xffffff) == rgb) n++;
        }
        return n;
    }
}
