package dev.asyncrl.run;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors container (Hugging Face's format, read by PyTorch, NumPy, JAX and others): an
 * 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON, then the raw tensor data.
 * The JSON maps each tensor name to {@code {"dtype": "F32", "shape": [..], "data_offsets": [begin,
 * end]}} (byte offsets into the data, which follows the header), plus an optional
 * {@code "__metadata__"} map of strings to strings. Data is little-endian and row-major; the
 * tensors cover the data section exactly, without gaps or overlap. The writer pads the header with
 * spaces to a multiple of 8 bytes, as the reference implementation does, so every tensor starts
 * aligned.
 *
 * <p>This class knows the container only; what asyncrl puts in it is {@link Checkpoint}'s business.
 * It writes float32 tensors and reads any dtype's entries (callers check the dtype they need).
 * Malformed input is a {@link FormatException} naming the problem.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Header lengths above this are refused, as the reference implementation does (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    public static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** A file's header does not describe a valid safetensors file. */
    public static final class FormatException extends Exception {
        public FormatException(String message) {
            super(message);
        }
    }

    /** A named tensor of some shape: what an entry read and a tensor to write have in common. */
    public sealed interface Tensor permits Entry, F32 {
        String name();

        /** The dimensions, outermost first (a copy). */
        long[] shape();

        /** The product of the dimensions; ArithmeticException if it overflows a long. */
        default long elements() {
            long n = 1;
            for (long d : shape()) n = Math.multiplyExact(n, d);
            return n;
        }
    }

    /** One tensor's entry: dtype, shape, and its bytes [begin, end) within the data section. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) implements Tensor {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long byteSize() {
            return end - begin;
        }
    }

    /**
     * A parsed header: entries in data order, the metadata map (empty when absent), and where the
     * data section starts in the file (8 + N).
     */
    public record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {
        public Header {
            entries = List.copyOf(entries);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** Bytes the data section must hold: the end of the last tensor. */
        public long dataBytes() {
            return entries.isEmpty() ? 0 : entries.getLast().end();
        }

        public Entry entry(String name) {
            for (Entry e : entries) if (e.name().equals(name)) return e;
            return null;
        }
    }

    /** Bytes per element of each dtype the format defines. */
    public static int dtypeBytes(String dtype) throws FormatException {
        return switch (dtype) {
            case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3" -> 1;
            case "I16", "U16", "F16", "BF16" -> 2;
            case "I32", "U32", "F32" -> 4;
            case "I64", "U64", "F64" -> 8;
            default -> throw new FormatException("unknown dtype '" + dtype + "'");
        };
    }

    /** The header length N from a file's first bytes ({@code start}, at least 8 unless the file is shorter), checked against its size. */
    public static long headerLength(byte[] start, long fileSize) throws FormatException {
        if (fileSize < 8 || start.length < 8) {
            throw new FormatException("the file has " + fileSize + " bytes, fewer than the 8 of the header length (truncated)");
        }
        long n = ByteBuffer.wrap(start, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new FormatException("the header length field reads " + Long.toUnsignedString(n) + " bytes (valid: 2 to " + MAX_HEADER_BYTES + ")");
        }
        if (8 + n > fileSize) {
            throw new FormatException("the header claims " + n + " bytes but the file has only " + (fileSize - 8) + " after the length (truncated)");
        }
        return n;
    }

    /**
     * Parses the N header bytes: JSON, an object, every tensor entry well formed (known dtype,
     * non-negative shape, offsets that match the shape), and the entries covering [0, end) without
     * gaps or overlap. Does not look at the data section.
     */
    public static Header parseHeader(byte[] header) throws FormatException {
        if (header.length == 0 || header[0] != '{') throw new FormatException("the header does not start with '{'");
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new FormatException("the header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw new FormatException("the header is not a JSON object");
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (var it = root.properties().iterator(); it.hasNext(); ) {
            var field = it.next();
            String name = field.getKey();
            JsonNode v = field.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject()) throw new FormatException(METADATA_KEY + " is not a map of strings");
                for (var m = v.properties().iterator(); m.hasNext(); ) {
                    var kv = m.next();
                    if (!kv.getValue().isTextual()) throw new FormatException(METADATA_KEY + "." + kv.getKey() + " is not a string");
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            entries.add(entry(name, v));
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : entries) {
            if (e.begin() != at) {
                throw new FormatException("tensor '" + e.name() + "' starts at byte " + e.begin() + " of the data, expected " + at
                        + " (tensors must cover the data without gaps or overlap)");
            }
            at = e.end();
        }
        return new Header(entries, metadata, 8L + header.length);
    }

    private static Entry entry(String name, JsonNode v) throws FormatException {
        String where = "tensor '" + name + "'";
        if (!v.isObject()) throw new FormatException(where + " is not an object");
        JsonNode dtype = v.get("dtype"), shape = v.get("shape"), offsets = v.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) throw new FormatException(where + " lacks a dtype");
        if (shape == null || !shape.isArray()) throw new FormatException(where + " lacks a shape");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) throw new FormatException(where + " lacks data_offsets [begin, end]");
        if (v.size() != 3) throw new FormatException(where + " has fields besides dtype, shape and data_offsets");
        long[] s = new long[shape.size()];
        for (int i = 0; i < s.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw new FormatException(where + " has a bad shape " + shape);
            }
            s[i] = d.longValue();
        }
        for (JsonNode o : offsets) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
                throw new FormatException(where + " has bad data_offsets " + offsets);
            }
        }
        long begin = offsets.get(0).longValue(), end = offsets.get(1).longValue();
        Entry e = new Entry(name, dtype.textValue(), s, begin, end);
        long bytes;
        try {
            bytes = Math.multiplyExact(e.elements(), dtypeBytes(e.dtype()));
        } catch (ArithmeticException overflow) {
            throw new FormatException(where + " has a shape too large: " + Arrays.toString(s));
        }
        if (end < begin || end - begin != bytes) {
            throw new FormatException(where + ": data_offsets " + offsets + " span " + (end - begin) + " bytes, but "
                    + e.dtype() + Arrays.toString(s) + " needs " + bytes);
        }
        return e;
    }

    /** A float32 tensor to write: its name and shape; its bytes come next in the data section. */
    public record F32(String name, long[] shape) implements Tensor {
        public F32 {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /**
     * The 8-byte length and the header of a file holding {@code tensors} (float32, back to back in
     * this order) and {@code metadata} (may be empty: then no {@value #METADATA_KEY} key), padded
     * with spaces to a multiple of 8. The data, little-endian, follows these bytes.
     */
    public static byte[] header(Map<String, String> metadata, List<F32> tensors) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(METADATA_KEY);
            metadata.forEach(m::put);
        }
        long at = 0;
        for (F32 t : tensors) {
            if (t.name().equals(METADATA_KEY) || root.has(t.name())) throw new IllegalArgumentException("duplicate or reserved tensor name " + t.name());
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", "F32");
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long bytes = t.elements() * Float.BYTES;
            e.putArray("data_offsets").add(at).add(at + bytes);
            at += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.hasRemaining()) out.put((byte) ' ');
        return out.array();
    }
}
