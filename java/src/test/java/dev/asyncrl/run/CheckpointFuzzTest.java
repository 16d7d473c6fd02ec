package dev.asyncrl.run;

import static dev.asyncrl.run.ReaderFuzzing.requireClear;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.asyncrl.algo.Hyperparameters.OptimizerKind;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * checkpoint.safetensors from arbitrary bytes (seed: a real CartPole checkpoint, in
 * CheckpointFuzzTestInputs): reading it, then what resuming or eval does with it (the recorded
 * configuration, restoring θ and g into the network it was written for), refuses clearly or works.
 * Each input is tried twice, the second time with its checksum made to match, so that mutations
 * reach the checks behind the CRC instead of all stopping there.
 */
class CheckpointFuzzTest {

    private static final Path FILE = Path.of("run", Checkpoint.FILE);
    /** The seed's network: CartPole's 4 observations, 2 actions, one hidden layer of 8. */
    private static final Layout LAYOUT = Mlp.actorCritic(4, 2, new int[] {8}, Activation.RELU).layout();
    private static final byte[] MARKER = "\"checksum\":\"crc32c:".getBytes(StandardCharsets.US_ASCII);

    @FuzzTest(maxDuration = "10s")
    void fuzz(byte[] bytes) {
        readAndRestore(bytes);
        byte[] sealed = withMatchingChecksum(bytes);
        if (sealed != null) readAndRestore(sealed);
    }

    private static void readAndRestore(byte[] bytes) {
        Checkpoint c;
        try {
            c = Checkpoint.fromBytes(FILE, bytes);
        } catch (IllegalArgumentException e) {
            requireClear(e);
            return;
        }
        try {
            TrainConfig.fromJson(c.config(), Path.of("out"));
        } catch (IllegalArgumentException e) {
            requireClear(e);
        }
        try (SharedParams shared = new SharedParams(LAYOUT, false, 0)) {
            c.restore(LAYOUT, Checkpoint.blocks(shared, OptimizerKind.SHARED_RMSPROP));
        } catch (IllegalArgumentException e) {
            requireClear(e);
        }
    }

    /** {@code bytes} with the 8 hex digits after the checksum marker set as the writer would; null without a marker. */
    private static byte[] withMatchingChecksum(byte[] bytes) {
        int at = Checkpoint.indexOf(bytes, MARKER);
        if (at < 0 || at + MARKER.length + 8 > bytes.length) return null;
        byte[] out = bytes.clone();
        int digits = at + MARKER.length;
        for (int i = 0; i < 8; i++) out[digits + i] = '0';
        CRC32C crc = new CRC32C();
        crc.update(out);
        byte[] hex = String.format(Locale.ROOT, "%08x", crc.getValue()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, out, digits, 8);
        return out;
    }
}
