package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asyncrl.run.Checkpoint;
import dev.asyncrl.run.Safetensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run directory's files against bad input (issue 11): a directory holding any file of a run
 * is not trained over; a checkpoint whose numbers are out of range (NaN in θ, a step below 0, a
 * negative count) is refused before anything is written; bad rows of metrics.csv cost only
 * themselves; a run stopped before its first checkpoint, or before it started training, can be
 * taken up again; FIFOs are refused rather than opened; a file that cannot be written is named
 * with the reason. Each case: one line on stderr, exit 2 (bad input) or 0, and every byte
 * already written as it was.
 */
class RunFilesTest {

    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static TrainCommandErrorsTest.Result run(String... args) {
        return TrainCommandErrorsTest.run(args);
    }

    private static Path train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--threads", "2", "--seed", "1", "--out", out.toString(),
                "--progress", "none", "--stop-return", "none", "--hidden", "16"));
        args.addAll(List.of(extra));
        TrainCommandErrorsTest.Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), args + ": " + r.err());
        return out;
    }

    /** Every file of a directory and its bytes. */
    static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        if (!Files.isDirectory(dir)) return m;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) m.put(f.getFileName().toString(), Files.isRegularFile(f) ? Files.readAllBytes(f) : new byte[0]);
        }
        return m;
    }

    static void assertUnchanged(Map<String, byte[]> before, Path dir) throws IOException {
        Map<String, byte[]> after = contents(dir);
        assertEquals(before.keySet(), after.keySet(), "no file added or removed in " + dir);
        for (String f : before.keySet()) assertArrayEquals(before.get(f), after.get(f), f + " unchanged");
    }

    /** Runs {@code args}; expects exit 2, one line on stderr holding {@code fragment}, and {@code dir} as it was. */
    private static void assertRefused(Path dir, String fragment, String... args) throws IOException {
        Map<String, byte[]> before = contents(dir);
        TrainCommandErrorsTest.Result r = run(args);
        assertEquals(2, r.code(), Arrays.toString(args) + ": " + r.err());
        assertEquals(1, r.errLines().size(), "one line: " + r.err());
        assertTrue(r.err().startsWith("asyncrl: ") && r.err().contains(fragment), "expected '" + fragment + "' in: " + r.err());
        assertUnchanged(before, dir);
    }

    private static Path copyOf(Path run, Path to) throws IOException {
        Files.createDirectories(to);
        for (Map.Entry<String, byte[]> e : contents(run).entrySet()) Files.write(to.resolve(e.getKey()), e.getValue());
        return to;
    }

    /**
     * The checkpoint rewritten with {@code meta} changed and {@code data} (its tensor bytes,
     * little-endian) changed, and a valid checksum: damage that the checksum cannot see.
     */
    static byte[] rewritten(byte[] file, Consumer<Map<String, String>> meta, Consumer<ByteBuffer> data) throws Exception {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Safetensors.Header h = Safetensors.parseHeader(Arrays.copyOfRange(file, 8, (int) (8 + n)));
        Map<String, String> m = new LinkedHashMap<>(h.metadata());
        meta.accept(m);
        m.put("checksum", "crc32c:00000000");
        List<Safetensors.F32> tensors = h.entries().stream().map(e -> new Safetensors.F32(e.name(), e.shape())).toList();
        byte[] header = Safetensors.header(m, tensors);
        byte[] out = Arrays.copyOf(header, header.length + (int) h.dataBytes());
        System.arraycopy(file, (int) h.dataStart(), out, header.length, (int) h.dataBytes());
        data.accept(ByteBuffer.wrap(out, header.length, (int) h.dataBytes()).slice().order(ByteOrder.LITTLE_ENDIAN));
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(out);
        int at = new String(out, 0, header.length, StandardCharsets.ISO_8859_1).indexOf("crc32c:00000000") + "crc32c:".length();
        System.arraycopy(String.format("%08x", crc.getValue()).getBytes(StandardCharsets.US_ASCII), 0, out, at, 8);
        return out;
    }

    private static byte[] withTraining(byte[] file, Consumer<ObjectNode> change) throws Exception {
        return rewritten(file, m -> {
            try {
                ObjectNode t = (ObjectNode) JSON.readTree(m.get("training"));
                change.accept(t);
                m.put("training", JSON.writeValueAsString(t));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, d -> { });
    }

    // ------------------------------------------------------------------ --out

    @Test
    void anOutDirectoryHoldingAnyFileOfARunIsNotTrainedOver() throws Exception {
        Path done = train(tmp.resolve("done"), "--steps", "4000");
        for (String f : List.of(Checkpoint.FILE, "params.f32", "learning_curve.png", "summary.json", "config.json")) {
            Path only = Files.createDirectories(tmp.resolve("only-" + f));
            Files.copy(done.resolve(f), only.resolve(f));
            assertRefused(only, "--out " + only + " already holds a run (" + f + ")",
                    "train", "--out", only.toString(), "--steps", "1000", "--progress", "none");
        }
        // metrics.csv with rows is a run's record too
        Path rows = Files.createDirectories(tmp.resolve("only-metrics"));
        Files.copy(done.resolve("metrics.csv"), rows.resolve("metrics.csv"));
        assertRefused(rows, "already holds a run (metrics.csv)", "train", "--out", rows.toString(), "--steps", "1000", "--progress", "none");
    }

    @Test
    void anEmptyOutOrResumeIsRefused() throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        Map<String, byte[]> before = contents(cwd);
        assertFalse(before.containsKey("config.json"), "the working directory holds no run to begin with");
        TrainCommandErrorsTest.Result r = run("train", "--out", "", "--steps", "1000", "--progress", "none");
        // clean up what a failing (old) build trains into the working directory before asserting
        for (String f : List.of("config.json", "metrics.csv", "summary.json", "params.f32", "learning_curve.png", Checkpoint.FILE)) {
            if (!before.containsKey(f)) Files.deleteIfExists(cwd.resolve(f));
        }
        assertEquals(2, r.code(), r.err());
        assertEquals(List.of("asyncrl: --out is empty: give the directory to write the run into"), r.errLines());
        r = run("train", "--resume", "", "--progress", "none");
        assertEquals(2, r.code(), r.err());
        assertEquals(List.of("asyncrl: --resume is empty: give the run directory to continue"), r.errLines());
        assertFalse(Files.exists(cwd.resolve("config.json")), "nothing trained into the working directory");
    }

    /** A start that failed before training (out of memory, a full disk) leaves metrics.csv with its header at most. */
    @Test
    void aDirectoryWhoseRunNeverStartedCanBeReused() throws Exception {
        for (String left : List.of(dev.asyncrl.run.RunDirectory.METRICS_HEADER + "\n", "global_step,wall", "")) {
            Path dir = Files.createDirectories(tmp.resolve("never" + left.length()));
            Files.writeString(dir.resolve("metrics.csv"), left);
            Files.writeString(dir.resolve("config.json.tmp"), "{\"alg");  // a write cut short by the full disk
            assertRefused(dir, "--resume " + dir + ": no checkpoint.safetensors there, nothing to resume from (the run stopped before it wrote"
                    + " its config.json; start it anew with --out " + dir + ")", "train", "--resume", dir.toString(), "--progress", "none");
            train(dir, "--steps", "3000");
            assertTrue(Checkpoint.read(dir.resolve(Checkpoint.FILE)).globalStep() >= 3000);
            assertFalse(Files.exists(dir.resolve("config.json.tmp")));
        }
    }

    // ------------------------------------------------------------------ checkpoints out of range

    @Test
    void aCheckpointWithNaNInThetaIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path run = train(tmp.resolve("run"), "--steps", "4000");
        Path ckpt = run.resolve(Checkpoint.FILE);
        byte[] good = Files.readAllBytes(ckpt);
        Files.write(ckpt, rewritten(good, m -> { }, d -> d.putFloat(8, Float.NaN)));
        assertTrue(Checkpoint.read(ckpt).globalStep() >= 4000, "the file itself is whole and its checksum right");
        assertRefused(run, "--resume " + run + ": checkpoint.safetensors holds NaN in param.", "train", "--resume", run.toString(),
                "--steps", "8000", "--progress", "none");
        Files.write(ckpt, rewritten(good, m -> { }, d -> d.putFloat(d.limit() - 4, Float.NEGATIVE_INFINITY)));
        assertRefused(run, "holds -Infinity in ", "train", "--resume", run.toString(), "--steps", "8000", "--progress", "none");
    }

    @Test
    void aCheckpointWhoseNumbersAreOutOfRangeIsRefused() throws Exception {
        Path run = train(tmp.resolve("run"), "--steps", "4000");
        byte[] good = Files.readAllBytes(run.resolve(Checkpoint.FILE));
        long T = Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep();
        record Case(String fragment, byte[] file) {}
        List<Case> cases = List.of(
                new Case("global_step is -5, a step count below 0", rewritten(good, m -> m.put("global_step", "-5"), d -> { })),
                new Case("its training global_step " + T + " is not its global_step 3000", rewritten(good, m -> m.put("global_step", "3000"), d -> { })),
                new Case("bad training state: wall_seconds -3", withTraining(good, t -> t.put("wall_seconds", -3.0))),
                new Case("bad training state: episode statistics", withTraining(good, t -> ((ObjectNode) t.get("episodes")).put("count", -1))),
                new Case("bad training state: episode return \"x\"", withTraining(good, t -> ((com.fasterxml.jackson.databind.node.ArrayNode)
                        t.get("episodes").get("last_returns")).set(0, JSON.getNodeFactory().textNode("x")))),
                new Case("bad training state: resumed_at_steps [999999]", withTraining(good, t -> t.putArray("resumed_at_steps").add(999999))),
                new Case("bad training state: updates", withTraining(good, t -> ((ObjectNode) t.get("updates")).put("count", -7))));
        for (Case c : cases) {
            Path dir = copyOf(run, tmp.resolve("case" + cases.indexOf(c)));
            Files.write(dir.resolve(Checkpoint.FILE), c.file());
            assertRefused(dir, c.fragment(), "train", "--resume", dir.toString(), "--steps", "8000", "--progress", "none");
        }
    }

    /**
     * A resumed run whose workers fail (here θ so large that the policy's logits overflow) exits
     * 1 naming the failure; the params.f32 and summary.json of the run's earlier process stay.
     */
    @Test
    void aFailedResumedRunKeepsTheEarlierParamsAndSummary() throws Exception {
        Path run = train(tmp.resolve("run"), "--steps", "4000");
        Path ckpt = run.resolve(Checkpoint.FILE);
        Files.write(ckpt, rewritten(Files.readAllBytes(ckpt), m -> { }, d -> {
            for (int i = 0; i < d.limit(); i += 4) d.putFloat(i, 3e38f);
        }));
        byte[] params = Files.readAllBytes(run.resolve("params.f32"));
        byte[] summary = Files.readAllBytes(run.resolve("summary.json"));
        byte[] checkpoint = Files.readAllBytes(ckpt);
        TrainCommandErrorsTest.Result r = run("train", "--resume", run.toString(), "--steps", "8000", "--progress", "none");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("asyncrl: training failed in an actor-learner thread"), r.err());
        assertArrayEquals(params, Files.readAllBytes(run.resolve("params.f32")), "params.f32 of the earlier process");
        assertArrayEquals(summary, Files.readAllBytes(run.resolve("summary.json")), "summary.json of the earlier process");
        assertArrayEquals(checkpoint, Files.readAllBytes(ckpt), "no checkpoint from a failed run");
    }

    // ------------------------------------------------------------------ metrics.csv rows

    @Test
    void badRowsOfMetricsCostOnlyThemselves() throws Exception {
        Path run = train(tmp.resolve("run"), "--steps", "20000", "--report-every", "2000");
        long T = Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep();
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        List<String> valid = lines.subList(1, lines.size());
        assertTrue(valid.size() >= 8, lines.toString());
        List<String> damaged = new ArrayList<>(lines);
        damaged.add(3, "garbage,not,a,row");
        damaged.add(6, valid.get(1));                                     // a row out of order (a repeat)
        damaged.add(8, "999999999999" + valid.get(4).substring(valid.get(4).indexOf(',')));  // a huge step
        damaged.add(10, "");                                              // an empty line
        Files.write(run.resolve("metrics.csv"), damaged);

        TrainCommandErrorsTest.Result r = run("train", "--resume", run.toString(), "--steps", "30000", "--progress", "none");
        assertEquals(0, r.code(), r.err());
        assertEquals(2, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("asyncrl: warning: 4 rows of metrics.csv dropped (not a row, or out of order; the rows around"
                + " kept): line 4 'garbage,not,a,row', line 7 '" + valid.get(1) + "', line 9 '999999999999"), r.err());
        assertTrue(r.errLines().get(1).contains("resuming " + run + " at T=" + T), r.err());
        List<String> after = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(valid, after.subList(1, 1 + valid.size()), "every valid row is kept, in order");
        long prev = -1;
        for (String row : after.subList(1, after.size())) {
            long step = Long.parseLong(row.substring(0, row.indexOf(',')));
            assertTrue(step > prev, "global_step rises: " + after);
            prev = step;
        }
        assertTrue(prev >= 30000, after.toString());
        assertFalse(Files.exists(run.resolve("metrics.csv.tmp")));
    }

    // ------------------------------------------------------------------ stopped before the first checkpoint

    @Test
    void aRunKilledBeforeItsFirstCheckpointStartsOverOnResume() throws Exception {
        Path done = train(tmp.resolve("done"), "--steps", "6000", "--report-every", "1000");
        Path run = tmp.resolve("killed");
        Files.createDirectories(run);
        // what a kill leaves before the first checkpoint: config.json and some rows, nothing else
        Files.copy(done.resolve("config.json"), run.resolve("config.json"));
        List<String> lines = Files.readAllLines(done.resolve("metrics.csv"));
        Files.writeString(run.resolve("metrics.csv"), String.join("\n", lines.subList(0, 4)) + "\n" + lines.get(4).substring(0, 5));
        assertRefused(run, "already holds a run (config.json); choose another directory or continue it with --resume " + run,
                "train", "--out", run.toString(), "--steps", "1000", "--progress", "none");

        TrainCommandErrorsTest.Result r = run("train", "--resume", run.toString(), "--progress", "none", "--steps", "8000");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("asyncrl: " + run + " has no checkpoint.safetensors yet (the run stopped before its first): starting it over"
                + " from T=0 with the configuration in its config.json"), r.errLines());
        JsonNode s = JSON.readTree(run.resolve("summary.json").toFile());
        assertEquals("completed", s.get("status").asText(), s.toString());
        assertTrue(s.get("steps").asLong() >= 8000, s.toString());
        assertEquals(Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep(), s.get("steps").asLong());
        List<String> after = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(lines.getFirst(), after.getFirst());
        long prev = -1;
        for (String row : after.subList(1, after.size())) {
            long step = Long.parseLong(row.substring(0, row.indexOf(',')));
            assertTrue(step > prev, "global_step rises from the start again: " + after);
            prev = step;
        }

        // a finished run whose checkpoint is gone is not started over: its params.f32 and summary.json stay
        Path gone = copyOf(done, tmp.resolve("gone"));
        Files.delete(gone.resolve(Checkpoint.FILE));
        assertRefused(gone, "no checkpoint.safetensors there, nothing to resume from (it holds params.f32 but its checkpoint is gone",
                "train", "--resume", gone.toString(), "--steps", "9000", "--progress", "none");
    }

    /** Killed after its final checkpoint, before params.f32, summary.json and the curve: found by KillResumeTest. */
    @Test
    void aRunKilledAfterItsLastCheckpointIsFinishedOnResume() throws Exception {
        Path run = train(tmp.resolve("run"), "--steps", "4000");
        long T = Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep();
        for (String f : List.of("params.f32", "summary.json", "learning_curve.png")) Files.delete(run.resolve(f));
        TrainCommandErrorsTest.Result r = run("train", "--resume", run.toString(), "--progress", "none");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("asyncrl: " + run + " stopped after its last checkpoint (T=" + T + ", its step budget) but before its summary:"
                + " writing its last files"), r.errLines());
        JsonNode s = JSON.readTree(run.resolve("summary.json").toFile());
        assertEquals(T, s.get("steps").asLong(), s.toString());
        assertEquals("completed", s.get("status").asText(), s.toString());
        assertTrue(Files.size(run.resolve("params.f32")) > 0 && Files.exists(run.resolve("learning_curve.png")));
        assertEquals(T, Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep());
        // once finished, it is refused as before
        assertRefused(run, "its checkpoint is at T=" + T + ", which has spent the step budget 4000", "train", "--resume", run.toString(),
                "--progress", "none");
    }

    // ------------------------------------------------------------------ files that are not files

    private static void mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        assertEquals(0, mk.waitFor(), new String(mk.getInputStream().readAllBytes()));
    }

    /** Opening a FIFO blocks until a writer comes: each of these hung before (the timeout only guards against that). */
    @Test
    @Timeout(300)
    void aFifoAmongTheRunsFilesIsRefusedNotOpened() throws Exception {
        Path run = train(tmp.resolve("run"), "--steps", "4000");

        Path ck = copyOf(run, tmp.resolve("ckpt-fifo"));
        Files.delete(ck.resolve(Checkpoint.FILE));
        mkfifo(ck.resolve(Checkpoint.FILE));
        assertRefused(ck, "--resume " + ck + ": its checkpoint.safetensors is not a regular file (a FIFO, a device, a directory?)",
                "train", "--resume", ck.toString(), "--steps", "8000", "--progress", "none");
        assertRefused(ck, "--run " + ck + ": checkpoint.safetensors is not a regular file", "eval", "--run", ck.toString(), "--episodes", "1");
        assertRefused(ck, "--run " + ck + ": checkpoint.safetensors is not a regular file", "export", "--run", ck.toString(), "--out",
                tmp.resolve("x.onnx").toString());

        Path cf = copyOf(run, tmp.resolve("config-fifo"));
        Files.delete(cf.resolve("config.json"));
        mkfifo(cf.resolve("config.json"));
        assertRefused(cf, "--resume " + cf + ": its config.json is not a regular file", "train", "--resume", cf.toString(),
                "--steps", "8000", "--progress", "none");

        Path mf = copyOf(run, tmp.resolve("metrics-fifo"));
        Files.delete(mf.resolve("metrics.csv"));
        mkfifo(mf.resolve("metrics.csv"));
        assertRefused(mf, "--resume " + mf + ": its metrics.csv is not a regular file", "train", "--resume", mf.toString(),
                "--steps", "8000", "--progress", "none");

        Path out = Files.createDirectories(tmp.resolve("out-fifo"));
        mkfifo(out.resolve("metrics.csv"));
        assertRefused(out, "--out " + out + ": its metrics.csv is not a regular file", "train", "--out", out.toString(),
                "--steps", "1000", "--progress", "none");
    }

    // ------------------------------------------------------------------ export's file

    @Test
    void anExportThatCannotBeWrittenSaysWhatFailed() throws Exception {
        Path run = train(tmp.resolve("run"), "--steps", "3000");
        Map<String, byte[]> before = contents(run);
        TrainCommandErrorsTest.Result r = run("export", "--run", run.toString(), "--out", "/proc/x.onnx");
        assertEquals(2, r.code(), r.err());
        assertEquals(List.of("asyncrl: cannot write /proc/x.onnx: no such file or directory; nothing was written"), r.errLines());
        Path file = tmp.resolve("file");
        Files.writeString(file, "a file, not a directory");
        r = run("export", "--run", run.toString(), "--out", file.resolve("x.onnx").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("asyncrl: cannot write " + file.resolve("x.onnx") + ": "), r.err());
        assertEquals("a file, not a directory", Files.readString(file));
        assertUnchanged(before, run);
    }
}
