package dev.asyncrl.run;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.algo.Hyperparameters.OptimizerKind;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * checkpoint.safetensors on its own: a round trip gives the same bytes, every tensor lands where
 * the layout says, each kind of damage (truncation, any flipped byte, another network, a newer
 * format, a foreign file) is one IllegalArgumentException naming it, and a crash between writing
 * the temporary file and the rename leaves the old checkpoint whole.
 */
class CheckpointTest {

    @TempDir
    Path tmp;

    private static final Layout LAYOUT = Mlp.actorCritic(4, 2, new int[] {8, 6}, Activation.RELU).layout();

    private static void fill(MemorySegment block, Layout layout, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Layout.Tensor t : layout.tensors()) {
            for (long i = 0; i < t.size(); i++) block.setAtIndex(JAVA_FLOAT, t.offset() + i, (float) r.nextGaussian());
        }
    }

    private static Map<String, Object> training(long T) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("global_step", T);
        m.put("wall_seconds", 1.5);
        m.put("episodes", Map.of("count", 0, "last_returns", List.of()));
        return m;
    }

    /** Writes a checkpoint of a run with θ, per-thread momentum for 2 threads and θ⁻, filled at random. */
    private Path writeOne(Path dir, long T, long seed) throws Exception {
        Files.createDirectories(dir);
        try (SharedParams shared = new SharedParams(LAYOUT, true, 2)) {
            List<Checkpoint.Block> blocks = Checkpoint.blocks(shared, OptimizerKind.MOMENTUM);
            for (int i = 0; i < blocks.size(); i++) fill(blocks.get(i).floats(), LAYOUT, seed + i);
            try (Checkpoint.Writer w = new Checkpoint.Writer(dir, LAYOUT, blocks, Map.of("algo", "nstep-q"), Map.of("name", "cartpole"))) {
                assertEquals(-1, w.snapshot());
                w.write(T, training(T));
            }
        }
        return dir.resolve(Checkpoint.FILE);
    }

    @Test
    void roundTripGivesIdenticalBytes() throws Exception {
        Path first = writeOne(tmp.resolve("a"), 1234, 7);
        Checkpoint c = Checkpoint.read(first);
        assertEquals(1234, c.globalStep());
        assertEquals("nstep-q", c.config().get("algo").asText());
        assertEquals(List.of("param", "momentum.0", "momentum.1", "target"),
                c.tensorNames().stream().map(n -> n.substring(0, n.indexOf(".torso") > 0 ? n.indexOf(".torso")
                        : n.indexOf(".policy") > 0 ? n.indexOf(".policy") : n.indexOf(".value"))).distinct().toList());
        assertEquals("param.torso.0.weight", c.tensorNames().getFirst());

        Path again = tmp.resolve("b");
        Files.createDirectories(again);
        try (SharedParams shared = new SharedParams(LAYOUT, true, 2)) {
            List<Checkpoint.Block> blocks = Checkpoint.blocks(shared, OptimizerKind.MOMENTUM);
            c.restore(LAYOUT, blocks);
            // every tensor at its layout offset; the padding between tensors stays zero
            try (SharedParams expected = new SharedParams(LAYOUT, true, 2)) {
                List<Checkpoint.Block> e = Checkpoint.blocks(expected, OptimizerKind.MOMENTUM);
                for (int i = 0; i < e.size(); i++) fill(e.get(i).floats(), LAYOUT, 7 + i);
                for (int i = 0; i < e.size(); i++) {
                    assertEquals(-1, e.get(i).floats().mismatch(blocks.get(i).floats()), "block " + blocks.get(i).prefix());
                }
            }
            try (Checkpoint.Writer w = new Checkpoint.Writer(again, LAYOUT, blocks, Map.of("algo", "nstep-q"), Map.of("name", "cartpole"))) {
                w.snapshot();
                w.write(1234, training(1234));
            }
        }
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again.resolve(Checkpoint.FILE)), "checkpoint, load, checkpoint again");
    }

    @Test
    void tensorsAreLittleEndianFloat32AtTheirOffsets() throws Exception {
        Path f = writeOne(tmp, 5, 3);
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Safetensors.Header h = Safetensors.parseHeader(Arrays.copyOfRange(bytes, 8, (int) (8 + n)));
        Safetensors.Entry e = h.entry("target.torso.1.weight");
        assertArrayEquals(new long[] {6, 8}, e.shape());
        float[] expected = new float[(int) LAYOUT.get("torso.1.weight").size()];
        try (SharedParams p = new SharedParams(LAYOUT)) {
            fill(p.theta(), LAYOUT, 3 + 3);  // target is the fourth block: seed + 3
            for (int i = 0; i < expected.length; i++) expected[i] = p.theta().getAtIndex(JAVA_FLOAT, LAYOUT.get("torso.1.weight").offset() + i);
        }
        ByteBuffer d = ByteBuffer.wrap(bytes, (int) (h.dataStart() + e.begin()), (int) e.byteSize()).slice().order(ByteOrder.LITTLE_ENDIAN);
        for (float v : expected) assertEquals(v, d.getFloat());
        assertEquals(bytes.length, h.dataStart() + h.dataBytes());
    }

    private static String failure(Path f) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(f));
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void truncatedAtAnyLengthIsNamed() throws Exception {
        byte[] good = Files.readAllBytes(writeOne(tmp, 99, 1));
        Path f = tmp.resolve("cut.safetensors");
        for (int len : new int[] {0, 3, 7, 8, 20, 200, good.length / 2, good.length - 4, good.length - 1}) {
            Files.write(f, Arrays.copyOf(good, len));
            String m = failure(f);
            assertTrue(m.contains("truncated"), len + " bytes: " + m);
        }
    }

    @Test
    void everyFlippedByteIsCaught() throws Exception {
        byte[] good = Files.readAllBytes(writeOne(tmp, 99, 1));
        long n = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Path f = tmp.resolve("flipped.safetensors");
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= (byte) (1 << (i % 8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromBytes(f, bad), "byte " + i);
            String m = e.getMessage();
            assertEquals(1, m.lines().count(), "one line: " + m);
            if (i >= 8 + n) assertTrue(m.contains("is corrupt: its checksum is"), "byte " + i + " (data): " + m);
        }
    }

    @Test
    void anotherNetworkIsNamed() throws Exception {
        Checkpoint c = Checkpoint.read(writeOne(tmp, 99, 1));
        Layout wider = Mlp.actorCritic(4, 2, new int[] {16, 6}, Activation.RELU).layout();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.requireLayout(wider));
        assertTrue(e.getMessage().contains("belongs to another network"), e.getMessage());
        Layout deeper = Mlp.actorCritic(4, 2, new int[] {8, 6, 6}, Activation.RELU).layout();
        e = assertThrows(IllegalArgumentException.class, () -> c.requireLayout(deeper));
        assertTrue(e.getMessage().contains("belongs to another network"), e.getMessage());
        // the same network, but a run with Shared RMSProp and no target network keeps other tensors
        e = assertThrows(IllegalArgumentException.class,
                () -> c.requireTensors(LAYOUT, Checkpoint.prefixes(OptimizerKind.SHARED_RMSPROP, 2, false)));
        assertTrue(e.getMessage().contains("lacks tensor 'rmsprop.torso.0.weight'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> c.requireTensors(LAYOUT, Checkpoint.prefixes(OptimizerKind.MOMENTUM, 1, true)));
        assertTrue(e.getMessage().contains("holds tensor 'momentum.1."), e.getMessage());
        c.requireTensors(LAYOUT, Checkpoint.prefixes(OptimizerKind.MOMENTUM, 2, true));
    }

    /** A file with the given metadata and one tensor, checksum left as zeros. */
    private Path handMade(Map<String, String> meta) throws Exception {
        byte[] header = Safetensors.header(meta, List.of(new Safetensors.F32("param.x", new long[] {2})));
        Path f = tmp.resolve("hand.safetensors");
        Files.write(f, Arrays.copyOf(header, header.length + 8));
        return f;
    }

    @Test
    void newerFormatAndForeignFilesAreNamed() throws Exception {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", Checkpoint.FORMAT);
        meta.put("format_version", Integer.toString(Checkpoint.FORMAT_VERSION + 1));
        meta.put("asyncrl_version", "9.0.0");
        String m = failure(handMade(meta));
        assertTrue(m.contains("format version 2 (written by asyncrl 9.0.0)") && m.contains("use a newer asyncrl"), m);

        m = failure(handMade(Map.of("format", "pt")));
        assertTrue(m.contains("not an asyncrl checkpoint"), m);

        meta.put("format_version", "1");
        meta.put("checksum", "crc32c:00000000");
        m = failure(handMade(meta));
        assertTrue(m.contains("is corrupt: its checksum is crc32c:00000000"), m);

        m = failure(tmp.resolve("none.safetensors"));
        assertTrue(m.contains("does not exist"), m);
    }

    @Test
    void aCrashBeforeTheRenameLeavesTheOldCheckpoint() throws Exception {
        Path dir = tmp.resolve("run");
        Path f = writeOne(dir, 100, 1);
        byte[] old = Files.readAllBytes(f);
        try (SharedParams shared = new SharedParams(LAYOUT, true, 2)) {
            List<Checkpoint.Block> blocks = Checkpoint.blocks(shared, OptimizerKind.MOMENTUM);
            try (Checkpoint.Writer w = new Checkpoint.Writer(dir, LAYOUT, blocks, Map.of(), Map.of())) {
                w.snapshot();
                RuntimeException crash = assertThrows(RuntimeException.class,
                        () -> w.write(200, training(200), () -> { throw new RuntimeException("killed"); }));
                assertEquals("killed", crash.getMessage());
                // the process died after the temporary file was forced: the old checkpoint is whole
                assertArrayEquals(old, Files.readAllBytes(f));
                assertEquals(100, Checkpoint.read(f).globalStep());
                Path temp = dir.resolve(Checkpoint.FILE + ".tmp");
                assertTrue(Files.exists(temp));
                assertEquals(200, Checkpoint.read(temp).globalStep(), "the temporary file was whole, only not yet renamed");

                // a crash in the middle of writing the temporary file: a torn .tmp, the old file intact
                Files.write(temp, Arrays.copyOf(Files.readAllBytes(temp), 100));
                assertEquals(100, Checkpoint.read(f).globalStep());

                // the next write replaces both
                w.write(300, training(300));
                assertEquals(300, Checkpoint.read(f).globalStep());
                assertFalse(Files.exists(temp));
            }
        }
    }

    @Test
    void snapshotReportsANonFiniteTheta() throws Exception {
        try (SharedParams shared = new SharedParams(LAYOUT)) {
            long at = LAYOUT.get("policy.weight").offset() + 3;
            shared.theta().setAtIndex(JAVA_FLOAT, at, Float.NaN);
            try (Checkpoint.Writer w = new Checkpoint.Writer(tmp, LAYOUT, Checkpoint.blocks(shared, OptimizerKind.SHARED_RMSPROP),
                    Map.of(), Map.of())) {
                long packed = 0;  // index of that element once the padding is left out
                for (Layout.Tensor t : LAYOUT.tensors()) {
                    if (t.name().equals("policy.weight")) break;
                    packed += t.size();
                }
                assertEquals(packed + 3, w.snapshot());
            }
        }
    }
}
