package dev.asyncrl.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asyncrl.run.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The update telemetry: staleness is the number of updates by any thread between a thread's sync
 * and its own update (a hand-made interleaving); windows drained while threads update add up to
 * every update exactly once; and in real training one thread's updates are never stale, two
 * threads' are, and metrics.csv and summary.json carry the figures.
 */
class StalenessTest {

    @TempDir
    Path tmp;

    @Test
    void stalenessCountsTheUpdatesBetweenSyncAndUpdate() {
        Staleness s = new Staleness();
        Staleness.Recorder a = s.register(), b = s.register();
        a.sync();
        b.sync();
        b.landed();   // 0: nothing landed since b's sync
        b.sync();
        b.landed();   // 0
        a.landed();   // 2: b's two updates landed since a's sync
        Staleness.Window w = s.drain();
        assertEquals(new Staleness.Window(3, 2, 0, 2), w);
        assertEquals(3, s.updates());
        assertEquals(0, s.drain().count(), "a window without updates");
        a.sync();
        a.landed();
        assertEquals(new Staleness.Window(1, 0, 0, 0), s.drain());
        assertEquals(new Staleness.Window(4, 2, 0, 2), s.totals());
    }

    @Test
    void windowsDrainedWhileThreadsUpdateHoldEveryUpdateOnce() throws Exception {
        Staleness s = new Staleness(1000, new Staleness.Window(5, 7, 0, 3));  // as a resumed run starts
        int threads = 3, perThread = 200_000;
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Staleness.Recorder r = s.register();
            workers.add(Thread.ofPlatform().start(() -> {
                for (int j = 0; j < perThread; j++) {
                    r.sync();
                    r.landed();
                }
            }));
        }
        AtomicBoolean done = new AtomicBoolean();
        List<Staleness.Window> windows = new ArrayList<>();
        Thread drainer = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                windows.add(s.drain());
                Thread.onSpinWait();
            }
        });
        for (Thread t : workers) t.join();
        done.set(true);
        drainer.join();
        windows.add(s.drain());
        long count = 0, sum = 0;
        for (Staleness.Window w : windows) {
            count += w.count();
            sum += w.sum();
            if (w.count() > 0) assertTrue(w.min() >= 0 && w.min() <= w.mean() && w.mean() <= w.max(), w.toString());
        }
        assertEquals((long) threads * perThread, count, "every update in exactly one window, over " + windows.size() + " windows");
        assertEquals(1000 + (long) threads * perThread, s.updates());
        assertEquals(5 + count, s.totals().count());
        assertEquals(7 + sum, s.totals().sum());
    }

    private static JsonNode train(Path out, int threads) throws Exception {
        String[] args = {"train", "--threads", Integer.toString(threads), "--seed", "1", "--steps", "30000", "--report-every", "2000",
                "--stop-return", "none", "--kernel", "reference", "--progress", "none", "--out", out.toString()};
        java.io.StringWriter err = new java.io.StringWriter();
        int code = dev.asyncrl.cli.Main.run(args, new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(err));
        assertEquals(0, code, err.toString());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve(RunDirectory.SUMMARY).toFile());
    }

    /** metrics.csv's rows after the header, split. */
    private static List<String[]> rows(Path run) throws Exception {
        List<String> lines = Files.readAllLines(run.resolve(RunDirectory.METRICS));
        assertEquals(RunDirectory.METRICS_HEADER, lines.getFirst());
        return lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
    }

    @Test
    void oneThreadIsNeverStaleTwoThreadsAre() throws Exception {
        JsonNode one = train(tmp.resolve("one"), 1);
        long steps = one.get("steps").asLong();
        long updates = one.get("updates").asLong();
        // A3C updates once per segment of at most t_max·K steps (t_max 5, K environments per thread:
        // the preset's), and an episode's end cuts one short
        JsonNode config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("one").resolve(RunDirectory.CONFIG).toFile());
        long perUpdate = config.get("t_max").asLong() * config.get("envs_per_thread").asLong();
        assertTrue(updates >= steps / perUpdate && updates <= steps, one.toString());
        assertTrue(one.get("updates_per_second").asDouble() > 0, one.toString());
        assertEquals(0.0, one.get("staleness_mean").asDouble(), one.toString());
        assertEquals(0, one.get("staleness_max").asLong(), one.toString());
        long lastUpdates = 0;
        for (String[] f : rows(tmp.resolve("one"))) {
            long u = Long.parseLong(f[5]);
            assertTrue(u > lastUpdates, "updates rise row by row");
            lastUpdates = u;
            assertEquals("0", f[6], "staleness_min");
            assertEquals("0.000", f[7], "staleness_mean");
            assertEquals("0", f[8], "staleness_max");
        }
        // a row is taken when a segment's steps cross a multiple of --report-every, before that segment's update
        assertTrue(lastUpdates == updates || lastUpdates == updates - 1, "the last row: " + lastUpdates + ", the summary: " + updates);

        JsonNode two = train(tmp.resolve("two"), 2);
        assertTrue(two.get("staleness_mean").asDouble() > 0, "two threads' updates land between each other's: " + two);
        assertTrue(two.get("staleness_max").asLong() >= two.get("staleness_mean").asDouble(), two.toString());
        long windows = 0, inWindows = 0;
        for (String[] f : rows(tmp.resolve("two"))) {
            if (f[6].isEmpty()) continue;
            double min = Double.parseDouble(f[6]), mean = Double.parseDouble(f[7]), max = Double.parseDouble(f[8]);
            assertTrue(0 <= min && min <= mean && mean <= max, String.join(",", f));
            windows++;
            inWindows += mean > 0 ? 1 : 0;
        }
        assertTrue(windows >= 10 && inWindows > 0, windows + " windows, " + inWindows + " with stale updates");
    }
}
