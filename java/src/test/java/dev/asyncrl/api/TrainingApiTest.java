package dev.asyncrl.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library API end to end on the pure-Java kernel: environments of the test's own (a contextual
 * bandit, a continuous one, one that fails), trained for a few thousand steps with and without a
 * run directory; the listener's rows; the policy's greedy, sampled and continuous actions; its LSTM
 * state against ONNX Runtime's; the exported file; and bad values refused before anything runs.
 */
class TrainingApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final OrtEnvironment ORT = OrtEnvironment.getEnvironment();

    /** A contextual bandit: the observation shows one of 3 arms (one-hot), pulling it pays 1, any other 0; one step per episode. */
    static class Signal implements Environment {
        final Random random = new Random();
        int target;

        public int observationSize() {
            return 3;
        }

        public int actionCount() {
            return 3;
        }

        public int maxEpisodeSteps() {
            return 1;
        }

        public void reset(long seed, float[] observation) {
            random.setSeed(seed);
            target = random.nextInt(3);
            java.util.Arrays.fill(observation, 0f);
            observation[target] = 1f;
        }

        public void step(int action, float[] observation, StepResult result) {
            result.set(action == target ? 1 : 0, true, false);
        }
    }

    /** Continuous: the observation is a target in [−1, 1], the action a number in [−2, 2]; the reward −(a − target)². */
    static final class Reach implements Environment {
        final Random random = new Random();
        float target;

        public int observationSize() {
            return 1;
        }

        public int actionCount() {
            return 0;
        }

        public int actionDim() {
            return 1;
        }

        public float actionLow() {
            return -2f;
        }

        public float actionHigh() {
            return 2f;
        }

        public int maxEpisodeSteps() {
            return 1;
        }

        public void reset(long seed, float[] observation) {
            random.setSeed(seed);
            target = random.nextFloat() * 2 - 1;
            observation[0] = target;
        }

        public void step(int action, float[] observation, StepResult result) {
            throw new AssertionError("continuous");
        }

        @Override
        public void step(float[] action, float[] observation, StepResult result) {
            assertTrue(action[0] >= -2f && action[0] <= 2f, "the adapter clips to the bounds");
            result.set(-(action[0] - target) * (action[0] - target), true, false);
        }
    }

    static Training signal() {
        return Training.a3c().environment(Signal::new).threads(2).steps(6_000).seed(3).kernel("java")
                .hidden(16).lr(3e-3).reportEvery(1_000);
    }

    @Test
    void withoutARunDirectoryNothingIsWrittenAndThePolicyLearned() throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        List<Path> before = listing(cwd);
        try (TrainingResult r = signal().train()) {
            assertEquals(before, listing(cwd), "nothing written into the working directory");
            assertNull(r.runDirectory());
            assertTrue(r.steps() >= 6_000, "steps " + r.steps());
            assertEquals("a3c", r.algorithm());
            assertEquals("Signal", r.environment());
            assertEquals("java", r.kernel());
            assertTrue(r.episodes() >= 6_000, "one step per episode: " + r.episodes());
            assertTrue(r.meanReturn100() > 0.8, "mean_return_100 " + r.meanReturn100());
            Policy p = r.policy();
            for (int arm = 0; arm < 3; arm++) {
                float[] obs = new float[3];
                obs[arm] = 1f;
                assertEquals(arm, p.act(obs), "greedy for arm " + arm);
                SplittableRandom a = new SplittableRandom(7), b = new SplittableRandom(7);
                for (int i = 0; i < 20; i++) {
                    int sampled = p.act(obs, a);
                    assertTrue(sampled >= 0 && sampled < 3);
                    assertEquals(sampled, p.act(obs, b), "the same stream samples the same actions");
                }
            }
        }
    }

    @Test
    void aRunDirectoryGetsWhatAsyncrlTrainWrites(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        List<Long> rows = new ArrayList<>();
        long[] started = {-1};
        try (TrainingResult r = signal().envsPerThread(3).runDirectory(dir).listener(new TrainingListener() {
            @Override
            public void onStart(long totalSteps) {
                started[0] = totalSteps;
            }

            @Override
            public void onMetrics(Metrics row) {
                rows.add(row.globalStep());
                assertTrue(row.wallSeconds() >= 0 && row.stepsPerSecond() >= 0 && row.episodes() >= 0);
            }
        }).train()) {
            assertEquals(dir, r.runDirectory());
            for (String f : List.of("config.json", "metrics.csv", "summary.json", "params.f32", "checkpoint.safetensors", "learning_curve.png")) {
                assertTrue(Files.isRegularFile(dir.resolve(f)), f);
            }
            JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
            assertEquals("a3c", config.get("algo").asText());
            assertEquals("Signal", config.get("env").asText());
            assertEquals("paper", config.get("preset").asText(), "an environment of one's own: the paper's values");
            assertEquals(0.003, config.get("lr").asDouble());
            assertEquals(16, config.get("hidden").get(0).asInt());
            assertEquals(3, config.get("envs_per_thread").asInt(), "the supplier made three environments per thread");
            assertTrue(config.get("layout").isArray());
            JsonNode summary = JSON.readTree(dir.resolve("summary.json").toFile());
            assertEquals(r.steps(), summary.get("steps").asLong());
            assertEquals(r.episodes(), summary.get("episodes").asLong());
            assertEquals("completed", summary.get("status").asText());

            assertEquals(6_000, started[0]);
            List<Long> csv = Files.readAllLines(dir.resolve("metrics.csv")).stream().skip(1).map(l -> Long.parseLong(l.split(",")[0])).toList();
            assertEquals(csv, rows, "the listener gets every metrics.csv row");
            assertTrue(rows.size() >= 6, rows.toString());
            for (int i = 1; i < rows.size(); i++) assertTrue(rows.get(i) > rows.get(i - 1), rows.toString());
            assertEquals(r.steps(), rows.getLast());
        }
        assertThrows(IllegalArgumentException.class, () -> signal().runDirectory(dir).train(), "a directory holding a run is refused");
    }

    /**
     * Barely trained (the LSTM's state then weighs as much as the observation), over random
     * observations. ONNX Runtime plays the episode first, its state carried from step to step, and
     * finds a step t* where that state changes the action from what a zero state gives. Every
     * greedy action of the policy must be ONNX Runtime's with the state carried (at t*, a policy
     * that forgot its state would differ); and after reset(), the policy at t* (its state left at
     * step t*−1 by a replay) must take the zero state's action. Near-ties (the two largest logits
     * within 1e-4) are not compared: the two sum in different orders.
     */
    @Test
    void anLstmPolicyCarriesItsStateAsOnnxRuntimeDoesAndResets(@TempDir Path tmp) throws Exception {
        Path onnx = tmp.resolve("lstm.onnx");
        try (TrainingResult r = signal().threads(1).lstm(8).steps(200).train()) {  // one thread: the same θ every run
            Policy p = r.policy();
            p.exportOnnx(onnx);
            assertTrue(Files.size(onnx) > 0);
            SplittableRandom rng = new SplittableRandom(11);
            int T = 40;
            float[][] episode = new float[T][3];
            for (float[] o : episode) for (int i = 0; i < 3; i++) o[i] = (float) (3 * rng.nextGaussian());
            float[][] carried = new float[T][], fresh = new float[T][];
            try (OrtSession s = ORT.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
                float[][][] state = zeroState();
                for (int t = 0; t < T; t++) {
                    carried[t] = logits(s, episode[t], state);
                    fresh[t] = logits(s, episode[t], zeroState());
                }
            }
            int tStar = -1;
            for (int t = T - 1; t > 0; t--) {
                if (margin(carried[t]) > 1e-4 && margin(fresh[t]) > 1e-4 && argmax(carried[t]) != argmax(fresh[t])) tStar = t;
            }
            assertTrue(tStar > 0, "the carried state never changed an action: the comparison would not see it");

            p.reset();
            for (int t = 0; t < T; t++) {
                int greedy = p.act(episode[t]);
                if (margin(carried[t]) > 1e-4) assertEquals(argmax(carried[t]), greedy, "step " + t + ": the policy's state is ONNX Runtime's");
            }
            p.reset();
            for (int t = 0; t < tStar; t++) p.act(episode[t]);
            p.reset();
            assertEquals(argmax(fresh[tStar]), p.act(episode[tStar]), "after reset() the policy starts from a zero state");
        }
    }

    private static float[][][] zeroState() {
        return new float[][][] {new float[1][8], new float[1][8]};
    }

    /** ONNX Runtime's policy logits for one observation from {@code state} {h, c} (each (1, 8)), which it advances. */
    private static float[] logits(OrtSession s, float[] o, float[][][] state) {
        try (OnnxTensor obs = OnnxTensor.createTensor(ORT, new float[][] {o}); OnnxTensor h = OnnxTensor.createTensor(ORT, state[0]);
             OnnxTensor c = OnnxTensor.createTensor(ORT, state[1]);
             OrtSession.Result out = s.run(Map.of("obs", obs, "lstm.h_in", h, "lstm.c_in", c))) {
            state[0] = (float[][]) out.get("lstm.h_out").get().getValue();
            state[1] = (float[][]) out.get("lstm.c_out").get().getValue();
            return ((float[][]) out.get("policy").get().getValue())[0];
        } catch (ai.onnxruntime.OrtException e) {
            throw new AssertionError(e);
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int a = 1; a < v.length; a++) if (v[a] > v[best]) best = a;
        return best;
    }

    /** How far the largest value stands above the second. */
    private static float margin(float[] v) {
        int best = argmax(v);
        float second = Float.NEGATIVE_INFINITY;
        for (int a = 0; a < v.length; a++) if (a != best) second = Math.max(second, v[a]);
        return v[best] - second;
    }

    @Test
    void aGaussianPolicyActsWithinTheBounds() {
        try (TrainingResult r = Training.a3c().environment(Reach::new).threads(2).steps(3_000).seed(1).kernel("java").hidden(16).train()) {
            Policy p = r.policy();
            assertEquals(0, p.actionCount());
            assertEquals(1, p.actionDim());
            float[] a = p.actContinuous(new float[] {0.5f});
            assertEquals(1, a.length);
            assertTrue(a[0] >= -2f && a[0] <= 2f);
            float[] into = new float[1];
            p.actContinuous(new float[] {0.5f}, into);
            assertArrayEquals(a, into, "greedy: μ, the same twice");
            p.actContinuous(new float[] {0.5f}, into, new SplittableRandom(1));
            assertTrue(into[0] >= -2f && into[0] <= 2f);
            assertThrows(IllegalStateException.class, () -> p.act(new float[] {0.5f}), "a Gaussian policy has no discrete act");
            assertThrows(IllegalArgumentException.class, () -> p.actContinuous(new float[2]), "the observation's size is checked");
        }
    }

    @Test
    void aBuiltInEnvironmentByName() {
        try (TrainingResult r = Training.oneStepQ().environment("cartpole").threads(1).steps(2_000).kernel("java").train()) {
            assertEquals("cartpole", r.environment());
            assertEquals("onestep-q", r.algorithm());
            int a = r.policy().act(new float[4]);
            assertTrue(a == 0 || a == 1);
        }
    }

    @Test
    void aFailingEnvironmentFailsTheTrainingWithItsCause() {
        Supplier<Environment> failing = () -> new Signal() {
            int steps;

            @Override
            public void step(int action, float[] observation, StepResult result) {
                if (++steps == 50) throw new IllegalStateException("the simulator crashed");
                super.step(action, observation, result);
            }
        };
        RuntimeException e = assertThrows(RuntimeException.class, () -> signal().environment(failing).train());
        assertTrue(e.getMessage().contains("the simulator crashed"), e.getMessage());
    }

    @Test
    void badValuesAreRefusedBeforeAnythingRuns(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        for (Supplier<Training> bad : List.<Supplier<Training>>of(
                () -> signal().tMax(0), () -> signal().envsPerThread(0), () -> signal().threads(0), () -> signal().threads(100_000), () -> signal().steps(0),
                () -> signal().lr(-1), () -> signal().gamma(2), () -> signal().entropyBeta(-1), () -> signal().hidden(0),
                () -> signal().hidden(), () -> signal().activation("sigmoid"), () -> signal().optimizer("adam"),
                () -> signal().lrSchedule("cosine"), () -> signal().kernel("no_such_kernel"), () -> signal().lstm(-1),
                () -> signal().valueNet("both"), () -> Training.nStepQ().environment(Signal::new).lstm(8),
                () -> Training.nStepQ().environment(Reach::new), () -> Training.a3c().environment(Bad::new))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.get().runDirectory(dir).train().close());
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank() && !e.getMessage().contains("\n"), e.getMessage());
            assertTrue(!Files.exists(dir), "nothing written for: " + e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Training.of("dqn"));
        assertThrows(IllegalArgumentException.class, () -> Training.a3c().environment("no-such-env"));
        assertThrows(IllegalArgumentException.class, () -> Training.a3c().stopReturn(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Training.a3c().preset("atari"));
        assertThrows(IllegalStateException.class, () -> Training.a3c().train(), "no environment");
    }

    /** Declares neither discrete nor continuous actions. */
    static final class Bad extends Signal {
        @Override
        public int actionCount() {
            return 0;
        }
    }

    private static List<Path> listing(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
