package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static dev.asyncrl.cli.TrainCommandErrorsTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asyncrl.run.Checkpoint;
import dev.asyncrl.run.Safetensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code asyncrl train --resume DIR}, in-process: T, the metrics and the summary continue; the
 * optimizer's per-thread statistics and the target network come back; and every kind of bad input
 * (a damaged, truncated, foreign or newer checkpoint, none at all, a conflicting flag) exits 2 with
 * one line naming it and leaves every byte of the run directory as it was.
 */
class ResumeTest {

    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--threads", "2", "--seed", "1", "--out", out.toString(),
                "--progress", "none", "--stop-return", "none"));
        args.addAll(List.of(extra));
        ok(args.toArray(String[]::new));
        return out;
    }

    private static List<long[]> rows(Path run) throws IOException {
        List<long[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",", -1);
            rows.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[2])});
        }
        return rows;
    }

    private static JsonNode json(Path f) throws IOException {
        return JSON.readTree(f.toFile());
    }

    @Test
    void resumeContinuesTMetricsAndSummary() throws Exception {
        Path run = train(tmp.resolve("a3c"), "--steps", "30000", "--report-every", "5000");
        long T1 = Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep();
        JsonNode first = json(run.resolve("summary.json"));
        assertEquals(T1, first.get("steps").asLong(), "the last checkpoint is taken at the end");
        // rows past the checkpoint (as a crash after it would leave) and a row cut short
        Files.writeString(run.resolve("metrics.csv"), (T1 + 2000) + ",9.0,900,20.0,100.0\n999999,9.5,901,20.0,100.0\n50000,1.",
                StandardOpenOption.APPEND);

        TrainCommandErrorsTest.Result r = ok("train", "--resume", run.toString(), "--steps", "60000", "--progress", "none",
                "--algo", "a3c", "--env", "cartpole", "--threads", "2", "--seed", "1");  // the run's own flags are accepted
        assertTrue(r.err().contains("resuming " + run + " at T=" + T1), r.err());

        JsonNode s = json(run.resolve("summary.json"));
        long T2 = s.get("steps").asLong();
        assertTrue(T2 >= 60000, s.toString());
        assertEquals(T2, Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep());
        assertEquals(List.of(T1), JSON.convertValue(s.get("resumed_at_steps"), List.class).stream().map(x -> ((Number) x).longValue()).toList());
        assertTrue(s.get("episodes").asLong() > first.get("episodes").asLong(), "episodes count the whole run: " + s);
        assertTrue(s.get("wall_seconds").asDouble() > first.get("wall_seconds").asDouble(), "wall time of the whole run: " + s);
        assertEquals(60000, json(run.resolve("config.json")).get("steps").asLong(), "config.json shows the new budget");

        List<long[]> rows = rows(run);
        for (int i = 1; i < rows.size(); i++) {
            assertTrue(rows.get(i)[0] > rows.get(i - 1)[0], "global_step rises row by row: " + Files.readString(run.resolve("metrics.csv")));
            assertTrue(rows.get(i)[1] >= rows.get(i - 1)[1], "episodes never fall");
        }
        assertTrue(rows.stream().noneMatch(x -> x[0] == 999999 || x[0] == T1 + 2000), "rows past the checkpoint are cut");
        assertTrue(rows.stream().filter(x -> x[0] <= T1).count() >= 5 && rows.stream().filter(x -> x[0] > T1).count() >= 5,
                "rows before and after the resume: " + Files.readString(run.resolve("metrics.csv")));
        assertEquals(T2, rows.getLast()[0]);
        assertFalse(Files.exists(run.resolve(Checkpoint.FILE + ".tmp")));
    }

    /**
     * A run written before the update telemetry (metrics.csv with the five DESIGN.md columns, a
     * checkpoint without "updates") resumes: metrics.csv gets the new header, its earlier rows
     * empty telemetry fields, and the updates are counted from the resume on.
     */
    @Test
    void aRunFromBeforeTheUpdateTelemetryResumes() throws Exception {
        Path run = train(tmp.resolve("old"), "--steps", "20000", "--report-every", "2000");
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        List<String> legacy = new ArrayList<>();
        for (String l : lines) legacy.add(String.join(",", Arrays.copyOf(l.split(",", -1), 5)));
        assertEquals(dev.asyncrl.run.RunDirectory.METRICS_HEADER_V1, legacy.getFirst());
        Files.write(run.resolve("metrics.csv"), legacy);
        Path ckpt = run.resolve(Checkpoint.FILE);
        Files.write(ckpt, withoutUpdates(Files.readAllBytes(ckpt)));
        long T1 = Checkpoint.read(ckpt).globalStep();
        assertTrue(Checkpoint.read(ckpt).training().path("updates").isMissingNode());

        ok("train", "--resume", run.toString(), "--steps", "40000", "--progress", "none");
        List<String> after = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(dev.asyncrl.run.RunDirectory.METRICS_HEADER, after.getFirst());
        assertFalse(Files.exists(run.resolve("metrics.csv.tmp")));
        int kept = 0, added = 0;
        for (String l : after.subList(1, after.size())) {
            String[] f = l.split(",", -1);
            assertEquals(9, f.length, l);
            if (Long.parseLong(f[0]) <= T1) {
                assertTrue(legacy.contains(String.join(",", Arrays.copyOf(f, 5))) && l.endsWith(",,,,"), "an earlier row, kept as it was: " + l);
                kept++;
            } else {
                assertFalse(f[5].isEmpty(), "a new row counts updates: " + l);
                added++;
            }
        }
        assertTrue(kept >= 5 && added >= 5, Files.readString(run.resolve("metrics.csv")));
        JsonNode s = json(run.resolve("summary.json"));
        long updates = s.get("updates").asLong();
        long T2 = s.get("steps").asLong();
        JsonNode config = json(run.resolve("config.json"));
        long perUpdate = config.get("t_max").asLong() * config.get("envs_per_thread").asLong();   // at most t_max·K steps an update
        assertTrue(updates >= (T2 - T1) / perUpdate && updates <= T2 - T1, "updates counted from the resume on: " + s);
        assertTrue(s.get("updates_per_second").asDouble() > 0, s.toString());

        // and a run with the telemetry resumes with its count going on
        ok("train", "--resume", run.toString(), "--steps", "60000", "--progress", "none");
        JsonNode s3 = json(run.resolve("summary.json"));
        assertTrue(s3.get("updates").asLong() >= updates + (s3.get("steps").asLong() - T2) / perUpdate, s3.toString());
        assertEquals(dev.asyncrl.run.RunDirectory.METRICS_HEADER, Files.readAllLines(run.resolve("metrics.csv")).getFirst());
    }

    /** The checkpoint as an asyncrl from before the update telemetry wrote it: no "updates" in its training state. */
    private static byte[] withoutUpdates(byte[] file) throws Exception {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Safetensors.Header h = Safetensors.parseHeader(Arrays.copyOfRange(file, 8, (int) (8 + n)));
        Map<String, String> meta = new LinkedHashMap<>(h.metadata());
        com.fasterxml.jackson.databind.node.ObjectNode training = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(meta.get("training"));
        training.remove("updates");
        meta.put("training", JSON.writeValueAsString(training));
        meta.put("checksum", "crc32c:00000000");
        List<Safetensors.F32> tensors = h.entries().stream().map(e -> new Safetensors.F32(e.name(), e.shape())).toList();
        byte[] header = Safetensors.header(meta, tensors);
        byte[] out = Arrays.copyOf(header, header.length + (int) h.dataBytes());
        System.arraycopy(file, (int) h.dataStart(), out, header.length, (int) h.dataBytes());
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(out);
        String text = new String(out, 0, header.length, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = text.indexOf("crc32c:00000000") + "crc32c:".length();
        byte[] hex = String.format("%08x", crc.getValue()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, out, at, 8);
        return out;
    }

    @Test
    void perThreadMomentumAndTheTargetNetworkComeBack() throws Exception {
        Path run = train(tmp.resolve("nstep"), "--algo", "nstep-q", "--optimizer", "momentum", "--steps", "20000",
                "--checkpoint-every-steps", "5000");
        Checkpoint c = Checkpoint.read(run.resolve(Checkpoint.FILE));
        for (String prefix : List.of("param.", "momentum.0.", "momentum.1.", "target.")) {
            assertTrue(c.tensorNames().contains(prefix + "q.weight"), prefix + " in " + c.tensorNames());
        }
        assertFalse(c.tensorNames().stream().anyMatch(n -> n.startsWith("rmsprop.")));
        JsonNode eps = json(run.resolve("config.json")).get("thread_final_epsilons");
        assertEquals(eps, c.training().get("schedules").get("thread_final_epsilons"));
        ok("train", "--resume", run.toString(), "--steps", "40000", "--progress", "none");
        assertEquals(eps, json(run.resolve("config.json")).get("thread_final_epsilons"), "each thread keeps its final epsilon");
        assertTrue(Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep() >= 40000);
    }

    /** Every file of a directory and its bytes. */
    private static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) m.put(f.getFileName().toString(), Files.readAllBytes(f));
        }
        return m;
    }

    private static void assertRefused(Path run, String fragment, String... args) throws IOException {
        Map<String, byte[]> before = Files.isDirectory(run) ? contents(run) : Map.of();
        List<String> all = new ArrayList<>(List.of("train", "--resume", run.toString(), "--progress", "none"));
        all.addAll(List.of(args));
        TrainCommandErrorsTest.Result r = TrainCommandErrorsTest.run(all.toArray(String[]::new));
        assertEquals(2, r.code(), all + ": " + r.err());
        assertEquals(1, r.errLines().size(), "one line: " + r.err());
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in: " + r.err());
        Map<String, byte[]> after = Files.isDirectory(run) ? contents(run) : Map.of();
        assertEquals(before.keySet(), after.keySet(), "no file added or removed");
        for (String f : before.keySet()) assertArrayEquals(before.get(f), after.get(f), f + " unchanged");
    }

    private static Path copyOf(Path run, Path to) throws IOException {
        Files.createDirectories(to);
        for (Map.Entry<String, byte[]> e : contents(run).entrySet()) Files.write(to.resolve(e.getKey()), e.getValue());
        return to;
    }

    @Test
    void badInputChangesNothing() throws Exception {
        Path run = train(tmp.resolve("run"), "--steps", "20000");
        long T = Checkpoint.read(run.resolve(Checkpoint.FILE)).globalStep();

        assertRefused(run, "--lr 0.01 conflicts with --resume " + run + ", whose run has lr 7.0E-4", "--lr", "0.01");
        assertRefused(run, "--hidden 32 conflicts", "--hidden", "32");
        assertRefused(run, "--algo nstep-q conflicts", "--algo", "nstep-q");
        assertRefused(run, "--q-loss-coef 0.5 conflicts with --resume " + run + ", whose run has q_loss_coef unset", "--q-loss-coef", "0.5");
        assertRefused(run, "conflicts with --resume " + run + ": a resumed run continues in its own directory", "--out", tmp.resolve("x").toString());
        assertRefused(run, "its checkpoint is at T=" + T + ", which has spent the step budget 20000", "--steps", "20000");
        assertRefused(tmp.resolve("nowhere"), "--resume " + tmp.resolve("nowhere") + ": no such directory");

        byte[] good = Files.readAllBytes(run.resolve(Checkpoint.FILE));
        Path none = copyOf(run, tmp.resolve("none"));
        Files.delete(none.resolve(Checkpoint.FILE));
        assertRefused(none, "no checkpoint.safetensors there, nothing to resume from", "--steps", "40000");

        Path cut = copyOf(run, tmp.resolve("cut"));
        Files.write(cut.resolve(Checkpoint.FILE), Arrays.copyOf(good, good.length - 100));
        assertRefused(cut, "checkpoint.safetensors is truncated", "--steps", "40000");

        Path flipped = copyOf(run, tmp.resolve("flipped"));
        byte[] bad = good.clone();
        bad[bad.length - 17] ^= 0x40;
        Files.write(flipped.resolve(Checkpoint.FILE), bad);
        assertRefused(flipped, "checkpoint.safetensors is corrupt: its checksum is", "--steps", "40000");

        Path newer = copyOf(run, tmp.resolve("newer"));
        Files.write(newer.resolve(Checkpoint.FILE), withMetadata(good, "format_version", "2"));
        assertRefused(newer, "has checkpoint format version 2", "--steps", "40000");

        Path other = train(tmp.resolve("other"), "--steps", "3000", "--hidden", "32");
        Path foreign = copyOf(run, tmp.resolve("foreign"));
        Files.copy(other.resolve(Checkpoint.FILE), foreign.resolve(Checkpoint.FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(foreign, "checkpoint.safetensors belongs to another network than config.json", "--steps", "40000");

        try (FileChannel ch = FileChannel.open(run.resolve("metrics.csv"), StandardOpenOption.WRITE); var lock = ch.lock()) {
            assertRefused(run, run + " is in use", "--steps", "40000");
        }
    }

    /** The same checkpoint with one metadata value replaced (and the checksum left as it was). */
    private static byte[] withMetadata(byte[] file, String key, String value) throws Exception {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Safetensors.Header h = Safetensors.parseHeader(Arrays.copyOfRange(file, 8, (int) (8 + n)));
        Map<String, String> meta = new LinkedHashMap<>(h.metadata());
        meta.put(key, value);
        List<Safetensors.F32> tensors = h.entries().stream().map(e -> new Safetensors.F32(e.name(), e.shape())).toList();
        byte[] header = Safetensors.header(meta, tensors);
        byte[] out = Arrays.copyOf(header, header.length + (int) h.dataBytes());
        System.arraycopy(file, (int) h.dataStart(), out, header.length, (int) h.dataBytes());
        return out;
    }

    @Test
    void theRecordedConfigurationRebuildsTheSameRun() throws Exception {
        List<List<String>> cases = List.of(List.of(), List.of("--algo", "nstep-q", "--optimizer", "momentum"),
                List.of("--algo", "onestep-sarsa", "--optimizer", "rmsprop", "--final-epsilons", "0.2,0.1", "--epsilon-probs", "0.5,0.5"),
                List.of("--env", "pendulum", "--lr-log-uniform", "1e-4,1e-2", "--stop-return", "none", "--lstm", "8"),
                List.of("--env", "pendulum", "--lstm", "8", "--value-net", "separate"),
                List.of("--env", "pendulum", "--preset", "paper-continuous"),
                List.of("--env", "minatar-breakout", "--conv", "8,3,1", "--checkpoint-every-steps", "5000"));
        for (List<String> args : cases) {
            TrainCommand cmd = new TrainCommand();
            new picocli.CommandLine(cmd).parseArgs(args.toArray(String[]::new));
            dev.asyncrl.run.TrainConfig cfg = cmd.resolve();
            String recorded = JSON.writeValueAsString(cfg.toMap("k"));
            dev.asyncrl.run.TrainConfig back = dev.asyncrl.run.TrainConfig.fromJson(JSON.readTree(recorded), cfg.out());
            assertEquals(recorded, JSON.writeValueAsString(back.toMap("k")), args.toString());
            assertEquals(cfg.hp().toString().replaceAll("\\[D@\\w+", ""), back.hp().toString().replaceAll("\\[D@\\w+", ""), args.toString());
        }
    }

    /**
     * A3C with a separate value network (Gaussian policy, LSTM): config.json and the checkpoint
     * record value_net, the checkpoint holds the value net's own tensors in θ and in the RMSProp
     * statistics, a conflicting --value-net is refused, the run resumes and evaluates.
     */
    @Test
    void aSeparateValueNetCheckpointsResumesAndEvaluates() throws Exception {
        Path run = train(tmp.resolve("sep"), "--env", "pendulum", "--hidden", "16", "--lstm", "4", "--value-net", "separate",
                "--steps", "6000");
        assertEquals("separate", json(run.resolve("config.json")).get("value_net").asText());
        Checkpoint c = Checkpoint.read(run.resolve(Checkpoint.FILE));
        assertEquals("separate", c.config().get("value_net").asText());
        for (String t : List.of("param.value_torso.0.weight", "param.value_lstm.weight_hh", "param.value.weight", "param.lstm.weight_hh",
                "rmsprop.value_lstm.weight_ih", "rmsprop.torso.0.weight")) {
            assertTrue(c.tensorNames().contains(t), t + " in " + c.tensorNames());
        }
        long T = c.globalStep();
        assertRefused(run, "--value-net shared conflicts with --resume " + run + ", whose run has value_net \"separate\"",
                "--value-net", "shared", "--steps", "12000");
        assertRefused(run, "unknown --value-net 'both' (shared or separate)", "--value-net", "both", "--steps", "12000");
        ok("train", "--resume", run.toString(), "--steps", "12000", "--progress", "none", "--value-net", "separate");
        JsonNode s = json(run.resolve("summary.json"));
        assertTrue(s.get("steps").asLong() >= 12000, s.toString());
        assertEquals(List.of(T), JSON.convertValue(s.get("resumed_at_steps"), List.class).stream().map(x -> ((Number) x).longValue()).toList());
        TrainCommandErrorsTest.Result r = ok("eval", "--run", run.toString(), "--episodes", "2", "--out", tmp.resolve("sep-eval").toString());
        assertTrue(r.out().contains("Pendulum-v1, 2 episodes"), r.out());

        // A shared run's recorded configuration says shared; one from before the flag (no value_net) reads as shared.
        Path shared = train(tmp.resolve("shared"), "--env", "pendulum", "--hidden", "16", "--steps", "3000");
        assertEquals("shared", json(shared.resolve("config.json")).get("value_net").asText());
        assertRefused(shared, "--value-net separate conflicts", "--value-net", "separate", "--steps", "6000");
        var old = (com.fasterxml.jackson.databind.node.ObjectNode) json(shared.resolve("config.json"));
        old.remove("value_net");
        assertEquals("shared", dev.asyncrl.run.TrainConfig.fromJson(old, shared).valueNet());
    }

    @Test
    void evalReadsTheCheckpoint() throws Exception {
        Path run = train(tmp.resolve("run"), "--steps", "20000");
        Files.delete(run.resolve("params.f32"));
        TrainCommandErrorsTest.Result r = ok("eval", "--run", run.toString(), "--episodes", "3", "--out", tmp.resolve("eval").toString());
        assertTrue(Files.exists(tmp.resolve("eval/summary.json")), r.out());

        byte[] bad = Files.readAllBytes(run.resolve(Checkpoint.FILE));
        bad[bad.length / 2] ^= 1;
        Files.write(run.resolve(Checkpoint.FILE), bad);
        r = TrainCommandErrorsTest.run("eval", "--run", run.toString(), "--episodes", "3");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--run " + run + ": checkpoint.safetensors is corrupt"), r.err());
    }
}
