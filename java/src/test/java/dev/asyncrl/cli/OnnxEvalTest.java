package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asyncrl.export.OnnxExport;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code asyncrl export} and {@code asyncrl eval --onnx} end to end, in-process: a CartPole policy
 * trained here (one thread, so the run is the same every time) plays the same episodes through
 * ONNX Runtime as through the native kernel, return for return; so do short runs of every other
 * network kind (Q network, MinAtar convolutions, LSTM, Gaussian, their combinations). Bad input
 * exits 2 with one line and writes nothing: a model for another environment, observation shape or
 * action space, a file that is no model, a run without trained parameters, an --out that exists.
 */
class OnnxEvalTest {

    @TempDir
    static Path shared;
    static Path cartpoleRun, cartpoleOnnx;

    @TempDir
    Path tmp;

    @BeforeAll
    static void trainAndExportACartPolePolicy() {
        cartpoleRun = shared.resolve("cartpole");
        cartpoleOnnx = shared.resolve("cartpole.onnx");
        // 100k steps on one thread: a policy that has learned (greedy mean ≈ 150) but not to the
        // time limit, so the episodes' returns differ and say something about every action.
        ok("train", "--threads", "1", "--steps", "100000", "--seed", "1", "--stop-return", "none", "--out", cartpoleRun.toString(),
                "--progress", "none");
        var r = ok("export", "--run", cartpoleRun.toString(), "--out", cartpoleOnnx.toString());
        assertTrue(r.out().startsWith("exported the a3c policy of " + cartpoleRun + " (CartPole-v1, 4,675 parameters) to " + cartpoleOnnx),
                r.out());
    }

    static TrainCommandErrorsTest.Result ok(String... args) {
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run(args);
        assertEquals(0, r.code(), "exit code for " + Arrays.toString(args) + "; stderr: " + r.err());
        return r;
    }

    static JsonNode summary(Path dir) throws Exception {
        return new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    }

    @Test
    void aTrainedCartPolePolicyScoresTheSameThroughOnnxRuntime() throws Exception {
        Path nativeOut = tmp.resolve("native"), onnxOut = tmp.resolve("onnx");
        ok("eval", "--run", cartpoleRun.toString(), "--episodes", "30", "--seed", "5", "--out", nativeOut.toString());
        var r = ok("eval", "--onnx", cartpoleOnnx.toString(), "--env", "cartpole", "--episodes", "30", "--seed", "5", "--out",
                onnxOut.toString());
        assertTrue(r.out().startsWith("a3c greedy policy of " + cartpoleOnnx + " (ONNX Runtime) on CartPole-v1, 30 episodes (seed 5): mean return "),
                r.out());
        JsonNode n = summary(nativeOut), o = summary(onnxOut);
        assertTrue(n.get("mean_return").asDouble() > 60, "the policy learned something: " + n);
        assertTrue(n.get("std_return").asDouble() > 1, "its episodes differ, so the comparison says something: " + n);
        for (String f : List.of("episodes", "mean_return", "mean_episode_length", "std_return", "min_return", "max_return")) {
            assertEquals(n.get(f).asDouble(), o.get(f).asDouble(), 0.0, f + ": native " + n + ", ONNX " + o);
        }
        assertEquals("greedy", o.get("policy").asText());
        assertEquals("a3c", o.get("algo").asText());
        assertEquals(cartpoleOnnx.toString(), o.get("onnx").asText());
        assertEquals("cartpole", o.get("env").asText());
    }

