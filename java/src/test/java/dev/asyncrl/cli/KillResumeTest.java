package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asyncrl.run.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training process (a separate JVM, as a user runs it) killed with SIGKILL at random moments,
 * three times per run, while it checkpoints every 10,000 steps (so kills also land in the middle
 * of a write): after every kill the checkpoint reads back whole, T has moved on from the last
 * one, and {@code --resume} continues; the run that was killed three times still solves CartPole
 * (mean_return_100 475) within the step budget that an uninterrupted run solves in (1M; those
 * solve at 160k–340k), with a metrics.csv whose global_step rises row by row.
 */
class KillResumeTest {

    @TempDir
    Path tmp;

    private static final long BUDGET = 1_000_000;

    private static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-Djava.awt.headless=true",
                "-Dasyncrl.native.dir=" + System.getProperty("asyncrl.native.dir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Process start(List<String> cmd, Path log) throws IOException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** The checkpoint's T, or -1 while there is none; one being replaced reads as the old or the new, whole. */
    private static long checkpointStep(Path run) {
        Path f = run.resolve(Checkpoint.FILE);
        return Files.exists(f) ? Checkpoint.read(f).globalStep() : -1;
    }

    @Test
    void killedThreeTimesStillSolvesCartPole() throws Exception {
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int trainingSeed : new int[] {1, 2}) {
            Path run = tmp.resolve("seed" + trainingSeed);
            Path log = tmp.resolve("seed" + trainingSeed + ".log");
            String why = "training seed " + trainingSeed + ", kill timing seed " + seed + ", log " + log;
            List<String> fresh = java("train", "--algo", "a3c", "--env", "cartpole", "--threads", "2", "--seed", Integer.toString(trainingSeed),
                    "--steps", Long.toString(BUDGET), "--checkpoint-every-steps", "10000", "--report-every", "5000",
                    "--progress", "none", "--out", run.toString());
            List<String> resume = java("train", "--resume", run.toString(), "--progress", "none");

            long lastT = -1;
            List<Long> resumedAt = new ArrayList<>();
            boolean finished = false;
            for (int kill = 0; kill < 3 && !finished; kill++) {
                Process p = start(kill == 0 ? fresh : resume, log);
                // wait for a checkpoint past the last one, then kill at a random moment after it
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (p.isAlive() && checkpointStep(run) <= lastT && System.nanoTime() < deadline) Thread.sleep(10);
                if (p.isAlive()) Thread.sleep(rnd.nextInt(600));
                if (!p.isAlive()) {              // solved before it could be killed
                    assertEquals(0, p.waitFor(), why + ": " + Files.readString(log));
                    finished = true;
                    break;
                }
                p.destroyForcibly();             // SIGKILL
                p.waitFor();
                long T = checkpointStep(run);   // throws if the checkpoint is not whole
                assertTrue(T > lastT, why + ": T went from " + lastT + " to " + T);
                lastT = T;
                resumedAt.add(T);
            }
            if (!finished) {
                Process p = start(resume, log);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), why + ": the resumed run did not finish");
                assertEquals(0, p.exitValue(), why + ": " + Files.readString(log));
            }

            JsonNode s = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
            assertEquals("completed", s.get("status").asText(), why + ": " + s);
            assertTrue(s.get("best_mean_return_100").asDouble() >= 475, why + ": " + s);
            assertTrue(s.get("steps").asLong() <= BUDGET && s.get("steps").asLong() > lastT, why + ": " + s);
            if (!finished) {
                List<Long> recorded = new ArrayList<>();
                s.get("resumed_at_steps").forEach(n -> recorded.add(n.asLong()));
                assertEquals(resumedAt, recorded, why);
            }
            List<String> rows = Files.readAllLines(run.resolve("metrics.csv"));
            long prev = -1;
            for (String row : rows.subList(1, rows.size())) {
                long step = Long.parseLong(row.substring(0, row.indexOf(',')));
                assertTrue(step > prev, why + ": metrics.csv global_step " + step + " after " + prev);
                prev = step;
            }
            assertEquals(s.get("steps").asLong(), prev, why);
        }
    }
}
