package dev.asyncrl.net;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Workspace.forwardBatch (one batch-n kernel call per layer) leaves exactly what n one-row
 * forwards leave: the same head outputs and, through the backward that reads them, the same
 * activations. The Java kernel computes each row the same way in either case, so "the same" is
 * bit for bit here.
 */
class ForwardBatchTest {

    private static final int ROWS = 5;

    private static float[][] run(Mlp net, boolean batch) {
        Kernel k = new JavaKernel();
        try (Arena arena = Arena.ofConfined()) {
            Workspace ws = net.workspace(arena, ROWS);
            net.initialize(ws.params, 3);
            SplittableRandom rng = new SplittableRandom(11);
            fill(ws.obs, rng);
            if (batch) {
                ws.forwardBatch(k, ROWS);
            } else {
                for (int r = 0; r < ROWS; r++) ws.forward(k, r);
            }
            float[][] result = new float[net.heads().size() + 1][];
            for (int j = 0; j < net.heads().size(); j++) {
                result[j] = ws.out(j).toArray(JAVA_FLOAT);
                fill(ws.dOut(j), new SplittableRandom(j));
            }
            ws.grads.fill((byte) 0);
            ws.backward(k, ROWS);
            result[net.heads().size()] = ws.grads.toArray(JAVA_FLOAT);
            return result;
        }
    }

    private static void fill(MemorySegment s, SplittableRandom rng) {
        for (long i = 0; i < s.byteSize() / Float.BYTES; i++) s.setAtIndex(JAVA_FLOAT, i, (float) rng.nextDouble(-1, 1));
    }

    private static void assertSame(Mlp net) {
        float[][] rows = run(net, false), batch = run(net, true);
        for (int j = 0; j < rows.length; j++) assertArrayEquals(rows[j], batch[j], j < net.heads().size() ? "head " + j : "dθ");
    }

    @Test
    void anMlpForwardsTheSameInOneBatch() {
        assertSame(Mlp.actorCritic(4, 3, new int[] {16, 8}, Activation.TANH));
    }

    @Test
    void aConvNetForwardsTheSameInOneBatch() {
        Mlp.Conv c1 = new Mlp.Conv(2, 9, 9, 3, 3, 2);
        Mlp.Conv c2 = new Mlp.Conv(3, c1.outHeight(), c1.outWidth(), 4, 2, 1);
        assertSame(Mlp.actorCritic(2 * 9 * 9, List.of(c1, c2), 5, new int[] {12}, 0, Activation.RELU));
    }

    @Test
    void anLstmNetCannotForwardInOneBatch() {
        Mlp net = Mlp.actorCritic(3, List.<Mlp.Conv>of(), 2, new int[] {4}, 4, Activation.TANH);
        try (Arena arena = Arena.ofConfined()) {
            Workspace ws = net.workspace(arena, ROWS);
            assertThrows(IllegalStateException.class, () -> ws.forwardBatch(new JavaKernel(), ROWS));
        }
    }
}
