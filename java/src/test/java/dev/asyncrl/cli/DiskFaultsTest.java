package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.run.Checkpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that cannot be written while a run trains (issue 11): a full disk at the start, in the
 * middle and at the end of a run, the run directory deleted, metrics.csv made immutable. Each
 * gives one line naming the file and the reason, exit 1 (exit 2 where nothing had started),
 * leaves every file written before and the last good checkpoint whole, and the run can go on
 * with {@code --resume} once the fault is gone. The full disk is a small tmpfs, and immutability
 * is chattr +i: those cases need root and are skipped without it.
 */
class DiskFaultsTest {

    @TempDir
    Path tmp;

    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) sh("umount", "-l", mounted.toString());
    }

    private static int sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    /** A tmpfs of {@code size} at tmp/disk, or the test is skipped (not root, no mount). */
    private Path smallDisk(String size) throws Exception {
        Path disk = Files.createDirectories(tmp.resolve("disk"));
        Assumptions.assumeTrue(sh("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", disk.toString()) == 0,
                "mounting a tmpfs needs root");
        mounted = disk;
        return disk;
    }

    /** Writes {@code filler} until the disk is full. */
    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream o = Files.newOutputStream(filler)) {
            while (true) o.write(block);
        } catch (IOException full) {
            assertTrue(full.getMessage().contains("No space left on device"), full.toString());
        }
    }

    private static CompletableFuture<TrainCommandErrorsTest.Result> start(String... args) {
        return CompletableFuture.supplyAsync(() -> TrainCommandErrorsTest.run(args));
    }

    private static void waitFor(Path file, CompletableFuture<?> run) throws Exception {
        while (!Files.exists(file) && !run.isDone()) Thread.sleep(5);
        assertFalse(run.isDone(), "the run ended before " + file.getFileName() + " appeared: " + (run.isDone() ? run.get() : ""));
    }

    private static List<String> longRun(Path run) {
        return new ArrayList<>(List.of("train", "--threads", "2", "--seed", "1", "--hidden", "16", "--out", run.toString(),
                "--steps", "50000000", "--stop-return", "none", "--checkpoint-every-steps", "2000", "--report-every", "1000",
                "--progress", "none"));
    }

    /** One line, exit {@code code}, the fragment in it, no stack trace. */
    private static void assertOneLine(TrainCommandErrorsTest.Result r, int code, String fragment) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.errLines().size(), "one line: " + r.err());
        assertTrue(r.err().startsWith("asyncrl: ") && r.err().contains(fragment), "expected '" + fragment + "' in: " + r.err());
    }

    /** metrics.csv's whole rows parse and rise; returns the last global_step. */
    private static long rowsRise(Path run) throws IOException {
        String text = Files.readString(run.resolve("metrics.csv"));
        List<String> rows = Arrays.asList(text.substring(0, text.lastIndexOf('\n')).split("\n"));
        long prev = -1;
        for (String row : rows.subList(1, rows.size())) {
            long step = Long.parseLong(row.substring(0, row.indexOf(',')));
            assertTrue(step > prev, "global_step rises: " + text);
            prev = step;
        }
        return prev;
    }

    private static void noTemporaryFiles(Path run) throws IOException {
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(List.of(), files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".tmp")).toList());
        }
    }

    @Test
    void aFullDiskAtTheStartRefusesCleanlyAndTheDirectoryCanBeUsedOnceThereIsRoom() throws Exception {
        Path disk = smallDisk("256k");
        Path run = disk.resolve("run");
        fill(disk.resolve("filler"));
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run(longRun(run).toArray(String[]::new));
        assertOneLine(r, 2, "--out " + run + ": cannot write metrics.csv there (No space left on device)");
        Files.delete(disk.resolve("filler"));
        List<String> args = longRun(run);
        args.set(args.indexOf("50000000"), "3000");
        r = TrainCommandErrorsTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), "the directory a full disk left is taken: " + r.err());
        assertTrue(Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep() >= 3000);
    }

    @Test
    void aFullDiskMidRunStopsItWithOneLineAndKeepsTheLastCheckpoint() throws Exception {
        Path disk = smallDisk("1m");
        Path run = disk.resolve("run");
        var training = start(longRun(run).toArray(String[]::new));
        waitFor(run.resolve(Checkpoint.FILE), training);
        fill(disk.resolve("filler"));
        TrainCommandErrorsTest.Result r = training.get(300, TimeUnit.SECONDS);
        assertOneLine(r, 1, ": No space left on device; training stopped at T=");
        assertTrue(r.err().contains("are kept: make room and continue with asyncrl train --resume " + run), r.err());
        long T = Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep();  // whole, or this throws
        assertTrue(T >= 2000, "T=" + T);
        rowsRise(run);
        noTemporaryFiles(run);

        Files.delete(disk.resolve("filler"));
        r = TrainCommandErrorsTest.run("train", "--resume", run.toString(), "--steps", Long.toString(T + 4000), "--progress", "none");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("resuming " + run + " at T=" + T), r.err());
        assertEquals(Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep(), rowsRise(run));
    }

    /**
     * The disk fills while a resumed run trains, so its last writes (rows, the final checkpoint,
     * params.f32, summary.json) fail: the earlier process's files stay as they were.
     */
    @Test
    void aFullDiskAtTheEndOfAResumedRunKeepsTheEarlierFiles() throws Exception {
        Path disk = smallDisk("1m");
        Path run = disk.resolve("run");
        List<String> args = longRun(run);
        args.set(args.indexOf("50000000"), "4000");
        assertEquals(0, TrainCommandErrorsTest.run(args.toArray(String[]::new)).code());
        Map<String, byte[]> before = RunFilesTest.contents(run);
        long T = Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep();

        // no rows and no checkpoints while it trains: its writes all come at the end
        var resumed = start("train", "--resume", run.toString(), "--steps", Long.toString(T + 200_000), "--report-every", "100000000",
                "--checkpoint-every-steps", "0", "--checkpoint-every-seconds", "0", "--progress", "none");
        while (Files.readString(run.resolve("config.json")).equals(new String(before.get("config.json"))) && !resumed.isDone()) Thread.sleep(5);
        assertFalse(resumed.isDone(), "the resumed run ended before it trained: " + (resumed.isDone() ? resumed.get() : ""));
        fill(disk.resolve("filler"));
        TrainCommandErrorsTest.Result r = resumed.get(300, TimeUnit.SECONDS);
        assertEquals(1, r.code(), r.err());
        assertEquals(List.of("asyncrl: resuming " + run + " at T=" + T + " (checkpoint.safetensors)",
                "asyncrl: cannot write " + run.resolve(Checkpoint.FILE) + ": No space left on device; training stopped at T="),
                r.errLines().stream().map(l -> l.replaceAll("T=\\d+;.*", "T=")).toList(), r.err());
        assertEquals(T, Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep(), "the earlier checkpoint");
        for (String f : List.of(Checkpoint.FILE, "params.f32", "summary.json", "learning_curve.png")) {
            assertArrayEquals(before.get(f), Files.readAllBytes(run.resolve(f)), f + " as the earlier process left it");
        }
        noTemporaryFiles(run);
    }

    @Test
    void theRunDirectoryDeletedWhileTrainingGivesOneLine() throws Exception {
        Path run = tmp.resolve("run");
        var training = start(longRun(run).toArray(String[]::new));
        waitFor(run.resolve(Checkpoint.FILE), training);
        try (Stream<Path> all = Files.walk(run)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
        TrainCommandErrorsTest.Result r = training.get(300, TimeUnit.SECONDS);
        assertOneLine(r, 1, "cannot write " + run.resolve(Checkpoint.FILE) + ": no such file or directory; training stopped at T=");
        assertFalse(Files.exists(run), "nothing recreated it");
    }

    @Test
    void metricsMadeImmutableMidRunStopsItWithOneLine() throws Exception {
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        Path probe = Files.createFile(tmp.resolve("probe"));
        Assumptions.assumeTrue(sh("chattr", "+i", probe.toString()) == 0, "chattr +i needs root and a file system that has it");
        sh("chattr", "-i", probe.toString());
        var training = start(longRun(run).toArray(String[]::new));
        waitFor(run.resolve(Checkpoint.FILE), training);
        Path metrics = run.resolve("metrics.csv");
        assertEquals(0, sh("chattr", "+i", metrics.toString()));
        try {
            TrainCommandErrorsTest.Result r = training.get(300, TimeUnit.SECONDS);
            assertOneLine(r, 1, "cannot write " + metrics + ": Operation not permitted; training stopped at T=");
            long T = Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep();
            assertTrue(r.err().contains(Checkpoint.FILE + " (T=" + T + ")"), "the final checkpoint was still written: " + r.err());
            long lastRow = rowsRise(run);
            assertTrue(lastRow <= T, lastRow + " > " + T);

            Map<String, byte[]> before = RunFilesTest.contents(run);
            r = TrainCommandErrorsTest.run("train", "--resume", run.toString(), "--steps", Long.toString(T + 4000), "--progress", "none");
            assertOneLine(r, 2, "--resume " + run + ": cannot open metrics.csv for writing (Operation not permitted)");
            RunFilesTest.assertUnchanged(before, run);
        } finally {
            sh("chattr", "-i", metrics.toString());
        }
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run("train", "--resume", run.toString(), "--steps",
                Long.toString(Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep() + 4000), "--progress", "none");
        assertEquals(0, r.code(), r.err());
    }
}
