package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asyncrl.run.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training process (a separate JVM, as a user runs it) killed with SIGKILL ten times at random
 * moments (while the JVM starts, before the first checkpoint, while training, in the middle of a
 * checkpoint's write: it checkpoints every 5,000 steps), each time taken up again as a user
 * would: {@code --resume} once the run has its config.json, a new {@code --out} into the same
 * directory before that. After every kill the checkpoint reads back whole and T never goes back;
 * every process that ends on its own exits 0 and none prints an error or a warning; the rows of
 * metrics.csv up to each kill's checkpoint are all there at the end, unchanged and in order;
 * global_step rises row by row; and the run finishes its step budget. The budget is far out of
 * reach of ten kills on any machine; the last process is given one 20,000 steps past the last
 * checkpoint, so that the test's length does not depend on the machine's speed.
 */
class KillResumeTest {

    @TempDir
    Path tmp;

    private static final long BUDGET = 50_000_000;
    private static final long LAST_LEG = 20_000;
    private static final int KILLS = 10;

    private static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-Djava.awt.headless=true",
                "-Dasyncrl.native.dir=" + System.getProperty("asyncrl.native.dir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The checkpoint's T, or -1 while there is none; one being replaced reads as the old or the new, whole. */
    private static long checkpointStep(Path run) {
        Path f = run.resolve(Checkpoint.FILE);
        return Files.exists(f) ? Checkpoint.read(f).globalStep() : -1;
    }

    /** metrics.csv's whole lines (a kill may leave the last one cut short), the header first. */
    private static List<String> wholeLines(Path run) throws IOException {
        Path f = run.resolve("metrics.csv");
        if (!Files.exists(f)) return List.of();
        String text = Files.readString(f);
        return text.lastIndexOf('\n') < 0 ? List.of() : List.of(text.substring(0, text.lastIndexOf('\n')).split("\n", -1));
    }

    private static long step(String row) {
        return Long.parseLong(row.substring(0, row.indexOf(',')));
    }

    @Test
    void killedTenTimesAtRandomMomentsTheRunStillFinishes() throws Exception {
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        Path run = tmp.resolve("run");
        String why = "kill timing seed " + seed + ", logs in " + tmp;
        List<String> fresh = java("train", "--algo", "a3c", "--env", "cartpole", "--threads", "2", "--seed", "1", "--hidden", "32",
                "--steps", Long.toString(BUDGET), "--stop-return", "none", "--checkpoint-every-steps", "5000", "--report-every", "2500",
                "--progress", "none", "--out", run.toString());
        List<String> resume = java("train", "--resume", run.toString(), "--progress", "none");

        long lastT = -1;
        SequencedSet<String> mustStay = new LinkedHashSet<>();  // rows at or before a kill's checkpoint
        List<Path> logs = new ArrayList<>();
        boolean finished = false;
        long budget = BUDGET;
        for (int kill = 0; kill <= KILLS && !finished; kill++) {
            Path log = tmp.resolve("process" + kill + ".log");
            logs.add(log);
            boolean resumable = Files.exists(run.resolve("config.json"));
            List<String> cmd = new ArrayList<>(resumable ? resume : fresh);
            if (kill == KILLS) {                 // the last one runs to the end of a budget near at hand
                budget = Math.max(lastT, 0) + LAST_LEG;
                if (resumable) cmd.addAll(List.of("--steps", Long.toString(budget)));
                else cmd.set(cmd.indexOf(Long.toString(BUDGET)), Long.toString(budget));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (kill == KILLS) {
                assertTrue(p.waitFor(180, TimeUnit.SECONDS), why + ": the last process did not finish");
                assertEquals(0, p.exitValue(), why + ": " + Files.readString(log));
                finished = true;
                break;
            }
            if (kill % 2 == 0) {
                // from the JVM's start on: kills land before config.json, before the first checkpoint, in training
                p.waitFor(100 + rnd.nextInt(2000), TimeUnit.MILLISECONDS);
            } else {
                // just after a new checkpoint: kills land in training and in the middle of the next write
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (p.isAlive() && checkpointStep(run) <= lastT && System.nanoTime() < deadline) Thread.sleep(5);
                p.waitFor(rnd.nextInt(400), TimeUnit.MILLISECONDS);
            }
            assertTrue(p.isAlive(), why + ": process " + kill + " ended before its kill: " + Files.readString(log));
            p.destroyForcibly();                 // SIGKILL
            p.waitFor();
            long T = checkpointStep(run);        // throws if the checkpoint is not whole
            assertTrue(T >= lastT, why + ": T went from " + lastT + " to " + T);
            lastT = T;
            for (String row : wholeLines(run).stream().skip(1).toList()) if (step(row) <= T) mustStay.add(row);
        }
        assertTrue(finished, why);
        for (Path log : logs) {
            for (String line : Files.readAllLines(log)) {
                assertFalse(line.contains("Exception") || line.contains("\tat ") || line.contains("warning")
                        || (line.startsWith("asyncrl: ") && !line.startsWith("asyncrl: resuming ") && !line.contains("starting it over from T=0")
                            && !line.contains("but before its summary: writing its last files")),
                        why + ": " + log + " says: " + line);
            }
        }

        JsonNode s = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        assertEquals("completed", s.get("status").asText(), why + ": " + s);
        assertTrue(s.get("steps").asLong() >= budget, why + ": " + s);
        assertEquals(s.get("steps").asLong(), checkpointStep(run), why);
        List<String> rows = wholeLines(run);
        assertEquals(dev.asyncrl.run.RunDirectory.METRICS_HEADER, rows.getFirst(), why);
        long prev = -1;
        for (String row : rows.subList(1, rows.size())) {
            assertTrue(step(row) > prev, why + ": metrics.csv global_step " + step(row) + " after " + prev);
            prev = step(row);
        }
        assertEquals(s.get("steps").asLong(), prev, why);
        List<String> kept = rows.stream().filter(mustStay::contains).toList();
        assertEquals(List.copyOf(mustStay), kept, why + ": the rows up to each kill's checkpoint stay, unchanged and in order");
    }
}
