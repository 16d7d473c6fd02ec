package dev.asyncrl.run;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.memory.SharedParams;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * A training checkpoint: {@value #FILE} in the run directory, a safetensors file ({@link
 * Safetensors}) that PyTorch, NumPy and the safetensors tools read as they are.
 *
 * <p>Tensors (float32, little-endian, one per layout-table tensor, padding left out):
 * <ul>
 *   <li>{@code param.<name>}: θ, the shared parameters;</li>
 *   <li>{@code rmsprop.<name>}: g, the Shared RMSProp statistics (--optimizer shared-rmsprop);</li>
 *   <li>{@code rmsprop.<i>.<name>} or {@code momentum.<i>.<name>}: thread i's own RMSProp
 *       statistics or momentum (--optimizer rmsprop or momentum);</li>
 *   <li>{@code target.<name>}: θ⁻, the target network (the Q methods).</li>
 * </ul>
 * where {@code <name>} is the layout table's (e.g. {@code torso.0.weight}).
 *
 * <p>{@code __metadata__} (strings; the last four are JSON text): {@code format}
 * ({@value #FORMAT}), {@code format_version}, {@code asyncrl_version}, {@code global_step},
 * {@code checksum}, {@code config} (every setting, resolved, as config.json), {@code layout} (the
 * layout table: name, offset, shape), {@code env} (name, id, observation shape, actions),
 * {@code training} (T, wall seconds, the episode statistics, the schedules' values at T, the
 * random streams, earlier resumes). The checksum is {@code crc32c:} and 8 hex digits: CRC-32C of
 * the whole file, computed with those 8 digits read as '0'; a damaged byte anywhere shows.
 *
 * <p>What a checkpoint captures, while Hogwild! threads keep writing: the watcher thread reads T,
 * then copies θ, the optimizer statistics and θ⁻ into its own buffer, tensor by tensor, without
 * stopping the workers; the file is written from that copy. θ therefore holds every update applied
 * before the copy began, and possibly parts of the few in flight (at most one segment per thread),
 * exactly the kind of mixed state any Hogwild! reader sees; T may count a few segments whose update
 * had not landed. Random streams are not frozen mid-segment: a resumed run gives each thread fresh
 * streams derived from the run seed, the thread and the T it resumes at, and starts new episodes
 * (the episodes in progress at the checkpoint are dropped; their steps stay counted in T).
 *
 * <p>Writes are atomic: a temporary file beside the checkpoint is written and forced to disk,
 * renamed over the old one (ATOMIC_MOVE), and the directory is forced; a crash at any point leaves
 * either the old checkpoint or the new one, whole. Reading checks the format marker, the format
 * version, the size, the checksum and the structure before anything is used; any problem is one
 * IllegalArgumentException naming it (bad input: exit 2).
 *
 * <p>A checkpoint read is this record: only {@link #read} makes one from a file, after every check.
 *
 * @param file        the file it was read from
 * @param header      the safetensors header: tensor entries and metadata
 * @param data        the data section, little-endian, read-only
 * @param globalStep  T when the checkpoint was taken
 * @param config      the resolved configuration the run trained with (config.json's settings)
 * @param layoutTable the layout table: [{name, offset, shape}, ...]
 * @param env         the environment: name, id, spaces
 * @param training    T, wall seconds, episode statistics, schedules, random streams, resumes
 */
public record Checkpoint(Path file, Safetensors.Header header, MemorySegment data, long globalStep, JsonNode config,
                         JsonNode layoutTable, JsonNode env, JsonNode training) {
    public static final String FILE = "checkpoint.safetensors";
    public static final String FORMAT = "asyncrl-checkpoint";
    /** Bumped whenever what a reader must understand changes; a reader refuses newer versions. */
    public static final int FORMAT_VERSION = 1;
    public static final String ASYNCRL_VERSION = "0.1.0";

    public static final String PARAM = "param";
    public static final String TARGET = "target";
    public static final String RMSPROP = "rmsprop";
    public static final String MOMENTUM = "momentum";

    public Checkpoint {
        data = data.asReadOnly();
    }

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final ValueLayout.OfFloat LE_FLOAT = JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Floats in a file read into a byte[]: no alignment to rely on. */
    static final ValueLayout.OfFloat LE_FLOAT_UNALIGNED = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final byte[] CHECKSUM_MARKER = "\"checksum\":\"crc32c:".getBytes(StandardCharsets.US_ASCII);

    /** One block of floats laid out by the layout table, and the prefix its tensors take in the file. */
    public record Block(String prefix, MemorySegment floats) {}

    /** The tensor-name prefixes of a run's blocks: θ, the optimizer's statistics, and θ⁻ when there is one. */
    public static List<String> prefixes(Hyperparameters.OptimizerKind optimizer, int threads, boolean target) {
        List<String> p = new ArrayList<>();
        p.add(PARAM);
        switch (optimizer) {
            case SHARED_RMSPROP -> p.add(RMSPROP);
            case RMSPROP -> { for (int i = 0; i < threads; i++) p.add(RMSPROP + "." + i); }
            case MOMENTUM -> { for (int i = 0; i < threads; i++) p.add(MOMENTUM + "." + i); }
        }
        if (target) p.add(TARGET);
        return p;
    }

    /** The blocks a run checkpoints, in {@link #prefixes} order. */
    public static List<Block> blocks(SharedParams shared, Hyperparameters.OptimizerKind optimizer) {
        List<Block> b = new ArrayList<>();
        b.add(new Block(PARAM, shared.theta()));
        if (optimizer == Hyperparameters.OptimizerKind.SHARED_RMSPROP) b.add(new Block(RMSPROP, shared.g()));
        List<String> p = prefixes(optimizer, shared.optimizerStates(), false);
        for (int i = 0; i < shared.optimizerStates(); i++) b.add(new Block(p.get(1 + i), shared.optimizerState(i)));
        if (shared.hasTarget()) b.add(new Block(TARGET, shared.target()));
        return b;
    }

    /** The layout table as JSON-ready maps: name, offset, shape (what config.json records). */
    public static List<Map<String, Object>> layoutTable(Layout layout) {
        List<Map<String, Object>> tensors = new ArrayList<>();
        for (Layout.Tensor t : layout.tensors()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", t.name());
            e.put("offset", t.offset());
            e.put("shape", t.shape());
            tensors.add(e);
        }
        return tensors;
    }

    /** The index of the first NaN or infinity among the first {@code floats} float32 of {@code theta}, or -1 if there is none. */
    public static long firstNonFinite(MemorySegment theta, long floats) {
        for (long i = 0; i < floats; i++) {
            if (!Float.isFinite(theta.getAtIndex(JAVA_FLOAT, i))) return i;
        }
        return -1;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes checkpoints of one run: owns the buffer the blocks are copied into (allocated once,
     * the size of their tensors), so that a snapshot is one pass of copies and the file is written
     * from the copy while training goes on. Used by one thread.
     */
    public static final class Writer implements AutoCloseable {
        private final Path dir;
        private final Layout layout;
        private final List<Block> blocks;
        private final Map<String, String> fixed;
        private final List<Safetensors.F32> tensors = new ArrayList<>();
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment copy;
        private final long thetaFloats;

        /**
         * @param config the resolved configuration (config.json's content, without the layout)
         * @param env    the environment: name, id, spaces
         */
        public Writer(Path dir, Layout layout, List<Block> blocks, Map<String, Object> config, Map<String, Object> env) {
            this.dir = dir;
            this.layout = layout;
            this.blocks = List.copyOf(blocks);
            for (Block b : blocks) {
                for (Layout.Tensor t : layout.tensors()) tensors.add(new Safetensors.F32(b.prefix() + "." + t.name(), t.shape()));
            }
            this.thetaFloats = layout.parameterCount();
            this.copy = arena.allocate(Math.max(1, thetaFloats * blocks.size() * Float.BYTES), 64);
            fixed = new LinkedHashMap<>();
            fixed.put("format", FORMAT);
            fixed.put("format_version", Integer.toString(FORMAT_VERSION));
            fixed.put("asyncrl_version", ASYNCRL_VERSION);
            fixed.put("config", json(config));
            fixed.put("layout", json(layoutTable(layout)));
            fixed.put("env", json(env));
        }

        /**
         * Copies every block into this writer's buffer (a Hogwild! read: see the class comment).
         * Returns the index of the first non-finite value of θ, or -1 if θ is finite: a diverged θ
         * should not replace a good checkpoint.
         */
        public long snapshot() {
            long at = 0;
            for (Block b : blocks) {
                for (Layout.Tensor t : layout.tensors()) {
                    MemorySegment.copy(b.floats(), JAVA_FLOAT, t.offset() * Float.BYTES, copy, LE_FLOAT, at * Float.BYTES, t.size());
                    at += t.size();
                }
            }
            for (long i = 0; i < thetaFloats; i++) {
                if (!Float.isFinite(copy.getAtIndex(LE_FLOAT, i))) return i;
            }
            return -1;
        }

        /** Writes the last snapshot with {@code training} (T and the rest, see the class comment) atomically. */
        public void write(long globalStep, Map<String, Object> training) {
            write(globalStep, training, () -> {});
        }

        /** As {@link #write(long, Map)}; {@code beforeRename} runs between the forced temporary file and the rename (tests). */
        void write(long globalStep, Map<String, Object> training, Runnable beforeRename) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", fixed.get("format"));
            meta.put("format_version", fixed.get("format_version"));
            meta.put("asyncrl_version", fixed.get("asyncrl_version"));
            meta.put("global_step", Long.toString(globalStep));
            meta.put("checksum", "crc32c:00000000");
            meta.put("config", fixed.get("config"));
            meta.put("layout", fixed.get("layout"));
            meta.put("env", fixed.get("env"));
            meta.put("training", json(training));
            byte[] header = Safetensors.header(meta, tensors);
            ByteBuffer data = copy.asSlice(0, thetaFloats * blocks.size() * Float.BYTES).asByteBuffer();
            int digits = indexOf(header, CHECKSUM_MARKER) + CHECKSUM_MARKER.length;
            CRC32C crc = new CRC32C();
            crc.update(header);
            crc.update(data.duplicate());
            byte[] hex = String.format(Locale.ROOT, "%08x", crc.getValue()).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(hex, 0, header, digits, 8);
            writeAtomically(dir.resolve(FILE), List.of(ByteBuffer.wrap(header), data), beforeRename);
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /**
     * Writes {@code parts} to {@code target} so that a crash leaves the old file or the new one:
     * a temporary file beside it, forced; a rename over the target; the directory forced.
     */
    static void writeAtomically(Path target, List<ByteBuffer> parts, Runnable beforeRename) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                for (ByteBuffer p : parts) {
                    ByteBuffer b = p.duplicate();
                    while (b.hasRemaining()) ch.write(b);
                }
                ch.force(true);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);  // a half-written copy is worth nothing and holds space a full disk needs
                throw e;
            }
            beforeRename.run();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(target.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
                d.force(true);  // the rename itself reaches the disk
            }
        } catch (IOException e) {
            throw new RunDirectory.WriteFailedException(target, e);
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first index of needle in haystack, or −1 (also the fuzz test's way to find the checksum). */
    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads and verifies a checkpoint file; throws IllegalArgumentException naming the problem
     * (missing, truncated, corrupt, not a checkpoint, a newer format). Reads only. The checks are
     * {@link CheckpointReader}'s.
     */
    public static Checkpoint read(Path file) {
        return CheckpointReader.read(file);
    }

    /** As {@link #read}, from the bytes of {@code file}. */
    static Checkpoint fromBytes(Path file, byte[] bytes) {
        return CheckpointReader.fromBytes(file, bytes);
    }

    /** Tensor names in file order. */
    public List<String> tensorNames() {
        return header.entries().stream().map(Safetensors.Entry::name).toList();
    }

    /**
     * Throws IllegalArgumentException unless this checkpoint was written for {@code layout}: its
     * recorded layout table is the same (names, offsets, shapes) and it holds {@code param.<name>}
     * of each tensor's shape.
     */
    public void requireLayout(Layout layout) {
        String other = file.getFileName() + " belongs to another network";
        List<Layout.Tensor> tensors = layout.tensors();
        if (layoutTable.size() != tensors.size()) {
            throw new IllegalArgumentException(other + ": its layout has " + layoutTable.size() + " tensors, this network's " + tensors.size());
        }
        for (int i = 0; i < tensors.size(); i++) {
            Layout.Tensor t = tensors.get(i);
            JsonNode r = layoutTable.get(i);
            long[] shape = new long[r.path("shape").size()];
            for (int d = 0; d < shape.length; d++) shape[d] = r.path("shape").get(d).asLong();
            if (!t.name().equals(r.path("name").asText()) || t.offset() != r.path("offset").asLong(-1) || !Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException(other + ": its tensor " + i + " is " + r.path("name").asText() + Arrays.toString(shape)
                        + "@" + r.path("offset").asText() + ", this network's is " + t);
            }
        }
        requirePrefix(layout, PARAM);
    }

    /** Throws IllegalArgumentException unless the tensors of every prefix are here, and nothing else. */
    public void requireTensors(Layout layout, List<String> prefixes) {
        requireLayout(layout);
        Set<String> expected = new HashSet<>();
        for (String p : prefixes) {
            requirePrefix(layout, p);
            for (Layout.Tensor t : layout.tensors()) expected.add(p + "." + t.name());
        }
        for (Safetensors.Entry e : header.entries()) {
            if (!expected.contains(e.name())) {
                throw new IllegalArgumentException(file.getFileName() + " does not fit this run: it holds tensor '" + e.name()
                        + "', which this run's optimizer, thread count and algorithm do not have");
            }
        }
    }

    private void requirePrefix(Layout layout, String prefix) {
        for (Layout.Tensor t : layout.tensors()) {
            String name = prefix + "." + t.name();
            Safetensors.Entry e = header.entry(name);
            if (e == null) {
                throw new IllegalArgumentException(file.getFileName() + " does not fit this run: it lacks tensor '" + name + "'");
            }
            if (!Arrays.equals(e.shape(), t.shape())) {
                throw new IllegalArgumentException(file.getFileName() + " belongs to another network: its tensor " + name
                        + " is " + Arrays.toString(e.shape()) + ", this network's " + Arrays.toString(t.shape()));
            }
        }
    }

    /**
     * Null if every tensor holds finite numbers, else where the first NaN or infinity is (e.g.
     * "NaN in param.torso.0.weight[3]"): a checkpoint written before asyncrl refused diverged ones,
     * or changed by hand, would resume into a run that fails at once.
     */
    public String firstNonFinite() {
        for (Safetensors.Entry e : header.entries()) {
            long n = e.byteSize() / Float.BYTES;
            for (long i = 0; i < n; i++) {
                float v = data.get(LE_FLOAT_UNALIGNED, e.begin() + i * Float.BYTES);
                if (!Float.isFinite(v)) return v + " in " + e.name() + "[" + i + "]";
            }
        }
        return null;
    }

    /** Copies the tensors {@code prefix.<name>} into {@code dst} at the layout's offsets (padding untouched). */
    public void copyInto(String prefix, Layout layout, MemorySegment dst) {
        requirePrefix(layout, prefix);
        for (Layout.Tensor t : layout.tensors()) {
            Safetensors.Entry e = header.entry(prefix + "." + t.name());
            MemorySegment.copy(data, LE_FLOAT_UNALIGNED, e.begin(), dst, JAVA_FLOAT, t.offset() * Float.BYTES, t.size());
        }
    }

    /** Restores every block from this checkpoint, after checking that it holds them all and nothing else. */
    public void restore(Layout layout, List<Block> blocks) {
        requireTensors(layout, blocks.stream().map(Block::prefix).toList());
        for (Block b : blocks) copyInto(b.prefix(), layout, b.floats());
    }
}
