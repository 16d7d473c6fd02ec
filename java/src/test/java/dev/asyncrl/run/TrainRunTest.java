package dev.asyncrl.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asyncrl.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the command line: a short run writes the whole run directory (config.json
 * with every resolved setting and the layout table, metrics.csv with its header and rows,
 * summary.json with the fields DESIGN.md names, the shared-memory bytes written and the update telemetry's, params.f32 sized by the layout, a PNG learning
 * curve), with either kernel.
 */
class TrainRunTest {

    @TempDir
    Path tmp;

    static JsonNode train(Path out, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--threads", "2", "--seed", "1",
                "--out", out.toString(), "--progress", "none"));
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        return new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    }

    @Test
    void severalEnvironmentsPerThreadRunEveryMethodAndAreRecorded() throws Exception {
        for (String algo : List.of("a3c", "nstep-q", "onestep-q", "onestep-sarsa")) {
            Path out = tmp.resolve("k4-" + algo);
            JsonNode s = train(out, "--algo", algo, "--steps", "20000", "--envs-per-thread", "4", "--stop-return", "none");
            assertTrue(s.get("steps").asLong() >= 20000, s.toString());
            // 2 threads x 4 CartPole environments: episodes end in every one of the eight
            assertTrue(s.get("episodes").asLong() > 100, s.toString());
            JsonNode c = new ObjectMapper().readTree(out.resolve("config.json").toFile());
            assertEquals(4, c.get("envs_per_thread").asInt(), c.toString());
            assertEquals(4, TrainConfig.fromJson(c, out).hp().envsPerThread(), "read back from config.json");
        }
    }

    @Test
    void shortRunWritesTheRunDirectory() throws Exception {
        for (String kernel : List.of("reference", "java")) {
            Path out = tmp.resolve(kernel);
            JsonNode s = train(out, "--steps", "20000", "--kernel", kernel, "--report-every", "2000");
            for (String f : List.of("algo", "env", "threads", "kernel", "seed", "steps", "wall_seconds", "episodes",
                    "mean_return_100", "best_mean_return_100", "env_steps_per_second",
                    "shared_bytes_written", "shared_bytes_per_step",
                    "updates", "updates_per_second", "staleness_mean", "staleness_max")) {
                assertTrue(s.has(f), "summary.json lacks " + f + ": " + s);
            }
            assertEquals("a3c", s.get("algo").asText());
            assertEquals(kernel, s.get("kernel").asText());
            assertTrue(s.get("steps").asLong() >= 20000, s.toString());
            assertTrue(s.get("episodes").asLong() > 100, s.toString());
            assertTrue(s.get("env_steps_per_second").asDouble() > 0, s.toString());

            JsonNode c = new ObjectMapper().readTree(out.resolve("config.json").toFile());
            assertEquals(0.1, c.get("reward_scale").asDouble());
            assertEquals("cartpole", c.get("preset").asText());
            assertEquals(8, c.get("layout").size(), c.toString());
            assertEquals("torso.0.weight", c.get("layout").get(0).get("name").asText());

            List<String> rows = Files.readAllLines(out.resolve("metrics.csv"));
            assertEquals(RunDirectory.METRICS_HEADER, rows.getFirst());
            assertTrue(rows.getFirst().startsWith("global_step,wall_seconds,episodes,mean_return_100,env_steps_per_second,"),
                    "DESIGN.md's five columns first, in order");
            assertTrue(rows.size() - 1 >= 10, "a row each time T crosses a multiple of 2000: " + rows.size());
            // params.f32: θ as little-endian float32 in the layout's index space, padding included.
            JsonNode lastTensor = c.get("layout").get(c.get("layout").size() - 1);
            long end = lastTensor.get("offset").asLong();
            long n = 1;
            for (JsonNode d : lastTensor.get("shape")) n *= d.asLong();
            long floats = (end + n + 15) / 16 * 16;
            byte[] params = Files.readAllBytes(out.resolve(RunDirectory.PARAMS));
            assertEquals(floats * Float.BYTES, params.length, "params.f32 holds the layout's floats");
            // A3C with Shared RMSProp: each update writes θ and g, 8 bytes a float; no target network
            assertEquals(8 * floats * s.get("updates").asLong(), s.get("shared_bytes_written").asLong(), s.toString());
            assertEquals(s.get("shared_bytes_written").asDouble() / s.get("steps").asDouble(),
                    s.get("shared_bytes_per_step").asDouble(), 1e-9 * s.get("shared_bytes_per_step").asDouble(), s.toString());
            java.nio.FloatBuffer f = java.nio.ByteBuffer.wrap(params).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            int nonZero = 0;
            for (int i = 0; i < f.limit(); i++) {
                assertTrue(Float.isFinite(f.get(i)), "finite parameters");
                if (f.get(i) != 0f) nonZero++;
            }
            assertTrue(nonZero > floats / 2, "trained weights, not zeros: " + nonZero + " of " + floats);
            assertFalse(Files.exists(out.resolve(RunDirectory.PARAMS + ".tmp")), "no temporary file left behind");
            byte[] png = Files.readAllBytes(out.resolve("learning_curve.png"));
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG learning curve");
        }
    }
}
