package dev.asyncrl.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The safetensors container against the format's definition, with files made by hand byte by
 * byte: the 8-byte little-endian header length, the JSON header padded with spaces to a multiple
 * of 8 (what the reference writer emits), tensors that cover the data exactly, and the ways a
 * header can be malformed.
 */
class SafetensorsTest {

    /** length (LE u64) + header text + data: a file as the format defines it. */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static byte[] floatsLE(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    private static Safetensors.Header parse(byte[] file) throws Safetensors.FormatException {
        long n = Safetensors.headerLength(file, file.length);
        return Safetensors.parseHeader(Arrays.copyOfRange(file, 8, (int) (8 + n)));
    }

    @Test
    void writerEmitsTheReferenceBytes() {
        // One F32 tensor "attn0" of shape (1,1,2,3): 65 bytes of JSON, 7 spaces of padding to 72.
        String json = "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}";
        assertEquals(65, json.length());
        byte[] expected = file(json + " ".repeat(7), new byte[0]);
        assertEquals(72, ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN).getLong());
        byte[] written = Safetensors.header(Map.of(), List.of(new Safetensors.F32("attn0", new long[] {1, 1, 2, 3})));
        assertArrayEquals(expected, written);

        // Metadata only: {"__metadata__":{"framework":"pt"}} is 35 bytes, 5 spaces to 40.
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("framework", "pt");
        assertArrayEquals(file("{\"__metadata__\":{\"framework\":\"pt\"}}" + " ".repeat(5), new byte[0]),
                Safetensors.header(meta, List.of()));
    }

    @Test
    void readsAHandMadeFile() throws Exception {
        // Two tensors listed out of data order, a non-F32 one, metadata, no padding at all.
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[8,24]},"
                + "\"__metadata__\":{\"format\":\"np\",\"note\":\"hand made\"},"
                + "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}";
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42).array());
        data.write(floatsLE(1f, 2f, 3f, 4f));
        byte[] f = file(json, data.toByteArray());

        Safetensors.Header h = parse(f);
        assertEquals(8 + json.length(), h.dataStart());
        assertEquals(24, h.dataBytes());
        assertEquals(List.of("step", "w"), h.entries().stream().map(Safetensors.Entry::name).toList(), "entries in data order");
        Safetensors.Entry w = h.entry("w");
        assertEquals("F32", w.dtype());
        assertArrayEquals(new long[] {2, 2}, w.shape());
        assertEquals(8, w.begin());
        assertEquals(24, w.end());
        assertEquals(1, h.entry("step").elements(), "a scalar has shape [] and one element");
        assertEquals(Map.of("format", "np", "note", "hand made"), h.metadata());
        ByteBuffer d = ByteBuffer.wrap(f, (int) (h.dataStart() + w.begin()), 16).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3f, d.getFloat(8));
    }

    @Test
    void writtenHeaderParsesBack() throws Exception {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("k", "v with \"quotes\" and ü");
        List<Safetensors.F32> tensors = List.of(new Safetensors.F32("param.a", new long[] {3, 5}),
                new Safetensors.F32("param.b", new long[] {7}));
        byte[] header = Safetensors.header(meta, tensors);
        assertEquals(0, (header.length - 8) % 8, "header padded to a multiple of 8");
        byte[] f = Arrays.copyOf(header, header.length + (15 + 7) * 4);
        Safetensors.Header h = parse(f);
        assertEquals(meta, h.metadata());
        assertEquals(0, h.entry("param.a").begin());
        assertEquals(60, h.entry("param.a").end());
        assertEquals(60, h.entry("param.b").begin());
        assertEquals(88, h.entry("param.b").end());
        assertEquals(header.length, h.dataStart());
    }

    private static void assertBad(String fragment, byte[] f) {
        Safetensors.FormatException e = assertThrows(Safetensors.FormatException.class, () -> parse(f));
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }

    private static void assertBadHeader(String fragment, String json) {
        assertBad(fragment, file(json, new byte[64]));
    }

    @Test
    void malformedHeadersAreNamed() {
        assertBad("fewer than the 8", new byte[5]);
        byte[] tooLong = file("{}", new byte[0]);
        tooLong[0] = 100;
        assertBad("truncated", tooLong);
        byte[] huge = file("{}", new byte[0]);
        huge[7] = 0x10;
        assertBad("header length", huge);
        assertBadHeader("does not start with '{'", " {}");
        assertBadHeader("not valid JSON", "{\"a\":");
        assertBadHeader("not valid JSON", "{} x");
        assertBadHeader("not valid JSON", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{}}");
        assertBadHeader("unknown dtype 'F33'", "{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        assertBadHeader("lacks a shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}");
        assertBadHeader("bad shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}");
        assertBadHeader("lacks data_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}");
        assertBadHeader("needs 8", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}");
        assertBadHeader("expected 0", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}");
        assertBadHeader("expected 4", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}");
        assertBadHeader("expected 8", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}");
        assertBadHeader("not a map of strings", "{\"__metadata__\":[1]}");
        assertBadHeader("is not a string", "{\"__metadata__\":{\"a\":1}}");
        assertBadHeader("fields besides", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}");
    }
}
