package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * asyncrl sweep: runs over seeds with learning rates drawn per seed, a grid over a flag, in
 * parallel; the table, sweep.csv and the plot; and bad input refused before anything runs.
 */
class SweepCommandTest {

    @TempDir
    Path tmp;

    private static int run(StringWriter err, String... args) {
        return Main.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    }

    @Test
    void gridOverOptimizersWithLogUniformLearningRates() throws Exception {
        Path out = tmp.resolve("sweep");
        StringWriter err = new StringWriter();
        int code = run(err, "sweep", "--runs", "2", "--parallel", "2", "--grid", "optimizer=shared-rmsprop,momentum",
                "--out", out.toString(), "--threads", "1", "--steps", "3000", "--lr-log-uniform", "1e-4,1e-2");
        assertEquals(0, code, err.toString());
        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(5, csv.size(), "a header and four runs: " + csv);
        assertTrue(csv.get(1).startsWith("optimizer=shared-rmsprop,1,"), csv.get(1));
        assertTrue(csv.get(3).startsWith("optimizer=momentum,1,"), csv.get(3));
        String lr1 = csv.get(1).split(",")[2], lr2 = csv.get(2).split(",")[2];
        assertNotEquals(lr1, lr2, "each seed draws its own learning rate");
        assertEquals(lr1, csv.get(3).split(",")[2], "the same seed draws the same rate in every series");
        double lr = Double.parseDouble(lr1);
        assertTrue(lr >= 1e-4 && lr <= 1e-2, "drawn from [1e-4, 1e-2]: " + lr);
        assertTrue(Files.exists(out.resolve("optimizer=momentum-seed2").resolve("summary.json")));
        byte[] png = Files.readAllBytes(out.resolve("sweep.png"));
        assertTrue(png.length > 1000 && png[1] == 'P', "a PNG plot");
    }

    @Test
    void badInputIsRefusedBeforeAnythingRuns() {
        Path out = tmp.resolve("bad");
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "sweep", "--runs", "2", "--out", out.toString(), "--optimizer", "adam"));
        assertTrue(err.toString().contains("unknown --optimizer 'adam'"), err.toString());
        assertFalse(Files.exists(out), "nothing written");
        err = new StringWriter();
        assertEquals(2, run(err, "sweep", "--runs", "2", "--out", out.toString(), "--lr-log-uniform", "1e-2,1e-4"));
        assertTrue(err.toString().contains("0 < LO < HI"), err.toString());
        err = new StringWriter();
        assertEquals(2, run(err, "sweep", "--runs", "0", "--out", out.toString()));
        assertTrue(err.toString().contains("--runs must be >= 1"), err.toString());
        err = new StringWriter();
        assertEquals(2, run(err, "sweep", "--runs", "1", "--out", out.toString(), "--seed", "3", "--seed", "4"));
        err = new StringWriter();
        assertEquals(2, run(err, "sweep", "--runs", "1", "--out", out.toString(), "--grid", "threads"));
        assertTrue(err.toString().contains("--grid takes FLAG=V1,V2"), err.toString());
        assertFalse(Files.exists(out), "nothing written");
    }
}
