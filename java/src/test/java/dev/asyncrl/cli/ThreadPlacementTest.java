package dev.asyncrl.cli;

import static dev.asyncrl.cli.TrainCommandErrorsTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asyncrl.api.Environment;
import dev.asyncrl.api.StepResult;
import dev.asyncrl.api.Training;
import dev.asyncrl.api.TrainingResult;
import dev.asyncrl.run.Checkpoint;
import dev.asyncrl.run.ThreadAffinity;
import dev.asyncrl.run.TrainConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thread placement: {@code train --pin-threads} is recorded in config.json and the checkpoint as
 * pin_threads (false without it, and for a run recorded before the flag), may change on resume,
 * and pins each actor-learner to its CPU; more threads than cores warns in one line and still trains.
 */
class ThreadPlacementTest {

    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String[] train(Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--steps", "3000", "--kernel", "java",
                "--out", out.toString(), "--progress", "none", "--stop-return", "none"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void pinThreadsIsRecordedReadBackAndMayChangeOnResume() throws Exception {
        Path pinned = tmp.resolve("pinned"), plain = tmp.resolve("plain");
        TrainCommandErrorsTest.Result r = ok(train(pinned, "--threads", "2", "--pin-threads"));
        if (isLinux()) assertFalse(r.err().contains("warning"), "pinning works on Linux, no warning: " + r.err());
        ok(train(plain, "--threads", "2"));
        JsonNode p = JSON.readTree(pinned.resolve("config.json").toFile()), q = JSON.readTree(plain.resolve("config.json").toFile());
        assertTrue(p.get("pin_threads").isBoolean() && p.get("pin_threads").booleanValue(), p.toString());
        assertFalse(q.get("pin_threads").booleanValue(), q.toString());
        assertTrue(Checkpoint.read(pinned.resolve(Checkpoint.FILE)).config().get("pin_threads").booleanValue(), "the checkpoint's copy too");
        assertTrue(TrainConfig.fromJson(p, pinned).pinThreads());
        assertFalse(TrainConfig.fromJson(q, plain).pinThreads());

        // A run recorded before the flag (no pin_threads) reads as unpinned; a mistyped one is refused by name.
        ObjectNode old = (ObjectNode) p.deepCopy();
        old.remove("pin_threads");
        assertFalse(TrainConfig.fromJson(old, pinned).pinThreads());
        old.put("pin_threads", "yes");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson(old, pinned));
        assertTrue(e.getMessage().contains("'pin_threads'"), e.getMessage());

        // Placement is not learning: a resumed run may turn it on or off; left out, it keeps the run's.
        ok("train", "--resume", plain.toString(), "--steps", "6000", "--progress", "none", "--pin-threads");
        assertTrue(JSON.readTree(plain.resolve("config.json").toFile()).get("pin_threads").booleanValue());
        ok("train", "--resume", plain.toString(), "--steps", "9000", "--progress", "none");
        assertTrue(JSON.readTree(plain.resolve("config.json").toFile()).get("pin_threads").booleanValue(), "kept");
        ok("train", "--resume", plain.toString(), "--steps", "12000", "--progress", "none", "--no-pin-threads");
        assertFalse(JSON.readTree(plain.resolve("config.json").toFile()).get("pin_threads").booleanValue());
    }

    @Test
    void moreThreadsThanCoresWarnsInOneLineAndTrains() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        TrainCommandErrorsTest.Result r = ok(train(tmp.resolve("over"), "--threads", Integer.toString(cores + 1)));
        List<String> warnings = r.errLines().stream().filter(l -> l.contains("oversubscribed")).toList();
        assertEquals(1, warnings.size(), r.err());
        assertTrue(warnings.getFirst().startsWith("asyncrl: warning: --threads " + (cores + 1) + " is more than the " + cores + " core(s)"),
                warnings.getFirst());
        r = ok(train(tmp.resolve("fits"), "--threads", Integer.toString(cores)));
        assertFalse(r.err().contains("oversubscribed"), "as many threads as cores: no warning: " + r.err());
    }

    private static boolean isLinux() {
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux");
    }

    /**
     * One step per episode; notes, on the thread that steps it, the CPUs that thread may use. The
     * first step of each waits (up to 10 s) for the other thread's, so that a pinned thread kept off
     * a busy CPU still gets to note before the other has run the whole budget.
     */
    static final class Probe implements Environment {
        static final Set<List<Integer>> SEEN = ConcurrentHashMap.newKeySet();
        static volatile java.util.concurrent.CountDownLatch both;
        boolean noted;

        public int observationSize() {
            return 2;
        }

        public int actionCount() {
            return 2;
        }

        public int maxEpisodeSteps() {
            return 1;
        }

        public void reset(long seed, float[] observation) {
            observation[0] = 1f;
        }

        public void step(int action, float[] observation, StepResult result) {
            if (!noted) {
                SEEN.add(Arrays.stream(ThreadAffinity.allowedCpus()).boxed().toList());
                noted = true;
                both.countDown();
                try {
                    both.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            result.set(action, true, false);
        }
    }

    /** Through the API: actor-learner i runs on the i-th allowed CPU alone; unpinned, on all of them. */
    @Test
    void eachActorLearnerRunsOnItsCpu() {
        assumeTrue(isLinux(), "sched_setaffinity is Linux's");
        int[] allowed = ThreadAffinity.allowedCpus();
        for (boolean pin : new boolean[] {true, false}) {
            Probe.SEEN.clear();
            Probe.both = new java.util.concurrent.CountDownLatch(2);
            try (TrainingResult r = Training.a3c().environment(Probe::new).threads(2).steps(2_000).kernel("java").hidden(4)
                    .pinThreads(pin).train()) {
                assertTrue(r.steps() >= 2_000);
            }
            Set<List<Integer>> want = pin ? Set.of(List.of(allowed[0]), List.of(allowed[1 % allowed.length]))
                    : Set.of(Arrays.stream(allowed).boxed().toList());
            assertEquals(want, Probe.SEEN, "pinned " + pin);
        }
    }
}