    /** Short runs (one thread) of each other network kind: ONNX Runtime plays what the native kernel plays. */
    @ParameterizedTest(name = "{0} on {1} {2}")
    @CsvSource({
        "nstep-q, cartpole, '', 5000",
        "a3c, minatar-breakout, '', 1000",
        "onestep-q, minatar-breakout, '', 1000",
        "a3c, tmaze, --lstm 8, 3000",
        "a3c, minatar-breakout, --lstm 8, 1000",
        "a3c, pendulum, '', 3000",
        "a3c, pendulum, --lstm 4, 3000",
        "a3c, pendulum, --lstm 4 --value-net separate, 3000",
        "a3c, pendulum, --hidden 200 --activation relu --lstm 128 --value-net separate, 2000",
        "a3c, cartpole, --lstm 4 --value-net separate, 3000",
    })
    void everyNetworkKindPlaysTheSameThroughOnnxRuntime(String algo, String env, String extra, int steps) throws Exception {
        Path run = tmp.resolve("run"), model = tmp.resolve("model.onnx"), nativeOut = tmp.resolve("native"), onnxOut = tmp.resolve("onnx");
        List<String> train = new ArrayList<>(List.of("train", "--algo", algo, "--env", env, "--threads", "1", "--steps",
                Integer.toString(steps), "--seed", "2", "--stop-return", "none", "--out", run.toString(), "--progress", "none"));
        if (!extra.isBlank()) train.addAll(List.of(extra.split(" ")));
        ok(train.toArray(String[]::new));
        ok("export", "--run", run.toString(), "--out", model.toString());
        ok("eval", "--run", run.toString(), "--episodes", "5", "--seed", "3", "--out", nativeOut.toString());
        ok("eval", "--onnx", model.toString(), "--env", env, "--episodes", "5", "--seed", "3", "--out", onnxOut.toString());
        JsonNode n = summary(nativeOut), o = summary(onnxOut);
        if (env.equals("pendulum")) {
            // Continuous actions: μ agrees to float rounding, and so do the returns, not bit for bit.
            for (String f : List.of("mean_return", "min_return", "max_return")) {
                assertEquals(n.get(f).asDouble(), o.get(f).asDouble(), 1e-4 * Math.abs(n.get(f).asDouble()), f + ": native " + n + ", ONNX " + o);
            }
        } else {
            for (String f : List.of("mean_return", "mean_episode_length", "std_return", "min_return", "max_return")) {
                assertEquals(n.get(f).asDouble(), o.get(f).asDouble(), 0.0, f + ": native " + n + ", ONNX " + o);
            }
            if (n.has("success_rate")) assertEquals(n.get("success_rate").asDouble(), o.get("success_rate").asDouble(), 0.0);
        }
    }

    private void assertUsageError(String expectedFragment, String... args) {
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run(args);
        assertEquals(2, r.code(), "exit code for " + Arrays.toString(args) + "; stderr: " + r.err());
        assertEquals(1, r.errLines().size(), "one line on stderr, got: " + r.err());
        assertTrue(r.err().contains(expectedFragment), "expected '" + expectedFragment + "' in: " + r.err());
    }

    /** A model of {@code net} with random parameters and no metadata, as another tool might write. */
    private Path bareModel(String name, Mlp net) throws Exception {
        Path file = tmp.resolve(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment theta = arena.allocate(net.layout().byteSize(), 64);
            net.initialize(theta, 1);
            OnnxExport.write(net, theta, Map.of(), file);
        }
        return file;
    }

