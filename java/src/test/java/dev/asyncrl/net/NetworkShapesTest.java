package dev.asyncrl.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        // the paper's MuJoCo net's torso: FC 200 → LSTM 128 → mean and variance, here with the value head on the same torso
        Mlp net = Mlp.gaussianActorCritic(3, 1, new int[] {200}, 128, Activation.RELU);
        assertArrayEquals(new long[] {1, 128}, net.layout().get("mu.weight").shape());
        assertArrayEquals(new long[] {1, 128}, net.layout().get("var.weight").shape());
        assertArrayEquals(new long[] {1, 128}, net.layout().get("value.weight").shape());
    }

    @Test
    void theContinuousControlNetWithItsSeparateValueNetwork() {
        // the paper's MuJoCo net: policy FC 200 ReLU → LSTM 128 → μ, v; value: its own FC 200 → LSTM 128 → V
        Mlp net = Mlp.gaussianActorCritic(3, 1, new int[] {200}, 128, Activation.RELU, ValueNet.SEPARATE);
        Layout l = net.layout();
        assertEquals(List.of("torso.0.weight", "torso.0.bias", "lstm.weight_ih", "lstm.weight_hh", "lstm.bias",
                        "mu.weight", "mu.bias", "var.weight", "var.bias",
                        "value_torso.0.weight", "value_torso.0.bias", "value_lstm.weight_ih", "value_lstm.weight_hh", "value_lstm.bias",
                        "value.weight", "value.bias"),
                l.tensors().stream().map(Layout.Tensor::name).toList());
        for (String p : List.of("", "value_")) {
            assertArrayEquals(new long[] {200, 3}, l.get(p + "torso.0.weight").shape());
            assertArrayEquals(new long[] {512, 200}, l.get(p + "lstm.weight_ih").shape());
            assertArrayEquals(new long[] {512, 128}, l.get(p + "lstm.weight_hh").shape());
        }
        assertArrayEquals(new long[] {1, 128}, l.get("value.weight").shape(), "the value reads its own LSTM");
        long torso = 200 * 3 + 200 + 512 * 200 + 512 * 128 + 512;
        assertEquals(2 * torso + 2 * (128 + 1) + (128 + 1), l.parameterCount());
        assertEquals(List.of("", "value_"), net.torsos());
        assertEquals("value_", net.torsoOf(net.heads().get(Mlp.GAUSS_VALUE)));
        assertEquals("", net.torsoOf(net.heads().get(Mlp.MU)));
        for (int i = 1; i < l.tensors().size(); i++) {  // disjoint, in order: one index space for θ, dθ and g
            Layout.Tensor a = l.tensors().get(i - 1), b = l.tensors().get(i);
            assertTrue(a.offset() + a.size() <= b.offset(), a + " and " + b + " overlap");
        }
    }

    @Test
    void aSharedValueHeadKeepsTheLayoutOfRunsFromBeforeTheFlag() {
        Mlp shared = Mlp.gaussianActorCritic(3, 1, new int[] {64, 64}, 0, Activation.TANH, ValueNet.SHARED);
        // names and offsets as the pendulum preset's runs recorded them (64·3 = 192, 64 + 64·64 + 64 ... rounded up to 16)
        assertEquals("[torso.0.weight[64, 3]@0, torso.0.bias[64]@192, torso.1.weight[64, 64]@256, torso.1.bias[64]@4352, "
                + "mu.weight[1, 64]@4416, mu.bias[1]@4480, var.weight[1, 64]@4496, var.bias[1]@4560, value.weight[1, 64]@4576, "
                + "value.bias[1]@4640]", shared.layout().tensors().toString());
        assertEquals(List.of(""), shared.torsos());
        assertThrows(IllegalArgumentException.class, () -> new Mlp(3, List.of(), new int[] {8}, 0, Activation.RELU,
                List.of(new Mlp.Head("q", 2)), ValueNet.SEPARATE), "a separate value net needs a value head");
    }

    @Test
    void convolutionsThatDoNotFitAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Mlp.Conv(4, 3, 3, 16, 5, 1));
        Mlp.Conv c = new Mlp.Conv(4, 10, 10, 16, 3, 1);
        assertThrows(IllegalArgumentException.class,
                () -> Mlp.actorCritic(401, List.of(c), 3, new int[] {8}, 0, Activation.RELU));
    }
}
