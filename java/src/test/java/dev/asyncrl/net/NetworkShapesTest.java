package dev.asyncrl.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.asyncrl.memory.Layout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The paper's networks as layout tables: the shapes and parameter counts they must have. */
class NetworkShapesTest {

    @Test
    void thePapersAtariNet() {
        // 84×84×4 → conv 16 8×8 stride 4 → 20×20 → conv 32 4×4 stride 2 → 9×9 → FC 256 → heads
        Mlp.Conv c1 = new Mlp.Conv(4, 84, 84, 16, 8, 4);
        Mlp.Conv c2 = new Mlp.Conv(16, c1.outHeight(), c1.outWidth(), 32, 4, 2);
        assertEquals(20, c1.outHeight());
        assertEquals(2592, c2.outputSize(), "9×9×32, as the re-implementations flatten it");
        Mlp net = Mlp.actorCritic(4 * 84 * 84, List.of(c1, c2), 6, new int[] {256}, 0, Activation.RELU);
        Layout l = net.layout();
        assertArrayEquals(new long[] {16, 4, 8, 8}, l.get("conv.0.weight").shape());
        assertArrayEquals(new long[] {32, 16, 4, 4}, l.get("conv.1.weight").shape());
        assertArrayEquals(new long[] {256, 2592}, l.get("torso.0.weight").shape());
        long expected = 16 * 4 * 64 + 16 + 32 * 16 * 16 + 32 + 256 * 2592 + 256 + 6 * 256 + 6 + 256 + 1;
        assertEquals(expected, l.parameterCount());
    }

    @Test
    void theMinAtarNetAndA3cLstm() {
        Mlp.Conv c = new Mlp.Conv(4, 10, 10, 16, 3, 1);
        Mlp net = Mlp.actorCritic(400, List.of(c), 3, new int[] {128}, 256, Activation.RELU);
        assertArrayEquals(new long[] {128, 1024}, net.layout().get("torso.0.weight").shape());
        assertArrayEquals(new long[] {1024, 128}, net.layout().get("lstm.weight_ih").shape(), "4 gates × 256 cells");
        assertArrayEquals(new long[] {1024, 256}, net.layout().get("lstm.weight_hh").shape());
        assertArrayEquals(new long[] {3, 256}, net.layout().get("policy.weight").shape(), "the heads read the LSTM");
    }

    @Test
    void theContinuousControlNet() {
        // the paper's MuJoCo net: FC 200 → LSTM 128 → mean and variance (here with a value head on the same torso)
        Mlp net = Mlp.gaussianActorCritic(3, 1, new int[] {200}, 128, Activation.RELU);
        assertArrayEquals(new long[] {1, 128}, net.layout().get("mu.weight").shape());
        assertArrayEquals(new long[] {1, 128}, net.layout().get("var.weight").shape());
        assertArrayEquals(new long[] {1, 128}, net.layout().get("value.weight").shape());
    }

    @Test
    void convolutionsThatDoNotFitAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Mlp.Conv(4, 3, 3, 16, 5, 1));
        Mlp.Conv c = new Mlp.Conv(4, 10, 10, 16, 3, 1);
        assertThrows(IllegalArgumentException.class,
                () -> Mlp.actorCritic(401, List.of(c), 3, new int[] {8}, 0, Activation.RELU));
    }
}
