package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.StepResult;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code asyncrl eval} end to end, in-process: the random baseline on discrete and continuous
 * environments (summary.json with its fields, the success rate where the environment reports one);
 * the greedy policy of short CartPole runs trained here, A3C and n-step Q (the returns of the
 * episodes an independent {@link GreedyOracle} plays with the run's parameters, the same on both kernels, a looping GIF read back with ImageIO, PNG frames); and bad input, each exit 2 with one line and
 * nothing written.
 */
class EvalCommandTest {

    @TempDir
    static Path shared;
    static Path run;

    @TempDir
    Path tmp;

    /** An environment that cannot draw itself: one step, reward 1. */
    static final class Blind implements Env {
        @Override
        public String id() {
            return "Blind-v0";
        }

        @Override
        public int observationSize() {
            return 1;
        }

        @Override
        public int actionCount() {
            return 2;
        }

        @Override
        public int maxEpisodeSteps() {
            return 1;
        }

        @Override
        public void reset(long seed, MemorySegment obs) {
            reset(obs);
        }

        @Override
        public void reset(MemorySegment obs) {
            obs.fill((byte) 0);
        }

        @Override
        public void step(int action, MemorySegment obs, StepResult result) {
            result.reward = 1;
            result.terminated = true;
            result.truncated = false;
        }
    }

    @BeforeAll
    static void trainAShortRun() {
        if (!Envs.exists("test-blind")) Envs.register("test-blind", Blind::new);
        run = shared.resolve("run");
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run("train", "--threads", "2", "--steps", "30000", "--seed", "1",
                "--out", run.toString(), "--progress", "none");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(run.resolve("params.f32")));
    }

    private static JsonNode summary(Path dir) throws Exception {
        return new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    }

    private static TrainCommandErrorsTest.Result ok(String... args) {
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run(args);
        assertEquals(0, r.code(), "exit code for " + Arrays.toString(args) + "; stderr: " + r.err());
        return r;
    }

    @Test
    void randomBaselineWritesItsSummary() throws Exception {
        Path out = tmp.resolve("eval");
        var r = ok("eval", "--env", "cartpole", "--policy", "random", "--episodes", "30", "--seed", "3", "--out", out.toString());
        assertTrue(r.out().startsWith("random policy on CartPole-v1, 30 episodes (seed 3): mean return "), r.out());
        JsonNode s = summary(out);
        for (String f : List.of("episodes", "mean_return", "mean_episode_length", "std_return")) {
            assertTrue(s.has(f), "summary.json lacks " + f + ": " + s);
        }
        assertEquals(30, s.get("episodes").asInt());
        assertEquals("random", s.get("policy").asText());
        assertFalse(s.has("success_rate"), "CartPole reports no success");
        double mean = s.get("mean_return").asDouble();
        assertTrue(mean > 12 && mean < 35, "a random CartPole policy lasts about 22 steps: " + mean);
        assertEquals(mean, s.get("mean_episode_length").asDouble(), 1e-9, "CartPole pays 1 per step");

        Path again = tmp.resolve("again");
        ok("eval", "--env", "cartpole", "--policy", "random", "--episodes", "30", "--seed", "3", "--out", again.toString());
        assertEquals(mean, summary(again).get("mean_return").asDouble(), 0.0, "seeded: the same episodes again");
    }

    @Test
    void randomTorquesOnPendulum() throws Exception {
        Path out = tmp.resolve("pendulum");
        ok("eval", "--env", "pendulum", "--policy", "random", "--episodes", "60", "--out", out.toString());
        JsonNode s = summary(out);
        double mean = s.get("mean_return").asDouble();
        assertTrue(mean > -1500 && mean < -900, "Gymnasium's random Pendulum-v1 scores about -1200: " + mean);
        assertEquals(200.0, s.get("mean_episode_length").asDouble());
    }

    @Test
    void theTMazeReportsASuccessRate() throws Exception {
        Path out = tmp.resolve("tmaze");
        ok("eval", "--env", "tmaze", "--policy", "random", "--episodes", "400", "--out", out.toString());
        JsonNode s = summary(out);
        assertTrue(s.has("success_rate"), s.toString());
        double rate = s.get("success_rate").asDouble();
        assertTrue(rate > 0.2 && rate <= 0.55, "a random walker succeeds at most at chance: " + rate);
    }

    @Test
    void theTrainedPolicyOfARun() throws Exception {
        Path out = tmp.resolve("greedy");
        // the reference kernel, named: the Java kernel below mirrors it, so the greedy actions are the same
        var r = ok("eval", "--run", run.toString(), "--episodes", "3", "--seed", "5", "--kernel", "reference",
                "--out", out.toString());
        assertTrue(r.out().startsWith("a3c greedy policy of " + run + " on CartPole-v1, 3 episodes (seed 5): mean return "), r.out());
        JsonNode s = summary(out);
        double mean = s.get("mean_return").asDouble();
        assertEquals("greedy", s.get("policy").asText());
        assertEquals("a3c", s.get("algo").asText());
        assertEquals("reference", s.get("kernel").asText());

        Path java = tmp.resolve("greedy-java");
        ok("eval", "--run", run.toString(), "--episodes", "3", "--seed", "5", "--kernel", "java", "--out", java.toString());
        assertEquals(mean, summary(java).get("mean_return").asDouble(), 0.0, "the same greedy actions on the Java kernel");
        assertSameEpisodes(new GreedyOracle(run).play("cartpole", 5, 3), summary(java));
    }

    /**
     * eval's summary against episodes the oracle played with the same parameters and seed: the
     * same returns (mean, min, max) and lengths, which any other policy or episode protocol misses.
     */
    static void assertSameEpisodes(GreedyOracle.Episodes expected, JsonNode s) {
        String what = "eval against the oracle's returns " + java.util.Arrays.toString(expected.returns()) + ": " + s;
        assertEquals(expected.returns().length, s.get("episodes").asInt(), what);
        assertEquals(expected.mean(), s.get("mean_return").asDouble(), 1e-9, what);
        assertEquals(expected.min(), s.get("min_return").asDouble(), 1e-9, what);
        assertEquals(expected.max(), s.get("max_return").asDouble(), 1e-9, what);
        assertEquals(expected.meanLength(), s.get("mean_episode_length").asDouble(), 1e-9, what);
    }

    @Test
    void theGreedyPolicyOfAQRun() throws Exception {
        Path qRun = tmp.resolve("q-run");
        var t = TrainCommandErrorsTest.run("train", "--algo", "nstep-q", "--threads", "2", "--steps", "20000", "--seed", "2",
                "--out", qRun.toString(), "--progress", "none");
        assertEquals(0, t.code(), t.err());
        Path out = tmp.resolve("q-eval");
        ok("eval", "--run", qRun.toString(), "--episodes", "4", "--seed", "9", "--kernel", "java", "--out", out.toString());
        JsonNode s = summary(out);
        assertEquals("nstep-q", s.get("algo").asText());
        assertSameEpisodes(new GreedyOracle(qRun).play("cartpole", 9, 4), s);
    }

    @Test
    void rendersTheFirstEpisodeAsALoopingGif() throws Exception {
        Path out = tmp.resolve("gif");
        Path gif = out.resolve("episode.gif");
        ok("eval", "--run", run.toString(), "--episodes", "1", "--out", out.toString(), "--render", gif.toString());
        byte[] bytes = Files.readAllBytes(gif);
        assertEquals("GIF89a", new String(bytes, 0, 6, StandardCharsets.US_ASCII));
        assertTrue(new String(bytes, StandardCharsets.ISO_8859_1).contains("NETSCAPE2.0"), "loops");
        int length = (int) summary(out).get("mean_episode_length").asDouble();
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            int frames = reader.getNumImages(true);
            assertTrue(frames > 1, "an animation: " + frames);
            assertEquals(length + 1, frames, "the start and one frame per step");
            assertEquals(480, reader.read(frames - 1).getWidth());
        }
        assertFalse(Files.exists(out.resolve("episode.gif.tmp")));
    }

    @Test
    void rendersPngFramesIntoADirectory() throws Exception {
        Path frames = tmp.resolve("frames");
        ok("eval", "--env", "tmaze", "--policy", "random", "--episodes", "2", "--render", frames + "/");
        try (var files = Files.list(frames)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.size() > 1, names.toString());
            assertEquals("frame-00000.png", names.getFirst());
            assertTrue(ImageIO.read(frames.resolve(names.getLast()).toFile()).getWidth() > 0);
        }
    }

    @Test
    void renderFramesCapsTheFramesDrawnButNotTheEpisode() throws Exception {
        Path frames = tmp.resolve("capped");
        Path out = tmp.resolve("capped-out");
        ok("eval", "--env", "cartpole", "--policy", "random", "--episodes", "1", "--seed", "3",
                "--render", frames + "/", "--render-frames", "4", "--out", out.toString());
        try (var files = Files.list(frames)) {
            assertEquals(4, files.count(), "frames drawn");
        }
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertTrue(s.get("mean_episode_length").asDouble() > 4, "the episode plays to its end: " + s);
    }

    @Test
    void negativeRenderFrames() {
        assertUsageError("--render-frames must be >= 0, got -1", "eval", "--env", "cartpole", "--policy", "random",
                "--render", tmp.resolve("x.gif").toString(), "--render-frames", "-1");
    }

    // Bad input: exit 2, one line on stderr naming the problem, no summary written.

    private void assertUsageError(String expectedFragment, String... args) {
        Path out = tmp.resolve("bad-out");
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--out", out.toString()));
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run(all.toArray(String[]::new));
        assertEquals(2, r.code(), "exit code for " + all + "; stderr: " + r.err());
        assertEquals(1, r.errLines().size(), "one line on stderr, got: " + r.err());
        assertTrue(r.err().contains(expectedFragment), "stderr should name the problem (" + expectedFragment + "): " + r.err());
        assertFalse(Files.exists(out), "nothing is written for bad input");
    }

    /** A copy of the trained run's config.json, and params.f32 as given (null: none). */
    private Path runDir(String name, byte[] params) throws Exception {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.copy(run.resolve("config.json"), dir.resolve("config.json"));
        if (params != null) Files.write(dir.resolve("params.f32"), params);
        return dir;
    }

    @Test
    void unknownEnv() {
        assertUsageError("unknown --env 'pong'", "eval", "--env", "pong", "--policy", "random");
    }

    @Test
    void policyOtherThanRandom() {
        assertUsageError("unknown --policy 'greedy' (only random", "eval", "--env", "cartpole", "--policy", "greedy");
        assertUsageError("--env cartpole needs --policy random", "eval", "--env", "cartpole");
        assertUsageError("eval needs --run DIR", "eval");
        assertUsageError("--run plays the run's own env; leave out --env", "eval", "--run", run.toString(), "--env", "cartpole");
    }

    @Test
    void missingRunDirectory() {
        assertUsageError("--run " + tmp.resolve("nowhere") + ": no such directory", "eval", "--run", tmp.resolve("nowhere").toString());
        assertUsageError("holds no config.json: not a run directory", "eval", "--run", tmp.toString());
    }

    @Test
    void runWithoutParams() throws Exception {
        Path dir = runDir("no-params", null);
        assertUsageError("has no params.f32", "eval", "--run", dir.toString());
    }

    @Test
    void paramsOfTheWrongSize() throws Exception {
        byte[] params = Files.readAllBytes(run.resolve("params.f32"));
        Path shorter = runDir("short", Arrays.copyOf(params, params.length - 4));
        assertUsageError("params.f32 holds " + (params.length - 4) + " bytes, but the layout in config.json needs "
                + params.length / 4 + " float32", "eval", "--run", shorter.toString());
        Path longer = runDir("long", Arrays.copyOf(params, params.length + 64));
        assertUsageError("params.f32 holds " + (params.length + 64) + " bytes", "eval", "--run", longer.toString());
    }

    @Test
    void configThatDescribesAnotherNetwork() throws Exception {
        Path dir = runDir("other-net", Files.readAllBytes(run.resolve("params.f32")));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        ((ArrayNode) config.get("hidden")).removeAll().add(32);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        assertUsageError("the layout in config.json does not match the network rebuilt", "eval", "--run", dir.toString());
    }

    @Test
    void nonFiniteParams() throws Exception {
        byte[] params = Files.readAllBytes(run.resolve("params.f32"));
        params[0] = 0;
        params[1] = 0;
        params[2] = (byte) 0xC0;
        params[3] = 0x7F; // 0x7FC00000: NaN, little-endian
        Path dir = runDir("nan", params);
        assertUsageError("params.f32 holds NaN at index 0", "eval", "--run", dir.toString());
    }

    @Test
    void renderOnAnEnvThatCannotDraw() {
        assertUsageError("--render: Blind-v0 cannot draw itself (it is not Renderable)",
                "eval", "--env", "test-blind", "--policy", "random", "--render", tmp.resolve("x.gif").toString());
        assertFalse(Files.exists(tmp.resolve("x.gif")));
    }

    @Test
    void renderTargetThatIsNeitherGifNorDirectory() {
        assertUsageError("--render takes FILE.gif or DIR/ (PNG frames), got", "eval", "--env", "cartpole", "--policy", "random",
                "--render", tmp.resolve("x.mp4").toString());
    }

    @Test
    void nothingIsOverwritten() throws Exception {
        Path out = tmp.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("summary.json"), "{\"keep\": true}");
        var r = TrainCommandErrorsTest.run("eval", "--env", "cartpole", "--policy", "random", "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("already holds a summary.json"), r.err());
        assertEquals("{\"keep\": true}", Files.readString(out.resolve("summary.json")));

        Path gif = tmp.resolve("old.gif");
        Files.writeString(gif, "keep");
        r = TrainCommandErrorsTest.run("eval", "--env", "cartpole", "--policy", "random", "--render", gif.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("already exists"), r.err());
        assertEquals("keep", Files.readString(gif));
    }

    @Test
    void badEpisodeCountAndKernel() {
        assertUsageError("--episodes must be >= 1, got 0", "eval", "--env", "cartpole", "--policy", "random", "--episodes", "0");
        assertUsageError("unknown kernel 'warp'", "eval", "--run", run.toString(), "--kernel", "warp");
    }
}