    @Test
    void aModelForAnotherEnvironmentIsRefused() throws Exception {
        String onnx = cartpoleOnnx.toString();
        Path out = tmp.resolve("out");
        assertUsageError("--onnx " + onnx + " is a policy for cartpole (CartPole-v1), not for --env acrobot (Acrobot-v1)",
                "eval", "--onnx", onnx, "--env", "acrobot", "--out", out.toString());
        assertUsageError("is a policy for cartpole (CartPole-v1), not for --env pendulum", "eval", "--onnx", onnx, "--env", "pendulum");
        assertFalse(Files.exists(out), "nothing written");

        // Without metadata the graph itself is checked: the obs input, the head's width, the action kind.
        Path four = bareModel("four.onnx", Mlp.actorCritic(4, 2, new int[] {8}, Activation.RELU));
        assertUsageError("takes observations of shape [batch, 4], but Acrobot-v1 gives [6]", "eval", "--onnx", four.toString(), "--env", "acrobot");
        Path twoActions = bareModel("two.onnx", Mlp.actorCritic(6, 2, new int[] {8}, Activation.RELU));
        assertUsageError("its 'policy' output has shape [batch, 2], but Acrobot-v1 has 3 actions", "eval", "--onnx", twoActions.toString(),
                "--env", "acrobot");
        Path discrete = bareModel("discrete.onnx", Mlp.qNetwork(3, 2, new int[] {8}, Activation.RELU));
        assertUsageError("has no 'mu' output (outputs: [q]), but Pendulum-v1 takes continuous actions", "eval", "--onnx", discrete.toString(),
                "--env", "pendulum");
        Path gaussian = bareModel("gaussian.onnx", Mlp.gaussianActorCritic(4, 1, new int[] {8}, 0, Activation.TANH));
        assertUsageError("has neither a 'policy' nor a 'q' output", "eval", "--onnx", gaussian.toString(), "--env", "cartpole");
        Path image = bareModel("image.onnx", Mlp.actorCritic(400, List.of(new Mlp.Conv(4, 10, 10, 8, 3, 1)), 6, new int[] {8}, 0,
                Activation.RELU));
        assertUsageError("takes observations of shape [batch, 4, 10, 10], but MinAtar/Freeway-v0 gives [7, 10, 10]", "eval", "--onnx",
                image.toString(), "--env", "minatar-freeway");
    }

    @Test
    void badOnnxInputIsOneLine() throws Exception {
        String onnx = cartpoleOnnx.toString();
        Path junk = tmp.resolve("junk.onnx");
        Files.writeString(junk, "not a model");
        assertUsageError("--onnx " + junk + " is not a model ONNX Runtime can load (", "eval", "--onnx", junk.toString(), "--env", "cartpole");
        assertUsageError("--onnx " + tmp.resolve("nowhere.onnx") + ": no such file", "eval", "--onnx", tmp.resolve("nowhere.onnx").toString(),
                "--env", "cartpole");
        assertUsageError("--onnx " + onnx + " needs --env NAME", "eval", "--onnx", onnx);
        assertUsageError("--run and --onnx are two policies; give one", "eval", "--onnx", onnx, "--run", cartpoleRun.toString());
        assertUsageError("--onnx plays the model's greedy policy; leave out --policy", "eval", "--onnx", onnx, "--env", "cartpole",
                "--policy", "random");
        assertUsageError("unknown --env 'pong'", "eval", "--onnx", onnx, "--env", "pong");
    }

    @Test
    void exportRefusesWhatItCannotWrite() throws Exception {
        // A run directory with its config.json but no trained parameters (a run still training).
        Path untrained = tmp.resolve("untrained");
        Files.createDirectories(untrained);
        Files.copy(cartpoleRun.resolve("config.json"), untrained.resolve("config.json"));
        Path out = tmp.resolve("x.onnx");
        assertUsageError("--run " + untrained + " has no params.f32", "export", "--run", untrained.toString(), "--out", out.toString());
        assertFalse(Files.exists(out), "nothing written");
        assertUsageError("--run " + tmp.resolve("nowhere") + ": no such directory", "export", "--run", tmp.resolve("nowhere").toString(),
                "--out", out.toString());

        Files.writeString(out, "keep me");
        assertUsageError("--out " + out + " already exists; choose another name, nothing was overwritten", "export", "--run",
                cartpoleRun.toString(), "--out", out.toString());
        assertEquals("keep me", Files.readString(out));
        assertUsageError("--out takes a FILE.onnx, got", "export", "--run", cartpoleRun.toString(), "--out", tmp.resolve("model.bin").toString());
        assertUsageError("Missing required option: '--out=FILE.onnx'", "export", "--run", cartpoleRun.toString());
    }
}
