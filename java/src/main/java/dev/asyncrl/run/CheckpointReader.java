package dev.asyncrl.run;

import static dev.asyncrl.run.Checkpoint.ASYNCRL_VERSION;
import static dev.asyncrl.run.Checkpoint.CHECKSUM_MARKER;
import static dev.asyncrl.run.Checkpoint.FORMAT;
import static dev.asyncrl.run.Checkpoint.FORMAT_VERSION;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reading a {@link Checkpoint} file: its bytes are checked before anything in them is used, in
 * the order that names the real problem. Damage first (the CRC-32C over the whole file, found in
 * the raw header so that a damaged header byte reads as damage even where it also breaks the
 * header's structure), then a newer format version (a newer writer may checksum differently),
 * truncation, a missing checksum, bytes after the last tensor, and the metadata's own fields.
 * Every problem is one IllegalArgumentException naming the file and what is wrong.
 */
final class CheckpointReader {
    private CheckpointReader() {}

    /** See {@link Checkpoint#read}. */
    static Checkpoint read(Path file) {
        String name = file.getFileName().toString();
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // a FIFO would block the read below until some writer came along
            throw new IllegalArgumentException(name + " is not a regular file (a FIFO, a device, a directory?)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(name + " does not exist");
        } catch (IOException | OutOfMemoryError e) {
            throw new IllegalArgumentException(name + " cannot be read (" + e.getMessage() + ")");
        }
        return fromBytes(file, bytes);
    }

    /** As {@link #read}, from the bytes of {@code file}. */
    static Checkpoint fromBytes(Path file, byte[] bytes) {
        try {
            return parse(file, bytes);
        } catch (Safetensors.FormatException e) {
            throw new IllegalArgumentException(file.getFileName() + " is not a valid checkpoint: " + e.getMessage());
        }
    }

    private static Checkpoint parse(Path file, byte[] bytes) throws Safetensors.FormatException {
        String name = file.getFileName().toString();
        long n = Safetensors.headerLength(bytes, bytes.length);
        byte[] headerBytes = Arrays.copyOfRange(bytes, 8, (int) (8 + n));
        // The checksum is found in the raw header and checked over the whole file, so that a damaged
        // header byte is reported as damage even where it also breaks the header's structure.
        int marker = Checkpoint.indexOf(headerBytes, CHECKSUM_MARKER);
        int digits = 8 + marker + CHECKSUM_MARKER.length;
        String stored = marker < 0 || digits + 8 > 8 + n ? null
                : "crc32c:" + new String(bytes, digits, 8, StandardCharsets.US_ASCII);
        String computed = null;
        if (stored != null) {
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, digits);
            crc.update("00000000".getBytes(StandardCharsets.US_ASCII));
            crc.update(bytes, digits + 8, bytes.length - digits - 8);
            computed = String.format(Locale.ROOT, "crc32c:%08x", crc.getValue());
        }
        String corrupt = name + " is corrupt: its checksum is " + stored + " but the file's bytes give " + computed
                + " (a damaged or changed byte)";
        boolean damaged = stored != null && !stored.equals(computed);
        Safetensors.Header h;
        try {
            h = Safetensors.parseHeader(headerBytes);
        } catch (Safetensors.FormatException e) {
            if (damaged) throw new IllegalArgumentException(corrupt);
            throw e;
        }
        Map<String, String> meta = h.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            if (damaged) throw new IllegalArgumentException(corrupt);
            throw new IllegalArgumentException(name + " is a safetensors file but not an asyncrl checkpoint (its __metadata__ has no format "
                    + FORMAT + ")");
        }
        int version;
        try {
            version = Integer.parseInt(meta.getOrDefault("format_version", ""));
        } catch (NumberFormatException e) {
            if (damaged) throw new IllegalArgumentException(corrupt);
            throw new Safetensors.FormatException("format_version '" + meta.get("format_version") + "' is not a number");
        }
        if (version > FORMAT_VERSION) {  // a newer writer may checksum differently: the version speaks first
            throw new IllegalArgumentException(name + " has checkpoint format version " + version + " (written by asyncrl "
                    + meta.getOrDefault("asyncrl_version", "?") + "); this asyncrl " + ASYNCRL_VERSION + " reads versions up to "
                    + FORMAT_VERSION + ": use a newer asyncrl");
        }
        long have = bytes.length - h.dataStart(), need = h.dataBytes();
        if (have < need) {
            throw new IllegalArgumentException(name + " is truncated: its header describes " + need + " bytes of tensor data, the file holds "
                    + have + " (" + bytes.length + " bytes in all)");
        }
        if (!meta.getOrDefault("checksum", "").matches("crc32c:[0-9a-f]{8}") || !meta.get("checksum").equals(stored)) {
            if (damaged) throw new IllegalArgumentException(corrupt);
            throw new Safetensors.FormatException("no checksum (crc32c:XXXXXXXX) in its metadata");
        }
        if (damaged) throw new IllegalArgumentException(corrupt);
        if (have > need) {
            throw new Safetensors.FormatException((have - need) + " bytes follow the last tensor (the file is corrupt)");
        }
        if (version < 1) throw new Safetensors.FormatException("format_version " + version + " is not a valid version");
        long T;
        try {
            T = Long.parseLong(meta.getOrDefault("global_step", ""));
        } catch (NumberFormatException e) {
            throw new Safetensors.FormatException("global_step is not a number");
        }
        if (T < 0) throw new Safetensors.FormatException("global_step is " + T + ", a step count below 0");
        for (Safetensors.Entry e : h.entries()) {
            if (!e.dtype().equals("F32")) throw new Safetensors.FormatException("tensor '" + e.name() + "' is " + e.dtype() + ", not F32");
        }
        JsonNode config = jsonField(meta, "config"), layout = jsonField(meta, "layout"), env = jsonField(meta, "env"),
                training = jsonField(meta, "training");
        if (!layout.isArray()) throw new Safetensors.FormatException("its layout is not a table");
        MemorySegment data = MemorySegment.ofArray(bytes).asSlice(h.dataStart());
        return new Checkpoint(file, h, data, T, config, layout, env, training);
    }

    private static JsonNode jsonField(Map<String, String> meta, String key) throws Safetensors.FormatException {
        String s = meta.get(key);
        if (s == null) throw new Safetensors.FormatException("its metadata lacks '" + key + "'");
        try {
            return Checkpoint.JSON.readTree(s);
        } catch (JsonProcessingException e) {
            throw new Safetensors.FormatException("its metadata '" + key + "' is not JSON");
        }
    }
}
