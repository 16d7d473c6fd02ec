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
            if (c.get("threads").asInt() == 1) {
                assertEquals(0, c.get("staleness_max").asLong(), "one thread is never stale: " + c);
                assertEquals(1.0, c.get("vs_1_thread").asDouble(), 1e-12);
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
