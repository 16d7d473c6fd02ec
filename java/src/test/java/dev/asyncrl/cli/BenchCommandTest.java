package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code asyncrl bench}, in-process, on a tiny grid: every cell trained (steps, rates and
 * staleness from the run's own summary), the 2-thread / 1-thread ratio computed from the cells,
 * the JSON written, no run directory left behind; bad flags exit 2 with one line.
 */
class BenchCommandTest {

    @TempDir
    Path tmp;

    private static long benchDirs() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("asyncrl-bench-")).count();
        }
    }

    @Test
    void aSmallGridTrainsEveryCellAndWritesJson() throws Exception {
        long before = benchDirs();
        Path json = tmp.resolve("out/bench.json");
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run("bench", "--algo", "a3c,onestep-q", "--threads", "1,2",
                "--kernel", "reference", "--steps", "6000", "--warmup", "0.2", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("env steps/s") && r.out().contains("scaling, env steps/s with 2 threads / 1 thread"), r.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        JsonNode cells = root.get("cells");
        assertEquals(4, cells.size(), root.toString());
        for (JsonNode c : cells) {
            assertTrue(c.get("steps").asLong() >= 6000, c.toString());
            assertTrue(c.get("env_steps_per_second").asDouble() > 0 && c.get("updates_per_second").asDouble() > 0, c.toString());
            assertEquals(c.get("steps").asDouble() / c.get("wall_seconds").asDouble(), c.get("env_steps_per_second").asDouble(),
                    0.01 * c.get("env_steps_per_second").asDouble(), "the run's own T / wall seconds: " + c);
            assertTrue(c.get("cores_used").asDouble() > 0 && c.get("env_steps_per_cpu_second").asDouble() > 0, c.toString());
            assertEquals(1, c.get("baseline_threads").asInt(), c.toString());
            JsonNode base = one(cells, c);
            assertEquals(c.get("env_steps_per_second").asDouble() / base.get("env_steps_per_second").asDouble(), c.get("speedup").asDouble(), 1e-9);
            assertEquals(c.get("vs_1_thread").asDouble(), c.get("speedup").asDouble(), 1e-12);
            assertEquals(c.get("env_steps_per_cpu_second").asDouble() / base.get("env_steps_per_cpu_second").asDouble(),
                    c.get("efficiency").asDouble(), 1e-9);
            if (c.get("threads").asInt() == 1) {
                assertEquals(0, c.get("staleness_max").asLong(), "one thread is never stale: " + c);
                assertEquals(1.0, c.get("vs_1_thread").asDouble(), 1e-12);
                assertEquals(1.0, c.get("efficiency").asDouble(), 1e-12);
            } else {
                assertTrue(c.get("staleness_max").asLong() >= c.get("staleness_mean").asDouble(), c.toString());
            }
        }
        JsonNode scaling = root.get("scaling");
        assertEquals(2, scaling.size(), root.toString());
        for (JsonNode s : scaling) {
            assertEquals(s.get("env_steps_per_second_2_threads").asDouble() / s.get("env_steps_per_second_1_thread").asDouble(),
                    s.get("ratio").asDouble(), 1e-9);
        }
        assertEquals(before, benchDirs(), "every temporary run directory deleted");
        assertFalse(Files.exists(Path.of("bench-cell")), "nothing written into the working directory");
        assertTrue(r.out().contains("efficiency") && r.out().contains("speed-up: env steps/s / the same algo, env and kernel's with 1 thread;"), r.out());
        assertFalse(root.get("settings").get("pin_threads").asBoolean());
    }

    /** The cell of the same algo, env and kernel with 1 thread. */
    private static JsonNode one(JsonNode cells, JsonNode c) {
        for (JsonNode o : cells) {
            if (o.get("threads").asInt() == 1 && o.get("algo").equals(c.get("algo")) && o.get("env").equals(c.get("env"))
                    && o.get("kernel").equals(c.get("kernel"))) return o;
        }
        throw new AssertionError("no 1-thread cell for " + c);
    }

    @Test
    void speedUpAndEfficiencyAreAgainstTheFewestThreadsMeasured() {
        // 1 thread: 1000 steps/s at 900 steps per CPU second; 4 threads 3000 at 800: 3x faster, 0.89 as efficient
        BenchCommand.Relative[] r = BenchCommand.relative(new int[] {1, 2, 4}, new double[] {1000, 1800, 3000}, new double[] {900, 900, 800});
        assertEquals(List.of(new BenchCommand.Relative(1, 1, 1), new BenchCommand.Relative(1, 1.8, 1), new BenchCommand.Relative(1, 3, 800 / 900.0)),
                List.of(r));
        // no 1-thread cell, and not in order: against 2 threads
        r = BenchCommand.relative(new int[] {8, 2, 4}, new double[] {4000, 1000, 2500}, new double[] {400, 500, 500});
        assertEquals(List.of(new BenchCommand.Relative(2, 4, 0.8), new BenchCommand.Relative(2, 1, 1), new BenchCommand.Relative(2, 2.5, 1)),
                List.of(r));
        assertEquals(List.of(new BenchCommand.Relative(16, 1, 1)), List.of(BenchCommand.relative(new int[] {16}, new double[] {5}, new double[] {7})));
    }

    @Test
    void pinThreadsReachesEveryCellAndTheBaselineIsTheFewestThreads() throws Exception {
        Path json = tmp.resolve("pinned.json");
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run("bench", "--threads", "3,2", "--kernel", "java", "--steps", "3000",
                "--warmup", "0", "--pin-threads", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("threads pinned"), r.err());
        assertTrue(r.out().contains("with 2 threads (the fewest measured)"), r.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertTrue(root.get("settings").get("pin_threads").asBoolean(), root.toString());
        for (JsonNode c : root.get("cells")) {
            assertEquals(2, c.get("baseline_threads").asInt(), c.toString());
            assertTrue(c.get("vs_1_thread").isNull(), "no 1-thread cell: " + c);
            if (c.get("threads").asInt() == 2) assertEquals(1.0, c.get("speedup").asDouble(), 1e-12);
        }
        assertTrue(root.get("scaling").isEmpty(), "the 2/1 summary needs a 1-thread cell");
    }

    @Test
    void badFlagsExitTwoWithOneLine() throws Exception {
        Path existing = Files.writeString(tmp.resolve("taken.json"), "{}");
        for (List<String> args : List.of(List.of("--algo", "nope"), List.of("--env", "nope"), List.of("--threads", "0"),
                List.of("--steps", "10", "--seconds", "1"), List.of("--seconds", "0"), List.of("--kernel", "nope"),
                List.of("--json", existing.toString()), List.of("--repeat", "0"), List.of("HotLoopBench"),
                List.of("--algo", "onestep-q", "--env", "pendulum"))) {
            String[] all = Stream.concat(Stream.of("bench"), args.stream()).toArray(String[]::new);
            TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run(all);
            assertEquals(2, r.code(), args + ": " + r.err());
            assertEquals(1, r.errLines().size(), args + ": " + r.err());
        }
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run("bench", "-prof", "gc");
        assertTrue(r.err().contains("asyncrl bench jmh"), "points to where JMH went: " + r.err());
        assertEquals("{}", Files.readString(existing));
    }
}
